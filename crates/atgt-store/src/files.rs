//! Evidence files (photos, attachments): their records in the database, content-addressed
//! by SHA-256, and links from the records that use them. The bytes are kept by the web
//! layer's file store; adding a file and linking it is audited.

use crate::audit::append;
use crate::error::{StoreError, StoreResult};
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileInfo {
    pub sha256: String,
    pub size: i64,
    pub mime: String,
    pub original_name: String,
    pub caption: String,
    pub added_at_us: i64,
    pub added_by: String,
}

/// A file the file store holds: its hash, size, type and the name it was uploaded with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub sha256: String,
    pub size: i64,
    pub mime: String,
    pub name: String,
}

impl Store {
    /// Records a stored file (once per content) and links it to a crash.
    pub async fn crash_file_add(
        &self,
        actor: &Actor,
        crash_id: i64,
        f: &StoredFile,
        caption: &str,
    ) -> StoreResult<FileInfo> {
        let (sha256, size, mime, name) =
            (f.sha256.as_str(), f.size, f.mime.as_str(), f.name.as_str());
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::invalid("file", "error.bad_request"));
        }
        self.crash(crash_id).await?;
        let now = now_us();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO files (sha256, size, mime, original_name, created_at_us, created_by) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (sha256) DO NOTHING",
            &params![sha256, size, mime, name, now, actor.name.clone()],
        )
        .await?;
        let linked = tx
            .execute(
                "INSERT INTO crash_files (crash_id, sha256, caption, added_at_us, added_by) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (crash_id, sha256) DO NOTHING",
                &params![crash_id, sha256, caption.trim(), now, actor.name.clone()],
            )
            .await?;
        if linked == 0 {
            return Err(StoreError::invalid("file", "error.file_already_attached"));
        }
        let info = FileInfo {
            sha256: sha256.into(),
            size,
            mime: mime.into(),
            original_name: name.into(),
            caption: caption.trim().into(),
            added_at_us: now,
            added_by: actor.name.clone(),
        };
        append(
            &mut tx,
            actor.entry(
                "crash.file_add",
                "crash",
                crash_id,
                serde_json::Value::Null,
                serde_json::to_value(&info).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(info)
    }

    pub async fn crash_files(&self, crash_id: i64) -> StoreResult<Vec<FileInfo>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT f.sha256, f.size, f.mime, f.original_name, c.caption, c.added_at_us, c.added_by
                 FROM crash_files c JOIN files f ON f.sha256 = c.sha256 WHERE c.crash_id = $1 ORDER BY c.added_at_us",
                &params![crash_id],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(FileInfo {
                    sha256: r.text("sha256")?,
                    size: r.i64("size")?,
                    mime: r.text("mime")?,
                    original_name: r.text("original_name")?,
                    caption: r.text("caption")?,
                    added_at_us: r.i64("added_at_us")?,
                    added_by: r.text("added_by")?,
                })
            })
            .collect()
    }

    /// A file's type and the crashes it belongs to (to check who may see it).
    pub async fn file_for_crashes(&self, sha256: &str) -> StoreResult<(String, Vec<i64>)> {
        let f = self
            .db
            .fetch_one("SELECT mime FROM files WHERE sha256 = $1", &params![sha256])
            .await?;
        let crashes = self
            .db
            .fetch_all(
                "SELECT crash_id FROM crash_files WHERE sha256 = $1",
                &params![sha256],
            )
            .await?
            .iter()
            .map(|r| r.i64("crash_id"))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((f.text("mime")?, crashes))
    }
}
