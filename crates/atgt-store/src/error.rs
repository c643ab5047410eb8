//! Store errors. "Not found" and "conflict" are their own variants so the web layer
//! can answer 404 and 409 without looking at driver messages.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A unique key is taken; the string names the constraint or field.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Input the store refuses, with the i18n key of the reason and the field.
    #[error("invalid {field}: {key}")]
    Invalid {
        field: String,
        key: String,
        arg: String,
    },
    #[error("unsupported database URL '{0}' (use sqlite://PATH or postgres://…)")]
    BadUrl(String),
    #[error("cannot connect to {0}: {1}")]
    Connect(String, String),
    #[error(
        "the database has {0} unapplied migration(s); run `atgt migrate` or start with --migrate"
    )]
    PendingMigrations(usize),
    #[error("migration {0} was changed after it was applied (checksum differs)")]
    MigrationChanged(i64),
    #[error("the database is newer than this program (migration {0} unknown)")]
    UnknownMigration(i64),
    #[error("cannot decode column {0}: {1}")]
    Decode(String, String),
    #[error("reference data: {0}")]
    Reference(String),
    #[error("database error: {0}")]
    Db(sqlx::Error),
    /// An error reported by SQLite's C API on the bulk-insert path.
    #[error("database error: {0}")]
    Sqlite(String),
}

impl StoreError {
    pub fn invalid(field: &str, key: &str) -> StoreError {
        StoreError::Invalid {
            field: field.into(),
            key: key.into(),
            arg: String::new(),
        }
    }
    pub fn invalid_arg(field: &str, key: &str, arg: &str) -> StoreError {
        StoreError::Invalid {
            field: field.into(),
            key: key.into(),
            arg: arg.into(),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = e {
            return StoreError::NotFound;
        }
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return StoreError::Conflict(db.constraint().unwrap_or("unique").to_string());
        }
        StoreError::Db(e)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
