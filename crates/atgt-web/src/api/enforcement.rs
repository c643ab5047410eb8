//! Cameras and violation processing over the API: plate-read ingest (NDJSON, API key
//! with the `ingest` scope; the answer comes after the reads are committed), camera
//! images bound by SHA-256, heartbeats, the camera list, detection, cases and their
//! actions (four-eyes checked by the workflow).

use super::Page;
use crate::auth::Current;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use atgt_core::enforcement::{Action, CaseState, parse_read};
use atgt_core::i18n::t;
use atgt_store::enforcement::{Camera, Case, CaseFilter, DetectReport, IngestReport, LineReject};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// At most this many lines per request.
pub const MAX_LINES: usize = 100_000;

/// Lines of a body, numbered, each a checked read or its refusal.
pub type Lines = Vec<(usize, Result<atgt_core::enforcement::Read, LineReject>)>;

/// Splits an NDJSON body into checked reads, numbering lines from 1 (blank lines are
/// skipped but counted).
pub fn parse_body(body: &[u8]) -> Result<Lines, AppError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| AppError::invalid("body", "enforcement_error.read_not_utf8"))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if out.len() >= MAX_LINES {
            return Err(AppError::invalid(
                "body",
                "enforcement_error.read_too_many_lines",
            ));
        }
        out.push((
            i + 1,
            parse_read(line).map_err(|e| LineReject {
                line: i + 1,
                field: e.field.into(),
                key: e.key.into(),
                reason: String::new(),
            }),
        ));
    }
    Ok(out)
}

/// Ingest plate reads: one JSON object per line (`event_id`, `camera_id`, `read_at`
/// RFC 3339, `plate`, optional `plate_confidence`, `speed_kmh`, `lane`,
/// `vehicle_class`, `image_sha256`). Answered after the accepted reads are committed;
/// a repeated `event_id` counts as a duplicate; each refused line is listed with its
/// number and reason.
#[utoipa::path(post, path = "/api/v1/plate-reads", tag = "enforcement",
    request_body(content = String, content_type = "application/x-ndjson"),
    responses((status = 200, body = IngestReport), (status = 422, body = super::ErrorBody)),
    security(("api_key" = ["ingest"])))]
pub async fn ingest(
    State(st): State<AppState>,
    Current(p): Current,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<IngestReport>> {
    let lang = crate::view::request_lang(&headers, p.user(), true);
    let lines = parse_body(&body)?;
    let mut rep = st.store.ingest_reads(&p.actor(), lines).await?;
    for r in &mut rep.rejected {
        r.reason = t(lang, &r.key).to_string();
    }
    Ok(Json(rep))
}

/// The OpenALPR / Rekor Scout `alpr_group` webhook: one JSON object (or one per line),
/// mapped to reads (`best_uuid` → event id, numeric `camera_id` → the camera registered
/// under that number, `epoch_start` → time, `best_plate_number`, `best_confidence`,
/// `vehicle.type`). Same answer as `/api/v1/plate-reads`.
#[utoipa::path(post, path = "/api/v1/plate-reads/alpr-group", tag = "enforcement",
    request_body(content = String, content_type = "application/json"),
    responses((status = 200, body = IngestReport), (status = 422, body = super::ErrorBody)),
    security(("api_key" = ["ingest"])))]
pub async fn alpr_group(
    State(st): State<AppState>,
    Current(p): Current,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<IngestReport>> {
    let lang = crate::view::request_lang(&headers, p.user(), true);
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::invalid("body", "enforcement_error.read_not_utf8"))?;
    let mut lines = Vec::new();
    let objects: Vec<(usize, Result<serde_json::Value, ()>)> =
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => vec![(1, Ok(v))],
            Err(_) => text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| (i + 1, serde_json::from_str(l).map_err(|_| ())))
                .collect(),
        };
    for (n, o) in objects {
        let r = o
            .map_err(|_| atgt_core::enforcement::LineError {
                field: "line",
                key: "enforcement_error.read_not_json",
            })
            .and_then(|v| atgt_core::enforcement::alpr_group_line(&v))
            .and_then(|l| parse_read(&l));
        lines.push((
            n,
            r.map_err(|e| LineReject {
                line: n,
                field: e.field.into(),
                key: e.key.into(),
                reason: String::new(),
            }),
        ));
    }
    let mut rep = st.store.ingest_reads(&p.actor(), lines).await?;
    for r in &mut rep.rejected {
        r.reason = t(lang, &r.key).to_string();
    }
    Ok(Json(rep))
}

#[derive(Serialize, ToSchema)]
pub struct ImageStored {
    pub sha256: String,
    pub size: i64,
}

/// Upload a camera image (JPEG or PNG) as the body; reads refer to it by `image_sha256`.
#[utoipa::path(post, path = "/api/v1/plate-reads/images", tag = "enforcement",
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 200, body = ImageStored), (status = 422, body = super::ErrorBody)),
    security(("api_key" = ["ingest"])))]
pub async fn image(
    State(st): State<AppState>,
    Current(p): Current,
    body: Bytes,
) -> AppResult<Json<ImageStored>> {
    let mime = crate::files::sniff_image(&body)
        .ok_or_else(|| AppError::invalid("body", "error.file_not_image"))?;
    let files = st.files.clone();
    let bytes = body.clone();
    let sha = tokio::task::spawn_blocking(move || files.put(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(e.into()))?;
    st.store
        .read_image_add(&p.actor(), &sha, body.len() as i64, mime)
        .await?;
    Ok(Json(ImageStored {
        sha256: sha,
        size: body.len() as i64,
    }))
}

/// A camera reports that it is alive.
#[utoipa::path(post, path = "/api/v1/cameras/{id}/heartbeat", tag = "enforcement", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = super::ErrorBody)),
    security(("api_key" = ["ingest"])))]
pub async fn heartbeat(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<axum::http::StatusCode> {
    st.store.camera_heartbeat(&id, atgt_store::now_us()).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The camera register with each camera's uptime over the last 24 hours.
#[utoipa::path(get, path = "/api/v1/cameras", tag = "enforcement",
    responses((status = 200, body = Vec<Camera>)), security(("session" = [])))]
pub async fn cameras(State(st): State<AppState>) -> AppResult<Json<Vec<Camera>>> {
    Ok(Json(st.store.cameras(atgt_store::now_us()).await?))
}

/// Register or update a camera (id, name, kind, route + km, coordinates, direction,
/// owner unit, vendor, status).
#[utoipa::path(post, path = "/api/v1/cameras", tag = "enforcement", request_body = Camera,
    responses((status = 200, body = Camera), (status = 422, body = super::ErrorBody)),
    security(("session" = [])))]
pub async fn camera_put(
    State(st): State<AppState>,
    Current(p): Current,
    Json(c): Json<Camera>,
) -> AppResult<Json<Camera>> {
    Ok(Json(st.store.camera_put(&p.actor(), &c).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct CaseParams {
    /// detected, reviewed, confirmed, notice_sent, decided, paid, closed, dismissed.
    state: Option<String>,
    /// Any spelling of a plate.
    plate: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// Violation cases, newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "enforcement", params(CaseParams),
    responses((status = 200, body = Page<Case>), (status = 422, body = super::ErrorBody)),
    security(("session" = [])))]
pub async fn cases(
    State(st): State<AppState>,
    Query(q): Query<CaseParams>,
) -> AppResult<Json<Page<Case>>> {
    let state = match q.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            CaseState::parse(s).ok_or_else(|| AppError::invalid("state", "error.bad_request"))?,
        ),
        None => None,
    };
    let f = CaseFilter {
        state,
        plate: q.plate.clone().filter(|p| !p.trim().is_empty()),
        overdue_before_us: None,
    };
    let (items, total) = st
        .store
        .cases(&f, q.limit.unwrap_or(100), q.offset.unwrap_or(0))
        .await?;
    Ok(Json(Page { items, total }))
}

/// One case.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "enforcement", params(("id" = i64, Path)),
    responses((status = 200, body = Case), (status = 404, body = super::ErrorBody)),
    security(("session" = [])))]
pub async fn case(State(st): State<AppState>, Path(id): Path<i64>) -> AppResult<Json<Case>> {
    Ok(Json(st.store.case(id).await?))
}

/// Act on a case. Dismissals and downgrades are proposals with a reason that a
/// second person of supervisor rank approves; the proposer cannot approve.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "enforcement", params(("id" = i64, Path)),
    request_body = Action,
    responses((status = 200, body = Case), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)),
    security(("session" = [])))]
pub async fn act(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    Json(a): Json<Action>,
) -> AppResult<Json<Case>> {
    let rank = p.user().map(|u| u.role.rank()).ok_or(AppError::Forbidden)?;
    Ok(Json(st.store.case_act(&p.actor(), rank, id, &a).await?))
}

#[derive(Deserialize, ToSchema, IntoParams)]
pub struct DetectParams {
    /// Start of the window (RFC 3339); default 24 hours before `to`.
    from: Option<String>,
    /// End of the window (RFC 3339); default now.
    to: Option<String>,
}

/// Run the rules (spot speed, section speed, red light) over the reads of a window.
#[utoipa::path(post, path = "/api/v1/cases/detect", tag = "enforcement", params(DetectParams),
    responses((status = 200, body = DetectReport), (status = 422, body = super::ErrorBody)),
    security(("session" = [])))]
pub async fn detect(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<DetectParams>,
) -> AppResult<Json<DetectReport>> {
    let (from, to) = window(q.from.as_deref(), q.to.as_deref())?;
    Ok(Json(st.store.detect(&p.actor(), from, to).await?))
}

/// A detection window in micros from optional RFC 3339 bounds.
pub fn window(from: Option<&str>, to: Option<&str>) -> AppResult<(i64, i64)> {
    let parse = |s: &str, field: &str| {
        s.parse::<jiff::Timestamp>()
            .map(atgt_core::time::to_micros)
            .map_err(|_| AppError::invalid(field, "enforcement_error.read_time"))
    };
    let to = match to.filter(|s| !s.is_empty()) {
        Some(s) => parse(s, "to")?,
        None => atgt_store::now_us(),
    };
    let from = match from.filter(|s| !s.is_empty()) {
        Some(s) => parse(s, "from")?,
        None => to - 24 * 3600 * 1_000_000,
    };
    Ok((from, to))
}
