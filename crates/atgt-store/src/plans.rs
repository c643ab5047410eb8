//! Plans and accountability: plans as documents in their cascade (with sections,
//! passages and the original file), tasks with one lead unit and coordinating units,
//! progress reports with attachments, comments, lead changes (hand-overs), reminders,
//! conferences with attendees by unit, and the issued consolidated reports.
//!
//! Every write runs in one transaction with its audit entry: a refused input leaves
//! nothing behind. Nothing is deleted: tasks close, lead changes are kept as history,
//! consolidated reports are issued as new immutable versions.

use crate::audit::append;
use crate::db::{Row, Tx, Value};
use crate::error::{StoreError, StoreResult};
use crate::files::StoredFile;
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use atgt_core::plans::{
    PlanFile, Recurrence, Reminder, ReminderKind, TaskFacts, TaskStatus, check_task,
};
use atgt_core::text::fold;
use jiff::civil::Date;
use serde::Serialize;
use serde_json::json;

/// A plan (or a directive, or a unit's action plan) as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    pub id: i64,
    pub code: String,
    /// directive | plan | action_plan | programme
    pub kind: String,
    /// Number and symbol as written, e.g. "235-KH/TU".
    pub number: String,
    pub title: String,
    pub issuer_name: String,
    pub issuer_org_id: Option<i64>,
    /// "YYYY-MM-DD"; none when the copy does not show it.
    pub issued_on: Option<String>,
    pub signer: String,
    pub signer_title: String,
    pub preamble: String,
    pub recipients: Vec<String>,
    /// The document this one implements.
    pub parent_id: Option<i64>,
    /// The task of the parent plan this one answers (a unit's action plan).
    pub source_task_id: Option<i64>,
    /// The original document, in the file store.
    pub original_sha256: Option<String>,
    pub created_at_us: i64,
    pub created_by: String,
}

const PLAN_COLS: &str = "id, code, kind, number, title, issuer_name, issuer_org_id, issued_on, signer, signer_title, preamble, recipients_json, parent_id, source_task_id, original_sha256, created_at_us, created_by";

fn plan(r: &Row) -> StoreResult<Plan> {
    Ok(Plan {
        id: r.i64("id")?,
        code: r.text("code")?,
        kind: r.text("kind")?,
        number: r.text("number")?,
        title: r.text("title")?,
        issuer_name: r.text("issuer_name")?,
        issuer_org_id: r.opt_i64("issuer_org_id")?,
        issued_on: r.opt_text("issued_on")?,
        signer: r.text("signer")?,
        signer_title: r.text("signer_title")?,
        preamble: r.text("preamble")?,
        recipients: serde_json::from_value(r.json("recipients_json")?).unwrap_or_default(),
        parent_id: r.opt_i64("parent_id")?,
        source_task_id: r.opt_i64("source_task_id")?,
        original_sha256: r.opt_text("original_sha256")?,
        created_at_us: r.i64("created_at_us")?,
        created_by: r.text("created_by")?,
    })
}

/// What a person enters for a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanInput {
    /// Stable key; made from the number when empty.
    #[serde(default)]
    pub code: String,
    pub kind: String,
    pub number: String,
    pub title: String,
    pub issuer_name: String,
    /// Organisation code of the issuer, when it is one of ours.
    #[serde(default)]
    pub issuer_org: String,
    /// "YYYY-MM-DD" or empty.
    #[serde(default)]
    pub issued_on: String,
    #[serde(default)]
    pub signer: String,
    #[serde(default)]
    pub signer_title: String,
    #[serde(default)]
    pub preamble: String,
    #[serde(default)]
    pub recipients: Vec<String>,
    /// The plan this one implements.
    #[serde(default)]
    pub parent_id: Option<i64>,
    #[serde(default)]
    pub source_task_id: Option<i64>,
}

pub const PLAN_KINDS: [&str; 4] = ["directive", "plan", "action_plan", "programme"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Section {
    pub number: String,
    pub heading: String,
    pub kind: String,
}

/// A numbered passage of a plan, kept exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanItem {
    pub id: i64,
    pub section: String,
    pub number: i64,
    pub short: String,
    pub text: String,
}

impl PlanItem {
    /// "III.2".
    pub fn label(&self) -> String {
        format!("{}.{}", self.section, self.number)
    }
}

/// A unit taking part in a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitRef {
    pub id: i64,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: i64,
    pub plan_id: i64,
    pub item_id: Option<i64>,
    /// "III.2" when the task comes from a passage.
    pub item_label: Option<String>,
    pub title: String,
    pub lead: UnitRef,
    pub coordinators: Vec<UnitRef>,
    /// The unit results are sent through.
    pub receiver: Option<UnitRef>,
    pub due_on: Option<String>,
    pub recurrence: Recurrence,
    pub status: TaskStatus,
    pub done_on: Option<String>,
    pub note: String,
    pub created_on: String,
    pub created_by: String,
    pub updated_at_us: i64,
}

impl Task {
    pub fn due_date(&self) -> Option<Date> {
        self.due_on.as_deref().and_then(|d| d.parse().ok())
    }
    /// Whether a unit is the lead or a coordinator.
    pub fn involves(&self, org_id: i64) -> bool {
        self.lead.id == org_id || self.coordinators.iter().any(|c| c.id == org_id)
    }
}

/// What a person enters for a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInput {
    pub plan_id: i64,
    pub item_id: Option<i64>,
    pub title: String,
    pub lead_org_id: Option<i64>,
    pub coordinator_ids: Vec<i64>,
    pub receiver_org_id: Option<i64>,
    pub due_on: Option<Date>,
    pub recurrence: Recurrence,
    pub note: String,
    /// The day the task is given (no period before it is owed).
    pub created_on: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskReport {
    pub id: i64,
    pub task_id: i64,
    pub unit: UnitRef,
    /// The reporting period of a recurring task ("2023-Q3"); empty for one-off tasks.
    pub period: String,
    pub reported_on: String,
    pub percent: i64,
    pub text: String,
    pub sha256: Option<String>,
    pub file_name: String,
    pub at_us: i64,
    pub by_name: String,
}

/// A progress report as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportInput {
    pub org_id: i64,
    pub period: String,
    pub reported_on: Date,
    pub percent: i64,
    pub text: String,
    pub file: Option<StoredFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskComment {
    pub id: i64,
    pub text: String,
    pub at_us: i64,
    pub by_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadChange {
    pub from: UnitRef,
    pub to: UnitRef,
    pub reason: String,
    pub at_us: i64,
    pub by_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReminderRecord {
    pub id: i64,
    pub task_id: i64,
    pub task_title: String,
    pub unit: UnitRef,
    pub kind: ReminderKind,
    pub due_key: String,
    pub due_on: String,
    pub days: i64,
    /// "not_configured", "sent to x@y", "SMTP error: …" or why no mail was sent.
    pub email: String,
    pub at_us: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanEvent {
    pub id: i64,
    pub plan_id: i64,
    pub item_id: Option<i64>,
    pub title: String,
    pub held_on: String,
    pub place: String,
    /// Units present and how many of their people.
    pub units: Vec<EventUnit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventUnit {
    pub unit: UnitRef,
    pub attendees: i64,
}

/// An issued consolidated report (immutable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanReport {
    pub id: i64,
    pub plan_id: i64,
    pub period_from: String,
    pub period_to: String,
    pub version: i64,
    pub number: String,
    pub layout: String,
    pub body: String,
    pub sha256: String,
    pub issued_at_us: i64,
    pub issued_by: String,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub plan_id: Option<i64>,
    /// Lead or coordinating unit.
    pub org_id: Option<i64>,
    pub status: Option<TaskStatus>,
    pub q: Option<String>,
}

fn bad_date(s: &str, field: &str) -> StoreResult<Option<Date>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<Date>()
        .map(Some)
        .map_err(|_| StoreError::invalid(field, "error.bad_date"))
}

async fn unit(tx_or_db: &Store, id: i64) -> StoreResult<UnitRef> {
    let r = tx_or_db
        .db
        .fetch_one(
            "SELECT id, code, name FROM orgs WHERE id = $1",
            &params![id],
        )
        .await?;
    Ok(UnitRef {
        id: r.i64("id")?,
        code: r.text("code")?,
        name: r.text("name")?,
    })
}

fn unit_of(r: &Row, prefix: &str) -> StoreResult<UnitRef> {
    Ok(UnitRef {
        id: r.i64(&format!("{prefix}_id"))?,
        code: r.text(&format!("{prefix}_code"))?,
        name: r.text(&format!("{prefix}_name"))?,
    })
}

async fn record_file(tx: &mut Tx, actor: &Actor, f: &StoredFile) -> StoreResult<()> {
    if f.sha256.len() != 64 || !f.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::invalid("plans.file", "error.bad_request"));
    }
    tx.execute(
        "INSERT INTO files (sha256, size, mime, original_name, created_at_us, created_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (sha256) DO NOTHING",
        &params![f.sha256.clone(), f.size, f.mime.clone(), f.name.clone(), now_us(), actor.name.clone()],
    )
    .await?;
    Ok(())
}

async fn org_id_by_code(tx: &mut Tx, code: &str, field: &str) -> StoreResult<i64> {
    tx.fetch_optional("SELECT id FROM orgs WHERE code = $1", &params![code])
        .await?
        .ok_or_else(|| StoreError::invalid_arg(field, "plans.error_unknown_unit", code))?
        .i64("id")
}

const TASK_SELECT: &str = "SELECT t.id, t.plan_id, t.item_id, t.title, t.due_on, t.recurrence, t.status, t.done_on, t.note,
    t.created_on, t.created_by, t.updated_at_us, i.section AS item_section, i.number AS item_number,
    l.id AS lead_id, l.code AS lead_code, l.name AS lead_name,
    r.id AS recv_id, r.code AS recv_code, r.name AS recv_name
  FROM tasks t JOIN orgs l ON l.id = t.lead_org_id
  LEFT JOIN orgs r ON r.id = t.receiver_org_id
  LEFT JOIN plan_items i ON i.id = t.item_id";

impl Store {
    // -----------------------------------------------------------------------------------
    // Plans

    async fn plan_insert(&self, tx: &mut Tx, actor: &Actor, p: &PlanInput) -> StoreResult<i64> {
        let number = p.number.trim();
        let title = p.title.trim();
        if !PLAN_KINDS.contains(&p.kind.as_str()) {
            return Err(StoreError::invalid("plans.kind", "error.bad_request"));
        }
        if number.is_empty() {
            return Err(StoreError::invalid("plans.number", "error.required"));
        }
        if title.is_empty() {
            return Err(StoreError::invalid("plans.title", "error.required"));
        }
        if p.issuer_name.trim().is_empty() {
            return Err(StoreError::invalid("plans.issuer_name", "error.required"));
        }
        let issued = bad_date(&p.issued_on, "plans.issued_on")?;
        let issuer = match p.issuer_org.trim() {
            "" => None,
            c => Some(org_id_by_code(tx, c, "plans.issuer_org").await?),
        };
        if let Some(parent) = p.parent_id {
            let r = tx
                .fetch_optional(
                    "SELECT issued_on FROM plans WHERE id = $1",
                    &params![parent],
                )
                .await?
                .ok_or_else(|| {
                    StoreError::invalid("plans.parent_id", "plans.error_unknown_plan")
                })?;
            // A plan cannot be issued before the document it implements.
            if let (Some(d), Some(pd)) = (
                issued,
                r.opt_text("issued_on")?
                    .and_then(|s| s.parse::<Date>().ok()),
            ) && d < pd
            {
                return Err(StoreError::invalid(
                    "plans.issued_on",
                    "plans.error_issued_before_parent",
                ));
            }
        }
        let code = if p.code.trim().is_empty() {
            fold(number).replace(' ', "-").to_uppercase()
        } else {
            p.code.trim().to_string()
        };
        let id = tx
            .insert_id(
                "INSERT INTO plans (code, kind, number, title, title_folded, issuer_name, issuer_org_id, issued_on,
                   signer, signer_title, preamble, recipients_json, parent_id, source_task_id, created_at_us, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
                &params![
                    code,
                    p.kind.clone(),
                    number,
                    title,
                    fold(&format!("{number} {title}")),
                    p.issuer_name.trim(),
                    issuer,
                    issued.map(|d| d.to_string()),
                    p.signer.trim(),
                    p.signer_title.trim(),
                    p.preamble.trim(),
                    serde_json::to_string(&p.recipients).unwrap_or_else(|_| "[]".into()),
                    p.parent_id,
                    p.source_task_id,
                    now_us(),
                    actor.name.clone()
                ],
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => StoreError::invalid("plans.number", "plans.error_plan_exists"),
                e => e,
            })?;
        append(
            tx,
            actor.entry(
                "plan.create",
                "plan",
                id,
                serde_json::Value::Null,
                serde_json::to_value(p).unwrap_or_default(),
            ),
        )
        .await?;
        Ok(id)
    }

    /// Records a plan (or directive, or action plan).
    pub async fn plan_create(&self, actor: &Actor, p: &PlanInput) -> StoreResult<Plan> {
        let mut tx = self.db.begin().await?;
        let id = self.plan_insert(&mut tx, actor, p).await?;
        tx.commit().await?;
        self.plan(id).await
    }

    /// Loads a plan held as data: the documents above it (reused when present), the
    /// plan, its sections and passages, and its tasks (one per unit where the passage
    /// binds each unit). One transaction. Returns the plan's id.
    pub async fn plan_import(&self, actor: &Actor, f: &PlanFile) -> StoreResult<i64> {
        let mut tx = self.db.begin().await?;
        let mut codes: Vec<(String, i64)> = Vec::new();
        for d in f.chain.iter().chain(std::iter::once(&f.plan)) {
            let existing = tx
                .fetch_optional(
                    "SELECT id FROM plans WHERE code = $1",
                    &params![d.code.clone()],
                )
                .await?;
            if let Some(r) = existing {
                codes.push((d.code.clone(), r.i64("id")?));
                continue;
            }
            let parent_id = codes
                .iter()
                .find(|(c, _)| *c == d.implements)
                .map(|(_, id)| *id);
            let id = self
                .plan_insert(
                    &mut tx,
                    actor,
                    &PlanInput {
                        code: d.code.clone(),
                        kind: d.kind.clone(),
                        number: d.number.clone(),
                        title: d.title.clone(),
                        issuer_name: d.issuer_name.clone(),
                        issuer_org: d.issuer_org.clone(),
                        issued_on: d.issued_on.clone(),
                        signer: d.signer.clone(),
                        signer_title: d.signer_title.clone(),
                        preamble: d.preamble.clone(),
                        recipients: d.recipients.clone(),
                        parent_id,
                        source_task_id: None,
                    },
                )
                .await?;
            codes.push((d.code.clone(), id));
        }
        let plan_id = codes.last().map(|(_, id)| *id).unwrap_or_default();
        let has_items = tx
            .fetch_optional(
                "SELECT 1 AS x FROM plan_items WHERE plan_id = $1 LIMIT 1",
                &params![plan_id],
            )
            .await?
            .is_some();
        if has_items {
            tx.commit().await?;
            return Ok(plan_id);
        }
        // Tasks count from the plan's date, or from the date of what it implements.
        let since = self
            .plan_floor_date(&mut tx, plan_id)
            .await?
            .unwrap_or_else(|| jiff::civil::date(2000, 1, 1));
        for (ord, s) in f.sections.iter().enumerate() {
            tx.execute(
                "INSERT INTO plan_sections (plan_id, number, heading, kind, ord) VALUES ($1, $2, $3, $4, $5)",
                &params![plan_id, s.number.clone(), s.heading.clone(), s.kind.clone(), ord as i64],
            )
            .await?;
        }
        for it in &f.items {
            let item_id = tx
                .insert_id(
                    "INSERT INTO plan_items (plan_id, section, number, short, text) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    &params![plan_id, it.section.clone(), it.number, it.short.clone(), it.text.clone()],
                )
                .await?;
            let kind = f
                .sections
                .iter()
                .find(|s| s.number == it.section)
                .map(|s| s.kind.as_str())
                .unwrap_or("");
            if kind == "goal" {
                continue;
            }
            let mut leads: Vec<(String, Vec<String>)> = Vec::new();
            if !it.lead.is_empty() {
                leads.push((it.lead.clone(), it.coordinators.clone()));
            }
            for u in &it.each {
                leads.push((u.clone(), Vec::new()));
            }
            for (lead, coords) in leads {
                let lead_id = org_id_by_code(&mut tx, &lead, "plans.lead").await?;
                let mut coord_ids = Vec::new();
                for c in &coords {
                    coord_ids.push(org_id_by_code(&mut tx, c, "plans.coordinators").await?);
                }
                let receiver = match it.receiver.as_str() {
                    "" => None,
                    c => Some(org_id_by_code(&mut tx, c, "plans.receiver").await?),
                };
                let input = TaskInput {
                    plan_id,
                    item_id: Some(item_id),
                    title: it.short.clone(),
                    lead_org_id: Some(lead_id),
                    coordinator_ids: coord_ids,
                    receiver_org_id: receiver,
                    due_on: it.due.parse().ok(),
                    recurrence: Recurrence::parse(&it.recurrence).unwrap_or(Recurrence::None),
                    note: it.recurrence_note.clone(),
                    created_on: since,
                };
                self.task_insert(&mut tx, actor, &input).await?;
            }
        }
        tx.commit().await?;
        Ok(plan_id)
    }

    /// The earliest date a task of the plan may be due: its issue date, else the
    /// date of the document it implements.
    async fn plan_floor_date(&self, tx: &mut Tx, plan_id: i64) -> StoreResult<Option<Date>> {
        let mut id = Some(plan_id);
        while let Some(pid) = id {
            let r = tx
                .fetch_one(
                    "SELECT issued_on, parent_id FROM plans WHERE id = $1",
                    &params![pid],
                )
                .await?;
            if let Some(d) = r.opt_text("issued_on")?.and_then(|s| s.parse().ok()) {
                return Ok(Some(d));
            }
            id = r.opt_i64("parent_id")?;
        }
        Ok(None)
    }

    pub async fn plan(&self, id: i64) -> StoreResult<Plan> {
        let r = self
            .db
            .fetch_one(
                &format!("SELECT {PLAN_COLS} FROM plans WHERE id = $1"),
                &params![id],
            )
            .await?;
        plan(&r)
    }

    pub async fn plan_by_code(&self, code: &str) -> StoreResult<Plan> {
        let r = self
            .db
            .fetch_one(
                &format!("SELECT {PLAN_COLS} FROM plans WHERE code = $1"),
                &params![code],
            )
            .await?;
        plan(&r)
    }

    /// Every plan, oldest document first (the cascade reads top-down).
    pub async fn plans(&self, q: Option<&str>) -> StoreResult<Vec<Plan>> {
        let mut sql = format!("SELECT {PLAN_COLS} FROM plans WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        crate::db::push_word_filter(&mut sql, &mut args, q, &["title_folded"]);
        sql.push_str(" ORDER BY COALESCE(issued_on, '9999'), id LIMIT 1000");
        self.db
            .fetch_all(&sql, &args)
            .await?
            .iter()
            .map(plan)
            .collect()
    }

    /// The plans implementing this one.
    pub async fn plan_children(&self, id: i64) -> StoreResult<Vec<Plan>> {
        self.db
            .fetch_all(
                &format!("SELECT {PLAN_COLS} FROM plans WHERE parent_id = $1 ORDER BY id"),
                &params![id],
            )
            .await?
            .iter()
            .map(plan)
            .collect()
    }

    /// The documents above a plan, the top first.
    pub async fn plan_chain(&self, id: i64) -> StoreResult<Vec<Plan>> {
        let mut out = Vec::new();
        let mut cur = self.plan(id).await?.parent_id;
        while let Some(pid) = cur {
            if out.iter().any(|p: &Plan| p.id == pid) || out.len() > 20 {
                break;
            }
            let p = self.plan(pid).await?;
            cur = p.parent_id;
            out.push(p);
        }
        out.reverse();
        Ok(out)
    }

    pub async fn plan_sections(&self, id: i64) -> StoreResult<Vec<Section>> {
        self.db
            .fetch_all(
                "SELECT number, heading, kind FROM plan_sections WHERE plan_id = $1 ORDER BY ord",
                &params![id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(Section {
                    number: r.text("number")?,
                    heading: r.text("heading")?,
                    kind: r.text("kind")?,
                })
            })
            .collect()
    }

    pub async fn plan_items(&self, id: i64) -> StoreResult<Vec<PlanItem>> {
        self.db
            .fetch_all(
                "SELECT i.id, i.section, i.number, i.short, i.text FROM plan_items i
                 JOIN plan_sections s ON s.plan_id = i.plan_id AND s.number = i.section
                 WHERE i.plan_id = $1 ORDER BY s.ord, i.number",
                &params![id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(PlanItem {
                    id: r.i64("id")?,
                    section: r.text("section")?,
                    number: r.i64("number")?,
                    short: r.text("short")?,
                    text: r.text("text")?,
                })
            })
            .collect()
    }

    /// Attaches the original document (a new version replaces the link; the old file
    /// stays in the store and in the audit chain).
    pub async fn plan_original_set(
        &self,
        actor: &Actor,
        id: i64,
        f: &StoredFile,
    ) -> StoreResult<()> {
        let before = self.plan(id).await?;
        let mut tx = self.db.begin().await?;
        record_file(&mut tx, actor, f).await?;
        tx.execute(
            "UPDATE plans SET original_sha256 = $1 WHERE id = $2",
            &params![f.sha256.clone(), id],
        )
        .await?;
        append(
            &mut tx,
            actor.entry(
                "plan.original",
                "plan",
                id,
                json!({ "sha256": before.original_sha256 }),
                json!({ "sha256": f.sha256, "name": f.name, "size": f.size }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether a file is the original of some plan or attached to a report, and its type.
    pub async fn plan_file(&self, sha256: &str) -> StoreResult<(String, String)> {
        let used = self
            .db
            .fetch_optional(
                "SELECT 1 AS x FROM plans WHERE original_sha256 = $1
                 UNION ALL SELECT 1 AS x FROM task_reports WHERE sha256 = $1
                 UNION ALL SELECT 1 AS x FROM plan_reports WHERE sha256 = $1 LIMIT 1",
                &params![sha256],
            )
            .await?;
        if used.is_none() {
            return Err(StoreError::NotFound);
        }
        let r = self
            .db
            .fetch_one(
                "SELECT mime, original_name FROM files WHERE sha256 = $1",
                &params![sha256],
            )
            .await?;
        Ok((r.text("mime")?, r.text("original_name")?))
    }

    // -----------------------------------------------------------------------------------
    // Tasks

    async fn task_insert(&self, tx: &mut Tx, actor: &Actor, t: &TaskInput) -> StoreResult<i64> {
        let title = t.title.trim();
        if title.is_empty() {
            return Err(StoreError::invalid("plans.title", "error.required"));
        }
        let floor = self.plan_floor_date(tx, t.plan_id).await?;
        check_task(t.lead_org_id, &t.coordinator_ids, t.due_on, floor)
            .map_err(|(f, k)| StoreError::invalid(&format!("plans.{f}"), k))?;
        let lead = t.lead_org_id.unwrap_or_default();
        for o in std::iter::once(lead)
            .chain(t.coordinator_ids.iter().copied())
            .chain(t.receiver_org_id)
        {
            if tx
                .fetch_optional("SELECT id FROM orgs WHERE id = $1", &params![o])
                .await?
                .is_none()
            {
                return Err(StoreError::invalid_arg(
                    "plans.lead",
                    "plans.error_unknown_unit",
                    &o.to_string(),
                ));
            }
        }
        if let Some(item) = t.item_id
            && tx
                .fetch_optional(
                    "SELECT id FROM plan_items WHERE id = $1 AND plan_id = $2",
                    &params![item, t.plan_id],
                )
                .await?
                .is_none()
        {
            return Err(StoreError::invalid("plans.item_id", "error.bad_request"));
        }
        let now = now_us();
        let id = tx
            .insert_id(
                "INSERT INTO tasks (plan_id, item_id, title, title_folded, lead_org_id, receiver_org_id, due_on,
                   recurrence, status, note, created_on, created_at_us, created_by, updated_at_us)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $11, $12, $11) RETURNING id",
                &params![
                    t.plan_id,
                    t.item_id,
                    title,
                    fold(title),
                    lead,
                    t.receiver_org_id,
                    t.due_on.map(|d| d.to_string()),
                    t.recurrence.as_str(),
                    t.note.trim(),
                    t.created_on.to_string(),
                    now,
                    actor.name.clone()
                ],
            )
            .await?;
        let mut coords = t.coordinator_ids.clone();
        coords.sort_unstable();
        coords.dedup();
        for c in &coords {
            tx.execute(
                "INSERT INTO task_coordinators (task_id, org_id) VALUES ($1, $2)",
                &params![id, *c],
            )
            .await?;
        }
        append(
            tx,
            actor.entry(
                "task.create",
                "task",
                id,
                serde_json::Value::Null,
                json!({
                    "plan_id": t.plan_id, "item_id": t.item_id, "title": title, "lead_org_id": lead,
                    "coordinator_ids": coords, "receiver_org_id": t.receiver_org_id,
                    "due_on": t.due_on.map(|d| d.to_string()), "recurrence": t.recurrence.as_str(),
                }),
            ),
        )
        .await?;
        Ok(id)
    }

    /// Gives a task: one lead unit, coordinating units other than the lead, a deadline
    /// not before the plan's date. Refused whole on any bad field.
    pub async fn task_create(&self, actor: &Actor, t: &TaskInput) -> StoreResult<Task> {
        self.plan(t.plan_id).await?;
        let mut tx = self.db.begin().await?;
        let id = self.task_insert(&mut tx, actor, t).await?;
        tx.commit().await?;
        self.task(id).await
    }

    async fn task_rows(&self, rows: Vec<Row>) -> StoreResult<Vec<Task>> {
        let mut out = Vec::with_capacity(rows.len());
        // The coordinators of all the rows, a few queries for the whole list.
        let ids: Vec<i64> = rows
            .iter()
            .map(|r| r.i64("id"))
            .collect::<StoreResult<_>>()?;
        let mut coords: std::collections::HashMap<i64, Vec<UnitRef>> = Default::default();
        for chunk in ids.chunks(500) {
            let list = chunk
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",");
            for c in self
                .db
                .fetch_all(
                    &format!(
                        "SELECT c.task_id, o.id, o.code, o.name FROM task_coordinators c JOIN orgs o ON o.id = c.org_id
                         WHERE c.task_id IN ({list}) ORDER BY o.name"
                    ),
                    &[],
                )
                .await?
            {
                coords.entry(c.i64("task_id")?).or_default().push(UnitRef {
                    id: c.i64("id")?,
                    code: c.text("code")?,
                    name: c.text("name")?,
                });
            }
        }
        for r in &rows {
            let id = r.i64("id")?;
            let coordinators = coords.remove(&id).unwrap_or_default();
            let item_label = match (r.opt_text("item_section")?, r.opt_i64("item_number")?) {
                (Some(s), Some(n)) => Some(format!("{s}.{n}")),
                _ => None,
            };
            out.push(Task {
                id,
                plan_id: r.i64("plan_id")?,
                item_id: r.opt_i64("item_id")?,
                item_label,
                title: r.text("title")?,
                lead: unit_of(r, "lead")?,
                coordinators,
                receiver: match r.opt_i64("recv_id")? {
                    Some(_) => Some(unit_of(r, "recv")?),
                    None => None,
                },
                due_on: r.opt_text("due_on")?,
                recurrence: Recurrence::parse(&r.text("recurrence")?).unwrap_or(Recurrence::None),
                status: TaskStatus::parse(&r.text("status")?).unwrap_or(TaskStatus::Open),
                done_on: r.opt_text("done_on")?,
                note: r.text("note")?,
                created_on: r.text("created_on")?,
                created_by: r.text("created_by")?,
                updated_at_us: r.i64("updated_at_us")?,
            });
        }
        Ok(out)
    }

    pub async fn task(&self, id: i64) -> StoreResult<Task> {
        let r = self
            .db
            .fetch_one(&format!("{TASK_SELECT} WHERE t.id = $1"), &params![id])
            .await?;
        Ok(self.task_rows(vec![r]).await?.remove(0))
    }

    pub async fn tasks(&self, f: &TaskFilter) -> StoreResult<Vec<Task>> {
        let mut sql = format!("{TASK_SELECT} WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(p) = f.plan_id {
            args.push(p.into());
            sql.push_str(&format!(" AND t.plan_id = ${}", args.len()));
        }
        if let Some(o) = f.org_id {
            args.push(o.into());
            let n = args.len();
            sql.push_str(&format!(
                " AND (t.lead_org_id = ${n} OR EXISTS (SELECT 1 FROM task_coordinators c WHERE c.task_id = t.id AND c.org_id = ${n}))"
            ));
        }
        if let Some(s) = f.status {
            args.push(s.as_str().into());
            sql.push_str(&format!(" AND t.status = ${}", args.len()));
        }
        crate::db::push_word_filter(&mut sql, &mut args, f.q.as_deref(), &["t.title_folded"]);
        sql.push_str(" ORDER BY t.plan_id, i.section, i.number, t.id LIMIT 200000");
        let rows = self.db.fetch_all(&sql, &args).await?;
        self.task_rows(rows).await
    }

    /// Files a progress report. The unit must be the lead or a coordinator; the task
    /// must be open; a recurring task's report names its period. A lead's report at
    /// 100% finishes a one-off task.
    pub async fn task_report_add(
        &self,
        actor: &Actor,
        task_id: i64,
        r: &ReportInput,
    ) -> StoreResult<TaskReport> {
        let t = self.task(task_id).await?;
        if !t.status.accepts_reports() {
            return Err(StoreError::invalid("plans.task", "plans.error_task_closed"));
        }
        if !t.involves(r.org_id) {
            return Err(StoreError::invalid(
                "plans.org_id",
                "plans.error_not_involved",
            ));
        }
        let text = r.text.trim();
        if text.is_empty() {
            return Err(StoreError::invalid("plans.text", "error.required"));
        }
        if !(0..=100).contains(&r.percent) {
            return Err(StoreError::invalid("plans.percent", "plans.error_percent"));
        }
        let period = r.period.trim().to_string();
        if t.recurrence != Recurrence::None {
            let valid = [
                r.reported_on,
                atgt_core::plans::add_days(r.reported_on, -100),
            ]
            .iter()
            .any(|d| {
                t.recurrence.period(*d).is_some_and(|p| p.0 == period)
                    || t.recurrence
                        .previous_period(*d)
                        .is_some_and(|p| p.0 == period)
            });
            if !valid {
                return Err(StoreError::invalid("plans.period", "plans.error_period"));
            }
        }
        let now = now_us();
        let mut tx = self.db.begin().await?;
        if let Some(f) = &r.file {
            record_file(&mut tx, actor, f).await?;
        }
        let id = tx
            .insert_id(
                "INSERT INTO task_reports (task_id, org_id, period, reported_on, percent, text, sha256, file_name, at_us, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &params![
                    task_id,
                    r.org_id,
                    period.clone(),
                    r.reported_on.to_string(),
                    r.percent,
                    text,
                    r.file.as_ref().map(|f| f.sha256.clone()),
                    r.file.as_ref().map(|f| f.name.clone()).unwrap_or_default(),
                    now,
                    actor.name.clone()
                ],
            )
            .await?;
        let finishes =
            r.percent == 100 && r.org_id == t.lead.id && t.recurrence == Recurrence::None;
        if finishes {
            tx.execute(
                "UPDATE tasks SET status = 'done', done_on = $1, updated_at_us = $2 WHERE id = $3",
                &params![r.reported_on.to_string(), now, task_id],
            )
            .await?;
        } else {
            tx.execute(
                "UPDATE tasks SET updated_at_us = $1 WHERE id = $2",
                &params![now, task_id],
            )
            .await?;
        }
        append(
            &mut tx,
            actor.entry(
                "task.report",
                "task",
                task_id,
                serde_json::Value::Null,
                json!({
                    "report_id": id, "org_id": r.org_id, "period": period, "reported_on": r.reported_on.to_string(),
                    "percent": r.percent, "text": text, "sha256": r.file.as_ref().map(|f| f.sha256.clone()),
                    "finishes": finishes,
                }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(TaskReport {
            id,
            task_id,
            unit: unit(self, r.org_id).await?,
            period,
            reported_on: r.reported_on.to_string(),
            percent: r.percent,
            text: text.into(),
            sha256: r.file.as_ref().map(|f| f.sha256.clone()),
            file_name: r.file.as_ref().map(|f| f.name.clone()).unwrap_or_default(),
            at_us: now,
            by_name: actor.name.clone(),
        })
    }

    const REPORT_SELECT: &str =
        "SELECT r.id, r.task_id, r.period, r.reported_on, r.percent, r.text, r.sha256, r.file_name,
        r.at_us, r.by_name, o.id AS unit_id, o.code AS unit_code, o.name AS unit_name
        FROM task_reports r JOIN orgs o ON o.id = r.org_id";

    fn report_rows(rows: &[Row]) -> StoreResult<Vec<TaskReport>> {
        rows.iter()
            .map(|r| {
                Ok(TaskReport {
                    id: r.i64("id")?,
                    task_id: r.i64("task_id")?,
                    unit: unit_of(r, "unit")?,
                    period: r.text("period")?,
                    reported_on: r.text("reported_on")?,
                    percent: r.i64("percent")?,
                    text: r.text("text")?,
                    sha256: r.opt_text("sha256")?,
                    file_name: r.text("file_name")?,
                    at_us: r.i64("at_us")?,
                    by_name: r.text("by_name")?,
                })
            })
            .collect()
    }

    /// How many reports each task has.
    pub async fn task_report_counts(&self) -> StoreResult<std::collections::HashMap<i64, i64>> {
        self.db
            .fetch_all(
                "SELECT task_id, COUNT(*) AS n FROM task_reports GROUP BY task_id",
                &[],
            )
            .await?
            .iter()
            .map(|r| Ok((r.i64("task_id")?, r.i64("n")?)))
            .collect()
    }

    pub async fn task_reports(&self, task_id: i64) -> StoreResult<Vec<TaskReport>> {
        let rows = self
            .db
            .fetch_all(
                &format!(
                    "{} WHERE r.task_id = $1 ORDER BY r.at_us, r.id",
                    Self::REPORT_SELECT
                ),
                &params![task_id],
            )
            .await?;
        Self::report_rows(&rows)
    }

    /// The reports of a plan's tasks dated in a period (for the consolidated report).
    pub async fn plan_reports_between(
        &self,
        plan_id: i64,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<TaskReport>> {
        let rows = self
            .db
            .fetch_all(
                &format!(
                    "{} JOIN tasks t ON t.id = r.task_id WHERE t.plan_id = $1 AND r.reported_on >= $2 AND r.reported_on <= $3
                     ORDER BY r.reported_on, r.id",
                    Self::REPORT_SELECT
                ),
                &params![plan_id, from.to_string(), to.to_string()],
            )
            .await?;
        Self::report_rows(&rows)
    }

    pub async fn task_comment_add(
        &self,
        actor: &Actor,
        task_id: i64,
        text: &str,
    ) -> StoreResult<()> {
        self.task(task_id).await?;
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::invalid("plans.text", "error.required"));
        }
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO task_comments (task_id, text, at_us, by_name) VALUES ($1, $2, $3, $4) RETURNING id",
                &params![task_id, text, now_us(), actor.name.clone()],
            )
            .await?;
        append(
            &mut tx,
            actor.entry(
                "task.comment",
                "task",
                task_id,
                serde_json::Value::Null,
                json!({ "comment_id": id, "text": text }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn task_comments(&self, task_id: i64) -> StoreResult<Vec<TaskComment>> {
        self.db
            .fetch_all(
                "SELECT id, text, at_us, by_name FROM task_comments WHERE task_id = $1 ORDER BY at_us, id",
                &params![task_id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(TaskComment {
                    id: r.i64("id")?,
                    text: r.text("text")?,
                    at_us: r.i64("at_us")?,
                    by_name: r.text("by_name")?,
                })
            })
            .collect()
    }

    /// Hands a task to another lead unit (e.g. a new commune after 1/7/2025), with a
    /// reason; the old lead stays in the history. A coordinator that becomes lead
    /// stops being a coordinator.
    pub async fn task_lead_change(
        &self,
        actor: &Actor,
        task_id: i64,
        to_org_id: Option<i64>,
        reason: &str,
    ) -> StoreResult<Task> {
        let t = self.task(task_id).await?;
        let Some(to) = to_org_id else {
            return Err(StoreError::invalid(
                "plans.lead",
                "plans.error_lead_required",
            ));
        };
        if to == t.lead.id {
            return Err(StoreError::invalid("plans.lead", "plans.error_same_lead"));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid("plans.reason", "error.required"));
        }
        let to_unit = unit(self, to).await.map_err(|_| {
            StoreError::invalid_arg("plans.lead", "plans.error_unknown_unit", &to.to_string())
        })?;
        let now = now_us();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO task_lead_changes (task_id, from_org_id, to_org_id, reason, at_us, by_name) VALUES ($1, $2, $3, $4, $5, $6)",
            &params![task_id, t.lead.id, to, reason, now, actor.name.clone()],
        )
        .await?;
        tx.execute(
            "DELETE FROM task_coordinators WHERE task_id = $1 AND org_id = $2",
            &params![task_id, to],
        )
        .await?;
        tx.execute(
            "UPDATE tasks SET lead_org_id = $1, updated_at_us = $2 WHERE id = $3",
            &params![to, now, task_id],
        )
        .await?;
        append(
            &mut tx,
            actor.entry(
                "task.lead_change",
                "task",
                task_id,
                json!({ "lead_org_id": t.lead.id, "lead": t.lead.code }),
                json!({ "lead_org_id": to, "lead": to_unit.code, "reason": reason }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.task(task_id).await
    }

    pub async fn task_lead_changes(&self, task_id: i64) -> StoreResult<Vec<LeadChange>> {
        self.db
            .fetch_all(
                "SELECT c.reason, c.at_us, c.by_name, f.id AS from_id, f.code AS from_code, f.name AS from_name,
                   t.id AS to_id, t.code AS to_code, t.name AS to_name
                 FROM task_lead_changes c JOIN orgs f ON f.id = c.from_org_id JOIN orgs t ON t.id = c.to_org_id
                 WHERE c.task_id = $1 ORDER BY c.at_us, c.id",
                &params![task_id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(LeadChange {
                    from: unit_of(r, "from")?,
                    to: unit_of(r, "to")?,
                    reason: r.text("reason")?,
                    at_us: r.i64("at_us")?,
                    by_name: r.text("by_name")?,
                })
            })
            .collect()
    }

    /// Sets a task's status (done on a date, closed, reopened).
    pub async fn task_status_set(
        &self,
        actor: &Actor,
        task_id: i64,
        status: TaskStatus,
        on: Date,
    ) -> StoreResult<()> {
        let t = self.task(task_id).await?;
        if t.status == status {
            return Ok(());
        }
        let done_on = (status == TaskStatus::Done).then(|| on.to_string());
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE tasks SET status = $1, done_on = $2, updated_at_us = $3 WHERE id = $4",
            &params![status.as_str(), done_on.clone(), now_us(), task_id],
        )
        .await?;
        append(
            &mut tx,
            actor.entry(
                "task.status",
                "task",
                task_id,
                json!({ "status": t.status.as_str(), "done_on": t.done_on }),
                json!({ "status": status.as_str(), "done_on": done_on }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------
    // Urging

    /// The facts the urging needs, for every task (or a plan's).
    pub async fn task_facts(&self, plan_id: Option<i64>) -> StoreResult<Vec<TaskFacts>> {
        let tasks = self
            .tasks(&TaskFilter {
                plan_id,
                ..Default::default()
            })
            .await?;
        let parents: std::collections::HashMap<i64, Option<i64>> = self
            .db
            .fetch_all("SELECT id, parent_id FROM orgs", &[])
            .await?
            .iter()
            .map(|r| Ok((r.i64("id")?, r.opt_i64("parent_id")?)))
            .collect::<StoreResult<_>>()?;
        let periods = self
            .db
            .fetch_all(
                "SELECT DISTINCT r.task_id, r.period FROM task_reports r JOIN tasks t ON t.id = r.task_id
                 WHERE r.org_id = t.lead_org_id AND r.period <> ''",
                &[],
            )
            .await?;
        let mut by_task: std::collections::HashMap<i64, Vec<String>> = Default::default();
        for r in &periods {
            by_task
                .entry(r.i64("task_id")?)
                .or_default()
                .push(r.text("period")?);
        }
        Ok(tasks
            .into_iter()
            .map(|t| TaskFacts {
                id: t.id,
                lead_org: t.lead.id,
                lead_parent: parents.get(&t.lead.id).copied().flatten(),
                status: t.status,
                due: t.due_date(),
                recurrence: t.recurrence,
                reported_periods: by_task.remove(&t.id).unwrap_or_default(),
                since: t
                    .created_on
                    .parse()
                    .unwrap_or_else(|_| jiff::civil::date(2000, 1, 1)),
            })
            .collect())
    }

    /// Records reminders; each (task, unit, kind, deadline) once. Returns the ones
    /// recorded now (the others were sent before). `email` says what happened to the
    /// e-mail copy ("not_configured" without SMTP).
    pub async fn reminders_record(
        &self,
        actor: &Actor,
        list: &[Reminder],
        email: &str,
    ) -> StoreResult<Vec<Reminder>> {
        let each: Vec<(Reminder, String)> = list
            .iter()
            .map(|r| (r.clone(), email.to_string()))
            .collect();
        self.reminders_record_each(actor, &each).await
    }

    /// Records reminders, each with what happened to its own e-mail copy ("sent to
    /// x@y", "SMTP error: …", "not_configured"); each (task, unit, kind, deadline) once.
    pub async fn reminders_record_each(
        &self,
        actor: &Actor,
        list: &[(Reminder, String)],
    ) -> StoreResult<Vec<Reminder>> {
        let mut tx = self.db.begin().await?;
        let now = now_us();
        let mut recorded = Vec::new();
        for (r, email) in list {
            let email = email.as_str();
            let n = tx
                .execute(
                    "INSERT INTO task_reminders (task_id, org_id, kind, due_key, due_on, days, email, at_us)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                     ON CONFLICT (task_id, org_id, kind, due_key) DO NOTHING",
                    &params![
                        r.task_id,
                        r.org_id,
                        r.kind.as_str(),
                        r.key.clone(),
                        r.due.to_string(),
                        r.days,
                        email,
                        now
                    ],
                )
                .await?;
            if n == 0 {
                continue;
            }
            append(
                &mut tx,
                actor.entry(
                    "task.remind",
                    "task",
                    r.task_id,
                    serde_json::Value::Null,
                    json!({ "org_id": r.org_id, "kind": r.kind.as_str(), "due": r.key, "days": r.days, "email": email }),
                ),
            )
            .await?;
            recorded.push(r.clone());
        }
        tx.commit().await?;
        Ok(recorded)
    }

    /// Reminders recorded, newest first (of a task, or all).
    pub async fn reminders(
        &self,
        task_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<ReminderRecord>> {
        let mut sql = "SELECT m.id, m.task_id, t.title, m.kind, m.due_key, m.due_on, m.days, m.email, m.at_us,
                o.id AS unit_id, o.code AS unit_code, o.name AS unit_name
             FROM task_reminders m JOIN tasks t ON t.id = m.task_id JOIN orgs o ON o.id = m.org_id WHERE 1 = 1"
            .to_string();
        let mut args: Vec<Value> = Vec::new();
        if let Some(t) = task_id {
            args.push(t.into());
            sql.push_str(" AND m.task_id = $1");
        }
        sql.push_str(" ORDER BY m.at_us DESC, m.id DESC");
        crate::db::push_page(&mut sql, &mut args, limit, 0);
        self.db
            .fetch_all(&sql, &args)
            .await?
            .iter()
            .map(|r| {
                Ok(ReminderRecord {
                    id: r.i64("id")?,
                    task_id: r.i64("task_id")?,
                    task_title: r.text("title")?,
                    unit: unit_of(r, "unit")?,
                    kind: ReminderKind::parse(&r.text("kind")?).unwrap_or(ReminderKind::Overdue),
                    due_key: r.text("due_key")?,
                    due_on: r.text("due_on")?,
                    days: r.i64("days")?,
                    email: r.text("email")?,
                    at_us: r.i64("at_us")?,
                })
            })
            .collect()
    }

    // -----------------------------------------------------------------------------------
    // Conferences (III.1–2)

    /// Records a conference (hội nghị quán triệt) with the units present.
    #[allow(clippy::too_many_arguments)]
    pub async fn plan_event_add(
        &self,
        actor: &Actor,
        plan_id: i64,
        item_id: Option<i64>,
        title: &str,
        held_on: Option<Date>,
        place: &str,
        units: &[(i64, i64)],
    ) -> StoreResult<i64> {
        self.plan(plan_id).await?;
        let title = title.trim();
        if title.is_empty() {
            return Err(StoreError::invalid("plans.title", "error.required"));
        }
        let Some(held_on) = held_on else {
            return Err(StoreError::invalid("plans.held_on", "error.required"));
        };
        if units.is_empty() {
            return Err(StoreError::invalid("plans.units", "plans.error_no_units"));
        }
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO plan_events (plan_id, item_id, title, held_on, place, at_us, by_name)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &params![
                    plan_id,
                    item_id,
                    title,
                    held_on.to_string(),
                    place.trim(),
                    now_us(),
                    actor.name.clone()
                ],
            )
            .await?;
        for (org, n) in units {
            if *n < 0 {
                return Err(StoreError::invalid("plans.units", "plans.error_attendees"));
            }
            tx.execute(
                "INSERT INTO plan_event_units (event_id, org_id, attendees) VALUES ($1, $2, $3)",
                &params![id, *org, *n],
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => {
                    StoreError::invalid("plans.units", "plans.error_unit_twice")
                }
                StoreError::Db(_) => StoreError::invalid_arg(
                    "plans.units",
                    "plans.error_unknown_unit",
                    &org.to_string(),
                ),
                e => e,
            })?;
        }
        append(
            &mut tx,
            actor.entry(
                "plan.event",
                "plan",
                plan_id,
                serde_json::Value::Null,
                json!({ "event_id": id, "title": title, "held_on": held_on.to_string(), "units": units }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn plan_events(&self, plan_id: i64) -> StoreResult<Vec<PlanEvent>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT id, plan_id, item_id, title, held_on, place FROM plan_events WHERE plan_id = $1 ORDER BY held_on, id",
                &params![plan_id],
            )
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let id = r.i64("id")?;
            let units = self
                .db
                .fetch_all(
                    "SELECT o.id AS unit_id, o.code AS unit_code, o.name AS unit_name, u.attendees
                     FROM plan_event_units u JOIN orgs o ON o.id = u.org_id WHERE u.event_id = $1 ORDER BY o.name",
                    &params![id],
                )
                .await?
                .iter()
                .map(|u| {
                    Ok(EventUnit {
                        unit: unit_of(u, "unit")?,
                        attendees: u.i64("attendees")?,
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            out.push(PlanEvent {
                id,
                plan_id: r.i64("plan_id")?,
                item_id: r.opt_i64("item_id")?,
                title: r.text("title")?,
                held_on: r.text("held_on")?,
                place: r.text("place")?,
                units,
            });
        }
        Ok(out)
    }

    // -----------------------------------------------------------------------------------
    // Consolidated reports

    /// Issues a consolidated report: the next version, its text and DOCX kept for good.
    #[allow(clippy::too_many_arguments)]
    pub async fn plan_report_issue(
        &self,
        actor: &Actor,
        plan_id: i64,
        from: Date,
        to: Date,
        number: &str,
        layout: &str,
        body: &str,
        file: &StoredFile,
    ) -> StoreResult<PlanReport> {
        self.plan(plan_id).await?;
        if to < from {
            return Err(StoreError::invalid("plans.to", "error.period_reversed"));
        }
        if body.trim().is_empty() {
            return Err(StoreError::invalid("plans.body", "error.required"));
        }
        let mut tx = self.db.begin().await?;
        record_file(&mut tx, actor, file).await?;
        let version = tx
            .fetch_one(
                "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM plan_reports WHERE plan_id = $1",
                &params![plan_id],
            )
            .await?
            .i64("v")?;
        let now = now_us();
        let id = tx
            .insert_id(
                "INSERT INTO plan_reports (plan_id, period_from, period_to, version, number, layout, body, sha256, issued_at_us, issued_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &params![
                    plan_id,
                    from.to_string(),
                    to.to_string(),
                    version,
                    number.trim(),
                    layout,
                    body.trim(),
                    file.sha256.clone(),
                    now,
                    actor.name.clone()
                ],
            )
            .await?;
        append(
            &mut tx,
            actor.entry(
                "plan.report_issue",
                "plan",
                plan_id,
                serde_json::Value::Null,
                json!({ "report_id": id, "version": version, "from": from.to_string(), "to": to.to_string(),
                        "number": number.trim(), "sha256": file.sha256 }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(PlanReport {
            id,
            plan_id,
            period_from: from.to_string(),
            period_to: to.to_string(),
            version,
            number: number.trim().into(),
            layout: layout.into(),
            body: body.trim().into(),
            sha256: file.sha256.clone(),
            issued_at_us: now,
            issued_by: actor.name.clone(),
        })
    }

    pub async fn plan_reports(&self, plan_id: i64) -> StoreResult<Vec<PlanReport>> {
        self.db
            .fetch_all(
                "SELECT id, plan_id, period_from, period_to, version, number, layout, body, sha256, issued_at_us, issued_by
                 FROM plan_reports WHERE plan_id = $1 ORDER BY version DESC",
                &params![plan_id],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(PlanReport {
                    id: r.i64("id")?,
                    plan_id: r.i64("plan_id")?,
                    period_from: r.text("period_from")?,
                    period_to: r.text("period_to")?,
                    version: r.i64("version")?,
                    number: r.text("number")?,
                    layout: r.text("layout")?,
                    body: r.text("body")?,
                    sha256: r.text("sha256")?,
                    issued_at_us: r.i64("issued_at_us")?,
                    issued_by: r.text("issued_by")?,
                })
            })
            .collect()
    }

    /// Runs the urging on the clock's day: computes the reminders, records the new
    /// ones (each once) with what happened to the e-mail copy. Without an SMTP server
    /// configured the reminder is in-app only ("not_configured").
    pub async fn plans_urge(
        &self,
        actor: &Actor,
        clock: &(dyn atgt_core::plans::Clock + Sync),
        cfg: &atgt_core::plans::UrgeConfig,
    ) -> StoreResult<Vec<Reminder>> {
        let facts = self.task_facts(None).await?;
        let list = atgt_core::plans::reminders(&facts, clock, cfg);
        self.reminders_record(actor, &list, "not_configured").await
    }
}
