//! API keys for partner systems: create (the key is shown once), list, revoke.

use crate::auth::{Current, token};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::view::{PageCtx, redirect_with_flash, render};
use askama::Template;
use atgt_store::apikeys::ApiKey;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

#[derive(Template)]
#[template(path = "apikeys.html")]
struct ListView {
    ctx: PageCtx,
    keys: Vec<ApiKey>,
    scopes: Vec<&'static str>,
    created: Option<String>,
    error: Option<String>,
}

async fn view(
    st: &AppState,
    ctx: PageCtx,
    created: Option<String>,
    error: Option<String>,
) -> AppResult<ListView> {
    Ok(ListView {
        ctx,
        keys: st.store.apikeys().await?,
        scopes: atgt_core::auth::SCOPES.to_vec(),
        created,
        error,
    })
}

pub async fn list(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let v = view(&st, ctx, None, None).await?;
    render(&v.ctx, &v)
}

/// Creates a key from a form with `name`, `org_code` and repeated `scope` fields.
pub async fn create(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::invalid("name", "error.bad_request"))?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let scopes: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .collect();
    let org = get("org_code");
    let (key, prefix) = token::new_api_key();
    let result = st
        .store
        .apikey_create(
            &p.actor(),
            &prefix,
            &token::sha256_hex(&key),
            &get("name"),
            &scopes,
            Some(org.as_str()).filter(|s| !s.is_empty()),
        )
        .await
        .map_err(AppError::from);
    match result {
        Ok(_) => {
            let v = view(&st, ctx, Some(key), None).await?;
            render(&v.ctx, &v)
        }
        Err(e @ AppError::Invalid { .. }) => {
            let msg = e.message(ctx.lang);
            let v = view(&st, ctx, None, Some(msg)).await?;
            let mut r = render(&v.ctx, &v)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

pub async fn revoke(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    st.store.apikey_revoke(&p.actor(), id).await?;
    Ok(redirect_with_flash("/admin/apikeys", "common.saved"))
}
