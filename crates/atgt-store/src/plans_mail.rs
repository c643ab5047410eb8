//! Plans follow-up (issue 7): the e-mail address of a unit (where its reminders are
//! mailed), and recording reminders each with what happened to its e-mail copy.

use crate::audit::append;
use crate::error::{StoreError, StoreResult};
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use atgt_core::plans::Reminder;
use serde_json::json;

/// A plausible address: one `@`, something before, a dot after, no spaces.
pub fn check_email(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let ok = match s.split_once('@') {
        Some((user, host)) => {
            !user.is_empty()
                && host.contains('.')
                && !host.starts_with('.')
                && !host.ends_with('.')
                && !host.contains('@')
        }
        None => false,
    };
    if ok && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>') {
        Ok(s.to_string())
    } else {
        Err("plans_mail.bad_email")
    }
}

impl Store {
    /// The e-mail address of a unit ("" when none is set).
    pub async fn org_email(&self, org_id: i64) -> StoreResult<String> {
        let row = self
            .db
            .fetch_optional("SELECT email FROM orgs WHERE id = $1", &params![org_id])
            .await?
            .ok_or(StoreError::NotFound)?;
        row.text("email")
    }

    /// Sets (or, with "", clears) the e-mail address of the unit with this code; audited.
    pub async fn org_email_set(&self, actor: &Actor, code: &str, email: &str) -> StoreResult<()> {
        let email = check_email(email).map_err(|k| StoreError::invalid("email", k))?;
        let org = self.org_by_code(code.trim()).await?;
        let mut tx = self.db.begin().await?;
        let before = tx
            .fetch_one("SELECT email FROM orgs WHERE id = $1", &params![org.id])
            .await?
            .text("email")?;
        tx.execute(
            "UPDATE orgs SET email = $1, updated_at_us = $2 WHERE id = $3",
            &params![email.clone(), now_us(), org.id],
        )
        .await?;
        append(
            &mut tx,
            actor.entry(
                "org.email",
                "org",
                org.id,
                json!({ "email": before }),
                json!({ "email": email }),
            ),
        )
        .await?;
        tx.commit().await
    }

    /// The reminders of the list not recorded yet (each is sent once).
    pub async fn reminders_fresh(&self, list: &[Reminder]) -> StoreResult<Vec<Reminder>> {
        let mut out = Vec::new();
        for r in list {
            let seen = self
                .db
                .fetch_optional(
                    "SELECT id FROM task_reminders
                     WHERE task_id = $1 AND org_id = $2 AND kind = $3 AND due_key = $4",
                    &params![r.task_id, r.org_id, r.kind.as_str(), r.key.clone()],
                )
                .await?;
            if seen.is_none() {
                out.push(r.clone());
            }
        }
        Ok(out)
    }
}
