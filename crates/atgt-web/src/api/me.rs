//! Who the caller is.

use crate::auth::CurrentUser;
use atgt_store::users::User;
use axum::Json;

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = User), (status = 401, body = super::ErrorBody)),
    security(("session" = [])))]
pub async fn me(CurrentUser(u, _): CurrentUser) -> Json<User> {
    Json(u)
}
