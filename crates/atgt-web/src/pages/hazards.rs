//! Hazards (seed plan II.4): encroachment cases with their re-encroachment flag and
//! the count against each place, the register of railway crossings with their dated
//! measures up to closure, and proposals to the competent authority linked to black
//! spots and crashes. One page lists the three, with the forms staff use.

use crate::auth::Current;
use crate::error::AppResult;
use crate::state::AppState;
use crate::view::{PageCtx, redirect_with_flash, render};
use askama::Template;
use atgt_core::hazards as hz;
use atgt_store::hazards::{
    Crossing, CrossingInput, Encroachment, EncroachmentInput, Measure, Proposal, ProposalInput,
};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

fn options(ctx: &PageCtx, prefix: &str, list: &[&'static str]) -> Vec<(&'static str, String)> {
    list.iter()
        .map(|k| (*k, ctx.t(format!("{prefix}.{k}"))))
        .collect()
}

pub struct CrossingRow {
    pub c: Crossing,
    pub km: String,
    pub measures: Vec<Measure>,
    /// Past its deadline and not yet closed or legalised.
    pub overdue: bool,
}

/// Whether a YYYY-MM-DD deadline has passed on `today` (ISO dates compare as text).
pub fn past(deadline: &Option<String>, today: &str) -> bool {
    deadline.as_deref().is_some_and(|d| d < today)
}

fn iso_today() -> String {
    atgt_core::time::local_date(jiff::Timestamp::now()).to_string()
}

#[derive(Template)]
#[template(path = "hazards/index.html")]
pub struct IndexView {
    pub ctx: PageCtx,
    pub encroachments: Vec<Encroachment>,
    pub crossings: Vec<CrossingRow>,
    pub proposals: Vec<Proposal>,
    pub enc_kinds: Vec<(&'static str, String)>,
    pub crossing_kinds: Vec<(&'static str, String)>,
    pub crossing_statuses: Vec<(&'static str, String)>,
    pub proposal_kinds: Vec<(&'static str, String)>,
    pub proposal_statuses: Vec<(&'static str, String)>,
    pub geojson: String,
    pub distance_m: f64,
    pub today: String,
    /// Open cases past their deadline.
    pub overdue_cases: Vec<i64>,
}

impl IndexView {
    fn money(&self, v: &i64) -> String {
        self.ctx.money(v)
    }
}

/// Encroachment cases and located crossings as GeoJSON points.
pub fn hazards_geojson(
    ctx: &PageCtx,
    enc: &[Encroachment],
    cr: &[CrossingRow],
) -> serde_json::Value {
    let mut features: Vec<serde_json::Value> = enc
        .iter()
        .map(|e| {
            serde_json::json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [e.lon, e.lat]},
                "properties": {
                    "name": e.place,
                    "popup": format!("{} · {}", ctx.t(format!("hazards.enc_kind.{}", e.kind)), ctx.t(format!("hazards.status_encroachment.{}", e.status))),
                    "color": if e.recurrence_of.is_some() { "#b91c1c" } else if e.status == "resolved" { "#15803d" } else { "#d97706" },
                }
            })
        })
        .collect();
    for c in cr {
        if let (Some(lon), Some(lat)) = (c.c.lon, c.c.lat) {
            features.push(serde_json::json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "name": c.c.name,
                    "popup": format!("Km {} · {}", c.km, ctx.t(format!("hazards.status_crossing.{}", c.c.status))),
                    "color": if hz::crossing_done(&c.c.status) { "#15803d" } else { "#7c3aed" },
                }
            }));
        }
    }
    serde_json::json!({"type": "FeatureCollection", "features": features})
}

pub async fn index(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let encroachments = st.store.encroachments(None).await?;
    let mut crossings = Vec::new();
    let today = iso_today();
    for c in st.store.crossings().await? {
        let measures = st.store.crossing_measures(c.id).await?;
        crossings.push(CrossingRow {
            km: atgt_core::geo::format_km(c.km),
            overdue: !hz::crossing_done(&c.status) && past(&c.deadline, &today),
            c,
            measures,
        });
    }
    let overdue_cases: Vec<i64> = encroachments
        .iter()
        .filter(|e| e.status == "open" && past(&e.deadline, &today))
        .map(|e| e.id)
        .collect();
    let geojson = hazards_geojson(&ctx, &encroachments, &crossings).to_string();
    let v = IndexView {
        proposals: st.store.proposals().await?,
        enc_kinds: options(&ctx, "hazards.enc_kind", hz::ENCROACHMENT_KINDS),
        crossing_kinds: options(&ctx, "hazards.crossing_kind", hz::CROSSING_KINDS),
        crossing_statuses: options(&ctx, "hazards.status_crossing", hz::CROSSING_STATUSES),
        proposal_kinds: options(&ctx, "hazards.proposal_kind", hz::PROPOSAL_KINDS),
        proposal_statuses: options(&ctx, "hazards.status_proposal", hz::PROPOSAL_STATUSES),
        geojson,
        distance_m: st.config.reencroachment_m,
        today: atgt_core::time::format_date(atgt_core::time::local_date(jiff::Timestamp::now())),
        overdue_cases,
        encroachments,
        crossings,
        ctx,
    };
    render(&v.ctx, &v)
}

/// The GeoJSON of the map, for GIS tools.
pub async fn export_geojson(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let enc = st.store.encroachments(None).await?;
    let mut crossings = Vec::new();
    for c in st.store.crossings().await? {
        crossings.push(CrossingRow {
            km: atgt_core::geo::format_km(c.km),
            c,
            measures: Vec::new(),
            overdue: false,
        });
    }
    let body = hazards_geojson(&ctx, &enc, &crossings).to_string();
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body).into_response())
}

fn coord(s: &str, field: &str) -> Result<f64, crate::error::AppError> {
    s.trim()
        .replace(',', ".")
        .parse::<f64>()
        .map_err(|_| crate::error::AppError::invalid(field, "hazards.error.bad_coordinates"))
}

#[derive(Debug, Deserialize, Default)]
pub struct EncroachmentForm {
    pub place: String,
    pub kind: String,
    #[serde(default)]
    pub responsible: String,
    #[serde(default)]
    pub lon: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub deadline: Option<String>,
}

pub async fn encroachment_create(
    State(st): State<AppState>,
    Current(p): Current,
    axum::Form(f): axum::Form<EncroachmentForm>,
) -> AppResult<Response> {
    let i = EncroachmentInput {
        place: f.place,
        kind: f.kind,
        commune_code: None,
        responsible: f.responsible,
        lon: coord(&f.lon, "lat")?,
        lat: coord(&f.lat, "lat")?,
        description: f.description,
        deadline: f.deadline,
    };
    let e = st
        .store
        .encroachment_create(&p.actor(), &i, st.config.reencroachment_m)
        .await?;
    let flash = if e.recurrence_of.is_some() {
        "hazards.saved_reencroachment"
    } else {
        "common.saved"
    };
    Ok(redirect_with_flash("/hazards", flash))
}

#[derive(Debug, Deserialize, Default)]
pub struct ResolveForm {
    #[serde(default)]
    pub resolution: String,
    #[serde(default)]
    pub resolved_on: Option<String>,
}

pub async fn encroachment_resolve(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<ResolveForm>,
) -> AppResult<Response> {
    st.store
        .encroachment_resolve(&p.actor(), id, &f.resolution, &f.resolved_on)
        .await?;
    Ok(redirect_with_flash("/hazards", "common.saved"))
}

#[derive(Debug, Deserialize, Default)]
pub struct CrossingForm {
    pub name: String,
    #[serde(default)]
    pub line: String,
    #[serde(default)]
    pub km: String,
    pub kind: String,
    pub status: String,
    #[serde(default)]
    pub lon: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub deadline: Option<String>,
}

pub async fn crossing_create(
    State(st): State<AppState>,
    Current(p): Current,
    axum::Form(f): axum::Form<CrossingForm>,
) -> AppResult<Response> {
    let km = atgt_core::geo::parse_km(&f.km)
        .ok_or_else(|| crate::error::AppError::invalid("km", "hazards.error.bad_km"))?;
    let (lon, lat) = if f.lon.trim().is_empty() && f.lat.trim().is_empty() {
        (None, None)
    } else {
        (Some(coord(&f.lon, "lat")?), Some(coord(&f.lat, "lat")?))
    };
    let i = CrossingInput {
        name: f.name,
        line: f.line,
        km,
        kind: f.kind,
        status: f.status,
        commune_code: None,
        lon,
        lat,
        deadline: f.deadline,
    };
    st.store.crossing_create(&p.actor(), &i).await?;
    Ok(redirect_with_flash("/hazards", "common.saved"))
}

#[derive(Debug, Deserialize, Default)]
pub struct MeasureForm {
    #[serde(default)]
    pub on_date: String,
    #[serde(default)]
    pub measure: String,
    #[serde(default)]
    pub status: String,
}

pub async fn crossing_measure(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<MeasureForm>,
) -> AppResult<Response> {
    st.store
        .crossing_measure(&p.actor(), id, &f.on_date, &f.measure, &f.status)
        .await?;
    Ok(redirect_with_flash("/hazards", "common.saved"))
}

#[derive(Debug, Deserialize, Default)]
pub struct ProposalForm {
    pub title: String,
    pub kind: String,
    #[serde(default)]
    pub road_code: Option<String>,
    #[serde(default)]
    pub justification: String,
    #[serde(default)]
    pub spot_ids: String,
    #[serde(default)]
    pub crash_ids: String,
    #[serde(default)]
    pub cost_vnd: String,
    #[serde(default)]
    pub authority: String,
}

pub async fn proposal_create(
    State(st): State<AppState>,
    Current(p): Current,
    axum::Form(f): axum::Form<ProposalForm>,
) -> AppResult<Response> {
    let digits: String = f
        .cost_vnd
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | ','))
        .collect();
    let cost_vnd = if digits.is_empty() {
        0
    } else {
        digits
            .parse::<i64>()
            .map_err(|_| crate::error::AppError::invalid("cost_vnd", "error.bad_number"))?
    };
    let i = ProposalInput {
        title: f.title,
        kind: f.kind,
        road_code: f.road_code,
        justification: f.justification,
        spot_ids: f.spot_ids,
        crash_ids: f.crash_ids,
        cost_vnd,
        authority: f.authority,
    };
    st.store.proposal_create(&p.actor(), &i).await?;
    Ok(redirect_with_flash("/hazards", "common.saved"))
}

#[derive(Debug, Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub status_on: Option<String>,
    #[serde(default)]
    pub note: String,
}

pub async fn proposal_status(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<StatusForm>,
) -> AppResult<Response> {
    st.store
        .proposal_status(&p.actor(), id, &f.status, &f.status_on, &f.note)
        .await?;
    Ok(redirect_with_flash("/hazards", "common.saved"))
}

/// A report's photo shown on a case: (report id, sha256, mime).
pub struct CasePhoto {
    pub report_id: i64,
    pub sha256: String,
    pub mime: String,
}

#[derive(Template)]
#[template(path = "hazards/encroachment.html")]
pub struct EncroachmentView {
    pub ctx: PageCtx,
    pub e: Encroachment,
    /// Every case at the same place, oldest first (the place's record).
    pub place: Vec<Encroachment>,
    pub files: Vec<atgt_store::files::FileInfo>,
    pub report_photos: Vec<CasePhoto>,
    pub reports: Vec<(i64, String)>,
    pub geojson: String,
    pub today: String,
}

/// A case with its place's record, photos and the citizen reports taken into it.
pub async fn encroachment_show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let e = st.store.encroachment(id).await?;
    let place = st.store.encroachments_at_place(e.place_id).await?;
    let reports = st.store.reports_of_case("encroachment", id).await?;
    let mut report_photos = Vec::new();
    if ctx.can(atgt_core::auth::Perm::ReportsTriage) {
        for r in &reports {
            for f in st.store.report_files(r.id).await? {
                report_photos.push(CasePhoto {
                    report_id: r.id,
                    sha256: f.sha256,
                    mime: f.mime,
                });
            }
        }
    }
    let geojson = hazards_geojson(&ctx, &place, &[]).to_string();
    let v = EncroachmentView {
        files: st.store.encroachment_files(id).await?,
        reports: reports.into_iter().map(|r| (r.id, r.token)).collect(),
        report_photos,
        geojson,
        today: atgt_core::time::format_date(atgt_core::time::local_date(jiff::Timestamp::now())),
        place,
        e,
        ctx,
    };
    render(&v.ctx, &v)
}

/// A staff photo of a case (survey, after clearance).
pub async fn photo_add(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    mut mp: axum::extract::Multipart,
) -> AppResult<Response> {
    st.store.encroachment(id).await?;
    let (file, caption) = crate::files::receive_photo(&st.files, &mut mp).await?;
    st.store
        .encroachment_file_add(&p.actor(), id, &file, &caption)
        .await?;
    Ok(redirect_with_flash(
        &format!("/hazards/encroachments/{id}"),
        "common.saved",
    ))
}

/// A case's photo (a road site).
pub async fn photo_get(
    State(st): State<AppState>,
    Path((id, sha)): Path<(i64, String)>,
) -> AppResult<Response> {
    let f = st
        .store
        .encroachment_files(id)
        .await?
        .into_iter()
        .find(|f| f.sha256 == sha)
        .ok_or(crate::error::AppError::NotFound)?;
    let bytes = st
        .files
        .get(&sha)
        .map_err(|_| crate::error::AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, f.mime),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
        ],
        bytes,
    )
        .into_response())
}
