//! The public plate lookup as JSON (no login, rate-limited per client). Same answer
//! shape for a plate with open violations, with none, and for a plate never seen.

use crate::error::AppResult;
use crate::pages::portal::{ClientAddr, LookupAnswer, LookupParams, answer, too_many};
use crate::portal::Verdict;
use crate::state::AppState;
use crate::view::request_lang;
use atgt_core::portal::check;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

fn error(status: StatusCode, code: &str, field: Option<&str>, message: String) -> Response {
    let mut e = serde_json::json!({ "code": code, "message": message });
    if let Some(f) = field {
        e["field"] = serde_json::Value::String(f.into());
    }
    (status, Json(serde_json::json!({ "error": e }))).into_response()
}

/// Open camera violations of a plate: time (Vietnam), place, behaviour, status and
/// handling unit; never any personal data.
#[utoipa::path(get, path = "/api/public/v1/lookup", tag = "portal",
    params(
        ("plate" = String, Query, description = "The plate in any spelling, e.g. 79A-123.45"),
        ("kind" = String, Query, description = "car or motorbike"),
    ),
    responses(
        (status = 200, body = LookupAnswer),
        (status = 422, body = super::ErrorBody, description = "Malformed plate or kind; `field` names it"),
        (status = 429, body = super::ErrorBody, description = "Too many lookups from this client; see Retry-After"),
    ))]
pub async fn lookup(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Query(p): Query<LookupParams>,
) -> AppResult<Response> {
    let lang = request_lang(&headers, None, true);
    if let Verdict::Limited { retry_after_s } = st.portal.check(client) {
        let (msg, retry) = too_many(lang, retry_after_s);
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            None,
            msg,
        );
        r.headers_mut().insert(header::RETRY_AFTER, retry);
        return Ok(r);
    }
    match check(
        p.plate.as_deref().unwrap_or(""),
        p.kind.as_deref().unwrap_or(""),
    ) {
        Ok(q) => Ok(answer(&st, &q, lang).await?.into_response()),
        Err(e) => Ok(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(e.field),
            crate::pages::portal::refusal_message(lang, e),
        )),
    }
}
