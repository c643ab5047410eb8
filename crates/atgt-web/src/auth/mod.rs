//! Who is asking, and may they. Security-sensitive.
//!
//! [`authenticate`] runs on every request: it resolves a bearer API key or the session
//! cookie into a [`Principal`] and, for state-changing requests made with a session
//! cookie, checks the CSRF token. [`guard`] runs per route with the route's
//! permission. Tokens and keys never reach the logs: only their hashes are handled
//! past this module.

pub mod limiter;
pub mod password;
pub mod token;

use crate::error::AppError;
use crate::state::AppState;
use atgt_core::audit::Actor;
use atgt_core::auth::{Perm, Role, allows, key_allows};
use atgt_store::apikeys::ApiKey;
use atgt_store::users::User;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderMap, Method, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "atgt_session";
pub const PRE_CSRF_COOKIE: &str = "atgt_pre";
pub const LANG_COOKIE: &str = "atgt_lang";
pub const FLASH_COOKIE: &str = "atgt_flash";

/// A signed-in person or a machine client.
#[derive(Debug, Clone)]
pub enum Principal {
    User {
        user: User,
        session_hash: String,
        csrf: String,
    },
    Key {
        key: ApiKey,
    },
}

impl Principal {
    pub fn allows(&self, perm: Perm) -> bool {
        match self {
            Principal::User { user, .. } => allows(user.role, perm),
            Principal::Key { key } => key_allows(&key.scopes, perm),
        }
    }

    pub fn actor(&self) -> Actor {
        match self {
            Principal::User { user, .. } => Actor::user(user.id, &user.username),
            Principal::Key { key } => Actor::api_key(key.id, &key.name),
        }
    }

    pub fn user(&self) -> Option<&User> {
        match self {
            Principal::User { user, .. } => Some(user),
            Principal::Key { .. } => None,
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.user().map(|u| u.role)
    }
}

/// What [`authenticate`] found, as a request extension.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    pub principal: Option<Principal>,
    /// A session cookie was sent but its session has ended.
    pub expired: bool,
    pub ip: String,
}

/// Reads a cookie from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A Set-Cookie value: HttpOnly, SameSite=Lax, path /, Secure when configured.
pub fn set_cookie(st: &AppState, name: &str, value: &str, max_age_s: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(a) = max_age_s {
        c.push_str(&format!("; Max-Age={a}"));
    }
    if st.config.secure_cookies {
        c.push_str("; Secure");
    }
    c
}

pub fn client_ip(st: &AppState, req: &Request) -> String {
    if st.config.trust_forwarded_for
        && let Some(f) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
        && let Some(first) = f.split(',').next()
    {
        return first.trim().to_string();
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Resolves the principal and checks CSRF on state-changing cookie requests.
#[tracing::instrument(skip_all)]
pub async fn authenticate(State(st): State<AppState>, req: Request, next: Next) -> Response {
    match resolve(&st, req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn resolve(st: &AppState, mut req: Request) -> Result<Request, AppError> {
    let ip = client_ip(st, &req);
    let mut auth = Auth {
        ip,
        ..Default::default()
    };
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_string);
    if let Some(key) = bearer {
        let prefix = token::api_key_prefix(&key).ok_or(AppError::BadApiKey)?;
        let (k, hash) = st
            .store
            .apikey_by_prefix(prefix)
            .await?
            .ok_or(AppError::BadApiKey)?;
        if !token::constant_eq(&hash, &token::sha256_hex(&key)) {
            return Err(AppError::BadApiKey);
        }
        // Recording last use is best effort: a read-only replica must not fail requests.
        if k.last_used_us
            .is_none_or(|t| atgt_store::now_us() - t > 60_000_000)
        {
            let _ = st.store.apikey_touch(k.id).await;
        }
        auth.principal = Some(Principal::Key { key: k });
    } else if let Some(tok) = cookie(req.headers(), SESSION_COOKIE).map(str::to_string) {
        let hash = token::sha256_hex(&tok);
        match st.store.session_get(&hash).await? {
            Some((s, user)) => {
                let now = atgt_store::now_us();
                let idle = st.config.session_idle_minutes * 60_000_000;
                if now > s.expires_at_us || now - s.last_seen_us > idle {
                    st.store.session_expire(&hash).await?;
                    auth.expired = true;
                } else {
                    if now - s.last_seen_us > 30_000_000 {
                        st.store.session_touch(&hash, now).await?;
                    }
                    auth.principal = Some(Principal::User {
                        user,
                        session_hash: hash,
                        csrf: s.csrf_token,
                    });
                }
            }
            None => auth.expired = true,
        }
    }
    if let Some(Principal::User { csrf, .. }) = &auth.principal
        && is_unsafe(req.method())
    {
        let (parts, body) = req.into_parts();
        let (ok, body) = csrf_ok(&parts, body, csrf).await;
        if !ok {
            return Err(AppError::Csrf);
        }
        req = Request::from_parts(parts, body);
    }
    req.extensions_mut().insert(auth);
    Ok(req)
}

/// The CSRF token may come as the `x-csrf-token` header (scripts, API calls from the
/// browser), a `_csrf` query parameter (multipart forms), or the `_csrf` field of a
/// URL-encoded form, whose body is read and handed on unchanged.
async fn csrf_ok(parts: &Parts, body: Body, expected: &str) -> (bool, Body) {
    if let Some(h) = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        return (token::constant_eq(h, expected), body);
    }
    if let Some(q) = parts.uri.query()
        && let Some(v) = form_field(q.as_bytes(), "_csrf")
    {
        return (token::constant_eq(&v, expected), body);
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return (false, body);
    }
    match axum::body::to_bytes(body, 1 << 20).await {
        Ok(bytes) => {
            let ok = form_field(&bytes, "_csrf").is_some_and(|v| token::constant_eq(&v, expected));
            (ok, Body::from(bytes))
        }
        Err(_) => (false, Body::empty()),
    }
}

/// The first value of a field in a URL-encoded string.
pub fn form_field(data: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(data)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Per-route permission check.
pub async fn guard(perm: Perm, req: Request, next: Next) -> Response {
    let auth = req.extensions().get::<Auth>().cloned().unwrap_or_default();
    if perm == Perm::Public {
        return next.run(req).await;
    }
    match &auth.principal {
        None => AppError::Unauthorized {
            expired: auth.expired,
        }
        .into_response(),
        Some(p) if p.allows(perm) => next.run(req).await,
        Some(_) => AppError::Forbidden.into_response(),
    }
}

/// The principal of a request on a route that requires one.
pub struct Current(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Current {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let auth = parts.extensions.get::<Auth>().cloned().unwrap_or_default();
        auth.principal.map(Current).ok_or(AppError::Unauthorized {
            expired: auth.expired,
        })
    }
}

/// The signed-in person of a request on a page route (machine clients are refused).
pub struct CurrentUser(pub User, pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, AppError> {
        let Current(p) = Current::from_request_parts(parts, s).await?;
        match p.user().cloned() {
            Some(u) => Ok(CurrentUser(u, p)),
            None => Err(AppError::Forbidden),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_form_fields() {
        assert_eq!(
            form_field(b"a=1&_csrf=ab%2Bc%3D&b=2", "_csrf").as_deref(),
            Some("ab+c=")
        );
        assert_eq!(
            form_field(b"name=Nguy%E1%BB%85n+An", "name").as_deref(),
            Some("Nguyễn An")
        );
        assert_eq!(form_field(b"a=1", "_csrf"), None);
    }

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; atgt_session=tok; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
