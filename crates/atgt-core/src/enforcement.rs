//! Cameras and violation processing: plate reads as received (NDJSON lines, checked
//! one by one), the Decree 168/2024 catalog as dated data, speed limits per road
//! segment, the rules turning reads into violations (spot speed, section speed, red
//! light), the case workflow with its four-eyes checks, notice deadlines and the
//! licence-points ledger. Security-sensitive: the case transitions decide what needs a
//! second person.

use crate::plates::Plate;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

// ---------------------------------------------------------------------------------
// Plate reads
// ---------------------------------------------------------------------------------

/// One line of an ingest body, as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRead {
    pub event_id: String,
    pub camera_id: String,
    pub read_at: String,
    pub plate: String,
    #[serde(default)]
    pub plate_confidence: Option<f64>,
    #[serde(default)]
    pub speed_kmh: Option<f64>,
    #[serde(default)]
    pub lane: Option<i64>,
    #[serde(default)]
    pub vehicle_class: Option<String>,
    #[serde(default)]
    pub image_sha256: Option<String>,
}

/// A checked read, ready to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Read {
    pub event_id: String,
    pub camera_id: String,
    pub read_at_us: i64,
    pub plate_raw: String,
    pub plate_key: String,
    pub plate_display: String,
    pub readable: bool,
    pub confidence: Option<f64>,
    pub speed_kmh: Option<f64>,
    pub lane: Option<i64>,
    pub vehicle_class: Option<String>,
    pub image_sha256: Option<String>,
}

/// Why a line was refused: the field and the i18n key of the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub field: &'static str,
    pub key: &'static str,
}

/// Vehicle classes a camera reports.
pub const VEHICLE_CLASSES: &[&str] = &["car", "truck", "bus", "motorbike", "other"];

fn bad(field: &'static str, key: &'static str) -> LineError {
    LineError { field, key }
}

/// Parses and checks one NDJSON line. An unreadable plate is not an error: the read is
/// kept for review.
pub fn parse_read(line: &str) -> Result<Read, LineError> {
    let r: RawRead =
        serde_json::from_str(line).map_err(|_| bad("line", "enforcement_error.read_not_json"))?;
    if r.event_id.trim().is_empty() || r.event_id.len() > 128 {
        return Err(bad("event_id", "enforcement_error.read_event_id"));
    }
    if r.camera_id.trim().is_empty() || r.camera_id.len() > 64 {
        return Err(bad("camera_id", "enforcement_error.read_camera_id"));
    }
    let at: jiff::Timestamp = r
        .read_at
        .parse()
        .map_err(|_| bad("read_at", "enforcement_error.read_time"))?;
    if r.plate.len() > 32 {
        return Err(bad("plate", "enforcement_error.read_plate_long"));
    }
    if let Some(c) = r.plate_confidence
        && !(0.0..=100.0).contains(&c)
    {
        return Err(bad("plate_confidence", "enforcement_error.read_confidence"));
    }
    if let Some(s) = r.speed_kmh
        && !(0.0..=400.0).contains(&s)
    {
        return Err(bad("speed_kmh", "enforcement_error.read_speed"));
    }
    if let Some(l) = r.lane
        && !(0..=20).contains(&l)
    {
        return Err(bad("lane", "enforcement_error.read_lane"));
    }
    if let Some(v) = &r.vehicle_class
        && !VEHICLE_CLASSES.contains(&v.as_str())
    {
        return Err(bad("vehicle_class", "enforcement_error.read_vehicle_class"));
    }
    if let Some(h) = &r.image_sha256
        && (h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(bad("image_sha256", "enforcement_error.read_image_sha256"));
    }
    let p = Plate::parse(&r.plate);
    Ok(Read {
        event_id: r.event_id,
        camera_id: r.camera_id,
        read_at_us: crate::time::to_micros(at),
        plate_key: p.key(),
        plate_display: p.display(),
        readable: p.is_readable(),
        plate_raw: r.plate,
        confidence: r.plate_confidence,
        speed_kmh: r.speed_kmh,
        lane: r.lane,
        vehicle_class: r.vehicle_class,
        image_sha256: r.image_sha256.map(|h| h.to_ascii_lowercase()),
    })
}

/// Converts one OpenALPR / Rekor Scout `alpr_group` webhook object into a read line of
/// our format: `best_uuid` (else `agent_uid` + `epoch_start`) is the event id, the
/// numeric `camera_id` the camera (registered under that number), `epoch_start` (ms)
/// the time, `best_plate_number` and `best_confidence` the plate, the most likely
/// `vehicle.type` the class. Objects of another `data_type` are refused.
pub fn alpr_group_line(v: &serde_json::Value) -> Result<String, LineError> {
    if v.get("data_type").and_then(|d| d.as_str()) != Some("alpr_group") {
        return Err(bad("data_type", "enforcement_error.read_not_alpr_group"));
    }
    let epoch = v
        .get("epoch_start")
        .and_then(|e| e.as_i64())
        .ok_or(bad("epoch_start", "enforcement_error.read_time"))?;
    let at = jiff::Timestamp::from_millisecond(epoch)
        .map_err(|_| bad("epoch_start", "enforcement_error.read_time"))?;
    let camera = match v.get("camera_id") {
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        _ => return Err(bad("camera_id", "enforcement_error.read_camera_id")),
    };
    let event = match v.get("best_uuid").and_then(|u| u.as_str()) {
        Some(u) if !u.is_empty() => u.to_string(),
        _ => format!(
            "{}-{epoch}",
            v.get("agent_uid")
                .and_then(|a| a.as_str())
                .unwrap_or("alpr")
        ),
    };
    let class = v
        .pointer("/vehicle/type/0/name")
        .and_then(|n| n.as_str())
        .map(|n| match n.to_ascii_lowercase().as_str() {
            "car" | "sedan" | "suv" | "van" | "pickup" | "sedan-standard" => "car",
            "truck" | "truck-standard" | "tractor-trailer" => "truck",
            "bus" => "bus",
            "motorcycle" | "motorbike" => "motorbike",
            _ => "other",
        });
    let line = serde_json::json!({
        "event_id": format!("alpr:{event}"),
        "camera_id": camera,
        "read_at": at.to_string(),
        "plate": v.get("best_plate_number").and_then(|p| p.as_str()).unwrap_or(""),
        "plate_confidence": v.get("best_confidence").and_then(|c| c.as_f64()),
        "vehicle_class": class,
    });
    let mut m = line.as_object().cloned().unwrap_or_default();
    m.retain(|_, v| !v.is_null());
    Ok(serde_json::Value::Object(m).to_string())
}

/// The hash a batch's audit entry seals: SHA-256 over its reads in id order, each
/// read's stored fields joined by unit separators, so editing a stored read breaks
/// verification. Feeds pieces without allocating per read (bulk ingest).
#[derive(Default)]
pub struct ReadHasher {
    h: Sha256,
    buf: String,
}

/// The fields of a read that the batch hash covers.
#[derive(Debug, Clone, Copy)]
pub struct ReadFields<'a> {
    pub event_id: &'a str,
    pub camera_id: &'a str,
    pub read_at_us: i64,
    pub plate_raw: &'a str,
    pub plate_key: &'a str,
    pub confidence: Option<f64>,
    pub speed_kmh: Option<f64>,
    pub lane: Option<i64>,
    pub vehicle_class: Option<&'a str>,
    pub image_sha256: Option<&'a str>,
}

impl<'a> From<&'a Read> for ReadFields<'a> {
    fn from(r: &'a Read) -> Self {
        ReadFields {
            event_id: &r.event_id,
            camera_id: &r.camera_id,
            read_at_us: r.read_at_us,
            plate_raw: &r.plate_raw,
            plate_key: &r.plate_key,
            confidence: r.confidence,
            speed_kmh: r.speed_kmh,
            lane: r.lane,
            vehicle_class: r.vehicle_class.as_deref(),
            image_sha256: r.image_sha256.as_deref(),
        }
    }
}

impl ReadHasher {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, id: i64, f: ReadFields<'_>) {
        use std::fmt::Write as _;
        const US: char = '\u{1f}';
        let b = &mut self.buf;
        b.clear();
        let _ = write!(
            b,
            "{id}{US}{}{US}{}{US}{}{US}{}{US}{}{US}",
            f.event_id, f.camera_id, f.read_at_us, f.plate_raw, f.plate_key
        );
        if let Some(c) = f.confidence {
            let _ = write!(b, "{c}");
        }
        b.push(US);
        if let Some(s) = f.speed_kmh {
            let _ = write!(b, "{s}");
        }
        b.push(US);
        if let Some(l) = f.lane {
            let _ = write!(b, "{l}");
        }
        b.push(US);
        b.push_str(f.vehicle_class.unwrap_or(""));
        b.push(US);
        b.push_str(f.image_sha256.unwrap_or(""));
        b.push('\u{1e}');
        self.h.update(b.as_bytes());
    }

    /// Lower-case hex.
    pub fn finish(self) -> String {
        hex::encode(self.h.finalize())
    }
}

// ---------------------------------------------------------------------------------
// The catalog (Decree 168/2024) and the speed limits
// ---------------------------------------------------------------------------------

pub const DEFAULT_CATALOG: &str = include_str!("../../../data/rules/violations-168.toml");
pub const DEFAULT_LIMITS: &str = include_str!("../../../data/rules/speed-limits.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoticeRule {
    pub document: String,
    pub provision: String,
    pub deadline_days: i64,
    pub respond_days: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointsRule {
    pub document: String,
    pub provision: String,
    pub full: i64,
    pub restore_after_months: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Edition {
    pub id: String,
    pub document: String,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_until: Option<Date>,
    #[serde(default)]
    pub note: String,
    #[serde(default = "yes")]
    pub confirmed: bool,
}

fn yes() -> bool {
    true
}

/// One behaviour of the catalog with its band of a measured value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Behaviour {
    pub code: String,
    pub group: String,
    pub vehicle: String,
    pub article: i64,
    pub clause: i64,
    pub point: String,
    pub text: String,
    /// over_kmh, breath_mg_l, load_over_pct or none.
    pub measure: String,
    #[serde(default)]
    pub min: f64,
    #[serde(default)]
    pub min_inclusive: bool,
    #[serde(default)]
    pub max: f64,
    pub fine_min: i64,
    pub fine_max: i64,
    #[serde(default)]
    pub fine_org_min: Option<i64>,
    #[serde(default)]
    pub fine_org_max: Option<i64>,
    pub points: i64,
    #[serde(default)]
    pub extra: String,
    #[serde(default = "yes")]
    pub confirmed: bool,
}

impl Behaviour {
    /// "Điều 6 khoản 5 điểm đ".
    pub fn provision(&self) -> String {
        format!(
            "Điều {} khoản {} điểm {}",
            self.article, self.clause, self.point
        )
    }

    /// True when the measured value `v` falls in this behaviour's band.
    pub fn holds(&self, v: f64) -> bool {
        let above = if self.min_inclusive {
            v >= self.min
        } else {
            v > self.min
        };
        above && v <= self.max
    }

    /// Organisations pay double unless the catalog says otherwise (Decree 168 Art. 4).
    pub fn fine_org(&self) -> (i64, i64) {
        (
            self.fine_org_min.unwrap_or(self.fine_min * 2),
            self.fine_org_max.unwrap_or(self.fine_max * 2),
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Catalog {
    pub notice: NoticeRule,
    pub points: PointsRule,
    pub edition: Vec<Edition>,
    pub behaviour: Vec<Behaviour>,
}

impl Catalog {
    pub fn parse(src: &str) -> Result<Catalog, String> {
        let c: Catalog = toml::from_str(src).map_err(|e| e.to_string())?;
        let mut seen = std::collections::HashSet::new();
        for b in &c.behaviour {
            if !seen.insert(b.code.clone()) {
                return Err(format!("behaviour {} listed twice", b.code));
            }
            if b.fine_min > b.fine_max || b.fine_min < 0 {
                return Err(format!("{}: fine_min must be ≤ fine_max", b.code));
            }
            if !matches!(
                b.measure.as_str(),
                "over_kmh" | "breath_mg_l" | "load_over_pct" | "none"
            ) {
                return Err(format!("{}: unknown measure {}", b.code, b.measure));
            }
        }
        if c.edition.is_empty() {
            return Err("no edition".into());
        }
        Ok(c)
    }

    pub fn default_catalog() -> Catalog {
        Self::parse(DEFAULT_CATALOG).expect("the shipped catalog is valid")
    }

    pub fn get(&self, code: &str) -> Option<&Behaviour> {
        self.behaviour.iter().find(|b| b.code == code)
    }

    /// The edition in force on `date` (the earliest before the first).
    pub fn edition(&self, date: Date) -> &Edition {
        self.edition
            .iter()
            .filter(|e| date >= e.valid_from && e.valid_until.is_none_or(|u| date < u))
            .max_by_key(|e| e.valid_from)
            .unwrap_or(&self.edition[0])
    }

    /// The behaviour of `group` for `vehicle` that a measured value falls in.
    pub fn select(&self, group: &str, vehicle: &str, value: Option<f64>) -> Option<&Behaviour> {
        self.behaviour
            .iter()
            .filter(|b| b.group == group && b.vehicle == vehicle)
            .find(|b| match value {
                _ if b.measure == "none" => true,
                Some(v) => b.holds(v),
                None => false,
            })
    }
}

/// The catalog's vehicle kind for a camera's vehicle class.
pub fn catalog_vehicle(class: Option<&str>) -> &'static str {
    match class {
        Some("motorbike") => "motorbike",
        Some("truck") => "truck",
        _ => "car",
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Segment {
    pub route: String,
    pub km_from: f64,
    pub km_to: f64,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_until: Option<Date>,
    pub document: String,
    pub car: i64,
    pub truck: i64,
    pub motorbike: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpeedLimits {
    pub tolerance_kmh: f64,
    pub segment: Vec<Segment>,
}

impl SpeedLimits {
    pub fn parse(src: &str) -> Result<SpeedLimits, String> {
        toml::from_str(src).map_err(|e| e.to_string())
    }
    pub fn default_limits() -> SpeedLimits {
        Self::parse(DEFAULT_LIMITS).expect("the shipped speed limits are valid")
    }

    /// The limit for a vehicle class at a km post on a route, on a date.
    pub fn limit(&self, route: &str, km: f64, class: Option<&str>, date: Date) -> Option<i64> {
        let s = self
            .segment
            .iter()
            .filter(|s| {
                crate::text::fold(&s.route) == crate::text::fold(route)
                    && km >= s.km_from
                    && km < s.km_to
                    && date >= s.valid_from
                    && s.valid_until.is_none_or(|u| date < u)
            })
            .max_by_key(|s| s.valid_from)?;
        Some(match catalog_vehicle(class) {
            "motorbike" => s.motorbike,
            "truck" => s.truck,
            _ => s.car,
        })
    }
}

// ---------------------------------------------------------------------------------
// Section (average) speed
// ---------------------------------------------------------------------------------

/// A read reduced to what section matching needs: plate as an interned id, camera as
/// an index, time in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub plate: u32,
    pub camera: u32,
    pub at_us: i64,
}

/// A section between two cameras in the direction of travel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Section {
    pub entry: u32,
    pub exit: u32,
    pub length_m: f64,
    pub limit_kmh: f64,
}

/// A vehicle whose average speed over a section exceeded the limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SectionHit {
    pub section: usize,
    pub plate: u32,
    pub entry_us: i64,
    pub exit_us: i64,
    pub avg_kmh: f64,
}

/// Matches exits to the latest earlier entry of the same plate, for every section, in
/// one pass over passes sorted by time (sorts them if they are not). An entry older
/// than `max_gap_us` is ignored. Returns the hits over `limit + tolerance`, and the
/// number of matched pairs.
pub fn section_speed(
    passes: &mut [Pass],
    sections: &[Section],
    tolerance_kmh: f64,
    max_gap_us: i64,
    plates: usize,
) -> (Vec<SectionHit>, u64) {
    if !passes.windows(2).all(|w| w[0].at_us <= w[1].at_us) {
        passes.sort_unstable_by_key(|p| p.at_us);
    }
    let max_cam = passes.iter().map(|p| p.camera).max().unwrap_or(0) as usize;
    // For each camera: the sections it is the entry of, and the sections it exits.
    let mut entry_of: Vec<Vec<usize>> = vec![Vec::new(); max_cam + 1];
    let mut exit_of: Vec<Vec<usize>> = vec![Vec::new(); max_cam + 1];
    for (i, s) in sections.iter().enumerate() {
        if (s.entry as usize) <= max_cam {
            entry_of[s.entry as usize].push(i);
        }
        if (s.exit as usize) <= max_cam {
            exit_of[s.exit as usize].push(i);
        }
    }
    // Last entry time per (section, plate): a dense table when the plates are
    // interned (the usual case), i64::MIN meaning none.
    let mut last: Vec<Vec<i64>> = sections.iter().map(|_| vec![i64::MIN; plates]).collect();
    let mut hits = Vec::new();
    let mut pairs = 0u64;
    for p in passes.iter() {
        let c = p.camera as usize;
        for &si in &exit_of[c] {
            let t0 = last[si][p.plate as usize];
            if t0 != i64::MIN {
                let dt = p.at_us - t0;
                if dt > 0 && dt <= max_gap_us {
                    pairs += 1;
                    let s = &sections[si];
                    let kmh = s.length_m / (dt as f64 / 1e6) * 3.6;
                    if kmh > s.limit_kmh + tolerance_kmh {
                        hits.push(SectionHit {
                            section: si,
                            plate: p.plate,
                            entry_us: t0,
                            exit_us: p.at_us,
                            avg_kmh: kmh,
                        });
                    }
                }
                last[si][p.plate as usize] = i64::MIN;
            }
        }
        for &si in &entry_of[c] {
            last[si][p.plate as usize] = p.at_us;
        }
    }
    (hits, pairs)
}

/// Interns plate keys into dense ids.
#[derive(Debug, Default)]
pub struct Interner {
    pub ids: HashMap<String, u32>,
    pub keys: Vec<String>,
}

impl Interner {
    pub fn id(&mut self, key: &str) -> u32 {
        if let Some(&i) = self.ids.get(key) {
            return i;
        }
        let i = self.keys.len() as u32;
        self.keys.push(key.to_string());
        self.ids.insert(key.to_string(), i);
        i
    }
}

// ---------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------

/// The state of a violation case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CaseState {
    Detected,
    Reviewed,
    Confirmed,
    NoticeSent,
    Decided,
    Paid,
    Closed,
    Dismissed,
}

impl CaseState {
    pub const ALL: [CaseState; 8] = [
        CaseState::Detected,
        CaseState::Reviewed,
        CaseState::Confirmed,
        CaseState::NoticeSent,
        CaseState::Decided,
        CaseState::Paid,
        CaseState::Closed,
        CaseState::Dismissed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Detected => "detected",
            CaseState::Reviewed => "reviewed",
            CaseState::Confirmed => "confirmed",
            CaseState::NoticeSent => "notice_sent",
            CaseState::Decided => "decided",
            CaseState::Paid => "paid",
            CaseState::Closed => "closed",
            CaseState::Dismissed => "dismissed",
        }
    }
    pub fn parse(s: &str) -> Option<CaseState> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
    pub fn label_key(self) -> String {
        format!("case_state.{}", self.as_str())
    }
    /// Finished: nothing more happens to the case.
    pub fn is_final(self) -> bool {
        matches!(self, CaseState::Closed | CaseState::Dismissed)
    }
}

/// What a person asks to do to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Action {
    /// An officer looked at the evidence.
    Review,
    /// The violation stands.
    Confirm,
    /// The notice to the owner went out.
    SendNotice,
    /// The decision (fine in đồng, points) was issued.
    Decide {
        fine_vnd: i64,
    },
    Pay,
    Close,
    /// Propose to dismiss (needs a reason; a second person of higher role approves).
    ProposeDismiss {
        reason: String,
    },
    /// Propose a lighter behaviour or a changed measured value (needs a reason and an
    /// approver).
    ProposeDowngrade {
        behaviour: String,
        measured: Option<f64>,
        reason: String,
    },
    /// Approve the pending proposal (dismissal or downgrade).
    Approve,
    /// Reject the pending proposal.
    Reject {
        reason: String,
    },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Review => "review",
            Action::Confirm => "confirm",
            Action::SendNotice => "send_notice",
            Action::Decide { .. } => "decide",
            Action::Pay => "pay",
            Action::Close => "close",
            Action::ProposeDismiss { .. } => "propose_dismiss",
            Action::ProposeDowngrade { .. } => "propose_downgrade",
            Action::Approve => "approve",
            Action::Reject { .. } => "reject",
        }
    }
}

/// A proposal waiting for its second person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Pending {
    Dismiss {
        by: i64,
        reason: String,
    },
    Downgrade {
        by: i64,
        behaviour: String,
        measured: Option<f64>,
        reason: String,
    },
}

impl Pending {
    pub fn by(&self) -> i64 {
        match self {
            Pending::Dismiss { by, .. } | Pending::Downgrade { by, .. } => *by,
        }
    }
}

/// The part of a case the workflow changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseCore {
    pub state: CaseState,
    pub behaviour: String,
    pub measured: Option<f64>,
    pub fine_vnd: Option<i64>,
    pub pending: Option<Pending>,
}

/// Who acts: user id and role rank (see `Role::rank`).
#[derive(Debug, Clone, Copy)]
pub struct Who {
    pub id: i64,
    pub rank: u8,
}

/// Applies an action. Refusals name an i18n key.
pub fn apply(
    c: &CaseCore,
    a: &Action,
    who: Who,
    catalog: &Catalog,
) -> Result<CaseCore, &'static str> {
    use CaseState::*;
    if c.state.is_final() {
        return Err("enforcement_error.case_final");
    }
    let mut n = c.clone();
    let need_no_pending = || {
        if c.pending.is_some() {
            Err("enforcement_error.case_pending")
        } else {
            Ok(())
        }
    };
    match a {
        Action::Review => {
            need_no_pending()?;
            if c.state != Detected {
                return Err("enforcement_error.case_transition");
            }
            n.state = Reviewed;
        }
        Action::Confirm => {
            need_no_pending()?;
            if c.state != Reviewed {
                return Err("enforcement_error.case_transition");
            }
            n.state = Confirmed;
        }
        Action::SendNotice => {
            need_no_pending()?;
            if c.state != Confirmed {
                return Err("enforcement_error.case_transition");
            }
            n.state = NoticeSent;
        }
        Action::Decide { fine_vnd } => {
            need_no_pending()?;
            if !matches!(c.state, Confirmed | NoticeSent) {
                return Err("enforcement_error.case_transition");
            }
            let b = catalog
                .get(&c.behaviour)
                .ok_or("enforcement_error.case_behaviour")?;
            let (_, org_max) = b.fine_org();
            if *fine_vnd < b.fine_min || *fine_vnd > org_max {
                return Err("enforcement_error.case_fine_range");
            }
            n.fine_vnd = Some(*fine_vnd);
            n.state = Decided;
        }
        Action::Pay => {
            need_no_pending()?;
            if c.state != Decided {
                return Err("enforcement_error.case_transition");
            }
            n.state = Paid;
        }
        Action::Close => {
            need_no_pending()?;
            if c.state != Paid {
                return Err("enforcement_error.case_transition");
            }
            n.state = Closed;
        }
        Action::ProposeDismiss { reason } => {
            need_no_pending()?;
            if reason.trim().chars().count() < 5 {
                return Err("enforcement_error.case_reason");
            }
            n.pending = Some(Pending::Dismiss {
                by: who.id,
                reason: reason.trim().into(),
            });
        }
        Action::ProposeDowngrade {
            behaviour,
            measured,
            reason,
        } => {
            need_no_pending()?;
            if reason.trim().chars().count() < 5 {
                return Err("enforcement_error.case_reason");
            }
            if catalog.get(behaviour).is_none() {
                return Err("enforcement_error.case_behaviour");
            }
            if *behaviour == c.behaviour && *measured == c.measured {
                return Err("enforcement_error.case_downgrade_same");
            }
            n.pending = Some(Pending::Downgrade {
                by: who.id,
                behaviour: behaviour.clone(),
                measured: *measured,
                reason: reason.trim().into(),
            });
        }
        Action::Approve => {
            let p = c
                .pending
                .as_ref()
                .ok_or("enforcement_error.case_nothing_pending")?;
            if p.by() == who.id {
                return Err("enforcement_error.case_same_person");
            }
            // Supervisor rank or above approves.
            if who.rank < 3 {
                return Err("enforcement_error.case_approver_rank");
            }
            match p {
                Pending::Dismiss { .. } => n.state = Dismissed,
                Pending::Downgrade {
                    behaviour,
                    measured,
                    ..
                } => {
                    n.behaviour = behaviour.clone();
                    n.measured = *measured;
                }
            }
            n.pending = None;
        }
        Action::Reject { reason } => {
            if c.pending.is_none() {
                return Err("enforcement_error.case_nothing_pending");
            }
            if reason.trim().is_empty() {
                return Err("enforcement_error.case_reason");
            }
            if who.rank < 3 {
                return Err("enforcement_error.case_approver_rank");
            }
            n.pending = None;
        }
    }
    Ok(n)
}

/// The canonical hash of a stored case row: the audit entry of every change seals it,
/// and verification recomputes it from the row.
#[allow(clippy::too_many_arguments)]
pub fn case_hash(
    id: i64,
    kind: &str,
    plate_key: &str,
    camera_id: Option<&str>,
    detected_at_us: i64,
    core: &CaseCore,
    evidence: &str,
    version: i64,
) -> String {
    let v = serde_json::json!({
        "id": id, "kind": kind, "plate_key": plate_key, "camera_id": camera_id,
        "detected_at_us": detected_at_us, "state": core.state.as_str(),
        "behaviour": core.behaviour, "measured": core.measured, "fine_vnd": core.fine_vnd,
        "pending": core.pending, "evidence": evidence, "version": version,
    });
    let mut h = Sha256::new();
    h.update(crate::audit::canonical_json(&v).as_bytes());
    hex::encode(h.finalize())
}

/// The notice deadline: detection date + the days of the law file.
pub fn notice_due(detected: Date, rule: &NoticeRule) -> Date {
    detected
        .checked_add(jiff::Span::new().days(rule.deadline_days))
        .unwrap_or(detected)
}

// ---------------------------------------------------------------------------------
// Licence points (Law 36/2024 Art. 58)
// ---------------------------------------------------------------------------------

/// The points of a licence on `on`, given its deductions (date, points) and the dates
/// of passed restoration tests (Art. 58 k3). 12 points; each deduction subtracts (not
/// below 0); a licence not at zero with no deduction for 12 months is restored to 12.
pub fn points_on(
    deductions: &[(Date, i64)],
    tests_passed: &[Date],
    on: Date,
    rule: &PointsRule,
) -> i64 {
    let mut events: Vec<(Date, Option<i64>)> = deductions
        .iter()
        .filter(|(d, _)| *d <= on)
        .map(|(d, p)| (*d, Some(*p)))
        .chain(
            tests_passed
                .iter()
                .filter(|d| **d <= on)
                .map(|d| (*d, None)),
        )
        .collect();
    events.sort_by_key(|e| e.0);
    let full = rule.full;
    let mut pts = full;
    let mut last: Option<Date> = None;
    let restore = |last: Option<Date>, pts: i64, at: Date| -> i64 {
        match last {
            Some(l)
                if pts > 0
                    && pts < full
                    && at
                        >= l.checked_add(jiff::Span::new().months(rule.restore_after_months))
                            .unwrap_or(Date::MAX) =>
            {
                full
            }
            _ => pts,
        }
    };
    for (d, e) in events {
        pts = restore(last, pts, d);
        match e {
            Some(p) => {
                pts = (pts - p).max(0);
                last = Some(d);
            }
            None => {
                if pts == 0 {
                    pts = full;
                    last = None;
                }
            }
        }
    }
    restore(last, pts, on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn reads_are_checked_field_by_field() {
        let ok = r#"{"event_id":"e1","camera_id":"CAM-1","read_at":"2026-11-25T08:00:00+07:00","plate":"79a 12345","speed_kmh":92.5}"#;
        let r = parse_read(ok).unwrap();
        assert_eq!(r.plate_display, "79A-123.45");
        assert_eq!(r.read_at_us, 1_795_568_400_000_000);
        for (line, field) in [
            ("not json", "line"),
            (
                r#"{"event_id":"","camera_id":"C","read_at":"2026-11-25T08:00:00Z","plate":"x"}"#,
                "event_id",
            ),
            (
                r#"{"event_id":"e","camera_id":"C","read_at":"25/11/2026","plate":"x"}"#,
                "read_at",
            ),
            (
                r#"{"event_id":"e","camera_id":"C","read_at":"2026-11-25T08:00:00Z","plate":"x","speed_kmh":-3}"#,
                "speed_kmh",
            ),
            (
                r#"{"event_id":"e","camera_id":"C","read_at":"2026-11-25T08:00:00Z","plate":"x","image_sha256":"zz"}"#,
                "image_sha256",
            ),
            (
                r#"{"event_id":"e","camera_id":"C","read_at":"2026-11-25T08:00:00Z","plate":"x","vehicle_class":"tank"}"#,
                "vehicle_class",
            ),
        ] {
            assert_eq!(parse_read(line).unwrap_err().field, field, "{line}");
        }
        // An unreadable plate is kept.
        let r = parse_read(
            r#"{"event_id":"e","camera_id":"C","read_at":"2026-11-25T08:00:00Z","plate":"??"}"#,
        )
        .unwrap();
        assert!(!r.readable);
    }

    #[test]
    fn openalpr_alpr_group_becomes_a_read() {
        let v = serde_json::json!({
            "data_type": "alpr_group", "version": 2, "epoch_start": 1_795_568_400_000i64,
            "camera_id": 1248952345, "agent_uid": "X", "best_plate_number": "79A12345",
            "best_confidence": 94.6, "best_uuid": "X-1248952345-1795568400000",
            "vehicle": {"type": [{"name": "truck-standard", "confidence": 80.1}]}
        });
        let r = parse_read(&alpr_group_line(&v).unwrap()).unwrap();
        assert_eq!(r.event_id, "alpr:X-1248952345-1795568400000");
        assert_eq!(r.camera_id, "1248952345");
        assert_eq!(r.plate_display, "79A-123.45");
        assert_eq!(r.read_at_us, 1_795_568_400_000_000);
        assert_eq!(r.vehicle_class.as_deref(), Some("truck"));
        assert_eq!(
            alpr_group_line(&serde_json::json!({"data_type": "heartbeat"}))
                .unwrap_err()
                .field,
            "data_type"
        );
    }

    #[test]
    fn the_catalog_selects_the_band_by_the_measured_value() {
        let c = Catalog::default_catalog();
        assert_eq!(
            c.select("speeding", "car", Some(5.0)).unwrap().code,
            "speed_car_5_10"
        );
        assert_eq!(
            c.select("speeding", "car", Some(10.0)).unwrap().code,
            "speed_car_10_20"
        );
        assert_eq!(
            c.select("speeding", "car", Some(20.0)).unwrap().code,
            "speed_car_10_20"
        );
        assert_eq!(
            c.select("speeding", "car", Some(20.5)).unwrap().code,
            "speed_car_20_35"
        );
        assert_eq!(
            c.select("speeding", "car", Some(36.0)).unwrap().code,
            "speed_car_over_35"
        );
        assert!(c.select("speeding", "car", Some(4.0)).is_none());
        assert_eq!(
            c.select("alcohol", "motorbike", Some(0.3)).unwrap().code,
            "alcohol_moto_2"
        );
        assert_eq!(c.select("overload", "truck", Some(55.0)).unwrap().points, 4);
        let bed = c.get("bed_extension").unwrap();
        assert_eq!(bed.fine_org(), (56_000_000, 60_000_000));
        assert_eq!(
            c.get("red_light_car").unwrap().fine_org(),
            (36_000_000, 40_000_000)
        );
        // Decree 238/2026 from 15/8/2026: fines unchanged, its own edition.
        assert_eq!(c.edition(date(2026, 8, 14)).id, "nd168-2024");
        assert_eq!(c.edition(date(2026, 8, 15)).id, "nd168-2024-sd238-2026");
    }

    #[test]
    fn limits_by_segment_class_and_date() {
        let l = SpeedLimits::default_limits();
        let d = date(2026, 1, 1);
        assert_eq!(l.limit("QL1A", 1500.0, Some("car"), d), Some(80));
        assert_eq!(l.limit("ql1a", 1500.0, Some("truck"), d), Some(70));
        assert_eq!(l.limit("DT704", 5.0, Some("motorbike"), d), Some(50));
        assert_eq!(l.limit("QL1A", 1500.0, None, date(2024, 1, 1)), None);
        assert_eq!(l.limit("QL27", 1.0, None, d), None);
    }

    #[test]
    fn section_speed_matches_entry_to_exit() {
        let s = [Section {
            entry: 0,
            exit: 1,
            length_m: 10_000.0,
            limit_kmh: 80.0,
        }];
        let m = 60_000_000i64;
        let mut p = vec![
            // plate 0: 10 km in 5 min = 120 km/h
            Pass {
                plate: 0,
                camera: 0,
                at_us: 0,
            },
            Pass {
                plate: 0,
                camera: 1,
                at_us: 5 * m,
            },
            // plate 1: 10 km in 10 min = 60 km/h
            Pass {
                plate: 1,
                camera: 0,
                at_us: m,
            },
            Pass {
                plate: 1,
                camera: 1,
                at_us: 11 * m,
            },
            // plate 2: exit without entry
            Pass {
                plate: 2,
                camera: 1,
                at_us: 2 * m,
            },
            // plate 3: wrong direction (exit camera first)
            Pass {
                plate: 3,
                camera: 1,
                at_us: 0,
            },
            Pass {
                plate: 3,
                camera: 0,
                at_us: m,
            },
        ];
        let (hits, pairs) = section_speed(&mut p, &s, 5.0, 3600 * 1_000_000, 4);
        assert_eq!(pairs, 2);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].plate, 0);
        assert!((hits[0].avg_kmh - 120.0).abs() < 1e-9);
    }

    fn core(state: CaseState) -> CaseCore {
        CaseCore {
            state,
            behaviour: "speed_car_20_35".into(),
            measured: Some(25.0),
            fine_vnd: None,
            pending: None,
        }
    }

    #[test]
    fn dismissal_needs_two_different_people_of_the_right_rank() {
        let c = Catalog::default_catalog();
        let officer = Who { id: 1, rank: 1 };
        let sup = Who { id: 2, rank: 3 };
        let p = apply(
            &core(CaseState::Reviewed),
            &Action::ProposeDismiss {
                reason: "Ảnh mờ, không đọc được biển".into(),
            },
            officer,
            &c,
        )
        .unwrap();
        assert_eq!(p.state, CaseState::Reviewed);
        assert_eq!(
            apply(&p, &Action::Approve, officer, &c),
            Err("enforcement_error.case_same_person")
        );
        assert_eq!(
            apply(&p, &Action::Approve, Who { id: 3, rank: 1 }, &c),
            Err("enforcement_error.case_approver_rank")
        );
        // A supervisor proposing alone cannot approve it either.
        let q = apply(
            &core(CaseState::Reviewed),
            &Action::ProposeDismiss {
                reason: "Xe ưu tiên làm nhiệm vụ".into(),
            },
            sup,
            &c,
        )
        .unwrap();
        assert_eq!(
            apply(&q, &Action::Approve, sup, &c),
            Err("enforcement_error.case_same_person")
        );
        let d = apply(&p, &Action::Approve, sup, &c).unwrap();
        assert_eq!(d.state, CaseState::Dismissed);
        assert_eq!(
            apply(&d, &Action::Review, sup, &c),
            Err("enforcement_error.case_final")
        );
    }

    #[test]
    fn downgrade_needs_a_reason_and_approval() {
        let c = Catalog::default_catalog();
        let officer = Who { id: 1, rank: 1 };
        let base = core(CaseState::Confirmed);
        let down = |reason: &str| Action::ProposeDowngrade {
            behaviour: "speed_car_10_20".into(),
            measured: Some(15.0),
            reason: reason.into(),
        };
        assert_eq!(
            apply(&base, &down(""), officer, &c),
            Err("enforcement_error.case_reason")
        );
        assert_eq!(
            apply(&base, &down("  "), officer, &c),
            Err("enforcement_error.case_reason")
        );
        let p = apply(&base, &down("Hiệu chỉnh sai số thiết bị"), officer, &c).unwrap();
        assert_eq!(
            p.behaviour, "speed_car_20_35",
            "nothing changes before approval"
        );
        assert_eq!(
            apply(&p, &Action::SendNotice, officer, &c),
            Err("enforcement_error.case_pending")
        );
        let a = apply(&p, &Action::Approve, Who { id: 9, rank: 3 }, &c).unwrap();
        assert_eq!(a.behaviour, "speed_car_10_20");
        assert_eq!(a.measured, Some(15.0));
    }

    #[test]
    fn the_workflow_runs_in_order_and_fines_stay_in_range() {
        let c = Catalog::default_catalog();
        let w = Who { id: 1, rank: 1 };
        let mut k = core(CaseState::Detected);
        assert_eq!(
            apply(&k, &Action::Confirm, w, &c),
            Err("enforcement_error.case_transition")
        );
        for a in [Action::Review, Action::Confirm, Action::SendNotice] {
            k = apply(&k, &a, w, &c).unwrap();
        }
        assert_eq!(
            apply(&k, &Action::Decide { fine_vnd: 1_000 }, w, &c),
            Err("enforcement_error.case_fine_range")
        );
        k = apply(
            &k,
            &Action::Decide {
                fine_vnd: 7_000_000,
            },
            w,
            &c,
        )
        .unwrap();
        k = apply(&k, &Action::Pay, w, &c).unwrap();
        k = apply(&k, &Action::Close, w, &c).unwrap();
        assert_eq!(k.state, CaseState::Closed);
    }

    #[test]
    fn licence_points_deduct_and_restore_after_twelve_months() {
        let r = Catalog::default_catalog().points;
        let ded = [(date(2025, 3, 1), 4), (date(2025, 6, 1), 6)];
        assert_eq!(points_on(&ded, &[], date(2025, 2, 28), &r), 12);
        assert_eq!(points_on(&ded, &[], date(2025, 3, 1), &r), 8);
        assert_eq!(points_on(&ded, &[], date(2025, 6, 1), &r), 2);
        // 12 months from the latest deduction.
        assert_eq!(points_on(&ded, &[], date(2026, 5, 31), &r), 2);
        assert_eq!(points_on(&ded, &[], date(2026, 6, 1), &r), 12);
        // At zero nothing restores with time; a passed test does (Art. 58 k3).
        let zero = [(date(2025, 1, 10), 10), (date(2025, 2, 1), 4)];
        assert_eq!(points_on(&zero, &[], date(2027, 1, 1), &r), 0);
        assert_eq!(
            points_on(&zero, &[date(2025, 9, 1)], date(2025, 9, 1), &r),
            12
        );
        // A deduction after a restoration counts from 12.
        let again = [(date(2025, 1, 1), 4), (date(2026, 3, 1), 2)];
        assert_eq!(points_on(&again, &[], date(2026, 3, 1), &r), 10);
    }

    #[test]
    fn notice_deadline_comes_from_the_law_file() {
        let r = Catalog::default_catalog().notice;
        assert_eq!(notice_due(date(2026, 11, 25), &r), date(2026, 12, 5));
    }
}
