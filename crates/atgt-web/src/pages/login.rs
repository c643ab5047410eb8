//! Sign-in and sign-out. Security-sensitive.
//!
//! The sign-in form carries a pre-session CSRF token (double submit: a cookie and the
//! same value in the form). Failures are counted per address and username; unknown
//! usernames cost the same time as known ones.

use super::system::safe_next;
use crate::auth::{
    Auth, CurrentUser, PRE_CSRF_COOKIE, SESSION_COOKIE, cookie, password, set_cookie, token,
};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::view::{PageCtx, render};
use askama::Template;
use atgt_store::StoreError;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginView {
    ctx: PageCtx,
    pre_csrf: String,
    next: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    out: Option<String>,
}

fn with_pre_cookie(st: &AppState, mut r: Response, pre: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(&set_cookie(st, PRE_CSRF_COOKIE, pre, Some(3600))) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

pub async fn form(
    State(st): State<AppState>,
    Query(q): Query<LoginQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let pre = token::random(24);
    let notice = if q.expired.is_some() {
        Some(ctx.t("login.expired"))
    } else if q.out.is_some() {
        Some(ctx.t("login.logged_out"))
    } else {
        None
    };
    let v = LoginView {
        pre_csrf: pre.clone(),
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: None,
        notice,
        ctx,
    };
    Ok(with_pre_cookie(&st, render(&v.ctx, &v)?, &pre))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub async fn submit(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    headers: HeaderMap,
    ctx: PageCtx,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    let pre_cookie = cookie(&headers, PRE_CSRF_COOKIE).unwrap_or("");
    if pre_cookie.is_empty() || !token::constant_eq(pre_cookie, &f.csrf) {
        return Err(AppError::Csrf);
    }
    let username = f.username.trim().to_lowercase();
    let ip = auth.ip.clone();
    let again = |ctx: PageCtx, status: StatusCode, msg: String| -> AppResult<Response> {
        let pre = token::random(24);
        let v = LoginView {
            pre_csrf: pre.clone(),
            next: safe_next(f.next.as_deref()),
            username: username.clone(),
            error: Some(msg),
            notice: None,
            ctx,
        };
        let mut r = render(&v.ctx, &v)?;
        *r.status_mut() = status;
        Ok(with_pre_cookie(&st, r, &pre))
    };
    if let Some(minutes) = st.limiter.blocked(&ip, &username) {
        let msg = ctx.t1("login.too_many", "minutes", minutes);
        return again(ctx, StatusCode::TOO_MANY_REQUESTS, msg);
    }
    let creds = match st.store.user_credentials(&username).await {
        Ok(c) => Some(c),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    // Argon2 is CPU-bound: run it off the async workers.
    let pw = f.password.clone();
    let hash = creds
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| password::dummy_hash().to_string());
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let Some(creds) = creds.filter(|_| ok) else {
        st.limiter.record_failure(&ip, &username);
        tracing::info!(username, ip, "failed sign-in");
        let msg = ctx.t("login.failed");
        return again(ctx, StatusCode::UNAUTHORIZED, msg);
    };
    if !creds.user.active {
        let msg = ctx.t("login.inactive");
        return again(ctx, StatusCode::FORBIDDEN, msg);
    }
    st.limiter.record_success(&ip, &username);
    let tok = token::random(32);
    let csrf = token::random(24);
    let max_age = st.config.session_max_hours * 3600;
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    st.store
        .session_create(
            &creds.user,
            &token::sha256_hex(&tok),
            &csrf,
            atgt_store::now_us() + max_age * 1_000_000,
            &ip,
            ua,
        )
        .await?;
    let mut r = Redirect::to(&safe_next(f.next.as_deref())).into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(&st, SESSION_COOKIE, &tok, Some(max_age))) {
        h.append(header::SET_COOKIE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&set_cookie(&st, PRE_CSRF_COOKIE, "", Some(0))) {
        h.append(header::SET_COOKIE, v);
    }
    Ok(r)
}

pub async fn logout(
    State(st): State<AppState>,
    CurrentUser(user, p): CurrentUser,
) -> AppResult<Response> {
    if let crate::auth::Principal::User { session_hash, .. } = &p {
        st.store.session_delete(&user, session_hash).await?;
    }
    let mut r = Redirect::to("/login?out=1").into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(&st, SESSION_COOKIE, "", Some(0))) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}
