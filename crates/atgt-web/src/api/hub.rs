//! The data hub over the API: partners' bulk sync (NDJSON or CSV by Content-Type, one
//! scope per kind of record), the change feed, a vehicle's record and flags, a
//! licence with its points. Security-sensitive: owners' and holders' personal data is
//! only on the `/owner` and `/holder` routes (scope `hub:owners:read`), with a stated
//! purpose, and every such read is in the access log.

use crate::auth::Current;
use crate::error::{AppError, AppResult, field_message};
use crate::state::AppState;
use atgt_core::hub::Kind;
use atgt_core::hub::checks::Finding;
use atgt_core::i18n::{Lang, tf};
use atgt_store::hub::{Change, HolderView, LicenceRecord, LineStatus, OwnerView, VehicleFile};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

/// One refused field of a line, with the message in the caller's language naming the
/// line and the field.
#[derive(Serialize, ToSchema)]
pub struct LineError {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct LineOut {
    pub line: usize,
    pub record_id: Option<String>,
    pub version: Option<i64>,
    pub status: LineStatus,
    pub errors: Vec<LineError>,
}

/// The result of a sync: counts and one entry per line.
#[derive(Serialize, ToSchema)]
pub struct SyncOut {
    pub kind: Kind,
    pub applied: usize,
    pub unchanged: usize,
    pub stale: usize,
    pub errors: usize,
    pub lines: Vec<LineOut>,
}

fn is_csv(h: &HeaderMap) -> bool {
    h.get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"))
}

/// "Dòng 3: Trường "Biển số" không hợp lệ: …".
pub fn line_message(lang: Lang, line: usize, field: &str, key: &str) -> String {
    tf(
        lang,
        "hub.line_error",
        &[
            ("line", &line.to_string()),
            ("message", &field_message(lang, field, key, "")),
        ],
    )
}

async fn sync(
    st: AppState,
    p: crate::auth::Principal,
    kind: Kind,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<SyncOut>> {
    let lang = crate::view::request_lang(&headers, p.user(), true);
    let lines = atgt_store::hub::input::lines(&body, is_csv(&headers));
    if lines.len() > 200_000 {
        return Err(AppError::invalid("body", "hub.error.too_many_lines"));
    }
    let sha = hex::encode(Sha256::digest(&body));
    let r = st.store.hub_sync(&p.actor(), kind, lines, &sha).await?;
    Ok(Json(SyncOut {
        kind: r.kind,
        applied: r.applied,
        unchanged: r.unchanged,
        stale: r.stale,
        errors: r.errors,
        lines: r
            .lines
            .into_iter()
            .map(|l| LineOut {
                errors: l
                    .errors
                    .iter()
                    .map(|e| LineError {
                        field: e.field.clone(),
                        code: e.key.clone(),
                        message: line_message(lang, l.line, &e.field, &e.key),
                    })
                    .collect(),
                line: l.line,
                record_id: l.record_id,
                version: l.version,
                status: l.status,
            })
            .collect(),
    }))
}

macro_rules! sync_route {
    ($name:ident, $kind:expr, $path:literal, $scope:literal) => {
        /// Bulk sync of one kind of record: NDJSON (`application/x-ndjson`) or CSV
        /// (`text/csv`, header line first), idempotent by the partner's `record_id` and
        /// `version`. Each line is applied or refused on its own with its reasons; the
        /// request is written at once or not at all, so it can be re-sent safely.
        #[utoipa::path(post, path = $path, tag = "hub",
            request_body(content = String, content_type = "application/x-ndjson"),
            responses((status = 200, body = SyncOut), (status = 422, body = super::ErrorBody)),
            security(("session" = []), ("api_key" = [$scope])))]
        pub async fn $name(
            State(st): State<AppState>,
            Current(p): Current,
            headers: HeaderMap,
            body: Bytes,
        ) -> AppResult<Json<SyncOut>> {
            sync(st, p, $kind, headers, body).await
        }
    };
}

sync_route!(
    sync_vehicles,
    Kind::Vehicles,
    "/api/v1/hub/vehicles/sync",
    "hub:vehicles:write"
);
sync_route!(
    sync_inspections,
    Kind::Inspections,
    "/api/v1/hub/inspections/sync",
    "hub:inspections:write"
);
sync_route!(
    sync_licences,
    Kind::Licences,
    "/api/v1/hub/licences/sync",
    "hub:licences:write"
);
sync_route!(
    sync_training,
    Kind::Training,
    "/api/v1/hub/training/sync",
    "hub:training:write"
);
sync_route!(
    sync_businesses,
    Kind::Businesses,
    "/api/v1/hub/businesses/sync",
    "hub:businesses:write"
);
sync_route!(
    sync_badges,
    Kind::Badges,
    "/api/v1/hub/badges/sync",
    "hub:businesses:write"
);
sync_route!(
    sync_measurements,
    Kind::Measurements,
    "/api/v1/hub/measurements/sync",
    "hub:measurements:write"
);

#[derive(Deserialize, IntoParams)]
pub struct ChangesParams {
    /// The last `seq` already seen (0 for the start).
    since: Option<i64>,
    /// At most this many (1–10,000; 1,000 by default).
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ChangesOut {
    pub items: Vec<Change>,
    /// The cursor to send as `since` next time.
    pub next: i64,
}

/// The change feed: record versions applied after `since`, oldest first.
#[utoipa::path(get, path = "/api/v1/hub/changes", tag = "hub", params(ChangesParams),
    responses((status = 200, body = ChangesOut)),
    security(("session" = []), ("api_key" = ["hub:read"])))]
pub async fn changes(
    State(st): State<AppState>,
    Query(q): Query<ChangesParams>,
) -> AppResult<Json<ChangesOut>> {
    let since = q.since.unwrap_or(0).max(0);
    let items = st.store.hub_changes(since, q.limit.unwrap_or(1000)).await?;
    let next = items.last().map(|c| c.seq).unwrap_or(since);
    Ok(Json(ChangesOut { items, next }))
}

/// A vehicle's registration, history, certificates, badges, measurements, violations
/// and crashes; no personal data.
#[utoipa::path(get, path = "/api/v1/hub/vehicles/{plate}", tag = "hub", params(("plate" = String, Path)),
    responses((status = 200, body = VehicleFile), (status = 404, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["hub:read"])))]
pub async fn vehicle(
    State(st): State<AppState>,
    Path(plate): Path<String>,
) -> AppResult<Json<VehicleFile>> {
    Ok(Json(
        st.store
            .hub_vehicle_file(&plate)
            .await?
            .ok_or(AppError::NotFound)?,
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct PurposeParams {
    /// Why the personal data is read: violation_handling, crash_investigation,
    /// inspection, owner_notice, data_subject_request, audit.
    purpose: Option<String>,
}

/// The owner of a vehicle now and at each registration: personal data, logged with
/// the purpose given.
#[utoipa::path(get, path = "/api/v1/hub/vehicles/{plate}/owner", tag = "hub",
    params(("plate" = String, Path), PurposeParams),
    responses((status = 200, body = OwnerView), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["hub:owners:read"])))]
pub async fn owner(
    State(st): State<AppState>,
    Current(p): Current,
    Path(plate): Path<String>,
    Query(q): Query<PurposeParams>,
) -> AppResult<Json<OwnerView>> {
    let v = st
        .store
        .hub_owner_read(
            &p.actor(),
            &plate,
            q.purpose.as_deref().unwrap_or(""),
            "api",
        )
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(v))
}

#[derive(Serialize, ToSchema)]
pub struct FlagsOut {
    pub plate: String,
    /// True when the vehicle may not be inspected or registered until its camera
    /// violations are resolved (Circular 73/2024 Art. 24 k5).
    pub unresolved_violation_block: bool,
    pub flags: Vec<Finding>,
}

/// The flags of a vehicle today, for the inspection station: the unresolved-violation
/// block, an expired certificate, a bed mismatch, a missing badge; each with its legal
/// basis.
#[utoipa::path(get, path = "/api/v1/hub/vehicles/{plate}/flags", tag = "hub", params(("plate" = String, Path)),
    responses((status = 200, body = FlagsOut), (status = 404, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["hub:flags:read"])))]
pub async fn flags(
    State(st): State<AppState>,
    Path(plate): Path<String>,
) -> AppResult<Json<FlagsOut>> {
    let v = st
        .store
        .hub_vehicle(&plate)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = atgt_core::time::local_date(jiff::Timestamp::now());
    let flags = st.store.hub_flags(&v.plate_key, today).await?;
    Ok(Json(FlagsOut {
        plate: v.plate,
        unresolved_violation_block: flags.iter().any(|f| f.code == "inspection_block"),
        flags,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct LicenceOut {
    pub licence: LicenceRecord,
    /// Points today (Law 36/2024 Art. 58), from the enforcement ledger.
    pub points: i64,
}

/// A driver licence with its points today; no personal data.
#[utoipa::path(get, path = "/api/v1/hub/licences/{no}", tag = "hub", params(("no" = String, Path)),
    responses((status = 200, body = LicenceOut), (status = 404, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["hub:read"])))]
pub async fn licence(
    State(st): State<AppState>,
    Path(no): Path<String>,
) -> AppResult<Json<LicenceOut>> {
    let licence = st.store.hub_licence(&no).await?.ok_or(AppError::NotFound)?;
    let points = licence_points(&st, &licence.licence_no).await?;
    Ok(Json(LicenceOut { licence, points }))
}

/// Points of a licence today from the enforcement ledger.
pub async fn licence_points(st: &AppState, no: &str) -> AppResult<i64> {
    let d = st.store.licence_deductions(no).await?;
    let rule = st.store.catalog().await?.points;
    let today = atgt_core::time::local_date(jiff::Timestamp::now());
    Ok(atgt_core::enforcement::points_on(&d, &[], today, &rule))
}

/// The holder of a licence and their training results: personal data, logged with
/// the purpose given.
#[utoipa::path(get, path = "/api/v1/hub/licences/{no}/holder", tag = "hub",
    params(("no" = String, Path), PurposeParams),
    responses((status = 200, body = HolderView), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["hub:owners:read"])))]
pub async fn holder(
    State(st): State<AppState>,
    Current(p): Current,
    Path(no): Path<String>,
    Query(q): Query<PurposeParams>,
) -> AppResult<Json<HolderView>> {
    let v = st
        .store
        .hub_holder_read(&p.actor(), &no, q.purpose.as_deref().unwrap_or(""), "api")
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(v))
}
