//! Events over the API: the peak calendar, parking areas and the occupancy report of
//! counting devices (scope `parking:report`), diversion plans with activation and
//! ending, congestion incidents with their duration statistics, response-time
//! statistics by area.

use crate::auth::Current;
use crate::error::{AppError, AppResult};
use crate::pages::events::PeriodQuery;
use crate::state::AppState;
use atgt_store::events::{
    Activation, AreaResponse, CongestionStats, DiversionInput, DiversionPlan, Incident,
    IncidentInput, OccupancyReport, ParkingArea, Peak, PeakInput,
};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The peak calendar, by start date.
#[utoipa::path(get, path = "/api/v1/events/peaks", tag = "events",
    responses((status = 200, body = Vec<Peak>)),
    security(("session" = []), ("api_key" = ["events:read"])))]
pub async fn peaks(State(st): State<AppState>) -> AppResult<Json<Vec<Peak>>> {
    Ok(Json(st.store.peaks().await?))
}

/// Add a peak period (holiday, festival, tourist season).
#[utoipa::path(post, path = "/api/v1/events/peaks", tag = "events", request_body = PeakInput,
    responses((status = 201, body = Peak), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["events:write"])))]
pub async fn peak_create(
    State(st): State<AppState>,
    Current(p): Current,
    Json(b): Json<PeakInput>,
) -> AppResult<(StatusCode, Json<Peak>)> {
    Ok((
        StatusCode::CREATED,
        Json(st.store.peak_create(&p.actor(), &b).await?),
    ))
}

/// Parking areas with their latest occupancy report.
#[utoipa::path(get, path = "/api/v1/parking", tag = "events",
    responses((status = 200, body = Vec<ParkingArea>)),
    security(("session" = []), ("api_key" = ["events:read"])))]
pub async fn parking(State(st): State<AppState>) -> AppResult<Json<Vec<ParkingArea>>> {
    Ok(Json(st.store.parking_areas(None).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct OccupancyBody {
    /// Vehicles in the area now (0 to the capacity).
    pub occupied: i64,
    /// When counted (UTC microseconds); now if absent.
    pub at_us: Option<i64>,
}

/// Report a parking area's occupancy (a counting device or staff). Refused when
/// negative or above the capacity.
#[utoipa::path(post, path = "/api/v1/parking/{id}/occupancy", tag = "events",
    params(("id" = i64, Path)), request_body = OccupancyBody,
    responses((status = 201, body = OccupancyReport), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["parking:report"])))]
pub async fn occupancy(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<OccupancyReport>)> {
    let b: OccupancyBody = serde_json::from_slice(&body)
        .map_err(|_| AppError::invalid("occupied", "error.required"))?;
    let r = st
        .store
        .parking_report(
            &p.actor(),
            id,
            b.at_us.unwrap_or_else(atgt_store::now_us),
            b.occupied,
            "api",
        )
        .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[derive(Deserialize, IntoParams)]
pub struct DiversionParams {
    /// Any value: only plans in force now.
    active: Option<String>,
}

/// Diversion plans with their GeoJSON geometry.
#[utoipa::path(get, path = "/api/v1/diversions", tag = "events", params(DiversionParams),
    responses((status = 200, body = Vec<DiversionPlan>)),
    security(("session" = []), ("api_key" = ["events:read"])))]
pub async fn diversions(
    State(st): State<AppState>,
    Query(q): Query<DiversionParams>,
) -> AppResult<Json<Vec<DiversionPlan>>> {
    Ok(Json(st.store.diversions(q.active.is_some()).await?))
}

/// Add a diversion plan; the geometry (GeoJSON) is required.
#[utoipa::path(post, path = "/api/v1/diversions", tag = "events", request_body = DiversionInput,
    responses((status = 201, body = DiversionPlan), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["events:write"])))]
pub async fn diversion_create(
    State(st): State<AppState>,
    Current(p): Current,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<DiversionPlan>)> {
    let b: DiversionInput =
        serde_json::from_slice(&body).map_err(|_| AppError::invalid("name", "error.required"))?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.diversion_create(&p.actor(), &b).await?),
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
pub struct ActivationBody {
    /// UTC microseconds; now if absent.
    pub at_us: Option<i64>,
    #[serde(default)]
    pub note: String,
}

fn activation_body(body: &[u8]) -> AppResult<ActivationBody> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ActivationBody::default());
    }
    serde_json::from_slice(body).map_err(|_| AppError::invalid("at_us", "error.bad_request"))
}

/// Put a plan in force. Refused while it is active or if the start falls in an earlier
/// activation.
#[utoipa::path(post, path = "/api/v1/diversions/{id}/activate", tag = "events",
    params(("id" = i64, Path)), request_body = ActivationBody,
    responses((status = 201, body = Activation), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["events:write"])))]
pub async fn activate(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<Activation>)> {
    let b = activation_body(&body)?;
    let a = st
        .store
        .diversion_activate(
            &p.actor(),
            id,
            b.at_us.unwrap_or_else(atgt_store::now_us),
            &b.note,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// End a plan's activation.
#[utoipa::path(post, path = "/api/v1/diversions/{id}/end", tag = "events",
    params(("id" = i64, Path)), request_body = ActivationBody,
    responses((status = 200, body = Activation), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["events:write"])))]
pub async fn end(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    body: axum::body::Bytes,
) -> AppResult<Json<Activation>> {
    let b = activation_body(&body)?;
    Ok(Json(
        st.store
            .diversion_end(&p.actor(), id, b.at_us.unwrap_or_else(atgt_store::now_us))
            .await?,
    ))
}

/// The activation history of a plan, oldest first.
#[utoipa::path(get, path = "/api/v1/diversions/{id}/activations", tag = "events",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Activation>), (status = 404, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["events:read"])))]
pub async fn activations(
    State(st): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<Activation>>> {
    st.store.diversion(id).await?;
    Ok(Json(st.store.diversion_activations(id).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct PeriodParams {
    /// First day (YYYY-MM-DD or dd/mm/yyyy); 1 January of this year by default.
    from: Option<String>,
    /// Last day; today by default.
    to: Option<String>,
}

impl PeriodParams {
    fn period(&self) -> PeriodQuery {
        PeriodQuery {
            from: self.from.clone(),
            to: self.to.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CongestionBody {
    pub stats: CongestionStats,
    pub items: Vec<Incident>,
}

/// Congestion incidents of a period with their duration statistics ("prolonged" from
/// the threshold held as data).
#[utoipa::path(get, path = "/api/v1/congestion", tag = "events", params(PeriodParams),
    responses((status = 200, body = CongestionBody), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["events:read"])))]
pub async fn congestion(
    State(st): State<AppState>,
    Query(q): Query<PeriodParams>,
) -> AppResult<Json<CongestionBody>> {
    let (from, to) = q.period().period()?;
    let stats = st.store.congestion_stats(from, to).await?;
    let items = st.store.incidents(from, to, 1000).await?;
    Ok(Json(CongestionBody { stats, items }))
}

/// Record a congestion incident. Refused if it ends before it started.
#[utoipa::path(post, path = "/api/v1/congestion", tag = "events", request_body = IncidentInput,
    responses((status = 201, body = Incident), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["events:write"])))]
pub async fn incident_create(
    State(st): State<AppState>,
    Current(p): Current,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<Incident>)> {
    let b: IncidentInput = serde_json::from_slice(&body)
        .map_err(|_| AppError::invalid("started_at", "error.required"))?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.incident_create(&p.actor(), &b).await?),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ResponseStatsBody {
    pub by_area: Vec<AreaResponse>,
    pub total: AreaResponse,
}

/// Rescue response times (call → police, call → rescue, minutes) by commune.
#[utoipa::path(get, path = "/api/v1/response-times/stats", tag = "events", params(PeriodParams),
    responses((status = 200, body = ResponseStatsBody), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["events:read"])))]
pub async fn response_stats(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<PeriodParams>,
) -> AppResult<Json<ResponseStatsBody>> {
    let (from, to) = q.period().period()?;
    // Crashes outside the asker's area do not exist for them.
    let scope = crate::pages::crashes::scope_filter(&st, &p).await?;
    let (by_area, total) = st.store.response_stats(from, to, &scope).await?;
    Ok(Json(ResponseStatsBody { by_area, total }))
}
