//! Health check, language switch and the error page.

use crate::auth::{LANG_COOKIE, set_cookie};
use crate::state::AppState;
use crate::view::PageCtx;
use askama::Template;
use atgt_core::i18n::Lang;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Json, Redirect, Response};
use serde::Deserialize;

/// 200 while the database answers; 503 otherwise.
pub async fn healthz(State(st): State<AppState>) -> Response {
    match st.store.db.fetch_one("SELECT 1 AS ok", &[]).await {
        Ok(_) => Json(serde_json::json!({"status": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only paths on this site are followed after sign-in or a language switch.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

pub async fn set_lang(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
    ctx: PageCtx,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    if let Some(u) = &ctx.user {
        let _ = st.store.user_set_locale(u.id, lang).await;
    }
    let mut r = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        &st,
        LANG_COOKIE,
        lang.code(),
        Some(365 * 86400),
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorView {
    ctx: PageCtx,
    status: u16,
    message: String,
}

/// The error page (rendered without a signed-in user: it may be shown for any
/// failure, including ones before authentication).
pub fn error_page(lang: Lang, status: StatusCode, message: &str, request_id: &str) -> Html<String> {
    let ctx = PageCtx {
        lang,
        user: None,
        principal: None,
        csrf: String::new(),
        flash: None,
        sample: false,
        path: String::new(),
        request_id: request_id.to_string(),
        tile_url: None,
    };
    let v = ErrorView {
        ctx,
        status: status.as_u16(),
        message: message.to_string(),
    };
    Html(v.render().unwrap_or_else(|_| message.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_site() {
        assert_eq!(
            super::safe_next(Some("/admin/users?q=a")),
            "/admin/users?q=a"
        );
        assert_eq!(super::safe_next(Some("//evil.example")), "/");
        assert_eq!(super::safe_next(Some("https://evil.example")), "/");
        assert_eq!(super::safe_next(Some("/\\evil")), "/");
        assert_eq!(super::safe_next(None), "/");
    }
}
