//! The public portal (no login, Vietnamese first, phone first): the landing page and
//! the plate lookup. Security-sensitive: the lookup shows open violations of a plate
//! with no personal data, answers "no violations" and "unknown plate" alike, and is
//! rate-limited per client (see [`crate::portal`]).

use crate::error::AppResult;
use crate::portal::Verdict;
use crate::state::AppState;
use crate::view::{PageCtx, render};
use askama::Template;
use atgt_core::i18n::{Lang, t, tf};
use atgt_core::portal::{LookupQuery, LookupRefusal, VehicleKind, check};
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The client's address as the portal limiter sees it.
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        Ok(ClientAddr(st.portal.client(peer, &parts.headers)))
    }
}

/// One open violation, ready to show: no personal data is in here.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShownViolation {
    /// Local time in Vietnam, dd/mm/yyyy HH:MM.
    pub time: String,
    /// The same instant in UTC (RFC 3339).
    pub time_utc: String,
    pub place: String,
    /// The behaviour as the decree words it.
    pub behaviour: String,
    /// The state of the case, in words.
    pub status: String,
    /// snake_case state code.
    pub status_code: String,
    /// The unit handling the case.
    pub unit: String,
}

/// The answer to a lookup; its shape is the same whether the plate has open
/// violations, none, or was never seen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LookupAnswer {
    /// The plate as normalised ("79A-123.45").
    pub plate: String,
    /// car or motorbike.
    pub kind: String,
    pub violations: Vec<ShownViolation>,
    /// What the citizen should do next.
    pub note: String,
}

/// Runs a checked lookup.
pub async fn answer(st: &AppState, q: &LookupQuery, lang: Lang) -> AppResult<LookupAnswer> {
    // The same path for every plate: one probe of the store's index of open cases,
    // then the cached labels.
    let rows = st.store.portal_lookup(&q.key).await?;
    let labels = st.behaviour_labels.get(&st.store).await?;
    let violations = rows
        .into_iter()
        .filter(|v| {
            q.kind
                .covers(labels.get(&v.behaviour).map(|(_, veh)| veh.as_str()))
        })
        .map(|v| {
            let ts = atgt_core::time::from_micros(v.detected_at_us);
            ShownViolation {
                time: atgt_core::time::format_local(ts),
                time_utc: ts.to_string(),
                place: v.place,
                behaviour: labels
                    .get(&v.behaviour)
                    .map(|(text, _)| text.clone())
                    .unwrap_or(v.behaviour),
                status: t(lang, &v.state.label_key()).to_string(),
                status_code: v.state.as_str().to_string(),
                unit: v.unit,
            }
        })
        .collect::<Vec<_>>();
    let note = if violations.is_empty() {
        t(lang, "portal.none").to_string()
    } else {
        t(lang, "portal.found_note").to_string()
    };
    Ok(LookupAnswer {
        plate: q.display.clone(),
        kind: q.kind.as_str().to_string(),
        violations,
        note,
    })
}

/// The Vietnamese (or English) sentence for a refused lookup, naming the field.
pub fn refusal_message(lang: Lang, r: LookupRefusal) -> String {
    t(lang, r.key).to_string()
}

/// The message and headers of a 429.
pub fn too_many(lang: Lang, retry_after_s: u64) -> (String, HeaderValue) {
    (
        tf(
            lang,
            "portal.too_many",
            &[("seconds", &retry_after_s.to_string())],
        ),
        HeaderValue::from(retry_after_s),
    )
}

// ---------------------------------------------------------------------------------
// Landing

#[derive(Template)]
#[template(path = "portal/landing.html")]
struct LandingView {
    ctx: PageCtx,
}

/// `/public`: what the portal offers, in large touch targets.
pub async fn landing(ctx: PageCtx) -> AppResult<Response> {
    let v = LandingView { ctx };
    public(render(&v.ctx, &v))
}

/// Public pages may be cached briefly by the browser (they hold nothing personal).
fn public(r: AppResult<Response>) -> AppResult<Response> {
    let mut r = r?;
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    Ok(r)
}

// ---------------------------------------------------------------------------------
// Lookup page

#[derive(Debug, Default, Deserialize)]
pub struct LookupParams {
    #[serde(default)]
    pub plate: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/lookup.html")]
struct LookupView {
    ctx: PageCtx,
    plate: String,
    kind: String,
    kinds: Vec<(&'static str, String)>,
    error: Option<String>,
    error_field: &'static str,
    answer: Option<LookupAnswer>,
}

/// `/public/lookup`: the form, and the answer when a plate was given.
pub async fn lookup_page(
    State(st): State<AppState>,
    ClientAddr(client): ClientAddr,
    ctx: PageCtx,
    Query(p): Query<LookupParams>,
) -> AppResult<Response> {
    let kinds = VehicleKind::ALL
        .iter()
        .map(|k| (k.as_str(), ctx.t(k.label_key())))
        .collect();
    let mut v = LookupView {
        plate: p.plate.clone().unwrap_or_default(),
        kind: p.kind.clone().unwrap_or_else(|| "car".into()),
        kinds,
        error: None,
        error_field: "",
        answer: None,
        ctx,
    };
    let Some(plate) = p.plate else {
        return render(&v.ctx, &v);
    };
    // Every submitted question counts against the limit, well-formed or not.
    if let Verdict::Limited { retry_after_s } = st.portal.check(client) {
        let (msg, retry) = too_many(v.ctx.lang, retry_after_s);
        v.error = Some(msg);
        let mut r = render(&v.ctx, &v)?;
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        r.headers_mut().insert(header::RETRY_AFTER, retry);
        return Ok(r);
    }
    match check(&plate, p.kind.as_deref().unwrap_or("")) {
        Ok(q) => {
            v.answer = Some(answer(&st, &q, v.ctx.lang).await?);
            render(&v.ctx, &v)
        }
        Err(e) => {
            v.error = Some(refusal_message(v.ctx.lang, e));
            v.error_field = e.field;
            let mut r = render(&v.ctx, &v)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}

impl IntoResponse for LookupAnswer {
    fn into_response(self) -> Response {
        axum::Json(self).into_response()
    }
}
