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

/// The records photos are linked to: each with its link table, key column and the
/// audit action and entity of a new link.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
    Crash,
    Spot,
    // hazards (issue 9, part A)
    Encroachment,
}

impl Owner {
    /// (link table, key column, audit action, audit entity)
    fn names(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Owner::Crash => ("crash_files", "crash_id", "crash.file_add", "crash"),
            Owner::Spot => ("spot_files", "spot_id", "spot.file_add", "spot"),
            Owner::Encroachment => (
                "encroachment_files",
                "encroachment_id",
                "encroachment.file_add",
                "encroachment",
            ),
        }
    }
}

/// A SHA-256 in lowercase or uppercase hex, as the file store names files.
pub(crate) fn check_sha256(sha256: &str) -> StoreResult<()> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::invalid("file", "error.bad_request"));
    }
    Ok(())
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
        check_sha256(&f.sha256)?;
        self.crash(crash_id).await?;
        self.file_link(actor, Owner::Crash, crash_id, f, caption)
            .await
    }

    pub async fn crash_files(&self, crash_id: i64) -> StoreResult<Vec<FileInfo>> {
        self.files_of(Owner::Crash, crash_id).await
    }

    /// Records a stored file (once per content) and links it to `id` of `owner`, with
    /// its audit entry, in one transaction; the same file twice is refused.
    pub(crate) async fn file_link(
        &self,
        actor: &Actor,
        owner: Owner,
        id: i64,
        f: &StoredFile,
        caption: &str,
    ) -> StoreResult<FileInfo> {
        let (table, key, action, entity) = owner.names();
        let now = now_us();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO files (sha256, size, mime, original_name, created_at_us, created_by) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (sha256) DO NOTHING",
            &params![f.sha256.as_str(), f.size, f.mime.as_str(), f.name.as_str(), now, actor.name.clone()],
        )
        .await?;
        let linked = tx
            .execute(
                &format!(
                    "INSERT INTO {table} ({key}, sha256, caption, added_at_us, added_by) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT ({key}, sha256) DO NOTHING"
                ),
                &params![id, f.sha256.as_str(), caption.trim(), now, actor.name.clone()],
            )
            .await?;
        if linked == 0 {
            return Err(StoreError::invalid("file", "error.file_already_attached"));
        }
        let info = FileInfo {
            sha256: f.sha256.clone(),
            size: f.size,
            mime: f.mime.clone(),
            original_name: f.name.clone(),
            caption: caption.trim().into(),
            added_at_us: now,
            added_by: actor.name.clone(),
        };
        append(
            &mut tx,
            actor.entry(
                action,
                entity,
                id,
                serde_json::Value::Null,
                serde_json::to_value(&info).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(info)
    }

    /// The files linked to `id` of `owner`, oldest first.
    pub(crate) async fn files_of(&self, owner: Owner, id: i64) -> StoreResult<Vec<FileInfo>> {
        let (table, key, _, _) = owner.names();
        let rows = self
            .db
            .fetch_all(
                &format!(
                    "SELECT f.sha256, f.size, f.mime, f.original_name, l.caption, l.added_at_us, l.added_by
                     FROM {table} l JOIN files f ON f.sha256 = l.sha256 WHERE l.{key} = $1 ORDER BY l.added_at_us"
                ),
                &params![id],
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
