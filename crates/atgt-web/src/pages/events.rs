//! Events pages (seed plan II.5–II.6): the peak calendar, parking areas and their
//! occupancy, stopping stretches, diversion plans on the map with their activations,
//! congestion incidents with duration statistics, training courses, rescue response
//! times, the peak-period report (DOCX/XLSX), the editable thresholds, and the public
//! page of active diversions (no login, no personal data).

use crate::auth::{Current, Principal};
use crate::error::{AppError, AppResult};
use crate::exports::format_int;
use crate::state::AppState;
use crate::view::{PageCtx, redirect_with_flash, render};
use askama::Template;
use atgt_core::admin::Scheme;
use atgt_core::events::{self as ev, DurationStats};
use atgt_core::i18n::Lang;
use atgt_store::events::{
    AreaOccupancy, CongestionStats, CourseInput, DiversionInput, DiversionPlan, IncidentInput,
    ParkingInput, Participants, Peak, PeakInput, StretchInput,
};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------
// Helpers

/// Posted form fields as text, kept to refill the form after an error.
#[derive(Debug, Clone, Default)]
pub struct Form(pub HashMap<String, String>);

impl Form {
    pub fn parse(body: &[u8]) -> AppResult<Form> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| AppError::invalid("form", "error.bad_request"))?;
        Ok(Form(pairs.into_iter().collect()))
    }

    /// A field's text ("" when absent), for `value="…"`.
    pub fn v(&self, k: &str) -> &str {
        self.0.get(k).map(String::as_str).unwrap_or("")
    }

    fn set(mut self, k: &str, v: impl Into<String>) -> Form {
        self.0.insert(k.into(), v.into());
        self
    }

    /// A whole number; dots, commas and spaces as thousands separators are accepted
    /// ("30.000" đồng). Empty is `None`.
    fn opt_int(&self, k: &str) -> AppResult<Option<i64>> {
        let s: String = self
            .v(k)
            .chars()
            .filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}'))
            .collect();
        if s.is_empty() {
            return Ok(None);
        }
        s.parse()
            .map(Some)
            .map_err(|_| AppError::invalid(k, "error.bad_number"))
    }

    fn int(&self, k: &str) -> AppResult<i64> {
        Ok(self.opt_int(k)?.unwrap_or(0))
    }

    fn opt_f64(&self, k: &str) -> AppResult<Option<f64>> {
        let s = self.v(k).trim().replace(',', ".");
        if s.is_empty() {
            return Ok(None);
        }
        s.parse()
            .map(Some)
            .map_err(|_| AppError::invalid(k, "error.bad_number"))
    }

    fn opt_time(&self, k: &str) -> AppResult<Option<i64>> {
        let s = self.v(k).trim();
        if s.is_empty() {
            return Ok(None);
        }
        parse_local_time(s)
            .map(Some)
            .ok_or_else(|| AppError::invalid(k, "events.error.bad_time"))
    }

    fn time(&self, k: &str) -> AppResult<i64> {
        self.opt_time(k)?
            .ok_or_else(|| AppError::invalid(k, "error.required"))
    }

    fn opt_text(&self, k: &str) -> Option<String> {
        Some(self.v(k).trim().to_string()).filter(|s| !s.is_empty())
    }
}

/// A local Vietnam time as typed: "2026-04-30T08:00" (the browser's datetime field),
/// "2026-04-30 08:00" or "30/04/2026 08:00"; returns UTC microseconds.
pub fn parse_local_time(s: &str) -> Option<i64> {
    let s = s.trim().replace('T', " ");
    let (d, t) = s.split_once(' ').unwrap_or((s.as_str(), "00:00"));
    let date = atgt_core::time::parse_date(d)?;
    let mut hm = t.trim().split(':');
    let h: i8 = hm.next()?.trim().parse().ok()?;
    let m: i8 = hm.next().unwrap_or("0").trim().parse().ok()?;
    let dt = date.at(h, m, 0, 0);
    if dt.hour() != h || !(0..60).contains(&m) || !(0..24).contains(&h) {
        return None;
    }
    dt.to_zoned_datetime(atgt_core::time::vn_tz())
        .ok()
        .map(|z| z.timestamp().as_microsecond())
}

/// The value of a datetime-local field for an instant.
fn input_time(us: i64) -> String {
    atgt_core::time::local(atgt_core::time::from_micros(us))
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

fn fmt_time(us: i64) -> String {
    atgt_core::time::format_local(atgt_core::time::from_micros(us))
}

fn dmy(iso: &str) -> String {
    iso.parse::<Date>()
        .map(atgt_core::time::format_date)
        .unwrap_or_else(|_| iso.to_string())
}

fn today() -> Date {
    atgt_core::time::local_date(jiff::Timestamp::now())
}

fn minutes(lang: Lang, m: f64) -> String {
    let s = if m.fract() == 0.0 {
        format_int(m as i64, lang)
    } else {
        let v = format!("{m:.1}");
        if lang == Lang::Vi {
            v.replace('.', ",")
        } else {
            v
        }
    };
    format!("{s} {}", atgt_core::i18n::t(lang, "events.min"))
}

/// The message of a refused input, or the error itself when it is not one.
fn refusal(e: AppError, lang: Lang) -> AppResult<String> {
    match e {
        AppError::Invalid { .. } | AppError::Conflict => Ok(e.message(lang)),
        e => Err(e),
    }
}

fn unprocessable(r: AppResult<Response>) -> AppResult<Response> {
    let mut r = r?;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

/// A period from the query (dates as dd/mm/yyyy or ISO), this year so far by default.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
}

impl PeriodQuery {
    pub fn period(&self) -> AppResult<(Date, Date)> {
        let t = today();
        let get = |v: &Option<String>, k: &str, d: Date| -> AppResult<Date> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(d),
                Some(s) => atgt_core::time::parse_date(s)
                    .ok_or_else(|| AppError::invalid(k, "error.bad_date")),
            }
        };
        let from = get(&self.from, "from", Date::new(t.year(), 1, 1).unwrap_or(t))?;
        let to = get(&self.to, "to", t)?;
        if to < from {
            return Err(AppError::invalid("to", "error.period_reversed"));
        }
        Ok((from, to))
    }
}

async fn commune_name(st: &AppState, code: &Option<String>) -> String {
    match code.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => st
            .store
            .admin_unit(Scheme::New, c)
            .await
            .map(|u| u.name)
            .unwrap_or_else(|_| c.to_string()),
        None => String::new(),
    }
}

fn options(ctx: &PageCtx, prefix: &str, codes: &[&str]) -> Vec<(String, String)> {
    codes
        .iter()
        .map(|c| (c.to_string(), ctx.t(format!("{prefix}.{c}"))))
        .collect()
}

/// Duration statistics as label/value lines for a table.
pub(crate) fn duration_lines(
    ctx: &PageCtx,
    d: &DurationStats,
    with_threshold: bool,
) -> Vec<(String, String)> {
    let l = ctx.lang;
    let mut v = vec![
        (ctx.t("events.stat_count"), format_int(d.count, l)),
        (ctx.t("events.stat_total"), minutes(l, d.total_min as f64)),
        (ctx.t("events.stat_mean"), minutes(l, d.mean_min)),
        (ctx.t("events.stat_median"), minutes(l, d.median_min)),
        (ctx.t("events.stat_p90"), minutes(l, d.p90_min as f64)),
        (
            ctx.t("events.stat_longest"),
            minutes(l, d.longest_min as f64),
        ),
    ];
    if with_threshold {
        v.push((
            ctx.t1("events.stat_prolonged", "n", format_int(d.threshold_min, l)),
            format_int(d.over_threshold, l),
        ));
    }
    v
}

/// Plans as one GeoJSON FeatureCollection, each feature named after its plan.
pub fn plans_geojson(plans: &[DiversionPlan], ctx_lang: Lang, link: bool) -> String {
    let mut features = Vec::new();
    for p in plans {
        if let Some(fs) = p.geometry.get("features").and_then(|f| f.as_array()) {
            for f in fs {
                let mut f = f.clone();
                let kind = f["properties"]["kind"].as_str().unwrap_or("").to_string();
                let kind_label = if ev::DIVERSION_FEATURE_KINDS.contains(&kind.as_str()) {
                    atgt_core::i18n::t(ctx_lang, &format!("feature_kind.{kind}")).to_string()
                } else {
                    String::new()
                };
                let color = match kind.as_str() {
                    "closed" => "#b42318",
                    "one_way" => "#f0a202",
                    "detour" => "#1f6feb",
                    "sign" => "#6b7785",
                    "staff_post" => "#2da44e",
                    _ => "#1f6feb",
                };
                let mut props = serde_json::Map::new();
                let name = if kind_label.is_empty() {
                    p.name.clone()
                } else {
                    format!("{} — {kind_label}", p.name)
                };
                props.insert("name".into(), name.into());
                props.insert("color".into(), color.into());
                if let Some(label) = f["properties"]["label"].as_str() {
                    props.insert("description".into(), label.into());
                }
                if link {
                    props.insert("url".into(), format!("/events/diversions/{}", p.id).into());
                }
                f["properties"] = serde_json::Value::Object(props);
                features.push(f);
            }
        }
    }
    serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()
}

// ---------------------------------------------------------------------------------------
// Overview

pub struct PeakRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub period: String,
    pub visitors: String,
    pub measures: String,
    pub current: bool,
}

fn peak_rows(ctx: &PageCtx, peaks: &[Peak]) -> Vec<PeakRow> {
    let t = today().to_string();
    peaks
        .iter()
        .map(|p| PeakRow {
            id: p.id,
            name: p.name.clone(),
            kind: ctx.t(format!("peak_kind.{}", p.kind)),
            period: format!("{} – {}", dmy(&p.starts_on), dmy(&p.ends_on)),
            visitors: format_int(p.expected_visitors, ctx.lang),
            measures: p.measures.clone(),
            current: p.starts_on <= t && t <= p.ends_on,
        })
        .collect()
}

pub struct PlanRow {
    pub id: i64,
    pub name: String,
    pub area: String,
    pub period: String,
    pub active_since: String,
    pub active: bool,
}

fn plan_rows(plans: &[DiversionPlan]) -> Vec<PlanRow> {
    plans
        .iter()
        .map(|p| PlanRow {
            id: p.id,
            name: p.name.clone(),
            area: p.area.clone(),
            period: format!("{} – {}", dmy(&p.valid_from), dmy(&p.valid_until)),
            active_since: p.active_since_us.map(fmt_time).unwrap_or_default(),
            active: p.active_since_us.is_some(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "events/overview.html")]
struct OverviewView {
    ctx: PageCtx,
    peaks: Vec<PeakRow>,
    active: Vec<PlanRow>,
    period: String,
    congestion: Vec<(String, String)>,
    ongoing: i64,
    parking: Vec<OccRow>,
}

pub async fn overview(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let (from, to) = PeriodQuery::default().period()?;
    let peaks = st.store.peaks().await?;
    let t = today().to_string();
    let upcoming: Vec<Peak> = peaks
        .into_iter()
        .filter(|p| p.ends_on >= t)
        .take(6)
        .collect();
    let active = st.store.diversions(true).await?;
    let stats = st.store.congestion_stats(from, to).await?;
    let occ = st.store.parking_occupancy(from, to).await?;
    let v = OverviewView {
        peaks: peak_rows(&ctx, &upcoming),
        active: plan_rows(&active),
        period: format!(
            "{} – {}",
            atgt_core::time::format_date(from),
            atgt_core::time::format_date(to)
        ),
        congestion: duration_lines(&ctx, &stats.durations, true),
        ongoing: stats.ongoing,
        parking: occ_rows(&ctx, &occ),
        ctx,
    };
    render(&v.ctx, &v)
}

// ---------------------------------------------------------------------------------------
// Peak calendar

#[derive(Template)]
#[template(path = "events/peaks.html")]
struct PeaksView {
    ctx: PageCtx,
    peaks: Vec<PeakRow>,
    kinds: Vec<(String, String)>,
    f: Form,
    error: Option<String>,
}

async fn peaks_page(
    st: &AppState,
    ctx: PageCtx,
    f: Form,
    error: Option<String>,
) -> AppResult<Response> {
    let peaks = st.store.peaks().await?;
    let v = PeaksView {
        peaks: peak_rows(&ctx, &peaks),
        kinds: options(&ctx, "peak_kind", ev::PEAK_KINDS),
        f,
        error,
        ctx,
    };
    render(&v.ctx, &v)
}

pub async fn peaks(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    peaks_page(&st, ctx, Form::default().set("kind", "holiday"), None).await
}

pub async fn peak_create(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    let r = async {
        let input = PeakInput {
            name: f.v("name").into(),
            kind: f.v("kind").into(),
            starts_on: f.v("starts_on").into(),
            ends_on: f.v("ends_on").into(),
            expected_visitors: f.int("expected_visitors")?,
            measures: f.v("measures").into(),
        };
        Ok::<_, AppError>(st.store.peak_create(&p.actor(), &input).await?)
    }
    .await;
    match r {
        Ok(_) => Ok(redirect_with_flash("/events/peaks", "common.saved")),
        Err(e) => {
            let msg = refusal(e, ctx.lang)?;
            unprocessable(peaks_page(&st, ctx, f, Some(msg)).await)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parking

pub struct AreaRow {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub commune: String,
    pub capacity: String,
    pub operator: String,
    pub fees: String,
    pub hours: String,
    pub last: String,
    pub last_pct: i64,
}

pub struct OccRow {
    pub id: i64,
    pub name: String,
    pub capacity: String,
    pub reports: String,
    pub peak: String,
    pub peak_pct: String,
    pub mean_pct: String,
    pub full: String,
}

fn pct(lang: Lang, p: f64) -> String {
    let s = format!("{p:.1}");
    let s = if lang == Lang::Vi {
        s.replace('.', ",")
    } else {
        s
    };
    format!("{s}%")
}

pub(crate) fn occ_rows(ctx: &PageCtx, occ: &[AreaOccupancy]) -> Vec<OccRow> {
    occ.iter()
        .map(|o| OccRow {
            id: o.area.id,
            name: o.area.name.clone(),
            capacity: format_int(o.area.capacity, ctx.lang),
            reports: format_int(o.stats.reports, ctx.lang),
            peak: format_int(o.stats.peak_occupied, ctx.lang),
            peak_pct: pct(ctx.lang, o.stats.peak_pct),
            mean_pct: pct(ctx.lang, o.stats.mean_pct),
            full: format_int(o.stats.full_reports, ctx.lang),
        })
        .collect()
}

pub struct StretchRow {
    pub road: String,
    pub km: String,
    pub place: String,
    pub risk: String,
    pub measures: String,
}

#[derive(Template)]
#[template(path = "events/parking.html")]
struct ParkingView {
    ctx: PageCtx,
    areas: Vec<AreaRow>,
    stretches: Vec<StretchRow>,
    risks: Vec<(String, String)>,
    geojson: String,
    f: Form,
    error: Option<String>,
}

async fn parking_page(
    st: &AppState,
    ctx: PageCtx,
    f: Form,
    error: Option<String>,
) -> AppResult<Response> {
    let list = st.store.parking_areas(None).await?;
    let mut areas = Vec::new();
    let mut features = Vec::new();
    for a in &list {
        let fees = format!(
            "{}: {} đ · {}: {} đ",
            ctx.t("events.car"),
            ctx.money(&a.fee_car_vnd),
            ctx.t("events.motorbike"),
            ctx.money(&a.fee_motorbike_vnd)
        );
        let last_pct = a
            .last_occupied
            .map(|o| o * 100 / a.capacity.max(1))
            .unwrap_or(0);
        areas.push(AreaRow {
            id: a.id,
            name: a.name.clone(),
            address: a.address.clone(),
            commune: commune_name(st, &a.commune_code).await,
            capacity: format_int(a.capacity, ctx.lang),
            operator: a.operator.clone(),
            fees,
            hours: a.hours.clone(),
            last: match (a.last_occupied, a.last_at_us) {
                (Some(o), Some(t)) => format!(
                    "{} / {} ({}%) — {}",
                    format_int(o, ctx.lang),
                    format_int(a.capacity, ctx.lang),
                    last_pct,
                    fmt_time(t)
                ),
                _ => "—".into(),
            },
            last_pct,
        });
        if let (Some(lon), Some(lat)) = (a.lon, a.lat) {
            features.push(serde_json::json!({"type": "Feature",
                "properties": {"name": a.name, "url": format!("/events/parking/{}", a.id), "color": "#1f6feb"},
                "geometry": {"type": "Point", "coordinates": [lon, lat]}}));
        }
    }
    let stretches = st
        .store
        .stretches()
        .await?
        .into_iter()
        .map(|s| StretchRow {
            road: s.road_code,
            km: match (s.km_from, s.km_to) {
                (Some(a), Some(b)) => format!("Km {a:.1} – Km {b:.1}"),
                (Some(a), None) => format!("Km {a:.1}"),
                _ => String::new(),
            },
            place: s.place,
            risk: ctx.t(format!("stretch_risk.{}", s.risk)),
            measures: s.measures,
        })
        .collect();
    let v = ParkingView {
        areas,
        stretches,
        risks: options(&ctx, "stretch_risk", ev::STRETCH_RISKS),
        geojson: serde_json::json!({"type": "FeatureCollection", "features": features}).to_string(),
        f,
        error,
        ctx,
    };
    render(&v.ctx, &v)
}

pub async fn parking(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    parking_page(&st, ctx, Form::default().set("risk", "danger"), None).await
}

pub async fn parking_create(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    let r = async {
        let input = ParkingInput {
            name: f.v("name").into(),
            address: f.v("address").into(),
            commune_code: f.opt_text("commune_code"),
            lon: f.opt_f64("lon")?,
            lat: f.opt_f64("lat")?,
            capacity: f
                .opt_int("capacity")?
                .ok_or_else(|| AppError::invalid("capacity", "error.required"))?,
            operator: f.v("operator").into(),
            fee_car_vnd: f.int("fee_car_vnd")?,
            fee_motorbike_vnd: f.int("fee_motorbike_vnd")?,
            hours: f.v("hours").into(),
        };
        Ok::<_, AppError>(st.store.parking_create(&p.actor(), &input).await?)
    }
    .await;
    match r {
        Ok(a) => Ok(redirect_with_flash(
            &format!("/events/parking/{}", a.id),
            "common.saved",
        )),
        Err(e) => {
            let msg = refusal(e, ctx.lang)?;
            unprocessable(parking_page(&st, ctx, f, Some(msg)).await)
        }
    }
}

pub async fn stretch_create(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    let r = async {
        let input = StretchInput {
            road_code: f.v("road_code").into(),
            km_from: f.opt_f64("km_from")?,
            km_to: f.opt_f64("km_to")?,
            place: f.v("place").into(),
            risk: f.v("risk").into(),
            measures: f.v("measures").into(),
        };
        Ok::<_, AppError>(st.store.stretch_create(&p.actor(), &input).await?)
    }
    .await;
    match r {
        Ok(_) => Ok(redirect_with_flash("/events/parking", "common.saved")),
        Err(e) => {
            let msg = refusal(e, ctx.lang)?;
            unprocessable(parking_page(&st, ctx, f, Some(msg)).await)
        }
    }
}

pub struct ReportRow {
    pub at: String,
    pub occupied: String,
    pub pct: String,
    pub source: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "events/parking_show.html")]
struct ParkingShowView {
    ctx: PageCtx,
    area: AreaRow,
    reports: Vec<ReportRow>,
    stats: Option<OccRow>,
    period: String,
    f: Form,
    error: Option<String>,
}

async fn parking_show_page(
    st: &AppState,
    ctx: PageCtx,
    id: i64,
    f: Form,
    error: Option<String>,
) -> AppResult<Response> {
    let a = st.store.parking_area(id).await?;
    let reports = st
        .store
        .parking_reports(id, 100)
        .await?
        .into_iter()
        .map(|r| ReportRow {
            at: fmt_time(r.at_us),
            occupied: format_int(r.occupied, ctx.lang),
            pct: format!("{}%", r.occupied * 100 / a.capacity.max(1)),
            source: ctx.t(format!(
                "events.source_{}",
                if r.source == "api" { "api" } else { "form" }
            )),
            by: r.reported_by,
        })
        .collect();
    let (from, to) = PeriodQuery::default().period()?;
    let occ = st.store.parking_occupancy(from, to).await?;
    let stats = occ_rows(&ctx, &occ).into_iter().find(|o| o.id == id);
    let area = AreaRow {
        id: a.id,
        name: a.name.clone(),
        address: a.address.clone(),
        commune: commune_name(st, &a.commune_code).await,
        capacity: format_int(a.capacity, ctx.lang),
        operator: a.operator.clone(),
        fees: format!(
            "{}: {} đ · {}: {} đ",
            ctx.t("events.car"),
            ctx.money(&a.fee_car_vnd),
            ctx.t("events.motorbike"),
            ctx.money(&a.fee_motorbike_vnd)
        ),
        hours: a.hours.clone(),
        last: String::new(),
        last_pct: 0,
    };
    let v = ParkingShowView {
        area,
        reports,
        stats,
        period: format!(
            "{} – {}",
            atgt_core::time::format_date(from),
            atgt_core::time::format_date(to)
        ),
        f,
        error,
        ctx,
    };
    render(&v.ctx, &v)
}

pub async fn parking_show(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let f = Form::default().set("at", input_time(atgt_store::now_us()));
    parking_show_page(&st, ctx, id, f, None).await
}

pub async fn parking_report(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    let r = async {
        let at = f.opt_time("at")?.unwrap_or_else(atgt_store::now_us);
        let occupied = f
            .opt_int("occupied")?
            .ok_or_else(|| AppError::invalid("occupied", "error.required"))?;
        Ok::<_, AppError>(
            st.store
                .parking_report(&p.actor(), id, at, occupied, "form")
                .await?,
        )
    }
    .await;
    match r {
        Ok(_) => Ok(redirect_with_flash(
            &format!("/events/parking/{id}"),
            "common.saved",
        )),
        Err(e) => {
            let msg = refusal(e, ctx.lang)?;
            unprocessable(parking_show_page(&st, ctx, id, f, Some(msg)).await)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Diversion plans

#[derive(Template)]
#[template(path = "events/diversions.html")]
struct DiversionsView {
    ctx: PageCtx,
    plans: Vec<PlanRow>,
    geojson: String,
    peaks: Vec<(String, String)>,
    f: Form,
    error: Option<String>,
}

async fn diversions_page(
    st: &AppState,
    ctx: PageCtx,
    f: Form,
    error: Option<String>,
) -> AppResult<Response> {
    let plans = st.store.diversions(false).await?;
    let peaks = st
        .store
        .peaks()
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id.to_string(),
                format!("{} ({} – {})", p.name, dmy(&p.starts_on), dmy(&p.ends_on)),
            )
        })
        .collect();
    let v = DiversionsView {
        geojson: plans_geojson(&plans, ctx.lang, true),
        plans: plan_rows(&plans),
        peaks,
        f,
        error,
        ctx,
    };
    render(&v.ctx, &v)
}

pub async fn diversions(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    diversions_page(&st, ctx, Form::default(), None).await
}

pub async fn diversion_create(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    let r = async {
        let input = DiversionInput {
            name: f.v("name").into(),
            area: f.v("area").into(),
            description: f.v("description").into(),
            geometry: f.v("geometry").into(),
            points: f.v("points").into(),
            peak_id: f.opt_int("peak_id")?,
            valid_from: f.v("valid_from").into(),
            valid_until: f.v("valid_until").into(),
        };
        Ok::<_, AppError>(st.store.diversion_create(&p.actor(), &input).await?)
    }
    .await;
    match r {
        Ok(d) => Ok(redirect_with_flash(
            &format!("/events/diversions/{}", d.id),
            "common.saved",
        )),
        Err(e) => {
            let msg = refusal(e, ctx.lang)?;
            unprocessable(diversions_page(&st, ctx, f, Some(msg)).await)
        }
    }
}

pub struct ActivationRow {
    pub started: String,
    pub ended: String,
    pub started_by: String,
    pub ended_by: String,
    pub duration: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "events/diversion_show.html")]
struct DiversionShowView {
    ctx: PageCtx,
    plan: PlanRow,
    description: String,
    geometry_text: String,
    geojson: String,
    activations: Vec<ActivationRow>,
    f: Form,
    error: Option<String>,
}

async fn diversion_show_page(
    st: &AppState,
    ctx: PageCtx,
    id: i64,
    f: Form,
    error: Option<String>,
) -> AppResult<Response> {
    let d = st.store.diversion(id).await?;
    let activations = st
        .store
        .diversion_activations(id)
        .await?
        .into_iter()
        .map(|a| ActivationRow {
            started: fmt_time(a.started_at_us),
            ended: a
                .ended_at_us
                .map(fmt_time)
                .unwrap_or_else(|| ctx.t("events.in_force")),
            started_by: a.started_by,
            ended_by: a.ended_by.unwrap_or_default(),
            duration: a
                .ended_at_us
                .map(|e| minutes(ctx.lang, ev::minutes_between(a.started_at_us, e) as f64))
                .unwrap_or_default(),
            note: a.note,
        })
        .collect();
    let v = DiversionShowView {
        geojson: plans_geojson(std::slice::from_ref(&d), ctx.lang, false),
        geometry_text: serde_json::to_string_pretty(&d.geometry).unwrap_or_default(),
        description: d.description.clone(),
        plan: plan_rows(std::slice::from_ref(&d)).remove(0),
        activations,
        f,
        error,
        ctx,
    };
    render(&v.ctx, &v)
}

pub async fn diversion_show(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let now = input_time(atgt_store::now_us());
    let f = Form::default()
        .set("started_at", now.clone())
        .set("ended_at", now);
    diversion_show_page(&st, ctx, id, f, None).await
}

pub async fn diversion_activate(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    let r = async {
        let at = f.opt_time("started_at")?.unwrap_or_else(atgt_store::now_us);
        Ok::<_, AppError>(
            st.store
                .diversion_activate(&p.actor(), id, at, f.v("note"))
                .await?,
        )
    }
    .await;
    match r {
        Ok(_) => Ok(redirect_with_flash(
            &format!("/events/diversions/{id}"),
            "events.activated",
        )),
        Err(e) => {
            let msg = refusal(e, ctx.lang)?;
            unprocessable(diversion_show_page(&st, ctx, id, f, Some(msg)).await)
        }
    }
}

pub async fn diversion_end(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    let r = async {
        let at = f.opt_time("ended_at")?.unwrap_or_else(atgt_store::now_us);
        Ok::<_, AppError>(st.store.diversion_end(&p.actor(), id, at).await?)
    }
    .await;
    match r {
        Ok(_) => Ok(redirect_with_flash(
            &format!("/events/diversions/{id}"),
            "events.ended",
        )),
        Err(e) => {
            let msg = refusal(e, ctx.lang)?;
            unprocessable(diversion_show_page(&st, ctx, id, f, Some(msg)).await)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Congestion incidents

pub struct IncidentRow {
    pub started: String,
    pub ended: String,
    pub duration: String,
    pub prolonged: bool,
    pub place: String,
    pub cause: String,
    pub queue: String,
    pub unit: String,
}

fn incident_rows(
    ctx: &PageCtx,
    list: &[atgt_store::events::Incident],
    threshold: i64,
) -> Vec<IncidentRow> {
    list.iter()
        .map(|i| IncidentRow {
            started: fmt_time(i.started_at_us),
            ended: i
                .ended_at_us
                .map(fmt_time)
                .unwrap_or_else(|| ctx.t("events.ongoing")),
            duration: i
                .duration_min
                .map(|m| minutes(ctx.lang, m as f64))
                .unwrap_or_default(),
            prolonged: i.duration_min.is_some_and(|m| m >= threshold),
            place: match &i.road_code {
                Some(r) => format!("{} ({r})", i.place),
                None => i.place.clone(),
            },
            cause: ctx.t(format!("congestion_cause.{}", i.cause)),
            queue: format!("{} m", format_int(i.queue_m, ctx.lang)),
            unit: i.handling_unit.clone(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "events/incidents.html")]
struct IncidentsView {
    ctx: PageCtx,
    from: String,
    to: String,
    stats: Vec<(String, String)>,
    ongoing: i64,
    queue: String,
    incidents: Vec<IncidentRow>,
    causes: Vec<(String, String)>,
    f: Form,
    error: Option<String>,
}

async fn incidents_page(
    st: &AppState,
    ctx: PageCtx,
    q: &PeriodQuery,
    f: Form,
    error: Option<String>,
) -> AppResult<Response> {
    let (from, to) = q.period()?;
    let stats: CongestionStats = st.store.congestion_stats(from, to).await?;
    // The newest 500 on the page; the statistics count them all.
    let list = st.store.incidents(from, to, 500).await?;
    let v = IncidentsView {
        from: from.to_string(),
        to: to.to_string(),
        stats: duration_lines(&ctx, &stats.durations, true),
        ongoing: stats.ongoing,
        queue: format!(
            "{} m / {} m",
            format_int(stats.longest_queue_m, ctx.lang),
            format_int(stats.total_queue_m, ctx.lang)
        ),
        incidents: incident_rows(&ctx, &list, stats.durations.threshold_min),
        causes: options(&ctx, "congestion_cause", ev::CONGESTION_CAUSES),
        f,
        error,
        ctx,
    };
    render(&v.ctx, &v)
}

pub async fn incidents(
    State(st): State<AppState>,
    Query(q): Query<PeriodQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let f = Form::default()
        .set("started_at", input_time(atgt_store::now_us()))
        .set("cause", "tourist_traffic");
    incidents_page(&st, ctx, &q, f, None).await
}

pub async fn incident_create(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    let r = async {
        let input = IncidentInput {
            started_at_us: f.time("started_at")?,
            ended_at_us: f.opt_time("ended_at")?,
            place: f.v("place").into(),
            road_code: f.opt_text("road_code"),
            commune_code: f.opt_text("commune_code"),
            lon: f.opt_f64("lon")?,
            lat: f.opt_f64("lat")?,
            cause: f.v("cause").into(),
            queue_m: f.int("queue_m")?,
            handling_unit: f.v("handling_unit").into(),
            note: f.v("note").into(),
        };
        Ok::<_, AppError>(st.store.incident_create(&p.actor(), &input).await?)
    }
    .await;
    match r {
        Ok(_) => Ok(redirect_with_flash("/events/incidents", "common.saved")),
        Err(e) => {
            let msg = refusal(e, ctx.lang)?;
            unprocessable(incidents_page(&st, ctx, &PeriodQuery::default(), f, Some(msg)).await)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Training

const UNIT_ROWS: usize = 6;

pub struct CourseRow {
    pub title: String,
    pub audience: String,
    pub period: String,
    pub place: String,
    pub organiser: String,
    pub units: Vec<(String, String)>,
    pub total: String,
}

#[derive(Template)]
#[template(path = "events/training.html")]
struct TrainingView {
    ctx: PageCtx,
    courses: Vec<CourseRow>,
    audiences: Vec<(String, String)>,
    rows: Vec<(String, String)>,
    total: String,
    f: Form,
    error: Option<String>,
}

async fn training_page(
    st: &AppState,
    ctx: PageCtx,
    f: Form,
    error: Option<String>,
) -> AppResult<Response> {
    let list = st.store.courses().await?;
    let total: i64 = list.iter().map(|c| c.total).sum();
    let courses = list
        .into_iter()
        .map(|c| CourseRow {
            title: c.title,
            audience: ctx.t(format!("training_audience.{}", c.audience)),
            period: format!("{} – {}", dmy(&c.starts_on), dmy(&c.ends_on)),
            place: c.place,
            organiser: c.organiser,
            units: c
                .participants
                .iter()
                .map(|p| (p.unit.clone(), format_int(p.participants, ctx.lang)))
                .collect(),
            total: format_int(c.total, ctx.lang),
        })
        .collect();
    let v = TrainingView {
        courses,
        audiences: options(&ctx, "training_audience", ev::TRAINING_AUDIENCES),
        rows: (0..UNIT_ROWS)
            .map(|i| (format!("unit_{i}"), format!("count_{i}")))
            .collect(),
        total: format_int(total, ctx.lang),
        f,
        error,
        ctx,
    };
    render(&v.ctx, &v)
}

pub async fn training(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    training_page(
        &st,
        ctx,
        Form::default().set("audience", "traffic_staff"),
        None,
    )
    .await
}

pub async fn course_create(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    let r = async {
        let mut participants = Vec::new();
        for i in 0..UNIT_ROWS {
            let count = f
                .opt_int(&format!("count_{i}"))
                .map_err(|_| AppError::invalid("participants", "error.bad_number"))?;
            participants.push(Participants {
                unit: f.v(&format!("unit_{i}")).into(),
                participants: count.unwrap_or(0),
            });
        }
        let input = CourseInput {
            title: f.v("title").into(),
            audience: f.v("audience").into(),
            starts_on: f.v("starts_on").into(),
            ends_on: f.v("ends_on").into(),
            place: f.v("place").into(),
            organiser: f.v("organiser").into(),
            participants,
        };
        Ok::<_, AppError>(st.store.course_create(&p.actor(), &input).await?)
    }
    .await;
    match r {
        Ok(_) => Ok(redirect_with_flash("/events/training", "common.saved")),
        Err(e) => {
            let msg = refusal(e, ctx.lang)?;
            unprocessable(training_page(&st, ctx, f, Some(msg)).await)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Rescue response times

pub struct ResponseRow {
    pub crash_id: i64,
    pub date: String,
    pub area: String,
    pub call: String,
    pub police: String,
    pub rescue: String,
}

pub struct AreaStatRow {
    pub area: String,
    pub count: String,
    pub police_mean: String,
    pub police_median: String,
    pub police_p90: String,
    pub police_longest: String,
    pub rescue_mean: String,
    pub rescue_median: String,
    pub rescue_p90: String,
    pub rescue_longest: String,
}

fn area_stat_row(lang: Lang, area: String, a: &atgt_store::events::AreaResponse) -> AreaStatRow {
    let m = |d: &DurationStats, v: f64| {
        if d.count == 0 {
            "—".to_string()
        } else {
            minutes(lang, v)
        }
    };
    AreaStatRow {
        area,
        count: format_int(a.police.count.max(a.rescue.count), lang),
        police_mean: m(&a.police, a.police.mean_min),
        police_median: m(&a.police, a.police.median_min),
        police_p90: m(&a.police, a.police.p90_min as f64),
        police_longest: m(&a.police, a.police.longest_min as f64),
        rescue_mean: m(&a.rescue, a.rescue.mean_min),
        rescue_median: m(&a.rescue, a.rescue.median_min),
        rescue_p90: m(&a.rescue, a.rescue.p90_min as f64),
        rescue_longest: m(&a.rescue, a.rescue.longest_min as f64),
    }
}

#[derive(Template)]
#[template(path = "events/response.html")]
struct ResponseView {
    ctx: PageCtx,
    from: String,
    to: String,
    by_area: Vec<AreaStatRow>,
    total: AreaStatRow,
    rows: Vec<ResponseRow>,
    f: Form,
    error: Option<String>,
}

async fn response_page(
    st: &AppState,
    p: &Principal,
    ctx: PageCtx,
    q: &PeriodQuery,
    f: Form,
    error: Option<String>,
) -> AppResult<Response> {
    let (from, to) = q.period()?;
    // Crashes outside the person's area do not exist for them.
    let scope = crate::pages::crashes::scope_filter(st, p).await?;
    let (areas, total) = st.store.response_stats(from, to, &scope).await?;
    let mut by_area = Vec::new();
    for a in &areas {
        let name = if a.area.is_empty() {
            ctx.t("events.no_area")
        } else {
            commune_name(st, &Some(a.area.clone())).await
        };
        by_area.push(area_stat_row(ctx.lang, name, a));
    }
    let mut rows = Vec::new();
    for r in st.store.response_times(from, to, &scope).await? {
        rows.push(ResponseRow {
            crash_id: r.crash_id,
            date: dmy(&r.crash_date),
            area: commune_name(st, &r.commune_code).await,
            call: fmt_time(r.call_at_us),
            police: r
                .police_min
                .map(|m| minutes(ctx.lang, m as f64))
                .unwrap_or_else(|| "—".into()),
            rescue: r
                .rescue_min
                .map(|m| minutes(ctx.lang, m as f64))
                .unwrap_or_else(|| "—".into()),
        });
    }
    let v = ResponseView {
        from: from.to_string(),
        to: to.to_string(),
        total: area_stat_row(ctx.lang, ctx.t("export.total"), &total),
        by_area,
        rows,
        f,
        error,
        ctx,
    };
    render(&v.ctx, &v)
}

pub async fn response_times(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<PeriodQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    response_page(&st, &p, ctx, &q, Form::default(), None).await
}

pub async fn response_set(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    let r = async {
        let crash = f
            .opt_int("crash_id")?
            .ok_or_else(|| AppError::invalid("crash_id", "error.required"))?;
        // Outside the person's area the crash does not exist for them.
        crate::pages::crashes::visible(&st, &p, crash)
            .await
            .map_err(|e| match e {
                AppError::NotFound => AppError::invalid("crash_id", "events.error.unknown_crash"),
                e => e,
            })?;
        Ok::<_, AppError>(
            st.store
                .response_time_set(
                    &p.actor(),
                    crash,
                    f.time("call_at")?,
                    f.opt_time("police_at")?,
                    f.opt_time("rescue_at")?,
                )
                .await?,
        )
    }
    .await;
    match r {
        Ok(_) => Ok(redirect_with_flash(
            "/events/response-times",
            "common.saved",
        )),
        Err(e) => {
            let msg = refusal(e, ctx.lang)?;
            unprocessable(response_page(&st, &p, ctx, &PeriodQuery::default(), f, Some(msg)).await)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Peak-period report

async fn report_data(
    st: &AppState,
    p: &Principal,
    id: i64,
) -> AppResult<crate::events_report::PeakReport> {
    let peak = st.store.peak(id).await?;
    let from: Date = peak.starts_on.parse().map_err(|_| AppError::NotFound)?;
    let to: Date = peak.ends_on.parse().map_err(|_| AppError::NotFound)?;
    let scope = crate::pages::crashes::scope_filter(st, p).await?;
    let filter = crate::pages::crashes::FilterQuery {
        from: Some(peak.starts_on.clone()),
        to: Some(peak.ends_on.clone()),
        ..Default::default()
    }
    .filter(&scope)?;
    let crashes = st
        .store
        .crash_stats(&filter, atgt_store::crashes::stats::Dim::Total)
        .await?;
    let congestion = st.store.congestion_stats(from, to).await?;
    let incidents = st.store.incidents(from, to, 10_000).await?;
    let parking = st.store.parking_occupancy(from, to).await?;
    let (org, parent) = match p.user().map(|u| u.org_id) {
        Some(oid) => {
            let o = st.store.org(oid).await?;
            let parent = match o.parent_id {
                Some(pid) => st.store.org(pid).await.map(|x| x.name).unwrap_or_default(),
                None => String::new(),
            };
            (o.name, parent)
        }
        None => (String::new(), String::new()),
    };
    Ok(crate::events_report::PeakReport {
        peak,
        crashes,
        congestion,
        incidents,
        parking,
        issuer: org,
        issuer_parent: parent,
        signer: p.user().map(|u| u.display_name.clone()).unwrap_or_default(),
        date: today(),
        chain_head: st
            .store
            .audit_head()
            .await?
            .map(|(s, h)| format!("{s}:{h}")),
    })
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

pub async fn peak_report_docx(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let data = report_data(&st, &p, id).await?;
    let bytes = crate::events_report::docx(&data, ctx.lang)?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "bao-cao-cao-diem.docx",
    ))
}

pub async fn peak_report_xlsx(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let data = report_data(&st, &p, id).await?;
    let bytes = crate::events_report::xlsx(&data, ctx.lang)?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "bao-cao-cao-diem.xlsx",
    ))
}

// ---------------------------------------------------------------------------------------
// Thresholds (rules as data)

#[derive(Template)]
#[template(path = "events/rules.html")]
struct RulesView {
    ctx: PageCtx,
    content: String,
    error: Option<String>,
    edited: bool,
}

pub async fn rules_form(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let edited = st.store.rule_file(atgt_store::events::RULES_NAME).await?;
    let v = RulesView {
        edited: edited.is_some(),
        content: edited.unwrap_or_else(|| ev::DEFAULT_EVENT_RULES.to_string()),
        error: None,
        ctx,
    };
    render(&v.ctx, &v)
}

pub async fn rules_save(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let f = Form::parse(&body)?;
    let result = st
        .store
        .rule_file_set(
            &p.actor(),
            atgt_store::events::RULES_NAME,
            f.v("content"),
            ev::DEFAULT_EVENT_RULES,
            |s| ev::EventRuleFile::parse(s).map(|_| ()),
        )
        .await;
    match result {
        Ok(()) => Ok(redirect_with_flash("/admin/rules/events", "common.saved")),
        Err(e) => {
            let msg = refusal(AppError::from(e), ctx.lang)?;
            let v = RulesView {
                content: f.v("content").into(),
                error: Some(msg),
                edited: true,
                ctx,
            };
            unprocessable(render(&v.ctx, &v))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Public portal: active diversions

pub struct PublicPlan {
    pub name: String,
    pub area: String,
    pub description: String,
    pub since: String,
    pub period: String,
}

#[derive(Template)]
#[template(path = "events/public_diversions.html")]
struct PublicView {
    ctx: PageCtx,
    plans: Vec<PublicPlan>,
    geojson: String,
    updated: String,
}

/// Active diversions for everyone, no login: names, areas, what to expect, the map.
/// Nothing about who activated them.
pub async fn public_diversions(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let active = st.store.diversions(true).await?;
    let plans = active
        .iter()
        .map(|d| PublicPlan {
            name: d.name.clone(),
            area: d.area.clone(),
            description: d.description.clone(),
            since: d.active_since_us.map(fmt_time).unwrap_or_default(),
            period: format!("{} – {}", dmy(&d.valid_from), dmy(&d.valid_until)),
        })
        .collect();
    let v = PublicView {
        geojson: plans_geojson(&active, ctx.lang, false),
        plans,
        updated: fmt_time(atgt_store::now_us()),
        ctx,
    };
    render(&v.ctx, &v)
}
