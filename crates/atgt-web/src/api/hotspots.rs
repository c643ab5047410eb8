//! Black spots over the API: the spots (list, one with its lifecycle events) and a
//! screening run (legal rule or a ranking method).

use crate::error::AppResult;
use crate::pages::hotspots::{ScreenQuery, Screening, run_screening};
use crate::state::AppState;
use atgt_core::hotspots::lifecycle::SpotStatus;
use atgt_store::hotspots::{Spot, SpotEvent, SpotFilter};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct SpotParams {
    /// candidate, confirmed, treatment_proposed, treated, monitored, closed, reopened.
    status: Option<String>,
    /// Only treatments past their deadline today (any value).
    overdue: Option<String>,
}

/// The spots, oldest first.
#[utoipa::path(get, path = "/api/v1/spots", tag = "hotspots", params(SpotParams),
    responses((status = 200, body = Vec<Spot>)),
    security(("session" = []), ("api_key" = ["spots:read"])))]
pub async fn list(
    State(st): State<AppState>,
    Query(q): Query<SpotParams>,
) -> AppResult<Json<Vec<Spot>>> {
    let f = SpotFilter {
        status: q.status.as_deref().and_then(SpotStatus::parse),
        road: None,
        overdue_on: q
            .overdue
            .filter(|v| !v.is_empty())
            .map(|_| atgt_core::time::local_date(jiff::Timestamp::now())),
    };
    Ok(Json(st.store.spots(&f).await?))
}

/// A spot with its lifecycle events.
#[derive(Serialize, ToSchema)]
pub struct SpotDetail {
    pub spot: Spot,
    pub events: Vec<SpotEvent>,
}

#[utoipa::path(get, path = "/api/v1/spots/{id}", tag = "hotspots", params(("id" = i64, Path)),
    responses((status = 200, body = SpotDetail), (status = 404, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["spots:read"])))]
pub async fn get(State(st): State<AppState>, Path(id): Path<i64>) -> AppResult<Json<SpotDetail>> {
    let spot = st.store.spot(id).await?;
    let events = st.store.spot_events(id).await?;
    Ok(Json(SpotDetail { spot, events }))
}

/// Runs a screening: the legal rule over one 12-month window (or every window of the
/// 5 years up to `end` with `scan=all`), or a ranking method.
#[utoipa::path(get, path = "/api/v1/spots/screening", tag = "hotspots", params(ScreenQuery),
    responses((status = 200, body = Screening), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["spots:read"])))]
pub async fn screening(
    State(st): State<AppState>,
    crate::auth::Current(p): crate::auth::Current,
    Query(q): Query<ScreenQuery>,
) -> AppResult<Json<Screening>> {
    Ok(Json(run_screening(&st, &p, &q).await?.result))
}
