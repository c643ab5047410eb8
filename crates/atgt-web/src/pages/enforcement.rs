//! Cameras and violation processing pages: the dashboard (cameras with uptime and a
//! map, cases by state, overdue notices, officers' dismissal and downgrade rates), a
//! case with its evidence, history and the actions the workflow allows, the notice
//! letter (DOCX), the patrol entry form (usable on a phone) and licence points.
//! Security-sensitive: violation records are personal data (EnforcementRead).

use crate::auth::Current;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::view::{PageCtx, redirect_with_flash, render};
use askama::Template;
use atgt_core::auth::Perm;
use atgt_core::enforcement::{Action, CaseState, notice_due, points_on};
use atgt_core::plates::Plate;
use atgt_core::time::{format_local, from_micros, local_date};
use atgt_store::enforcement::{
    Camera, Case, CaseEvent, CaseFilter, NewCase, OfficerRates, StoredRead,
};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

fn when(us: i64) -> String {
    format_local(from_micros(us))
}

pub struct CaseRow {
    pub case: Case,
    pub when: String,
    pub due: String,
    pub overdue: bool,
}

impl CaseRow {
    pub fn kind_key(&self) -> String {
        format!("case_kind.{}", self.case.kind)
    }
}

fn case_row(c: Case, deadline_days: i64) -> CaseRow {
    let d = local_date(from_micros(c.detected_at_us));
    let due = d
        .checked_add(jiff::Span::new().days(deadline_days))
        .unwrap_or(d);
    let today = local_date(jiff::Timestamp::now());
    let overdue = matches!(
        c.state,
        CaseState::Detected | CaseState::Reviewed | CaseState::Confirmed
    ) && today > due;
    CaseRow {
        when: when(c.detected_at_us),
        due: atgt_core::time::format_date(due),
        overdue,
        case: c,
    }
}

#[derive(Template)]
#[template(path = "enforcement/dashboard.html")]
struct DashboardView {
    ctx: PageCtx,
    cameras: Vec<Camera>,
    counts: Vec<(CaseState, i64)>,
    cases: Vec<CaseRow>,
    overdue: Vec<CaseRow>,
    rates: Vec<OfficerRates>,
    unreadable: Vec<StoredRead>,
    reads: i64,
    rules_admin: bool,
    state: String,
    plate: String,
}

#[derive(Deserialize, Default)]
pub struct DashQuery {
    state: Option<String>,
    plate: Option<String>,
}

pub async fn dashboard(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let catalog = st.store.catalog().await?;
    let days = catalog.notice.deadline_days;
    let cameras = st.store.cameras(atgt_store::now_us()).await?;
    let f = CaseFilter {
        state: q.state.as_deref().and_then(CaseState::parse),
        plate: q.plate.clone().filter(|p| !p.trim().is_empty()),
        overdue_before_us: None,
    };
    let (cases, _) = st.store.cases(&f, 100, 0).await?;
    let cutoff = atgt_store::now_us() - days * 86_400_000_000;
    let (overdue, _) = st
        .store
        .cases(
            &CaseFilter {
                overdue_before_us: Some(cutoff),
                ..Default::default()
            },
            50,
            0,
        )
        .await?;
    let v = DashboardView {
        cameras,
        counts: st.store.case_counts().await?,
        cases: cases.into_iter().map(|c| case_row(c, days)).collect(),
        overdue: overdue.into_iter().map(|c| case_row(c, days)).collect(),
        rates: st.store.officer_rates().await?,
        unreadable: st.store.unreadable_reads(20).await?,
        reads: st.store.reads_count().await?,
        rules_admin: ctx.can(atgt_core::auth::Perm::RulesManage),
        state: q.state.unwrap_or_default(),
        plate: q.plate.unwrap_or_default(),
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "enforcement/case.html")]
struct CaseView {
    ctx: PageCtx,
    row: CaseRow,
    behaviour_text: String,
    provision: String,
    fine_range: String,
    points: i64,
    extra: String,
    reads: Vec<(StoredRead, String)>,
    events: Vec<(CaseEvent, String)>,
    behaviours: Vec<(String, String)>,
    pending: String,
    flags: Vec<atgt_core::hub::checks::Finding>,
}

pub async fn case_page(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let catalog = st.store.catalog().await?;
    let c = st.store.case(id).await?;
    // The hub's cross-checks of the vehicle (and licence) for the roles that see them.
    let flags = if p.allows(Perm::HubFlagsRead) {
        st.store.hub_case_flags(&c).await?
    } else {
        Vec::new()
    };
    let b = catalog.get(&c.behaviour).cloned();
    let reads = st
        .store
        .reads_by_id(&c.read_ids())
        .await?
        .into_iter()
        .map(|r| {
            let w = when(r.read_at_us);
            (r, w)
        })
        .collect();
    let events = st
        .store
        .case_events(id)
        .await?
        .into_iter()
        .map(|e| {
            let w = when(e.at_us);
            (e, w)
        })
        .collect();
    let pending = match &c.pending {
        Some(atgt_core::enforcement::Pending::Dismiss { reason, .. }) => {
            format!("{}: {reason}", ctx.t("enforcement.pending_dismiss"))
        }
        Some(atgt_core::enforcement::Pending::Downgrade {
            behaviour, reason, ..
        }) => {
            format!(
                "{} → {behaviour}: {reason}",
                ctx.t("enforcement.pending_downgrade")
            )
        }
        None => String::new(),
    };
    let v = CaseView {
        behaviour_text: b.as_ref().map(|b| b.text.clone()).unwrap_or_default(),
        provision: b
            .as_ref()
            .map(|b| {
                format!(
                    "{} — {}",
                    b.provision(),
                    catalog
                        .edition(local_date(from_micros(c.detected_at_us)))
                        .document
                )
            })
            .unwrap_or_default(),
        fine_range: b
            .as_ref()
            .map(|b| format!("{} – {} đ", ctx.money(&b.fine_min), ctx.money(&b.fine_max)))
            .unwrap_or_default(),
        points: b.as_ref().map(|b| b.points).unwrap_or(0),
        extra: b.as_ref().map(|b| b.extra.clone()).unwrap_or_default(),
        behaviours: catalog
            .behaviour
            .iter()
            .filter(|x| {
                b.as_ref()
                    .is_some_and(|b| b.group == x.group && b.vehicle == x.vehicle)
            })
            .map(|x| (x.code.clone(), format!("{} ({})", x.text, x.provision())))
            .collect(),
        row: case_row(c, catalog.notice.deadline_days),
        reads,
        events,
        pending,
        flags,
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Deserialize)]
pub struct ActionForm {
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    behaviour: String,
    #[serde(default)]
    measured: String,
    #[serde(default)]
    fine_vnd: String,
}

pub async fn case_action(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<ActionForm>,
) -> AppResult<Response> {
    let num = |s: &str, field: &str| -> AppResult<Option<f64>> {
        let s = s.trim().replace(',', ".");
        if s.is_empty() {
            return Ok(None);
        }
        s.parse()
            .map(Some)
            .map_err(|_| AppError::invalid(field, "error.bad_number"))
    };
    let a = match f.action.as_str() {
        "review" => Action::Review,
        "confirm" => Action::Confirm,
        "send_notice" => Action::SendNotice,
        "decide" => Action::Decide {
            fine_vnd: f
                .fine_vnd
                .trim()
                .replace(['.', ' '], "")
                .parse()
                .map_err(|_| AppError::invalid("fine_vnd", "error.bad_number"))?,
        },
        "pay" => Action::Pay,
        "close" => Action::Close,
        "propose_dismiss" => Action::ProposeDismiss { reason: f.reason },
        "propose_downgrade" => Action::ProposeDowngrade {
            behaviour: f.behaviour,
            measured: num(&f.measured, "measured")?,
            reason: f.reason,
        },
        "approve" => Action::Approve,
        "reject" => Action::Reject { reason: f.reason },
        _ => return Err(AppError::invalid("action", "error.bad_request")),
    };
    let rank = p.user().map(|u| u.role.rank()).ok_or(AppError::Forbidden)?;
    st.store.case_act(&p.actor(), rank, id, &a).await?;
    Ok(redirect_with_flash(
        &format!("/enforcement/cases/{id}"),
        "enforcement.saved",
    ))
}

/// The notice to the vehicle owner (Circular 73/2024 Art. 24) as DOCX.
pub async fn notice_docx(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    use crate::docx::{AdminDoc, Block, Layout, render as docx};
    let catalog = st.store.catalog().await?;
    let c = st.store.case(id).await?;
    let b = catalog
        .get(&c.behaviour)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let d = local_date(from_micros(c.detected_at_us));
    let due = notice_due(d, &catalog.notice);
    let today = local_date(jiff::Timestamp::now());
    let reads = st.store.reads_by_id(&c.read_ids()).await?;
    let mut rows: Vec<Vec<String>> = reads
        .iter()
        .map(|r| {
            vec![
                when(r.read_at_us),
                r.camera_id.clone(),
                r.plate_display.clone(),
                r.speed_kmh.map(|s| format!("{s:.0}")).unwrap_or_default(),
            ]
        })
        .collect();
    if rows.is_empty() {
        rows.push(vec![
            when(c.detected_at_us),
            String::new(),
            c.plate_display.clone(),
            String::new(),
        ]);
    }
    let doc = AdminDoc {
        layout: Layout::State,
        issuer_parent: "CÔNG AN TỈNH KHÁNH HÒA".into(),
        issuer: "PHÒNG CẢNH SÁT GIAO THÔNG".into(),
        number: format!("Số: {id}/TB-CSGT"),
        place_date: format!("Khánh Hòa, ngày {} tháng {} năm {}", today.day(), today.month(), today.year()),
        title: "THÔNG BÁO".into(),
        subtitle: "Về việc phương tiện vi phạm hành chính được phát hiện qua phương tiện, thiết bị kỹ thuật nghiệp vụ".into(),
        body: vec![
            Block::Para(format!("Căn cứ {} {}, Phòng Cảnh sát giao thông thông báo: phương tiện mang biển số {} đã vi phạm hành vi \"{}\", quy định tại {} {}.", catalog.notice.provision, catalog.notice.document, c.plate_display, b.text, b.provision(), catalog.edition(d).document)),
            Block::Table { header: vec!["Thời gian".into(), "Thiết bị".into(), "Biển số".into(), "Tốc độ (km/h)".into()], rows, widths_pct: vec![30, 25, 25, 20] },
            Block::Para(format!("Mức phạt tiền theo quy định: từ {} đến {} đồng{}.", ctx.money(&b.fine_min), ctx.money(&b.fine_max), if b.points > 0 { format!("; trừ {} điểm giấy phép lái xe", b.points) } else { String::new() })),
            Block::Para(format!("Đề nghị chủ phương tiện đến trụ sở cơ quan Công an để giải quyết trong thời hạn {} ngày kể từ ngày nhận được thông báo (thông báo phải gửi trước ngày {}).", catalog.notice.respond_days, atgt_core::time::format_date(due))),
        ],
        recipients: vec!["Chủ phương tiện".into(), "Công an xã nơi chủ phương tiện cư trú".into(), "Lưu: hồ sơ vụ việc".into()],
        signer_title: vec!["TRƯỞNG PHÒNG".into()],
        signer_name: String::new(),
        footer_note: st.store.audit_head().await?.map(|(s, h)| format!("Chuỗi kiểm toán {s}:{h}")),
    };
    let bytes = docx(&doc).map_err(AppError::Internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"thong-bao-vi-pham-{id}.docx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "enforcement/patrol.html")]
struct PatrolView {
    ctx: PageCtx,
    groups: Vec<(String, String)>,
}

const PATROL_GROUPS: &[&str] = &[
    "alcohol",
    "speeding",
    "overload",
    "bed_extension",
    "red_light",
];

pub async fn patrol_form(ctx: PageCtx) -> AppResult<Response> {
    let groups = PATROL_GROUPS
        .iter()
        .map(|g| (g.to_string(), ctx.t(format!("violation_group.{g}"))))
        .collect();
    let v = PatrolView { ctx, groups };
    render(&v.ctx, &v)
}

#[derive(Deserialize)]
pub struct PatrolForm {
    plate: String,
    group: String,
    vehicle: String,
    #[serde(default)]
    measured: String,
    #[serde(default)]
    licence_no: String,
    #[serde(default)]
    place: String,
}

/// A violation recorded by an officer on patrol: the measured value selects the band.
pub async fn patrol_submit(
    State(st): State<AppState>,
    Current(p): Current,
    axum::Form(f): axum::Form<PatrolForm>,
) -> AppResult<Response> {
    let plate = Plate::parse(&f.plate);
    if !plate.is_readable() {
        return Err(AppError::invalid(
            "plate",
            "enforcement_error.plate_unreadable",
        ));
    }
    let measured: Option<f64> = match f.measured.trim().replace(',', ".") {
        s if s.is_empty() => None,
        s => Some(
            s.parse()
                .map_err(|_| AppError::invalid("measured", "error.bad_number"))?,
        ),
    };
    let catalog = st.store.catalog().await?;
    let b = catalog
        .select(&f.group, &f.vehicle, measured)
        .ok_or_else(|| AppError::invalid("measured", "enforcement_error.patrol_no_band"))?;
    let now = atgt_store::now_us();
    let ids = st
        .store
        .cases_open(
            &p.actor(),
            vec![NewCase {
                kind: "patrol".into(),
                dedup_key: format!("patrol:{}:{now}", p.actor().id),
                plate_key: plate.key(),
                plate_display: plate.display(),
                camera_id: None,
                detected_at_us: now,
                behaviour: b.code.clone(),
                measured,
                evidence: serde_json::json!({"measured": measured, "place": f.place.trim(), "officer": p.actor().name}),
                licence_no: Some(f.licence_no.trim().to_string()).filter(|s| !s.is_empty()),
                officer_id: Some(p.actor().id),
            }],
        )
        .await?;
    let id = ids.first().copied().ok_or(AppError::Conflict)?;
    Ok(redirect_with_flash(
        &format!("/enforcement/cases/{id}"),
        "enforcement.saved",
    ))
}

#[derive(Template)]
#[template(path = "enforcement/licence.html")]
struct LicenceView {
    ctx: PageCtx,
    licence: String,
    on: String,
    points: Option<i64>,
    deductions: Vec<(String, i64)>,
}

#[derive(Deserialize, Default)]
pub struct LicenceQuery {
    no: Option<String>,
    on: Option<String>,
}

/// Points of a licence on a date (Law 36/2024 Art. 58).
pub async fn licence(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<LicenceQuery>,
) -> AppResult<Response> {
    let licence = q.no.unwrap_or_default().trim().to_string();
    let on = match q.on.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => atgt_core::time::parse_date(s)
            .ok_or_else(|| AppError::invalid("on", "error.bad_date"))?,
        None => local_date(jiff::Timestamp::now()),
    };
    let (points, deductions) = if licence.is_empty() {
        (None, Vec::new())
    } else {
        let d = st.store.licence_deductions(&licence).await?;
        let rule = st.store.catalog().await?.points;
        (
            Some(points_on(&d, &[], on, &rule)),
            d.into_iter()
                .map(|(d, p)| (atgt_core::time::format_date(d), p))
                .collect(),
        )
    };
    let v = LicenceView {
        licence,
        on: atgt_core::time::format_date(on),
        points,
        deductions,
        ctx,
    };
    render(&v.ctx, &v)
}

// ---------------------------------------------------------------------------------
// Rule files of this capability (Decree 168 catalog, speed limits), editable by an
// administrator: values marked unconfirmed are corrected here without a code change.

#[derive(Template)]
#[template(path = "enforcement/rules.html")]
struct RulesView {
    ctx: PageCtx,
    name: &'static str,
    content: String,
    error: Option<String>,
    edited: bool,
}

fn rule_default(name: &str) -> &'static str {
    if name == atgt_store::enforcement::LIMITS_RULES {
        atgt_core::enforcement::DEFAULT_LIMITS
    } else {
        atgt_core::enforcement::DEFAULT_CATALOG
    }
}

fn rule_check(name: &str, s: &str) -> Result<(), String> {
    if name == atgt_store::enforcement::LIMITS_RULES {
        atgt_core::enforcement::SpeedLimits::parse(s).map(|_| ())
    } else {
        atgt_core::enforcement::Catalog::parse(s).map(|_| ())
    }
}

async fn rules_form(st: AppState, ctx: PageCtx, name: &'static str) -> AppResult<Response> {
    let edited = st.store.rule_file(name).await?;
    let v = RulesView {
        edited: edited.is_some(),
        content: edited.unwrap_or_else(|| rule_default(name).to_string()),
        error: None,
        name,
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Deserialize)]
pub struct RulesForm {
    #[serde(default)]
    content: String,
}

async fn rules_save(
    st: AppState,
    p: crate::auth::Principal,
    ctx: PageCtx,
    name: &'static str,
    content: String,
) -> AppResult<Response> {
    let result = st
        .store
        .rule_file_set(&p.actor(), name, &content, rule_default(name), |s| {
            rule_check(name, s)
        })
        .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &format!("/admin/rules/{name}"),
            "common.saved",
        )),
        Err(e) => {
            let msg = AppError::from(e).message(ctx.lang);
            let v = RulesView {
                ctx,
                name,
                content,
                error: Some(msg),
                edited: true,
            };
            let mut r = render(&v.ctx, &v)?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}

pub async fn catalog_form(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    rules_form(st, ctx, atgt_store::enforcement::CATALOG_RULES).await
}

pub async fn catalog_save(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    axum::Form(f): axum::Form<RulesForm>,
) -> AppResult<Response> {
    rules_save(
        st,
        p,
        ctx,
        atgt_store::enforcement::CATALOG_RULES,
        f.content,
    )
    .await
}

pub async fn limits_form(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    rules_form(st, ctx, atgt_store::enforcement::LIMITS_RULES).await
}

pub async fn limits_save(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    axum::Form(f): axum::Form<RulesForm>,
) -> AppResult<Response> {
    rules_save(st, p, ctx, atgt_store::enforcement::LIMITS_RULES, f.content).await
}

/// The cameras as GeoJSON points (for the map on the dashboard).
pub async fn cameras_geojson(State(st): State<AppState>) -> AppResult<Response> {
    let cams = st.store.cameras(atgt_store::now_us()).await?;
    let features: Vec<serde_json::Value> = cams
        .iter()
        .filter_map(|c| {
            Some(serde_json::json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c.lon?, c.lat?]},
                "properties": {"id": c.id, "name": format!("{} — {} ({:.0}%)", c.id, c.name, c.uptime_pct), "kind": c.kind, "status": c.status},
            }))
        })
        .collect();
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        serde_json::json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
        .into_response())
}

/// A camera image that a stored read refers to (evidence; personal data).
pub async fn image(State(st): State<AppState>, Path(sha): Path<String>) -> AppResult<Response> {
    let sha = sha.to_ascii_lowercase();
    if !st.store.read_image_known(&sha).await? {
        return Err(AppError::NotFound);
    }
    let files = st.files.clone();
    let key = sha.clone();
    let bytes = tokio::task::spawn_blocking(move || files.get(&key))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|_| AppError::NotFound)?;
    let mime = crate::files::sniff_image(&bytes).unwrap_or("application/octet-stream");
    Ok(([(header::CONTENT_TYPE, mime)], bytes).into_response())
}
