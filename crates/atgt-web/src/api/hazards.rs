//! Hazards over the API (scope `hazards:read`): encroachment cases with their
//! re-encroachment flag and the count against the place, the railway crossings, the
//! proposals. Citizen reports are exchanged through Open311 (`/open311/v2/`).

use crate::error::AppResult;
use crate::state::AppState;
use atgt_store::hazards::{Crossing, Encroachment, Proposal};
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub struct EncroachmentParams {
    /// open or resolved (default: all).
    status: Option<String>,
}

/// Encroachment cases, newest first.
#[utoipa::path(get, path = "/api/v1/encroachments", tag = "hazards", params(EncroachmentParams),
    responses((status = 200, body = Vec<Encroachment>)),
    security(("session" = []), ("api_key" = ["hazards:read"])))]
pub async fn encroachments(
    State(st): State<AppState>,
    Query(q): Query<EncroachmentParams>,
) -> AppResult<Json<Vec<Encroachment>>> {
    Ok(Json(st.store.encroachments(q.status.as_deref()).await?))
}

/// Railway crossings by line and kilometre.
#[utoipa::path(get, path = "/api/v1/rail-crossings", tag = "hazards",
    responses((status = 200, body = Vec<Crossing>)),
    security(("session" = []), ("api_key" = ["hazards:read"])))]
pub async fn crossings(State(st): State<AppState>) -> AppResult<Json<Vec<Crossing>>> {
    Ok(Json(st.store.crossings().await?))
}

/// Proposals to the competent authority, newest first.
#[utoipa::path(get, path = "/api/v1/proposals", tag = "hazards",
    responses((status = 200, body = Vec<Proposal>)),
    security(("session" = []), ("api_key" = ["hazards:read"])))]
pub async fn proposals(State(st): State<AppState>) -> AppResult<Json<Vec<Proposal>>> {
    Ok(Json(st.store.proposals().await?))
}
