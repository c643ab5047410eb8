//! atgt-store: persistence for atgt.
//!
//! [`Store`] is the one API the web layer and the binary use; its methods are grouped
//! by capability, one module each (`admin`, `orgs`, `users`, `sessions`, `apikeys`,
//! `audit`). Below it, [`db::Db`] is a handle on either backend — SQLite (embedded
//! default, WAL) or PostgreSQL (province or national scale) — chosen once from the
//! URL scheme. Each backend has its own migrations; the SQL of the capabilities is
//! shared, and one test suite (`tests/`) runs on both.
//!
//! Every write a person relies on goes through a transaction that also appends to the
//! audit chain, so a change and its record are committed together or not at all.

pub mod admin;
pub mod apikeys;
pub mod audit;
pub mod backup;
pub mod crashes;
pub mod db;
pub mod error;
pub mod files;
pub mod migrate;
pub mod orgs;
pub mod reference;
pub mod roads;
pub mod sessions;
mod sqlite_bulk;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod users;
// plans and accountability (issue 7)
pub mod plans;
// events: tourist peaks, parking, diversions, congestion, training, rescue (issue 10)
pub mod events;
// hotspots: black-spot screening (issue 5)
pub mod hotspots;
// Cameras and violation processing (issue 6)
pub mod enforcement;
// plans follow-up (issue 7): unit e-mail for reminders, task links
pub mod plans_links;
pub mod plans_mail;
// hazards, Open311 and citizen reports (issue 9, part A)
pub mod hazards;
pub mod reports;
// public portal (issue 9): plate lookup, education and campaigns
pub mod education;
pub mod portal;
// shared data hub (issue 8)
pub mod hub;

pub use db::{Backend, Db, Row, Tx, Value};
pub use error::{StoreError, StoreResult};

/// The store: a database handle with the capabilities' methods.
#[derive(Clone, Debug)]
pub struct Store {
    pub db: Db,
    /// The public lookup's index of open violation cases (shared by clones).
    open_index: std::sync::Arc<portal::OpenIndex>,
    /// API keys found recently (shared by clones).
    key_cache: std::sync::Arc<apikeys::KeyCache>,
}

impl Store {
    /// Connects without touching the schema.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        Ok(Store {
            db: Db::connect(url).await?,
            open_index: Default::default(),
            key_cache: Default::default(),
        })
    }

    /// Connects and applies pending migrations and reference data.
    pub async fn open_migrated(url: &str) -> StoreResult<Store> {
        let s = Self::connect(url).await?;
        migrate::run(&s.db).await?;
        Ok(s)
    }

    /// Connects and refuses a database with pending migrations.
    pub async fn open_current(url: &str) -> StoreResult<Store> {
        let s = Self::connect(url).await?;
        migrate::ensure_current(&s.db).await?;
        Ok(s)
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }
}

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> i64 {
    migrate::now_us()
}
