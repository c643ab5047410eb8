//! Users: people who sign in, each in one unit, with one role and an optional area
//! scope. Security-sensitive: password hashes are stored here but never leave the
//! store in [`User`] (only in [`Credentials`], read at sign-in).

use crate::audit::append;
use crate::db::{Row, push_page, push_word_filter};
use crate::error::{StoreError, StoreResult};
use crate::{Store, now_us, params};
use atgt_core::admin::Scheme;
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use atgt_core::i18n::Lang;
use atgt_core::text::{fold, nfc};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: i64,
    pub scope_scheme: Option<Scheme>,
    pub scope_code: Option<String>,
    pub locale: Lang,
    pub active: bool,
    pub created_at_us: i64,
    pub updated_at_us: i64,
    pub password_changed_at_us: i64,
    pub last_login_us: Option<i64>,
}

/// What sign-in needs: the user and the stored hash.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// A new user, with the password already hashed by the caller.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub org_code: String,
    pub scope: Option<(Scheme, String)>,
    pub locale: Lang,
}

/// Editable fields of a user.
#[derive(Debug, Clone)]
pub struct UserUpdate {
    pub display_name: String,
    pub role: Role,
    pub org_code: String,
    pub scope: Option<(Scheme, String)>,
    pub active: bool,
}

const COLS: &str = "id, username, display_name, role, org_id, scope_scheme, scope_code, locale, active, created_at_us, updated_at_us, password_changed_at_us, last_login_us";

fn user(r: &Row) -> StoreResult<User> {
    let scheme = r
        .opt_text("scope_scheme")?
        .map(|s| s.parse::<Scheme>())
        .transpose()
        .map_err(|e| StoreError::Decode("scope_scheme".into(), e))?;
    Ok(User {
        id: r.i64("id")?,
        username: r.text("username")?,
        display_name: r.text("display_name")?,
        role: r
            .text("role")?
            .parse()
            .map_err(|e: atgt_core::auth::UnknownRole| {
                StoreError::Decode("role".into(), e.to_string())
            })?,
        org_id: r.i64("org_id")?,
        scope_scheme: scheme,
        scope_code: r.opt_text("scope_code")?,
        locale: Lang::parse(&r.text("locale")?).unwrap_or_default(),
        active: r.bool("active")?,
        created_at_us: r.i64("created_at_us")?,
        updated_at_us: r.i64("updated_at_us")?,
        password_changed_at_us: r.i64("password_changed_at_us")?,
        last_login_us: r.opt_i64("last_login_us")?,
    })
}

impl Store {
    async fn check_scope(&self, scope: &Option<(Scheme, String)>) -> StoreResult<()> {
        if let Some((scheme, code)) = scope {
            match self.admin_unit(*scheme, code).await {
                Err(StoreError::NotFound) => {
                    return Err(StoreError::invalid_arg(
                        "scope_code",
                        "error.admin_unit_unknown",
                        code,
                    ));
                }
                other => {
                    other?;
                }
            }
        }
        Ok(())
    }

    async fn org_id_for(&self, code: &str) -> StoreResult<i64> {
        match self.org_by_code(code.trim()).await {
            Ok(o) => Ok(o.id),
            Err(StoreError::NotFound) => Err(StoreError::invalid_arg(
                "org_code",
                "error.org_unknown",
                code,
            )),
            Err(e) => Err(e),
        }
    }

    pub async fn user_create(&self, actor: &Actor, n: &NewUser) -> StoreResult<User> {
        atgt_core::auth::check_username(&n.username)
            .map_err(|k| StoreError::invalid("username", k))?;
        let display = nfc(&n.display_name);
        if display.is_empty() {
            return Err(StoreError::invalid("display_name", "error.required"));
        }
        let org_id = self.org_id_for(&n.org_code).await?;
        self.check_scope(&n.scope).await?;
        let now = now_us();
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO users (username, display_name, display_folded, password_hash, role, org_id, scope_scheme,
                   scope_code, locale, active, created_at_us, updated_at_us, password_changed_at_us)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11) RETURNING id",
                &params![
                    n.username.clone(),
                    display.clone(),
                    fold(&display),
                    n.password_hash.clone(),
                    n.role.as_str(),
                    org_id,
                    n.scope.as_ref().map(|s| s.0.as_str()),
                    n.scope.as_ref().map(|s| s.1.clone()),
                    n.locale.code(),
                    true,
                    now
                ],
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => StoreError::invalid("username", "error.username_taken"),
                e => e,
            })?;
        let created = user(
            &tx.fetch_one(
                &format!("SELECT {COLS} FROM users WHERE id = $1"),
                &params![id],
            )
            .await?,
        )?;
        append(
            &mut tx,
            actor.entry(
                "user.create",
                "user",
                id,
                serde_json::Value::Null,
                serde_json::to_value(&created).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn user_update(&self, actor: &Actor, id: i64, u: &UserUpdate) -> StoreResult<User> {
        let before = self.user(id).await?;
        let display = nfc(&u.display_name);
        if display.is_empty() {
            return Err(StoreError::invalid("display_name", "error.required"));
        }
        if actor.kind == "user" && actor.id == id && !u.active {
            return Err(StoreError::invalid("active", "error.self_deactivate"));
        }
        let org_id = self.org_id_for(&u.org_code).await?;
        self.check_scope(&u.scope).await?;
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE users SET display_name = $1, display_folded = $2, role = $3, org_id = $4, scope_scheme = $5,
               scope_code = $6, active = $7, updated_at_us = $8 WHERE id = $9",
            &params![
                display.clone(),
                fold(&display),
                u.role.as_str(),
                org_id,
                u.scope.as_ref().map(|s| s.0.as_str()),
                u.scope.as_ref().map(|s| s.1.clone()),
                u.active,
                now_us(),
                id
            ],
        )
        .await?;
        if !u.active {
            tx.execute("DELETE FROM sessions WHERE user_id = $1", &params![id])
                .await?;
        }
        let after = user(
            &tx.fetch_one(
                &format!("SELECT {COLS} FROM users WHERE id = $1"),
                &params![id],
            )
            .await?,
        )?;
        append(
            &mut tx,
            actor.entry(
                "user.update",
                "user",
                id,
                serde_json::to_value(&before).unwrap_or_default(),
                serde_json::to_value(&after).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Sets a new password hash and ends every session of the user but `keep_session`.
    pub async fn user_set_password(
        &self,
        actor: &Actor,
        id: i64,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> StoreResult<()> {
        self.user(id).await?;
        let mut tx = self.db.begin().await?;
        let now = now_us();
        tx.execute(
            "UPDATE users SET password_hash = $1, password_changed_at_us = $2, updated_at_us = $2 WHERE id = $3",
            &params![password_hash, now, id],
        )
        .await?;
        tx.execute(
            "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
            &params![id, keep_session.unwrap_or("")],
        )
        .await?;
        // The hash itself never enters the audit log.
        append(
            &mut tx,
            actor.entry(
                "user.password",
                "user",
                id,
                serde_json::Value::Null,
                json!({"password_changed_at_us": now}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn user(&self, id: i64) -> StoreResult<User> {
        user(
            &self
                .db
                .fetch_one(
                    &format!("SELECT {COLS} FROM users WHERE id = $1"),
                    &params![id],
                )
                .await?,
        )
    }

    pub async fn user_by_username(&self, username: &str) -> StoreResult<User> {
        user(
            &self
                .db
                .fetch_one(
                    &format!("SELECT {COLS} FROM users WHERE username = $1"),
                    &params![username],
                )
                .await?,
        )
    }

    /// The user and password hash for sign-in.
    pub async fn user_credentials(&self, username: &str) -> StoreResult<Credentials> {
        let r = self
            .db
            .fetch_one(
                &format!("SELECT {COLS}, password_hash FROM users WHERE username = $1"),
                &params![username],
            )
            .await?;
        Ok(Credentials {
            user: user(&r)?,
            password_hash: r.text("password_hash")?,
        })
    }

    pub async fn user_password_hash(&self, id: i64) -> StoreResult<String> {
        self.db
            .fetch_one(
                "SELECT password_hash FROM users WHERE id = $1",
                &params![id],
            )
            .await?
            .text("password_hash")
    }

    pub async fn user_set_locale(&self, id: i64, lang: Lang) -> StoreResult<()> {
        self.db
            .execute(
                "UPDATE users SET locale = $1 WHERE id = $2",
                &params![lang.code(), id],
            )
            .await?;
        Ok(())
    }

    /// Users, optionally filtered by words (name or username, accent-insensitive) and unit.
    pub async fn users(
        &self,
        q: Option<&str>,
        org_id: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<User>, i64)> {
        let mut sql = String::from(" FROM users WHERE ($1 IS NULL OR org_id = $1)");
        let mut args = Vec::from(params![org_id]);
        push_word_filter(&mut sql, &mut args, q, &["display_folded", "username"]);
        let total = self
            .db
            .fetch_one(&format!("SELECT COUNT(*) AS n{sql}"), &args)
            .await?
            .i64("n")?;
        sql.push_str(" ORDER BY username");
        push_page(&mut sql, &mut args, limit, offset);
        let rows = self
            .db
            .fetch_all(&format!("SELECT {COLS}{sql}"), &args)
            .await?;
        Ok((rows.iter().map(user).collect::<StoreResult<_>>()?, total))
    }

    pub async fn user_count(&self) -> StoreResult<i64> {
        self.db
            .fetch_one("SELECT COUNT(*) AS n FROM users", &[])
            .await?
            .i64("n")
    }
}
