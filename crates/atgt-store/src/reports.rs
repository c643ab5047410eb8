//! Citizen reports (portal form and Open311 GeoReport v2) and the staff triage queue.
//! A report comes in with its tracking code; staff accept it into a case of the right
//! capability (an encroachment case, a railway crossing's measure, a proposal),
//! forward a violation report to traffic police, mark it a duplicate of another, or
//! reject it as abusive. Every step is audited and appended to the report's history,
//! which the reporter reads by the tracking code.
//!
//! Privacy-sensitive: the reporter's contact (e-mail, name, phone) is kept for the
//! triage staff only; the public views never read it.

use crate::audit::append;
use crate::db::Row;
use crate::error::{StoreError, StoreResult};
use crate::files::StoredFile;
use crate::hazards::{
    CrossingInput, EncroachmentInput, ProposalInput, crossing_insert, crossing_measure_in,
    encroachment_insert, proposal_insert, required,
};
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use atgt_core::hazards as hz;
use atgt_core::open311::{self, Target};
use atgt_core::reports::PhotoFacts;
use serde::Serialize;

/// A report as staff see it (with the reporter's contact).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub id: i64,
    pub token: String,
    pub service_code: String,
    pub description: String,
    pub attributes: serde_json::Value,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub media_url: String,
    /// portal or open311.
    pub channel: String,
    pub status: String,
    pub status_note: String,
    pub duplicate_of: Option<i64>,
    /// encroachment, crossing or proposal.
    pub case_kind: Option<String>,
    pub case_id: Option<i64>,
    /// The status of the case it was accepted into.
    pub case_status: Option<String>,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

impl Report {
    /// Whether the case it went into is finished.
    pub fn case_done(&self) -> bool {
        match (self.case_kind.as_deref(), self.case_status.as_deref()) {
            (Some("encroachment"), Some(s)) => s == "resolved",
            (Some("crossing"), Some(s)) => hz::crossing_done(s),
            (Some("proposal"), Some(s)) => hz::proposal_done(s),
            _ => false,
        }
    }

    /// The Open311 status (open, closed).
    pub fn open311_status(&self) -> &'static str {
        atgt_core::reports::open311_status(&self.status, self.case_done())
    }
}

/// A new report.
#[derive(Debug, Clone, Default)]
pub struct NewReport {
    pub token: String,
    pub service_code: String,
    pub description: String,
    pub attributes: Vec<(String, String)>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub media_url: String,
    pub channel: String,
}

/// A photo or video of a report, cleaned, with what was kept of its metadata.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportFile {
    pub sha256: String,
    pub size: i64,
    pub mime: String,
    pub taken_at_us: Option<i64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportEvent {
    pub at_us: i64,
    pub status: String,
    pub note: String,
}

/// What staff decide about a report.
#[derive(Debug, Clone)]
pub enum Triage {
    /// A new encroachment case from the report (place, responsible commune, deadline).
    Encroachment(EncroachmentInput),
    /// A measure on an existing crossing, or a new crossing registered from the report.
    CrossingMeasure {
        crossing_id: i64,
        on_date: String,
        measure: String,
        status: String,
    },
    NewCrossing(CrossingInput),
    /// Linked to an existing proposal, or a new one.
    Proposal(i64),
    NewProposal(ProposalInput),
    /// Forwarded to traffic police with a note.
    Forward(String),
    /// A duplicate of an earlier report.
    Duplicate(i64),
    /// Abusive or unfounded, with the reason.
    Reject(String),
}

/// Filter of the list of reports.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub status: Option<String>,
    pub service_code: Option<String>,
    pub ids: Vec<i64>,
    pub from_us: Option<i64>,
    pub to_us: Option<i64>,
    /// Only reports the public may see (triaged and not rejected).
    pub public_only: bool,
    pub limit: i64,
}

const COLS: &str = "r.id, r.token, r.service_code, r.description, r.attributes, r.lon, r.lat, r.address, r.email,
    r.first_name, r.last_name, r.phone, r.media_url, r.channel, r.status, r.status_note, r.duplicate_of, r.case_kind,
    r.case_id, r.created_at_us, r.updated_at_us,
    CASE r.case_kind
      WHEN 'encroachment' THEN (SELECT status FROM encroachments x WHERE x.id = r.case_id)
      WHEN 'crossing' THEN (SELECT status FROM rail_crossings x WHERE x.id = r.case_id)
      WHEN 'proposal' THEN (SELECT status FROM proposals x WHERE x.id = r.case_id)
    END AS case_status";

fn row(r: &Row) -> StoreResult<Report> {
    Ok(Report {
        id: r.i64("id")?,
        token: r.text("token")?,
        service_code: r.text("service_code")?,
        description: r.text("description")?,
        attributes: r.json("attributes")?,
        lon: r.opt_f64("lon")?,
        lat: r.opt_f64("lat")?,
        address: r.text("address")?,
        email: r.text("email")?,
        first_name: r.text("first_name")?,
        last_name: r.text("last_name")?,
        phone: r.text("phone")?,
        media_url: r.text("media_url")?,
        channel: r.text("channel")?,
        status: r.text("status")?,
        status_note: r.text("status_note")?,
        duplicate_of: r.opt_i64("duplicate_of")?,
        case_kind: r.opt_text("case_kind")?,
        case_id: r.opt_i64("case_id")?,
        case_status: r.opt_text("case_status")?,
        created_at_us: r.i64("created_at_us")?,
        updated_at_us: r.i64("updated_at_us")?,
    })
}

fn limited(v: &str, name: &str, max: usize) -> StoreResult<String> {
    let v = v.trim();
    if v.chars().count() > max {
        return Err(StoreError::invalid(name, "reports.error.too_long"));
    }
    Ok(v.to_string())
}

/// A report's input once checked.
pub struct Checked {
    pub service: &'static open311::Service,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub description: String,
    pub email: String,
    pub phone: String,
    pub media_url: String,
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

/// Checks a new report (with `files` photos or videos) without storing anything: the
/// service, its attributes, the place (coordinates in Vietnam or an address), the
/// contact and the lengths of the text fields. The web layer calls it before it puts
/// any file in the file store, so refused input leaves nothing behind.
pub fn check_report(n: &NewReport, files: usize) -> StoreResult<Checked> {
    let svc = open311::service(n.service_code.trim())
        .ok_or_else(|| StoreError::invalid("service_code", "open311.error.unknown_service"))?;
    let attrs = open311::check_attributes(svc, &n.attributes).map_err(|(code, key)| {
        StoreError::invalid_arg(&format!("attribute[{code}]"), key, &code)
    })?;
    let (lon, lat) = match (n.lon, n.lat) {
        (Some(lo), Some(la)) => {
            let p = hz::check_point(lo, la).map_err(|k| StoreError::invalid("lat", k))?;
            (Some(p.lon), Some(p.lat))
        }
        (None, None) => (None, None),
        _ => return Err(StoreError::invalid("lat", "hazards.error.bad_coordinates")),
    };
    let address = limited(&n.address, "address_string", 500)?;
    if lon.is_none() && address.is_empty() {
        return Err(StoreError::invalid(
            "lat",
            "open311.error.location_required",
        ));
    }
    let email = limited(&n.email, "email", 200)?;
    if !email.is_empty() && (!email.contains('@') || email.contains(char::is_whitespace)) {
        return Err(StoreError::invalid("email", "reports.error.bad_email"));
    }
    let phone = limited(&n.phone, "phone", 30)?;
    if !phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
    {
        return Err(StoreError::invalid("phone", "reports.error.bad_phone"));
    }
    let media_url = limited(&n.media_url, "media_url", 1000)?;
    if !media_url.is_empty()
        && !media_url.starts_with("https://")
        && !media_url.starts_with("http://")
    {
        return Err(StoreError::invalid(
            "media_url",
            "open311.error.bad_media_url",
        ));
    }
    let description = limited(&n.description, "description", 4000)?;
    if description.is_empty() && files == 0 && media_url.is_empty() {
        return Err(StoreError::invalid("description", "error.required"));
    }
    let attrs_json: serde_json::Map<String, serde_json::Value> = attrs
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    Ok(Checked {
        service: svc,
        lon,
        lat,
        address,
        description,
        email,
        phone,
        media_url,
        attributes: attrs_json,
    })
}

impl Store {
    /// Records a report with its (already cleaned and stored) files. Checks the
    /// service, its attributes, the place (coordinates in Vietnam or an address) and
    /// the lengths of the text fields; nothing is stored when one fails.
    pub async fn report_create(
        &self,
        actor: &Actor,
        n: &NewReport,
        files: &[(StoredFile, PhotoFacts)],
    ) -> StoreResult<Report> {
        let c = check_report(n, files.len())?;
        let (svc, lon, lat, address, description, email, phone, media_url, attrs_json) = (
            c.service,
            c.lon,
            c.lat,
            c.address,
            c.description,
            c.email,
            c.phone,
            c.media_url,
            c.attributes,
        );
        let now = now_us();
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO citizen_reports (token, service_code, description, attributes, lon, lat, address, email, first_name,
                   last_name, phone, media_url, channel, status, created_at_us, updated_at_us)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'received', $14, $14) RETURNING id",
                &params![
                    n.token.as_str(),
                    svc.code,
                    description.clone(),
                    serde_json::Value::Object(attrs_json.clone()).to_string(),
                    lon,
                    lat,
                    address.clone(),
                    email,
                    limited(&n.first_name, "first_name", 100)?,
                    limited(&n.last_name, "last_name", 100)?,
                    phone,
                    media_url,
                    n.channel.as_str(),
                    now
                ],
            )
            .await?;
        for (f, facts) in files {
            crate::files::check_sha256(&f.sha256)?;
            tx.execute(
                "INSERT INTO files (sha256, size, mime, original_name, created_at_us, created_by) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (sha256) DO NOTHING",
                &params![f.sha256.as_str(), f.size, f.mime.as_str(), f.name.as_str(), now, actor.name.clone()],
            )
            .await?;
            tx.execute(
                "INSERT INTO report_files (report_id, sha256, caption, taken_at_us, lon, lat, added_at_us, added_by)
                 VALUES ($1, $2, '', $3, $4, $5, $6, $7) ON CONFLICT (report_id, sha256) DO NOTHING",
                &params![id, f.sha256.as_str(), facts.taken_at_us, facts.lon, facts.lat, now, actor.name.clone()],
            )
            .await?;
        }
        tx.execute(
            "INSERT INTO report_events (report_id, at_us, status, note) VALUES ($1, $2, 'received', '')",
            &params![id, now],
        )
        .await?;
        // The audit entry names the report, never the reporter's contact.
        append(
            &mut tx,
            actor.entry(
                "report.create",
                "citizen_report",
                id,
                serde_json::Value::Null,
                serde_json::json!({"service_code": svc.code, "channel": n.channel, "lon": lon, "lat": lat,
                    "address": address, "attributes": attrs_json, "files": files.len()}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.report(id).await
    }

    pub async fn report(&self, id: i64) -> StoreResult<Report> {
        let r = self
            .db
            .fetch_optional(
                &format!("SELECT {COLS} FROM citizen_reports r WHERE r.id = $1"),
                &params![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        row(&r)
    }

    pub async fn report_by_token(&self, token: &str) -> StoreResult<Report> {
        let r = self
            .db
            .fetch_optional(
                &format!("SELECT {COLS} FROM citizen_reports r WHERE r.token = $1"),
                &params![token],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        row(&r)
    }

    /// Reports, newest first.
    pub async fn reports(&self, f: &ReportFilter) -> StoreResult<Vec<Report>> {
        let mut sql = format!("SELECT {COLS} FROM citizen_reports r WHERE 1 = 1");
        let mut args: Vec<crate::Value> = Vec::new();
        if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
            args.push(s.into());
            sql.push_str(&format!(" AND r.status = ${}", args.len()));
        }
        if let Some(s) = f.service_code.as_deref().filter(|s| !s.is_empty()) {
            args.push(s.into());
            sql.push_str(&format!(" AND r.service_code = ${}", args.len()));
        }
        if let Some(t) = f.from_us {
            args.push(t.into());
            sql.push_str(&format!(" AND r.created_at_us >= ${}", args.len()));
        }
        if let Some(t) = f.to_us {
            args.push(t.into());
            sql.push_str(&format!(" AND r.created_at_us <= ${}", args.len()));
        }
        if !f.ids.is_empty() {
            let mut ph = Vec::new();
            for id in f.ids.iter().take(1000) {
                args.push((*id).into());
                ph.push(format!("${}", args.len()));
            }
            sql.push_str(&format!(" AND r.id IN ({})", ph.join(",")));
        }
        if f.public_only {
            sql.push_str(" AND r.status IN ('accepted', 'forwarded', 'duplicate')");
        }
        sql.push_str(" ORDER BY r.created_at_us DESC, r.id DESC");
        crate::db::push_page(
            &mut sql,
            &mut args,
            if f.limit > 0 { f.limit } else { 1000 },
            0,
        );
        let rows = self.db.fetch_all(&sql, &args).await?;
        rows.iter().map(row).collect()
    }

    /// The reports accepted into a case (`encroachment`, `crossing`, `proposal`).
    pub async fn reports_of_case(&self, kind: &str, id: i64) -> StoreResult<Vec<Report>> {
        let rows = self
            .db
            .fetch_all(
                &format!("SELECT {COLS} FROM citizen_reports r WHERE r.case_kind = $1 AND r.case_id = $2 ORDER BY r.id"),
                &params![kind, id],
            )
            .await?;
        rows.iter().map(row).collect()
    }

    pub async fn report_files(&self, id: i64) -> StoreResult<Vec<ReportFile>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT f.sha256, f.size, f.mime, l.taken_at_us, l.lon, l.lat FROM report_files l
                 JOIN files f ON f.sha256 = l.sha256 WHERE l.report_id = $1 ORDER BY l.added_at_us, f.sha256",
                &params![id],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ReportFile {
                    sha256: r.text("sha256")?,
                    size: r.i64("size")?,
                    mime: r.text("mime")?,
                    taken_at_us: r.opt_i64("taken_at_us")?,
                    lon: r.opt_f64("lon")?,
                    lat: r.opt_f64("lat")?,
                })
            })
            .collect()
    }

    /// The status history the reporter sees.
    pub async fn report_events(&self, id: i64) -> StoreResult<Vec<ReportEvent>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT at_us, status, note FROM report_events WHERE report_id = $1 ORDER BY at_us, id",
                &params![id],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(ReportEvent {
                    at_us: r.i64("at_us")?,
                    status: r.text("status")?,
                    note: r.text("note")?,
                })
            })
            .collect()
    }

    /// Applies a triage decision to a report still waiting in the queue; the case it
    /// creates or links, the report's new status, its history and the audit entry are
    /// committed together.
    pub async fn report_triage(
        &self,
        actor: &Actor,
        id: i64,
        t: &Triage,
        reencroach_m: f64,
    ) -> StoreResult<Report> {
        let before = self.report(id).await?;
        if before.status != "received" {
            return Err(StoreError::invalid(
                "status",
                "reports.error.already_triaged",
            ));
        }
        let svc = open311::service(&before.service_code);
        let mut tx = self.db.begin().await?;
        let (status, note, case_kind, case_id, dup): (
            &str,
            String,
            Option<&str>,
            Option<i64>,
            Option<i64>,
        ) = match t {
            Triage::Encroachment(i) => {
                let cid = encroachment_insert(&mut tx, actor, i, reencroach_m).await?;
                (
                    "accepted",
                    String::new(),
                    Some("encroachment"),
                    Some(cid),
                    None,
                )
            }
            Triage::CrossingMeasure {
                crossing_id,
                on_date,
                measure,
                status,
            } => {
                crossing_measure_in(&mut tx, actor, *crossing_id, on_date, measure, status).await?;
                (
                    "accepted",
                    String::new(),
                    Some("crossing"),
                    Some(*crossing_id),
                    None,
                )
            }
            Triage::NewCrossing(i) => {
                let cid = crossing_insert(&mut tx, actor, i).await?;
                ("accepted", String::new(), Some("crossing"), Some(cid), None)
            }
            Triage::Proposal(pid) => {
                if tx
                    .fetch_optional("SELECT id FROM proposals WHERE id = $1", &params![*pid])
                    .await?
                    .is_none()
                {
                    return Err(StoreError::invalid("target_id", "error.not_found"));
                }
                (
                    "accepted",
                    String::new(),
                    Some("proposal"),
                    Some(*pid),
                    None,
                )
            }
            Triage::NewProposal(i) => {
                let pid = proposal_insert(&mut tx, actor, i).await?;
                ("accepted", String::new(), Some("proposal"), Some(pid), None)
            }
            Triage::Forward(note) => {
                if !matches!(svc.map(|s| s.target), Some(Target::Enforcement)) {
                    return Err(StoreError::invalid(
                        "action",
                        "reports.error.not_a_violation",
                    ));
                }
                ("forwarded", note.trim().to_string(), None, None, None)
            }
            Triage::Duplicate(of) => {
                if *of == id {
                    return Err(StoreError::invalid(
                        "duplicate_of",
                        "reports.error.self_duplicate",
                    ));
                }
                if tx
                    .fetch_optional(
                        "SELECT id FROM citizen_reports WHERE id = $1",
                        &params![*of],
                    )
                    .await?
                    .is_none()
                {
                    return Err(StoreError::invalid("duplicate_of", "error.not_found"));
                }
                ("duplicate", String::new(), None, None, Some(*of))
            }
            Triage::Reject(reason) => ("rejected", required(reason, "reason")?, None, None, None),
        };
        let now = now_us();
        tx.execute(
            "UPDATE citizen_reports SET status = $1, status_note = $2, case_kind = $3, case_id = $4, duplicate_of = $5,
               updated_at_us = $6 WHERE id = $7",
            &params![status, note.clone(), case_kind, case_id, dup, now, id],
        )
        .await?;
        tx.execute(
            "INSERT INTO report_events (report_id, at_us, status, note) VALUES ($1, $2, $3, $4)",
            &params![id, now, status, note.clone()],
        )
        .await?;
        append(
            &mut tx,
            actor.entry(
                "report.triage",
                "citizen_report",
                id,
                serde_json::json!({"status": before.status}),
                serde_json::json!({"status": status, "note": note, "case_kind": case_kind, "case_id": case_id,
                    "duplicate_of": dup}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.report(id).await
    }
}
