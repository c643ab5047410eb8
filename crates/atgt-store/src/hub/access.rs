//! The personal-data access log (Law 91/2025/QH15, Decree 356/2025): every read of an
//! owner's, a licence holder's or a crash's people's data, with who, whose, what, why,
//! when and through what. Security-sensitive: the reads of personal data in this module
//! write their log row in the same transaction as they read, so there is no way to
//! read without logging; the log is append-only (database triggers).

use super::{HolderView, OwnerView, TrainingRecord, person};
use crate::db::{Row, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use atgt_core::hub::PURPOSES;
use atgt_core::plates::Plate;
use serde::Serialize;

/// One read to log.
#[derive(Debug, Clone)]
pub struct AccessRead<'a> {
    /// owner, holder, crash_people.
    pub subject_kind: &'a str,
    /// The data subject: an ID number (CCCD, tax code), or "crash:ID" for a crash's people.
    pub subject_id: &'a str,
    /// The record read, e.g. "vehicle:79A12345".
    pub record: &'a str,
    /// The fields shown.
    pub fields: &'a str,
    /// One of [`PURPOSES`].
    pub purpose: &'a str,
    /// page, api, export.
    pub via: &'a str,
}

/// A logged read.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessEntry {
    pub id: i64,
    pub at_us: i64,
    pub actor_kind: String,
    pub actor_id: i64,
    pub actor_name: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub record: String,
    pub fields: String,
    pub purpose: String,
    pub via: String,
}

/// Checks a purpose given by a person or a partner.
pub fn check_purpose(purpose: &str) -> StoreResult<&str> {
    let p = purpose.trim();
    if p.is_empty() {
        return Err(StoreError::invalid("purpose", "error.required"));
    }
    PURPOSES
        .iter()
        .find(|x| **x == p)
        .copied()
        .ok_or_else(|| StoreError::invalid("purpose", "hub.error.unknown_value"))
}

async fn log_in(tx: &mut Tx, actor: &Actor, a: &AccessRead<'_>) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO pd_access_log (at_us, actor_kind, actor_id, actor_name, subject_kind, subject_id, record, fields, purpose, via)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &params![
            now_us(),
            actor.kind,
            actor.id,
            actor.name.clone(),
            a.subject_kind,
            a.subject_id,
            a.record,
            a.fields,
            a.purpose,
            a.via
        ],
    )
    .await?;
    Ok(())
}

fn entry(r: &Row) -> StoreResult<AccessEntry> {
    Ok(AccessEntry {
        id: r.i64("id")?,
        at_us: r.i64("at_us")?,
        actor_kind: r.text("actor_kind")?,
        actor_id: r.i64("actor_id")?,
        actor_name: r.text("actor_name")?,
        subject_kind: r.text("subject_kind")?,
        subject_id: r.text("subject_id")?,
        record: r.text("record")?,
        fields: r.text("fields")?,
        purpose: r.text("purpose")?,
        via: r.text("via")?,
    })
}

impl Store {
    /// Logs a read of personal data made elsewhere (crash people, a photo).
    pub async fn pd_log(&self, actor: &Actor, a: &AccessRead<'_>) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        log_in(&mut tx, actor, a).await?;
        tx.commit().await
    }

    /// A data subject's access history, newest first (or every read when `subject`
    /// is empty), at most `limit`.
    pub async fn pd_access(&self, subject: &str, limit: i64) -> StoreResult<Vec<AccessEntry>> {
        let cols = "id, at_us, actor_kind, actor_id, actor_name, subject_kind, subject_id, record, fields, purpose, via";
        let rows = if subject.trim().is_empty() {
            self.db
                .fetch_all(
                    &format!("SELECT {cols} FROM pd_access_log ORDER BY id DESC LIMIT $1"),
                    &params![limit.clamp(1, 100_000)],
                )
                .await?
        } else {
            self.db
                .fetch_all(
                    &format!(
                        "SELECT {cols} FROM pd_access_log WHERE subject_id = $1 ORDER BY id DESC LIMIT $2"
                    ),
                    &params![subject.trim(), limit.clamp(1, 100_000)],
                )
                .await?
        };
        rows.iter().map(entry).collect()
    }

    /// The owner of a plate now and at each registration version; logs the read.
    pub async fn hub_owner_read(
        &self,
        actor: &Actor,
        plate: &str,
        purpose: &str,
        via: &str,
    ) -> StoreResult<Option<OwnerView>> {
        let purpose = check_purpose(purpose)?;
        let key = Plate::parse(plate).key();
        let mut tx = self.db.begin().await?;
        let Some(r) = tx
            .fetch_optional(
                "SELECT owner_kind, owner_name, owner_id_no, owner_address FROM hub_vehicles
                 WHERE plate_key = $1 ORDER BY updated_at_us DESC, id DESC LIMIT 1",
                &params![key.clone()],
            )
            .await?
        else {
            return Ok(None);
        };
        let owner = person(&r, "owner", None)?;
        let mut history = Vec::new();
        for r in tx
            .fetch_all(
                "SELECT version, registered_on, owner_kind, owner_name, owner_id_no FROM hub_vehicle_history
                 WHERE plate_key = $1 ORDER BY at_us, version",
                &params![key.clone()],
            )
            .await?
        {
            history.push((
                r.i64("version")?,
                r.text("registered_on")?,
                person(&r, "owner", None)?,
            ));
        }
        let record = format!("vehicle:{key}");
        let mut subjects: Vec<&str> = vec![owner.id_no.as_str()];
        for (_, _, p) in &history {
            if !subjects.contains(&p.id_no.as_str()) {
                subjects.push(&p.id_no);
            }
        }
        for s in subjects {
            log_in(
                &mut tx,
                actor,
                &AccessRead {
                    subject_kind: "owner",
                    subject_id: s,
                    record: &record,
                    fields: "name,id_no,address",
                    purpose,
                    via,
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Some(OwnerView { owner, history }))
    }

    /// The holder of a licence and their training results; logs the read.
    pub async fn hub_holder_read(
        &self,
        actor: &Actor,
        licence_no: &str,
        purpose: &str,
        via: &str,
    ) -> StoreResult<Option<HolderView>> {
        let purpose = check_purpose(purpose)?;
        let no = licence_no.trim().to_uppercase();
        let mut tx = self.db.begin().await?;
        let Some(r) = tx
            .fetch_optional(
                "SELECT holder_name, holder_id_no, holder_address, birth_date FROM hub_licences
                 WHERE licence_no = $1 ORDER BY updated_at_us DESC, id DESC LIMIT 1",
                &params![no.clone()],
            )
            .await?
        else {
            return Ok(None);
        };
        let holder = person(&r, "holder", Some("person"))?;
        let birth_date = r.opt_text("birth_date")?;
        let training = tx
            .fetch_all(
                "SELECT centre, course, class, test_on, result FROM hub_training WHERE holder_id_no = $1 ORDER BY test_on DESC",
                &params![holder.id_no.clone()],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(TrainingRecord {
                    centre: r.text("centre")?,
                    course: r.text("course")?,
                    class: r.text("class")?,
                    test_on: r.text("test_on")?,
                    result: r.text("result")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        log_in(
            &mut tx,
            actor,
            &AccessRead {
                subject_kind: "holder",
                subject_id: &holder.id_no,
                record: &format!("licence:{no}"),
                fields: "name,id_no,address,birth_date,training",
                purpose,
                via,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(HolderView {
            holder,
            birth_date,
            training,
        }))
    }

    /// Logs a search by ID number or name (it links a person to records).
    pub async fn hub_search_logged(
        &self,
        actor: &Actor,
        q: &str,
        purpose: &str,
        via: &str,
    ) -> StoreResult<Vec<super::Hit>> {
        let purpose = check_purpose(purpose)?;
        let hits = self.hub_search(q, true).await?;
        self.pd_log(
            actor,
            &AccessRead {
                subject_kind: "search",
                subject_id: q.trim(),
                record: "search",
                fields: "plates,licences",
                purpose,
                via,
            },
        )
        .await?;
        Ok(hits)
    }
}
