//! Black spots and potential spots: the screening page (legal rule of Circular
//! 41/2024 Art. 14 or the pre-2025 set, and the ranking methods), the spot list and
//! map (status colours, kernel density layer), a spot's page with its lifecycle
//! actions, survey photos and before/after evaluation, exports (XLSX, GeoJSON, DOCX
//! list for the proposal to the authority) and the editable rule file.

use crate::auth::{Current, Principal};
use crate::docx::{self, AdminDoc, Block};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::view::{PageCtx, redirect_with_flash, render};
use askama::Template;
use atgt_core::geo::{Point, format_km};
use atgt_core::hotspots::dbscan::dbscan;
use atgt_core::hotspots::lifecycle::{SpotAction, SpotStatus};
use atgt_core::hotspots::rank::{
    BeforeAfter, EbSite, Epdo, KdeCell, RankBy, RankedWindow, eb_screen, evaluate_treatment, kde,
    sliding_window,
};
use atgt_core::hotspots::rules::{Candidate, Period, SpotCrash, SpotRuleFile, SpotRuleSet, screen};
use atgt_core::i18n::{Lang, t, tf};
use atgt_store::StoreError;
use atgt_store::hotspots::{NewSpot, Spot, SpotEvent, SpotFilter};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;

fn today() -> Date {
    atgt_core::time::local_date(jiff::Timestamp::now())
}

/// The screening parameters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct ScreenQuery {
    /// Last day of the 12-month window (dd/mm/yyyy or YYYY-MM-DD; default today).
    #[serde(default)]
    pub end: Option<String>,
    /// Rule set id (default: the one in force on `end`).
    #[serde(default)]
    pub rule_set: Option<String>,
    /// legal, window, epdo, rate, eb or dbscan.
    #[serde(default)]
    pub method: Option<String>,
    /// "all": every 12-month window of the 5 years up to `end` (legal rule).
    #[serde(default)]
    pub scan: Option<String>,
}

pub const METHODS: [&str; 6] = ["legal", "window", "epdo", "rate", "eb", "dbscan"];

/// A DBSCAN cluster of crashes located on the map.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Cluster {
    pub label: i32,
    pub crashes: usize,
    pub lon: f64,
    pub lat: f64,
    pub crash_ids: Vec<i64>,
}

/// What a screening run gives.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Screening {
    pub method: String,
    pub rule_set: String,
    #[schema(value_type = String)]
    pub from: Date,
    #[schema(value_type = String)]
    pub to: Date,
    pub crashes: usize,
    pub candidates: Vec<Candidate>,
    pub windows: Vec<RankedWindow>,
    pub eb: Vec<EbSite>,
    pub clusters: Vec<Cluster>,
}

pub struct Screened {
    pub result: Screening,
    pub rules: SpotRuleFile,
}

/// Runs the screening the query asks for.
/// Only crashes in the asker's area scope are screened.
pub async fn run_screening(st: &AppState, p: &Principal, q: &ScreenQuery) -> AppResult<Screened> {
    let area = crate::pages::crashes::scope_filter(st, p).await?;
    let rules = st.store.spot_rules().await?;
    let end = match q.end.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => today(),
        Some(s) => atgt_core::time::parse_date(s)
            .ok_or_else(|| AppError::invalid("end", "error.bad_date"))?,
    };
    let rs: SpotRuleSet = match q.rule_set.as_deref().filter(|s| !s.is_empty()) {
        None => rules.for_date(end).clone(),
        Some(id) => rules
            .by_id(id)
            .cloned()
            .ok_or_else(|| AppError::invalid("rule_set", "error.bad_request"))?,
    };
    let method = q
        .method
        .as_deref()
        .filter(|m| METHODS.contains(m))
        .unwrap_or("legal")
        .to_string();
    let all = q.scan.as_deref() == Some("all");
    let period = if all && method == "legal" {
        Period {
            from: end
                .checked_sub(jiff::Span::new().years(5))
                .unwrap_or(end)
                .tomorrow()
                .unwrap_or(end),
            to: end,
        }
    } else {
        Period::window_ending(end, rs.window_months)
    };
    let crashes = st
        .store
        .spot_crashes_in(&area, period.from, period.to, &rules.infrastructure_causes)
        .await?;
    let years = ((period.to - period.from).get_days() as f64 + 1.0) / 365.25;
    let cfg = &rules.ranking;
    let epdo = Epdo {
        fatal: cfg.epdo_fatal,
        injury: cfg.epdo_injury,
        pdo: cfg.epdo_pdo,
    };
    let mut out = Screening {
        method: method.clone(),
        rule_set: rs.id.clone(),
        from: period.from,
        to: period.to,
        crashes: crashes.len(),
        candidates: Vec::new(),
        windows: Vec::new(),
        eb: Vec::new(),
        clusters: Vec::new(),
    };
    match method.as_str() {
        "legal" => out.candidates = screen(&rs, &crashes, period),
        "window" | "epdo" | "rate" => {
            let by = match method.as_str() {
                "window" => RankBy::Frequency,
                "epdo" => RankBy::Epdo,
                _ => RankBy::Rate,
            };
            // Rates only where the rule file gives the route's traffic volume.
            let aadt = |road: &str| cfg.aadt.get(road).copied();
            out.windows = sliding_window(
                &crashes,
                cfg.window_m,
                cfg.step_m,
                cfg.min_crashes,
                epdo,
                by,
                years,
                &aadt,
            );
            out.windows.truncate(50);
        }
        "eb" => {
            let mut extents: std::collections::BTreeMap<String, (f64, f64)> = Default::default();
            for c in &crashes {
                if let (Some(r), Some(k)) = (&c.road, c.km) {
                    let e = extents.entry(r.clone()).or_insert((k, k));
                    e.0 = e.0.min(k);
                    e.1 = e.1.max(k);
                }
            }
            let ext: Vec<(String, f64, f64)> =
                extents.into_iter().map(|(r, (a, b))| (r, a, b)).collect();
            out.eb = eb_screen(&crashes, &ext, cfg.window_m, years);
            out.eb.retain(|s| s.excess > 0.0);
            out.eb.truncate(50);
        }
        _ => out.clusters = clusters(&crashes, cfg.dbscan_eps_m, cfg.dbscan_min_points),
    }
    Ok(Screened { result: out, rules })
}

fn clusters(crashes: &[SpotCrash], eps_m: f64, min_points: usize) -> Vec<Cluster> {
    let located: Vec<&SpotCrash> = crashes
        .iter()
        .filter(|c| c.lon.is_some() && c.lat.is_some())
        .collect();
    let lon: Vec<f64> = located.iter().map(|c| c.lon.unwrap_or(0.0)).collect();
    let lat: Vec<f64> = located.iter().map(|c| c.lat.unwrap_or(0.0)).collect();
    let Ok(r) = dbscan(&lon, &lat, eps_m, min_points) else {
        return Vec::new();
    };
    let mut out: Vec<Cluster> = (0..r.clusters as i32)
        .map(|l| Cluster {
            label: l,
            crashes: 0,
            lon: 0.0,
            lat: 0.0,
            crash_ids: Vec::new(),
        })
        .collect();
    for (i, &l) in r.labels.iter().enumerate() {
        if l >= 0 {
            let c = &mut out[l as usize];
            c.crashes += 1;
            c.lon += lon[i];
            c.lat += lat[i];
            c.crash_ids.push(located[i].id);
        }
    }
    for c in &mut out {
        c.lon /= c.crashes.max(1) as f64;
        c.lat /= c.crashes.max(1) as f64;
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.crashes));
    out
}

fn place_of(road: &Option<String>, km: Option<f64>, lon: Option<f64>, lat: Option<f64>) -> String {
    match (road, km) {
        (Some(r), Some(k)) => format!("{r} {}", format_km(k)),
        _ => match (lon, lat) {
            (Some(x), Some(y)) => format!("{y:.5}, {x:.5}"),
            _ => String::new(),
        },
    }
}

fn dmy(d: &Date) -> String {
    atgt_core::time::format_date(*d)
}

fn dmy_str(s: &Option<String>) -> String {
    s.as_deref()
        .and_then(|v| v.parse::<Date>().ok())
        .map(|d| dmy(&d))
        .unwrap_or_default()
}

/// A store refusal in words, naming the field.
fn refusal(lang: Lang, e: &StoreError) -> Option<String> {
    match e {
        StoreError::Invalid { field, key, arg } => {
            let label = t(lang, &format!("hotspots.field.{field}")).to_string();
            let status = SpotStatus::parse(arg)
                .map(|s| t(lang, &s.label_key()).to_string())
                .unwrap_or_default();
            Some(tf(lang, key, &[("field", &label), ("code", &status)]))
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------
// Screening

struct CandidateRow {
    c: Candidate,
    kind_label: String,
    clause_text: String,
    place: String,
    window: String,
}

#[derive(Template)]
#[template(path = "hotspots/screening.html")]
struct ScreeningView {
    ctx: PageCtx,
    q: ScreenQuery,
    end: String,
    period: String,
    rule_sets: Vec<(String, String, bool)>,
    methods: Vec<(&'static str, String)>,
    s: Screening,
    rows: Vec<CandidateRow>,
    error: Option<String>,
}

pub async fn screening(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Query(q): Query<ScreenQuery>,
) -> AppResult<Response> {
    let (s, rules, error) = match run_screening(&st, &p, &q).await {
        Ok(x) => (x.result, x.rules, None),
        Err(e @ AppError::Invalid { .. }) => {
            let msg = e.message(ctx.lang);
            let fallback = ScreenQuery {
                method: q.method.clone(),
                ..Default::default()
            };
            let x = run_screening(&st, &p, &fallback).await?;
            (x.result, x.rules, Some(msg))
        }
        Err(e) => return Err(e),
    };
    let rs = rules
        .by_id(&s.rule_set)
        .cloned()
        .unwrap_or_else(|| rules.for_date(s.to).clone());
    let rows = s
        .candidates
        .iter()
        .map(|c| CandidateRow {
            kind_label: ctx.t(c.kind.label_key()),
            clause_text: rs
                .clause(&c.clause)
                .map(|k| k.text.clone())
                .unwrap_or_default(),
            place: place_of(&c.place.road, c.place.km, c.place.lon, c.place.lat)
                + &match (c.place.km_from, c.place.km_to) {
                    (Some(a), Some(b)) if (b - a).abs() > 1e-6 => {
                        format!(" ({} – {})", format_km(a), format_km(b))
                    }
                    _ => String::new(),
                },
            window: format!("{} – {}", dmy(&c.window_from), dmy(&c.window_to)),
            c: c.clone(),
        })
        .collect();
    let v = ScreeningView {
        end: dmy(&s.to),
        period: format!("{} – {}", dmy(&s.from), dmy(&s.to)),
        rule_sets: rules
            .rule_set
            .iter()
            .map(|r| {
                (
                    r.id.clone(),
                    format!("{} — {}", r.document, r.provision),
                    r.id == s.rule_set,
                )
            })
            .collect(),
        methods: METHODS
            .iter()
            .map(|m| (*m, ctx.t(format!("hotspots.method.{m}"))))
            .collect(),
        q,
        s,
        rows,
        error,
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    rule_set: Option<String>,
    #[serde(default)]
    scan: Option<String>,
    /// Index of the candidate in the screening result.
    #[serde(default)]
    index: usize,
    #[serde(default)]
    name: String,
}

/// Records a screening candidate as a spot (status candidate).
pub async fn create(
    State(st): State<AppState>,
    Current(p): Current,
    axum::Form(f): axum::Form<CreateForm>,
) -> AppResult<Response> {
    let q = ScreenQuery {
        end: f.end,
        rule_set: f.rule_set,
        method: Some("legal".into()),
        scan: f.scan,
    };
    let s = run_screening(&st, &p, &q).await?.result;
    let c = s
        .candidates
        .get(f.index)
        .ok_or_else(|| AppError::invalid("index", "error.bad_request"))?;
    let name = if f.name.trim().is_empty() {
        place_of(&c.place.road, c.place.km, c.place.lon, c.place.lat)
    } else {
        f.name
    };
    let spot = st
        .store
        .spot_create(&p.actor(), &NewSpot::from_candidate(&name, c))
        .await?;
    Ok(redirect_with_flash(
        &format!("/hotspots/{}", spot.id),
        "common.saved",
    ))
}

// ---------------------------------------------------------------------------------
// List and map

struct SpotRow {
    s: Spot,
    kind_label: String,
    status_label: String,
    place: String,
    deadline: String,
    overdue: bool,
}

fn spot_row(ctx: &PageCtx, s: Spot, today: Date) -> SpotRow {
    let deadline = s.deadline.as_deref().and_then(|d| d.parse::<Date>().ok());
    SpotRow {
        kind_label: ctx.t(s.kind.label_key()),
        status_label: ctx.t(s.status.label_key()),
        place: place_of(&s.road_code, s.km, s.lon, s.lat),
        deadline: dmy_str(&s.deadline),
        overdue: atgt_core::hotspots::lifecycle::overdue(s.status, deadline, today),
        s,
    }
}

#[derive(Template)]
#[template(path = "hotspots/list.html")]
struct ListView {
    ctx: PageCtx,
    rows: Vec<SpotRow>,
    statuses: Vec<(&'static str, String, String)>,
    status: String,
    overdue_only: bool,
    geojson: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    overdue: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> SpotFilter {
        SpotFilter {
            status: self.status.as_deref().and_then(SpotStatus::parse),
            road: None,
            overdue_on: self
                .overdue
                .as_deref()
                .filter(|v| !v.is_empty())
                .map(|_| today()),
        }
    }
}

pub async fn list(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let spots = st.store.spots(&q.filter()).await?;
    let geojson = spots_geojson(&spots, ctx.lang).to_string();
    let d = today();
    let v = ListView {
        rows: spots.into_iter().map(|s| spot_row(&ctx, s, d)).collect(),
        statuses: SpotStatus::ALL
            .iter()
            .map(|s| (s.as_str(), ctx.t(s.label_key()), s.colour().to_string()))
            .collect(),
        status: q.status.clone().unwrap_or_default(),
        overdue_only: q.overdue.as_deref().is_some_and(|v| !v.is_empty()),
        geojson,
        ctx,
    };
    render(&v.ctx, &v)
}

/// Spots as GeoJSON points coloured by status.
pub fn spots_geojson(spots: &[Spot], lang: Lang) -> serde_json::Value {
    let features: Vec<serde_json::Value> = spots
        .iter()
        .filter_map(|s| {
            let (lon, lat) = (s.lon?, s.lat?);
            Some(serde_json::json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "id": s.id,
                    "name": s.name,
                    "status": s.status.as_str(),
                    "kind": s.kind.as_str(),
                    "popup": format!("{} · {}", t(lang, &s.kind.label_key()), t(lang, &s.status.label_key())),
                    "color": s.status.colour(),
                    "url": format!("/hotspots/{}", s.id),
                    "clause": s.provision,
                    "crashes": s.crashes,
                    "fatal": s.fatal,
                    "injury": s.injury,
                }
            }))
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features})
}

pub async fn export_geojson(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let spots = st.store.spots(&q.filter()).await?;
    let body = spots_geojson(&spots, ctx.lang).to_string();
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body).into_response())
}

/// The kernel density of the last 12 months' located crashes, as grid squares
/// coloured by density (a map layer).
pub async fn kde_geojson(State(st): State<AppState>) -> AppResult<Response> {
    let rules = st.store.spot_rules().await?;
    let p = Period::window_ending(today(), 12);
    let crashes = st
        .store
        .spot_crashes(p.from, p.to, &rules.infrastructure_causes)
        .await?;
    let pts: Vec<(Point, f64)> = crashes
        .iter()
        .filter_map(|c| Some((Point::new(c.lon?, c.lat?), 1.0)))
        .collect();
    let cells = kde(
        &pts,
        rules.ranking.kde_bandwidth_m,
        rules.ranking.kde_cell_m,
    );
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        kde_features(&cells, rules.ranking.kde_cell_m).to_string(),
    )
        .into_response())
}

fn kde_features(cells: &[KdeCell], cell_m: f64) -> serde_json::Value {
    let max = cells.iter().map(|c| c.density).fold(0.0, f64::max);
    let dy = cell_m / 2.0 / 111_195.0;
    let features: Vec<serde_json::Value> = cells
        .iter()
        .filter(|c| max > 0.0 && c.density >= max * 0.1)
        .map(|c| {
            let dx = dy / c.lat.to_radians().cos().max(0.01);
            let level = c.density / max;
            let colour = if level > 0.66 {
                "#b42318"
            } else if level > 0.33 {
                "#e4572e"
            } else {
                "#f0a202"
            };
            serde_json::json!({
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[
                    [c.lon - dx, c.lat - dy], [c.lon + dx, c.lat - dy], [c.lon + dx, c.lat + dy],
                    [c.lon - dx, c.lat + dy], [c.lon - dx, c.lat - dy]]]},
                "properties": {"density": (c.density * 100.0).round() / 100.0, "color": colour}
            })
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features})
}

/// The spot list as XLSX.
pub async fn export_xlsx(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    use rust_xlsxwriter::{Format, Workbook};
    let spots = st.store.spots(&q.filter()).await?;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = Format::new().set_bold();
    let header = [
        "id",
        "name",
        "kind",
        "status",
        "place",
        "provision",
        "crashes",
        "fatal",
        "injury",
        "measures",
        "cost_vnd",
        "responsible_unit",
        "deadline",
    ];
    let x = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!(e));
    for (i, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, ctx.t(format!("hotspots.field.{h}")), &bold)
            .map_err(x)?;
    }
    for (r, s) in spots.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_number(r, 0, s.id as f64).map_err(x)?;
        ws.write_string(r, 1, &s.name).map_err(x)?;
        ws.write_string(r, 2, ctx.t(s.kind.label_key()))
            .map_err(x)?;
        ws.write_string(r, 3, ctx.t(s.status.label_key()))
            .map_err(x)?;
        ws.write_string(r, 4, place_of(&s.road_code, s.km, s.lon, s.lat))
            .map_err(x)?;
        ws.write_string(r, 5, &s.provision).map_err(x)?;
        ws.write_number(r, 6, s.crashes as f64).map_err(x)?;
        ws.write_number(r, 7, s.fatal as f64).map_err(x)?;
        ws.write_number(r, 8, s.injury as f64).map_err(x)?;
        ws.write_string(r, 9, &s.measures).map_err(x)?;
        if let Some(c) = s.cost_vnd {
            ws.write_number(r, 10, c as f64).map_err(x)?;
        }
        ws.write_string(r, 11, &s.responsible_unit).map_err(x)?;
        ws.write_string(r, 12, dmy_str(&s.deadline)).map_err(x)?;
    }
    let bytes = wb.save_to_buffer().map_err(x)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"diem-den.xlsx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The proposal to the competent authority: the confirmed spots with their proposed
/// treatment, as a DOCX in the Decree 30/2020 layout.
pub async fn proposal_docx(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let lang = ctx.lang;
    let spots: Vec<Spot> = st
        .store
        .spots(&SpotFilter::default())
        .await?
        .into_iter()
        .filter(|s| {
            matches!(
                s.status,
                SpotStatus::Confirmed | SpotStatus::TreatmentProposed | SpotStatus::Reopened
            )
        })
        .collect();
    let header = [
        "stt",
        "place",
        "kind",
        "provision",
        "crashes",
        "measures",
        "cost_vnd",
        "responsible_unit",
        "deadline",
    ]
    .iter()
    .map(|h| t(lang, &format!("hotspots.field.{h}")).to_string())
    .collect();
    let rows = spots
        .iter()
        .enumerate()
        .map(|(i, s)| {
            vec![
                (i + 1).to_string(),
                format!(
                    "{} ({})",
                    s.name,
                    place_of(&s.road_code, s.km, s.lon, s.lat)
                ),
                t(lang, &s.kind.label_key()).to_string(),
                s.provision.clone(),
                format!("{} / {} / {}", s.crashes, s.fatal, s.injury),
                s.measures.clone(),
                s.cost_vnd
                    .map(|c| crate::exports::format_int(c, lang))
                    .unwrap_or_default(),
                s.responsible_unit.clone(),
                dmy_str(&s.deadline),
            ]
        })
        .collect();
    let total: i64 = spots.iter().filter_map(|s| s.cost_vnd).sum();
    let d = today();
    let doc = AdminDoc {
        layout: docx::Layout::State,
        issuer_parent: String::new(),
        issuer: t(lang, "hotspots.docx_issuer").to_string(),
        number: t(lang, "hotspots.docx_number").to_string(),
        place_date: crate::exports::place_date(t(lang, "hotspots.docx_place"), d, lang),
        title: t(lang, "hotspots.docx_title").to_string(),
        subtitle: t(lang, "hotspots.docx_subtitle").to_string(),
        body: vec![
            Block::Para(tf(
                lang,
                "hotspots.docx_opening",
                &[("n", &spots.len().to_string())],
            )),
            Block::Table {
                header,
                rows,
                widths_pct: vec![5, 20, 10, 12, 9, 18, 10, 9, 7],
            },
            Block::Para(tf(
                lang,
                "hotspots.docx_total",
                &[("total", &crate::exports::format_int(total, lang))],
            )),
        ],
        recipients: vec![t(lang, "hotspots.docx_recipient").to_string()],
        signer_title: vec![t(lang, "hotspots.docx_signer").to_string()],
        signer_name: String::new(),
        footer_note: st
            .store
            .audit_head()
            .await?
            .map(|(seq, h)| format!("{seq}:{h}")),
    };
    let bytes = docx::render(&doc).map_err(AppError::Internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"de-xuat-xu-ly-diem-den.docx\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------
// A spot

struct EventRow {
    e: SpotEvent,
    when: String,
    from_label: String,
    to_label: String,
}

#[derive(Template)]
#[template(path = "hotspots/show.html")]
struct ShowView {
    ctx: PageCtx,
    row: SpotRow,
    events: Vec<EventRow>,
    photos: Vec<atgt_store::files::FileInfo>,
    actions: Vec<&'static str>,
    eval: Option<BeforeAfter>,
    error: Option<String>,
    geojson: String,
    cost: String,
    today: String,
}

fn pct(v: Option<f64>) -> String {
    v.map(|p| format!("{p:+.1} %"))
        .unwrap_or_else(|| "—".into())
}

impl ShowView {
    fn pct(&self, v: &Option<f64>) -> String {
        pct(*v)
    }
    fn num(&self, v: &f64) -> String {
        format!("{v:.2}")
    }
}

async fn show_view(
    st: &AppState,
    ctx: PageCtx,
    id: i64,
    error: Option<String>,
) -> AppResult<ShowView> {
    let s = st.store.spot(id).await?;
    let events = st
        .store
        .spot_events(id)
        .await?
        .into_iter()
        .map(|e| EventRow {
            when: ctx.fmt_time(&e.at_us),
            from_label: ctx.t(e.from_status.label_key()),
            to_label: ctx.t(e.to_status.label_key()),
            e,
        })
        .collect();
    let photos = st.store.spot_files(id).await?;
    let probe = |a: SpotAction| a.from().contains(&s.status).then_some(a.name());
    let blank = || String::new();
    let actions = [
        probe(SpotAction::Confirm {
            survey_notes: blank(),
        }),
        probe(SpotAction::ProposeTreatment {
            measures: blank(),
            cost_vnd: 0,
            responsible_unit: blank(),
            deadline: today(),
            proposal: blank(),
        }),
        probe(SpotAction::MarkTreated {
            treated_on: today(),
            note: blank(),
        }),
        probe(SpotAction::StartMonitoring { note: blank() }),
        probe(SpotAction::Close { note: blank() }),
        probe(SpotAction::Reopen { note: blank() }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let eval = match (
        &s.treated_on,
        &s.road_code,
        s.km_from.or(s.km),
        s.km_to.or(s.km),
    ) {
        (Some(d), Some(road), Some(a), Some(b)) => match d.parse::<Date>() {
            Ok(treated) => {
                let rules = st.store.spot_rules().await?;
                let from = treated
                    .checked_sub(jiff::Span::new().years(3))
                    .unwrap_or(treated);
                let crashes = st
                    .store
                    .spot_crashes(from, today(), &rules.infrastructure_causes)
                    .await?;
                Some(evaluate_treatment(
                    &crashes,
                    road,
                    a,
                    b,
                    treated,
                    today(),
                    rules.ranking.window_m,
                ))
            }
            Err(_) => None,
        },
        _ => None,
    };
    let geojson = spots_geojson(std::slice::from_ref(&s), ctx.lang).to_string();
    let cost = s.cost_vnd.map(|c| ctx.money(&c)).unwrap_or_default();
    let row = spot_row(&ctx, s, today());
    Ok(ShowView {
        row,
        events,
        photos,
        actions,
        eval,
        error,
        geojson,
        cost,
        today: dmy(&today()),
        ctx,
    })
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let v = show_view(&st, ctx, id, None).await?;
    render(&v.ctx, &v)
}

#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    survey_notes: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    cost_vnd: String,
    #[serde(default)]
    responsible_unit: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    proposal: String,
    #[serde(default)]
    treated_on: String,
    #[serde(default)]
    note: String,
}

impl ActionForm {
    pub fn action(&self) -> Result<SpotAction, AppError> {
        let date = |s: &str, field: &str| {
            atgt_core::time::parse_date(s.trim())
                .ok_or_else(|| AppError::invalid(field, "hotspots.error.date"))
        };
        Ok(match self.action.as_str() {
            "confirm" => SpotAction::Confirm {
                survey_notes: self.survey_notes.clone(),
            },
            "propose_treatment" => SpotAction::ProposeTreatment {
                measures: self.measures.clone(),
                cost_vnd: {
                    let digits: String = self
                        .cost_vnd
                        .chars()
                        .filter(|c| !matches!(c, '.' | ',' | ' '))
                        .collect();
                    digits
                        .parse()
                        .map_err(|_| AppError::invalid("cost_vnd", "hotspots.error.cost"))?
                },
                responsible_unit: self.responsible_unit.clone(),
                deadline: date(&self.deadline, "deadline")?,
                proposal: self.proposal.clone(),
            },
            "mark_treated" => SpotAction::MarkTreated {
                treated_on: date(&self.treated_on, "treated_on")?,
                note: self.note.clone(),
            },
            "start_monitoring" => SpotAction::StartMonitoring {
                note: self.note.clone(),
            },
            "close" => SpotAction::Close {
                note: self.note.clone(),
            },
            "reopen" => SpotAction::Reopen {
                note: self.note.clone(),
            },
            _ => return Err(AppError::invalid("action", "hotspots.error.transition")),
        })
    }
}

/// Applies a lifecycle action; a refusal is shown on the spot's page, naming the
/// field, and nothing is written.
pub async fn act(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<ActionForm>,
) -> AppResult<Response> {
    st.store.spot(id).await?;
    let result = match f.action() {
        Ok(a) => st.store.spot_act(&p.actor(), id, &a).await.map_err(|e| {
            let msg = refusal(ctx.lang, &e);
            (AppError::from(e), msg)
        }),
        Err(e) => {
            let msg = e.message(ctx.lang);
            let msg = match &e {
                AppError::Invalid { field, key, .. } => Some(tf(
                    ctx.lang,
                    key,
                    &[
                        ("field", t(ctx.lang, &format!("hotspots.field.{field}"))),
                        ("code", ""),
                    ],
                )),
                _ => Some(msg),
            };
            Err((e, msg))
        }
    };
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &format!("/hotspots/{id}"),
            "common.saved",
        )),
        Err((AppError::Invalid { .. }, Some(msg))) => {
            let v = show_view(&st, ctx, id, Some(msg)).await?;
            let mut r = render(&v.ctx, &v)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err((e, _)) => Err(e),
    }
}

// ---------------------------------------------------------------------------------
// Rules

#[derive(Template)]
#[template(path = "hotspots/rules.html")]
struct RulesView {
    ctx: PageCtx,
    content: String,
    error: Option<String>,
    edited: bool,
}

pub async fn rules_form(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let edited = st.store.rule_file(atgt_store::hotspots::RULES_NAME).await?;
    let v = RulesView {
        edited: edited.is_some(),
        content: edited.unwrap_or_else(|| atgt_core::hotspots::rules::DEFAULT_RULES.to_string()),
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
            atgt_store::hotspots::RULES_NAME,
            &f.content,
            atgt_core::hotspots::rules::DEFAULT_RULES,
            |s| SpotRuleFile::parse(s).map(|_| ()),
        )
        .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            "/admin/rules/black-spots",
            "common.saved",
        )),
        Err(e) => {
            let msg = AppError::from(e).message(ctx.lang);
            let v = RulesView {
                ctx,
                content: f.content,
                error: Some(msg),
                edited: true,
            };
            let mut r = render(&v.ctx, &v)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}

// ---------------------------------------------------------------------------------
// Survey photos

/// Adds a survey photo to a spot (multipart: `file`, `caption`; `_csrf` in the query).
/// Images only, by content, up to 10 MB; stored once per content; audited.
pub async fn photo_add(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    mut mp: axum::extract::Multipart,
) -> AppResult<Response> {
    st.store.spot(id).await?;
    let (file, caption) = crate::files::receive_photo(&st.files, &mut mp).await?;
    st.store
        .spot_file_add(&p.actor(), id, &file, &caption)
        .await?;
    Ok(redirect_with_flash(
        &format!("/hotspots/{id}"),
        "common.saved",
    ))
}

/// A survey photo of a spot (a road site, not personal data).
pub async fn photo_get(
    State(st): State<AppState>,
    Path((id, sha)): Path<(i64, String)>,
) -> AppResult<Response> {
    let f = st
        .store
        .spot_files(id)
        .await?
        .into_iter()
        .find(|f| f.sha256 == sha)
        .ok_or(AppError::NotFound)?;
    let bytes = st.files.get(&sha).map_err(|_| AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, f.mime),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}
