//! Tourist peaks, parking, diversion plans, congestion incidents, training and rescue
//! response times (seed plan II.5–II.6): the checks on input and the statistics.
//!
//! Pure logic: durations and occupancy are computed here from plain numbers, so the
//! figures in pages, API and reports are the same and are tested on fixtures. The
//! thresholds ("prolonged" congestion, "full" parking) are data with their basis
//! (`data/rules/events.toml`), editable by an administrator.

use crate::legal::{LegalBasis, Validity};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The kinds of peak period in the calendar.
pub const PEAK_KINDS: &[&str] = &["tet", "holiday", "festival", "tourist_season", "other"];

/// Who a training course is for.
pub const TRAINING_AUDIENCES: &[&str] = &["traffic_staff", "rescue", "both"];

/// What a stopping stretch causes.
pub const STRETCH_RISKS: &[&str] = &["danger", "congestion"];

/// Causes of congestion incidents.
pub const CONGESTION_CAUSES: &[&str] = &[
    "tourist_traffic",
    "crash",
    "roadside_parking",
    "festival",
    "road_works",
    "weather",
    "breakdown",
    "other",
];

/// A bad value: the field and the i18n key of the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub key: &'static str,
}

fn bad(field: &'static str, key: &'static str) -> FieldError {
    FieldError { field, key }
}

// ---------------------------------------------------------------------------------------
// Rules

/// One version of the events thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRuleSet {
    pub id: String,
    pub document: String,
    #[serde(default)]
    pub provision: String,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_until: Option<Date>,
    #[serde(default)]
    pub confirmed: bool,
    #[serde(default)]
    pub note: String,
    /// Minutes from which a congestion incident counts as prolonged.
    pub prolonged_minutes: i64,
    /// Share of capacity (%) from which a parking report counts as full.
    pub parking_full_pct: i64,
}

impl EventRuleSet {
    pub fn validity(&self) -> Validity {
        Validity {
            from: self.valid_from,
            until: self.valid_until,
        }
    }
    pub fn basis(&self) -> LegalBasis {
        LegalBasis {
            document: self.document.clone(),
            provision: self.provision.clone(),
            confirmed: self.confirmed,
            note: self.note.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRuleFile {
    pub rule_set: Vec<EventRuleSet>,
}

/// The rule file shipped with the program.
pub const DEFAULT_EVENT_RULES: &str = include_str!("../../../data/rules/events.toml");

impl EventRuleFile {
    /// Parses and checks: positive thresholds, non-overlapping validity.
    pub fn parse(src: &str) -> Result<EventRuleFile, String> {
        let f: EventRuleFile = toml::from_str(src).map_err(|e| e.to_string())?;
        if f.rule_set.is_empty() {
            return Err("no rule_set".into());
        }
        for r in &f.rule_set {
            if r.prolonged_minutes <= 0 {
                return Err(format!("{}: prolonged_minutes must be positive", r.id));
            }
            if !(1..=100).contains(&r.parking_full_pct) {
                return Err(format!("{}: parking_full_pct must be 1–100", r.id));
            }
            if let Some(u) = r.valid_until
                && u <= r.valid_from
            {
                return Err(format!("{}: valid_until must be after valid_from", r.id));
            }
        }
        let dated: Vec<crate::legal::Dated<()>> = f
            .rule_set
            .iter()
            .map(|r| crate::legal::Dated {
                basis: r.basis(),
                valid: r.validity(),
                rule: (),
            })
            .collect();
        if let Some((a, b)) = crate::legal::find_overlap(&dated) {
            return Err(format!(
                "rule sets {} and {} overlap in time",
                f.rule_set[a].id, f.rule_set[b].id
            ));
        }
        Ok(f)
    }

    pub fn default_rules() -> EventRuleFile {
        Self::parse(DEFAULT_EVENT_RULES).expect("the shipped events rules are valid")
    }

    /// The set in force on `date`, else the earliest one.
    pub fn for_date(&self, date: Date) -> &EventRuleSet {
        self.rule_set
            .iter()
            .filter(|r| r.validity().contains(date))
            .max_by_key(|r| r.valid_from)
            .or_else(|| self.rule_set.iter().min_by_key(|r| r.valid_from))
            .expect("at least one rule set")
    }
}

// ---------------------------------------------------------------------------------------
// Statistics

/// Order statistics of a list of durations (minutes), the same for congestion and for
/// response times.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DurationStats {
    pub count: i64,
    pub total_min: i64,
    pub mean_min: f64,
    /// The middle value; for an even count, the mean of the two middle values.
    pub median_min: f64,
    /// Nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value.
    pub p90_min: i64,
    pub longest_min: i64,
    /// How many lasted at least the threshold (prolonged congestion).
    pub over_threshold: i64,
    pub threshold_min: i64,
}

/// Statistics of durations in minutes against a threshold (`0`: none counted).
pub fn duration_stats(minutes: &[i64], threshold_min: i64) -> DurationStats {
    let mut v: Vec<i64> = minutes.to_vec();
    v.sort_unstable();
    let n = v.len();
    if n == 0 {
        return DurationStats {
            threshold_min,
            ..Default::default()
        };
    }
    let total: i64 = v.iter().sum();
    let median = if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    };
    // ⌈0.9·n⌉ in integers.
    let rank = (9 * n).div_ceil(10).max(1);
    DurationStats {
        count: n as i64,
        total_min: total,
        mean_min: total as f64 / n as f64,
        median_min: median,
        p90_min: v[rank - 1],
        longest_min: v[n - 1],
        over_threshold: if threshold_min > 0 {
            v.iter().filter(|m| **m >= threshold_min).count() as i64
        } else {
            0
        },
        threshold_min,
    }
}

/// Whole minutes between two instants in microseconds (rounded down).
pub fn minutes_between(start_us: i64, end_us: i64) -> i64 {
    (end_us - start_us).div_euclid(60_000_000)
}

/// Occupancy of one parking area over a set of reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OccupancyStats {
    pub capacity: i64,
    pub reports: i64,
    pub peak_occupied: i64,
    /// Peak occupancy as a share of capacity, in percent (one decimal).
    pub peak_pct: f64,
    /// Mean occupancy over the reports, in percent of capacity (one decimal).
    pub mean_pct: f64,
    /// Reports at or above the "full" share.
    pub full_reports: i64,
    pub full_pct: i64,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Occupancy statistics of `occupied` counts against `capacity`.
pub fn occupancy_stats(capacity: i64, occupied: &[i64], full_pct: i64) -> OccupancyStats {
    let n = occupied.len() as i64;
    if n == 0 || capacity <= 0 {
        return OccupancyStats {
            capacity,
            full_pct,
            ..Default::default()
        };
    }
    let peak = occupied.iter().copied().max().unwrap_or(0);
    let sum: i64 = occupied.iter().sum();
    OccupancyStats {
        capacity,
        reports: n,
        peak_occupied: peak,
        peak_pct: round1(peak as f64 * 100.0 / capacity as f64),
        mean_pct: round1(sum as f64 * 100.0 / (capacity * n) as f64),
        // occupied / capacity ≥ full_pct / 100, in integers.
        full_reports: occupied
            .iter()
            .filter(|o| **o * 100 >= full_pct * capacity)
            .count() as i64,
        full_pct,
    }
}

// ---------------------------------------------------------------------------------------
// Checks

/// An occupancy report: 0 ≤ occupied ≤ capacity.
pub fn check_occupancy(occupied: i64, capacity: i64) -> Result<(), FieldError> {
    if occupied < 0 {
        return Err(bad("occupied", "events.error.negative"));
    }
    if occupied > capacity {
        return Err(bad("occupied", "events.error.over_capacity"));
    }
    Ok(())
}

/// A period of local dates: the end is not before the start.
pub fn check_dates(from: Date, until: Date) -> Result<(), FieldError> {
    if until < from {
        return Err(bad("ends_on", "events.error.end_before_start"));
    }
    Ok(())
}

/// An incident's or activation's times: the end, if any, is not before the start.
pub fn check_times(start_us: i64, end_us: Option<i64>) -> Result<(), FieldError> {
    if let Some(e) = end_us
        && e < start_us
    {
        return Err(bad("ended_at", "events.error.end_before_start"));
    }
    Ok(())
}

/// Response times: the call comes first; police and rescue arrive after it.
pub fn check_response(
    call_us: i64,
    police_us: Option<i64>,
    rescue_us: Option<i64>,
) -> Result<(), FieldError> {
    if police_us.is_none() && rescue_us.is_none() {
        return Err(bad("police_at", "error.required"));
    }
    if police_us.is_some_and(|p| p < call_us) {
        return Err(bad("police_at", "events.error.before_call"));
    }
    if rescue_us.is_some_and(|r| r < call_us) {
        return Err(bad("rescue_at", "events.error.before_call"));
    }
    Ok(())
}

/// Two half-open periods `[a0, a1)` and `[b0, b1)` overlap; `None` is open-ended.
pub fn overlaps(a0: i64, a1: Option<i64>, b0: i64, b1: Option<i64>) -> bool {
    a0 < b1.unwrap_or(i64::MAX) && b0 < a1.unwrap_or(i64::MAX)
}

fn check_position(p: &serde_json::Value) -> bool {
    match p.as_array() {
        Some(a) if a.len() >= 2 => match (a[0].as_f64(), a[1].as_f64()) {
            (Some(lon), Some(lat)) => {
                (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)
            }
            _ => false,
        },
        _ => false,
    }
}

/// Counts the positions of a geometry; `None` if malformed.
fn geometry_positions(g: &serde_json::Value) -> Option<usize> {
    let coords = g.get("coordinates");
    let depth_ok = |v: &serde_json::Value, depth: usize| -> Option<usize> {
        fn walk(v: &serde_json::Value, depth: usize) -> Option<usize> {
            if depth == 0 {
                return check_position(v).then_some(1);
            }
            let mut n = 0;
            for x in v.as_array()? {
                n += walk(x, depth - 1)?;
            }
            Some(n)
        }
        walk(v, depth)
    };
    match g.get("type")?.as_str()? {
        "Point" => depth_ok(coords?, 0),
        "MultiPoint" | "LineString" => depth_ok(coords?, 1),
        "MultiLineString" | "Polygon" => depth_ok(coords?, 2),
        "MultiPolygon" => depth_ok(coords?, 3),
        "GeometryCollection" => {
            let mut n = 0;
            for x in g.get("geometries")?.as_array()? {
                n += geometry_positions(x)?;
            }
            Some(n)
        }
        _ => None,
    }
}

/// What a diversion plan's map holds: closed and one-way routes, detours (lines), signs
/// and staff posts (points). The kind of a feature is its `properties.kind`.
pub const DIVERSION_FEATURE_KINDS: &[&str] = &["closed", "one_way", "detour", "sign", "staff_post"];

/// Parses and checks a diversion plan's geometry: GeoJSON text (a FeatureCollection, a
/// Feature or a bare geometry) with at least one position, all in WGS84 range. Returns
/// it normalised to a FeatureCollection.
pub fn parse_geometry(text: &str) -> Result<serde_json::Value, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(bad("geometry", "events.error.geometry_required"));
    }
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|_| bad("geometry", "events.error.geometry_invalid"))?;
    let features: Vec<serde_json::Value> = match v.get("type").and_then(|t| t.as_str()) {
        Some("FeatureCollection") => v
            .get("features")
            .and_then(|f| f.as_array())
            .cloned()
            .ok_or(bad("geometry", "events.error.geometry_invalid"))?,
        Some("Feature") => vec![v.clone()],
        Some(_) => vec![serde_json::json!({"type": "Feature", "properties": {}, "geometry": v})],
        None => return Err(bad("geometry", "events.error.geometry_invalid")),
    };
    let mut n = 0;
    for f in &features {
        let g = f
            .get("geometry")
            .ok_or(bad("geometry", "events.error.geometry_invalid"))?;
        if g.is_null() {
            continue;
        }
        n += geometry_positions(g).ok_or(bad("geometry", "events.error.geometry_invalid"))?;
    }
    if n == 0 {
        return Err(bad("geometry", "events.error.geometry_required"));
    }
    Ok(serde_json::json!({"type": "FeatureCollection", "features": features}))
}

/// A line through picked points ("lon,lat" per line or separated by ';'), as the
/// GeoJSON of a detour; a single point is a staff post.
pub fn points_to_geometry(points: &str, kind: &str) -> Result<serde_json::Value, FieldError> {
    let mut coords = Vec::new();
    for part in points
        .split(['\n', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let mut it = part.split(',').map(str::trim);
        let lon: f64 = it
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or(bad("points", "events.error.geometry_invalid"))?;
        let lat: f64 = it
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or(bad("points", "events.error.geometry_invalid"))?;
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(bad("points", "events.error.geometry_invalid"));
        }
        coords.push(serde_json::json!([lon, lat]));
    }
    let geometry = match coords.len() {
        0 => return Err(bad("geometry", "events.error.geometry_required")),
        1 => serde_json::json!({"type": "Point", "coordinates": coords[0]}),
        _ => serde_json::json!({"type": "LineString", "coordinates": coords}),
    };
    Ok(
        serde_json::json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"kind": kind}, "geometry": geometry}
        ]}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_on_a_fixture() {
        // 15, 30, 45, 70, 120 minutes: total 280, mean 56, median 45,
        // p90 = 5th smallest (⌈4.5⌉ = 5) = 120, two at or over 60.
        let s = duration_stats(&[70, 15, 120, 45, 30], 60);
        assert_eq!(s.count, 5);
        assert_eq!(s.total_min, 280);
        assert_eq!(s.mean_min, 56.0);
        assert_eq!(s.median_min, 45.0);
        assert_eq!(s.p90_min, 120);
        assert_eq!(s.longest_min, 120);
        assert_eq!(s.over_threshold, 2);
        // Even count: median is the mean of the middle two; p90 of 10 values is the 9th.
        let s = duration_stats(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0);
        assert_eq!(s.median_min, 5.5);
        assert_eq!(s.p90_min, 9);
        assert_eq!(s.over_threshold, 0);
        assert_eq!(duration_stats(&[], 60).count, 0);
    }

    #[test]
    fn occupancy_on_a_fixture() {
        // capacity 200: 50, 180, 200 → peak 200 (100%), mean 430/600 = 71.7%, two ≥ 90%.
        let s = occupancy_stats(200, &[50, 180, 200], 90);
        assert_eq!(s.peak_occupied, 200);
        assert_eq!(s.peak_pct, 100.0);
        assert_eq!(s.mean_pct, 71.7);
        assert_eq!(s.full_reports, 2);
        assert_eq!(
            check_occupancy(201, 200).unwrap_err().key,
            "events.error.over_capacity"
        );
        assert_eq!(
            check_occupancy(-1, 200).unwrap_err().key,
            "events.error.negative"
        );
        assert!(check_occupancy(200, 200).is_ok());
    }

    #[test]
    fn geometry_is_required_and_checked() {
        assert_eq!(
            parse_geometry("").unwrap_err().key,
            "events.error.geometry_required"
        );
        assert_eq!(
            parse_geometry(r#"{"type":"FeatureCollection","features":[]}"#)
                .unwrap_err()
                .key,
            "events.error.geometry_required"
        );
        assert_eq!(
            parse_geometry(r#"{"type":"LineString","coordinates":[[200,11]]}"#)
                .unwrap_err()
                .key,
            "events.error.geometry_invalid"
        );
        let g =
            parse_geometry(r#"{"type":"LineString","coordinates":[[109.0,11.6],[109.1,11.7]]}"#)
                .unwrap();
        assert_eq!(g["features"].as_array().unwrap().len(), 1);
        let g = points_to_geometry("109.03,11.59\n109.04, 11.6", "detour").unwrap();
        assert_eq!(g["features"][0]["geometry"]["type"], "LineString");
    }

    #[test]
    fn periods_overlap() {
        assert!(overlaps(0, Some(10), 5, None));
        assert!(!overlaps(0, Some(10), 10, Some(20)));
        assert!(overlaps(0, None, 100, Some(200)));
        assert!(check_times(10, Some(5)).is_err());
    }

    #[test]
    fn shipped_rules_parse() {
        let r = EventRuleFile::default_rules();
        let s = r.for_date(jiff::civil::date(2026, 1, 1));
        assert_eq!(s.prolonged_minutes, 60);
        assert!(!s.confirmed);
        assert!(EventRuleFile::parse(&DEFAULT_EVENT_RULES.replace("= 60", "= 0")).is_err());
    }
}
