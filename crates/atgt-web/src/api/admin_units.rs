//! Administrative units of both maps, with the old→new mapping.

use super::Page;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use atgt_core::admin::{AdminUnit, Scheme};
use atgt_store::admin::{Mapping, UnitQuery};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct UnitParams {
    /// `new` (from 1/7/2025, default) or `old`.
    scheme: Option<String>,
    /// `province`, `district` or `commune`.
    level: Option<String>,
    /// Province code.
    province: Option<String>,
    /// Code of the unit above.
    parent: Option<String>,
    /// Words, with or without diacritics.
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// Search administrative units.
#[utoipa::path(get, path = "/api/v1/admin-units", tag = "reference", params(UnitParams),
    responses((status = 200, body = Page<AdminUnit>), (status = 401, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["reference:read"])))]
pub async fn list(
    State(st): State<AppState>,
    Query(p): Query<UnitParams>,
) -> AppResult<Json<Page<AdminUnit>>> {
    let scheme = match p.scheme.as_deref() {
        None | Some("") => Scheme::New,
        Some(s) => s
            .parse()
            .map_err(|_| AppError::invalid("scheme", "error.bad_request"))?,
    };
    let level = match p.level.as_deref() {
        None | Some("") => None,
        Some(l) => Some(
            l.parse()
                .map_err(|_| AppError::invalid("level", "error.bad_request"))?,
        ),
    };
    let (items, total) = st
        .store
        .admin_units(&UnitQuery {
            scheme: Some(scheme),
            level,
            province_code: p.province,
            parent_code: p.parent,
            q: p.q,
            limit: p.limit.unwrap_or(100),
            offset: p.offset.unwrap_or(0),
        })
        .await?;
    Ok(Json(Page { items, total }))
}

#[derive(Serialize, ToSchema)]
pub struct UnitDetail {
    pub unit: AdminUnit,
    /// For an old unit: the new unit(s) it became.
    pub maps_to: Vec<Mapping>,
    /// For a new commune: the old communes it was formed from.
    pub formed_from: Vec<AdminUnit>,
}

/// One unit with its mapping.
#[utoipa::path(get, path = "/api/v1/admin-units/{scheme}/{code}", tag = "reference",
    params(("scheme" = String, Path, description = "new or old"), ("code" = String, Path, description = "official code")),
    responses((status = 200, body = UnitDetail), (status = 404, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["reference:read"])))]
pub async fn get(
    State(st): State<AppState>,
    Path((scheme, code)): Path<(String, String)>,
) -> AppResult<Json<UnitDetail>> {
    let scheme: Scheme = scheme.parse().map_err(|_| AppError::NotFound)?;
    let unit = st.store.admin_unit(scheme, &code).await?;
    let (maps_to, formed_from) = match scheme {
        Scheme::Old => (st.store.admin_maps_to(&unit).await?, Vec::new()),
        Scheme::New => (
            Vec::new(),
            st.store
                .admin_maps_from(&unit.code)
                .await?
                .into_iter()
                .map(|(u, _)| u)
                .collect(),
        ),
    };
    Ok(Json(UnitDetail {
        unit,
        maps_to,
        formed_from,
    }))
}
