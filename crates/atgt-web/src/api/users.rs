//! Users (administrators create them; leaders, supervisors and auditors read them).

use super::Page;
use crate::auth::{Current, password};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use atgt_core::admin::Scheme;
use atgt_core::auth::Role;
use atgt_core::i18n::Lang;
use atgt_store::users::{NewUser, User};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct UserParams {
    q: Option<String>,
    org_id: Option<i64>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// List users.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserParams),
    responses((status = 200, body = Page<User>), (status = 403, body = super::ErrorBody)),
    security(("session" = [])))]
pub async fn list(
    State(st): State<AppState>,
    Query(p): Query<UserParams>,
) -> AppResult<Json<Page<User>>> {
    let (items, total) = st
        .store
        .users(
            p.q.as_deref(),
            p.org_id,
            p.limit.unwrap_or(100),
            p.offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(Page { items, total }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserBody {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub org_code: String,
    /// `new` or `old`; with `scope_code`, limits the data the user sees to an area.
    pub scope_scheme: Option<Scheme>,
    pub scope_code: Option<String>,
    pub locale: Option<Lang>,
}

/// Create a user.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserBody,
    responses((status = 201, body = User), (status = 422, body = super::ErrorBody), (status = 403, body = super::ErrorBody)),
    security(("session" = [])))]
pub async fn create(
    State(st): State<AppState>,
    Current(p): Current,
    Json(b): Json<NewUserBody>,
) -> AppResult<(StatusCode, Json<User>)> {
    let username = b.username.trim().to_lowercase();
    atgt_core::auth::check_password(&username, &b.password)
        .map_err(|k| AppError::invalid("password", k))?;
    let pw = b.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| AppError::Internal(e.into()))??;
    let scope = b
        .scope_code
        .filter(|c| !c.is_empty())
        .map(|c| (b.scope_scheme.unwrap_or(Scheme::New), c));
    let n = NewUser {
        username,
        display_name: b.display_name,
        password_hash: hash,
        role: b.role,
        org_code: b.org_code,
        scope,
        locale: b.locale.unwrap_or_default(),
    };
    Ok((
        StatusCode::CREATED,
        Json(st.store.user_create(&p.actor(), &n).await?),
    ))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 404, body = super::ErrorBody)),
    security(("session" = [])))]
pub async fn get(State(st): State<AppState>, Path(id): Path<i64>) -> AppResult<Json<User>> {
    Ok(Json(st.store.user(id).await?))
}
