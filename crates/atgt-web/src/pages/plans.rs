//! Plans and accountability pages: the cascade of documents, a plan with its passages
//! and tasks, a task with its reports, comments, hand-overs and reminders, the urging
//! lists, the leader view (per unit, with the three criteria of its area against the
//! same period), the consolidated report (draft, then issued as DOCX, versions kept),
//! and conferences with attendees by unit.

use crate::auth::{Current, Principal};
use crate::docx::{AdminDoc, Block, Layout};
use crate::error::{AppError, AppResult};
use crate::exports::{format_int, place_date};
use crate::state::AppState;
use crate::view::{PageCtx, redirect_with_flash, render};
use askama::Template;
use atgt_core::admin::{Level, Scheme};
use atgt_core::auth::{Perm, Role};
use atgt_core::i18n::{Lang, t, tf};
use atgt_core::plans::{
    Progress, Recurrence, Standing, SystemClock, TaskStatus, UrgeConfig, dmy, progress, standing,
};
use atgt_store::crashes::CrashFilter;
use atgt_store::crashes::stats::Dim;
use atgt_store::files::StoredFile;
use atgt_store::orgs::Org;
use atgt_store::plans::{
    LeadChange, Plan, PlanEvent, PlanInput, PlanItem, PlanReport, ReminderRecord, ReportInput,
    Section, Task, TaskComment, TaskFilter, TaskInput, TaskReport,
};
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) fn today() -> Date {
    atgt_core::time::local_date(jiff::Timestamp::now())
}

fn opt_date(s: Option<&str>, field: &str) -> AppResult<Option<Date>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => atgt_core::time::parse_date(s)
            .map(Some)
            .ok_or_else(|| AppError::invalid(field, "error.bad_date")),
    }
}

/// Form fields as pairs: multi-selects send a key several times.
fn pairs(body: &Bytes) -> AppResult<Vec<(String, String)>> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .map_err(|_| AppError::invalid("form", "error.bad_request"))
}

fn field<'a>(p: &'a [(String, String)], k: &str) -> &'a str {
    p.iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

fn opt_id(s: &str, f: &str) -> AppResult<Option<i64>> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| AppError::invalid(f, "error.bad_request"))
}

async fn all_orgs(st: &AppState) -> AppResult<Vec<Org>> {
    Ok(st.store.orgs(None, 1000, 0).await?.0)
}

fn download(bytes: Vec<u8>, mime: &str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn unprocessable(mut r: Response) -> Response {
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// A task line with its standing today.
pub struct TaskLine {
    pub task: Task,
    pub progress: Progress,
    pub standing: String,
}

fn standing_text(s: &Standing, lang: Lang) -> String {
    match s {
        Standing::Quiet => String::new(),
        Standing::DueSoon { days_left, .. } => {
            tf(lang, "plans.days_left", &[("days", &days_left.to_string())])
        }
        Standing::Overdue { days_late, .. } => {
            tf(lang, "plans.days_late", &[("days", &days_late.to_string())])
        }
    }
}

async fn task_lines(st: &AppState, tasks: Vec<Task>, lang: Lang) -> AppResult<Vec<TaskLine>> {
    let facts: HashMap<i64, atgt_core::plans::TaskFacts> = st
        .store
        .task_facts(None)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let counts = st.store.task_report_counts().await?;
    let cfg = UrgeConfig::default();
    let day = today();
    let mut out = Vec::new();
    for t in tasks {
        let (p, s) = match facts.get(&t.id) {
            Some(f) => {
                let n = counts.get(&t.id).copied().unwrap_or(0) as usize;
                let done_on = t.done_on.as_deref().and_then(|d| d.parse().ok());
                (
                    progress(f, n, done_on, day, &cfg),
                    standing_text(&standing(f, day, &cfg), lang),
                )
            }
            None => (Progress::NotStarted, String::new()),
        };
        out.push(TaskLine {
            task: t,
            progress: p,
            standing: s,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// The cascade

pub struct PlanNode {
    pub plan: Plan,
    pub depth: usize,
}

#[derive(Template)]
#[template(path = "plans/list.html")]
struct ListView {
    ctx: PageCtx,
    nodes: Vec<PlanNode>,
    orgs: Vec<Org>,
    error: Option<String>,
    form: PlanInput,
}

fn tree(plans: Vec<Plan>) -> Vec<PlanNode> {
    fn walk(all: &[Plan], parent: Option<i64>, depth: usize, out: &mut Vec<PlanNode>) {
        for p in all.iter().filter(|p| p.parent_id == parent) {
            out.push(PlanNode {
                plan: p.clone(),
                depth,
            });
            if depth < 12 {
                walk(all, Some(p.id), depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&plans, None, 0, &mut out);
    // Plans whose parent is not listed (a search) still show.
    for p in &plans {
        if !out.iter().any(|n| n.plan.id == p.id) {
            out.push(PlanNode {
                plan: p.clone(),
                depth: 0,
            });
        }
    }
    out
}

pub async fn list(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let v = ListView {
        nodes: tree(st.store.plans(None).await?),
        orgs: all_orgs(&st).await?,
        error: None,
        form: PlanInput {
            kind: "action_plan".into(),
            ..Default::default()
        },
        ctx,
    };
    render(&v.ctx, &v)
}

pub async fn create(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = pairs(&body)?;
    let input = PlanInput {
        code: String::new(),
        kind: field(&f, "kind").to_string(),
        number: field(&f, "number").to_string(),
        title: field(&f, "title").to_string(),
        issuer_name: field(&f, "issuer_name").to_string(),
        issuer_org: field(&f, "issuer_org").to_string(),
        issued_on: field(&f, "issued_on").to_string(),
        signer: field(&f, "signer").to_string(),
        signer_title: String::new(),
        preamble: String::new(),
        recipients: Vec::new(),
        parent_id: opt_id(field(&f, "parent_id"), "plans.parent_id")?,
        source_task_id: None,
    };
    let mut input = input;
    if let Some(d) = opt_date(Some(&input.issued_on), "plans.issued_on")? {
        input.issued_on = d.to_string();
    }
    match st.store.plan_create(&p.actor(), &input).await {
        Ok(plan) => Ok(redirect_with_flash(
            &format!("/plans/{}", plan.id),
            "common.saved",
        )),
        Err(e) => {
            let e = AppError::from(e);
            if !matches!(e, AppError::Invalid { .. }) {
                return Err(e);
            }
            let v = ListView {
                nodes: tree(st.store.plans(None).await?),
                orgs: all_orgs(&st).await?,
                error: Some(e.message(ctx.lang)),
                form: input,
                ctx,
            };
            Ok(unprocessable(render(&v.ctx, &v)?))
        }
    }
}

// ---------------------------------------------------------------------------------------
// A plan

pub struct ItemBlock {
    pub item: PlanItem,
    pub tasks: Vec<TaskLine>,
}

pub struct SectionBlock {
    pub section: Section,
    pub items: Vec<ItemBlock>,
}

pub struct Coverage {
    pub unit: String,
    pub unit_id: i64,
    pub attended: bool,
}

#[derive(Template)]
#[template(path = "plans/show.html")]
struct ShowView {
    ctx: PageCtx,
    plan: Plan,
    issuer: Option<Org>,
    chain: Vec<Plan>,
    children: Vec<Plan>,
    sections: Vec<SectionBlock>,
    other_tasks: Vec<TaskLine>,
    items: Vec<PlanItem>,
    orgs: Vec<Org>,
    events: Vec<PlanEvent>,
    coverage: Vec<Coverage>,
    coverage_done: usize,
    reports: Vec<PlanReport>,
    error: Option<String>,
}

async fn show_view(
    st: &AppState,
    ctx: PageCtx,
    id: i64,
    error: Option<String>,
) -> AppResult<Response> {
    let plan = st.store.plan(id).await?;
    let issuer = match plan.issuer_org_id {
        Some(o) => Some(st.store.org(o).await?),
        None => None,
    };
    let items = st.store.plan_items(id).await?;
    let tasks = st
        .store
        .tasks(&TaskFilter {
            plan_id: Some(id),
            ..Default::default()
        })
        .await?;
    let mut lines = task_lines(st, tasks, ctx.lang).await?;
    let mut sections = Vec::new();
    for s in st.store.plan_sections(id).await? {
        let mut blocks = Vec::new();
        for it in items.iter().filter(|i| i.section == s.number) {
            let (mine, rest): (Vec<TaskLine>, Vec<TaskLine>) = lines
                .into_iter()
                .partition(|l| l.task.item_id == Some(it.id));
            lines = rest;
            blocks.push(ItemBlock {
                item: it.clone(),
                tasks: mine,
            });
        }
        sections.push(SectionBlock {
            section: s,
            items: blocks,
        });
    }
    let events = st.store.plan_events(id).await?;
    // Coverage: every unit leading a task of the plan, and whether it attended.
    let mut coverage: Vec<Coverage> = Vec::new();
    let all_tasks = st
        .store
        .tasks(&TaskFilter {
            plan_id: Some(id),
            ..Default::default()
        })
        .await?;
    for t in &all_tasks {
        for u in std::iter::once(&t.lead).chain(&t.coordinators) {
            if coverage.iter().any(|c| c.unit_id == u.id) {
                continue;
            }
            coverage.push(Coverage {
                unit: u.name.clone(),
                unit_id: u.id,
                attended: events
                    .iter()
                    .any(|e| e.units.iter().any(|x| x.unit.id == u.id)),
            });
        }
    }
    coverage.sort_by(|a, b| a.unit.cmp(&b.unit));
    let coverage_done = coverage.iter().filter(|c| c.attended).count();
    let v = ShowView {
        chain: st.store.plan_chain(id).await?,
        children: st.store.plan_children(id).await?,
        sections,
        other_tasks: lines,
        items,
        orgs: all_orgs(st).await?,
        events,
        coverage,
        coverage_done,
        reports: st.store.plan_reports(id).await?,
        issuer,
        plan,
        error,
        ctx,
    };
    let r = render(&v.ctx, &v)?;
    Ok(if v.error.is_some() {
        unprocessable(r)
    } else {
        r
    })
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    show_view(&st, ctx, id, None).await
}

/// Reads a multipart form: the file (if any, up to `max` bytes) and the text fields.
async fn multipart(
    mut mp: Multipart,
    max: usize,
) -> AppResult<(Option<(String, Vec<u8>)>, HashMap<String, String>)> {
    let mut file = None;
    let mut fields = HashMap::new();
    while let Some(f) = mp
        .next_field()
        .await
        .map_err(|_| AppError::invalid("file", "error.file_too_large"))?
    {
        let name = f.name().unwrap_or("").to_string();
        if name == "file" {
            let fname: String = f.file_name().unwrap_or("tep").chars().take(200).collect();
            let bytes = f
                .bytes()
                .await
                .map_err(|_| AppError::invalid("file", "error.file_too_large"))?;
            if bytes.len() > max {
                return Err(AppError::invalid("file", "error.file_too_large"));
            }
            if !bytes.is_empty() {
                file = Some((fname, bytes.to_vec()));
            }
        } else {
            let v: String = f
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(20_000)
                .collect();
            fields.insert(name, v);
        }
    }
    Ok((file, fields))
}

fn store_file(st: &AppState, name: String, bytes: &[u8]) -> AppResult<StoredFile> {
    let sha = st
        .files
        .put(bytes)
        .map_err(|e| AppError::Internal(e.into()))?;
    let mime = mime_guess::from_path(&name)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_string();
    Ok(StoredFile {
        sha256: sha,
        size: bytes.len() as i64,
        mime,
        name,
    })
}

const MAX_ATTACHMENT: usize = 20 << 20;

pub async fn original_add(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    mp: Multipart,
) -> AppResult<Response> {
    st.store.plan(id).await?;
    let (file, _) = multipart(mp, MAX_ATTACHMENT).await?;
    let Some((name, bytes)) = file else {
        return Err(AppError::invalid("file", "error.required"));
    };
    let f = store_file(&st, name, &bytes)?;
    st.store.plan_original_set(&p.actor(), id, &f).await?;
    Ok(redirect_with_flash(&format!("/plans/{id}"), "common.saved"))
}

/// A file of the plans module (an original, a report's attachment, an issued report).
pub async fn file_get(State(st): State<AppState>, Path(sha): Path<String>) -> AppResult<Response> {
    let (mime, name) = st.store.plan_file(&sha).await?;
    let bytes = st.files.get(&sha).map_err(|_| AppError::NotFound)?;
    let safe: String = name
        .chars()
        .map(|c| if c == '"' || c.is_control() { '_' } else { c })
        .collect();
    Ok(download(bytes, &mime, &safe))
}

pub async fn task_create(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    st.store.plan(id).await?;
    let f = pairs(&body)?;
    let coords = f
        .iter()
        .filter(|(k, v)| k == "coordinators" && !v.is_empty())
        .map(|(_, v)| v.parse::<i64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| AppError::invalid("plans.coordinators", "error.bad_request"))?;
    let input = TaskInput {
        plan_id: id,
        item_id: opt_id(field(&f, "item_id"), "plans.item_id")?,
        title: field(&f, "title").to_string(),
        lead_org_id: opt_id(field(&f, "lead"), "plans.lead")?,
        coordinator_ids: coords,
        receiver_org_id: None,
        due_on: opt_date(Some(field(&f, "due")), "plans.due")?,
        recurrence: Recurrence::parse(field(&f, "recurrence")).unwrap_or(Recurrence::None),
        note: String::new(),
        created_on: today(),
    };
    match st.store.task_create(&p.actor(), &input).await {
        Ok(t) => Ok(redirect_with_flash(
            &format!("/tasks/{}", t.id),
            "common.saved",
        )),
        Err(e) => {
            let e = AppError::from(e);
            if !matches!(e, AppError::Invalid { .. }) {
                return Err(e);
            }
            let msg = e.message(ctx.lang);
            show_view(&st, ctx, id, Some(msg)).await
        }
    }
}

#[derive(Deserialize)]
pub struct EventForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    item_id: String,
    /// One line per unit: "CODE, number".
    #[serde(default)]
    units: String,
}

pub async fn event_add(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<EventForm>,
) -> AppResult<Response> {
    st.store.plan(id).await?;
    let mut units = Vec::new();
    let mut bad = None;
    for (n, line) in f.units.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (code, count) = line.split_once(',').unwrap_or((line, "0"));
        let count: Option<i64> = count.trim().parse().ok();
        match (st.store.org_by_code(code.trim()).await, count) {
            (Ok(o), Some(c)) => units.push((o.id, c)),
            (Err(_), _) => {
                bad = Some(AppError::Invalid {
                    field: "plans.units".into(),
                    key: "plans.error_unknown_unit".into(),
                    arg: code.trim().into(),
                });
                break;
            }
            (_, None) => {
                bad = Some(AppError::Invalid {
                    field: "plans.units".into(),
                    key: "plans.error_attendee_line".into(),
                    arg: (n + 1).to_string(),
                });
                break;
            }
        }
    }
    let result = match bad {
        Some(e) => Err(e),
        None => {
            let held = opt_date(Some(&f.held_on), "plans.held_on")?;
            st.store
                .plan_event_add(
                    &p.actor(),
                    id,
                    opt_id(f.item_id.trim(), "plans.item_id")?,
                    &f.title,
                    held,
                    &f.place,
                    &units,
                )
                .await
                .map_err(AppError::from)
        }
    };
    match result {
        Ok(_) => Ok(redirect_with_flash(&format!("/plans/{id}"), "common.saved")),
        Err(e @ AppError::Invalid { .. }) => {
            let msg = e.message(ctx.lang);
            show_view(&st, ctx, id, Some(msg)).await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Tasks

#[derive(Debug, Default, Deserialize)]
pub struct TaskQuery {
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    plan: Option<String>,
    #[serde(default)]
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "plans/tasks.html")]
struct TasksView {
    ctx: PageCtx,
    lines: Vec<TaskLine>,
    orgs: Vec<Org>,
    org: Option<i64>,
    status: String,
    q: String,
}

pub async fn tasks(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<TaskQuery>,
) -> AppResult<Response> {
    // A unit officer sees their own unit's tasks first (lead or coordinating).
    let own = ctx
        .user
        .as_ref()
        .filter(|u| u.role == Role::UnitOfficer)
        .map(|u| u.org_id);
    let org = match q.org.as_deref() {
        None => own,
        Some(s) => opt_id(s.trim(), "org")?,
    };
    let plan_id = opt_id(q.plan.as_deref().unwrap_or("").trim(), "plan")?;
    let status = q.status.clone().unwrap_or_default();
    let tasks = st
        .store
        .tasks(&TaskFilter {
            plan_id,
            org_id: org,
            status: TaskStatus::parse(&status),
            q: q.q.clone(),
        })
        .await?;
    let v = TasksView {
        lines: task_lines(&st, tasks, ctx.lang).await?,
        orgs: all_orgs(&st).await?,
        org,
        status,
        q: q.q.unwrap_or_default(),
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "plans/task.html")]
struct TaskView {
    ctx: PageCtx,
    line: TaskLine,
    plan: Plan,
    passage: Option<PlanItem>,
    reports: Vec<TaskReport>,
    comments: Vec<TaskComment>,
    changes: Vec<LeadChange>,
    reminders: Vec<ReminderRecord>,
    // plans follow-up (issue 7): links to black spots and areas
    links: Vec<atgt_store::plans_links::TaskLink>,
    spots: Vec<atgt_store::hotspots::Spot>,
    orgs: Vec<Org>,
    /// The units the signed-in person may report for.
    report_units: Vec<(i64, String)>,
    period_hint: String,
    error: Option<String>,
}

async fn task_view(
    st: &AppState,
    ctx: PageCtx,
    p: &Principal,
    id: i64,
    error: Option<String>,
) -> AppResult<Response> {
    let task = st.store.task(id).await?;
    let plan = st.store.plan(task.plan_id).await?;
    let passage = match task.item_id {
        Some(i) => st
            .store
            .plan_items(plan.id)
            .await?
            .into_iter()
            .find(|x| x.id == i),
        None => None,
    };
    let involved: Vec<(i64, String)> = std::iter::once(&task.lead)
        .chain(&task.coordinators)
        .map(|u| (u.id, u.name.clone()))
        .collect();
    let report_units = match p.user() {
        Some(u) if u.role == Role::UnitOfficer => involved
            .into_iter()
            .filter(|(id, _)| *id == u.org_id)
            .collect(),
        _ => involved,
    };
    let period_hint = task
        .recurrence
        .period(today())
        .map(|p| p.0)
        .unwrap_or_default();
    let line = task_lines(st, vec![task], ctx.lang).await?.remove(0);
    let v = TaskView {
        reports: st.store.task_reports(id).await?,
        comments: st.store.task_comments(id).await?,
        changes: st.store.task_lead_changes(id).await?,
        reminders: st.store.reminders(Some(id), 50).await?,
        links: st.store.task_links(id, today()).await?,
        spots: st.store.spots(&Default::default()).await?,
        orgs: all_orgs(st).await?,
        report_units,
        period_hint,
        passage,
        plan,
        line,
        error,
        ctx,
    };
    let r = render(&v.ctx, &v)?;
    Ok(if v.error.is_some() {
        unprocessable(r)
    } else {
        r
    })
}

pub async fn task_show(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    task_view(&st, ctx, &p, id, None).await
}

pub(crate) async fn or_task_page(
    st: &AppState,
    ctx: PageCtx,
    p: &Principal,
    id: i64,
    r: AppResult<()>,
) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(redirect_with_flash(&format!("/tasks/{id}"), "common.saved")),
        Err(e @ AppError::Invalid { .. }) => {
            let msg = e.message(ctx.lang);
            task_view(st, ctx, p, id, Some(msg)).await
        }
        Err(e) => Err(e),
    }
}

/// Files a progress report (multipart: `org_id`, `period`, `percent`, `text`,
/// `reported_on`, optional `file`). A unit officer reports for their own unit only.
pub async fn report_add(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Path(id): Path<i64>,
    mp: Multipart,
) -> AppResult<Response> {
    st.store.task(id).await?;
    let r = async {
        let (file, f) = multipart(mp, MAX_ATTACHMENT).await?;
        let get = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
        let org_id = opt_id(&get("org_id"), "plans.org_id")?
            .ok_or_else(|| AppError::invalid("plans.org_id", "error.required"))?;
        if let Some(u) = p.user()
            && u.role == Role::UnitOfficer
            && u.org_id != org_id
        {
            return Err(AppError::invalid(
                "plans.org_id",
                "plans.error_not_involved",
            ));
        }
        let percent: i64 = get("percent")
            .parse()
            .map_err(|_| AppError::invalid("plans.percent", "plans.error_percent"))?;
        let reported_on =
            opt_date(Some(&get("reported_on")), "plans.reported_on")?.unwrap_or_else(today);
        let file = match file {
            Some((name, bytes)) => Some(store_file(&st, name, &bytes)?),
            None => None,
        };
        st.store
            .task_report_add(
                &p.actor(),
                id,
                &ReportInput {
                    org_id,
                    period: get("period"),
                    reported_on,
                    percent,
                    text: get("text"),
                    file,
                },
            )
            .await?;
        Ok(())
    }
    .await;
    or_task_page(&st, ctx, &p, id, r).await
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

pub async fn comment_add(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<TextForm>,
) -> AppResult<Response> {
    st.store.task(id).await?;
    let r = st
        .store
        .task_comment_add(&p.actor(), id, &f.text)
        .await
        .map_err(AppError::from);
    or_task_page(&st, ctx, &p, id, r).await
}

#[derive(Deserialize)]
pub struct LeadForm {
    #[serde(default)]
    lead: String,
    #[serde(default)]
    reason: String,
}

pub async fn lead_change(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<LeadForm>,
) -> AppResult<Response> {
    st.store.task(id).await?;
    let r = async {
        let to = opt_id(f.lead.trim(), "plans.lead")?;
        st.store
            .task_lead_change(&p.actor(), id, to, &f.reason)
            .await?;
        Ok(())
    }
    .await;
    or_task_page(&st, ctx, &p, id, r).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

pub async fn status_set(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<StatusForm>,
) -> AppResult<Response> {
    st.store.task(id).await?;
    let r = async {
        let s = TaskStatus::parse(f.status.trim())
            .ok_or_else(|| AppError::invalid("plans.status", "error.required"))?;
        st.store.task_status_set(&p.actor(), id, s, today()).await?;
        Ok(())
    }
    .await;
    or_task_page(&st, ctx, &p, id, r).await
}

// ---------------------------------------------------------------------------------------
// Urging

#[derive(Template)]
#[template(path = "plans/urging.html")]
struct UrgingView {
    ctx: PageCtx,
    due_soon: Vec<TaskLine>,
    overdue: Vec<TaskLine>,
    reminders: Vec<ReminderRecord>,
}

pub async fn urging(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let facts = st.store.task_facts(None).await?;
    let cfg = UrgeConfig::default();
    let day = today();
    let mut soon = Vec::new();
    let mut late = Vec::new();
    for f in &facts {
        match standing(f, day, &cfg) {
            Standing::DueSoon { .. } => soon.push(f.id),
            Standing::Overdue { .. } => late.push(f.id),
            Standing::Quiet => {}
        }
    }
    let all = st.store.tasks(&TaskFilter::default()).await?;
    let (soon_t, rest): (Vec<Task>, Vec<Task>) =
        all.into_iter().partition(|t| soon.contains(&t.id));
    let late_t: Vec<Task> = rest.into_iter().filter(|t| late.contains(&t.id)).collect();
    let v = UrgingView {
        due_soon: task_lines(&st, soon_t, ctx.lang).await?,
        overdue: task_lines(&st, late_t, ctx.lang).await?,
        reminders: st.store.reminders(None, 200).await?,
        ctx,
    };
    render(&v.ctx, &v)
}

pub async fn urging_run(State(st): State<AppState>, Current(p): Current) -> AppResult<Response> {
    crate::smtp::urge(
        &st.store,
        &p.actor(),
        &SystemClock,
        &UrgeConfig::default(),
        st.smtp.as_deref(),
    )
    .await?;
    Ok(redirect_with_flash("/plans/urging", "plans.urging_done"))
}

// ---------------------------------------------------------------------------------------
// Leader view

#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    plan: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

pub struct UnitLine {
    pub unit_id: i64,
    pub unit: String,
    pub on_time: usize,
    pub late: usize,
    pub not_started: usize,
    pub last_report: String,
    pub area: String,
    pub stats_link: String,
    pub crashes: i64,
    pub deaths: i64,
    pub injured: i64,
    pub prev_crashes: i64,
    pub prev_deaths: i64,
    pub prev_injured: i64,
}

/// The crash filter of a unit's area, with a name and the statistics link's query.
pub async fn area_filter(
    st: &AppState,
    o: &Org,
) -> AppResult<Option<(CrashFilter, String, String)>> {
    let unit = match st.store.admin_unit(o.admin_scheme, &o.admin_code).await {
        Ok(u) => u,
        Err(_) => return Ok(None),
    };
    let mut f = CrashFilter::default();
    let q = match (o.admin_scheme, unit.level) {
        (Scheme::New, Level::Province) => {
            f.province = Some(o.admin_code.clone());
            String::new()
        }
        (Scheme::New, _) => {
            f.commune = Some(o.admin_code.clone());
            format!("commune={}", o.admin_code)
        }
        (Scheme::Old, Level::District) => {
            f.old_district = Some(o.admin_code.clone());
            format!("old_district={}", o.admin_code)
        }
        (Scheme::Old, Level::Commune) => {
            let c = st
                .store
                .admin_current_commune(&o.admin_code)
                .await?
                .unwrap_or_else(|| o.admin_code.clone());
            f.commune = Some(c.clone());
            format!("commune={c}")
        }
        // An old province: not compared (its area is now part of a new province).
        (Scheme::Old, Level::Province) => return Ok(None),
    };
    Ok(Some((f, unit.name, q)))
}

#[derive(Template)]
#[template(path = "plans/leader.html")]
struct LeaderView {
    ctx: PageCtx,
    plans: Vec<Plan>,
    plan: Option<i64>,
    from: String,
    to: String,
    units: Vec<UnitLine>,
    // events (issue 10): congestion and parking in the same period
    congestion: Vec<(String, String)>,
    ongoing: i64,
    parking: Vec<super::events::OccRow>,
}

fn period(q: &PeriodQuery) -> AppResult<(Date, Date)> {
    let to = opt_date(q.to.as_deref(), "plans.to")?.unwrap_or_else(today);
    let from = opt_date(q.from.as_deref(), "plans.from")?
        .unwrap_or_else(|| Date::new(to.year(), 1, 1).unwrap_or(to));
    if to < from {
        return Err(AppError::invalid("plans.to", "error.period_reversed"));
    }
    Ok((from, to))
}

async fn unit_lines(
    st: &AppState,
    plan: Option<i64>,
    from: Date,
    to: Date,
    lang: Lang,
) -> AppResult<Vec<UnitLine>> {
    let tasks = st
        .store
        .tasks(&TaskFilter {
            plan_id: plan,
            ..Default::default()
        })
        .await?;
    let lines = task_lines(st, tasks, lang).await?;
    let mut order: Vec<i64> = Vec::new();
    let mut by_unit: HashMap<i64, Vec<&TaskLine>> = HashMap::new();
    for l in &lines {
        if !by_unit.contains_key(&l.task.lead.id) {
            order.push(l.task.lead.id);
        }
        by_unit.entry(l.task.lead.id).or_default().push(l);
    }
    let mut out = Vec::new();
    for uid in order {
        let org = st.store.org(uid).await?;
        let ls = &by_unit[&uid];
        let count = |p: Progress| ls.iter().filter(|l| l.progress == p).count();
        let last = st
            .store
            .db
            .fetch_optional(
                "SELECT MAX(reported_on) AS d FROM task_reports WHERE org_id = $1",
                &[uid.into()],
            )
            .await?
            .and_then(|r| r.opt_text("d").ok().flatten())
            .and_then(|d| d.parse::<Date>().ok())
            .map(dmy)
            .unwrap_or_else(|| "—".into());
        let mut line = UnitLine {
            unit_id: uid,
            unit: org.name.clone(),
            on_time: count(Progress::OnTime),
            late: count(Progress::Late),
            not_started: count(Progress::NotStarted),
            last_report: last,
            area: String::new(),
            stats_link: String::new(),
            crashes: 0,
            deaths: 0,
            injured: 0,
            prev_crashes: 0,
            prev_deaths: 0,
            prev_injured: 0,
        };
        if let Some((mut f, name, q)) = area_filter(st, &org).await? {
            f.from = Some(from.to_string());
            f.to = Some(to.to_string());
            let s = st.store.crash_stats(&f, Dim::Total).await?;
            line.area = name;
            line.stats_link = format!("/crashes/stats?from={from}&to={to}&{q}");
            line.crashes = s.total.crashes;
            line.deaths = s.total.deaths;
            line.injured = s.total.injured;
            line.prev_crashes = s.total.prev_crashes;
            line.prev_deaths = s.total.prev_deaths;
            line.prev_injured = s.total.prev_injured;
        }
        out.push(line);
    }
    Ok(out)
}

pub async fn leader(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let (from, to) = period(&q)?;
    let plan = opt_id(q.plan.as_deref().unwrap_or("").trim(), "plan")?;
    let congestion = st.store.congestion_stats(from, to).await?;
    let occupancy = st.store.parking_occupancy(from, to).await?;
    let v = LeaderView {
        plans: st.store.plans(None).await?,
        units: unit_lines(&st, plan, from, to, ctx.lang).await?,
        congestion: super::events::duration_lines(&ctx, &congestion.durations, true),
        ongoing: congestion.ongoing,
        parking: super::events::occ_rows(&ctx, &occupancy),
        plan,
        from: from.to_string(),
        to: to.to_string(),
        ctx,
    };
    render(&v.ctx, &v)
}

// ---------------------------------------------------------------------------------------
// Consolidated report

#[derive(Template)]
#[template(path = "plans/report.html")]
struct ReportView {
    ctx: PageCtx,
    plan: Plan,
    from: String,
    to: String,
    number: String,
    layout: String,
    body: String,
    reports: Vec<PlanReport>,
    error: Option<String>,
}

fn party_issuer(st_org: &Option<Org>) -> bool {
    st_org.as_ref().is_some_and(|o| o.kind.is_party())
}

/// The draft text: the units' reports in the period, task by task.
async fn draft_body(
    st: &AppState,
    plan: &Plan,
    from: Date,
    to: Date,
    lang: Lang,
) -> AppResult<String> {
    let reports = st.store.plan_reports_between(plan.id, from, to).await?;
    let tasks: HashMap<i64, Task> = st
        .store
        .tasks(&TaskFilter {
            plan_id: Some(plan.id),
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let mut s = String::new();
    if reports.is_empty() {
        s.push_str(t(lang, "plans.report_no_reports"));
        s.push('\n');
        return Ok(s);
    }
    s.push_str(&tf(
        lang,
        "plans.report_opening",
        &[
            ("from", &dmy(from)),
            ("to", &dmy(to)),
            ("count", &reports.len().to_string()),
        ],
    ));
    s.push_str("\n\n");
    for r in &reports {
        let task = tasks.get(&r.task_id);
        let label = task
            .and_then(|t| t.item_label.clone())
            .map(|l| format!("{l} "))
            .unwrap_or_default();
        let title = task.map(|t| t.title.as_str()).unwrap_or("");
        s.push_str(&format!(
            "- {}: {label}{title} — {} ({}%, {}).\n",
            r.unit.name,
            r.text.trim().trim_end_matches('.'),
            r.percent,
            r.reported_on
                .parse::<Date>()
                .map(dmy)
                .unwrap_or_else(|_| r.reported_on.clone())
        ));
    }
    Ok(s)
}

async fn report_defaults(st: &AppState, plan: &Plan) -> AppResult<(bool, String)> {
    let issuer = match plan.issuer_org_id {
        Some(o) => Some(st.store.org(o).await?),
        None => None,
    };
    let party = party_issuer(&issuer);
    let number = if party {
        "Số     -BC/HU"
    } else {
        "Số:      /BC-UBND"
    };
    Ok((party, number.to_string()))
}

pub async fn report_form(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<PeriodQuery>,
) -> AppResult<Response> {
    let plan = st.store.plan(id).await?;
    let (from, to) = period(&q)?;
    let (party, number) = report_defaults(&st, &plan).await?;
    let v = ReportView {
        body: draft_body(&st, &plan, from, to, ctx.lang).await?,
        reports: st.store.plan_reports(id).await?,
        from: from.to_string(),
        to: to.to_string(),
        number,
        layout: if party { "party" } else { "state" }.into(),
        plan,
        error: None,
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    layout: String,
    #[serde(default)]
    body: String,
}

/// Builds the consolidated report as DOCX: the edited text, the three-criteria table of
/// the issuer's area and the table of late tasks.
#[allow(clippy::too_many_arguments)]
async fn build_docx(
    st: &AppState,
    plan: &Plan,
    from: Date,
    to: Date,
    number: &str,
    layout: Layout,
    body: &str,
    lang: Lang,
) -> AppResult<Vec<u8>> {
    let issuer = match plan.issuer_org_id {
        Some(o) => Some(st.store.org(o).await?),
        None => None,
    };
    let parent = match issuer.as_ref().and_then(|o| o.parent_id) {
        Some(p) => st.store.org(p).await.map(|o| o.name).unwrap_or_default(),
        None => String::new(),
    };
    let mut blocks = vec![Block::Heading(format!(
        "I. {}",
        t(lang, "plans.report_section_tasks")
    ))];
    for para in body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        let lines: Vec<&str> = para
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        if lines.iter().all(|l| l.starts_with("- ")) {
            blocks.push(Block::Bullets(
                lines
                    .iter()
                    .map(|l| l.trim_start_matches("- ").to_string())
                    .collect(),
            ));
        } else {
            blocks.push(Block::Para(lines.join(" ")));
        }
    }
    blocks.push(Block::Heading(format!(
        "II. {}",
        t(lang, "plans.report_section_criteria")
    )));
    let area = match &issuer {
        Some(o) => area_filter(st, o).await?,
        None => None,
    };
    let (mut f, area_name) = match area {
        Some((f, name, _)) => (f, name),
        None => (
            CrashFilter::default(),
            t(lang, "common.whole_country").to_string(),
        ),
    };
    f.from = Some(from.to_string());
    f.to = Some(to.to_string());
    let s = st.store.crash_stats(&f, Dim::Total).await?.total;
    blocks.push(Block::Para(format!(
        "{}: {area_name}.",
        t(lang, "plans.area")
    )));
    let change = |now: i64, before: i64| {
        let d = now - before;
        if d > 0 {
            format!("+{}", format_int(d, lang))
        } else if d < 0 {
            format!("−{}", format_int(-d, lang))
        } else {
            "0".into()
        }
    };
    blocks.push(Block::Table {
        header: vec![
            t(lang, "plans.report_criterion").into(),
            t(lang, "plans.report_this_period").into(),
            t(lang, "plans.report_prev_period").into(),
            t(lang, "plans.report_change").into(),
        ],
        rows: vec![
            vec![
                t(lang, "plans.crashes").into(),
                format_int(s.crashes, lang),
                format_int(s.prev_crashes, lang),
                change(s.crashes, s.prev_crashes),
            ],
            vec![
                t(lang, "plans.deaths").into(),
                format_int(s.deaths, lang),
                format_int(s.prev_deaths, lang),
                change(s.deaths, s.prev_deaths),
            ],
            vec![
                t(lang, "plans.injured").into(),
                format_int(s.injured, lang),
                format_int(s.prev_injured, lang),
                change(s.injured, s.prev_injured),
            ],
        ],
        widths_pct: vec![40, 20, 20, 20],
    });
    let late: Vec<TaskLine> = task_lines(
        st,
        st.store
            .tasks(&TaskFilter {
                plan_id: Some(plan.id),
                ..Default::default()
            })
            .await?,
        lang,
    )
    .await?
    .into_iter()
    .filter(|l| l.progress == Progress::Late)
    .collect();
    if !late.is_empty() {
        blocks.push(Block::Heading(format!(
            "III. {}",
            t(lang, "plans.report_section_late")
        )));
        blocks.push(Block::Table {
            header: vec![
                t(lang, "plans.task").into(),
                t(lang, "plans.lead").into(),
                t(lang, "plans.due").into(),
            ],
            rows: late
                .iter()
                .map(|l| {
                    vec![
                        format!(
                            "{}{}",
                            l.task
                                .item_label
                                .as_ref()
                                .map(|x| format!("{x} "))
                                .unwrap_or_default(),
                            l.task.title
                        ),
                        l.task.lead.name.clone(),
                        l.task
                            .due_date()
                            .map(dmy)
                            .unwrap_or_else(|| l.standing.clone()),
                    ]
                })
                .collect(),
            widths_pct: vec![50, 30, 20],
        });
    }
    let place = match &issuer {
        Some(o) => st
            .store
            .admin_unit(o.admin_scheme, &o.admin_code)
            .await
            .map(|a| {
                a.name
                    .split_whitespace()
                    .skip(1)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default(),
        None => String::new(),
    };
    let doc = AdminDoc {
        layout,
        issuer_parent: party_parent(&parent, layout).to_uppercase(),
        issuer: issuer
            .as_ref()
            .map(|o| o.name.to_uppercase())
            .unwrap_or_else(|| plan.issuer_name.to_uppercase()),
        number: number.trim().to_string(),
        place_date: place_date(&place, today(), lang),
        title: "BÁO CÁO".into(),
        subtitle: tf(
            lang,
            "plans.report_heading",
            &[("plan", &sentence_title(&plan.title))],
        ),
        body: blocks,
        recipients: vec![
            t(lang, "plans.report_recipient").into(),
            t(lang, "plans.report_archive").into(),
        ],
        signer_title: vec![t(lang, "plans.report_signer").into()],
        signer_name: plan.signer.clone(),
        footer_note: st.store.audit_head().await?.map(|(s, h)| {
            tf(
                lang,
                "export.docx_chain_head",
                &[("head", &format!("{s}:{h}"))],
            )
        }),
    };
    Ok(crate::docx::render(&doc)?)
}

/// "KẾ HOẠCH thực hiện …" (a title as printed) → "Kế hoạch thực hiện …", to sit
/// inside a sentence.
fn sentence_title(title: &str) -> String {
    let words: Vec<&str> = title.split(' ').collect();
    let caps = words
        .iter()
        .take_while(|w| w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_lowercase))
        .count();
    if caps == 0 || caps == words.len() {
        return title.to_string();
    }
    let mut out: Vec<String> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if i < caps {
            let lower = w.to_lowercase();
            if i == 0 {
                let mut c = lower.chars();
                out.push(
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect())
                        .unwrap_or_default(),
                );
            } else {
                out.push(lower);
            }
        } else {
            out.push(w.to_string());
        }
    }
    out.join(" ")
}

/// Party documents name the Party organisation above the issuer ("ĐẢNG BỘ TỈNH …"),
/// not its committee ("Tỉnh ủy …").
fn party_parent(parent: &str, layout: Layout) -> String {
    if layout != Layout::Party {
        return parent.to_string();
    }
    for (committee, body) in [
        ("Tỉnh ủy ", "Đảng bộ tỉnh "),
        ("Huyện ủy ", "Đảng bộ huyện "),
    ] {
        if let Some(rest) = parent.strip_prefix(committee) {
            return format!("{body}{rest}");
        }
    }
    parent.to_string()
}

pub async fn report_issue(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<IssueForm>,
) -> AppResult<Response> {
    let plan = st.store.plan(id).await?;
    let r: AppResult<i64> =
        async {
            let from = opt_date(Some(&f.from), "plans.from")?
                .ok_or_else(|| AppError::invalid("plans.from", "error.required"))?;
            let to = opt_date(Some(&f.to), "plans.to")?
                .ok_or_else(|| AppError::invalid("plans.to", "error.required"))?;
            if f.body.trim().is_empty() {
                return Err(AppError::invalid("plans.body", "error.required"));
            }
            if f.number.trim().is_empty() {
                return Err(AppError::invalid("plans.number", "error.required"));
            }
            let layout = if f.layout == "party" {
                Layout::Party
            } else {
                Layout::State
            };
            let bytes =
                build_docx(&st, &plan, from, to, &f.number, layout, &f.body, ctx.lang).await?;
            let next = st.store.plan_reports(id).await?.len() + 1;
            let file = store_file(
                &st,
                format!("bao-cao-tong-hop-{}-lan-{next}.docx", plan.id),
                &bytes,
            )?;
            let rep = st
            .store
            .plan_report_issue(
                &p.actor(),
                id,
                from,
                to,
                &f.number,
                if layout == Layout::Party { "party" } else { "state" },
                &f.body,
                &StoredFile {
                    mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                        .into(),
                    ..file
                },
            )
            .await?;
            Ok(rep.version)
        }
        .await;
    match r {
        Ok(v) => Ok(redirect_with_flash(
            &format!("/plans/{id}/report#v{v}"),
            "plans.issued",
        )),
        Err(e @ AppError::Invalid { .. }) => {
            let v = ReportView {
                reports: st.store.plan_reports(id).await?,
                from: f.from,
                to: f.to,
                number: f.number,
                layout: f.layout,
                body: f.body,
                plan,
                error: Some(e.message(ctx.lang)),
                ctx,
            };
            Ok(unprocessable(render(&v.ctx, &v)?))
        }
        Err(e) => Err(e),
    }
}

/// An issued version, as it was issued.
pub async fn report_get(
    State(st): State<AppState>,
    Path((id, version)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let r = st
        .store
        .plan_reports(id)
        .await?
        .into_iter()
        .find(|r| r.version == version)
        .ok_or(AppError::NotFound)?;
    let bytes = st.files.get(&r.sha256).map_err(|_| AppError::NotFound)?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &format!("bao-cao-tong-hop-{id}-lan-{version}.docx"),
    ))
}

/// Whether the signed-in person may manage plans (templates).
pub fn can_manage(ctx: &PageCtx) -> bool {
    ctx.can(Perm::PlansManage)
}
