//! The signed-in person's own account: details and password change.

use crate::auth::{CurrentUser, Principal, password};
use crate::error::{AppError, AppResult, field_message};
use crate::state::AppState;
use crate::view::{PageCtx, redirect_with_flash, render};
use askama::Template;
use atgt_store::users::User;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountView {
    ctx: PageCtx,
    user: User,
    error: Option<String>,
}

pub async fn show(CurrentUser(user, _): CurrentUser, ctx: PageCtx) -> AppResult<Response> {
    let v = AccountView {
        ctx,
        user,
        error: None,
    };
    render(&v.ctx, &v)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(st): State<AppState>,
    CurrentUser(user, p): CurrentUser,
    ctx: PageCtx,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    let stored = st.store.user_password_hash(user.id).await?;
    let current = f.current.clone();
    let ok = tokio::task::spawn_blocking(move || password::verify(&current, &stored))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let problem = if !ok {
        Some(ctx.t("error.password_wrong"))
    } else if f.new != f.confirm {
        Some(ctx.t("error.password_mismatch"))
    } else {
        atgt_core::auth::check_password(&user.username, &f.new)
            .err()
            .map(|k| field_message(ctx.lang, "new_password", k, ""))
    };
    if let Some(msg) = problem {
        let v = AccountView {
            ctx,
            user,
            error: Some(msg),
        };
        let mut r = render(&v.ctx, &v)?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let new = f.new.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&new))
        .await
        .map_err(|e| AppError::Internal(e.into()))??;
    let keep = match &p {
        Principal::User { session_hash, .. } => Some(session_hash.as_str()),
        _ => None,
    };
    st.store
        .user_set_password(&p.actor(), user.id, &hash, keep)
        .await?;
    Ok(redirect_with_flash("/account", "account.password_changed"))
}
