//! Black spots and potential spots: the screening input read from the crash registry,
//! the rule file (shipped or edited by an administrator), the spots with their
//! lifecycle (every transition in one transaction with its event and its audit
//! entry), survey photos, overdue treatments for the leader's view, and the crash
//! counts behind a before/after evaluation.

use crate::audit::append;
use crate::crashes::CrashFilter;
use crate::db::Row;
use crate::error::{StoreError, StoreResult};
use crate::files::{FileInfo, StoredFile};
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use atgt_core::hotspots::lifecycle::{SpotAction, SpotStatus};
use atgt_core::hotspots::rules::{Candidate, SpotCrash, SpotKind, SpotRuleFile};
use jiff::civil::Date;
use serde::Serialize;

/// Name of the black-spot rule file in `rule_files`.
pub const RULES_NAME: &str = "black-spots";

/// A spot as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Spot {
    pub id: i64,
    pub name: String,
    pub kind: SpotKind,
    /// How it was found: `legal`, `sliding_window`, `eb`, `dbscan` or `inspection`.
    pub method: String,
    pub status: SpotStatus,
    pub road_code: Option<String>,
    pub km_from: Option<f64>,
    pub km_to: Option<f64>,
    pub km: Option<f64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub rule_set: String,
    pub clause: String,
    pub provision: String,
    pub window_from: Option<String>,
    pub window_to: Option<String>,
    pub crash_ids: Vec<i64>,
    pub crashes: i64,
    pub fatal: i64,
    pub injury: i64,
    pub confirmed_by: Option<String>,
    pub confirmed_at_us: Option<i64>,
    pub survey_notes: String,
    pub measures: String,
    pub cost_vnd: Option<i64>,
    pub responsible_unit: String,
    pub deadline: Option<String>,
    pub proposal: String,
    pub treated_on: Option<String>,
    pub created_at_us: i64,
    pub created_by: String,
    pub updated_at_us: i64,
}

/// One lifecycle event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpotEvent {
    pub seq: i64,
    pub at_us: i64,
    pub actor: String,
    pub action: String,
    pub from_status: SpotStatus,
    pub to_status: SpotStatus,
    pub detail: serde_json::Value,
}

/// A new spot: from a screening candidate or a site inspection.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSpot {
    pub name: String,
    pub kind: SpotKind,
    pub method: String,
    pub candidate: Option<Candidate>,
    pub road_code: Option<String>,
    pub km: Option<f64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

impl NewSpot {
    /// A spot proposed from a legal-rule candidate.
    pub fn from_candidate(name: &str, c: &Candidate) -> NewSpot {
        NewSpot {
            name: name.to_string(),
            kind: c.kind,
            method: "legal".into(),
            candidate: Some(c.clone()),
            road_code: c.place.road.clone(),
            km: c.place.km,
            lon: c.place.lon,
            lat: c.place.lat,
        }
    }
}

const COLS: &str = "id, name, kind, method, status, road_code, km_from, km_to, km, lon, lat, rule_set, clause, provision,
    window_from, window_to, crash_ids, crashes, fatal, injury, confirmed_by, confirmed_at_us, survey_notes, measures,
    cost_vnd, responsible_unit, deadline, proposal, treated_on, created_at_us, created_by, updated_at_us";

fn decode<T>(col: &str, v: Option<T>) -> StoreResult<T> {
    v.ok_or_else(|| StoreError::Decode(col.into(), "unknown value".into()))
}

fn spot(r: &Row) -> StoreResult<Spot> {
    Ok(Spot {
        id: r.i64("id")?,
        name: r.text("name")?,
        kind: decode("kind", SpotKind::parse(&r.text("kind")?))?,
        method: r.text("method")?,
        status: decode("status", SpotStatus::parse(&r.text("status")?))?,
        road_code: r.opt_text("road_code")?,
        km_from: r.opt_f64("km_from")?,
        km_to: r.opt_f64("km_to")?,
        km: r.opt_f64("km")?,
        lon: r.opt_f64("lon")?,
        lat: r.opt_f64("lat")?,
        rule_set: r.text("rule_set")?,
        clause: r.text("clause")?,
        provision: r.text("provision")?,
        window_from: r.opt_text("window_from")?,
        window_to: r.opt_text("window_to")?,
        crash_ids: r
            .text("crash_ids")?
            .split(';')
            .filter_map(|s| s.parse().ok())
            .collect(),
        crashes: r.i64("crashes")?,
        fatal: r.i64("fatal")?,
        injury: r.i64("injury")?,
        confirmed_by: r.opt_text("confirmed_by")?,
        confirmed_at_us: r.opt_i64("confirmed_at_us")?,
        survey_notes: r.text("survey_notes")?,
        measures: r.text("measures")?,
        cost_vnd: r.opt_i64("cost_vnd")?,
        responsible_unit: r.text("responsible_unit")?,
        deadline: r.opt_text("deadline")?,
        proposal: r.text("proposal")?,
        treated_on: r.opt_text("treated_on")?,
        created_at_us: r.i64("created_at_us")?,
        created_by: r.text("created_by")?,
        updated_at_us: r.i64("updated_at_us")?,
    })
}

/// Which spots to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpotFilter {
    pub status: Option<SpotStatus>,
    pub road: Option<String>,
    /// Only treatments overdue on this day.
    pub overdue_on: Option<Date>,
}

impl Store {
    /// The black-spot rules in force: the administrator's edited file, else the
    /// shipped one.
    pub async fn spot_rules(&self) -> StoreResult<SpotRuleFile> {
        match self.rule_file(RULES_NAME).await? {
            Some(src) => SpotRuleFile::parse(&src).map_err(StoreError::Reference),
            None => Ok(SpotRuleFile::default_rules()),
        }
    }

    /// The crashes screening needs, with local dates in `[from, to]`.
    pub async fn spot_crashes(
        &self,
        from: Date,
        to: Date,
        infrastructure_causes: &[String],
    ) -> StoreResult<Vec<SpotCrash>> {
        self.spot_crashes_in(&CrashFilter::default(), from, to, infrastructure_causes)
            .await
    }

    /// The same, limited to an area (the province, commune or old district of
    /// `area`; its other fields are ignored). Collisions (va chạm) are included.
    pub async fn spot_crashes_in(
        &self,
        area: &CrashFilter,
        from: Date,
        to: Date,
        infrastructure_causes: &[String],
    ) -> StoreResult<Vec<SpotCrash>> {
        let f = CrashFilter {
            from: Some(from.to_string()),
            to: Some(to.to_string()),
            province: area.province.clone(),
            commune: area.commune.clone(),
            old_district: area.old_district.clone(),
            include_collisions: true,
            ..Default::default()
        };
        let (cond, args) = f.where_clause();
        let rows = self
            .db
            .fetch_all(
                &format!(
                    "SELECT id, local_date, road_code, km, lon, lat, deaths, injured, class, causes FROM crashes
                     WHERE {cond} ORDER BY local_date, id"
                ),
                &args,
            )
            .await?;
        rows.iter()
            .map(|r| {
                let date: Date = r.text("local_date")?.parse().map_err(|e: jiff::Error| {
                    StoreError::Decode("local_date".into(), e.to_string())
                })?;
                let causes = r.text("causes")?;
                Ok(SpotCrash {
                    id: r.i64("id")?,
                    date,
                    road: r.opt_text("road_code")?.filter(|s| !s.is_empty()),
                    km: r.opt_f64("km")?,
                    lon: r.opt_f64("lon")?,
                    lat: r.opt_f64("lat")?,
                    deaths: r.i64("deaths")?.max(0) as u32,
                    injured: r.i64("injured")?.max(0) as u32,
                    is_crash: r.text("class")? != "va_cham",
                    infrastructure: causes
                        .split(';')
                        .any(|c| infrastructure_causes.iter().any(|i| i == c)),
                })
            })
            .collect()
    }

    /// Records a spot (status candidate); audited.
    pub async fn spot_create(&self, actor: &Actor, n: &NewSpot) -> StoreResult<Spot> {
        if n.name.trim().is_empty() {
            return Err(StoreError::invalid("name", "error.required"));
        }
        if n.road_code.is_none() && (n.lon.is_none() || n.lat.is_none()) {
            return Err(StoreError::invalid("place", "hotspots.error.place"));
        }
        let now = now_us();
        let c = n.candidate.as_ref();
        // Kilometres to the metre, coordinates to about 0.1 m: short decimals that
        // read back exactly from the audit entry's JSON (the chain is re-hashed from it).
        let km = |v: Option<f64>| v.map(|x| (x * 1e3).round() / 1e3);
        let deg = |v: Option<f64>| v.map(|x| (x * 1e6).round() / 1e6);
        let ids: Vec<String> = c
            .map(|c| c.crash_ids.iter().map(|i| i.to_string()).collect())
            .unwrap_or_default();
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO spots (name, kind, method, status, road_code, km_from, km_to, km, lon, lat, rule_set, clause,
                   provision, window_from, window_to, crash_ids, crashes, fatal, injury, created_at_us, created_by, updated_at_us)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $20)
                 RETURNING id",
                &params![
                    n.name.trim(),
                    n.kind.as_str(),
                    n.method.as_str(),
                    SpotStatus::Candidate.as_str(),
                    n.road_code.clone(),
                    km(c.and_then(|c| c.place.km_from)),
                    km(c.and_then(|c| c.place.km_to)),
                    km(n.km),
                    deg(n.lon),
                    deg(n.lat),
                    c.map(|c| c.rule_set.clone()).unwrap_or_default(),
                    c.map(|c| c.clause.clone()).unwrap_or_default(),
                    c.map(|c| c.provision.clone()).unwrap_or_default(),
                    c.map(|c| c.window_from.to_string()),
                    c.map(|c| c.window_to.to_string()),
                    ids.join(";"),
                    c.map_or(0, |c| c.counts.collisions as i64),
                    c.map_or(0, |c| c.counts.fatal as i64),
                    c.map_or(0, |c| c.counts.injury as i64),
                    now,
                    actor.name.clone(),
                ],
            )
            .await?;
        let row = tx
            .fetch_one(
                &format!("SELECT {COLS} FROM spots WHERE id = $1"),
                &params![id],
            )
            .await?;
        let s = spot(&row)?;
        append(
            &mut tx,
            actor.entry(
                "spot.create",
                "spot",
                id,
                serde_json::Value::Null,
                serde_json::to_value(&s).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    pub async fn spot(&self, id: i64) -> StoreResult<Spot> {
        spot(
            &self
                .db
                .fetch_one(
                    &format!("SELECT {COLS} FROM spots WHERE id = $1"),
                    &params![id],
                )
                .await?,
        )
    }

    pub async fn spots(&self, f: &SpotFilter) -> StoreResult<Vec<Spot>> {
        let mut sql = format!("SELECT {COLS} FROM spots WHERE 1 = 1");
        let mut args = Vec::new();
        if let Some(s) = f.status {
            args.push(s.as_str().into());
            sql.push_str(&format!(" AND status = ${}", args.len()));
        }
        if let Some(r) = &f.road {
            args.push(r.clone().into());
            sql.push_str(&format!(" AND road_code = ${}", args.len()));
        }
        if let Some(d) = f.overdue_on {
            args.push(SpotStatus::TreatmentProposed.as_str().into());
            args.push(d.to_string().into());
            sql.push_str(&format!(
                " AND status = ${} AND deadline IS NOT NULL AND deadline < ${}",
                args.len() - 1,
                args.len()
            ));
        }
        sql.push_str(" ORDER BY id");
        self.db
            .fetch_all(&sql, &args)
            .await?
            .iter()
            .map(spot)
            .collect()
    }

    /// Treatments proposed whose deadline has passed on `today` (the leader's view).
    pub async fn spots_overdue(&self, today: Date) -> StoreResult<Vec<Spot>> {
        self.spots(&SpotFilter {
            overdue_on: Some(today),
            ..Default::default()
        })
        .await
    }

    /// Applies a lifecycle action: refused with the reason when the status does not
    /// allow it or a field is missing; otherwise the spot, its event and the audit
    /// entry are written in one transaction.
    pub async fn spot_act(&self, actor: &Actor, id: i64, a: &SpotAction) -> StoreResult<Spot> {
        let mut tx = self.db.begin().await?;
        if tx.backend() == crate::Backend::Postgres {
            tx.execute(
                "SELECT id FROM spots WHERE id = $1 FOR UPDATE",
                &params![id],
            )
            .await?;
        }
        let before = spot(
            &tx.fetch_one(
                &format!("SELECT {COLS} FROM spots WHERE id = $1"),
                &params![id],
            )
            .await?,
        )?;
        let to = a
            .check(before.status)
            .map_err(|r| StoreError::invalid_arg(r.field, r.key, before.status.as_str()))?;
        let now = now_us();
        let name = actor.name.clone();
        match a {
            SpotAction::Confirm { survey_notes } => {
                tx.execute(
                    "UPDATE spots SET status = $2, survey_notes = $3, confirmed_by = $4, confirmed_at_us = $5, updated_at_us = $5 WHERE id = $1",
                    &params![id, to.as_str(), survey_notes.trim(), name.clone(), now],
                )
                .await?;
            }
            SpotAction::ProposeTreatment {
                measures,
                cost_vnd,
                responsible_unit,
                deadline,
                proposal,
            } => {
                tx.execute(
                    "UPDATE spots SET status = $2, measures = $3, cost_vnd = $4, responsible_unit = $5, deadline = $6,
                       proposal = $7, updated_at_us = $8 WHERE id = $1",
                    &params![
                        id,
                        to.as_str(),
                        measures.trim(),
                        *cost_vnd,
                        responsible_unit.trim(),
                        deadline.to_string(),
                        proposal.trim(),
                        now
                    ],
                )
                .await?;
            }
            SpotAction::MarkTreated { treated_on, .. } => {
                tx.execute(
                    "UPDATE spots SET status = $2, treated_on = $3, updated_at_us = $4 WHERE id = $1",
                    &params![id, to.as_str(), treated_on.to_string(), now],
                )
                .await?;
            }
            SpotAction::StartMonitoring { .. }
            | SpotAction::Close { .. }
            | SpotAction::Reopen { .. } => {
                tx.execute(
                    "UPDATE spots SET status = $2, updated_at_us = $3 WHERE id = $1",
                    &params![id, to.as_str(), now],
                )
                .await?;
            }
        }
        let seq = tx
            .fetch_one(
                "SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM spot_events WHERE spot_id = $1",
                &params![id],
            )
            .await?
            .i64("n")?;
        let detail = serde_json::to_value(a).unwrap_or_default();
        tx.execute(
            "INSERT INTO spot_events (spot_id, seq, at_us, actor, action, from_status, to_status, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &params![
                id,
                seq,
                now,
                name,
                a.name(),
                before.status.as_str(),
                to.as_str(),
                detail.to_string()
            ],
        )
        .await?;
        let after = spot(
            &tx.fetch_one(
                &format!("SELECT {COLS} FROM spots WHERE id = $1"),
                &params![id],
            )
            .await?,
        )?;
        append(
            &mut tx,
            actor.entry(
                &format!("spot.{}", a.name()),
                "spot",
                id,
                serde_json::to_value(&before).unwrap_or_default(),
                serde_json::to_value(&after).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn spot_events(&self, id: i64) -> StoreResult<Vec<SpotEvent>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT seq, at_us, actor, action, from_status, to_status, detail FROM spot_events
                 WHERE spot_id = $1 ORDER BY seq",
                &params![id],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SpotEvent {
                    seq: r.i64("seq")?,
                    at_us: r.i64("at_us")?,
                    actor: r.text("actor")?,
                    action: r.text("action")?,
                    from_status: decode("from_status", SpotStatus::parse(&r.text("from_status")?))?,
                    to_status: decode("to_status", SpotStatus::parse(&r.text("to_status")?))?,
                    detail: r.json("detail")?,
                })
            })
            .collect()
    }

    /// Links a survey photo (already in the file store) to a spot; audited.
    pub async fn spot_file_add(
        &self,
        actor: &Actor,
        spot_id: i64,
        f: &StoredFile,
        caption: &str,
    ) -> StoreResult<FileInfo> {
        crate::files::check_sha256(&f.sha256)?;
        self.spot(spot_id).await?;
        self.file_link(actor, crate::files::Owner::Spot, spot_id, f, caption)
            .await
    }

    pub async fn spot_files(&self, spot_id: i64) -> StoreResult<Vec<FileInfo>> {
        self.files_of(crate::files::Owner::Spot, spot_id).await
    }
}
