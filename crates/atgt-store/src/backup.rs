//! Consistent copies of a running SQLite database (`VACUUM INTO`), taken while the
//! server keeps serving. PostgreSQL deployments use pg_dump or base backups instead.

use crate::error::{StoreError, StoreResult};
use crate::{Backend, Store, params};
use std::path::Path;

impl Store {
    /// Writes a consistent, compacted copy of the database to `dest` (which must not exist).
    pub async fn backup_to(&self, dest: &Path) -> StoreResult<u64> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::BadUrl(
                "backup is for SQLite; use pg_dump for PostgreSQL".into(),
            ));
        }
        if dest.exists() {
            return Err(StoreError::invalid_arg(
                "output",
                "error.conflict",
                &dest.display().to_string(),
            ));
        }
        let path = dest.to_string_lossy().to_string();
        self.db.execute("VACUUM INTO $1", &params![path]).await?;
        Ok(std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0))
    }
}
