//! Static assets (CSS, scripts, Leaflet, htmx, icons), embedded in the binary at build
//! time so a deployment is one file.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

pub async fn handler(Path(path): Path<String>) -> Response {
    serve(&path)
}

pub async fn favicon() -> Response {
    serve("favicon.svg")
}

fn serve(path: &str) -> Response {
    match Assets::get(path) {
        Some(file) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            let mut r = (StatusCode::OK, file.data.into_owned()).into_response();
            let h = r.headers_mut();
            if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            if let Ok(v) =
                HeaderValue::from_str(&format!("\"{}\"", hex::encode(file.metadata.sha256_hash())))
            {
                h.insert(header::ETAG, v);
            }
            r
        }
        None => crate::error::AppError::NotFound.into_response(),
    }
}

/// Whether an asset exists (for tests of the templates' links).
pub fn exists(path: &str) -> bool {
    Assets::get(path).is_some()
}
