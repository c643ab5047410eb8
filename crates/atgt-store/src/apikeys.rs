//! API keys for machine clients (partner systems, cameras, metrics scrapers).
//! Security-sensitive: a key is shown once at creation; only its SHA-256 is stored,
//! with a short public prefix to find it.

use crate::audit::append;
use crate::db::Row;
use crate::error::{StoreError, StoreResult};
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: i64,
    pub prefix: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub org_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at_us: i64,
    pub revoked_at_us: Option<i64>,
    pub last_used_us: Option<i64>,
}

const COLS: &str =
    "id, prefix, name, scopes, org_id, created_by, created_at_us, revoked_at_us, last_used_us";

fn key(r: &Row) -> StoreResult<ApiKey> {
    Ok(ApiKey {
        id: r.i64("id")?,
        prefix: r.text("prefix")?,
        name: r.text("name")?,
        scopes: r
            .text("scopes")?
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        org_id: r.opt_i64("org_id")?,
        created_by: r.opt_i64("created_by")?,
        created_at_us: r.i64("created_at_us")?,
        revoked_at_us: r.opt_i64("revoked_at_us")?,
        last_used_us: r.opt_i64("last_used_us")?,
    })
}

impl Store {
    /// Stores a key's prefix and hash (the caller generated and shows the key).
    pub async fn apikey_create(
        &self,
        actor: &Actor,
        prefix: &str,
        key_hash: &str,
        name: &str,
        scopes: &[String],
        org_code: Option<&str>,
    ) -> StoreResult<ApiKey> {
        atgt_core::auth::check_scopes(scopes)
            .map_err(|s| StoreError::invalid_arg("scopes", "error.scope_unknown", &s))?;
        let name = atgt_core::text::nfc(name);
        if name.is_empty() {
            return Err(StoreError::invalid("name", "error.required"));
        }
        let org_id = match org_code {
            Some(c) => Some(match self.org_by_code(c).await {
                Ok(o) => o.id,
                Err(StoreError::NotFound) => {
                    return Err(StoreError::invalid_arg("org_code", "error.org_unknown", c));
                }
                Err(e) => return Err(e),
            }),
            None => None,
        };
        let created_by = (actor.kind == "user").then_some(actor.id);
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO api_keys (prefix, key_hash, name, scopes, org_id, created_by, created_at_us)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &params![prefix, key_hash, name, scopes.join(" "), org_id, created_by, now_us()],
            )
            .await?;
        let k = key(&tx
            .fetch_one(
                &format!("SELECT {COLS} FROM api_keys WHERE id = $1"),
                &params![id],
            )
            .await?)?;
        append(
            &mut tx,
            actor.entry(
                "apikey.create",
                "apikey",
                id,
                serde_json::Value::Null,
                serde_json::to_value(&k).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(k)
    }

    /// The live key with this prefix and its stored hash. Found keys are remembered
    /// for [`KEY_CACHE_TTL`] (a partner's every request needs its key): a revocation in
    /// this process clears them at once; one made by another process (the CLI, another
    /// server) takes effect within the TTL. Unknown prefixes are never remembered.
    pub async fn apikey_by_prefix(&self, prefix: &str) -> StoreResult<Option<(ApiKey, String)>> {
        if let Some(found) = self.key_cache.get(prefix) {
            return Ok(Some(found));
        }
        // A revocation between this read and remembering it must not be undone.
        let generation = self.key_cache.generation();
        let found = self.apikey_by_prefix_db(prefix).await?;
        if let Some(f) = &found {
            self.key_cache.put(prefix, f.clone(), generation);
        }
        Ok(found)
    }

    async fn apikey_by_prefix_db(&self, prefix: &str) -> StoreResult<Option<(ApiKey, String)>> {
        let r = self
            .db
            .fetch_optional(
                &format!("SELECT {COLS}, key_hash FROM api_keys WHERE prefix = $1 AND revoked_at_us IS NULL"),
                &params![prefix],
            )
            .await?;
        match r {
            Some(r) => Ok(Some((key(&r)?, r.text("key_hash")?))),
            None => Ok(None),
        }
    }

    pub async fn apikey_touch(&self, id: i64) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE api_keys SET last_used_us = $1 WHERE id = $2",
                &params![now_us(), id],
            )
            .await?;
        self.key_cache.touched(id, now_us());
        Ok(())
    }

    pub async fn apikey_revoke(&self, actor: &Actor, id: i64) -> StoreResult<()> {
        let before = key(&self
            .db
            .fetch_one(
                &format!("SELECT {COLS} FROM api_keys WHERE id = $1"),
                &params![id],
            )
            .await?)?;
        let mut tx = self.db.begin().await?;
        let now = now_us();
        tx.execute(
            "UPDATE api_keys SET revoked_at_us = $1 WHERE id = $2 AND revoked_at_us IS NULL",
            &params![now, id],
        )
        .await?;
        append(
            &mut tx,
            actor.entry(
                "apikey.revoke",
                "apikey",
                id,
                serde_json::to_value(&before).unwrap_or_default(),
                json!({"revoked_at_us": now}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.key_cache.clear();
        Ok(())
    }

    pub async fn apikeys(&self) -> StoreResult<Vec<ApiKey>> {
        let rows = self
            .db
            .fetch_all(
                &format!("SELECT {COLS} FROM api_keys ORDER BY id DESC"),
                &[],
            )
            .await?;
        rows.iter().map(key).collect()
    }
}

/// How long a found key is remembered (see [`Store::apikey_by_prefix`]).
pub const KEY_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);
/// Keys remembered at most; beyond, the cache starts afresh.
const KEY_CACHE_MAX: usize = 10_000;

/// Live API keys found recently, by prefix, with when they were read.
#[derive(Default)]
pub struct KeyCache {
    keys: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, ApiKey, String)>>,
    /// Bumped by every revocation: a key read before one is not remembered after it.
    cleared: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyCache")
    }
}

impl KeyCache {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<String, (std::time::Instant, ApiKey, String)>,
    > {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, prefix: &str) -> Option<(ApiKey, String)> {
        match self.lock().get(prefix) {
            Some((at, k, h)) if at.elapsed() < KEY_CACHE_TTL => Some((k.clone(), h.clone())),
            _ => None,
        }
    }

    fn generation(&self) -> u64 {
        self.cleared.load(std::sync::atomic::Ordering::Acquire)
    }

    fn put(&self, prefix: &str, found: (ApiKey, String), generation: u64) {
        let mut m = self.lock();
        if self.generation() != generation {
            return;
        }
        if m.len() >= KEY_CACHE_MAX {
            m.clear();
        }
        m.insert(
            prefix.to_string(),
            (std::time::Instant::now(), found.0, found.1),
        );
    }

    fn touched(&self, id: i64, at_us: i64) {
        for (_, k, _) in self.lock().values_mut() {
            if k.id == id {
                k.last_used_us = Some(at_us);
            }
        }
    }

    fn clear(&self) {
        let mut m = self.lock();
        self.cleared
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        m.clear();
    }
}
