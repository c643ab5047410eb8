//! The data hub's pages: search by plate (any spelling), licence number or — for the
//! roles allowed personal data, with a stated purpose — an owner's ID number or name;
//! the vehicle page (registration and its history, certificates, badges, measurements,
//! violations, crashes, flags); the licence page with its points; the firing
//! cross-checks with their legal basis; the personal-data access log with a data
//! subject's history as CSV.
//!
//! Security-sensitive: owners' and holders' data is read only through the store's
//! logged reads, only for `HubPersonal`, and only once a purpose is given.

use crate::auth::Current;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::view::{PageCtx, render};
use askama::Template;
use atgt_core::auth::Perm;
use atgt_core::hub::PURPOSES;
use atgt_core::hub::checks::{CODES, Finding};
use atgt_store::hub::access::AccessEntry;
use atgt_store::hub::{Hit, HolderView, LicenceRecord, OwnerView, VehicleFile};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    q: Option<String>,
    purpose: Option<String>,
}

#[derive(Template)]
#[template(path = "hub_search.html")]
struct SearchView {
    ctx: PageCtx,
    q: String,
    purpose: String,
    purposes: &'static [&'static str],
    hits: Vec<Hit>,
    searched: bool,
    /// The query names a person (ID number or name) and needs a purpose.
    needs_purpose: bool,
    counts: Vec<(&'static str, i64)>,
}

/// Whether a query is a plate or a licence number (no person named).
fn names_a_person(q: &str) -> bool {
    let q = q.trim();
    if q.is_empty() || atgt_core::plates::Plate::parse(q).is_readable() {
        return false;
    }
    // Licence numbers are 12 digits too, like ID numbers: both are tried, the ID-number
    // part only with a purpose.
    true
}

pub async fn search(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<SearchQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let text = q.q.clone().unwrap_or_default();
    let purpose = q.purpose.clone().unwrap_or_default();
    let personal = p.allows(Perm::HubPersonal);
    let mut needs_purpose = false;
    let hits = if text.trim().is_empty() {
        Vec::new()
    } else if personal && names_a_person(&text) && !purpose.is_empty() {
        st.store
            .hub_search_logged(&p.actor(), &text, &purpose, "page")
            .await?
    } else {
        needs_purpose = personal && names_a_person(&text);
        st.store.hub_search(&text, false).await?
    };
    let v = SearchView {
        searched: !text.trim().is_empty(),
        q: text,
        purpose,
        purposes: PURPOSES,
        hits,
        needs_purpose,
        counts: st.store.hub_counts().await?,
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Deserialize, Default)]
pub struct PurposeQuery {
    purpose: Option<String>,
}

#[derive(Template)]
#[template(path = "hub_vehicle.html")]
struct VehicleView {
    ctx: PageCtx,
    f: VehicleFile,
    flags: Vec<Finding>,
    owner: Option<OwnerView>,
    purpose: String,
    purposes: &'static [&'static str],
    can_personal: bool,
    can_flags: bool,
}

pub async fn vehicle(
    State(st): State<AppState>,
    Current(p): Current,
    Path(plate): Path<String>,
    Query(q): Query<PurposeQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let f = st
        .store
        .hub_vehicle_file(&plate)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_personal = p.allows(Perm::HubPersonal);
    let can_flags = p.allows(Perm::HubFlagsRead);
    let purpose = q.purpose.unwrap_or_default();
    let owner = if can_personal && !purpose.is_empty() {
        st.store
            .hub_owner_read(&p.actor(), &f.vehicle.plate_key, &purpose, "page")
            .await?
    } else {
        None
    };
    let flags = if can_flags {
        let today = atgt_core::time::local_date(jiff::Timestamp::now());
        st.store.hub_flags(&f.vehicle.plate_key, today).await?
    } else {
        Vec::new()
    };
    let v = VehicleView {
        ctx,
        f,
        flags,
        owner,
        purpose,
        purposes: PURPOSES,
        can_personal,
        can_flags,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "hub_licence.html")]
struct LicenceView {
    ctx: PageCtx,
    l: LicenceRecord,
    points: i64,
    deductions: Vec<(String, i64)>,
    holder: Option<HolderView>,
    purpose: String,
    purposes: &'static [&'static str],
    can_personal: bool,
}

pub async fn licence(
    State(st): State<AppState>,
    Current(p): Current,
    Path(no): Path<String>,
    Query(q): Query<PurposeQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let l = st.store.hub_licence(&no).await?.ok_or(AppError::NotFound)?;
    let points = crate::api::hub::licence_points(&st, &l.licence_no).await?;
    let deductions = st
        .store
        .licence_deductions(&l.licence_no)
        .await?
        .into_iter()
        .map(|(d, n)| (atgt_core::time::format_date(d), n))
        .collect();
    let can_personal = p.allows(Perm::HubPersonal);
    let purpose = q.purpose.unwrap_or_default();
    let holder = if can_personal && !purpose.is_empty() {
        st.store
            .hub_holder_read(&p.actor(), &l.licence_no, &purpose, "page")
            .await?
    } else {
        None
    };
    let v = LicenceView {
        ctx,
        l,
        points,
        deductions,
        holder,
        purpose,
        purposes: PURPOSES,
        can_personal,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "hub_checks.html")]
struct ChecksView {
    ctx: PageCtx,
    /// (code, findings) in the order of the codes.
    groups: Vec<(&'static str, Vec<Finding>)>,
}

/// The firing cross-checks today, by check, each with its legal basis.
pub async fn checks(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let today = atgt_core::time::local_date(jiff::Timestamp::now());
    let all = st.store.hub_findings(today).await?;
    let groups = CODES
        .iter()
        .map(|c| (*c, all.iter().filter(|f| f.code == *c).cloned().collect()))
        .collect();
    let v = ChecksView { ctx, groups };
    render(&v.ctx, &v)
}

#[derive(Deserialize, Default)]
pub struct AccessQuery {
    subject: Option<String>,
}

#[derive(Template)]
#[template(path = "hub_access.html")]
struct AccessView {
    ctx: PageCtx,
    subject: String,
    entries: Vec<AccessEntry>,
}

/// The access log: a data subject's history, or the latest reads.
pub async fn access(
    State(st): State<AppState>,
    Query(q): Query<AccessQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let subject = q.subject.unwrap_or_default().trim().to_string();
    let entries = st.store.pd_access(&subject, 500).await?;
    let v = AccessView {
        ctx,
        subject,
        entries,
    };
    render(&v.ctx, &v)
}

/// A cell that a spreadsheet would read as a formula is prefixed with a quote.
fn defuse(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A data subject's access history as CSV (Law 91/2025: the subject may ask who read
/// their data, when and why).
pub async fn access_csv(
    State(st): State<AppState>,
    Query(q): Query<AccessQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let subject = q.subject.unwrap_or_default().trim().to_string();
    let entries = st.store.pd_access(&subject, 100_000).await?;
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let head = [
            "hub.access_at",
            "hub.access_actor",
            "hub.access_subject",
            "hub.access_record",
            "hub.access_fields",
            "hub.access_purpose",
            "hub.access_via",
        ];
        let _ = w.write_record(head.iter().map(|k| ctx.t(k)));
        for e in &entries {
            let _ = w.write_record([
                ctx.fmt_time(&e.at_us),
                defuse(&format!(
                    "{} ({}:{})",
                    e.actor_name, e.actor_kind, e.actor_id
                )),
                defuse(&e.subject_id),
                defuse(&e.record),
                e.fields.clone(),
                ctx.label("hub.purpose", &e.purpose),
                e.via.clone(),
            ]);
        }
        let _ = w.flush();
    }
    let name = if subject.is_empty() {
        "nhat-ky-truy-cap.csv".to_string()
    } else {
        format!(
            "nhat-ky-truy-cap-{}.csv",
            subject
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        out,
    )
        .into_response())
}

/// Logs a read of a crash's people (ages, injuries, alcohol results) or photos in the
/// personal-data access log; the purpose is the crash registry's own.
pub async fn log_crash_read(
    st: &AppState,
    p: &crate::auth::Principal,
    crash_id: i64,
    fields: &str,
    via: &str,
) -> AppResult<()> {
    let subject = format!("crash:{crash_id}");
    st.store
        .pd_log(
            &p.actor(),
            &atgt_store::hub::access::AccessRead {
                subject_kind: "crash_people",
                subject_id: &subject,
                record: &subject,
                fields,
                purpose: "crash_investigation",
                via,
            },
        )
        .await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "hub_rules.html")]
struct RulesView {
    ctx: PageCtx,
    content: String,
    error: Option<String>,
    edited: bool,
}

/// The cross-checks' rule file (legal basis, validity, tolerances), editable by an
/// administrator; the bundled `data/rules/hub-checks.toml` until then.
pub async fn rules_form(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let edited = st
        .store
        .rule_file(atgt_store::hub::checks::RULES_NAME)
        .await?;
    let v = RulesView {
        edited: edited.is_some(),
        content: edited.unwrap_or_else(|| atgt_core::hub::checks::DEFAULT_RULES.to_string()),
        error: None,
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Deserialize)]
pub struct RulesForm {
    #[serde(default)]
    content: String,
}

pub async fn rules_save(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    axum::Form(f): axum::Form<RulesForm>,
) -> AppResult<Response> {
    let result = st
        .store
        .rule_file_set(
            &p.actor(),
            atgt_store::hub::checks::RULES_NAME,
            &f.content,
            atgt_core::hub::checks::DEFAULT_RULES,
            |s| atgt_core::hub::checks::CheckRules::parse(s).map(|_| ()),
        )
        .await;
    match result {
        Ok(()) => Ok(crate::view::redirect_with_flash(
            "/admin/rules/hub-checks",
            "common.saved",
        )),
        Err(e) => {
            let e = AppError::from(e);
            if !matches!(e, AppError::Invalid { .. }) {
                return Err(e);
            }
            let v = RulesView {
                content: f.content,
                error: Some(e.message(ctx.lang)),
                edited: true,
                ctx,
            };
            let mut r = render(&v.ctx, &v)?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}
