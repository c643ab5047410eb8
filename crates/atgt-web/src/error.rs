//! Errors of the web layer and how they are shown: JSON under `/api`, an HTML page
//! elsewhere, both in the user's language. Internal errors are logged with their whole
//! cause chain and the request id; the client sees a plain message and the id.

use atgt_core::i18n::{Lang, t, tf};
use atgt_store::StoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub enum AppError {
    NotFound,
    /// Signed in, but the role does not hold the permission.
    Forbidden,
    /// Not signed in (or the session ended): pages redirect to the sign-in page.
    Unauthorized {
        expired: bool,
    },
    /// An API key that does not exist, is revoked, or is malformed.
    BadApiKey,
    Csrf,
    /// Bad input: the field, the i18n key of the reason, an argument for it.
    Invalid {
        field: String,
        key: String,
        arg: String,
    },
    Conflict,
    TooMany {
        minutes: u64,
    },
    /// A per-client allowance is used up: the i18n key of the message (with
    /// `{seconds}`) and the seconds until the next request is allowed.
    Limited {
        key: &'static str,
        retry_after_s: u64,
    },
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn invalid(field: &str, key: &str) -> AppError {
        AppError::Invalid {
            field: field.into(),
            key: key.into(),
            arg: String::new(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthorized { .. } | AppError::BadApiKey => StatusCode::UNAUTHORIZED,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict => StatusCode::CONFLICT,
            AppError::TooMany { .. } | AppError::Limited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Unauthorized { .. } => "unauthorized",
            AppError::BadApiKey => "bad_api_key",
            AppError::Csrf => "csrf",
            AppError::Invalid { .. } => "invalid",
            AppError::Conflict => "conflict",
            AppError::TooMany { .. } | AppError::Limited { .. } => "too_many_requests",
            AppError::Internal(_) => "internal",
        }
    }

    /// The message in the user's language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::NotFound => t(lang, "error.not_found").into(),
            AppError::Forbidden => t(lang, "error.forbidden").into(),
            AppError::Unauthorized { expired: true } => t(lang, "login.expired").into(),
            AppError::Unauthorized { expired: false } | AppError::BadApiKey => {
                t(lang, "error.unauthorized").into()
            }
            AppError::Csrf => t(lang, "error.csrf").into(),
            AppError::Invalid { field, key, arg } => field_message(lang, field, key, arg),
            AppError::Conflict => t(lang, "error.conflict").into(),
            AppError::TooMany { minutes } => {
                tf(lang, "login.too_many", &[("minutes", &minutes.to_string())])
            }
            AppError::Limited { key, retry_after_s } => {
                tf(lang, key, &[("seconds", &retry_after_s.to_string())])
            }
            AppError::Internal(_) => t(lang, "error.internal").into(),
        }
    }
}

/// "Trường "Mã" không hợp lệ: …" — names the field in the user's language when the
/// catalog has a label for it.
pub fn field_message(lang: Lang, field: &str, key: &str, arg: &str) -> String {
    let reason = tf(
        lang,
        key,
        &[
            ("code", arg),
            ("scope", arg),
            ("field", &field_label(lang, field)),
        ],
    );
    if key == "error.required" {
        return reason;
    }
    tf(
        lang,
        "error.invalid_field",
        &[("field", &field_label(lang, field)), ("reason", &reason)],
    )
}

/// The label of a form field, from the `field.*` keys, or the field name itself.
pub fn field_label(lang: Lang, field: &str) -> String {
    let key = format!("field.{field}");
    if atgt_core::i18n::has(lang, &key) {
        t(lang, &key).to_string()
    } else {
        field.to_string()
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(_) => AppError::Conflict,
            StoreError::Invalid { field, key, arg } => AppError::Invalid { field, key, arg },
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        AppError::Internal(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(anyhow::anyhow!("template: {e}"))
    }
}

/// Carried in the response extensions from the handler to [`crate::routes`]'s error
/// renderer, which knows the request's language, kind (API or page) and id.
#[derive(Clone)]
pub struct ErrorMarker(pub std::sync::Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut r = self.status().into_response();
        r.extensions_mut()
            .insert(ErrorMarker(std::sync::Arc::new(self)));
        r
    }
}
