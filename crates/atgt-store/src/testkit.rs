//! Test databases for the shared suite: a fresh SQLite file, or a fresh PostgreSQL
//! database when `ATGT_TEST_PG_URL` is set. Each test gets its own database, removed
//! when the [`TestDb`] is dropped.
//!
//! Migrating a database loads about 25,000 administrative units; to keep tests fast a
//! migrated template is built once (per migration checksum) and copied: a file copy
//! on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL.

use crate::db::Db;
use crate::migrate;
use crate::{Backend, Store};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Fingerprint of everything a migrated database holds: migrations and reference data.
fn fingerprint(backend: Backend) -> String {
    let mut h = Sha256::new();
    for m in migrate::migrations(backend) {
        h.update(m.sql.as_bytes());
    }
    for s in crate::reference::SETS {
        h.update(s.content.as_bytes());
    }
    hex::encode(h.finalize())[..16].to_string()
}

/// A database that exists for one test.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

/// The backends to run the suite on: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if pg_url().is_some() {
        v.push(Backend::Postgres);
    }
    v
}

pub fn pg_url() -> Option<String> {
    std::env::var("ATGT_TEST_PG_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

fn scratch_dir() -> PathBuf {
    let d = std::env::temp_dir().join("atgt-test");
    let _ = std::fs::create_dir_all(&d);
    d
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => Self::sqlite().await,
            Backend::Postgres => Self::postgres().await,
        }
    }

    async fn sqlite() -> TestDb {
        let dir = scratch_dir();
        let tpl = dir.join(format!("template-{}.db", fingerprint(Backend::Sqlite)));
        if !tpl.exists() {
            // Build under a unique name, then rename: concurrent test processes never
            // see a half-built template.
            let tmp = dir.join(format!("{}.db", unique("tpl")));
            let s = Store::open_migrated(&format!("sqlite://{}", tmp.display()))
                .await
                .expect("migrate template");
            s.db.execute("PRAGMA wal_checkpoint(TRUNCATE)", &[])
                .await
                .expect("checkpoint");
            s.db.close().await;
            let _ = std::fs::remove_file(tmp.with_extension("db-wal"));
            let _ = std::fs::remove_file(tmp.with_extension("db-shm"));
            let _ = std::fs::rename(&tmp, &tpl);
        }
        let path = dir.join(format!("{}.db", unique("t")));
        std::fs::copy(&tpl, &path).expect("copy template");
        let url = format!("sqlite://{}", path.display());
        let store = Store::open_current(&url).await.expect("open test db");
        TestDb {
            store,
            url,
            cleanup: Cleanup::File(path),
        }
    }

    async fn postgres() -> TestDb {
        let admin_url = pg_url().expect("ATGT_TEST_PG_URL");
        let admin = Db::connect(&admin_url)
            .await
            .expect("connect to ATGT_TEST_PG_URL");
        let tpl = format!("atgt_tpl_{}", fingerprint(Backend::Postgres));
        // One process builds the template; the others wait on the advisory lock.
        let pool = admin.pg_pool().expect("pg").clone();
        let mut conn = pool.acquire().await.expect("acquire");
        sqlx::query("SELECT pg_advisory_lock(7301)")
            .execute(&mut *conn)
            .await
            .expect("lock");
        let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
            .bind(&tpl)
            .fetch_optional(&mut *conn)
            .await
            .expect("query");
        if exists.is_none() {
            let building = format!("{tpl}_building");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {building}"
            )))
            .execute(&mut *conn)
            .await;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {building}")))
                .execute(&mut *conn)
                .await
                .expect("create template");
            let s = Store::open_migrated(&with_db(&admin_url, &building))
                .await
                .expect("migrate template");
            s.db.close().await;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {building} RENAME TO {tpl}"
            )))
            .execute(&mut *conn)
            .await
            .expect("rename template");
        }
        sqlx::query("SELECT pg_advisory_unlock(7301)")
            .execute(&mut *conn)
            .await
            .expect("unlock");
        let name = unique("atgt_t");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name} TEMPLATE {tpl}"
        )))
        .execute(&mut *conn)
        .await
        .expect("create test db");
        drop(conn);
        admin.close().await;
        let url = with_db(&admin_url, &name);
        let store = Store::open_current(&url).await.expect("open test db");
        TestDb {
            store,
            url,
            cleanup: Cleanup::PgDatabase { admin_url, name },
        }
    }
}

/// The same server URL with another database name.
pub fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base
        .rfind('/')
        .filter(|i| *i > "postgres://".len())
        .unwrap_or(base.len());
    format!("{}/{db}{query}", &base[..cut])
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(p) => {
                let _ = std::fs::remove_file(p);
                let _ = std::fs::remove_file(p.with_extension("db-wal"));
                let _ = std::fs::remove_file(p.with_extension("db-shm"));
            }
            Cleanup::PgDatabase { admin_url, name } => {
                // Drop runs outside async code; a short-lived runtime on its own thread
                // removes the database (FORCE ends the pool's remaining connections).
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(rt) = rt {
                        rt.block_on(async {
                            if let Ok(db) = Db::connect(&admin_url).await {
                                let _ = db
                                    .execute(
                                        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                                        &[],
                                    )
                                    .await;
                                db.close().await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

// plans and accountability (issue 7)
/// The codes of the sample units ([`atgt_core::org::SAMPLE_ORGS`]) the seed plan names,
/// for tests that load it.
pub const PLAN_UNIT_CODES: &[&str] = &[
    "TU-NT",
    "HU-NH",
    "BTG-HU-NH",
    "VP-HU-NH",
    "DUCA-NH",
    "CA-NH",
    "UBND-NH",
    "PKTHT-NH",
    "PVHTT-NH",
    "PGDDT-NH",
    "MTTQ-NH",
    "HD-NH",
    "HLHPN-NH",
    "HND-NH",
    "HCCB-NH",
    "LDLD-NH",
    "TU-KH",
    "DU-XH",
];

/// Creates the [`PLAN_UNIT_CODES`] units that do not exist yet.
pub async fn plan_units(store: &Store) {
    let sys = atgt_core::audit::Actor::system();
    let units = atgt_core::org::SAMPLE_ORGS
        .iter()
        .filter(|u| PLAN_UNIT_CODES.contains(&u.0));
    for (code, name, kind, scheme, admin, parent) in units {
        if store.org_by_code(code).await.is_ok() {
            continue;
        }
        store
            .org_create(
                &sys,
                &crate::orgs::OrgInput {
                    code: code.to_string(),
                    name: name.to_string(),
                    short_name: String::new(),
                    kind: kind.to_string(),
                    admin_scheme: scheme.to_string(),
                    admin_code: admin.to_string(),
                    parent_code: (!parent.is_empty()).then(|| parent.to_string()),
                    active: true,
                },
            )
            .await
            .expect("plan unit");
    }
}
