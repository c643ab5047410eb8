//! atgt-web: the HTTP layer. A JSON API under `/api/v1` (described by an OpenAPI 3.1
//! document generated from the handlers), server-rendered HTML pages in Vietnamese
//! (English available), sign-in, sessions, CSRF protection and API keys.
//!
//! Every route is declared once in [`routes::table`] with the permission it needs;
//! the router is built from that table, so a route cannot exist without a permission
//! check, and the role × route test walks the same table.

pub mod api;
pub mod assets;
pub mod auth;
pub mod charts;
pub mod docx;
pub mod error;
pub mod exports;
pub mod files;
pub mod metrics;
// hazards, Open311 and citizen reports (issue 9, part A)
pub mod open311;
pub mod pages;
pub mod routes;
pub mod state;
pub mod tabular;
pub mod view;
// events: the peak-period report (issue 10)
pub mod events_report;
// plans follow-up (issue 7): reminder e-mails over plain SMTP
pub mod smtp;
// public portal (issue 9): lookup limiter
pub mod portal;

pub use state::{AppState, WebConfig};

use std::net::SocketAddr;
use tokio::net::TcpListener;

/// Serves the app on a bound listener until `shutdown` resolves; in-flight requests
/// finish first (graceful shutdown).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The portal's lookup index is built now, not on the first citizen's lookup.
    let store = state.store.clone();
    tokio::spawn(async move {
        match store.portal_warm().await {
            Ok((cases, plates)) => tracing::info!(cases, plates, "portal lookup index ready"),
            Err(e) => tracing::warn!(error = %e, "portal lookup index not built yet"),
        }
    });
    let app = routes::router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
