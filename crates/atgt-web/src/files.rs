//! The file store for evidence (crash photos now; violation images and citizens'
//! reports later): a folder, files named by their SHA-256, written atomically. Only
//! images are taken, recognised by their content, not by their name.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

/// The largest photo taken (bytes).
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

/// The image type by its first bytes: JPEG, PNG or WebP; anything else is refused.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

impl FileStore {
    pub fn new(dir: impl Into<PathBuf>) -> FileStore {
        FileStore { dir: dir.into() }
    }

    fn path(&self, sha: &str) -> Option<PathBuf> {
        let ok = sha.len() == 64
            && sha
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        ok.then(|| self.dir.join(&sha[..2]).join(&sha[2..4]).join(sha))
    }

    /// Stores bytes (once per content) and returns their SHA-256. The file is written
    /// under a temporary name, synced, then renamed: a crash never leaves half a file.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self
            .path(&sha)
            .ok_or_else(|| std::io::Error::other("bad hash"))?;
        if path.exists() {
            return Ok(sha);
        }
        let parent = path
            .parent()
            .ok_or_else(|| std::io::Error::other("no parent"))?;
        std::fs::create_dir_all(parent)?;
        let tmp = parent.join(format!(".{sha}.tmp"));
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)?;
        if let Ok(d) = std::fs::File::open(parent) {
            let _ = d.sync_all();
        }
        Ok(sha)
    }

    pub fn get(&self, sha: &str) -> std::io::Result<Vec<u8>> {
        let path = self
            .path(sha)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "bad hash"))?;
        std::fs::read(path)
    }
}

/// Reads a photo upload (multipart fields `file` and `caption`), checks it is an image
/// by its content and at most [`MAX_PHOTO_BYTES`], and puts it in the file store.
/// Returns the stored file and the caption (at most 500 characters); errors name the
/// `file` field.
pub async fn receive_photo(
    files: &FileStore,
    mp: &mut axum::extract::Multipart,
) -> Result<(atgt_store::files::StoredFile, String), crate::error::AppError> {
    use crate::error::AppError;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut caption = String::new();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|_| AppError::invalid("file", "error.file_too_large"))?
    {
        match field.name().unwrap_or("") {
            "file" => {
                let name: String = field
                    .file_name()
                    .unwrap_or("anh")
                    .chars()
                    .take(200)
                    .collect();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::invalid("file", "error.file_too_large"))?;
                file = Some((name, bytes.to_vec()));
            }
            "caption" => {
                caption = field
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(500)
                    .collect()
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file.filter(|f| !f.1.is_empty()) else {
        return Err(AppError::invalid("file", "error.required"));
    };
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(AppError::invalid("file", "error.file_too_large"));
    }
    let mime =
        sniff_image(&bytes).ok_or_else(|| AppError::invalid("file", "error.file_not_image"))?;
    let sha256 = files
        .put(&bytes)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        atgt_store::files::StoredFile {
            sha256,
            size: bytes.len() as i64,
            mime: mime.into(),
            name,
        },
        caption,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_addressed_and_sniffed() {
        let dir = std::env::temp_dir().join(format!("atgt-files-{}", std::process::id()));
        let fs = FileStore::new(&dir);
        let png = b"\x89PNG\r\n\x1a\nrest";
        let sha = fs.put(png).unwrap();
        assert_eq!(fs.put(png).unwrap(), sha);
        assert_eq!(fs.get(&sha).unwrap(), png);
        assert!(fs.get("../../etc/passwd").is_err());
        assert_eq!(sniff_image(png), Some("image/png"));
        assert_eq!(sniff_image(b"<script>alert(1)</script>"), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
