//! Schema migrations and reference data, per backend, embedded in the binary.
//!
//! Each backend has its own folder of numbered SQL files (`migrations/sqlite`,
//! `migrations/postgres`). A migration runs in one transaction with the row that
//! records it, so a failure leaves the database as it was. The checksum of every
//! applied migration is kept: an edited migration is refused rather than silently
//! diverging. Reference data (administrative units) is loaded after the schema, by
//! upsert, and reloaded only when its embedded file changes.

use crate::db::{Backend, Db, Tx, Value};
use crate::error::{StoreError, StoreResult};
use crate::params;
use sha2::{Digest, Sha256};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

macro_rules! migration {
    ($v:expr, $name:expr, $path:expr) => {
        Migration {
            version: $v,
            name: $name,
            sql: include_str!($path),
        }
    };
}

const SQLITE: &[Migration] = &[
    migration!(1, "foundation", "../migrations/sqlite/0001_foundation.sql"),
    migration!(2, "roads", "../migrations/sqlite/0002_roads.sql"),
    migration!(3, "crashes", "../migrations/sqlite/0003_crashes.sql"),
    migration!(4, "files", "../migrations/sqlite/0004_files.sql"),
    // hotspots: black-spot screening (issue 5)
    migration!(5, "hotspots", "../migrations/sqlite/0005_hotspots.sql"),
    // plans and accountability (issue 7)
    migration!(6, "plans", "../migrations/sqlite/0006_plans.sql"),
    // Cameras and violation processing (issue 6)
    migration!(
        7,
        "enforcement",
        "../migrations/sqlite/0007_enforcement.sql"
    ),
    // events (issue 10)
    migration!(8, "events", "../migrations/sqlite/0008_events.sql"),
    // crash registry (issue 4): parts and versions clustered by crash
    migration!(
        9,
        "crash_parts_clustered",
        "../migrations/sqlite/0009_crash_parts_clustered.sql"
    ),
    // plans follow-up (issue 7): unit e-mail, task links
    migration!(
        10,
        "plans_mail_links",
        "../migrations/sqlite/0010_plans_mail_links.sql"
    ),
    // shared data hub (issue 8)
    migration!(11, "hub", "../migrations/sqlite/0011_hub.sql"),
    // hazards, Open311 and citizen reports (issue 9, part A)
    migration!(12, "hazards", "../migrations/sqlite/0012_hazards.sql"),
    // public portal (issue 9): education, quiz, campaigns, rewards
    migration!(13, "portal", "../migrations/sqlite/0013_portal.sql"),
    // crash registry (issue 4): a version's classification stored once per distinct one
    migration!(
        14,
        "crash_version_classes",
        "../migrations/sqlite/0014_crash_version_classes.sql"
    ),
    migration!(
        15,
        "lookup_indexes",
        "../migrations/sqlite/0015_lookup_indexes.sql"
    ),
];
const POSTGRES: &[Migration] = &[
    migration!(
        1,
        "foundation",
        "../migrations/postgres/0001_foundation.sql"
    ),
    migration!(2, "roads", "../migrations/postgres/0002_roads.sql"),
    migration!(3, "crashes", "../migrations/postgres/0003_crashes.sql"),
    migration!(4, "files", "../migrations/postgres/0004_files.sql"),
    // hotspots: black-spot screening (issue 5)
    migration!(5, "hotspots", "../migrations/postgres/0005_hotspots.sql"),
    // plans and accountability (issue 7)
    migration!(6, "plans", "../migrations/postgres/0006_plans.sql"),
    // Cameras and violation processing (issue 6)
    migration!(
        7,
        "enforcement",
        "../migrations/postgres/0007_enforcement.sql"
    ),
    // events (issue 10)
    migration!(8, "events", "../migrations/postgres/0008_events.sql"),
    // crash registry (issue 4): parts and versions clustered by crash
    migration!(
        9,
        "crash_parts_clustered",
        "../migrations/postgres/0009_crash_parts_clustered.sql"
    ),
    // plans follow-up (issue 7): unit e-mail, task links
    migration!(
        10,
        "plans_mail_links",
        "../migrations/postgres/0010_plans_mail_links.sql"
    ),
    // shared data hub (issue 8)
    migration!(11, "hub", "../migrations/postgres/0011_hub.sql"),
    // hazards, Open311 and citizen reports (issue 9, part A)
    migration!(12, "hazards", "../migrations/postgres/0012_hazards.sql"),
    // public portal (issue 9): education, quiz, campaigns, rewards
    migration!(13, "portal", "../migrations/postgres/0013_portal.sql"),
    // crash registry (issue 4): a version's classification stored once per distinct one
    migration!(
        14,
        "crash_version_classes",
        "../migrations/postgres/0014_crash_version_classes.sql"
    ),
    migration!(
        15,
        "lookup_indexes",
        "../migrations/postgres/0015_lookup_indexes.sql"
    ),
];

pub fn migrations(backend: Backend) -> &'static [Migration] {
    match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    }
}

fn checksum(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

const CREATE_TRACKING: &str = "CREATE TABLE IF NOT EXISTS atgt_migrations (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at_us BIGINT NOT NULL)";

/// What is left to do on a database.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pending {
    pub migrations: Vec<i64>,
    pub reference: Vec<&'static str>,
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        self.migrations.is_empty() && self.reference.is_empty()
    }
    pub fn count(&self) -> usize {
        self.migrations.len() + self.reference.len()
    }
}

async fn applied(db: &Db) -> StoreResult<Vec<(i64, String)>> {
    db.execute(CREATE_TRACKING, &[]).await?;
    let rows = db
        .fetch_all(
            "SELECT version, checksum FROM atgt_migrations ORDER BY version",
            &[],
        )
        .await?;
    rows.iter()
        .map(|r| Ok((r.i64("version")?, r.text("checksum")?)))
        .collect()
}

/// Lists unapplied migrations and stale reference data; fails if an applied migration
/// was changed or the database knows a migration this program does not.
pub async fn pending(db: &Db) -> StoreResult<Pending> {
    let done = applied(db).await?;
    let all = migrations(db.backend());
    for (v, sum) in &done {
        match all.iter().find(|m| m.version == *v) {
            None => return Err(StoreError::UnknownMigration(*v)),
            Some(m) if checksum(m.sql) != *sum => return Err(StoreError::MigrationChanged(*v)),
            Some(_) => {}
        }
    }
    let migrations: Vec<i64> = all
        .iter()
        .filter(|m| !done.iter().any(|(v, _)| *v == m.version))
        .map(|m| m.version)
        .collect();
    let mut reference = Vec::new();
    if migrations.is_empty() {
        for set in crate::reference::SETS {
            let row = db
                .fetch_optional(
                    "SELECT checksum FROM reference_data WHERE name = $1",
                    &params![set.name],
                )
                .await?;
            if row.map(|r| r.text("checksum")).transpose()?.as_deref()
                != Some(&checksum(set.content))
            {
                reference.push(set.name);
            }
        }
    } else {
        reference = crate::reference::SETS.iter().map(|s| s.name).collect();
    }
    Ok(Pending {
        migrations,
        reference,
    })
}

/// Applies every pending migration, then loads changed reference data.
pub async fn run(db: &Db) -> StoreResult<Pending> {
    let todo = pending(db).await?;
    for m in migrations(db.backend())
        .iter()
        .filter(|m| todo.migrations.contains(&m.version))
    {
        tracing::info!(version = m.version, name = m.name, "applying migration");
        let mut tx = db.begin().await?;
        Db::execute_script_in(&mut tx, m.sql).await?;
        tx.execute(
            "INSERT INTO atgt_migrations (version, name, checksum, applied_at_us) VALUES ($1, $2, $3, $4)",
            &params![m.version, m.name, checksum(m.sql), now_us()],
        )
        .await?;
        tx.commit().await?;
    }
    for set in crate::reference::SETS
        .iter()
        .filter(|s| todo.reference.contains(&s.name))
    {
        tracing::info!(name = set.name, "loading reference data");
        let mut tx = db.begin().await?;
        let n = (set.load)(&mut tx, set.content).await?;
        tx.execute(
            "INSERT INTO reference_data (name, checksum, rows_loaded, loaded_at_us) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum,
               rows_loaded = excluded.rows_loaded, loaded_at_us = excluded.loaded_at_us",
            &params![set.name, checksum(set.content), n as i64, now_us()],
        )
        .await?;
        tx.commit().await?;
    }
    Ok(todo)
}

/// Refuses a database with pending work, with the count in the error.
pub async fn ensure_current(db: &Db) -> StoreResult<()> {
    let p = pending(db).await?;
    if p.is_empty() {
        Ok(())
    } else {
        Err(StoreError::PendingMigrations(p.count()))
    }
}

pub(crate) fn now_us() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

/// Writes the placeholder of parameter `n`: `$n` on PostgreSQL, `?` on SQLite. Long
/// statements must use SQLite's anonymous `?`: binding a named or numbered parameter
/// makes SQLite scan its list of names, which is quadratic in a statement with
/// thousands of parameters.
pub(crate) fn push_placeholder(sql: &mut String, backend: crate::db::Backend, n: usize) {
    match backend {
        crate::db::Backend::Sqlite => sql.push('?'),
        crate::db::Backend::Postgres => {
            sql.push('$');
            sql.push_str(&n.to_string());
        }
    }
}

/// `n` comma-separated placeholders numbered from `from` (see [`push_placeholder`]),
/// for an `IN (…)` list.
pub(crate) fn placeholders(backend: crate::db::Backend, from: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 5);
    for i in from..from + n {
        if i > from {
            s.push(',');
        }
        push_placeholder(&mut s, backend, i);
    }
    s
}

/// Inserts rows in batches of multi-row `INSERT … VALUES (…), (…)` statements.
/// `head` is the statement up to `VALUES`, `tail` anything after the rows
/// (e.g. `ON CONFLICT …`).
pub(crate) async fn insert_batched(
    tx: &mut Tx,
    head: &str,
    tail: &str,
    width: usize,
    rows: Vec<Vec<Value>>,
) -> StoreResult<usize> {
    let n = rows.len();
    if let Tx::Sqlite(t) = tx {
        crate::sqlite_bulk::insert_rows(t, head, tail, width, &rows).await?;
        return Ok(n);
    }
    let rows = match insert_unnest(tx, head, tail, width, rows).await? {
        Ok(done) => return Ok(done),
        Err(rows) => rows,
    };
    let per = (30_000 / width.max(1)).clamp(1, 500);
    let backend = tx.backend();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Value>> = rows.by_ref().take(per).collect();
        let mut sql = String::with_capacity(head.len() + chunk.len() * width * 5 + tail.len());
        sql.push_str(head);
        sql.push_str(" VALUES ");
        let mut args = Vec::with_capacity(chunk.len() * width);
        for (i, row) in chunk.into_iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for j in 0..width {
                if j > 0 {
                    sql.push(',');
                }
                push_placeholder(&mut sql, backend, i * width + j + 1);
            }
            sql.push(')');
            args.extend(row);
        }
        sql.push(' ');
        sql.push_str(tail);
        tx.execute(&sql, &args).await?;
    }
    Ok(n)
}

/// Rows of one PostgreSQL `INSERT … SELECT * FROM unnest(…)`.
const UNNEST_ROWS: usize = 5_000;

/// On PostgreSQL, inserts the rows with one statement per [`UNNEST_ROWS`], each column
/// bound as one array: `head SELECT * FROM unnest($1::int8[], $2::text[], …) tail`.
/// PostgreSQL then parses, binds and plans a statement of `width` parameters instead
/// of a `VALUES` list of thousands. The column types come from the values, which keep
/// their type even when null. The rows come back (`Err`) on SQLite, or when a column's
/// values change type, for the caller to write with `VALUES`.
async fn insert_unnest(
    tx: &mut Tx,
    head: &str,
    tail: &str,
    width: usize,
    rows: Vec<Vec<Value>>,
) -> StoreResult<Result<usize, Vec<Vec<Value>>>> {
    use crate::db::Column;
    let Some(first) = rows.first() else {
        return Ok(Ok(0));
    };
    if tx.backend() != crate::db::Backend::Postgres || first.len() != width {
        return Ok(Err(rows));
    }
    let same_types = rows.iter().all(|r| {
        r.len() == width
            && r.iter()
                .zip(first)
                .all(|(a, b)| std::mem::discriminant(a) == std::mem::discriminant(b))
    });
    if !same_types {
        return Ok(Err(rows));
    }
    let mut sql = String::with_capacity(head.len() + tail.len() + width * 12 + 32);
    sql.push_str(head);
    sql.push_str(" SELECT * FROM unnest(");
    for (j, v) in first.iter().enumerate() {
        if j > 0 {
            sql.push(',');
        }
        sql.push('$');
        sql.push_str(&(j + 1).to_string());
        sql.push_str("::");
        sql.push_str(Column::pg_array_type(v));
    }
    sql.push_str(") ");
    sql.push_str(tail);
    let like = first.clone();
    let n = rows.len();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut cols: Vec<Column> = like
            .iter()
            .map(|v| Column::like(v, UNNEST_ROWS.min(n)))
            .collect();
        for row in rows.by_ref().take(UNNEST_ROWS) {
            for (c, v) in cols.iter_mut().zip(row) {
                c.push(v);
            }
        }
        tx.execute_columns(&sql, cols).await?;
    }
    Ok(Ok(n))
}
