//! Hazards (seed plan II.4): encroachment cases and their recurrence at a place,
//! railway crossings with their measures up to closure, and proposals to the competent
//! authority. Every write runs in one transaction with its audit entry; refused input
//! leaves nothing behind.

use crate::audit::append;
use crate::db::{Row, Tx};
use crate::error::{StoreError, StoreResult};
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use atgt_core::geo::Point;
use atgt_core::hazards::{self as hz, ResolvedCase};
use serde::{Deserialize, Serialize};

pub(crate) fn required(v: &str, name: &str) -> StoreResult<String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(StoreError::invalid(name, "error.required"));
    }
    if v.chars().count() > 4000 {
        return Err(StoreError::invalid(name, "reports.error.too_long"));
    }
    Ok(v.to_string())
}

fn one_of(v: &str, list: &[&str], name: &str) -> StoreResult<String> {
    let v = v.trim();
    if list.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(StoreError::invalid_arg(
            name,
            "hazards.error.unknown_value",
            v,
        ))
    }
}

/// An optional local date, stored as YYYY-MM-DD.
fn opt_date(v: &Option<String>, name: &str) -> StoreResult<Option<String>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => atgt_core::time::parse_date(s)
            .map(|d| Some(d.to_string()))
            .ok_or_else(|| StoreError::invalid(name, "error.bad_date")),
    }
}

fn point(lon: f64, lat: f64) -> StoreResult<Point> {
    hz::check_point(lon, lat).map_err(|k| StoreError::invalid("lat", k))
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Tells the reporters whose reports went into a case that its status changed: an
/// entry `case_update` with note "kind:status" in each report's history.
pub(crate) async fn notify_reports(
    tx: &mut Tx,
    kind: &str,
    id: i64,
    status: &str,
) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO report_events (report_id, at_us, status, note)
         SELECT id, $1, 'case_update', $2 FROM citizen_reports WHERE case_kind = $3 AND case_id = $4",
        &params![now_us(), format!("{kind}:{status}"), kind, id],
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Encroachment

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Encroachment {
    pub id: i64,
    pub place: String,
    /// sidewalk, road_corridor, market, structure.
    pub kind: String,
    pub commune_code: Option<String>,
    /// The commune (or unit) responsible for clearing it.
    pub responsible: String,
    pub lon: f64,
    pub lat: f64,
    pub description: String,
    pub deadline: Option<String>,
    /// open or resolved.
    pub status: String,
    pub resolution: String,
    pub resolved_on: Option<String>,
    /// The first case at this place.
    pub place_id: i64,
    /// The resolved case this one re-encroaches, with the distance in metres.
    pub recurrence_of: Option<i64>,
    pub recurrence_m: Option<f64>,
    /// Re-encroachments counted against the place.
    pub place_recurrences: i64,
    pub created_at_us: i64,
    pub created_by: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EncroachmentInput {
    pub place: String,
    pub kind: String,
    #[serde(default)]
    pub commune_code: Option<String>,
    pub responsible: String,
    pub lon: f64,
    pub lat: f64,
    #[serde(default)]
    pub description: String,
    /// dd/mm/yyyy or YYYY-MM-DD.
    #[serde(default)]
    pub deadline: Option<String>,
}

const ENC_COLS: &str = "e.id, e.place, e.kind, e.commune_code, e.responsible, e.lon, e.lat, e.description, e.deadline,
    e.status, e.resolution, e.resolved_on, e.place_id, e.recurrence_of, e.recurrence_m, e.created_at_us, e.created_by,
    (SELECT COUNT(*) FROM encroachments r WHERE r.place_id = e.place_id AND r.recurrence_of IS NOT NULL) AS place_recurrences";

fn enc_row(r: &Row) -> StoreResult<Encroachment> {
    Ok(Encroachment {
        id: r.i64("id")?,
        place: r.text("place")?,
        kind: r.text("kind")?,
        commune_code: r.opt_text("commune_code")?,
        responsible: r.text("responsible")?,
        lon: r.f64("lon")?,
        lat: r.f64("lat")?,
        description: r.text("description")?,
        deadline: r.opt_text("deadline")?,
        status: r.text("status")?,
        resolution: r.text("resolution")?,
        resolved_on: r.opt_text("resolved_on")?,
        place_id: r.opt_i64("place_id")?.unwrap_or(r.i64("id")?),
        recurrence_of: r.opt_i64("recurrence_of")?,
        recurrence_m: r.opt_f64("recurrence_m")?,
        place_recurrences: r.i64("place_recurrences")?,
        created_at_us: r.i64("created_at_us")?,
        created_by: r.text("created_by")?,
    })
}

impl Store {
    /// Records an encroachment case. Within `reencroach_m` metres of a resolved case it
    /// is a re-encroachment of that case's place.
    pub async fn encroachment_create(
        &self,
        actor: &Actor,
        i: &EncroachmentInput,
        reencroach_m: f64,
    ) -> StoreResult<Encroachment> {
        let mut tx = self.db.begin().await?;
        let id = encroachment_insert(&mut tx, actor, i, reencroach_m).await?;
        tx.commit().await?;
        self.encroachment(id).await
    }

    pub async fn encroachment(&self, id: i64) -> StoreResult<Encroachment> {
        let r = self
            .db
            .fetch_optional(
                &format!("SELECT {ENC_COLS} FROM encroachments e WHERE e.id = $1"),
                &params![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        enc_row(&r)
    }

    /// Cases, newest first; `status` filters (open, resolved).
    pub async fn encroachments(&self, status: Option<&str>) -> StoreResult<Vec<Encroachment>> {
        let rows = match status.filter(|s| !s.is_empty()) {
            Some(s) => {
                self.db
                    .fetch_all(
                        &format!("SELECT {ENC_COLS} FROM encroachments e WHERE e.status = $1 ORDER BY e.id DESC"),
                        &params![s],
                    )
                    .await?
            }
            None => {
                self.db
                    .fetch_all(&format!("SELECT {ENC_COLS} FROM encroachments e ORDER BY e.id DESC"), &[])
                    .await?
            }
        };
        rows.iter().map(enc_row).collect()
    }

    /// The resolved cases, for the re-encroachment rule.
    pub async fn resolved_encroachments(&self) -> StoreResult<Vec<ResolvedCase>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT id, place_id, lon, lat FROM encroachments WHERE status = 'resolved'",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ResolvedCase {
                    id: r.i64("id")?,
                    place_id: r.opt_i64("place_id")?.unwrap_or(r.i64("id")?),
                    at: Point::new(r.f64("lon")?, r.f64("lat")?),
                })
            })
            .collect()
    }

    /// The cases recorded at a place (the first case and its re-encroachments), oldest
    /// first.
    pub async fn encroachments_at_place(&self, place_id: i64) -> StoreResult<Vec<Encroachment>> {
        let rows = self
            .db
            .fetch_all(
                &format!(
                    "SELECT {ENC_COLS} FROM encroachments e WHERE e.place_id = $1 ORDER BY e.id"
                ),
                &params![place_id],
            )
            .await?;
        rows.iter().map(enc_row).collect()
    }

    /// Records a stored photo (once per content) and links it to a case.
    pub async fn encroachment_file_add(
        &self,
        actor: &Actor,
        id: i64,
        f: &crate::files::StoredFile,
        caption: &str,
    ) -> StoreResult<crate::files::FileInfo> {
        crate::files::check_sha256(&f.sha256)?;
        self.encroachment(id).await?;
        self.file_link(actor, crate::files::Owner::Encroachment, id, f, caption)
            .await
    }

    pub async fn encroachment_files(&self, id: i64) -> StoreResult<Vec<crate::files::FileInfo>> {
        self.files_of(crate::files::Owner::Encroachment, id).await
    }

    /// Closes a case with its resolution and the date the place was cleared.
    pub async fn encroachment_resolve(
        &self,
        actor: &Actor,
        id: i64,
        resolution: &str,
        resolved_on: &Option<String>,
    ) -> StoreResult<Encroachment> {
        let resolution = required(resolution, "resolution")?;
        let on = opt_date(resolved_on, "resolved_on")?
            .unwrap_or_else(|| atgt_core::time::local_date(jiff::Timestamp::now()).to_string());
        let before = self.encroachment(id).await?;
        if before.status == "resolved" {
            return Err(StoreError::invalid(
                "status",
                "hazards.error.already_resolved",
            ));
        }
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE encroachments SET status = 'resolved', resolution = $1, resolved_on = $2, updated_at_us = $3 WHERE id = $4",
            &params![resolution.clone(), on.clone(), now_us(), id],
        )
        .await?;
        append(
            &mut tx,
            actor.entry(
                "encroachment.resolve",
                "encroachment",
                id,
                serde_json::json!({"status": before.status}),
                serde_json::json!({"status": "resolved", "resolution": resolution, "resolved_on": on}),
            ),
        )
        .await?;
        notify_reports(&mut tx, "encroachment", id, "resolved").await?;
        tx.commit().await?;
        self.encroachment(id).await
    }
}

/// Inserts a case (with the re-encroachment check) and its audit entry in `tx`.
pub(crate) async fn encroachment_insert(
    tx: &mut Tx,
    actor: &Actor,
    i: &EncroachmentInput,
    reencroach_m: f64,
) -> StoreResult<i64> {
    let place = required(&i.place, "place")?;
    let kind = one_of(&i.kind, hz::ENCROACHMENT_KINDS, "kind")?;
    let responsible = required(&i.responsible, "responsible")?;
    let p = point(i.lon, i.lat)?;
    let deadline = opt_date(&i.deadline, "deadline")?;
    let rows = tx
        .fetch_all(
            "SELECT id, place_id, lon, lat FROM encroachments WHERE status = 'resolved'",
            &[],
        )
        .await?;
    let resolved: Vec<ResolvedCase> = rows
        .iter()
        .map(|r| {
            Ok(ResolvedCase {
                id: r.i64("id")?,
                place_id: r.opt_i64("place_id")?.unwrap_or(r.i64("id")?),
                at: Point::new(r.f64("lon")?, r.f64("lat")?),
            })
        })
        .collect::<StoreResult<_>>()?;
    let rec = hz::reencroachment(p, &resolved, reencroach_m);
    let now = now_us();
    let id = tx
        .insert_id(
            "INSERT INTO encroachments (place, kind, commune_code, responsible, lon, lat, description, deadline, status,
               place_id, recurrence_of, recurrence_m, created_at_us, created_by, updated_at_us)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $11, $12, $13, $12) RETURNING id",
            &params![
                place.clone(),
                kind.clone(),
                opt(&i.commune_code),
                responsible.clone(),
                p.lon,
                p.lat,
                i.description.trim(),
                deadline.clone(),
                rec.map(|(c, _)| c.place_id),
                rec.map(|(c, _)| c.id),
                rec.map(|(_, d)| (d * 10.0).round() / 10.0),
                now,
                actor.name.clone()
            ],
        )
        .await?;
    if rec.is_none() {
        tx.execute(
            "UPDATE encroachments SET place_id = id WHERE id = $1",
            &params![id],
        )
        .await?;
    }
    append(
        tx,
        actor.entry(
            "encroachment.create",
            "encroachment",
            id,
            serde_json::Value::Null,
            serde_json::json!({
                "place": place, "kind": kind, "responsible": responsible, "lon": p.lon, "lat": p.lat,
                "deadline": deadline, "recurrence_of": rec.map(|(c, _)| c.id),
                "place_id": rec.map(|(c, _)| c.place_id).unwrap_or(id),
            }),
        ),
    )
    .await?;
    Ok(id)
}

// ---------------------------------------------------------------------------------------
// Railway crossings

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Crossing {
    pub id: i64,
    pub name: String,
    pub line: String,
    pub km: f64,
    /// official or unauthorised.
    pub kind: String,
    /// open, guarded, closed, legalised.
    pub status: String,
    pub commune_code: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub deadline: Option<String>,
    pub measures: i64,
    pub last_measure_on: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CrossingInput {
    pub name: String,
    #[serde(default)]
    pub line: String,
    pub km: f64,
    pub kind: String,
    pub status: String,
    #[serde(default)]
    pub commune_code: Option<String>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub deadline: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    pub id: i64,
    pub crossing_id: i64,
    pub on_date: String,
    pub measure: String,
    pub status: String,
    pub created_by: String,
}

/// The North–South railway (Đường sắt Bắc – Nam), the line the plan names.
pub const NORTH_SOUTH: &str = "Đường sắt Bắc – Nam";

const CROSSING_COLS: &str = "c.id, c.name, c.line, c.km, c.kind, c.status, c.commune_code, c.lon, c.lat, c.deadline,
    (SELECT COUNT(*) FROM rail_crossing_measures m WHERE m.crossing_id = c.id) AS measures,
    (SELECT MAX(on_date) FROM rail_crossing_measures m WHERE m.crossing_id = c.id) AS last_measure_on";

fn crossing_row(r: &Row) -> StoreResult<Crossing> {
    Ok(Crossing {
        id: r.i64("id")?,
        name: r.text("name")?,
        line: r.text("line")?,
        km: r.f64("km")?,
        kind: r.text("kind")?,
        status: r.text("status")?,
        commune_code: r.opt_text("commune_code")?,
        lon: r.opt_f64("lon")?,
        lat: r.opt_f64("lat")?,
        deadline: r.opt_text("deadline")?,
        measures: r.i64("measures")?,
        last_measure_on: r.opt_text("last_measure_on")?,
    })
}

impl Store {
    pub async fn crossing_create(&self, actor: &Actor, i: &CrossingInput) -> StoreResult<Crossing> {
        let mut tx = self.db.begin().await?;
        let id = crossing_insert(&mut tx, actor, i).await?;
        tx.commit().await?;
        self.crossing(id).await
    }

    pub async fn crossing(&self, id: i64) -> StoreResult<Crossing> {
        let r = self
            .db
            .fetch_optional(
                &format!("SELECT {CROSSING_COLS} FROM rail_crossings c WHERE c.id = $1"),
                &params![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        crossing_row(&r)
    }

    /// Crossings by line and kilometre.
    pub async fn crossings(&self) -> StoreResult<Vec<Crossing>> {
        let rows = self
            .db
            .fetch_all(
                &format!("SELECT {CROSSING_COLS} FROM rail_crossings c ORDER BY c.line, c.km"),
                &[],
            )
            .await?;
        rows.iter().map(crossing_row).collect()
    }

    /// Records a measure taken at a crossing on a date and the status it led to.
    pub async fn crossing_measure(
        &self,
        actor: &Actor,
        id: i64,
        on_date: &str,
        measure: &str,
        status: &str,
    ) -> StoreResult<Crossing> {
        let mut tx = self.db.begin().await?;
        crossing_measure_in(&mut tx, actor, id, on_date, measure, status).await?;
        tx.commit().await?;
        self.crossing(id).await
    }

    pub async fn crossing_measures(&self, id: i64) -> StoreResult<Vec<Measure>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT id, crossing_id, on_date, measure, status, created_by FROM rail_crossing_measures
                 WHERE crossing_id = $1 ORDER BY on_date, id",
                &params![id],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Measure {
                    id: r.i64("id")?,
                    crossing_id: r.i64("crossing_id")?,
                    on_date: r.text("on_date")?,
                    measure: r.text("measure")?,
                    status: r.text("status")?,
                    created_by: r.text("created_by")?,
                })
            })
            .collect()
    }
}

pub(crate) async fn crossing_insert(
    tx: &mut Tx,
    actor: &Actor,
    i: &CrossingInput,
) -> StoreResult<i64> {
    let name = required(&i.name, "name")?;
    let line = if i.line.trim().is_empty() {
        NORTH_SOUTH.to_string()
    } else {
        i.line.trim().to_string()
    };
    if !i.km.is_finite() || i.km < 0.0 || i.km > 2000.0 {
        return Err(StoreError::invalid("km", "hazards.error.bad_km"));
    }
    let kind = one_of(&i.kind, hz::CROSSING_KINDS, "kind")?;
    let status = one_of(&i.status, hz::CROSSING_STATUSES, "status")?;
    let (lon, lat) = match (i.lon, i.lat) {
        (Some(lo), Some(la)) => {
            let p = point(lo, la)?;
            (Some(p.lon), Some(p.lat))
        }
        (None, None) => (None, None),
        _ => return Err(StoreError::invalid("lat", "hazards.error.bad_coordinates")),
    };
    let deadline = opt_date(&i.deadline, "deadline")?;
    let now = now_us();
    let id = tx
        .insert_id(
            "INSERT INTO rail_crossings (name, line, km, kind, status, commune_code, lon, lat, deadline, created_at_us, created_by, updated_at_us)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10) RETURNING id",
            &params![name.clone(), line.clone(), i.km, kind.clone(), status.clone(), opt(&i.commune_code), lon, lat, deadline, now, actor.name.clone()],
        )
        .await?;
    append(
        tx,
        actor.entry(
            "crossing.create",
            "rail_crossing",
            id,
            serde_json::Value::Null,
            serde_json::json!({"name": name, "line": line, "km": i.km, "kind": kind, "status": status}),
        ),
    )
    .await?;
    Ok(id)
}

pub(crate) async fn crossing_measure_in(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    on_date: &str,
    measure: &str,
    status: &str,
) -> StoreResult<()> {
    let measure = required(measure, "measure")?;
    let status = one_of(status, hz::CROSSING_STATUSES, "status")?;
    let on = opt_date(&Some(on_date.to_string()), "on_date")?
        .ok_or_else(|| StoreError::invalid("on_date", "error.required"))?;
    let before = tx
        .fetch_optional(
            "SELECT status FROM rail_crossings WHERE id = $1",
            &params![id],
        )
        .await?
        .ok_or(StoreError::NotFound)?
        .text("status")?;
    let now = now_us();
    tx.execute(
        "INSERT INTO rail_crossing_measures (crossing_id, on_date, measure, status, created_at_us, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &params![id, on.clone(), measure.clone(), status.clone(), now, actor.name.clone()],
    )
    .await?;
    tx.execute(
        "UPDATE rail_crossings SET status = $1, updated_at_us = $2 WHERE id = $3",
        &params![status.clone(), now, id],
    )
    .await?;
    append(
        tx,
        actor.entry(
            "crossing.measure",
            "rail_crossing",
            id,
            serde_json::json!({"status": before}),
            serde_json::json!({"status": status, "measure": measure, "on_date": on}),
        ),
    )
    .await?;
    notify_reports(tx, "crossing", id, &status).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Proposals

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proposal {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub road_code: Option<String>,
    pub justification: String,
    pub spot_ids: Vec<i64>,
    pub crash_ids: Vec<i64>,
    /// Estimated cost, whole đồng.
    pub cost_vnd: i64,
    pub authority: String,
    pub status: String,
    pub status_on: Option<String>,
    pub status_note: String,
    pub created_at_us: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProposalInput {
    pub title: String,
    pub kind: String,
    #[serde(default)]
    pub road_code: Option<String>,
    pub justification: String,
    /// Black spot ids, comma or space separated.
    #[serde(default)]
    pub spot_ids: String,
    /// Crash ids, comma or space separated.
    #[serde(default)]
    pub crash_ids: String,
    #[serde(default)]
    pub cost_vnd: i64,
    #[serde(default)]
    pub authority: String,
}

fn id_list(s: &str, name: &str) -> StoreResult<Vec<i64>> {
    s.split([',', ' ', ';'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| {
            x.parse::<i64>()
                .ok()
                .filter(|v| *v > 0)
                .ok_or_else(|| StoreError::invalid_arg(name, "hazards.error.bad_ids", x))
        })
        .collect()
}

fn join_ids(v: &[i64]) -> String {
    v.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

const PROPOSAL_COLS: &str =
    "id, title, kind, road_code, justification, spot_ids, crash_ids, cost_vnd, authority, status,
    status_on, status_note, created_at_us";

fn proposal_row(r: &Row) -> StoreResult<Proposal> {
    let ids = |c: &str| -> StoreResult<Vec<i64>> {
        Ok(r.text(c)?
            .split(',')
            .filter_map(|x| x.trim().parse().ok())
            .collect())
    };
    Ok(Proposal {
        id: r.i64("id")?,
        title: r.text("title")?,
        kind: r.text("kind")?,
        road_code: r.opt_text("road_code")?,
        justification: r.text("justification")?,
        spot_ids: ids("spot_ids")?,
        crash_ids: ids("crash_ids")?,
        cost_vnd: r.i64("cost_vnd")?,
        authority: r.text("authority")?,
        status: r.text("status")?,
        status_on: r.opt_text("status_on")?,
        status_note: r.text("status_note")?,
        created_at_us: r.i64("created_at_us")?,
    })
}

impl Store {
    /// Records a proposal. The black spots and crashes its justification rests on must
    /// exist.
    pub async fn proposal_create(&self, actor: &Actor, i: &ProposalInput) -> StoreResult<Proposal> {
        let mut tx = self.db.begin().await?;
        let id = proposal_insert(&mut tx, actor, i).await?;
        tx.commit().await?;
        self.proposal(id).await
    }

    pub async fn proposal(&self, id: i64) -> StoreResult<Proposal> {
        let r = self
            .db
            .fetch_optional(
                &format!("SELECT {PROPOSAL_COLS} FROM proposals WHERE id = $1"),
                &params![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        proposal_row(&r)
    }

    pub async fn proposals(&self) -> StoreResult<Vec<Proposal>> {
        let rows = self
            .db
            .fetch_all(
                &format!("SELECT {PROPOSAL_COLS} FROM proposals ORDER BY id DESC"),
                &[],
            )
            .await?;
        rows.iter().map(proposal_row).collect()
    }

    /// Moves a proposal to a status with the competent authority, on a date.
    pub async fn proposal_status(
        &self,
        actor: &Actor,
        id: i64,
        status: &str,
        on: &Option<String>,
        note: &str,
    ) -> StoreResult<Proposal> {
        let status = one_of(status, hz::PROPOSAL_STATUSES, "status")?;
        let on = opt_date(on, "status_on")?;
        let before = self.proposal(id).await?;
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE proposals SET status = $1, status_on = $2, status_note = $3, updated_at_us = $4 WHERE id = $5",
            &params![status.clone(), on.clone(), note.trim(), now_us(), id],
        )
        .await?;
        append(
            &mut tx,
            actor.entry(
                "proposal.status",
                "proposal",
                id,
                serde_json::json!({"status": before.status}),
                serde_json::json!({"status": status, "status_on": on, "note": note.trim()}),
            ),
        )
        .await?;
        notify_reports(&mut tx, "proposal", id, &status).await?;
        tx.commit().await?;
        self.proposal(id).await
    }
}

pub(crate) async fn proposal_insert(
    tx: &mut Tx,
    actor: &Actor,
    i: &ProposalInput,
) -> StoreResult<i64> {
    let title = required(&i.title, "proposal_title")?;
    let kind = one_of(&i.kind, hz::PROPOSAL_KINDS, "kind")?;
    let justification = required(&i.justification, "justification")?;
    if i.cost_vnd < 0 {
        return Err(StoreError::invalid("cost_vnd", "hazards.error.negative"));
    }
    let spots = id_list(&i.spot_ids, "spot_ids")?;
    let crashes = id_list(&i.crash_ids, "crash_ids")?;
    for s in &spots {
        if tx
            .fetch_optional("SELECT id FROM spots WHERE id = $1", &params![*s])
            .await?
            .is_none()
        {
            return Err(StoreError::invalid_arg(
                "spot_ids",
                "hazards.error.bad_ids",
                &s.to_string(),
            ));
        }
    }
    for c in &crashes {
        if tx
            .fetch_optional("SELECT id FROM crashes WHERE id = $1", &params![*c])
            .await?
            .is_none()
        {
            return Err(StoreError::invalid_arg(
                "crash_ids",
                "hazards.error.bad_ids",
                &c.to_string(),
            ));
        }
    }
    let now = now_us();
    let id = tx
        .insert_id(
            "INSERT INTO proposals (title, kind, road_code, justification, spot_ids, crash_ids, cost_vnd, authority, status,
               created_at_us, created_by, updated_at_us)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $10, $9) RETURNING id",
            &params![
                title.clone(),
                kind.clone(),
                opt(&i.road_code),
                justification,
                join_ids(&spots),
                join_ids(&crashes),
                i.cost_vnd,
                i.authority.trim(),
                now,
                actor.name.clone()
            ],
        )
        .await?;
    append(
        tx,
        actor.entry(
            "proposal.create",
            "proposal",
            id,
            serde_json::Value::Null,
            serde_json::json!({"title": title, "kind": kind, "spot_ids": spots, "crash_ids": crashes, "cost_vnd": i.cost_vnd}),
        ),
    )
    .await?;
    Ok(id)
}
