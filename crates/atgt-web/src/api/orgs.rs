//! Organisations and units.

use super::Page;
use crate::auth::Current;
use crate::error::AppResult;
use crate::state::AppState;
use atgt_store::orgs::{Org, OrgInput};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub struct OrgParams {
    /// Words, with or without diacritics.
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// List organisations.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", params(OrgParams),
    responses((status = 200, body = Page<Org>), (status = 401, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["orgs:read"])))]
pub async fn list(
    State(st): State<AppState>,
    Query(p): Query<OrgParams>,
) -> AppResult<Json<Page<Org>>> {
    let (items, total) = st
        .store
        .orgs(
            p.q.as_deref(),
            p.limit.unwrap_or(100),
            p.offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(Page { items, total }))
}

/// Create an organisation.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = OrgInput,
    responses((status = 201, body = Org), (status = 422, body = super::ErrorBody), (status = 403, body = super::ErrorBody)),
    security(("session" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Current(p): Current,
    Json(input): Json<OrgInput>,
) -> AppResult<(StatusCode, Json<Org>)> {
    Ok((
        StatusCode::CREATED,
        Json(st.store.org_create(&p.actor(), &input).await?),
    ))
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path)),
    responses((status = 200, body = Org), (status = 404, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["orgs:read"])))]
pub async fn get(State(st): State<AppState>, Path(id): Path<i64>) -> AppResult<Json<Org>> {
    Ok(Json(st.store.org(id).await?))
}

/// Replace an organisation's fields.
#[utoipa::path(put, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path)), request_body = OrgInput,
    responses((status = 200, body = Org), (status = 404, body = super::ErrorBody), (status = 422, body = super::ErrorBody)),
    security(("session" = [])))]
pub async fn update(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    Json(input): Json<OrgInput>,
) -> AppResult<Json<Org>> {
    Ok(Json(st.store.org_update(&p.actor(), id, &input).await?))
}
