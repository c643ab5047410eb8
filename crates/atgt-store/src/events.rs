//! Events (seed plan II.5–II.6): the peak calendar, parking areas and their occupancy,
//! stopping stretches, diversion plans and their activations, congestion incidents,
//! training courses and rescue response times of crashes.
//!
//! Every write runs in one transaction with its audit entry: a refused input (an
//! overlapping activation, a plan without geometry, an incident ending before it
//! started, occupancy above capacity) leaves nothing behind. Statistics are computed
//! by `atgt_core::events` from the stored rows.

use crate::audit::append;
use crate::db::{Backend, Row};
use crate::error::{StoreError, StoreResult};
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use atgt_core::events::{
    self as ev, DurationStats, EventRuleFile, EventRuleSet, FieldError, OccupancyStats,
};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Name of the events rule file in `rule_files`.
pub const RULES_NAME: &str = "events";

fn field(e: FieldError) -> StoreError {
    StoreError::invalid(e.field, e.key)
}

fn required(v: &str, name: &str) -> StoreResult<String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(StoreError::invalid(name, "error.required"));
    }
    Ok(v.to_string())
}

fn date(v: &str, name: &str) -> StoreResult<Date> {
    if v.trim().is_empty() {
        return Err(StoreError::invalid(name, "error.required"));
    }
    atgt_core::time::parse_date(v).ok_or_else(|| StoreError::invalid(name, "error.bad_date"))
}

fn one_of(v: &str, list: &[&str], name: &str) -> StoreResult<String> {
    if list.contains(&v) {
        Ok(v.to_string())
    } else {
        Err(StoreError::invalid_arg(
            name,
            "events.error.unknown_value",
            v,
        ))
    }
}

fn non_negative(v: i64, name: &str) -> StoreResult<i64> {
    if v < 0 {
        Err(StoreError::invalid(name, "events.error.negative"))
    } else {
        Ok(v)
    }
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

// ---------------------------------------------------------------------------------------
// Types

/// A holiday, festival or tourist season with the visitors expected and measures planned.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Peak {
    pub id: i64,
    pub name: String,
    /// tet, holiday, festival, tourist_season, other.
    pub kind: String,
    /// First day (YYYY-MM-DD), inclusive.
    pub starts_on: String,
    /// Last day, inclusive.
    pub ends_on: String,
    pub expected_visitors: i64,
    pub measures: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeakInput {
    pub name: String,
    pub kind: String,
    /// dd/mm/yyyy or YYYY-MM-DD.
    pub starts_on: String,
    pub ends_on: String,
    #[serde(default)]
    pub expected_visitors: i64,
    #[serde(default)]
    pub measures: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParkingArea {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub commune_code: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub capacity: i64,
    pub operator: String,
    /// Fee per car, whole đồng.
    pub fee_car_vnd: i64,
    /// Fee per motorbike, whole đồng.
    pub fee_motorbike_vnd: i64,
    pub hours: String,
    /// The latest report, if any.
    pub last_occupied: Option<i64>,
    pub last_at_us: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParkingInput {
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub commune_code: Option<String>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    pub capacity: i64,
    #[serde(default)]
    pub operator: String,
    #[serde(default)]
    pub fee_car_vnd: i64,
    #[serde(default)]
    pub fee_motorbike_vnd: i64,
    #[serde(default)]
    pub hours: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OccupancyReport {
    pub id: i64,
    pub area_id: i64,
    pub at_us: i64,
    pub occupied: i64,
    /// "form" (staff) or "api" (a device or partner system).
    pub source: String,
    pub reported_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stretch {
    pub id: i64,
    pub road_code: String,
    pub km_from: Option<f64>,
    pub km_to: Option<f64>,
    pub place: String,
    /// danger or congestion.
    pub risk: String,
    pub measures: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StretchInput {
    pub road_code: String,
    pub km_from: Option<f64>,
    pub km_to: Option<f64>,
    pub place: String,
    pub risk: String,
    pub measures: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiversionPlan {
    pub id: i64,
    pub name: String,
    pub area: String,
    pub description: String,
    /// A GeoJSON FeatureCollection: closed and one-way routes, detours, signs, staff posts.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub geometry: serde_json::Value,
    pub peak_id: Option<i64>,
    pub valid_from: String,
    pub valid_until: String,
    /// When the open activation began, if the plan is in force now.
    pub active_since_us: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiversionInput {
    pub name: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub description: String,
    /// GeoJSON text (FeatureCollection, Feature or geometry). Required unless `points`.
    #[serde(default)]
    pub geometry: String,
    /// Picked points "lon,lat" one per line, drawn as a detour line (used when
    /// `geometry` is empty).
    #[serde(default)]
    pub points: String,
    #[serde(default)]
    pub peak_id: Option<i64>,
    pub valid_from: String,
    pub valid_until: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activation {
    pub id: i64,
    pub plan_id: i64,
    pub started_at_us: i64,
    pub ended_at_us: Option<i64>,
    pub started_by: String,
    pub ended_by: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incident {
    pub id: i64,
    pub started_at_us: i64,
    pub ended_at_us: Option<i64>,
    pub place: String,
    pub road_code: Option<String>,
    pub commune_code: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub cause: String,
    /// Queue length in metres.
    pub queue_m: i64,
    pub handling_unit: String,
    pub note: String,
    /// Whole minutes, once ended.
    pub duration_min: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentInput {
    /// UTC microseconds.
    pub started_at_us: i64,
    #[serde(default)]
    pub ended_at_us: Option<i64>,
    pub place: String,
    #[serde(default)]
    pub road_code: Option<String>,
    #[serde(default)]
    pub commune_code: Option<String>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default)]
    pub lat: Option<f64>,
    pub cause: String,
    #[serde(default)]
    pub queue_m: i64,
    #[serde(default)]
    pub handling_unit: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participants {
    pub unit: String,
    pub participants: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Course {
    pub id: i64,
    pub title: String,
    /// traffic_staff, rescue or both.
    pub audience: String,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub organiser: String,
    pub participants: Vec<Participants>,
    pub total: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CourseInput {
    pub title: String,
    pub audience: String,
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub organiser: String,
    pub participants: Vec<Participants>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseTime {
    pub crash_id: i64,
    pub call_at_us: i64,
    pub police_at_us: Option<i64>,
    pub rescue_at_us: Option<i64>,
    /// Minutes from the call to the arrival of police / rescue.
    pub police_min: Option<i64>,
    pub rescue_min: Option<i64>,
    /// The crash's current commune (the area the times are reported by).
    pub commune_code: Option<String>,
    pub crash_date: String,
}

/// Response times of one area.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AreaResponse {
    /// Commune code; empty for crashes without one.
    pub area: String,
    pub police: DurationStats,
    pub rescue: DurationStats,
}

/// Congestion of a period: the incidents, the statistics of the ended ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CongestionStats {
    pub from: String,
    pub to: String,
    pub durations: DurationStats,
    /// Incidents not ended yet (not in the durations).
    pub ongoing: i64,
    pub total_queue_m: i64,
    pub longest_queue_m: i64,
}

/// One parking area's occupancy over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AreaOccupancy {
    pub area: ParkingArea,
    pub stats: OccupancyStats,
}

// ---------------------------------------------------------------------------------------
// Rows

fn peak(r: &Row) -> StoreResult<Peak> {
    Ok(Peak {
        id: r.i64("id")?,
        name: r.text("name")?,
        kind: r.text("kind")?,
        starts_on: r.text("starts_on")?,
        ends_on: r.text("ends_on")?,
        expected_visitors: r.i64("expected_visitors")?,
        measures: r.text("measures")?,
    })
}

const PARKING_COLS: &str = "p.id, p.name, p.address, p.commune_code, p.lon, p.lat, p.capacity, p.operator, p.fee_car_vnd,
    p.fee_motorbike_vnd, p.hours,
    (SELECT o.occupied FROM parking_occupancy o WHERE o.area_id = p.id ORDER BY o.at_us DESC, o.id DESC LIMIT 1) AS last_occupied,
    (SELECT MAX(o.at_us) FROM parking_occupancy o WHERE o.area_id = p.id) AS last_at_us";

fn parking(r: &Row) -> StoreResult<ParkingArea> {
    Ok(ParkingArea {
        id: r.i64("id")?,
        name: r.text("name")?,
        address: r.text("address")?,
        commune_code: r.opt_text("commune_code")?,
        lon: r.opt_f64("lon")?,
        lat: r.opt_f64("lat")?,
        capacity: r.i64("capacity")?,
        operator: r.text("operator")?,
        fee_car_vnd: r.i64("fee_car_vnd")?,
        fee_motorbike_vnd: r.i64("fee_motorbike_vnd")?,
        hours: r.text("hours")?,
        last_occupied: r.opt_i64("last_occupied")?,
        last_at_us: r.opt_i64("last_at_us")?,
    })
}

const PLAN_COLS: &str = "d.id, d.name, d.area, d.description, d.geometry, d.peak_id, d.valid_from, d.valid_until,
    (SELECT a.started_at_us FROM diversion_activations a WHERE a.plan_id = d.id AND a.ended_at_us IS NULL) AS active_since_us";

fn plan(r: &Row) -> StoreResult<DiversionPlan> {
    Ok(DiversionPlan {
        id: r.i64("id")?,
        name: r.text("name")?,
        area: r.text("area")?,
        description: r.text("description")?,
        geometry: r.json("geometry")?,
        peak_id: r.opt_i64("peak_id")?,
        valid_from: r.text("valid_from")?,
        valid_until: r.text("valid_until")?,
        active_since_us: r.opt_i64("active_since_us")?,
    })
}

fn activation(r: &Row) -> StoreResult<Activation> {
    Ok(Activation {
        id: r.i64("id")?,
        plan_id: r.i64("plan_id")?,
        started_at_us: r.i64("started_at_us")?,
        ended_at_us: r.opt_i64("ended_at_us")?,
        started_by: r.text("started_by")?,
        ended_by: r.opt_text("ended_by")?,
        note: r.text("note")?,
    })
}

const INCIDENT_COLS: &str = "id, started_at_us, ended_at_us, place, road_code, commune_code, lon, lat, cause, queue_m, handling_unit, note";

fn incident(r: &Row) -> StoreResult<Incident> {
    let started = r.i64("started_at_us")?;
    let ended = r.opt_i64("ended_at_us")?;
    Ok(Incident {
        id: r.i64("id")?,
        started_at_us: started,
        ended_at_us: ended,
        place: r.text("place")?,
        road_code: r.opt_text("road_code")?,
        commune_code: r.opt_text("commune_code")?,
        lon: r.opt_f64("lon")?,
        lat: r.opt_f64("lat")?,
        cause: r.text("cause")?,
        queue_m: r.i64("queue_m")?,
        handling_unit: r.text("handling_unit")?,
        note: r.text("note")?,
        duration_min: ended.map(|e| ev::minutes_between(started, e)),
    })
}

/// The first and last instant (UTC µs) of a range of local dates, both inclusive.
pub fn local_range_us(from: Date, to: Date) -> (i64, i64) {
    let tz = atgt_core::time::vn_tz();
    let start = from
        .to_datetime(jiff::civil::Time::midnight())
        .to_zoned_datetime(tz.clone())
        .map(|z| z.timestamp().as_microsecond())
        .unwrap_or(0);
    let end = to
        .tomorrow()
        .ok()
        .and_then(|d| {
            d.to_datetime(jiff::civil::Time::midnight())
                .to_zoned_datetime(tz)
                .ok()
        })
        .map(|z| z.timestamp().as_microsecond() - 1)
        .unwrap_or(i64::MAX);
    (start, end)
}

impl Store {
    // -----------------------------------------------------------------------------------
    // Rules

    /// The events thresholds in force: the administrator's edited file, else the shipped one.
    pub async fn event_rules(&self) -> StoreResult<EventRuleFile> {
        match self.rule_file(RULES_NAME).await? {
            Some(src) => EventRuleFile::parse(&src).map_err(StoreError::Reference),
            None => Ok(EventRuleFile::default_rules()),
        }
    }

    async fn event_rule_set(&self, on: Date) -> StoreResult<EventRuleSet> {
        Ok(self.event_rules().await?.for_date(on).clone())
    }

    // -----------------------------------------------------------------------------------
    // Peak calendar

    pub async fn peak_create(&self, actor: &Actor, p: &PeakInput) -> StoreResult<Peak> {
        let name = required(&p.name, "name")?;
        let kind = one_of(p.kind.trim(), ev::PEAK_KINDS, "kind")?;
        let from = date(&p.starts_on, "starts_on")?;
        let to = date(&p.ends_on, "ends_on")?;
        ev::check_dates(from, to).map_err(field)?;
        let visitors = non_negative(p.expected_visitors, "expected_visitors")?;
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO event_peaks (name, kind, starts_on, ends_on, expected_visitors, measures, created_at_us, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &params![
                    name.clone(),
                    kind.clone(),
                    from.to_string(),
                    to.to_string(),
                    visitors,
                    p.measures.trim(),
                    now_us(),
                    actor.name.clone()
                ],
            )
            .await?;
        let out = Peak {
            id,
            name,
            kind,
            starts_on: from.to_string(),
            ends_on: to.to_string(),
            expected_visitors: visitors,
            measures: p.measures.trim().to_string(),
        };
        append(
            &mut tx,
            actor.entry(
                "peak.create",
                "event_peak",
                id,
                serde_json::Value::Null,
                serde_json::to_value(&out).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The calendar, by start date.
    pub async fn peaks(&self) -> StoreResult<Vec<Peak>> {
        self.db
            .fetch_all(
                "SELECT id, name, kind, starts_on, ends_on, expected_visitors, measures FROM event_peaks ORDER BY starts_on, id",
                &[],
            )
            .await?
            .iter()
            .map(peak)
            .collect()
    }

    pub async fn peak(&self, id: i64) -> StoreResult<Peak> {
        peak(
            &self
                .db
                .fetch_one(
                    "SELECT id, name, kind, starts_on, ends_on, expected_visitors, measures FROM event_peaks WHERE id = $1",
                    &params![id],
                )
                .await?,
        )
    }

    // -----------------------------------------------------------------------------------
    // Parking

    pub async fn parking_create(
        &self,
        actor: &Actor,
        p: &ParkingInput,
    ) -> StoreResult<ParkingArea> {
        let name = required(&p.name, "name")?;
        if p.capacity <= 0 {
            return Err(StoreError::invalid("capacity", "events.error.capacity"));
        }
        non_negative(p.fee_car_vnd, "fee_car_vnd")?;
        non_negative(p.fee_motorbike_vnd, "fee_motorbike_vnd")?;
        if p.lon.is_some() != p.lat.is_some()
            || p.lon.is_some_and(|x| !(-180.0..=180.0).contains(&x))
            || p.lat.is_some_and(|y| !(-90.0..=90.0).contains(&y))
        {
            return Err(StoreError::invalid("lon", "error.crash_coordinates"));
        }
        let commune = opt(&p.commune_code);
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO parking_areas (name, name_fold, address, commune_code, lon, lat, capacity, operator, fee_car_vnd,
                   fee_motorbike_vnd, hours, created_at_us, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                &params![
                    name.clone(),
                    atgt_core::text::fold(&name),
                    p.address.trim(),
                    commune.clone(),
                    p.lon,
                    p.lat,
                    p.capacity,
                    p.operator.trim(),
                    p.fee_car_vnd,
                    p.fee_motorbike_vnd,
                    p.hours.trim(),
                    now_us(),
                    actor.name.clone()
                ],
            )
            .await?;
        let out = ParkingArea {
            id,
            name,
            address: p.address.trim().into(),
            commune_code: commune,
            lon: p.lon,
            lat: p.lat,
            capacity: p.capacity,
            operator: p.operator.trim().into(),
            fee_car_vnd: p.fee_car_vnd,
            fee_motorbike_vnd: p.fee_motorbike_vnd,
            hours: p.hours.trim().into(),
            last_occupied: None,
            last_at_us: None,
        };
        append(
            &mut tx,
            actor.entry(
                "parking.create",
                "parking_area",
                id,
                serde_json::Value::Null,
                serde_json::to_value(&out).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Parking areas, by name (accent-insensitive filter).
    pub async fn parking_areas(&self, q: Option<&str>) -> StoreResult<Vec<ParkingArea>> {
        let mut sql = format!("SELECT {PARKING_COLS} FROM parking_areas p WHERE 1 = 1");
        let mut args = Vec::new();
        crate::db::push_word_filter(&mut sql, &mut args, q, &["p.name_fold"]);
        sql.push_str(" ORDER BY p.name, p.id");
        self.db
            .fetch_all(&sql, &args)
            .await?
            .iter()
            .map(parking)
            .collect()
    }

    pub async fn parking_area(&self, id: i64) -> StoreResult<ParkingArea> {
        parking(
            &self
                .db
                .fetch_one(
                    &format!("SELECT {PARKING_COLS} FROM parking_areas p WHERE p.id = $1"),
                    &params![id],
                )
                .await?,
        )
    }

    /// Records an occupancy report; refused when negative or above the capacity.
    pub async fn parking_report(
        &self,
        actor: &Actor,
        area_id: i64,
        at_us: i64,
        occupied: i64,
        source: &str,
    ) -> StoreResult<OccupancyReport> {
        let area = self.parking_area(area_id).await?;
        ev::check_occupancy(occupied, area.capacity)
            .map_err(|e| StoreError::invalid_arg(e.field, e.key, &area.capacity.to_string()))?;
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO parking_occupancy (area_id, at_us, occupied, source, reported_by, created_at_us)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &params![area_id, at_us, occupied, source, actor.name.clone(), now_us()],
            )
            .await?;
        let out = OccupancyReport {
            id,
            area_id,
            at_us,
            occupied,
            source: source.into(),
            reported_by: actor.name.clone(),
        };
        append(
            &mut tx,
            actor.entry(
                "parking.report",
                "parking_area",
                area_id,
                serde_json::Value::Null,
                serde_json::to_value(&out).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The reports of an area, newest first.
    pub async fn parking_reports(
        &self,
        area_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<OccupancyReport>> {
        self.db
            .fetch_all(
                "SELECT id, area_id, at_us, occupied, source, reported_by FROM parking_occupancy WHERE area_id = $1
                 ORDER BY at_us DESC, id DESC LIMIT $2",
                &params![area_id, limit.clamp(1, 1000)],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(OccupancyReport {
                    id: r.i64("id")?,
                    area_id: r.i64("area_id")?,
                    at_us: r.i64("at_us")?,
                    occupied: r.i64("occupied")?,
                    source: r.text("source")?,
                    reported_by: r.text("reported_by")?,
                })
            })
            .collect()
    }

    /// Occupancy of every area over local dates `from`..=`to`.
    pub async fn parking_occupancy(&self, from: Date, to: Date) -> StoreResult<Vec<AreaOccupancy>> {
        let rules = self.event_rule_set(from).await?;
        let (a, b) = local_range_us(from, to);
        let mut out = Vec::new();
        for area in self.parking_areas(None).await? {
            let occ: Vec<i64> = self
                .db
                .fetch_all(
                    "SELECT occupied FROM parking_occupancy WHERE area_id = $1 AND at_us BETWEEN $2 AND $3",
                    &params![area.id, a, b],
                )
                .await?
                .iter()
                .map(|r| r.i64("occupied"))
                .collect::<StoreResult<_>>()?;
            let stats = ev::occupancy_stats(area.capacity, &occ, rules.parking_full_pct);
            out.push(AreaOccupancy { area, stats });
        }
        Ok(out)
    }

    pub async fn stretch_create(&self, actor: &Actor, s: &StretchInput) -> StoreResult<Stretch> {
        let road = required(&s.road_code, "road_code")?;
        let place = required(&s.place, "place")?;
        let risk = one_of(s.risk.trim(), ev::STRETCH_RISKS, "risk")?;
        if let (Some(a), Some(b)) = (s.km_from, s.km_to)
            && b < a
        {
            return Err(StoreError::invalid("km_to", "events.error.km_reversed"));
        }
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO stopping_stretches (road_code, km_from, km_to, place, risk, measures, created_at_us, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &params![road.clone(), s.km_from, s.km_to, place.clone(), risk.clone(), s.measures.trim(), now_us(), actor.name.clone()],
            )
            .await?;
        let out = Stretch {
            id,
            road_code: road,
            km_from: s.km_from,
            km_to: s.km_to,
            place,
            risk,
            measures: s.measures.trim().into(),
        };
        append(
            &mut tx,
            actor.entry(
                "stretch.create",
                "stopping_stretch",
                id,
                serde_json::Value::Null,
                serde_json::to_value(&out).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn stretches(&self) -> StoreResult<Vec<Stretch>> {
        self.db
            .fetch_all(
                "SELECT id, road_code, km_from, km_to, place, risk, measures FROM stopping_stretches ORDER BY road_code, km_from, id",
                &[],
            )
            .await?
            .iter()
            .map(|r| {
                Ok(Stretch {
                    id: r.i64("id")?,
                    road_code: r.text("road_code")?,
                    km_from: r.opt_f64("km_from")?,
                    km_to: r.opt_f64("km_to")?,
                    place: r.text("place")?,
                    risk: r.text("risk")?,
                    measures: r.text("measures")?,
                })
            })
            .collect()
    }

    // -----------------------------------------------------------------------------------
    // Diversion plans

    pub async fn diversion_create(
        &self,
        actor: &Actor,
        d: &DiversionInput,
    ) -> StoreResult<DiversionPlan> {
        let name = required(&d.name, "name")?;
        let geometry = if d.geometry.trim().is_empty() && !d.points.trim().is_empty() {
            ev::points_to_geometry(&d.points, "detour").map_err(field)?
        } else {
            ev::parse_geometry(&d.geometry).map_err(field)?
        };
        let from = date(&d.valid_from, "valid_from")?;
        let until = date(&d.valid_until, "valid_until")?;
        ev::check_dates(from, until)
            .map_err(|_| StoreError::invalid("valid_until", "events.error.end_before_start"))?;
        if let Some(p) = d.peak_id {
            self.peak(p).await.map_err(|e| match e {
                StoreError::NotFound => StoreError::invalid("peak_id", "events.error.unknown_peak"),
                e => e,
            })?;
        }
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO diversion_plans (name, area, description, geometry, peak_id, valid_from, valid_until, created_at_us, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &params![
                    name.clone(),
                    d.area.trim(),
                    d.description.trim(),
                    geometry.to_string(),
                    d.peak_id,
                    from.to_string(),
                    until.to_string(),
                    now_us(),
                    actor.name.clone()
                ],
            )
            .await?;
        let out = DiversionPlan {
            id,
            name,
            area: d.area.trim().into(),
            description: d.description.trim().into(),
            geometry,
            peak_id: d.peak_id,
            valid_from: from.to_string(),
            valid_until: until.to_string(),
            active_since_us: None,
        };
        append(
            &mut tx,
            actor.entry(
                "diversion.create",
                "diversion_plan",
                id,
                serde_json::Value::Null,
                serde_json::to_value(&out).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Plans, newest validity first; `active_only` keeps those in force now.
    pub async fn diversions(&self, active_only: bool) -> StoreResult<Vec<DiversionPlan>> {
        let mut sql = format!("SELECT {PLAN_COLS} FROM diversion_plans d");
        if active_only {
            sql.push_str(
                " WHERE EXISTS (SELECT 1 FROM diversion_activations a WHERE a.plan_id = d.id AND a.ended_at_us IS NULL)",
            );
        }
        sql.push_str(" ORDER BY d.valid_from DESC, d.id DESC");
        self.db
            .fetch_all(&sql, &[])
            .await?
            .iter()
            .map(plan)
            .collect()
    }

    pub async fn diversion(&self, id: i64) -> StoreResult<DiversionPlan> {
        plan(
            &self
                .db
                .fetch_one(
                    &format!("SELECT {PLAN_COLS} FROM diversion_plans d WHERE d.id = $1"),
                    &params![id],
                )
                .await?,
        )
    }

    /// The activations of a plan, oldest first.
    pub async fn diversion_activations(&self, plan_id: i64) -> StoreResult<Vec<Activation>> {
        self.db
            .fetch_all(
                "SELECT id, plan_id, started_at_us, ended_at_us, started_by, ended_by, note FROM diversion_activations
                 WHERE plan_id = $1 ORDER BY started_at_us, id",
                &params![plan_id],
            )
            .await?
            .iter()
            .map(activation)
            .collect()
    }

    /// Puts a plan in force from `at_us`. Refused when the plan is already active or an
    /// earlier activation of it ran past `at_us` (activations of one plan never overlap).
    pub async fn diversion_activate(
        &self,
        actor: &Actor,
        plan_id: i64,
        at_us: i64,
        note: &str,
    ) -> StoreResult<Activation> {
        let mut tx = self.db.begin().await?;
        // Serialises activations of the plan (SQLite: BEGIN IMMEDIATE already does).
        let lock = if tx.backend() == Backend::Postgres {
            "SELECT id FROM diversion_plans WHERE id = $1 FOR UPDATE"
        } else {
            "SELECT id FROM diversion_plans WHERE id = $1"
        };
        tx.fetch_one(lock, &params![plan_id]).await?;
        let rows = tx
            .fetch_all(
                "SELECT id, plan_id, started_at_us, ended_at_us, started_by, ended_by, note FROM diversion_activations WHERE plan_id = $1",
                &params![plan_id],
            )
            .await?;
        for r in &rows {
            let a = activation(r)?;
            if ev::overlaps(a.started_at_us, a.ended_at_us, at_us, None) {
                let key = if a.ended_at_us.is_none() {
                    "events.error.already_active"
                } else {
                    "events.error.activation_overlap"
                };
                return Err(StoreError::invalid("started_at", key));
            }
        }
        let id = tx
            .insert_id(
                "INSERT INTO diversion_activations (plan_id, started_at_us, started_by, note) VALUES ($1, $2, $3, $4) RETURNING id",
                &params![plan_id, at_us, actor.name.clone(), note.trim()],
            )
            .await?;
        let out = Activation {
            id,
            plan_id,
            started_at_us: at_us,
            ended_at_us: None,
            started_by: actor.name.clone(),
            ended_by: None,
            note: note.trim().into(),
        };
        append(
            &mut tx,
            actor.entry(
                "diversion.activate",
                "diversion_plan",
                plan_id,
                serde_json::Value::Null,
                serde_json::to_value(&out).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Ends the plan's open activation at `at_us`.
    pub async fn diversion_end(
        &self,
        actor: &Actor,
        plan_id: i64,
        at_us: i64,
    ) -> StoreResult<Activation> {
        let mut tx = self.db.begin().await?;
        let lock = if tx.backend() == Backend::Postgres {
            "SELECT id FROM diversion_plans WHERE id = $1 FOR UPDATE"
        } else {
            "SELECT id FROM diversion_plans WHERE id = $1"
        };
        tx.fetch_one(lock, &params![plan_id]).await?;
        let open = tx
            .fetch_optional(
                "SELECT id, plan_id, started_at_us, ended_at_us, started_by, ended_by, note FROM diversion_activations
                 WHERE plan_id = $1 AND ended_at_us IS NULL",
                &params![plan_id],
            )
            .await?
            .ok_or_else(|| StoreError::invalid("ended_at", "events.error.not_active"))?;
        let before = activation(&open)?;
        ev::check_times(before.started_at_us, Some(at_us)).map_err(field)?;
        tx.execute(
            "UPDATE diversion_activations SET ended_at_us = $1, ended_by = $2 WHERE id = $3",
            &params![at_us, actor.name.clone(), before.id],
        )
        .await?;
        let after = Activation {
            ended_at_us: Some(at_us),
            ended_by: Some(actor.name.clone()),
            ..before.clone()
        };
        append(
            &mut tx,
            actor.entry(
                "diversion.end",
                "diversion_plan",
                plan_id,
                serde_json::to_value(&before).unwrap_or_default(),
                serde_json::to_value(&after).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    // -----------------------------------------------------------------------------------
    // Congestion incidents

    pub async fn incident_create(&self, actor: &Actor, i: &IncidentInput) -> StoreResult<Incident> {
        let place = required(&i.place, "place")?;
        let cause = one_of(i.cause.trim(), ev::CONGESTION_CAUSES, "cause")?;
        if i.started_at_us <= 0 {
            return Err(StoreError::invalid("started_at", "error.required"));
        }
        ev::check_times(i.started_at_us, i.ended_at_us).map_err(field)?;
        non_negative(i.queue_m, "queue_m")?;
        if i.lon.is_some() != i.lat.is_some() {
            return Err(StoreError::invalid("lon", "error.crash_coordinates"));
        }
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO congestion_incidents (started_at_us, ended_at_us, place, road_code, commune_code, lon, lat, cause,
                   queue_m, handling_unit, note, created_at_us, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                &params![
                    i.started_at_us,
                    i.ended_at_us,
                    place.clone(),
                    opt(&i.road_code),
                    opt(&i.commune_code),
                    i.lon,
                    i.lat,
                    cause.clone(),
                    i.queue_m,
                    i.handling_unit.trim(),
                    i.note.trim(),
                    now_us(),
                    actor.name.clone()
                ],
            )
            .await?;
        let out = Incident {
            id,
            started_at_us: i.started_at_us,
            ended_at_us: i.ended_at_us,
            place,
            road_code: opt(&i.road_code),
            commune_code: opt(&i.commune_code),
            lon: i.lon,
            lat: i.lat,
            cause,
            queue_m: i.queue_m,
            handling_unit: i.handling_unit.trim().into(),
            note: i.note.trim().into(),
            duration_min: i
                .ended_at_us
                .map(|e| ev::minutes_between(i.started_at_us, e)),
        };
        append(
            &mut tx,
            actor.entry(
                "congestion.create",
                "congestion_incident",
                id,
                serde_json::Value::Null,
                serde_json::to_value(&out).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Incidents that started on local dates `from`..=`to`, newest first, at most `limit`.
    pub async fn incidents(&self, from: Date, to: Date, limit: i64) -> StoreResult<Vec<Incident>> {
        let (a, b) = local_range_us(from, to);
        self.db
            .fetch_all(
                &format!("SELECT {INCIDENT_COLS} FROM congestion_incidents WHERE started_at_us BETWEEN $1 AND $2
                          ORDER BY started_at_us DESC, id DESC LIMIT $3"),
                &params![a, b, limit.clamp(1, 100_000)],
            )
            .await?
            .iter()
            .map(incident)
            .collect()
    }

    /// Duration statistics of the incidents of a period (all of them, however many),
    /// against the "prolonged" threshold in force at its start. Reads only the three
    /// columns the figures need.
    pub async fn congestion_stats(&self, from: Date, to: Date) -> StoreResult<CongestionStats> {
        let rules = self.event_rule_set(from).await?;
        let (a, b) = local_range_us(from, to);
        let rows = self
            .db
            .fetch_all(
                "SELECT started_at_us, ended_at_us, queue_m FROM congestion_incidents WHERE started_at_us BETWEEN $1 AND $2",
                &params![a, b],
            )
            .await?;
        let mut minutes = Vec::with_capacity(rows.len());
        let (mut ongoing, mut total_queue, mut longest_queue) = (0, 0, 0);
        for r in &rows {
            match r.opt_i64("ended_at_us")? {
                Some(e) => minutes.push(ev::minutes_between(r.i64("started_at_us")?, e)),
                None => ongoing += 1,
            }
            let q = r.i64("queue_m")?;
            total_queue += q;
            longest_queue = longest_queue.max(q);
        }
        Ok(CongestionStats {
            from: from.to_string(),
            to: to.to_string(),
            durations: ev::duration_stats(&minutes, rules.prolonged_minutes),
            ongoing,
            total_queue_m: total_queue,
            longest_queue_m: longest_queue,
        })
    }

    // -----------------------------------------------------------------------------------
    // Training

    pub async fn course_create(&self, actor: &Actor, c: &CourseInput) -> StoreResult<Course> {
        let title = required(&c.title, "title")?;
        let audience = one_of(c.audience.trim(), ev::TRAINING_AUDIENCES, "audience")?;
        let from = date(&c.starts_on, "starts_on")?;
        let to = date(&c.ends_on, "ends_on")?;
        ev::check_dates(from, to).map_err(field)?;
        let mut parts: Vec<Participants> = Vec::new();
        for p in &c.participants {
            let unit = p.unit.trim();
            if unit.is_empty() && p.participants == 0 {
                continue;
            }
            if unit.is_empty() {
                return Err(StoreError::invalid("unit", "error.required"));
            }
            non_negative(p.participants, "participants")?;
            if parts.iter().any(|x| x.unit == unit) {
                return Err(StoreError::invalid_arg(
                    "unit",
                    "events.error.unit_twice",
                    unit,
                ));
            }
            parts.push(Participants {
                unit: unit.into(),
                participants: p.participants,
            });
        }
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO training_courses (title, audience, starts_on, ends_on, place, organiser, created_at_us, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &params![title.clone(), audience.clone(), from.to_string(), to.to_string(), c.place.trim(), c.organiser.trim(), now_us(), actor.name.clone()],
            )
            .await?;
        for p in &parts {
            tx.execute(
                "INSERT INTO training_participants (course_id, unit, participants) VALUES ($1, $2, $3)",
                &params![id, p.unit.clone(), p.participants],
            )
            .await?;
        }
        let out = Course {
            id,
            title,
            audience,
            starts_on: from.to_string(),
            ends_on: to.to_string(),
            place: c.place.trim().into(),
            organiser: c.organiser.trim().into(),
            total: parts.iter().map(|p| p.participants).sum(),
            participants: parts,
        };
        append(
            &mut tx,
            actor.entry(
                "training.create",
                "training_course",
                id,
                serde_json::Value::Null,
                serde_json::to_value(&out).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn courses(&self) -> StoreResult<Vec<Course>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT id, title, audience, starts_on, ends_on, place, organiser FROM training_courses ORDER BY starts_on DESC, id DESC",
                &[],
            )
            .await?;
        let parts = self
            .db
            .fetch_all("SELECT course_id, unit, participants FROM training_participants ORDER BY course_id, unit", &[])
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let id = r.i64("id")?;
            let mut ps = Vec::new();
            for p in &parts {
                if p.i64("course_id")? == id {
                    ps.push(Participants {
                        unit: p.text("unit")?,
                        participants: p.i64("participants")?,
                    });
                }
            }
            out.push(Course {
                id,
                title: r.text("title")?,
                audience: r.text("audience")?,
                starts_on: r.text("starts_on")?,
                ends_on: r.text("ends_on")?,
                place: r.text("place")?,
                organiser: r.text("organiser")?,
                total: ps.iter().map(|p| p.participants).sum(),
                participants: ps,
            });
        }
        Ok(out)
    }

    // -----------------------------------------------------------------------------------
    // Rescue response times

    /// Records (or corrects) the call and arrival times of a crash; audited with before
    /// and after.
    pub async fn response_time_set(
        &self,
        actor: &Actor,
        crash_id: i64,
        call_us: i64,
        police_us: Option<i64>,
        rescue_us: Option<i64>,
    ) -> StoreResult<ResponseTime> {
        self.crash(crash_id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::invalid("crash_id", "events.error.unknown_crash"),
            e => e,
        })?;
        if call_us <= 0 {
            return Err(StoreError::invalid("call_at", "error.required"));
        }
        ev::check_response(call_us, police_us, rescue_us).map_err(field)?;
        let before = self
            .response_times_where("r.crash_id = $1", &params![crash_id])
            .await?
            .pop();
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO crash_response_times (crash_id, call_at_us, police_at_us, rescue_at_us, updated_at_us, updated_by)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (crash_id) DO UPDATE SET call_at_us = excluded.call_at_us, police_at_us = excluded.police_at_us,
               rescue_at_us = excluded.rescue_at_us, updated_at_us = excluded.updated_at_us, updated_by = excluded.updated_by",
            &params![crash_id, call_us, police_us, rescue_us, now_us(), actor.name.clone()],
        )
        .await?;
        let c = self.crash(crash_id).await?;
        let out = ResponseTime {
            crash_id,
            call_at_us: call_us,
            police_at_us: police_us,
            rescue_at_us: rescue_us,
            police_min: police_us.map(|p| ev::minutes_between(call_us, p)),
            rescue_min: rescue_us.map(|r| ev::minutes_between(call_us, r)),
            commune_code: c.cur_commune_code,
            crash_date: c.local_date,
        };
        append(
            &mut tx,
            actor.entry(
                "crash.response_times",
                "crash",
                crash_id,
                serde_json::to_value(&before).unwrap_or_default(),
                serde_json::to_value(&out).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn response_times_where(
        &self,
        cond: &str,
        args: &[crate::Value],
    ) -> StoreResult<Vec<ResponseTime>> {
        self.db
            .fetch_all(
                &format!(
                    "SELECT r.crash_id, r.call_at_us, r.police_at_us, r.rescue_at_us, c.cur_commune_code, c.local_date
                     FROM crash_response_times r JOIN crashes c ON c.id = r.crash_id WHERE {cond}
                     ORDER BY c.local_date DESC, r.crash_id DESC"
                ),
                args,
            )
            .await?
            .iter()
            .map(|r| {
                let call = r.i64("call_at_us")?;
                let police = r.opt_i64("police_at_us")?;
                let rescue = r.opt_i64("rescue_at_us")?;
                Ok(ResponseTime {
                    crash_id: r.i64("crash_id")?,
                    call_at_us: call,
                    police_at_us: police,
                    rescue_at_us: rescue,
                    police_min: police.map(|p| ev::minutes_between(call, p)),
                    rescue_min: rescue.map(|x| ev::minutes_between(call, x)),
                    commune_code: r.opt_text("cur_commune_code")?,
                    crash_date: r.text("local_date")?,
                })
            })
            .collect()
    }

    /// Response times of crashes on local dates `from`..=`to`, inside the area of
    /// `scope` (its province, commune and old district, when set).
    pub async fn response_times(
        &self,
        from: Date,
        to: Date,
        scope: &crate::crashes::CrashFilter,
    ) -> StoreResult<Vec<ResponseTime>> {
        let mut cond = "c.local_date BETWEEN $1 AND $2".to_string();
        let mut args = params![from.to_string(), to.to_string()].to_vec();
        for (col, v) in [
            ("c.cur_province_code", &scope.province),
            ("c.cur_commune_code", &scope.commune),
            ("c.old_district_code", &scope.old_district),
        ] {
            if let Some(v) = v {
                args.push(v.clone().into());
                cond.push_str(&format!(" AND {col} = ${}", args.len()));
            }
        }
        self.response_times_where(&cond, &args).await
    }

    /// Response-time statistics by area (commune), then the whole, for a period.
    pub async fn response_stats(
        &self,
        from: Date,
        to: Date,
        scope: &crate::crashes::CrashFilter,
    ) -> StoreResult<(Vec<AreaResponse>, AreaResponse)> {
        let list = self.response_times(from, to, scope).await?;
        let mut areas: Vec<String> = list
            .iter()
            .map(|r| r.commune_code.clone().unwrap_or_default())
            .collect();
        areas.sort();
        areas.dedup();
        let stats = |items: Vec<&ResponseTime>, area: String| AreaResponse {
            area,
            police: ev::duration_stats(
                &items
                    .iter()
                    .filter_map(|r| r.police_min)
                    .collect::<Vec<_>>(),
                0,
            ),
            rescue: ev::duration_stats(
                &items
                    .iter()
                    .filter_map(|r| r.rescue_min)
                    .collect::<Vec<_>>(),
                0,
            ),
        };
        let by_area = areas
            .into_iter()
            .map(|a| {
                let items = list
                    .iter()
                    .filter(|r| r.commune_code.clone().unwrap_or_default() == a)
                    .collect();
                stats(items, a)
            })
            .collect();
        let total = stats(list.iter().collect(), String::new());
        Ok((by_area, total))
    }
}
