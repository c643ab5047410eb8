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
    // public portal (issue 9)
    /// Plate lookups a client may make a minute (token bucket refill).
    pub portal_lookup_per_minute: u32,
    /// Plate lookups a client may make at once.
    pub portal_lookup_burst: u32,
    /// Client addresses the lookup limiter does not apply to (e.g. the load
    /// benchmark's "127.0.0.1"); empty in production.
    pub portal_exempt: Vec<String>,
    /// Proxies whose X-Forwarded-For the portal believes (their own addresses).
    pub portal_trusted_proxies: Vec<String>,
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
            // public portal (issue 9)
            portal_lookup_per_minute: 10,
            portal_lookup_burst: 5,
            portal_exempt: Vec::new(),
            portal_trusted_proxies: Vec::new(),
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
    // public portal (issue 9): the lookup limiter and the behaviour texts
    pub portal: Arc<crate::portal::LookupLimiter>,
    pub behaviour_labels: Arc<crate::portal::BehaviourLabels>,
    /// Quiz submissions counted per client (20 a minute, 10 at once): a flood of
    /// submissions neither skews the statistics nor turns into database writes.
    pub quiz_counter: Arc<crate::portal::LookupLimiter>,
    /// Citizen reports stored per client (10 at once, then 2 a minute): a flood of
    /// reports from one address is refused before anything is written.
    pub report_counter: Arc<crate::portal::LookupLimiter>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> AppState {
        let limiter = LoginLimiter::new(config.login_max_failures, config.login_window_minutes);
        AppState {
            store,
            files: crate::files::FileStore::new(&config.files_dir),
            limiter: Arc::new(limiter),
            metrics: Arc::new(Metrics::new()),
            smtp: None,
            portal: Arc::new(crate::portal::LookupLimiter::new(
                config.portal_lookup_per_minute,
                config.portal_lookup_burst,
                &config.portal_exempt,
                &config.portal_trusted_proxies,
            )),
            behaviour_labels: Default::default(),
            quiz_counter: Arc::new(crate::portal::LookupLimiter::new(
                20,
                10,
                &config.portal_exempt,
                &config.portal_trusted_proxies,
            )),
            report_counter: Arc::new(crate::portal::LookupLimiter::new(
                2,
                10,
                &config.portal_exempt,
                &config.portal_trusted_proxies,
            )),
            config: Arc::new(config),
        }
    }

    /// The same state, sending reminder e-mails through `smtp` when given.
    pub fn with_smtp(mut self, smtp: Option<crate::smtp::SmtpConfig>) -> AppState {
        self.smtp = smtp.map(Arc::new);
        self
    }
}
