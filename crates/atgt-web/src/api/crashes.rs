//! The crash registry over the API: list, register, read, new version, versions,
//! statistics with the same period, GeoJSON, import.

use super::Page;
use crate::auth::Current;
use crate::error::{AppError, AppResult};
use crate::pages::crashes::{FilterQuery, parse_dim, scope_filter, visible};
use crate::state::AppState;
use atgt_core::auth::Perm;
use atgt_core::crashes::CrashRecord;
use atgt_store::crashes::stats::{Dim, Stats};
use atgt_store::crashes::{Crash, ImportReport, Version};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// Filters (dates as YYYY-MM-DD or dd/mm/yyyy; the period defaults to this year).
#[derive(Deserialize, IntoParams)]
pub struct CrashParams {
    from: Option<String>,
    to: Option<String>,
    /// New commune code.
    commune: Option<String>,
    /// Old district code.
    old_district: Option<String>,
    road: Option<String>,
    class: Option<String>,
    /// Any value: count collisions (va chạm) too.
    collisions: Option<String>,
    /// For statistics: total, province, commune, old_district, road, year, quarter, month, class,
    /// vehicle_type, cause, hour, weekday, hour_weekday, age_group.
    dim: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

impl CrashParams {
    fn query(&self) -> FilterQuery {
        FilterQuery {
            from: self.from.clone(),
            to: self.to.clone(),
            commune: self.commune.clone(),
            old_district: self.old_district.clone(),
            road: self.road.clone(),
            class: self.class.clone(),
            dim: self.dim.clone(),
            collisions: self.collisions.clone(),
            page: None,
        }
    }
}

/// Crashes matching the filters, newest first.
#[utoipa::path(get, path = "/api/v1/crashes", tag = "crashes", params(CrashParams),
    responses((status = 200, body = Page<Crash>), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["crashes:read"])))]
pub async fn list(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<CrashParams>,
) -> AppResult<Json<Page<Crash>>> {
    let f = q.query().filter(&scope_filter(&st, &p).await?)?;
    let (items, total) = st
        .store
        .crashes(&f, q.limit.unwrap_or(100), q.offset.unwrap_or(0))
        .await?;
    Ok(Json(Page { items, total }))
}

#[derive(Deserialize, ToSchema)]
pub struct CrashBody {
    pub record: CrashRecord,
    /// Code of the investigating unit.
    pub investigating_org: Option<String>,
}

/// Register a crash; its class is computed from the rules in force on its date.
#[utoipa::path(post, path = "/api/v1/crashes", tag = "crashes", request_body = CrashBody,
    responses((status = 201, body = Crash), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["crashes:write"])))]
pub async fn create(
    State(st): State<AppState>,
    Current(p): Current,
    Json(b): Json<CrashBody>,
) -> AppResult<(StatusCode, Json<Crash>)> {
    let c = st
        .store
        .crash_create(&p.actor(), &b.record, "api", b.investigating_org.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// One crash (current version).
#[utoipa::path(get, path = "/api/v1/crashes/{id}", tag = "crashes", params(("id" = i64, Path)),
    responses((status = 200, body = Crash), (status = 404, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["crashes:read"])))]
pub async fn get(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
) -> AppResult<Json<Crash>> {
    Ok(Json(visible(&st, &p, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct VersionBody {
    pub record: CrashRecord,
    /// Why the crash changes (required): a later death, an assessment, a correction.
    pub reason: String,
    pub investigating_org: Option<String>,
}

/// Record a new version of a crash; earlier versions are kept.
#[utoipa::path(put, path = "/api/v1/crashes/{id}", tag = "crashes", params(("id" = i64, Path)), request_body = VersionBody,
    responses((status = 200, body = Crash), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["crashes:write"])))]
pub async fn update(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    Json(b): Json<VersionBody>,
) -> AppResult<Json<Crash>> {
    visible(&st, &p, id).await?;
    Ok(Json(
        st.store
            .crash_update(
                &p.actor(),
                id,
                &b.record,
                &b.reason,
                b.investigating_org.as_deref(),
            )
            .await?,
    ))
}

/// Every version of a crash. People's details only with the personal-data permission.
#[utoipa::path(get, path = "/api/v1/crashes/{id}/versions", tag = "crashes", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Version>), (status = 404, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["crashes:read"])))]
pub async fn versions(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<Version>>> {
    visible(&st, &p, id).await?;
    let mut v = st.store.crash_versions(id).await?;
    if p.allows(Perm::CrashesPersonal) {
        crate::pages::hub::log_crash_read(&st, &p, id, "people", "api").await?;
    } else {
        for x in &mut v {
            if let Some(r) = x.record.get_mut("record") {
                r["people"] = serde_json::Value::Array(Vec::new());
            }
        }
    }
    Ok(Json(v))
}

/// The three criteria by a dimension with the same period of the year before.
#[utoipa::path(get, path = "/api/v1/crashes/stats", tag = "crashes", params(CrashParams),
    responses((status = 200, body = Stats), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["crashes:read"])))]
pub async fn stats(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<CrashParams>,
) -> AppResult<Json<Stats>> {
    let f = q.query().filter(&scope_filter(&st, &p).await?)?;
    let dim = parse_dim(q.dim.as_deref(), Dim::Total)?;
    Ok(Json(st.store.crash_stats(&f, dim).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct ImportParams {
    /// A shipped mapping by name (e.g. `ireland`); without it the file has the canonical columns.
    mapping: Option<String>,
    dry_run: Option<bool>,
    strict: Option<bool>,
    /// The file name recorded as the source.
    name: Option<String>,
}

/// Import a CSV or XLSX file sent as the request body.
#[utoipa::path(post, path = "/api/v1/crashes/import", tag = "crashes", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["crashes:write"])))]
pub async fn import(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<ImportParams>,
    body: Bytes,
) -> AppResult<Json<ImportReport>> {
    let mapping = match q.mapping.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => Some(
            crate::pages::crashes::MAPPINGS
                .iter()
                .find(|(k, _)| *k == m)
                .map(|(_, v)| v.to_string())
                .ok_or_else(|| AppError::invalid("mapping", "error.bad_request"))?,
        ),
        None => None,
    };
    let rows =
        crate::tabular::parse_crashes_lazily(&body, mapping.as_deref()).map_err(|(k, a)| {
            AppError::Invalid {
                field: "file".into(),
                key: k,
                arg: a,
            }
        })?;
    let name = q.name.unwrap_or_else(|| "api".into());
    Ok(Json(
        st.store
            .crash_import(
                &p.actor(),
                rows,
                &name,
                q.dry_run.unwrap_or(false),
                q.strict.unwrap_or(false),
                |_| {},
            )
            .await?,
    ))
}
