//! Shared state of the web layer and its settings.

use crate::auth::limiter::LoginLimiter;
use crate::metrics::Metrics;
use atgt_store::Store;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Settings of the web layer (the `[web]` table of the config file).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    /// Send cookies with the Secure flag. Leave on behind HTTPS; the demo on
    /// localhost turns it off.
    pub secure_cookies: bool,
    /// Minutes without activity before a session ends.
    pub session_idle_minutes: i64,
    /// Hours after sign-in before a session ends regardless of activity.
    pub session_max_hours: i64,
    /// Failed sign-ins allowed per client address and username in the window.
    pub login_max_failures: u32,
    /// The window of the sign-in limiter, in minutes.
    pub login_window_minutes: u32,
    /// Trust the first address of X-Forwarded-For (only behind your own proxy).
    pub trust_forwarded_for: bool,
    /// Label pages as sample data (the demo).
    pub sample_data: bool,
    /// Optional map tile URL template; none by default (no outside requests).
    pub tile_url: Option<String>,
    /// Folder of the evidence file store (photos).
    pub files_dir: String,
    // hazards, Open311 and citizen reports (issue 9, part A)
    /// Largest photo of a citizen report, in bytes.
    pub report_photo_max_bytes: usize,
    /// Largest video (MP4) of a citizen report, in bytes.
    pub report_video_max_bytes: usize,
    /// A new encroachment case within this many metres of a resolved one is a
    /// re-encroachment of that place.
    pub reencroachment_m: f64,
    /// The locality's bounds `[min_lon, min_lat, max_lon, max_lat]`: citizen reports
    /// placed outside are refused (none: anywhere in Viet Nam).
    pub locality_bbox: Option<[f64; 4]>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: true,
            session_idle_minutes: 120,
            session_max_hours: 12,
            login_max_failures: 5,
            login_window_minutes: 15,
            trust_forwarded_for: false,
            sample_data: false,
            tile_url: None,
            files_dir: "atgt-data/files".into(),
            // hazards, Open311 and citizen reports (issue 9, part A)
            report_photo_max_bytes: 8 << 20,
            report_video_max_bytes: 40 << 20,
            reencroachment_m: atgt_core::hazards::DEFAULT_REENCROACHMENT_M,
            locality_bbox: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub limiter: Arc<LoginLimiter>,
    pub metrics: Arc<Metrics>,
    pub files: crate::files::FileStore,
    /// Where reminder e-mails go out (the top-level `smtp_*` settings); none means
    /// in-app reminders only.
    pub smtp: Option<Arc<crate::smtp::SmtpConfig>>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> AppState {
        let limiter = LoginLimiter::new(config.login_max_failures, config.login_window_minutes);
        AppState {
            store,
            files: crate::files::FileStore::new(&config.files_dir),
            config: Arc::new(config),
            limiter: Arc::new(limiter),
            metrics: Arc::new(Metrics::new()),
            smtp: None,
        }
    }

    /// The same state, sending reminder e-mails through `smtp` when given.
    pub fn with_smtp(mut self, smtp: Option<crate::smtp::SmtpConfig>) -> AppState {
        self.smtp = smtp.map(Arc::new);
        self
    }
}
