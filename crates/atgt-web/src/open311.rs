//! Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) at `/open311/v2/`: discovery,
//! the service list and definitions, posting a request (with an API key holding the
//! `open311:submit` scope), listing requests with the specification's filters, one
//! request, and a token's request id; each in JSON and XML. A posted request is a
//! citizen report in the triage queue, answered with a token until staff accept it.
//!
//! Security- and privacy-sensitive: the reporter's e-mail, name and phone are taken
//! but never given out; violation reports show no description (it may carry a plate).
//! Errors follow the specification: HTTP 400/403/404 with `[{code, description}]`
//! (XML `<errors><error>…`), and nothing is stored.

use crate::auth::{Auth, Principal, token};
use crate::state::AppState;
use atgt_core::auth::{Perm, key_allows};
use atgt_core::i18n::{Lang, t, tf};
use atgt_core::open311::{SERVICES, Service, service};
use atgt_store::StoreError;
use atgt_store::reports::{NewReport, Report, ReportFilter};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The response format named by the path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    Json,
    Xml,
}

/// Splits "ENC-SIDEWALK.json" into the name and the format.
pub fn split_format(s: &str) -> Option<(&str, Fmt)> {
    if let Some(n) = s.strip_suffix(".json") {
        Some((n, Fmt::Json))
    } else {
        s.strip_suffix(".xml").map(|n| (n, Fmt::Xml))
    }
}

/// Escapes text for XML content.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => o.push(c),
        }
    }
    o
}

/// The element name of an item of a list field.
fn item_name(list: &str) -> &str {
    match list {
        "services" => "service",
        "service_requests" => "request",
        "errors" => "error",
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        _ => "item",
    }
}

fn write_xml(out: &mut String, name: &str, v: &Value) {
    match v {
        Value::Array(items) => {
            out.push_str(&format!("<{name}>"));
            for it in items {
                write_xml(out, item_name(name), it);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Object(m) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in m {
                write_xml(out, k, v);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::Null => out.push_str(&format!("<{name}/>")),
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", xml_escape(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

/// A JSON value as the specification's XML: `root` names the top element.
pub fn to_xml(root: &str, v: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    write_xml(&mut out, root, v);
    out
}

fn respond(fmt: Fmt, status: StatusCode, root: &str, v: Value) -> Response {
    match fmt {
        Fmt::Json => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            v.to_string(),
        )
            .into_response(),
        Fmt::Xml => (
            status,
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            to_xml(root, &v),
        )
            .into_response(),
    }
}

/// An error in the specification's format.
pub fn error(fmt: Fmt, status: StatusCode, description: &str) -> Response {
    respond(
        fmt,
        status,
        "errors",
        json!([{"code": status.as_u16(), "description": description}]),
    )
}

fn lang(headers: &HeaderMap) -> Lang {
    crate::view::request_lang(headers, None, true)
}

fn bad_format() -> Response {
    error(
        Fmt::Json,
        StatusCode::NOT_FOUND,
        "Định dạng không hỗ trợ: dùng .json hoặc .xml (unsupported format: use .json or .xml)",
    )
}

/// The base URL of the endpoint, as the discovery document gives it.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}/open311/v2/")
}

const CHANGESET: &str = "2026-11-25T00:00:00+07:00";

async fn discovery(headers: HeaderMap, fmt: Fmt) -> Response {
    let l = lang(&headers);
    respond(
        fmt,
        StatusCode::OK,
        "discovery",
        json!({
            "changeset": CHANGESET,
            "contact": t(l, "open311.contact"),
            "key_service": t(l, "open311.key_service"),
            "endpoints": [{
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base_url(&headers),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }],
        }),
    )
}

pub async fn discovery_json(headers: HeaderMap) -> Response {
    discovery(headers, Fmt::Json).await
}

pub async fn discovery_xml(headers: HeaderMap) -> Response {
    discovery(headers, Fmt::Xml).await
}

fn service_json(l: Lang, s: &Service) -> Value {
    json!({
        "service_code": s.code,
        "service_name": t(l, s.name_key),
        "description": t(l, &format!("{}_desc", s.name_key)),
        "metadata": !s.attributes.is_empty(),
        "type": "realtime",
        "keywords": t(l, &format!("open311.group.{}", s.group)),
        "group": t(l, &format!("open311.group.{}", s.group)),
    })
}

async fn services(headers: HeaderMap, fmt: Fmt) -> Response {
    let l = lang(&headers);
    let list: Vec<Value> = SERVICES.iter().map(|s| service_json(l, s)).collect();
    respond(fmt, StatusCode::OK, "services", Value::Array(list))
}

pub async fn services_json(headers: HeaderMap) -> Response {
    services(headers, Fmt::Json).await
}

pub async fn services_xml(headers: HeaderMap) -> Response {
    services(headers, Fmt::Xml).await
}

/// GET services/{service_code}.{format}: the service definition.
pub async fn definition(headers: HeaderMap, Path(file): Path<String>) -> Response {
    let Some((code, fmt)) = split_format(&file) else {
        return bad_format();
    };
    let l = lang(&headers);
    let Some(s) = service(code) else {
        return error(
            fmt,
            StatusCode::NOT_FOUND,
            &tf(l, "open311.error.no_service", &[("code", code)]),
        );
    };
    let attrs: Vec<Value> = s
        .attributes
        .iter()
        .enumerate()
        .map(|(i, a)| {
            json!({
                "variable": true,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": Value::Null,
                "order": i + 1,
                "description": t(l, a.description_key),
                "values": a.values.iter().map(|(k, n)| json!({"key": k, "name": t(l, n)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    respond(
        fmt,
        StatusCode::OK,
        "service_definition",
        json!({"service_code": s.code, "attributes": attrs}),
    )
}

/// The W3C date-time of stored microseconds, in Vietnam time.
fn w3c(us: i64) -> String {
    atgt_core::time::local(atgt_core::time::from_micros(us))
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn parse_w3c(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.as_microsecond());
    }
    // A date-time without offset is read as Vietnam time.
    let dt: jiff::civil::DateTime = s.parse().ok()?;
    atgt_core::time::vn_tz()
        .to_timestamp(dt)
        .ok()
        .map(|t| t.as_microsecond())
}

/// A report as the public sees it: no reporter data; violation reports without
/// their description.
pub fn request_json(l: Lang, r: &Report) -> Value {
    let svc = service(&r.service_code);
    let is_violation = r.service_code == "VIOLATION";
    let notes = match r.status.as_str() {
        "duplicate" => t(l, "reports.note.duplicate").to_string(),
        _ => t(l, &format!("reports.status.{}", r.status)).to_string(),
    };
    json!({
        "service_request_id": r.id.to_string(),
        "status": r.open311_status(),
        "status_notes": notes,
        "service_name": svc.map(|s| t(l, s.name_key).to_string()).unwrap_or_default(),
        "service_code": r.service_code,
        "description": if is_violation { String::new() } else { r.description.clone() },
        "agency_responsible": t(l, &format!("open311.agency.{}", svc.map(|s| s.group).unwrap_or("road"))),
        "service_notice": Value::Null,
        "requested_datetime": w3c(r.created_at_us),
        "updated_datetime": w3c(r.updated_at_us),
        "expected_datetime": Value::Null,
        "address": r.address,
        "address_id": Value::Null,
        "zipcode": Value::Null,
        "lat": r.lat,
        "long": r.lon,
        "media_url": if r.media_url.is_empty() { Value::Null } else { Value::String(r.media_url.clone()) },
    })
}

fn query_pairs(q: &Option<String>) -> Vec<(String, String)> {
    q.as_deref()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
}

fn first<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

async fn list_requests(st: AppState, headers: HeaderMap, q: Option<String>, fmt: Fmt) -> Response {
    let l = lang(&headers);
    let p = query_pairs(&q);
    let mut f = ReportFilter {
        public_only: true,
        limit: 1000,
        ..Default::default()
    };
    if let Some(ids) = first(&p, "service_request_id") {
        for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match id.parse::<i64>() {
                Ok(v) => f.ids.push(v),
                Err(_) => {
                    return error(
                        fmt,
                        StatusCode::BAD_REQUEST,
                        &tf(
                            l,
                            "open311.error.bad_param",
                            &[("field", "service_request_id")],
                        ),
                    );
                }
            }
        }
    } else {
        f.service_code = first(&p, "service_code").map(str::to_string);
        for (k, slot) in [("start_date", &mut f.from_us), ("end_date", &mut f.to_us)] {
            if let Some(v) = first(&p, k) {
                match parse_w3c(v) {
                    Some(us) => *slot = Some(us),
                    None => {
                        return error(
                            fmt,
                            StatusCode::BAD_REQUEST,
                            &tf(l, "open311.error.bad_param", &[("field", k)]),
                        );
                    }
                }
            }
        }
        if f.from_us.is_none() && f.to_us.is_none() {
            f.from_us = Some(atgt_store::now_us() - 90 * 86_400_000_000);
        }
        if let Some(s) = first(&p, "status")
            && !matches!(s, "open" | "closed")
        {
            return error(
                fmt,
                StatusCode::BAD_REQUEST,
                &tf(l, "open311.error.bad_param", &[("field", "status")]),
            );
        }
    }
    let status = if f.ids.is_empty() {
        first(&p, "status").map(str::to_string)
    } else {
        None
    };
    match st.store.reports(&f).await {
        Ok(rs) => {
            let list: Vec<Value> = rs
                .iter()
                .filter(|r| status.as_deref().is_none_or(|s| r.open311_status() == s))
                .map(|r| request_json(l, r))
                .collect();
            respond(fmt, StatusCode::OK, "service_requests", Value::Array(list))
        }
        Err(e) => internal(fmt, l, e),
    }
}

fn internal(fmt: Fmt, l: Lang, e: StoreError) -> Response {
    tracing::error!(error = ?e, "open311");
    error(
        fmt,
        StatusCode::INTERNAL_SERVER_ERROR,
        t(l, "error.internal"),
    )
}

pub async fn requests_json(
    State(st): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    list_requests(st, headers, q, Fmt::Json).await
}

pub async fn requests_xml(
    State(st): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    list_requests(st, headers, q, Fmt::Xml).await
}

/// GET requests/{id}.{format}.
pub async fn request_one(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let Some((id, fmt)) = split_format(&file) else {
        return bad_format();
    };
    let l = lang(&headers);
    let not_found = || {
        error(
            fmt,
            StatusCode::NOT_FOUND,
            &tf(l, "open311.error.no_request", &[("code", id)]),
        )
    };
    let Ok(id_n) = id.parse::<i64>() else {
        return not_found();
    };
    match st.store.report(id_n).await {
        Ok(r) if matches!(r.status.as_str(), "accepted" | "forwarded" | "duplicate") => respond(
            fmt,
            StatusCode::OK,
            "service_requests",
            json!([request_json(l, &r)]),
        ),
        Ok(_) | Err(StoreError::NotFound) => not_found(),
        Err(e) => internal(fmt, l, e),
    }
}

/// GET tokens/{token}.{format}: the request id of a token, once staff accepted it.
pub async fn token_one(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let Some((tok, fmt)) = split_format(&file) else {
        return bad_format();
    };
    let l = lang(&headers);
    let not_found = || {
        error(
            fmt,
            StatusCode::NOT_FOUND,
            &tf(l, "open311.error.no_token", &[("code", tok)]),
        )
    };
    if !atgt_core::reports::is_code(tok) {
        return not_found();
    }
    match st.store.report_by_token(tok).await {
        Ok(r) => {
            let id = match r.status.as_str() {
                "accepted" | "forwarded" | "duplicate" => Value::String(r.id.to_string()),
                _ => Value::Null,
            };
            respond(
                fmt,
                StatusCode::OK,
                "service_requests",
                json!([{"service_request_id": id, "token": r.token}]),
            )
        }
        Err(StoreError::NotFound) => not_found(),
        Err(e) => internal(fmt, l, e),
    }
}

/// A new tracking code (also the Open311 token).
pub fn new_token() -> String {
    let mut b = [0u8; 10];
    getrandom::fill(&mut b).expect("the operating system's random source");
    atgt_core::reports::code_from(&b)
}

/// The key of a request: the `api_key` parameter (403 unless it is a live key holding
/// `open311:submit`), or a Bearer key already checked by the authentication layer.
async fn submitting_key(
    st: &AppState,
    auth: &Auth,
    api_key: Option<&str>,
) -> Result<atgt_core::audit::Actor, (StatusCode, &'static str)> {
    let key = match api_key {
        Some(k) => {
            let prefix =
                token::api_key_prefix(k).ok_or((StatusCode::FORBIDDEN, "open311.error.bad_key"))?;
            let (key, hash) = st
                .store
                .apikey_by_prefix(prefix)
                .await
                .ok()
                .flatten()
                .ok_or((StatusCode::FORBIDDEN, "open311.error.bad_key"))?;
            if !token::constant_eq(&hash, &token::sha256_hex(k)) {
                return Err((StatusCode::FORBIDDEN, "open311.error.bad_key"));
            }
            key
        }
        // A key in the Authorization header stands in for `api_key` only when it
        // holds the scope; otherwise the parameter the specification names is missing.
        None => match &auth.principal {
            Some(Principal::Key { key }) if key_allows(&key.scopes, Perm::Open311Submit) => {
                key.clone()
            }
            _ => return Err((StatusCode::BAD_REQUEST, "open311.error.key_required")),
        },
    };
    if !key_allows(&key.scopes, Perm::Open311Submit) {
        return Err((StatusCode::FORBIDDEN, "open311.error.key_scope"));
    }
    Ok(atgt_core::audit::Actor::api_key(key.id, &key.name))
}

async fn post_request(
    st: AppState,
    auth: Auth,
    headers: HeaderMap,
    q: Option<String>,
    body: Bytes,
    fmt: Fmt,
) -> Response {
    let l = lang(&headers);
    let mut p = query_pairs(&q);
    match serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) {
        Ok(v) => p.extend(v),
        Err(_) => {
            return error(fmt, StatusCode::BAD_REQUEST, t(l, "open311.error.bad_body"));
        }
    }
    let actor = match submitting_key(&st, &auth, first(&p, "api_key")).await {
        Ok(a) => a,
        Err((status, key)) => return error(fmt, status, t(l, key)),
    };
    let Some(code) = first(&p, "service_code") else {
        return error(
            fmt,
            StatusCode::BAD_REQUEST,
            &tf(l, "open311.error.missing", &[("field", "service_code")]),
        );
    };
    // A coordinate that is given must be a number; the parameter in error is named.
    let num = |k: &'static str| -> Result<Option<f64>, &'static str> {
        match first(&p, k) {
            None => Ok(None),
            Some(v) => v.parse::<f64>().map(Some).map_err(|_| k),
        }
    };
    let (lat, lon) = match (num("lat"), num("long")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(k), _) | (_, Err(k)) => {
            return error(
                fmt,
                StatusCode::BAD_REQUEST,
                &tf(l, "open311.error.bad_param", &[("field", k)]),
            );
        }
    };
    let attributes: Vec<(String, String)> = p
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("attribute[")
                .and_then(|r| r.strip_suffix(']'))
                .map(|c| (c.to_string(), v.clone()))
        })
        .collect();
    let text = |k: &str| first(&p, k).unwrap_or("").to_string();
    let n = NewReport {
        token: new_token(),
        service_code: code.to_string(),
        description: text("description"),
        attributes,
        lon,
        lat,
        address: text("address_string"),
        email: text("email"),
        first_name: text("first_name"),
        last_name: text("last_name"),
        phone: text("phone"),
        media_url: text("media_url"),
        channel: "open311".into(),
    };
    if crate::pages::reports::check_locality(&st, n.lon, n.lat).is_err() {
        let reason = t(l, "reports.error.outside_locality");
        let msg = tf(
            l,
            "open311.error.field",
            &[("field", "lat/long"), ("reason", reason)],
        );
        return error(fmt, StatusCode::BAD_REQUEST, &msg);
    }
    match st.store.report_create(&actor, &n, &[]).await {
        Ok(r) => respond(
            fmt,
            StatusCode::CREATED,
            "service_requests",
            json!([{
                "token": r.token,
                "service_notice": t(l, "open311.notice"),
                "account_id": Value::Null,
            }]),
        ),
        Err(StoreError::Invalid { field, key, arg }) => {
            let field = match field.as_str() {
                "lat" => "lat/long",
                f => f,
            };
            let reason = tf(l, &key, &[("code", &arg), ("field", field)]);
            let msg = tf(
                l,
                "open311.error.field",
                &[("field", field), ("reason", &reason)],
            );
            error(fmt, StatusCode::BAD_REQUEST, &msg)
        }
        Err(e) => internal(fmt, l, e),
    }
}

pub async fn post_json(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    post_request(st, auth, headers, q, body, Fmt::Json).await
}

pub async fn post_xml(
    State(st): State<AppState>,
    Extension(auth): Extension<Auth>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    post_request(st, auth, headers, q, body, Fmt::Xml).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_written_and_escaped() {
        let x = to_xml(
            "service_requests",
            &json!([{"token": "PA-1", "description": "<script>&", "lat": 11.5, "zipcode": null}]),
        );
        assert_eq!(
            x,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request><description>&lt;script&gt;&amp;</description><lat>11.5</lat><token>PA-1</token><zipcode/></request></service_requests>"
        );
        assert_eq!(split_format("a.b.json"), Some(("a.b", Fmt::Json)));
        assert_eq!(split_format("x.html"), None);
    }
}
