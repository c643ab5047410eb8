//! One handle over both backends: SQLite (embedded default) and PostgreSQL.
//!
//! Capability modules write their SQL once, with `$1`-style placeholders that both
//! SQLite and PostgreSQL understand, and bind [`Value`]s; rows are read through typed
//! getters. Where the dialects differ, a module matches on [`Backend`]. This keeps the
//! dialect differences inside atgt-store, and lets one test suite run on both.

use crate::error::{StoreError, StoreResult};
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, ConnectOptions as _, Row as _};
use std::str::FromStr;
use std::time::Duration;

/// Which database a handle talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A value bound to a placeholder. Nulls keep their type: PostgreSQL needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    I64(Option<i64>),
    F64(Option<f64>),
    Text(Option<String>),
    Bool(Option<bool>),
    Bytes(Option<Vec<u8>>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::I64(Some(v))
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::I64(Some(v.into()))
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::I64(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::F64(Some(v))
    }
}
impl From<Option<f64>> for Value {
    fn from(v: Option<f64>) -> Self {
        Value::F64(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(Some(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(Some(v.to_string()))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(Some(v))
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::Text(v)
    }
}
impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        Value::Text(v.map(str::to_string))
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(Some(v))
    }
}

/// Builds an array of [`Value`]s from expressions convertible into them
/// (`.to_vec()` it to push more).
#[macro_export]
macro_rules! params {
    () => { [] as [$crate::db::Value; 0] };
    ($($v:expr),+ $(,)?) => { [$($crate::db::Value::from($v)),+] };
}

/// A pool of connections to one database.
#[derive(Clone)]
pub struct Db {
    inner: Inner,
    /// On SQLite, stops the checkpoint task when the last handle goes.
    _checkpoints: Option<std::sync::Arc<StopOnDrop>>,
}

/// Ends a background task when dropped (the last clone of a [`Db`] going away).
struct StopOnDrop(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        if let Some(s) = self.0.take() {
            let _ = s.send(());
        }
    }
}

/// How often the checkpoint task copies committed WAL pages into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// SQLite's write-ahead log is copied back into the database file by this task, not
/// by whichever connection commits (`wal_autocheckpoint = 0`): a commit then costs
/// its own WAL write and fsync, and a large import's commit does not wait while
/// hundreds of megabytes are copied. Every half second the task runs a PASSIVE
/// checkpoint, which never blocks readers or the writer and does nothing when the
/// log is already copied. Durability is unchanged: a transaction is durable once its
/// WAL frames are synced at commit (synchronous = FULL). When the last connection
/// closes, SQLite checkpoints the rest itself.
async fn checkpoints(pool: SqlitePool, mut stop: tokio::sync::oneshot::Receiver<()>) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The log's size and copied frames last time: a log already copied (and not yet
    // restarted by a writer) reports the same again.
    let mut last = (0, 0);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = tick.tick() => {}
        }
        if pool.is_closed() {
            break;
        }
        let t = std::time::Instant::now();
        match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&pool)
            .await
        {
            Ok((_, log, done)) => {
                if done > 0 && (log, done) != last {
                    tracing::debug!(
                        frames = log,
                        copied = done,
                        ms = t.elapsed().as_millis() as u64,
                        "sqlite checkpoint"
                    );
                }
                last = (log, done);
            }
            Err(sqlx::Error::PoolClosed) => break,
            Err(e) => tracing::warn!(error = %e, "sqlite checkpoint failed"),
        }
    }
}

#[derive(Clone)]
enum Inner {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({:?})", self.backend())
    }
}

fn tracing_log_off() -> log::LevelFilter {
    log::LevelFilter::Off
}

/// A database URL with any password hidden, for logs and `Debug`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Db {
    /// Connects by URL: `sqlite://path/to/file.db` (created if missing) or
    /// `postgres://user:pass@host/db`.
    pub async fn connect(url: &str) -> StoreResult<Db> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            Self::connect_sqlite(path).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = sqlx::postgres::PgConnectOptions::from_str(url)
                .map_err(|e| StoreError::Connect(redact_url(url), e.to_string()))?
                .log_statements(tracing_log_off())
                .log_slow_statements(tracing_log_off(), Duration::from_secs(5));
            let pool = PgPoolOptions::new()
                .max_connections(pg_pool_size())
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await
                .map_err(|e| StoreError::Connect(redact_url(url), e.to_string()))?;
            Ok(Db {
                inner: Inner::Pg(pool),
                _checkpoints: None,
            })
        } else {
            Err(StoreError::BadUrl(redact_url(url)))
        }
    }

    async fn connect_sqlite(path: &str) -> StoreResult<Db> {
        if path.is_empty() {
            return Err(StoreError::BadUrl("sqlite://".into()));
        }
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))
            .map_err(|e| StoreError::Connect(path.into(), e.to_string()))?
            .create_if_missing(true)
            // WAL: readers do not block the writer. synchronous=FULL: an acknowledged
            // write survives power loss, not only a process crash.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // 64 MB of page cache per connection (allocated as used): bulk imports and
            // statistics re-read
            // index pages far less.
            .pragma("cache_size", "-65536")
            // Checkpoints are run by our own task (see `checkpoints`), and the log file
            // is cut back to 64 MB after one (a large import leaves no gigabyte file).
            .pragma("wal_autocheckpoint", "0")
            .pragma("journal_size_limit", "67108864")
            .busy_timeout(Duration::from_secs(10))
            // Statements are traced by our own spans; sqlx's per-statement logs would
            // print whole bulk inserts.
            .log_statements(tracing_log_off())
            .log_slow_statements(tracing_log_off(), Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Connect(path.into(), e.to_string()))?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(checkpoints(pool.clone(), stopped));
        Ok(Db {
            inner: Inner::Sqlite(pool),
            _checkpoints: Some(std::sync::Arc::new(StopOnDrop(Some(stop)))),
        })
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::Sqlite(_) => Backend::Sqlite,
            Inner::Pg(_) => Backend::Postgres,
        }
    }

    /// Starts a transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so a transaction that reads then writes cannot fail halfway
    /// with a lock upgrade error.
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(match &self.inner {
            Inner::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Inner::Pg(p) => Tx::Pg(p.begin().await?),
        })
    }

    pub async fn execute(&self, sql: &str, args: &[Value]) -> StoreResult<u64> {
        Ok(match &self.inner {
            Inner::Sqlite(p) => bind_sqlite(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .execute(p)
                .await?
                .rows_affected(),
            Inner::Pg(p) => bind_pg(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .execute(p)
                .await?
                .rows_affected(),
        })
    }

    pub async fn fetch_all(&self, sql: &str, args: &[Value]) -> StoreResult<Vec<Row>> {
        Ok(match &self.inner {
            Inner::Sqlite(p) => bind_sqlite(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .fetch_all(p)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Inner::Pg(p) => bind_pg(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .fetch_all(p)
                .await?
                .into_iter()
                .map(Row::Pg)
                .collect(),
        })
    }

    pub async fn fetch_optional(&self, sql: &str, args: &[Value]) -> StoreResult<Option<Row>> {
        Ok(match &self.inner {
            Inner::Sqlite(p) => bind_sqlite(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .fetch_optional(p)
                .await?
                .map(Row::Sqlite),
            Inner::Pg(p) => bind_pg(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .fetch_optional(p)
                .await?
                .map(Row::Pg),
        })
    }

    pub async fn fetch_one(&self, sql: &str, args: &[Value]) -> StoreResult<Row> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Runs a script of several statements (migrations), outside any transaction
    /// management of ours.
    pub(crate) async fn execute_script_in(tx: &mut Tx, script: &str) -> StoreResult<()> {
        match tx {
            Tx::Sqlite(t) => {
                sqlx::raw_sql(AssertSqlSafe(script.to_owned()))
                    .execute(&mut **t)
                    .await?;
            }
            Tx::Pg(t) => {
                sqlx::raw_sql(AssertSqlSafe(script.to_owned()))
                    .execute(&mut **t)
                    .await?;
            }
        }
        Ok(())
    }

    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.inner {
            Inner::Sqlite(p) => Some(p),
            Inner::Pg(_) => None,
        }
    }

    pub fn pg_pool(&self) -> Option<&PgPool> {
        match &self.inner {
            Inner::Pg(p) => Some(p),
            Inner::Sqlite(_) => None,
        }
    }

    pub async fn close(&self) {
        match &self.inner {
            Inner::Sqlite(p) => p.close().await,
            Inner::Pg(p) => p.close().await,
        }
    }
}

/// An open transaction. Dropped without [`Tx::commit`], it rolls back: a failed
/// request never leaves half its writes behind.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Pg(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Pg(_) => Backend::Postgres,
        }
    }

    pub async fn execute(&mut self, sql: &str, args: &[Value]) -> StoreResult<u64> {
        Ok(match self {
            Tx::Sqlite(t) => bind_sqlite(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .execute(&mut **t)
                .await?
                .rows_affected(),
            Tx::Pg(t) => bind_pg(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .execute(&mut **t)
                .await?
                .rows_affected(),
        })
    }

    pub async fn fetch_all(&mut self, sql: &str, args: &[Value]) -> StoreResult<Vec<Row>> {
        Ok(match self {
            Tx::Sqlite(t) => bind_sqlite(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .fetch_all(&mut **t)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Tx::Pg(t) => bind_pg(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .fetch_all(&mut **t)
                .await?
                .into_iter()
                .map(Row::Pg)
                .collect(),
        })
    }

    pub async fn fetch_optional(&mut self, sql: &str, args: &[Value]) -> StoreResult<Option<Row>> {
        Ok(match self {
            Tx::Sqlite(t) => bind_sqlite(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .fetch_optional(&mut **t)
                .await?
                .map(Row::Sqlite),
            Tx::Pg(t) => bind_pg(sqlx::query(AssertSqlSafe(sql.to_owned())), args)
                .fetch_optional(&mut **t)
                .await?
                .map(Row::Pg),
        })
    }

    pub async fn fetch_one(&mut self, sql: &str, args: &[Value]) -> StoreResult<Row> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Inserts and returns the new row's integer `id` (both backends support
    /// `RETURNING`).
    pub async fn insert_id(&mut self, sql: &str, args: &[Value]) -> StoreResult<i64> {
        self.fetch_one(sql, args).await?.i64("id")
    }

    pub async fn commit(self) -> StoreResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Pg(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Connections to PostgreSQL: `ATGT_DATABASE_POOL`, or twice this machine's cores
/// (at least 4). More connections than the cores can serve make each query wait behind
/// the others in the server's scheduler rather than in the pool: on 2 cores, 4
/// connections gave plate lookups a p99 of 3.4–3.5 ms where 16 gave 4.9–5.2 ms.
fn pg_pool_size() -> u32 {
    std::env::var("ATGT_DATABASE_POOL")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| *n >= 1)
        .unwrap_or_else(|| {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
            (2 * cores).max(4)
        })
}

/// The values of one column of many rows, bound as one PostgreSQL array (see
/// `migrate::insert_batched`).
pub(crate) enum Column {
    I64(Vec<Option<i64>>),
    F64(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    Bool(Vec<Option<bool>>),
    Bytes(Vec<Option<Vec<u8>>>),
    /// One value for every row (a scalar parameter beside the arrays).
    One(Value),
}

impl Column {
    /// The array type of a column holding values like `v`.
    pub(crate) fn pg_array_type(v: &Value) -> &'static str {
        match v {
            Value::I64(_) => "int8[]",
            Value::F64(_) => "float8[]",
            Value::Text(_) => "text[]",
            Value::Bool(_) => "bool[]",
            Value::Bytes(_) => "bytea[]",
        }
    }

    /// An empty column for values like `v`.
    pub(crate) fn like(v: &Value, capacity: usize) -> Column {
        match v {
            Value::I64(_) => Column::I64(Vec::with_capacity(capacity)),
            Value::F64(_) => Column::F64(Vec::with_capacity(capacity)),
            Value::Text(_) => Column::Text(Vec::with_capacity(capacity)),
            Value::Bool(_) => Column::Bool(Vec::with_capacity(capacity)),
            Value::Bytes(_) => Column::Bytes(Vec::with_capacity(capacity)),
        }
    }

    /// Adds a value; one of another type than the column's (which the caller ruled
    /// out) would be a null.
    pub(crate) fn push(&mut self, v: Value) {
        match (self, v) {
            (Column::I64(c), Value::I64(x)) => c.push(x),
            (Column::F64(c), Value::F64(x)) => c.push(x),
            (Column::Text(c), Value::Text(x)) => c.push(x),
            (Column::Bool(c), Value::Bool(x)) => c.push(x),
            (Column::Bytes(c), Value::Bytes(x)) => c.push(x),
            (Column::I64(c), _) => c.push(None),
            (Column::F64(c), _) => c.push(None),
            (Column::Text(c), _) => c.push(None),
            (Column::Bool(c), _) => c.push(None),
            (Column::Bytes(c), _) => c.push(None),
            (Column::One(_), _) => {}
        }
    }
}

impl Tx {
    /// Runs `sql` on PostgreSQL with each column bound as one array parameter.
    pub(crate) async fn execute_columns(
        &mut self,
        sql: &str,
        cols: Vec<Column>,
    ) -> StoreResult<u64> {
        let Tx::Pg(t) = self else {
            return Err(StoreError::BadUrl(
                "array parameters need PostgreSQL".into(),
            ));
        };
        let mut q = sqlx::query(AssertSqlSafe(sql.to_owned()));
        for c in cols {
            q = match c {
                Column::I64(v) => q.bind(v),
                Column::F64(v) => q.bind(v),
                Column::Text(v) => q.bind(v),
                Column::Bool(v) => q.bind(v),
                Column::Bytes(v) => q.bind(v),
                Column::One(v) => match v {
                    Value::I64(v) => q.bind(v),
                    Value::F64(v) => q.bind(v),
                    Value::Text(v) => q.bind(v),
                    Value::Bool(v) => q.bind(v),
                    Value::Bytes(v) => q.bind(v),
                },
            };
        }
        Ok(q.execute(&mut **t).await?.rows_affected())
    }
}

type SqliteQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;
type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

// Text and bytes are bound by reference: the arguments outlive the query, and bulk
// imports bind millions of values.
fn bind_sqlite<'q>(mut q: SqliteQuery<'q>, args: &'q [Value]) -> SqliteQuery<'q> {
    for a in args {
        q = match a {
            Value::I64(v) => q.bind(*v),
            Value::F64(v) => q.bind(*v),
            Value::Text(v) => q.bind(v.as_deref()),
            Value::Bool(v) => q.bind(*v),
            Value::Bytes(v) => q.bind(v.as_deref()),
        };
    }
    q
}

fn bind_pg<'q>(mut q: PgQuery<'q>, args: &'q [Value]) -> PgQuery<'q> {
    for a in args {
        q = match a {
            Value::I64(v) => q.bind(*v),
            Value::F64(v) => q.bind(*v),
            Value::Text(v) => q.bind(v.as_deref()),
            Value::Bool(v) => q.bind(*v),
            Value::Bytes(v) => q.bind(v.as_deref()),
        };
    }
    q
}

/// A result row of either backend, read by column name.
pub enum Row {
    Sqlite(SqliteRow),
    Pg(PgRow),
    /// A row a statement returned as a JSON object (several result sets in one
    /// statement, see [`Row::json_rows`]).
    Json(serde_json::Map<String, serde_json::Value>),
}

macro_rules! getter {
    ($name:ident, $t:ty) => {
        pub fn $name(&self, col: &str) -> StoreResult<$t> {
            match self {
                Row::Sqlite(r) => r.try_get::<$t, _>(col).map_err(|e| e.to_string()),
                Row::Pg(r) => r.try_get::<$t, _>(col).map_err(|e| e.to_string()),
                Row::Json(m) => {
                    serde_json::from_value::<$t>(m.get(col).cloned().unwrap_or_default())
                        .map_err(|e| e.to_string())
                }
            }
            .map_err(|e| StoreError::Decode(col.to_string(), e))
        }
    };
}

impl Row {
    /// The rows of a JSON array of objects (as PostgreSQL's `json_agg` of a subquery
    /// gives them), read with the same getters as any row.
    pub fn json_rows(json: &str, what: &str) -> StoreResult<Vec<Row>> {
        let v: Vec<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(json)
            .map_err(|e| StoreError::Decode(what.to_string(), e.to_string()))?;
        Ok(v.into_iter().map(Row::Json).collect())
    }

    getter!(i64, i64);
    getter!(opt_i64, Option<i64>);
    getter!(f64, f64);
    getter!(opt_f64, Option<f64>);
    getter!(text, String);
    getter!(opt_text, Option<String>);
    getter!(bool, bool);
    getter!(bytes, Vec<u8>);

    /// A JSON column stored as text.
    pub fn json(&self, col: &str) -> StoreResult<serde_json::Value> {
        let s = self.text(col)?;
        serde_json::from_str(&s).map_err(|e| StoreError::Decode(col.to_string(), e.to_string()))
    }
}

/// Appends an accent-insensitive word filter: every word of `q` (folded) must occur in
/// one of `cols` (which hold folded text). At most six words; LIKE wildcards in the
/// query are dropped.
pub fn push_word_filter(sql: &mut String, args: &mut Vec<Value>, q: Option<&str>, cols: &[&str]) {
    let folded = atgt_core::text::fold(q.unwrap_or(""));
    for w in folded.split(' ').filter(|w| !w.is_empty()).take(6) {
        args.push(format!("%{}%", w.replace(['%', '_', '\\'], "")).into());
        let n = args.len();
        let ors: Vec<String> = cols.iter().map(|c| format!("{c} LIKE ${n}")).collect();
        sql.push_str(&format!(" AND ({})", ors.join(" OR ")));
    }
}

/// Appends `LIMIT $n OFFSET $m` with the values bound (limit clamped to 1..=1000).
pub fn push_page(sql: &mut String, args: &mut Vec<Value>, limit: i64, offset: i64) {
    args.push(limit.clamp(1, 1000).into());
    args.push(offset.max(0).into());
    let n = args.len();
    sql.push_str(&format!(" LIMIT ${} OFFSET ${}", n - 1, n));
}
