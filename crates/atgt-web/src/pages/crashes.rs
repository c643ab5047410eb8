//! The crash registry pages: list with filters, a crash with its versions, entry and
//! correction forms (usable on a phone; place by road + km or on the map), import,
//! statistics with the same period last year, the leader dashboard, the map, exports.

use super::Pager;
use crate::auth::{Current, Principal};
use crate::charts::{BarChart, TrendChart};
use crate::error::{AppError, AppResult};
use crate::exports::{self, Labels};
use crate::routes::urlencode;
use crate::state::AppState;
use crate::view::{PageCtx, redirect_with_flash, render};
use askama::Template;
use atgt_core::admin::{Level, Scheme};
use atgt_core::auth::Perm;
use atgt_core::crashes::{
    AGE_GROUPS, CAUSES, CrashRecord, LIGHT, Occurred, Person, VEHICLE_KINDS, Vehicle, WEATHER,
};
use atgt_store::Store;
use atgt_store::admin::UnitQuery;
use atgt_store::crashes::stats::{Dim, Stats};
use atgt_store::crashes::{Crash, CrashFilter, ImportReport, Version};
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;

/// The filter as a query string, with the period defaulting to this year so far.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FilterQuery {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub commune: Option<String>,
    #[serde(default)]
    pub old_district: Option<String>,
    #[serde(default)]
    pub road: Option<String>,
    #[serde(default)]
    pub class: Option<String>,
    #[serde(default)]
    pub dim: Option<String>,
    #[serde(default)]
    pub collisions: Option<String>,
    #[serde(default)]
    pub page: Option<i64>,
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn today() -> Date {
    atgt_core::time::local_date(jiff::Timestamp::now())
}

impl FilterQuery {
    /// The store filter, with dates parsed (dd/mm/yyyy or ISO) and the user's area
    /// scope applied on top: nobody sees past their scope.
    pub fn filter(&self, scope: &CrashFilter) -> Result<CrashFilter, AppError> {
        let date = |s: &Option<String>, field: &str| -> Result<Option<String>, AppError> {
            match nonempty(s) {
                None => Ok(None),
                Some(v) => atgt_core::time::parse_date(&v)
                    .map(|d| Some(d.to_string()))
                    .ok_or_else(|| AppError::invalid(field, "error.bad_date")),
            }
        };
        let t = today();
        let from = date(&self.from, "from")?
            .unwrap_or_else(|| Date::new(t.year(), 1, 1).unwrap_or(t).to_string());
        let to = date(&self.to, "to")?.unwrap_or_else(|| t.to_string());
        let mut f = CrashFilter {
            from: Some(from),
            to: Some(to),
            commune: nonempty(&self.commune),
            old_district: nonempty(&self.old_district),
            road: nonempty(&self.road),
            class: nonempty(&self.class),
            include_collisions: self.collisions.is_some(),
            ..Default::default()
        };
        if scope.province.is_some() {
            f.province = scope.province.clone();
        }
        if scope.commune.is_some() {
            f.commune = scope.commune.clone();
        }
        if scope.old_district.is_some() {
            f.old_district = scope.old_district.clone();
        }
        Ok(f)
    }

    pub fn query_string(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("from", &self.from),
            ("to", &self.to),
            ("commune", &self.commune),
            ("old_district", &self.old_district),
            ("road", &self.road),
            ("class", &self.class),
            ("dim", &self.dim),
            ("collisions", &self.collisions),
        ] {
            if let Some(v) = nonempty(v) {
                parts.push(format!("{k}={}", urlencode(&v)));
            }
        }
        parts.join("&")
    }
}

/// The area a principal may see, as a crash filter (empty for the whole country).
pub async fn scope_filter(st: &AppState, p: &Principal) -> AppResult<CrashFilter> {
    let mut f = CrashFilter::default();
    let Some(u) = p.user() else { return Ok(f) };
    let (Some(scheme), Some(code)) = (u.scope_scheme, u.scope_code.clone()) else {
        return Ok(f);
    };
    let unit = st.store.admin_unit(scheme, &code).await?;
    match (scheme, unit.level) {
        (Scheme::New, Level::Province) => f.province = Some(code),
        (Scheme::New, _) => f.commune = Some(code),
        (Scheme::Old, Level::District) => f.old_district = Some(code),
        (Scheme::Old, Level::Commune) => {
            f.commune = st.store.admin_current_commune(&code).await?.or(Some(code))
        }
        // An old province is counted as the new province it joined.
        (Scheme::Old, Level::Province) => {
            let mapped = st
                .store
                .db
                .fetch_optional(
                    "SELECT DISTINCT n.province_code AS p FROM admin_unit_map m
                     JOIN admin_units o ON o.scheme = 'old' AND o.code = m.old_code AND o.level = m.old_level
                     JOIN admin_units n ON n.scheme = 'new' AND n.code = m.new_code
                     WHERE o.province_code = $1 LIMIT 1",
                    &[code.clone().into()],
                )
                .await?;
            f.province = match mapped {
                Some(r) => Some(r.text("p")?),
                None => Some(code),
            };
        }
    }
    Ok(f)
}

/// Names for the codes shown in tables: communes and provinces of both maps, roads.
/// The provinces with crashes come from the monthly totals, a small table, not from a
/// scan of every crash on each page view.
pub async fn labels(store: &Store) -> AppResult<Labels> {
    let mut l = Labels::default();
    for r in store.db.fetch_all("SELECT code, name, level, scheme FROM admin_units WHERE level <> 'commune' OR province_code IN (SELECT DISTINCT cur_province_code FROM crash_rollup)", &[]).await? {
        let (code, name, level, scheme) = (r.text("code")?, r.text("name")?, r.text("level")?, r.text("scheme")?);
        match (level.as_str(), scheme.as_str()) {
            ("province", "new") => {
                l.provinces.insert(code, name);
            }
            ("district", _) => {
                l.districts.insert(code, name);
            }
            ("commune", "new") => {
                l.communes.insert(code, name);
            }
            _ => {}
        }
    }
    for road in store.roads().await? {
        l.roads
            .insert(road.code.clone(), format!("{} ({})", road.name, road.code));
    }
    Ok(l)
}

/// Communes offered in the forms: those of the province of the demo/locality roads,
/// or the user's province.
async fn commune_options(st: &AppState) -> AppResult<Vec<(String, String)>> {
    let provinces: Vec<String> = {
        let mut p: Vec<String> = st
            .store
            .roads()
            .await?
            .into_iter()
            .map(|r| r.province_code)
            .collect();
        p.sort();
        p.dedup();
        p
    };
    let mut out = Vec::new();
    for p in provinces {
        let (units, _) = st
            .store
            .admin_units(&UnitQuery {
                scheme: Some(Scheme::New),
                level: Some(Level::Commune),
                province_code: Some(p),
                limit: 1000,
                ..Default::default()
            })
            .await?;
        out.extend(units.into_iter().map(|u| (u.code, u.name)));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// List, map, show

pub struct Row {
    pub crash: Crash,
    pub class_label: String,
    pub place: String,
    pub when: String,
}

fn place_text(c: &Crash, labels: &Labels) -> String {
    let mut parts = Vec::new();
    if let Some(r) = &c.road_code {
        match c.km {
            Some(km) => parts.push(format!("{r} {}", atgt_core::geo::format_km(km))),
            None => parts.push(r.clone()),
        }
    }
    if let Some(cc) = &c.cur_commune_code {
        parts.push(
            labels
                .communes
                .get(cc)
                .cloned()
                .unwrap_or_else(|| cc.clone()),
        );
    }
    if parts.is_empty() {
        match (c.lon, c.lat) {
            (Some(lon), Some(lat)) => parts.push(format!("{lat:.5}, {lon:.5}")),
            _ => parts.push("—".into()),
        }
    }
    parts.join(", ")
}

fn when_text(c: &Crash) -> String {
    match c.time_precision.as_str() {
        "minute" | "hour" => {
            atgt_core::time::format_local(atgt_core::time::from_micros(c.occurred_at_us))
        }
        "day" => c
            .local_date
            .parse::<Date>()
            .map(atgt_core::time::format_date)
            .unwrap_or_else(|_| c.local_date.clone()),
        "month" => format!("{:02}/{}", c.month.unwrap_or(0), c.year),
        _ => c.year.to_string(),
    }
}

fn rows(ctx: &PageCtx, list: Vec<Crash>, labels: &Labels) -> Vec<Row> {
    list.into_iter()
        .map(|c| Row {
            class_label: ctx.t(c.class.label_key()),
            place: place_text(&c, labels),
            when: when_text(&c),
            crash: c,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "crashes/list.html")]
struct ListView {
    ctx: PageCtx,
    qs: String,
    filter: CrashFilter,
    rows: Vec<Row>,
    pager: Pager,
    communes: Vec<(String, String)>,
    roads: Vec<(String, String)>,
    classes: Vec<(String, String)>,
}

async fn form_options(
    st: &AppState,
    ctx: &PageCtx,
) -> AppResult<(
    Vec<(String, String)>,
    Vec<(String, String)>,
    Vec<(String, String)>,
)> {
    let communes = commune_options(st).await?;
    let roads = st
        .store
        .roads()
        .await?
        .into_iter()
        .filter(|r| r.kind != "railway")
        .map(|r| (r.code.clone(), format!("{} ({})", r.name, r.code)))
        .collect();
    let classes = atgt_core::crashes::CrashClass::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), ctx.t(c.label_key())))
        .collect();
    Ok((communes, roads, classes))
}

pub async fn list(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<FilterQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let filter = q.filter(&scope_filter(&st, &p).await?)?;
    let page = q.page.unwrap_or(1).max(1);
    let (list, total) = st
        .store
        .crashes(
            &filter,
            super::ListQuery::PER_PAGE,
            (page - 1) * super::ListQuery::PER_PAGE,
        )
        .await?;
    let labels = labels(&st.store).await?;
    let (communes, roads, classes) = form_options(&st, &ctx).await?;
    let qs = q.query_string();
    let v = ListView {
        rows: rows(&ctx, list, &labels),
        pager: Pager::new(page, total, format!("/crashes?{qs}&")),
        qs,
        filter,
        communes,
        roads,
        classes,
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "crashes/map.html")]
struct MapView {
    ctx: PageCtx,
    qs: String,
}

pub async fn map(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<FilterQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    // Checked here so a bad date is reported on the page, not by the map's data request.
    q.filter(&scope_filter(&st, &p).await?)?;
    let v = MapView {
        qs: q.query_string(),
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "crashes/show.html")]
struct ShowView {
    ctx: PageCtx,
    row: Row,
    photos: Vec<atgt_store::files::FileInfo>,
    record: CrashRecord,
    versions: Vec<Version>,
    personal: bool,
    org_name: String,
    geojson: String,
}

/// The crash, if it lies in the asker's area; outside it, it does not exist for them.
pub async fn visible(st: &AppState, p: &Principal, id: i64) -> AppResult<Crash> {
    let c = st.store.crash(id).await?;
    let scope = scope_filter(st, p).await?;
    let inside = scope
        .province
        .as_ref()
        .is_none_or(|v| c.cur_province_code.as_ref() == Some(v))
        && scope
            .commune
            .as_ref()
            .is_none_or(|v| c.cur_commune_code.as_ref() == Some(v))
        && scope
            .old_district
            .as_ref()
            .is_none_or(|v| c.old_district_code.as_ref() == Some(v));
    // Outside the scope it does not exist for this person.
    if inside {
        Ok(c)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn show(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let c = visible(&st, &p, id).await?;
    let labels = labels(&st.store).await?;
    let personal = p.allows(Perm::CrashesPersonal);
    let mut record = st.store.crash_record(id).await?;
    let mut versions = st.store.crash_versions(id).await?;
    if personal {
        crate::pages::hub::log_crash_read(&st, &p, id, "people,photos", "page").await?;
    } else {
        // Victims' details are sensitive personal data: not shown without the permission.
        record.people.clear();
        for v in &mut versions {
            if let Some(r) = v.record.get_mut("record") {
                r["people"] = serde_json::Value::Array(Vec::new());
            }
        }
    }
    let org_name = match c.investigating_org_id {
        Some(o) => st.store.org(o).await.map(|o| o.name).unwrap_or_default(),
        None => String::new(),
    };
    let geojson = exports::crashes_geojson(std::slice::from_ref(&c), ctx.lang).to_string();
    let photos = if personal {
        st.store.crash_files(id).await?
    } else {
        Vec::new()
    };
    let row = rows(&ctx, vec![c], &labels).remove(0);
    let v = ShowView {
        ctx,
        row,
        photos,
        record,
        versions,
        personal,
        org_name,
        geojson,
    };
    render(&v.ctx, &v)
}

// ---------------------------------------------------------------------------------------
// Entry and correction

/// The entry form as posted. People are up to six rows (`p0_role`, `p0_age`, …).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CrashForm {
    #[serde(default)]
    pub external_id: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub commune_code: String,
    #[serde(default)]
    pub road: String,
    #[serde(default)]
    pub km: String,
    #[serde(default)]
    pub lon: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub deaths: String,
    #[serde(default)]
    pub injured: String,
    #[serde(default)]
    pub damage: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub investigating_org: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub weather: String,
    #[serde(default)]
    pub light: String,
    #[serde(flatten)]
    pub rest: std::collections::HashMap<String, String>,
}

pub const PERSON_ROWS: usize = 6;
/// Rows for vehicles with a plate; more vehicles are counted by kind.
pub const VEHICLE_ROWS: usize = 4;

impl CrashForm {
    fn from_record(r: &CrashRecord, org: String) -> CrashForm {
        let mut f = CrashForm {
            external_id: r.external_id.clone().unwrap_or_default(),
            date: r.occurred.local_date().to_string(),
            time: match (r.occurred.hour, r.occurred.minute) {
                (Some(h), m) => format!("{h:02}:{:02}", m.unwrap_or(0)),
                _ => String::new(),
            },
            commune_code: r.commune_code.clone().unwrap_or_default(),
            road: r.road_code.clone().unwrap_or_default(),
            km: r.km.map(atgt_core::geo::format_km).unwrap_or_default(),
            lon: r.lon.map(|v| v.to_string()).unwrap_or_default(),
            lat: r.lat.map(|v| v.to_string()).unwrap_or_default(),
            deaths: r.deaths.to_string(),
            injured: r.injured.to_string(),
            damage: r.property_damage_vnd.to_string(),
            description: r.description.clone(),
            investigating_org: org,
            weather: r.weather.clone().unwrap_or_default(),
            light: r.light.clone().unwrap_or_default(),
            ..Default::default()
        };
        let mut row = 0;
        for v in &r.vehicles {
            if row < VEHICLE_ROWS && (v.plate.is_some() || v.registration_province.is_some()) {
                f.rest.insert(format!("v{row}_kind"), v.kind.clone());
                f.rest
                    .insert(format!("v{row}_plate"), v.plate.clone().unwrap_or_default());
                f.rest.insert(
                    format!("v{row}_reg"),
                    v.registration_province.clone().unwrap_or_default(),
                );
                row += 1;
                continue;
            }
            *f.rest
                .entry(format!("veh_{}", v.kind))
                .or_insert_with(|| "0".into()) = (f
                .rest
                .get(&format!("veh_{}", v.kind))
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(0)
                + 1)
            .to_string();
        }
        for c in &r.causes {
            f.rest.insert(format!("cause_{c}"), "on".into());
        }
        for (i, p) in r.people.iter().enumerate().take(PERSON_ROWS) {
            f.rest.insert(format!("p{i}_role"), p.role.clone());
            f.rest
                .insert(format!("p{i}_age"), p.age_group.clone().unwrap_or_default());
            f.rest.insert(format!("p{i}_outcome"), p.outcome.clone());
            f.rest.insert(
                format!("p{i}_rate"),
                p.injury_rate.map(|v| v.to_string()).unwrap_or_default(),
            );
            f.rest.insert(
                format!("p{i}_died"),
                p.died_after_days.map(|v| v.to_string()).unwrap_or_default(),
            );
            f.rest.insert(
                format!("p{i}_alcohol"),
                p.alcohol_breath_mg_l
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            );
        }
        f
    }

    pub fn get(&self, k: impl AsRef<str>) -> String {
        self.rest.get(k.as_ref()).cloned().unwrap_or_default()
    }

    pub fn checked(&self, k: impl AsRef<str>) -> bool {
        self.rest.contains_key(k.as_ref())
    }

    /// Whether field `k` holds `v` (for selected options).
    pub fn is(&self, k: impl AsRef<str>, v: &str) -> bool {
        self.rest.get(k.as_ref()).is_some_and(|x| x == v)
    }

    /// The record, or the first field at fault.
    fn record(&self) -> Result<CrashRecord, AppError> {
        use atgt_core::mapping::{parse_decimal, parse_int};
        let date = atgt_core::time::parse_date(&self.date)
            .ok_or_else(|| AppError::invalid("date", "error.bad_date"))?;
        let mut occurred = Occurred {
            year: date.year(),
            month: Some(date.month()),
            day: Some(date.day()),
            ..Default::default()
        };
        if !self.time.trim().is_empty() {
            let (h, m) = self
                .time
                .trim()
                .split_once(':')
                .ok_or_else(|| AppError::invalid("time", "error.crash_hour"))?;
            occurred.hour = Some(
                h.trim()
                    .parse()
                    .map_err(|_| AppError::invalid("time", "error.crash_hour"))?,
            );
            occurred.minute = Some(
                m.trim()
                    .parse()
                    .map_err(|_| AppError::invalid("time", "error.crash_hour"))?,
            );
        }
        let num = |v: &str, field: &str| -> Result<Option<i64>, AppError> {
            if v.trim().is_empty() {
                Ok(None)
            } else {
                parse_int(v)
                    .map(Some)
                    .ok_or_else(|| AppError::invalid(field, "error.bad_number"))
            }
        };
        let dec = |v: &str, field: &str| -> Result<Option<f64>, AppError> {
            if v.trim().is_empty() {
                Ok(None)
            } else {
                parse_decimal(v)
                    .map(Some)
                    .ok_or_else(|| AppError::invalid(field, "error.bad_number"))
            }
        };
        let km = if self.km.trim().is_empty() {
            None
        } else {
            Some(
                atgt_core::geo::parse_km(&self.km)
                    .ok_or_else(|| AppError::invalid("km", "error.bad_number"))?,
            )
        };
        let mut vehicles = Vec::new();
        for i in 0..VEHICLE_ROWS {
            let text = |k: &str| Some(self.get(format!("v{i}_{k}")).trim().to_string());
            let kind = text("kind").unwrap_or_default();
            let plate = text("plate").filter(|s| !s.is_empty());
            let reg = text("reg").filter(|s| !s.is_empty());
            if kind.is_empty() {
                if plate.is_some() || reg.is_some() {
                    return Err(AppError::invalid("vehicles", "error.crash_vehicle_kind"));
                }
                continue;
            }
            if !VEHICLE_KINDS.contains(&kind.as_str()) {
                return Err(AppError::invalid("vehicles", "error.crash_vehicle_kind"));
            }
            vehicles.push(Vehicle {
                kind,
                plate: plate.map(|p| p.to_uppercase()),
                registration_province: reg,
            });
        }
        let pick = |v: &str, field: &str, list: &[&str]| -> Result<Option<String>, AppError> {
            let v = v.trim();
            if v.is_empty() {
                Ok(None)
            } else if list.contains(&v) {
                Ok(Some(v.to_string()))
            } else {
                Err(AppError::invalid(field, "error.bad_request"))
            }
        };
        let weather = pick(&self.weather, "weather", WEATHER)?;
        let light = pick(&self.light, "light", LIGHT)?;
        for k in VEHICLE_KINDS {
            let n = num(&self.get(format!("veh_{k}")), "vehicle_types")?
                .unwrap_or(0)
                .clamp(0, 50);
            for _ in 0..n {
                vehicles.push(Vehicle {
                    kind: k.to_string(),
                    ..Default::default()
                });
            }
        }
        let causes: Vec<String> = CAUSES
            .iter()
            .filter(|c| self.checked(format!("cause_{c}")))
            .map(|c| c.to_string())
            .collect();
        let mut people = Vec::new();
        for i in 0..PERSON_ROWS {
            let outcome = self.get(format!("p{i}_outcome"));
            if outcome.is_empty() {
                continue;
            }
            people.push(Person {
                role: Some(self.get(format!("p{i}_role")))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "other".into()),
                age_group: Some(self.get(format!("p{i}_age"))).filter(|s| !s.is_empty()),
                outcome,
                injury_rate: dec(&self.get(format!("p{i}_rate")), "people")?,
                died_after_days: num(&self.get(format!("p{i}_died")), "people")?
                    .map(|v| v.clamp(0, 10_000) as u32),
                alcohol_breath_mg_l: dec(&self.get(format!("p{i}_alcohol")), "people")?,
                ..Default::default()
            });
        }
        let mut rec = CrashRecord {
            external_id: Some(self.external_id.trim().to_string()).filter(|s| !s.is_empty()),
            occurred,
            commune_code: Some(self.commune_code.trim().to_string()).filter(|s| !s.is_empty()),
            road_code: Some(self.road.trim().to_string()).filter(|s| !s.is_empty()),
            km,
            lon: dec(&self.lon, "lon")?,
            lat: dec(&self.lat, "lat")?,
            deaths: num(&self.deaths, "deaths")?.unwrap_or(0).clamp(0, 10_000) as u32,
            injured: num(&self.injured, "injured")?.unwrap_or(0).clamp(0, 10_000) as u32,
            property_damage_vnd: num(&self.damage, "property_damage_vnd")?.unwrap_or(0),
            people,
            vehicles,
            causes,
            description: self.description.trim().to_string(),
            weather,
            light,
            ..Default::default()
        };
        if rec.km.is_some() && rec.lon.is_some() {
            // Both given: the km post wins; the point is computed from it.
            rec.lon = None;
            rec.lat = None;
        }
        if !rec.people.is_empty() {
            let (d, i) = rec.counts_from_people(7);
            rec.deaths = d;
            rec.injured = i;
        }
        Ok(rec)
    }
}

#[derive(Template)]
#[template(path = "crashes/form.html")]
struct FormView {
    ctx: PageCtx,
    action: String,
    is_new: bool,
    form: CrashForm,
    error: Option<String>,
    communes: Vec<(String, String)>,
    roads: Vec<(String, String)>,
    vehicle_kinds: Vec<(String, String)>,
    causes: Vec<(String, String)>,
    ages: Vec<&'static str>,
    person_rows: Vec<usize>,
    vehicle_rows: Vec<usize>,
    weather: Vec<(String, String)>,
    light: Vec<(String, String)>,
    personal: bool,
}

async fn form_view(
    st: &AppState,
    ctx: PageCtx,
    action: String,
    is_new: bool,
    form: CrashForm,
    error: Option<String>,
    personal: bool,
) -> AppResult<FormView> {
    let (communes, roads, _) = form_options(st, &ctx).await?;
    let vehicle_kinds = VEHICLE_KINDS
        .iter()
        .map(|k| (k.to_string(), ctx.t(format!("vehicle_kind.{k}"))))
        .collect();
    let causes = CAUSES
        .iter()
        .map(|k| (k.to_string(), ctx.t(format!("crash_cause.{k}"))))
        .collect();
    let labels = |list: &[&str], prefix: &str| -> Vec<(String, String)> {
        list.iter()
            .map(|k| (k.to_string(), ctx.t(format!("{prefix}.{k}"))))
            .collect()
    };
    let (weather, light) = (labels(WEATHER, "weather"), labels(LIGHT, "light"));
    Ok(FormView {
        ctx,
        action,
        is_new,
        form,
        error,
        communes,
        roads,
        vehicle_kinds,
        causes,
        ages: AGE_GROUPS.to_vec(),
        person_rows: (0..PERSON_ROWS).collect(),
        vehicle_rows: (0..VEHICLE_ROWS).collect(),
        weather,
        light,
        personal,
    })
}

pub async fn new_form(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
) -> AppResult<Response> {
    let t = jiff::Timestamp::now();
    let form = CrashForm {
        date: atgt_core::time::local_date(t).to_string(),
        time: atgt_core::time::local(t).strftime("%H:%M").to_string(),
        ..Default::default()
    };
    let v = form_view(
        &st,
        ctx,
        "/crashes".into(),
        true,
        form,
        None,
        p.allows(Perm::CrashesPersonal),
    )
    .await?;
    render(&v.ctx, &v)
}

async fn refill(
    st: &AppState,
    ctx: PageCtx,
    action: String,
    is_new: bool,
    form: CrashForm,
    e: AppError,
    personal: bool,
) -> AppResult<Response> {
    match e {
        AppError::Invalid { .. } | AppError::Conflict => {
            let msg = e.message(ctx.lang);
            let v = form_view(st, ctx, action, is_new, form, Some(msg), personal).await?;
            let mut r = render(&v.ctx, &v)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        e => Err(e),
    }
}

pub async fn create(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    let form: CrashForm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::invalid("date", "error.bad_request"))?;
    let personal = p.allows(Perm::CrashesPersonal);
    let result = async {
        let rec = form.record()?;
        let org = Some(form.investigating_org.as_str()).filter(|s| !s.trim().is_empty());
        Ok::<_, AppError>(st.store.crash_create(&p.actor(), &rec, "ui", org).await?)
    }
    .await;
    match result {
        Ok(c) => Ok(redirect_with_flash(
            &format!("/crashes/{}", c.id),
            "common.saved",
        )),
        Err(e) => refill(&st, ctx, "/crashes".into(), true, form, e, personal).await,
    }
}

pub async fn edit_form(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let c = visible(&st, &p, id).await?;
    let rec = st.store.crash_record(id).await?;
    let org = match c.investigating_org_id {
        Some(o) => st.store.org(o).await.map(|o| o.code).unwrap_or_default(),
        None => String::new(),
    };
    let personal = p.allows(Perm::CrashesPersonal);
    let v = form_view(
        &st,
        ctx,
        format!("/crashes/{id}"),
        false,
        CrashForm::from_record(&rec, org),
        None,
        personal,
    )
    .await?;
    render(&v.ctx, &v)
}

pub async fn update(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    ctx: PageCtx,
    body: Bytes,
) -> AppResult<Response> {
    visible(&st, &p, id).await?;
    let form: CrashForm = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::invalid("date", "error.bad_request"))?;
    let personal = p.allows(Perm::CrashesPersonal);
    let result = async {
        let mut rec = form.record()?;
        if !personal {
            // Someone who cannot see the people cannot have erased them either.
            let old = st.store.crash_record(id).await?;
            rec.people = old.people;
            rec.deaths = rec.deaths.max(old.deaths);
        }
        rec.external_id = st.store.crash(id).await?.external_id;
        let org = Some(form.investigating_org.as_str()).filter(|s| !s.trim().is_empty());
        Ok::<_, AppError>(
            st.store
                .crash_update(&p.actor(), id, &rec, &form.reason, org)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &format!("/crashes/{id}"),
            "common.saved",
        )),
        Err(e) => refill(&st, ctx, format!("/crashes/{id}"), false, form, e, personal).await,
    }
}

// ---------------------------------------------------------------------------------------
// Import

#[derive(Template)]
#[template(path = "crashes/import.html")]
struct ImportView {
    ctx: PageCtx,
    report: Option<ImportReport>,
    error: Option<String>,
    file_name: String,
    messages: Vec<String>,
}

pub async fn import_form(ctx: PageCtx) -> AppResult<Response> {
    let v = ImportView {
        ctx,
        report: None,
        error: None,
        file_name: String::new(),
        messages: Vec::new(),
    };
    render(&v.ctx, &v)
}

/// The mappings shipped with the program, selectable in the form.
pub const MAPPINGS: &[(&str, &str)] = &[(
    "ireland",
    include_str!("../../../../data/mappings/ireland.toml"),
)];

pub async fn import_submit(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    mut mp: Multipart,
) -> AppResult<Response> {
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut mapping: Option<String> = None;
    let mut dry_run = false;
    let mut strict = false;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|_| AppError::invalid("file", "error.bad_request"))?
    {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                let fname = field.file_name().unwrap_or("upload").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::invalid("file", "error.bad_request"))?;
                file = Some((fname, bytes.to_vec()));
            }
            "mapping_file" => {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::invalid("mapping_file", "error.bad_request"))?;
                if !bytes.is_empty() {
                    mapping = Some(
                        String::from_utf8(bytes.to_vec())
                            .map_err(|_| AppError::invalid("mapping_file", "error.bad_request"))?,
                    );
                }
            }
            "mapping" => {
                let v = field.text().await.unwrap_or_default();
                if let Some((_, m)) = MAPPINGS.iter().find(|(k, _)| *k == v) {
                    mapping.get_or_insert_with(|| m.to_string());
                }
            }
            "dry_run" => dry_run = true,
            "strict" => strict = true,
            _ => {}
        }
    }
    let Some((fname, bytes)) = file.filter(|f| !f.1.is_empty()) else {
        return Err(AppError::invalid("file", "error.required"));
    };
    let lang = ctx.lang;
    let rows = match crate::tabular::parse_crashes_lazily(&bytes, mapping.as_deref()) {
        Ok(r) => r,
        Err((k, a)) => {
            let msg = atgt_core::i18n::tf(lang, &k, &[("code", &a)]);
            let v = ImportView {
                ctx,
                report: None,
                error: Some(msg),
                file_name: fname,
                messages: Vec::new(),
            };
            let mut r = render(&v.ctx, &v)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(r);
        }
    };
    let report = st
        .store
        .crash_import(&p.actor(), rows, &fname, dry_run, strict, |_| {})
        .await?;
    let messages = report
        .rejected
        .iter()
        .take(500)
        .map(|e| {
            let reason =
                atgt_core::i18n::tf(lang, &e.key, &[("code", &e.arg), ("field", &e.column)]);
            atgt_core::i18n::tf(
                lang,
                "crashes.import_row_error",
                &[
                    ("row", &e.row.to_string()),
                    ("column", &e.column),
                    ("reason", &reason),
                ],
            )
        })
        .collect();
    let v = ImportView {
        ctx,
        report: Some(report),
        error: None,
        file_name: fname,
        messages,
    };
    render(&v.ctx, &v)
}

// ---------------------------------------------------------------------------------------
// Statistics and dashboard

pub struct StatLine {
    pub label: String,
    pub crashes: i64,
    pub deaths: i64,
    pub injured: i64,
    pub prev_crashes: i64,
    pub prev_deaths: i64,
    pub prev_injured: i64,
    pub d_crashes: String,
    pub d_deaths: String,
    pub d_injured: String,
}

fn delta(now: i64, before: i64, lang: atgt_core::i18n::Lang) -> String {
    match atgt_core::crashes::pct_change(before, now) {
        Some(p) => format!(
            "{} ({})",
            exports::format_signed(now - before, lang),
            exports::format_pct(p, lang)
        ),
        None => exports::format_signed(now - before, lang),
    }
}

fn lines(stats: &Stats, lang: atgt_core::i18n::Lang, labels: &Labels) -> Vec<StatLine> {
    stats
        .rows
        .iter()
        .map(|r| StatLine {
            label: exports::key_label(stats.dim, &r.key, lang, labels),
            crashes: r.crashes,
            deaths: r.deaths,
            injured: r.injured,
            prev_crashes: r.prev_crashes,
            prev_deaths: r.prev_deaths,
            prev_injured: r.prev_injured,
            d_crashes: delta(r.crashes, r.prev_crashes, lang),
            d_deaths: delta(r.deaths, r.prev_deaths, lang),
            d_injured: delta(r.injured, r.prev_injured, lang),
        })
        .collect()
}

fn total_line(stats: &Stats, lang: atgt_core::i18n::Lang) -> StatLine {
    let r = &stats.total;
    StatLine {
        label: atgt_core::i18n::t(lang, "crashes.total").to_string(),
        crashes: r.crashes,
        deaths: r.deaths,
        injured: r.injured,
        prev_crashes: r.prev_crashes,
        prev_deaths: r.prev_deaths,
        prev_injured: r.prev_injured,
        d_crashes: delta(r.crashes, r.prev_crashes, lang),
        d_deaths: delta(r.deaths, r.prev_deaths, lang),
        d_injured: delta(r.injured, r.prev_injured, lang),
    }
}

#[derive(Template)]
#[template(path = "crashes/stats.html")]
struct StatsView {
    ctx: PageCtx,
    q: FilterQuery,
    qs: String,
    dim: String,
    dims: Vec<(String, String)>,
    stats: Stats,
    lines: Vec<StatLine>,
    total: StatLine,
    chart: BarChart,
    communes: Vec<(String, String)>,
    roads: Vec<(String, String)>,
}

pub fn parse_dim(s: Option<&str>, default: Dim) -> AppResult<Dim> {
    match s.filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(d) => d
            .parse()
            .map_err(|_| AppError::invalid("dim", "error.bad_request")),
    }
}

pub async fn stats(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<FilterQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let filter = q.filter(&scope_filter(&st, &p).await?)?;
    let dim = parse_dim(q.dim.as_deref(), Dim::Commune)?;
    let stats = st.store.crash_stats(&filter, dim).await?;
    let labels = labels(&st.store).await?;
    let lines = lines(&stats, ctx.lang, &labels);
    let total = total_line(&stats, ctx.lang);
    let chart = BarChart::paired(
        &lines
            .iter()
            .map(|l| (l.label.clone(), l.crashes as f64, l.prev_crashes as f64))
            .collect::<Vec<_>>(),
        &ctx.t("crashes.period_now"),
        &ctx.t("crashes.period_prev"),
    );
    let dims = Dim::ALL
        .iter()
        .filter(|d| **d != Dim::Total)
        .map(|d| {
            (
                d.as_str().to_string(),
                ctx.t(format!("export.dim_{}", d.as_str())),
            )
        })
        .collect();
    let (communes, roads, _) = form_options(&st, &ctx).await?;
    let v = StatsView {
        qs: q.query_string(),
        dim: dim.as_str().into(),
        q,
        dims,
        stats,
        lines,
        total,
        chart,
        communes,
        roads,
        ctx,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "crashes/dashboard.html")]
struct DashboardView {
    ctx: PageCtx,
    period: String,
    total: StatLine,
    trend: TrendChart,
    by_area: Vec<StatLine>,
    area_dim: String,
}

pub async fn dashboard(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<FilterQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let scope = scope_filter(&st, &p).await?;
    let filter = q.filter(&scope)?;
    let total = st.store.crash_stats(&filter, Dim::Total).await?;
    let labels = labels(&st.store).await?;
    // The trend: the last 24 whole months up to the period's end.
    let to: Date = filter
        .to
        .as_deref()
        .unwrap_or_default()
        .parse()
        .map_err(|_| AppError::invalid("to", "error.bad_date"))?;
    let trend_from = to
        .first_of_month()
        .checked_sub(jiff::Span::new().months(23))
        .unwrap_or(to);
    let trend_filter = CrashFilter {
        from: Some(trend_from.to_string()),
        to: Some(to.last_of_month().to_string()),
        ..filter.clone()
    };
    let by_month = st.store.crash_stats(&trend_filter, Dim::Month).await?;
    let points: Vec<(String, f64, f64, f64)> = by_month
        .rows
        .iter()
        .filter(|r| {
            !r.key.ends_with("??")
                && r.key.as_str() >= trend_from.to_string().get(..7).unwrap_or("")
        })
        .map(|r| {
            (
                r.key.clone(),
                r.crashes as f64,
                r.deaths as f64,
                r.injured as f64,
            )
        })
        .collect();
    let trend = TrendChart::new(
        &points,
        &[
            ctx.t("crashes.crashes"),
            ctx.t("crashes.deaths"),
            ctx.t("crashes.injured"),
        ],
    );
    let area_dim = if scope.commune.is_some() {
        Dim::Road
    } else {
        Dim::Commune
    };
    let by_area_stats = st.store.crash_stats(&filter, area_dim).await?;
    let v = DashboardView {
        period: format!(
            "{} – {}",
            atgt_core::time::format_date(
                filter
                    .from
                    .as_deref()
                    .unwrap_or_default()
                    .parse()
                    .unwrap_or(to)
            ),
            atgt_core::time::format_date(to)
        ),
        total: total_line(&total, ctx.lang),
        trend,
        by_area: lines(&by_area_stats, ctx.lang, &labels),
        area_dim: ctx.t(format!("export.dim_{}", area_dim.as_str())),
        ctx,
    };
    render(&v.ctx, &v)
}

// ---------------------------------------------------------------------------------------
// Exports

const EXPORT_LIMIT: i64 = 200_000;

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

async fn export_rows(st: &AppState, p: &Principal, q: &FilterQuery) -> AppResult<Vec<Crash>> {
    let filter = q.filter(&scope_filter(st, p).await?)?;
    Ok(st.store.crashes(&filter, EXPORT_LIMIT, 0).await?.0)
}

pub async fn export_csv(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<FilterQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let rows = export_rows(&st, &p, &q).await?;
    Ok(download(
        exports::crashes_csv(&rows, ctx.lang),
        "text/csv; charset=utf-8",
        "tai-nan-giao-thong.csv",
    ))
}

pub async fn export_xlsx(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<FilterQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let rows = export_rows(&st, &p, &q).await?;
    let labels = labels(&st.store).await?;
    let bytes = exports::crashes_xlsx(&rows, ctx.lang, &labels)?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "tai-nan-giao-thong.xlsx",
    ))
}

pub async fn export_geojson(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<FilterQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let rows = export_rows(&st, &p, &q).await?;
    let v = exports::crashes_geojson(&rows, ctx.lang);
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        v.to_string(),
    )
        .into_response())
}

pub async fn export_stats_xlsx(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<FilterQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let filter = q.filter(&scope_filter(&st, &p).await?)?;
    let dim = parse_dim(q.dim.as_deref(), Dim::Commune)?;
    let stats = st.store.crash_stats(&filter, dim).await?;
    let labels = labels(&st.store).await?;
    let bytes = exports::stats_xlsx(&stats, ctx.lang, &labels)?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "thong-ke-tai-nan.xlsx",
    ))
}

/// The periodic report as DOCX in the Decree 30/2020 layout, issued by the unit of the
/// person (or of the partner's key) asking.
pub async fn report_docx(
    State(st): State<AppState>,
    Current(p): Current,
    Query(q): Query<FilterQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let scope = scope_filter(&st, &p).await?;
    let filter = q.filter(&scope)?;
    let total = st.store.crash_stats(&filter, Dim::Total).await?;
    let by_area = st
        .store
        .crash_stats(
            &filter,
            if scope.commune.is_some() {
                Dim::Road
            } else {
                Dim::Commune
            },
        )
        .await?;
    let by_month = st.store.crash_stats(&filter, Dim::Month).await?;
    let labels = labels(&st.store).await?;
    let (org_id, signer, area) = match &p {
        Principal::User { user, .. } => (
            Some(user.org_id),
            user.display_name.clone(),
            user.scope_scheme.zip(user.scope_code.clone()),
        ),
        Principal::Key { key } => (key.org_id, key.name.clone(), None),
    };
    let org = match org_id {
        Some(id) => Some(st.store.org(id).await?),
        None => None,
    };
    let parent = match org.as_ref().and_then(|o| o.parent_id) {
        Some(pid) => st.store.org(pid).await.map(|o| o.name).unwrap_or_default(),
        None => String::new(),
    };
    let area_name = match area {
        Some((s, c)) => st
            .store
            .admin_unit(s, &c)
            .await
            .map(|a| a.name)
            .unwrap_or_default(),
        None => ctx.t("common.whole_country"),
    };
    let place = match &org {
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
    let party = org.as_ref().is_some_and(|o| o.kind.is_party());
    let meta = exports::ReportMeta {
        layout: if party {
            crate::docx::Layout::Party
        } else {
            crate::docx::Layout::State
        },
        issuer_parent: parent,
        issuer: org.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
        number: if party {
            "Số     -BC/".to_string()
        } else {
            "Số:      /BC-".to_string()
        },
        place,
        date: today(),
        recipients: vec![
            ctx.t("crashes.report_recipient_1"),
            ctx.t("crashes.report_recipient_archive"),
        ],
        signer_title: vec![ctx.t("crashes.report_signer")],
        signer_name: signer,
        chain_head: st
            .store
            .audit_head()
            .await?
            .map(|(s, h)| format!("{s}:{h}")),
    };
    let bytes = exports::three_criteria_docx(
        &meta,
        &area_name,
        &total,
        Some(&by_area),
        Some(&by_month),
        ctx.lang,
        &labels,
    )?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "bao-cao-tai-nan-giao-thong.docx",
    ))
}

// ---------------------------------------------------------------------------------------
// Rules

#[derive(Template)]
#[template(path = "crashes/rules.html")]
struct RulesView {
    ctx: PageCtx,
    content: String,
    error: Option<String>,
    edited: bool,
}

pub async fn rules_form(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let edited = st.store.rule_file(atgt_store::crashes::RULES_NAME).await?;
    let v = RulesView {
        edited: edited.is_some(),
        content: edited.unwrap_or_else(|| atgt_core::crashes::DEFAULT_RULES.to_string()),
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
            atgt_store::crashes::RULES_NAME,
            &f.content,
            atgt_core::crashes::DEFAULT_RULES,
            |s| atgt_core::crashes::ClassRuleFile::parse(s).map(|_| ()),
        )
        .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            "/admin/rules/crash-classes",
            "common.saved",
        )),
        Err(e) => {
            let e = AppError::from(e);
            let msg = e.message(ctx.lang);
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

// ---------------------------------------------------------------------------------------
// Photos

/// Adds a photo to a crash (multipart: `file`, `caption`). Images only, by content, up to
/// 10 MB; stored once per content and linked in the audit chain.
pub async fn photo_add(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> AppResult<Response> {
    visible(&st, &p, id).await?;
    let (file, caption) = crate::files::receive_photo(&st.files, &mut mp).await?;
    st.store
        .crash_file_add(&p.actor(), id, &file, &caption)
        .await?;
    Ok(redirect_with_flash(
        &format!("/crashes/{id}"),
        "common.saved",
    ))
}

/// A stored photo, for people who may see the crashes it belongs to (images of a crash
/// scene are sensitive personal data); each read is logged.
pub async fn file_get(
    State(st): State<AppState>,
    Current(p): Current,
    Path(sha): Path<String>,
) -> AppResult<Response> {
    let (mime, crashes) = st.store.file_for_crashes(&sha).await?;
    let mut allowed = false;
    for c in crashes {
        if visible(&st, &p, c).await.is_ok() {
            allowed = true;
            break;
        }
    }
    if !allowed {
        return Err(AppError::NotFound);
    }
    let bytes = st.files.get(&sha).map_err(|_| AppError::NotFound)?;
    tracing::info!(actor = %p.actor().name, file = %sha, "personal data read: crash photo");
    for c in st.store.file_for_crashes(&sha).await?.1 {
        crate::pages::hub::log_crash_read(&st, &p, c, &format!("photo:{sha}"), "page").await?;
    }
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
            (header::CONTENT_DISPOSITION, "inline".to_string()),
        ],
        bytes,
    )
        .into_response())
}
