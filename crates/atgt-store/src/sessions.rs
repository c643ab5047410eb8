//! Sign-in sessions. Security-sensitive: only the SHA-256 of the cookie token is
//! stored, so a copy of the database does not let anyone sign in.

use crate::audit::append;
use crate::error::StoreResult;
use crate::users::User;
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use serde_json::json;

#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at_us: i64,
    pub last_seen_us: i64,
    pub expires_at_us: i64,
}

impl Store {
    /// Records a sign-in: the session row, the user's last sign-in, an audit entry.
    pub async fn session_create(
        &self,
        user: &User,
        token_hash: &str,
        csrf_token: &str,
        expires_at_us: i64,
        ip: &str,
        user_agent: &str,
    ) -> StoreResult<()> {
        let now = now_us();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at_us, last_seen_us, expires_at_us, ip, user_agent)
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
            &params![token_hash, user.id, csrf_token, now, expires_at_us, ip, user_agent.chars().take(200).collect::<String>()],
        )
        .await?;
        tx.execute(
            "UPDATE users SET last_login_us = $1 WHERE id = $2",
            &params![now, user.id],
        )
        .await?;
        // Expired sessions go when anyone signs in; no background job needed.
        tx.execute(
            "DELETE FROM sessions WHERE expires_at_us < $1",
            &params![now],
        )
        .await?;
        append(
            &mut tx,
            Actor::user(user.id, &user.username).entry(
                "auth.login",
                "user",
                user.id,
                serde_json::Value::Null,
                json!({"ip": ip}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live session and its user; `None` when unknown, expired or the user is locked.
    pub async fn session_get(&self, token_hash: &str) -> StoreResult<Option<(Session, User)>> {
        let r = self
            .db
            .fetch_optional(
                "SELECT token_hash, user_id, csrf_token, created_at_us, last_seen_us, expires_at_us
                 FROM sessions WHERE token_hash = $1",
                &params![token_hash],
            )
            .await?;
        let Some(r) = r else { return Ok(None) };
        let s = Session {
            token_hash: r.text("token_hash")?,
            user_id: r.i64("user_id")?,
            csrf_token: r.text("csrf_token")?,
            created_at_us: r.i64("created_at_us")?,
            last_seen_us: r.i64("last_seen_us")?,
            expires_at_us: r.i64("expires_at_us")?,
        };
        let u = self.user(s.user_id).await?;
        if !u.active {
            return Ok(None);
        }
        Ok(Some((s, u)))
    }

    /// Moves the idle deadline.
    pub async fn session_touch(&self, token_hash: &str, last_seen_us: i64) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE sessions SET last_seen_us = $1 WHERE token_hash = $2",
                &params![last_seen_us, token_hash],
            )
            .await?;
        Ok(())
    }

    pub async fn session_delete(&self, user: &User, token_hash: &str) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            "DELETE FROM sessions WHERE token_hash = $1",
            &params![token_hash],
        )
        .await?;
        append(
            &mut tx,
            Actor::user(user.id, &user.username).entry(
                "auth.logout",
                "user",
                user.id,
                serde_json::Value::Null,
                serde_json::Value::Null,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a session without an audit entry (expired sessions found on use).
    pub async fn session_expire(&self, token_hash: &str) -> StoreResult<()> {
        self.db
            .execute(
                "DELETE FROM sessions WHERE token_hash = $1",
                &params![token_hash],
            )
            .await?;
        Ok(())
    }
}
