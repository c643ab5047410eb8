//! Citizen reports: the public form (no sign-in, Vietnamese first, usable on a phone)
//! with photos and a video, the tracking page by code, and the staff side: the triage
//! queue, a report's page with its decision forms, the violation reports forwarded to
//! traffic police.
//!
//! Privacy-sensitive: uploads are checked by their content and size, JPEG/PNG photos
//! and MP4 videos are stored without their metadata (only the time and place a photo
//! was taken are kept, as fields); the public pages never show the reporter's contact.

use crate::auth::Current;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::view::{PageCtx, redirect_with_flash, render};
use askama::Template;
use atgt_core::geo::{Point, haversine_m};
use atgt_core::open311::{SERVICES, Target, service};
use atgt_core::reports::{PhotoFacts, clean_jpeg, clean_mp4, clean_png, is_mp4};
use atgt_store::files::StoredFile;
use atgt_store::hazards::{CrossingInput, EncroachmentInput, ProposalInput};
use atgt_store::reports::{NewReport, Report, ReportEvent, ReportFile, ReportFilter, Triage};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Photos a report may carry.
pub const MAX_PHOTOS: usize = 5;

/// A size limit as people read it: "8 MB", "512 KB".
pub fn size_label(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MB", bytes >> 20)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// A service as the form lists it.
pub struct ServiceOption {
    pub code: &'static str,
    pub name: String,
    pub group: String,
}

fn service_options(ctx: &PageCtx) -> Vec<ServiceOption> {
    SERVICES
        .iter()
        .map(|s| ServiceOption {
            code: s.code,
            name: ctx.t(s.name_key),
            group: ctx.t(format!("open311.group.{}", s.group)),
        })
        .collect()
}

/// What the form sent, kept to fill the form again after a refusal.
#[derive(Debug, Clone, Default)]
pub struct FormValues {
    pub service_code: String,
    pub description: String,
    pub lat: String,
    pub lon: String,
    pub address: String,
    pub first_name: String,
    pub phone: String,
    pub email: String,
    pub violation_kind: String,
    pub plate: String,
}

#[derive(Template)]
#[template(path = "reports/public_form.html")]
pub struct PublicFormView {
    pub ctx: PageCtx,
    pub services: Vec<ServiceOption>,
    pub violation_kinds: Vec<(&'static str, String)>,
    pub v: FormValues,
    pub error: Option<String>,
    pub photo_max: String,
    pub video_max: String,
}

fn violation_kinds(ctx: &PageCtx) -> Vec<(&'static str, String)> {
    service("VIOLATION")
        .map(|s| {
            s.attributes[0]
                .values
                .iter()
                .map(|(k, n)| (*k, ctx.t(n)))
                .collect()
        })
        .unwrap_or_default()
}

fn form_view(st: &AppState, ctx: PageCtx, v: FormValues, error: Option<String>) -> PublicFormView {
    PublicFormView {
        services: service_options(&ctx),
        violation_kinds: violation_kinds(&ctx),
        v,
        error,
        photo_max: size_label(st.config.report_photo_max_bytes),
        video_max: size_label(st.config.report_video_max_bytes),
        ctx,
    }
}

pub async fn public_form(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let v = form_view(&st, ctx, FormValues::default(), None);
    render(&v.ctx, &v)
}

/// An upload, cleaned, not yet stored.
struct Upload {
    name: String,
    mime: &'static str,
    bytes: Vec<u8>,
    facts: PhotoFacts,
}

/// Checks and cleans one photo: a JPEG or PNG by its content, at most `max` bytes.
fn take_photo(name: &str, bytes: Vec<u8>, max: usize) -> Result<Upload, AppError> {
    if bytes.len() > max {
        return Err(AppError::Invalid {
            field: "photo".into(),
            key: "reports.error.photo_too_large".into(),
            arg: size_label(max),
        });
    }
    let not_image = || AppError::Invalid {
        field: "photo".into(),
        key: "reports.error.not_image".into(),
        arg: name.to_string(),
    };
    match crate::files::sniff_image(&bytes) {
        Some("image/jpeg") => {
            let (clean, facts) = clean_jpeg(&bytes).map_err(|_| not_image())?;
            Ok(Upload {
                name: name.into(),
                mime: "image/jpeg",
                bytes: clean,
                facts,
            })
        }
        Some("image/png") => Ok(Upload {
            name: name.into(),
            mime: "image/png",
            bytes: clean_png(&bytes).map_err(|_| not_image())?,
            facts: PhotoFacts::default(),
        }),
        _ => Err(not_image()),
    }
}

/// Checks and cleans the video: an MP4 by its content, at most `max` bytes.
fn take_video(name: &str, bytes: Vec<u8>, max: usize) -> Result<Upload, AppError> {
    if bytes.len() > max {
        return Err(AppError::Invalid {
            field: "video".into(),
            key: "reports.error.video_too_large".into(),
            arg: size_label(max),
        });
    }
    let not_video = || AppError::Invalid {
        field: "video".into(),
        key: "reports.error.not_video".into(),
        arg: name.to_string(),
    };
    if !is_mp4(&bytes) {
        return Err(not_video());
    }
    Ok(Upload {
        name: name.into(),
        mime: "video/mp4",
        bytes: clean_mp4(&bytes).map_err(|_| not_video())?,
        facts: PhotoFacts::default(),
    })
}

/// Refuses a point outside the locality's bounds, when the configuration sets them.
pub fn check_locality(st: &AppState, lon: Option<f64>, lat: Option<f64>) -> Result<(), AppError> {
    if let (Some([x0, y0, x1, y1]), Some(lon), Some(lat)) = (st.config.locality_bbox, lon, lat)
        && !((x0..=x1).contains(&lon) && (y0..=y1).contains(&lat))
    {
        return Err(AppError::invalid("lat", "reports.error.outside_locality"));
    }
    Ok(())
}

fn parse_coord(s: &str) -> Result<Option<f64>, AppError> {
    let s = s.trim().replace(',', ".");
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<f64>()
        .map(Some)
        .map_err(|_| AppError::invalid("lat", "hazards.error.bad_coordinates"))
}

/// Reads the form, checks every field and file, then stores the files and the report.
async fn receive(
    st: &AppState,
    client: Option<std::net::IpAddr>,
    mp: &mut Multipart,
    v: &mut FormValues,
) -> Result<Report, AppError> {
    let too_large = || AppError::Invalid {
        field: "photo".into(),
        key: "reports.error.upload_too_large".into(),
        arg: String::new(),
    };
    let mut uploads: Vec<Upload> = Vec::new();
    let mut photos = 0;
    let mut first_error: Option<AppError> = None;
    while let Some(field) = mp.next_field().await.map_err(|_| too_large())? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "photo" | "video" => {
                let file_name: String = field
                    .file_name()
                    .unwrap_or("tep")
                    .chars()
                    .take(200)
                    .collect();
                let bytes = field.bytes().await.map_err(|_| too_large())?;
                if bytes.is_empty() {
                    continue;
                }
                let r = if name == "photo" {
                    photos += 1;
                    if photos > MAX_PHOTOS {
                        Err(AppError::invalid("photo", "reports.error.too_many_photos"))
                    } else {
                        take_photo(&file_name, bytes.to_vec(), st.config.report_photo_max_bytes)
                    }
                } else {
                    take_video(&file_name, bytes.to_vec(), st.config.report_video_max_bytes)
                };
                match r {
                    Ok(u) => uploads.push(u),
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            _ => {
                let text: String = field
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(5000)
                    .collect();
                match name.as_str() {
                    "service_code" => v.service_code = text,
                    "description" => v.description = text,
                    "lat" => v.lat = text,
                    "lon" => v.lon = text,
                    "address_string" => v.address = text,
                    "first_name" => v.first_name = text,
                    "phone" => v.phone = text,
                    "email" => v.email = text,
                    "violation_kind" => v.violation_kind = text,
                    "plate" => v.plate = text,
                    _ => {}
                }
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let mut attributes = Vec::new();
    if v.service_code == "VIOLATION" {
        attributes.push(("violation_kind".to_string(), v.violation_kind.clone()));
        if !v.plate.trim().is_empty() {
            attributes.push(("plate".to_string(), v.plate.clone()));
        }
    }
    let n = NewReport {
        token: crate::open311::new_token(),
        service_code: v.service_code.clone(),
        description: v.description.clone(),
        attributes,
        lon: parse_coord(&v.lon)?,
        lat: parse_coord(&v.lat)?,
        address: v.address.clone(),
        email: v.email.clone(),
        first_name: v.first_name.clone(),
        last_name: String::new(),
        phone: v.phone.clone(),
        media_url: String::new(),
        channel: "portal".into(),
    };
    // Everything is checked before any file is written: a refusal stores nothing.
    atgt_store::reports::check_report(&n, uploads.len())?;
    check_locality(st, n.lon, n.lat)?;
    // Only reports that would be stored count against the client's allowance (a
    // refused form can be corrected and sent again at once).
    if let crate::portal::Verdict::Limited { retry_after_s } = st.report_counter.check(client) {
        return Err(AppError::Limited {
            key: "reports.error.too_many_reports",
            retry_after_s,
        });
    }
    let mut files = Vec::new();
    for u in uploads {
        let sha256 = st
            .files
            .put(&u.bytes)
            .map_err(|e| AppError::Internal(e.into()))?;
        files.push((
            StoredFile {
                sha256,
                size: u.bytes.len() as i64,
                mime: u.mime.into(),
                name: u.name,
            },
            u.facts,
        ));
    }
    let actor = atgt_core::audit::Actor {
        kind: "public",
        id: 0,
        name: "public".into(),
    };
    Ok(st.store.report_create(&actor, &n, &files).await?)
}

pub async fn public_submit(
    State(st): State<AppState>,
    ctx: PageCtx,
    crate::pages::portal::ClientAddr(client): crate::pages::portal::ClientAddr,
    mut mp: Multipart,
) -> AppResult<Response> {
    let mut v = FormValues::default();
    match receive(&st, client, &mut mp, &mut v).await {
        Ok(r) => Ok(
            Redirect::to(&format!("/public/reports/track?code={}&new=1", r.token)).into_response(),
        ),
        Err(e @ (AppError::Invalid { .. } | AppError::Limited { .. })) => {
            // The form again, with what was typed and the reason.
            let msg = e.message(ctx.lang);
            let view = form_view(&st, ctx, v, Some(msg));
            let mut r = render(&view.ctx, &view)?;
            *r.status_mut() = e.status();
            if let AppError::Limited { retry_after_s, .. } = e {
                r.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, retry_after_s.into());
            }
            Ok(r)
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct TrackQuery {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub new: Option<String>,
}

/// A report as the reporter sees it: no contact data.
pub struct PublicReport {
    pub token: String,
    pub service_name: String,
    pub description: String,
    pub address: String,
    pub status_label: String,
    pub case_label: Option<String>,
    pub created_at_us: i64,
    pub events: Vec<(i64, String, String)>,
    pub photos: usize,
}

#[derive(Template)]
#[template(path = "reports/track.html")]
pub struct TrackView {
    pub ctx: PageCtx,
    pub code: String,
    pub report: Option<PublicReport>,
    pub not_found: bool,
    pub is_new: bool,
}

fn status_label(ctx: &PageCtx, status: &str) -> String {
    ctx.t(format!("reports.status.{status}"))
}

fn case_label(ctx: &PageCtx, r: &Report) -> Option<String> {
    let kind = r.case_kind.as_deref()?;
    let st = r.case_status.as_deref().unwrap_or("");
    Some(format!(
        "{} — {}",
        ctx.t(format!("reports.case.{kind}")),
        ctx.label(&format!("hazards.status_{kind}"), st)
    ))
}

fn event_rows(ctx: &PageCtx, ev: &[ReportEvent], public: bool) -> Vec<(i64, String, String)> {
    ev.iter()
        .map(|e| {
            // A rejection's reason is for staff; the reporter reads the status.
            let note = if public && e.status == "rejected" {
                String::new()
            } else if e.status == "case_update" {
                // "kind:status": the case's new status in words.
                let (kind, st) = e.note.split_once(':').unwrap_or(("", ""));
                format!(
                    "{} — {}",
                    ctx.t(format!("reports.case.{kind}")),
                    ctx.label(&format!("hazards.status_{kind}"), st)
                )
            } else {
                e.note.clone()
            };
            (e.at_us, status_label(ctx, &e.status), note)
        })
        .collect()
}

pub async fn track(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<TrackQuery>,
) -> AppResult<Response> {
    let code = q.code.as_deref().unwrap_or("").trim().to_uppercase();
    let mut report = None;
    let mut not_found = false;
    if !code.is_empty() {
        match st.store.report_by_token(&code).await {
            Ok(r) if atgt_core::reports::is_code(&code) => {
                let ev = st.store.report_events(r.id).await?;
                let photos = st.store.report_files(r.id).await?.len();
                report = Some(PublicReport {
                    token: r.token.clone(),
                    service_name: service(&r.service_code)
                        .map(|s| ctx.t(s.name_key))
                        .unwrap_or_default(),
                    description: if r.service_code == "VIOLATION" {
                        String::new()
                    } else {
                        r.description.clone()
                    },
                    address: r.address.clone(),
                    status_label: status_label(&ctx, &r.status),
                    case_label: case_label(&ctx, &r),
                    created_at_us: r.created_at_us,
                    events: event_rows(&ctx, &ev, true),
                    photos,
                });
            }
            Ok(_) | Err(atgt_store::StoreError::NotFound) => not_found = true,
            Err(e) => return Err(e.into()),
        }
    }
    let v = TrackView {
        ctx,
        code,
        report,
        not_found,
        is_new: q.new.is_some(),
    };
    let mut r = render(&v.ctx, &v)?;
    if v.not_found {
        *r.status_mut() = StatusCode::NOT_FOUND;
    }
    Ok(r)
}

// ---------------------------------------------------------------------------------------
// Staff side

#[derive(Debug, Deserialize, Default)]
pub struct QueueQuery {
    #[serde(default)]
    pub status: Option<String>,
}

pub struct QueueRow {
    pub r: Report,
    pub service_name: String,
    pub status_label: String,
    /// The resolved encroachment case this report is near (re-encroachment).
    pub reencroaches: Option<(i64, f64)>,
    /// Earlier reports of the same service within the distance (possible duplicates).
    pub near: Vec<i64>,
}

#[derive(Template)]
#[template(path = "reports/queue.html")]
pub struct QueueView {
    pub ctx: PageCtx,
    pub rows: Vec<QueueRow>,
    pub status: String,
    pub statuses: Vec<(&'static str, String)>,
    pub distance_m: f64,
}

async fn queue_rows(st: &AppState, ctx: &PageCtx, list: Vec<Report>) -> AppResult<Vec<QueueRow>> {
    let resolved = st.store.resolved_encroachments().await?;
    let d = st.config.reencroachment_m;
    let all = st
        .store
        .reports(&ReportFilter {
            limit: 1000,
            ..Default::default()
        })
        .await?;
    Ok(list
        .into_iter()
        .map(|r| {
            let p = r.lon.zip(r.lat).map(|(lo, la)| Point::new(lo, la));
            let is_enc = matches!(
                service(&r.service_code).map(|s| s.target),
                Some(Target::Encroachment(_))
            );
            let reencroaches = p
                .filter(|_| is_enc)
                .and_then(|p| atgt_core::hazards::reencroachment(p, &resolved, d))
                .map(|(c, m)| (c.id, m.round()));
            let near = p
                .map(|p| {
                    all.iter()
                        .filter(|o| {
                            o.id != r.id
                                && o.service_code == r.service_code
                                && o.created_at_us <= r.created_at_us
                        })
                        .filter(|o| {
                            o.lon
                                .zip(o.lat)
                                .is_some_and(|(lo, la)| haversine_m(p, Point::new(lo, la)) <= d)
                        })
                        .map(|o| o.id)
                        .collect()
                })
                .unwrap_or_default();
            QueueRow {
                service_name: service(&r.service_code)
                    .map(|s| ctx.t(s.name_key))
                    .unwrap_or_default(),
                status_label: status_label(ctx, &r.status),
                reencroaches,
                near,
                r,
            }
        })
        .collect())
}

pub async fn queue(
    State(st): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<QueueQuery>,
) -> AppResult<Response> {
    let status = q.status.clone().unwrap_or_else(|| "received".into());
    let list = st
        .store
        .reports(&ReportFilter {
            status: Some(status.clone()).filter(|s| s != "all"),
            limit: 500,
            ..Default::default()
        })
        .await?;
    let rows = queue_rows(&st, &ctx, list).await?;
    let v = QueueView {
        statuses: atgt_core::reports::STATUSES
            .iter()
            .map(|s| (*s, status_label(&ctx, s)))
            .collect(),
        rows,
        status,
        distance_m: st.config.reencroachment_m,
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "reports/show.html")]
pub struct ShowView {
    pub ctx: PageCtx,
    pub row: QueueRow,
    pub case_label: Option<String>,
    pub attributes: Vec<(String, String)>,
    pub files: Vec<ReportFile>,
    pub events: Vec<(i64, String, String)>,
    pub crossings: Vec<(i64, String)>,
    pub proposals: Vec<(i64, String)>,
    pub target: &'static str,
    pub enc_kinds: Vec<(&'static str, String)>,
    pub enc_kind: &'static str,
    pub crossing_statuses: Vec<(&'static str, String)>,
    pub proposal_kind: &'static str,
    pub today: String,
}

pub async fn show(
    State(st): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let r = st.store.report(id).await?;
    let events = st.store.report_events(id).await?;
    let files = st.store.report_files(id).await?;
    let svc = service(&r.service_code);
    let attributes = r
        .attributes
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = v.as_str().unwrap_or("").to_string();
                    let shown = ctx.label("open311.value", &v);
                    (ctx.t(format!("open311.attr.{k}")), shown)
                })
                .collect()
        })
        .unwrap_or_default();
    let (target, enc_kind, proposal_kind) = match svc.map(|s| s.target) {
        Some(Target::Encroachment(k)) => ("encroachment", k, "other"),
        Some(Target::Crossing) => ("crossing", "sidewalk", "other"),
        Some(Target::Proposal(k)) => ("proposal", "sidewalk", k),
        Some(Target::Enforcement) => ("enforcement", "sidewalk", "other"),
        None => ("none", "sidewalk", "other"),
    };
    let case_label = case_label(&ctx, &r);
    let mut rows = queue_rows(&st, &ctx, vec![r]).await?;
    let row = rows.remove(0);
    let v = ShowView {
        case_label,
        attributes,
        files,
        events: event_rows(&ctx, &events, false),
        crossings: st
            .store
            .crossings()
            .await?
            .into_iter()
            .map(|c| {
                (
                    c.id,
                    format!("{} (Km {})", c.name, atgt_core::geo::format_km(c.km)),
                )
            })
            .collect(),
        proposals: st
            .store
            .proposals()
            .await?
            .into_iter()
            .map(|p| (p.id, p.title))
            .collect(),
        target,
        enc_kinds: atgt_core::hazards::ENCROACHMENT_KINDS
            .iter()
            .map(|k| (*k, ctx.t(format!("hazards.enc_kind.{k}"))))
            .collect(),
        enc_kind,
        crossing_statuses: atgt_core::hazards::CROSSING_STATUSES
            .iter()
            .map(|k| (*k, ctx.t(format!("hazards.status_crossing.{k}"))))
            .collect(),
        proposal_kind,
        today: atgt_core::time::format_date(atgt_core::time::local_date(jiff::Timestamp::now())),
        row,
        ctx,
    };
    render(&v.ctx, &v)
}

/// A triage decision from the report's page.
#[derive(Debug, Deserialize, Default)]
pub struct TriageForm {
    pub action: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub responsible: String,
    #[serde(default)]
    pub deadline: Option<String>,
    #[serde(default)]
    pub target_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub km: String,
    #[serde(default)]
    pub on_date: String,
    #[serde(default)]
    pub measure: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub justification: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub duplicate_of: String,
    #[serde(default)]
    pub reason: String,
}

fn opt_id(s: &str, field: &str) -> Result<Option<i64>, AppError> {
    let s = s.trim().trim_start_matches('#');
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<i64>()
        .map(Some)
        .map_err(|_| AppError::invalid(field, "reports.error.bad_id"))
}

async fn decision(st: &AppState, r: &Report, f: &TriageForm) -> Result<Triage, AppError> {
    let need_point = || {
        r.lon
            .zip(r.lat)
            .ok_or_else(|| AppError::invalid("lat", "reports.error.no_coordinates"))
    };
    Ok(match f.action.as_str() {
        "encroachment" => {
            let (lon, lat) = need_point()?;
            Triage::Encroachment(EncroachmentInput {
                place: if f.place.trim().is_empty() {
                    r.address.clone()
                } else {
                    f.place.clone()
                },
                kind: f.kind.clone(),
                commune_code: None,
                responsible: f.responsible.clone(),
                lon,
                lat,
                description: r.description.clone(),
                deadline: f.deadline.clone(),
            })
        }
        "crossing" => match opt_id(&f.target_id, "target_id")? {
            Some(id) => Triage::CrossingMeasure {
                crossing_id: id,
                on_date: f.on_date.clone(),
                measure: f.measure.clone(),
                status: f.status.clone(),
            },
            None => {
                let km = atgt_core::geo::parse_km(&f.km)
                    .ok_or_else(|| AppError::invalid("km", "hazards.error.bad_km"))?;
                Triage::NewCrossing(CrossingInput {
                    name: f.name.clone(),
                    line: String::new(),
                    km,
                    kind: "unauthorised".into(),
                    status: if f.status.is_empty() {
                        "open".into()
                    } else {
                        f.status.clone()
                    },
                    commune_code: None,
                    lon: r.lon,
                    lat: r.lat,
                    deadline: f.deadline.clone(),
                })
            }
        },
        "proposal" => match opt_id(&f.target_id, "target_id")? {
            Some(id) => Triage::Proposal(id),
            None => Triage::NewProposal(ProposalInput {
                title: f.title.clone(),
                kind: f.kind.clone(),
                justification: if f.justification.trim().is_empty() {
                    r.description.clone()
                } else {
                    f.justification.clone()
                },
                ..Default::default()
            }),
        },
        "forward" => Triage::Forward(f.note.clone()),
        "duplicate" => {
            let of = match opt_id(&f.duplicate_of, "duplicate_of") {
                Ok(Some(id)) => id,
                Ok(None) => return Err(AppError::invalid("duplicate_of", "error.required")),
                // A tracking code works as well as a number.
                Err(e) => st
                    .store
                    .report_by_token(f.duplicate_of.trim())
                    .await
                    .map(|o| o.id)
                    .map_err(|_| e)?,
            };
            Triage::Duplicate(of)
        }
        "reject" => Triage::Reject(f.reason.clone()),
        _ => return Err(AppError::invalid("action", "error.bad_request")),
    })
}

pub async fn triage(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<TriageForm>,
) -> AppResult<Response> {
    let r = st.store.report(id).await?;
    let t = decision(&st, &r, &f).await?;
    st.store
        .report_triage(&p.actor(), id, &t, st.config.reencroachment_m)
        .await?;
    Ok(redirect_with_flash(
        &format!("/reports/{id}"),
        "common.saved",
    ))
}

/// A photo or video of a report (staff only: it may show people).
pub async fn file_get(
    State(st): State<AppState>,
    Path((id, sha)): Path<(i64, String)>,
) -> AppResult<Response> {
    let f = st
        .store
        .report_files(id)
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

#[derive(Template)]
#[template(path = "reports/violations.html")]
pub struct ViolationsView {
    pub ctx: PageCtx,
    pub rows: Vec<QueueRow>,
    /// The photos and videos of each row, by report id.
    pub files: std::collections::HashMap<i64, Vec<ReportFile>>,
}

/// Violation reports forwarded to traffic police, for officers to verify.
pub async fn violations(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let list = st
        .store
        .reports(&ReportFilter {
            status: Some("forwarded".into()),
            limit: 500,
            ..Default::default()
        })
        .await?;
    let rows = queue_rows(&st, &ctx, list).await?;
    let mut files = std::collections::HashMap::new();
    for r in &rows {
        files.insert(r.r.id, st.store.report_files(r.r.id).await?);
    }
    let v = ViolationsView { ctx, rows, files };
    render(&v.ctx, &v)
}

/// A photo or video of a forwarded violation report, for traffic police.
pub async fn violation_file_get(
    State(st): State<AppState>,
    Path((id, sha)): Path<(i64, String)>,
) -> AppResult<Response> {
    if st.store.report(id).await?.status != "forwarded" {
        return Err(AppError::NotFound);
    }
    file_get(State(st), Path((id, sha))).await
}
