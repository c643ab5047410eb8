//! Synthetic crashes: a deterministic generator of plausible sample crash records for
//! the demo and for benchmarks. Every record it makes has `synthetic = true` and a
//! description ending in "(dữ liệu mẫu)". No IO; the pseudo-random numbers come from a
//! small SplitMix64 generator, so the same spec always gives the same records.
//!
//! What a record looks like:
//! - time: days weighted towards weekends, the weeks around Tết and the summer months;
//!   hours peaking 6–8 and 16–19. Daily counts are drawn by systematic sampling, so a
//!   spec's crash total is exactly `per_year` × years and every 12-month span holds
//!   close to `per_year`.
//! - place: a road picked by traffic weight (or a hotspot), a kilometre, a point on the
//!   road's chainage with a few metres of jitter, and the commune of that kilometre.
//!   Before 1/7/2025 the commune is the OLD one (`admin_scheme = "old"`): the old
//!   communes that formed the new one share its kilometre range in order (see
//!   [`DEMO_OLD_COMMUNES`], from `data/admin-units/ninh-hai-sample.md`); from 1/7/2025
//!   it is the NEW code (`admin_scheme = "new"`). A new commune whose old communes are
//!   not known keeps its new code (and `"new"`) before 1/7/2025 too.
//! - people, vehicles, causes, damage: motorbikes about 70 % of vehicles, containers on
//!   national roads only; young riders over-represented; about 15–20 % of crashes with a
//!   death (deaths within 0–3 days, so inside the 7-day window), a few with several;
//!   road-infrastructure causes (`road_defect`, `road_design`) only at hotspots marked
//!   `infrastructure`. A pedestrian is a person with role `pedestrian` and also a
//!   vehicle entry of kind `pedestrian` (the catalogue's party kind), which the person's
//!   `vehicle_idx` points to. `sex` is "male"/"female" (or unknown); `weather` and
//!   `light` are left empty (no catalogue yet).
//!
//! Hotspots take a `share` of all crashes. They are assigned along the date-ordered
//! crash sequence by a golden-ratio (Weyl) sequence, so a hotspot's crashes are spread
//! evenly in time: about `share × per_year` in every 12 months.
//!
//! The demo's hotspots ([`demo_spec`], about 120 crashes a year, 1/12/2023–24/11/2026)
//! and what they are meant to show — the black-spot rule being: within 12 months, at
//! one location (a few hundred metres), 2+ crashes with deaths, or 3+ crashes with at
//! least one death, or 4+ crashes with injured people, with road infrastructure among
//! the causes:
//! - **QL1A Km 1531+200** (radius 150 m, 4.5 % of crashes, fatal ×3.5, infrastructure):
//!   meets the rule by deaths — 2+ fatal crashes within 12 months.
//! - **ĐT704 Km 6+500**, near Ninh Chử (radius 150 m, 4.5 %, fatal ×0.1, infrastructure,
//!   mostly `road_design`): meets the rule by 4+ injury crashes within 12 months.
//! - **QL1A Km 1542+800** (radius 200 m, 5 %, fatal ×0.5, no infrastructure cause):
//!   ranking only — many injury crashes over the three years (enough in 12 months to
//!   meet the counts), but none caused by the road, so the rule never applies.
//! - **ĐT704 Km 14+000** (radius 800 m, 4 %, fatal ×1, no infrastructure cause):
//!   ranking only — crashes spread along 1.6 km of road, none caused by the road; a
//!   section ranking flags it, the rule does not.
//!
//! [`bench_records`] makes many minimal records quickly (one vehicle, counts without
//! people) for import benchmarks.

use crate::crashes::{CrashRecord, Occurred, Person, Vehicle};
use crate::geo::{Chainage, Point, format_km};
use jiff::civil::Date;

/// A road the generator places crashes on.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthRoad {
    pub code: String,
    pub chainage: Chainage,
    /// Traffic weight: the road's share of the crashes not at a hotspot is its weight
    /// over the sum of weights. Roads with weight ≤ 0 get no background crashes.
    pub weight: f64,
    /// Kilometre ranges `[from, to)` → NEW commune code.
    pub commune_by_km: Vec<(f64, f64, String)>,
}

/// A cluster of crashes.
#[derive(Debug, Clone, PartialEq)]
pub struct Hotspot {
    /// Road code (a road of the spec; a hotspot on an unknown road is ignored).
    pub road: String,
    pub km: f64,
    /// Crashes fall within this distance along the road (triangular, centred on `km`).
    pub radius_m: f64,
    /// Share of all crashes (0–1).
    pub share: f64,
    /// Multiplies the chance that a crash here has a death (1 = as elsewhere).
    pub fatal_boost: f64,
    /// The road itself contributes: `road_design` / `road_defect` among the causes of
    /// most crashes here.
    pub infrastructure: bool,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSpec {
    pub seed: u64,
    /// First and last day (inclusive).
    pub from: Date,
    pub to: Date,
    /// Crashes per year.
    pub per_year: u32,
    pub roads: Vec<SynthRoad>,
    /// Clusters.
    pub hotspots: Vec<Hotspot>,
}

/// The day the new administrative map took effect (communes before it are old codes).
pub fn admin_switch_date() -> Date {
    jiff::civil::date(2025, 7, 1)
}

/// New commune → the old communes (of old district 586) it was formed from, in the
/// order they share the new commune's kilometre range on a road.
pub const DEMO_OLD_COMMUNES: &[(&str, &[&str])] = &[
    ("22834", &["22834"]),                   // Ninh Chử ← Khánh Hải
    ("22846", &["22867", "22868", "22846"]), // Vĩnh Hải ← Nhơn Hải, Thanh Hải, Vĩnh Hải
    ("22852", &["22864", "22852"]),          // Ninh Hải ← Tri Hải, Phương Hải
    ("22861", &["22855", "22858", "22861"]), // Xuân Hải ← Tân Hải, Xuân Hải, Hộ Hải
];

/// Kilometre ranges `[from, to)` → new commune code.
pub type CommuneByKm = Vec<(f64, f64, String)>;

/// The demo's seed.
pub const DEMO_SEED: u64 = 20_261_124;

/// The demo's traffic weight and kilometre → new commune map for a demo road code
/// (QL1A, ĐT704, XH-01); `None` for other codes. Illustrative, like the geometry.
pub fn demo_road_defaults(code: &str) -> Option<(f64, CommuneByKm)> {
    let map = |v: &[(f64, f64, &str)]| {
        v.iter()
            .map(|(a, b, c)| (*a, *b, c.to_string()))
            .collect::<Vec<_>>()
    };
    match code {
        "QL1A" => Some((
            0.55,
            map(&[
                (1520.0, 1526.0, "22852"),
                (1526.0, 1544.0, "22861"),
                (1544.0, 1600.0, "22834"),
            ]),
        )),
        "ĐT704" => Some((
            0.35,
            map(&[
                (0.0, 9.0, "22834"),
                (9.0, 16.0, "22852"),
                (16.0, 100.0, "22846"),
            ]),
        )),
        "XH-01" => Some((0.10, map(&[(0.0, 100.0, "22861")]))),
        _ => None,
    }
}

/// A demo road with the demo's weight and commune map (weight 0 and no map for codes
/// the demo does not know, e.g. the railway).
pub fn demo_road(code: &str, chainage: Chainage) -> SynthRoad {
    let (weight, commune_by_km) = demo_road_defaults(code).unwrap_or((0.0, Vec::new()));
    SynthRoad {
        code: code.to_string(),
        chainage,
        weight,
        commune_by_km,
    }
}

/// The demo's hotspots (see the module header for what each is meant to show).
pub fn demo_hotspots() -> Vec<Hotspot> {
    let h = |road: &str, km, radius_m, share, fatal_boost, infrastructure| Hotspot {
        road: road.to_string(),
        km,
        radius_m,
        share,
        fatal_boost,
        infrastructure,
    };
    vec![
        h("QL1A", 1531.2, 150.0, 0.045, 3.5, true),
        h("ĐT704", 6.5, 150.0, 0.045, 0.1, true),
        h("QL1A", 1542.8, 200.0, 0.05, 0.5, false),
        h("ĐT704", 14.0, 800.0, 0.04, 1.0, false),
    ]
}

/// The demo: three years back from 24/11/2026 (1/12/2023–24/11/2026), about 120
/// crashes a year on the given roads, with [`demo_hotspots`]. Roads with no weight
/// (≤ 0) or no commune map get the demo's defaults for their code.
pub fn demo_spec(roads: Vec<SynthRoad>) -> SynthSpec {
    let roads = roads
        .into_iter()
        .map(|mut r| {
            if let Some((w, map)) = demo_road_defaults(&r.code) {
                if r.weight.is_nan() || r.weight <= 0.0 {
                    r.weight = w;
                }
                if r.commune_by_km.is_empty() {
                    r.commune_by_km = map;
                }
            }
            r
        })
        .collect();
    SynthSpec {
        seed: DEMO_SEED,
        from: jiff::civil::date(2023, 12, 1),
        to: jiff::civil::date(2026, 11, 24),
        per_year: 120,
        roads,
        hotspots: demo_hotspots(),
    }
}

// ---------------------------------------------------------------------------------
// Pseudo-random numbers.

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, good enough for sample data.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5EED_A7C7_0000_0001)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * n as u64) >> 32) as u32
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// An index drawn with the given (non-negative) weights.
    fn pick(&mut self, w: &[f64]) -> usize {
        let total: f64 = w.iter().sum();
        let mut x = self.f64() * total;
        for (i, wi) in w.iter().enumerate() {
            if x < *wi {
                return i;
            }
            x -= wi;
        }
        w.iter().rposition(|v| *v > 0.0).unwrap_or(0)
    }

    /// Log-uniform in [lo, hi): amounts spanning orders of magnitude.
    fn log_range(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + (hi.ln() - lo.ln()) * self.f64()).exp()
    }
}

// ---------------------------------------------------------------------------------
// Catalogue weights.

/// Relative crash frequency by hour of day: peaks 6–8 and 16–19.
const HOUR_WEIGHTS: [f64; 24] = [
    1.0, 0.7, 0.6, 0.6, 1.0, 2.5, 5.0, 6.0, 5.0, 3.0, 3.0, 3.5, 3.0, 2.5, 3.0, 3.5, 5.0, 6.5, 6.5,
    5.0, 3.5, 3.0, 2.0, 1.5,
];

/// The first day of Tết (Lunar New Year) by year.
const TET: &[(i16, i8, i8)] = &[
    (2019, 2, 5),
    (2020, 1, 25),
    (2021, 2, 12),
    (2022, 2, 1),
    (2023, 1, 22),
    (2024, 2, 10),
    (2025, 1, 29),
    (2026, 2, 17),
    (2027, 2, 6),
    (2028, 1, 26),
];

/// Relative crash frequency of a day: weekends, the weeks around Tết, summer (beach
/// season at Ninh Chử) and the year's end see more.
fn day_weight(d: Date) -> f64 {
    let season = match d.month() {
        6..=8 => 1.25,
        12 | 1 => 1.1,
        _ => 1.0,
    };
    let weekday = match d.weekday().to_monday_one_offset() {
        5 => 1.1,
        6 => 1.3,
        7 => 1.25,
        _ => 1.0,
    };
    let tet = TET
        .iter()
        .filter_map(|(y, m, dd)| Date::new(*y, *m, *dd).ok())
        .any(|t| {
            let from = t.checked_sub(jiff::Span::new().days(7)).unwrap_or(t);
            let to = t.checked_add(jiff::Span::new().days(10)).unwrap_or(t);
            (from..=to).contains(&d)
        });
    season * weekday * if tet { 1.6 } else { 1.0 }
}

const KINDS: [&str; 9] = [
    "motorbike",
    "car",
    "truck",
    "container",
    "bus",
    "coach",
    "bicycle",
    "e_bike",
    "tractor",
];
const KIND_W_NATIONAL: [f64; 9] = [68.0, 13.0, 10.0, 5.0, 1.0, 2.0, 3.0, 2.0, 0.0];
const KIND_W_PROVINCIAL: [f64; 9] = [76.0, 12.0, 6.0, 0.0, 1.0, 1.0, 4.0, 3.0, 0.0];
const KIND_W_LOCAL: [f64; 9] = [80.0, 6.0, 4.0, 0.0, 0.0, 0.0, 6.0, 4.0, 2.0];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoadClass {
    National,
    Provincial,
    Local,
}

fn road_class(code: &str) -> RoadClass {
    let c = code.to_uppercase();
    if c.starts_with("QL") || c.starts_with("CT") {
        RoadClass::National
    } else if c.starts_with("ĐT") || c.starts_with("DT") {
        RoadClass::Provincial
    } else {
        RoadClass::Local
    }
}

/// Behavioural and other non-road causes, with weights; infrastructure causes are
/// added only at hotspots marked so.
const CAUSE_W: &[(&str, f64)] = &[
    ("speeding", 20.0),
    ("alcohol", 12.0),
    ("wrong_lane", 14.0),
    ("unsafe_overtaking", 10.0),
    ("inattention", 14.0),
    ("failure_to_yield", 7.0),
    ("unsafe_turning", 6.0),
    ("wrong_way", 3.0),
    ("red_light", 1.0),
    ("unlicensed", 4.0),
    ("fatigue", 2.0),
    ("phone", 3.0),
    ("vehicle_defect", 2.0),
    ("overload", 1.0),
    ("weather", 1.0),
    ("poor_light", 2.0),
    ("other", 2.0),
];

// Age-group weights in the order of `crashes::AGE_GROUPS`:
// 0-5, 6-14, 15-17, 18-24, 25-34, 35-54, 55-64, 65+.
const AGE_RIDER: [f64; 8] = [0.0, 1.0, 8.0, 30.0, 22.0, 25.0, 9.0, 5.0];
const AGE_DRIVER: [f64; 8] = [0.0, 0.0, 0.0, 8.0, 32.0, 45.0, 13.0, 2.0];
const AGE_CYCLIST: [f64; 8] = [0.0, 18.0, 22.0, 15.0, 8.0, 15.0, 12.0, 10.0];
const AGE_PASSENGER: [f64; 8] = [6.0, 12.0, 8.0, 20.0, 18.0, 20.0, 9.0, 7.0];
const AGE_PEDESTRIAN: [f64; 8] = [8.0, 14.0, 5.0, 8.0, 10.0, 20.0, 15.0, 20.0];

fn kind_vi(kind: &str) -> &'static str {
    match kind {
        "motorbike" => "xe mô tô",
        "car" => "xe ô tô",
        "truck" => "xe tải",
        "container" => "xe container",
        "bus" => "xe buýt",
        "coach" => "xe khách",
        "bicycle" => "xe đạp",
        "e_bike" => "xe đạp điện",
        "tractor" => "máy kéo",
        "pedestrian" => "người đi bộ",
        _ => "phương tiện khác",
    }
}

fn is_vulnerable(kind: &str) -> bool {
    matches!(kind, "motorbike" | "bicycle" | "e_bike" | "pedestrian")
}

fn is_heavy(kind: &str) -> bool {
    matches!(kind, "truck" | "container" | "bus" | "coach")
}

// ---------------------------------------------------------------------------------
// Places.

/// The road's kilometre range (low, high).
fn km_range(c: &Chainage) -> (f64, f64) {
    let (a, b) = (c.km_start, c.km_end());
    (a.min(b), a.max(b))
}

/// The point at `km`, clamped to the line.
fn point_on(c: &Chainage, km: f64) -> Point {
    if let Some(p) = c.point_at(km) {
        return p;
    }
    let (lo, _) = km_range(c);
    let first_is_low = c.ascending;
    let at_low = km <= lo;
    let pick_first = at_low == first_is_low;
    if pick_first {
        c.line[0]
    } else {
        c.line[c.line.len() - 1]
    }
}

/// (new code, old code) of the commune at `km`. The old code is that of the old
/// commune whose share of the new commune's range (clamped to the road) holds `km`;
/// `None` when the new commune's old communes are not known.
fn commune_at(
    map: &[(f64, f64, String)],
    road_range: (f64, f64),
    km: f64,
) -> Option<(String, Option<String>)> {
    let (a, b, new) = map.iter().find(|(a, b, _)| *a <= km && km < *b)?;
    let old = DEMO_OLD_COMMUNES
        .iter()
        .find(|(n, _)| n == new)
        .map(|(_, olds)| {
            let lo = a.max(road_range.0);
            let hi = b.min(road_range.1).max(lo + 1e-9);
            let t = ((km - lo) / (hi - lo)).clamp(0.0, 0.999_999);
            olds[(t * olds.len() as f64) as usize].to_string()
        });
    Some((new.clone(), old))
}

// ---------------------------------------------------------------------------------
// The generator.

struct RoadCtx<'a> {
    road: &'a SynthRoad,
    range: (f64, f64),
    class: RoadClass,
}

/// Generates the spec's crashes, in time order, with ids "SYN-000001"….
pub fn generate(spec: &SynthSpec) -> Vec<CrashRecord> {
    let mut rng = Rng::new(spec.seed);
    if spec.from > spec.to || spec.per_year == 0 {
        return Vec::new();
    }
    let mut days = Vec::new();
    let mut d = spec.from;
    while d <= spec.to {
        days.push((d, day_weight(d)));
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    let total = (spec.per_year as f64 * days.len() as f64 / 365.2425).round();
    let wsum: f64 = days.iter().map(|(_, w)| w).sum();

    let roads: Vec<RoadCtx> = spec
        .roads
        .iter()
        .filter(|r| r.chainage.line.len() >= 2)
        .map(|r| RoadCtx {
            road: r,
            range: km_range(&r.chainage),
            class: road_class(&r.code),
        })
        .collect();
    let road_w: Vec<f64> = roads.iter().map(|r| r.road.weight.max(0.0)).collect();
    let has_background = road_w.iter().any(|w| *w > 0.0);
    // Hotspots on known roads, with cumulative shares (capped at 1).
    let mut hot: Vec<(&Hotspot, usize, f64)> = Vec::new();
    let mut cum = 0.0;
    for h in &spec.hotspots {
        if let Some(ri) = roads.iter().position(|r| r.road.code == h.road)
            && h.share > 0.0
        {
            cum = (cum + h.share).min(1.0);
            hot.push((h, ri, cum));
        }
    }

    const PHI: f64 = 0.618_033_988_749_894_9;
    let weyl0 = rng.f64();
    let offset = rng.f64();
    let mut out: Vec<CrashRecord> = Vec::with_capacity(total as usize + 1);
    let mut acc = 0.0;
    let mut idx: u64 = 0;
    for (day, w) in &days {
        let before = (offset + acc).floor();
        acc += total * w / wsum;
        let n = ((offset + acc).floor() - before) as u32;
        let mut today: Vec<CrashRecord> = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let x = (weyl0 + idx as f64 * PHI).fract();
            idx += 1;
            let at = hot.iter().find(|(_, _, c)| x < *c);
            let placed = match at {
                Some((h, ri, _)) => {
                    let r = &roads[*ri];
                    let off = (rng.f64() + rng.f64() - 1.0) * h.radius_m / 1000.0;
                    let km = (h.km + off).clamp(r.range.0, r.range.1);
                    Some((*ri, km, Some(*h)))
                }
                None if has_background => {
                    let ri = rng.pick(&road_w);
                    let r = &roads[ri];
                    Some((ri, rng.range(r.range.0, r.range.1), None))
                }
                None => None,
            };
            let mut rec = crash(
                &mut rng,
                *day,
                placed.map(|(ri, km, h)| (&roads[ri], km, h)),
            );
            rec.synthetic = true;
            today.push(rec);
        }
        today.sort_by_key(|r| (r.occurred.hour, r.occurred.minute));
        out.extend(today);
    }
    for (i, r) in out.iter_mut().enumerate() {
        r.external_id = Some(format!("SYN-{:06}", i + 1));
    }
    out
}

fn crash(
    rng: &mut Rng,
    day: Date,
    place: Option<(&RoadCtx, f64, Option<&Hotspot>)>,
) -> CrashRecord {
    let mut rec = CrashRecord {
        occurred: occurred(rng, day),
        ..Default::default()
    };
    let new_map = day >= admin_switch_date();
    let class = place.map(|(r, _, _)| r.class).unwrap_or(RoadClass::Local);
    let hotspot = place.and_then(|(_, _, h)| h);
    let mut where_ = String::new();
    if let Some((r, km, _)) = place {
        let km = (km * 1000.0).round() / 1000.0;
        rec.road_code = Some(r.road.code.clone());
        rec.km = Some(km);
        let p = point_on(&r.road.chainage, km);
        let (jx, jy) = (rng.range(-5.0, 5.0), rng.range(-5.0, 5.0));
        let lat = p.lat + jy / 111_320.0;
        let lon = p.lon + jx / (111_320.0 * p.lat.to_radians().cos().max(0.01));
        rec.lon = Some((lon * 1e6).round() / 1e6);
        rec.lat = Some((lat * 1e6).round() / 1e6);
        if let Some((new, old)) = commune_at(&r.road.commune_by_km, r.range, km) {
            match (new_map, old) {
                (false, Some(old)) => {
                    rec.commune_code = Some(old);
                    rec.admin_scheme = Some("old".into());
                }
                _ => {
                    rec.commune_code = Some(new);
                    rec.admin_scheme = Some("new".into());
                }
            }
        }
        where_ = format!(" tại {} {}", format_km(km), r.road.code);
    }

    // Vehicles.
    let kind_w = match class {
        RoadClass::National => &KIND_W_NATIONAL,
        RoadClass::Provincial => &KIND_W_PROVINCIAL,
        RoadClass::Local => &KIND_W_LOCAL,
    };
    let shape = rng.pick(&[15.0, 8.0, 71.0, 6.0]); // single, pedestrian, two, three
    let n_motor = match shape {
        0 | 1 => 1,
        2 => 2,
        _ => 3,
    };
    for _ in 0..n_motor {
        let k = KINDS[rng.pick(kind_w)];
        rec.vehicles.push(Vehicle {
            kind: k.to_string(),
            ..Default::default()
        });
    }
    let pedestrian = shape == 1;
    if pedestrian {
        rec.vehicles.push(Vehicle {
            kind: "pedestrian".into(),
            ..Default::default()
        });
    }

    // Severity.
    let road_factor = match class {
        RoadClass::National => 1.2,
        RoadClass::Provincial => 1.0,
        RoadClass::Local => 0.7,
    };
    let night = matches!(rec.occurred.hour, Some(h) if !(5..=19).contains(&h));
    let p_fatal = (0.14
        * road_factor
        * if night { 1.3 } else { 1.0 }
        * if pedestrian { 1.5 } else { 1.0 }
        * hotspot.map_or(1.0, |h| h.fatal_boost.max(0.0)))
    .min(0.9);
    let (deaths, injured) = if rng.chance(p_fatal) {
        let d = [1, 2, 3][rng.pick(&[88.0, 9.0, 3.0])];
        (d, [0, 1, 2][rng.pick(&[50.0, 35.0, 15.0])])
    } else if rng.chance(0.05) {
        (0, 0) // damage only
    } else {
        (0, [1, 2, 3, 4][rng.pick(&[65.0, 25.0, 8.0, 2.0])])
    };
    rec.deaths = deaths;
    rec.injured = injured;

    // Causes.
    let cw: Vec<f64> = CAUSE_W
        .iter()
        .map(|(c, w)| match (*c, class) {
            ("fatigue" | "overload", RoadClass::National) => w * 2.5,
            _ => *w,
        })
        .collect();
    let first = CAUSE_W[rng.pick(&cw)].0;
    rec.causes.push(first.to_string());
    if rng.chance(0.35) {
        let second = CAUSE_W[rng.pick(&cw)].0;
        if second != first {
            rec.causes.push(second.to_string());
        }
    }
    if let Some(h) = hotspot
        && h.infrastructure
        && rng.chance(0.75)
    {
        let c = if rng.chance(0.7) {
            "road_design"
        } else {
            "road_defect"
        };
        rec.causes.push(c.to_string());
    }
    let drunk = rec.causes.iter().any(|c| c == "alcohol");

    // People: a driver per vehicle, some passengers, the pedestrian.
    let mut people: Vec<Person> = Vec::new();
    for (vi, v) in rec.vehicles.iter().enumerate() {
        let kind = v.kind.as_str();
        if kind == "pedestrian" {
            people.push(person(rng, "pedestrian", kind, vi));
            continue;
        }
        people.push(person(rng, "driver", kind, vi));
        let passengers = match kind {
            "motorbike" => [0, 1, 2][rng.pick(&[60.0, 34.0, 6.0])],
            "e_bike" => usize::from(rng.chance(0.2)),
            "car" => [0, 1, 2, 3][rng.pick(&[60.0, 20.0, 12.0, 8.0])],
            "bus" | "coach" => rng.below(6) as usize,
            "truck" | "container" => usize::from(rng.chance(0.2)),
            _ => 0,
        };
        for _ in 0..passengers {
            people.push(person(rng, "passenger", kind, vi));
        }
    }
    let need = (deaths + injured) as usize;
    while people.len() < need {
        // More casualties than people so far: riders of the first two-wheeler (or of
        // the first vehicle) carried a passenger.
        let vi = rec
            .vehicles
            .iter()
            .position(|v| v.kind == "motorbike")
            .unwrap_or(0);
        let kind = rec.vehicles[vi].kind.clone();
        let role = if kind == "pedestrian" {
            "pedestrian"
        } else {
            "passenger"
        };
        people.push(person(rng, role, &kind, vi));
    }
    // Outcomes: the more exposed are the likelier casualties.
    let mut order: Vec<(f64, usize)> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let kind = p
                .vehicle_idx
                .map(|v| rec.vehicles[v as usize].kind.as_str())
                .unwrap_or("other");
            let exposure = if kind == "pedestrian" {
                3.0
            } else if is_vulnerable(kind) {
                2.0
            } else {
                0.5
            };
            (exposure + rng.range(0.0, 1.5), i)
        })
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (rank, (_, i)) in order.into_iter().enumerate() {
        let p = &mut people[i];
        if rank < deaths as usize {
            p.outcome = "dead".into();
            p.died_after_days = Some([0, 1, 2, 3][rng.pick(&[60.0, 20.0, 12.0, 8.0])]);
        } else if rank < need {
            p.outcome = "injured".into();
            if rng.chance(0.6) {
                let rate = match rng.pick(&[70.0, 22.0, 8.0]) {
                    0 => rng.range(3.0, 31.0),
                    1 => rng.range(31.0, 61.0),
                    _ => rng.range(61.0, 91.0),
                };
                p.injury_rate = Some(rate.floor());
            }
        } else {
            p.outcome = "unhurt".into();
        }
    }
    // Alcohol: the first driver is at fault when alcohol is a cause; other drivers are
    // tested sometimes.
    for (i, p) in people.iter_mut().enumerate() {
        if p.role != "driver" {
            continue;
        }
        let at_fault = i == 0 && drunk;
        if at_fault || rng.chance(0.4) {
            let positive = at_fault || rng.chance(0.06);
            if p.outcome == "dead" {
                let v = if positive {
                    rng.range(50.0, 220.0)
                } else {
                    0.0
                };
                p.alcohol_blood_mg_100ml = Some(v.round());
            } else {
                let v = if positive {
                    if at_fault {
                        rng.range(0.26, 0.95)
                    } else {
                        rng.range(0.05, 0.4)
                    }
                } else {
                    0.0
                };
                p.alcohol_breath_mg_l = Some((v * 100.0).round() / 100.0);
            }
        }
    }
    rec.people = people;

    // Property damage.
    let heavy = rec.vehicles.iter().any(|v| is_heavy(&v.kind));
    let car = rec.vehicles.iter().any(|v| v.kind == "car");
    if deaths + injured == 0 || rng.chance(0.75) {
        let v = if heavy {
            rng.log_range(20e6, 450e6)
        } else if car {
            rng.log_range(5e6, 120e6)
        } else {
            rng.log_range(0.5e6, 15e6)
        };
        rec.property_damage_vnd = ((v / 100_000.0).round() as i64) * 100_000;
    }

    rec.description = format!("{}{where_} (dữ liệu mẫu)", describe(&rec.vehicles));
    rec
}

fn occurred(rng: &mut Rng, day: Date) -> Occurred {
    let hour = rng.pick(&HOUR_WEIGHTS) as i8;
    let minute = if rng.chance(0.05) {
        None
    } else if rng.chance(0.25) {
        Some(15 * rng.below(4) as i8)
    } else {
        Some(rng.below(60) as i8)
    };
    Occurred {
        year: day.year(),
        month: Some(day.month()),
        day: Some(day.day()),
        hour: Some(hour),
        minute,
        weekday: Some(day.weekday().to_monday_one_offset()),
        hour_band: None,
    }
}

fn person(rng: &mut Rng, role: &str, kind: &str, vehicle_idx: usize) -> Person {
    let ages = match (role, kind) {
        ("pedestrian", _) => &AGE_PEDESTRIAN,
        ("passenger", _) => &AGE_PASSENGER,
        (_, "motorbike") => &AGE_RIDER,
        (_, "bicycle" | "e_bike") => &AGE_CYCLIST,
        _ => &AGE_DRIVER,
    };
    let age_group =
        (!rng.chance(0.06)).then(|| crate::crashes::AGE_GROUPS[rng.pick(ages)].to_string());
    let p_male = match (role, kind) {
        ("driver", "motorbike") => 0.78,
        ("driver", "bicycle" | "e_bike") => 0.55,
        ("driver", _) => 0.95,
        _ => 0.48,
    };
    let sex = (!rng.chance(0.05)).then(|| {
        if rng.chance(p_male) {
            "male".to_string()
        } else {
            "female".to_string()
        }
    });
    Person {
        role: role.to_string(),
        age_group,
        sex,
        outcome: "unhurt".into(),
        vehicle_idx: Some(vehicle_idx as u32),
        ..Default::default()
    }
}

/// "Va chạm giữa xe mô tô và xe ô tô", "Xe mô tô tự gây tai nạn", …
fn describe(vehicles: &[Vehicle]) -> String {
    let ped = vehicles.iter().any(|v| v.kind == "pedestrian");
    let motor: Vec<&str> = vehicles
        .iter()
        .filter(|v| v.kind != "pedestrian")
        .map(|v| kind_vi(&v.kind))
        .collect();
    let cap = |s: &str| {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    match motor.as_slice() {
        [a] if ped => format!("{} va chạm với người đi bộ", cap(a)),
        [a] => format!("{} tự gây tai nạn", cap(a)),
        [a, b] if a == b => format!("Va chạm giữa hai {a}"),
        [a, b] => format!("Va chạm giữa {a} và {b}"),
        [rest @ .., last] => format!("Va chạm giữa {} và {last}", rest.join(", ")),
        [] => "Tai nạn giao thông".to_string(),
    }
}

// ---------------------------------------------------------------------------------
// Benchmark records.

/// `n` minimal records for import benchmarks: one vehicle, counts without people, a
/// place on one of the demo's roads (straight-line geometry) and its commune (old or
/// new scheme by date), spread over five years (1/12/2021–30/11/2026). Ids
/// "BEN-0000001"…; all `synthetic`.
pub fn bench_records(n: usize, seed: u64) -> Vec<CrashRecord> {
    let mut rng = Rng::new(seed);
    let switch = admin_switch_date();
    let mut days: Vec<(i16, i8, i8, i8, bool)> = Vec::with_capacity(1827);
    let mut d = jiff::civil::date(2021, 12, 1);
    let end = jiff::civil::date(2026, 11, 30);
    while d <= end {
        days.push((
            d.year(),
            d.month(),
            d.day(),
            d.weekday().to_monday_one_offset(),
            d >= switch,
        ));
        match d.tomorrow() {
            Ok(x) => d = x,
            Err(_) => break,
        }
    }
    // (code, km from, km to, first point, last point, weight)
    let roads: [(&str, f64, f64, Point, Point, f64); 3] = [
        (
            "QL1A",
            1520.0,
            1548.0,
            Point::new(109.100, 11.830),
            Point::new(108.990, 11.600),
            0.55,
        ),
        (
            "ĐT704",
            0.0,
            26.0,
            Point::new(108.992, 11.593),
            Point::new(109.195, 11.722),
            0.35,
        ),
        (
            "XH-01",
            0.0,
            6.0,
            Point::new(109.012, 11.680),
            Point::new(109.070, 11.672),
            0.10,
        ),
    ];
    let maps: Vec<Vec<(f64, f64, String)>> = roads
        .iter()
        .map(|r| demo_road_defaults(r.0).map(|(_, m)| m).unwrap_or_default())
        .collect();
    let road_w: Vec<f64> = roads.iter().map(|r| r.5).collect();
    let kind_w: Vec<f64> = KIND_W_NATIONAL
        .iter()
        .zip(KIND_W_PROVINCIAL)
        .map(|(a, b)| a + b)
        .collect();
    let cause_w: Vec<f64> = CAUSE_W.iter().map(|(_, w)| *w).collect();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (y, m, dd, wd, new_map) = days[rng.below(days.len() as u32) as usize];
        let ri = rng.pick(&road_w);
        let (code, k0, k1, a, b, _) = roads[ri];
        let t = rng.f64();
        let km = ((k0 + (k1 - k0) * t) * 1000.0).round() / 1000.0;
        let (new, old) = commune_at(&maps[ri], (k0, k1), km).unwrap_or_default();
        let (scheme, commune) = match (new_map, old) {
            (false, Some(old)) => ("old", old),
            _ => ("new", new),
        };
        let (deaths, injured) = if rng.chance(0.17) {
            (1 + u32::from(rng.chance(0.1)), rng.below(2))
        } else {
            (0, 1 + u32::from(rng.chance(0.3)))
        };
        let damage = if rng.chance(0.7) {
            i64::from(rng.below(200) + 5) * 500_000
        } else {
            0
        };
        out.push(CrashRecord {
            external_id: Some(format!("BEN-{:07}", i + 1)),
            occurred: Occurred {
                year: y,
                month: Some(m),
                day: Some(dd),
                hour: Some(rng.pick(&HOUR_WEIGHTS) as i8),
                minute: Some(rng.below(60) as i8),
                weekday: Some(wd),
                hour_band: None,
            },
            admin_scheme: Some(scheme.to_string()),
            commune_code: Some(commune),
            road_code: Some(code.to_string()),
            km: Some(km),
            lon: Some(a.lon + (b.lon - a.lon) * t),
            lat: Some(a.lat + (b.lat - a.lat) * t),
            deaths,
            injured,
            property_damage_vnd: damage,
            vehicles: vec![Vehicle {
                kind: KINDS[rng.pick(&kind_w)].to_string(),
                ..Default::default()
            }],
            causes: vec![CAUSE_W[rng.pick(&cause_w)].0.to_string()],
            synthetic: true,
            ..Default::default()
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::haversine_m;
    use jiff::civil::date;

    /// The demo's road geometry (as in `crates/atgt/src/demo.rs`).
    fn demo_roads() -> Vec<SynthRoad> {
        let line = |v: &[[f64; 2]]| v.iter().map(|p| Point::new(p[0], p[1])).collect();
        let ch = |km_start, v: &[[f64; 2]]| Chainage {
            line: line(v),
            km_start,
            ascending: true,
        };
        vec![
            demo_road(
                "QL1A",
                ch(
                    1520.0,
                    &[
                        [109.100, 11.830],
                        [109.075, 11.795],
                        [109.050, 11.760],
                        [109.030, 11.720],
                        [109.012, 11.680],
                        [109.000, 11.640],
                        [108.990, 11.600],
                    ],
                ),
            ),
            demo_road(
                "ĐT704",
                ch(
                    0.0,
                    &[
                        [108.992, 11.593],
                        [109.015, 11.600],
                        [109.040, 11.608],
                        [109.070, 11.622],
                        [109.105, 11.640],
                        [109.140, 11.668],
                        [109.175, 11.700],
                        [109.195, 11.722],
                    ],
                ),
            ),
            demo_road(
                "XH-01",
                ch(
                    0.0,
                    &[[109.012, 11.680], [109.040, 11.676], [109.070, 11.672]],
                ),
            ),
            SynthRoad {
                // The railway: no weight, no crashes.
                code: "DS-BN".into(),
                chainage: ch(1395.0, &[[109.090, 11.835], [108.978, 11.605]]),
                weight: 0.0,
                commune_by_km: Vec::new(),
            },
        ]
    }

    fn demo() -> (SynthSpec, Vec<CrashRecord>) {
        let spec = demo_spec(demo_roads());
        let recs = generate(&spec);
        (spec, recs)
    }

    const SEEDS: u64 = 20;

    fn date_of(r: &CrashRecord) -> Date {
        r.occurred.local_date()
    }

    /// The best 12-month window of crashes within `radius_m` of a point.
    #[derive(Debug, Default, Clone, Copy)]
    struct Window {
        crashes: usize,
        fatal: usize,
        injury: usize,
        infrastructure: usize,
        /// Some window meets the rule (with an infrastructure cause among its crashes).
        qualifies: bool,
        /// The rule's criteria met: 'a' 2+ fatal, 'b' 3+ with a death, 'c' 4+ injury.
        by: [bool; 3],
    }

    fn windows(recs: &[CrashRecord], at: Point, radius_m: f64) -> (usize, Window, Window) {
        let near: Vec<&CrashRecord> = recs
            .iter()
            .filter(|r| haversine_m(at, Point::new(r.lon.unwrap(), r.lat.unwrap())) <= radius_m)
            .collect();
        let infra = |r: &CrashRecord| {
            r.causes
                .iter()
                .any(|c| c == "road_design" || c == "road_defect")
        };
        let mut best = Window::default();
        let mut best_q = Window::default();
        for start in &near {
            let s = date_of(start);
            let e = s.checked_add(jiff::Span::new().years(1)).unwrap();
            let w: Vec<&&CrashRecord> = near
                .iter()
                .filter(|r| (s..e).contains(&date_of(r)))
                .collect();
            let fatal = w.iter().filter(|r| r.deaths > 0).count();
            let injury = w.iter().filter(|r| r.deaths + r.injured > 0).count();
            let infrastructure = w.iter().filter(|r| infra(r)).count();
            let by = [fatal >= 2, w.len() >= 3 && fatal >= 1, injury >= 4];
            let win = Window {
                crashes: w.len(),
                fatal,
                injury,
                infrastructure,
                qualifies: by.iter().any(|b| *b) && infrastructure > 0,
                by,
            };
            if (win.crashes, win.fatal) > (best.crashes, best.fatal) {
                best = win;
            }
            if win.qualifies && (win.crashes, win.fatal) > (best_q.crashes, best_q.fatal) {
                best_q = win;
            }
        }
        (near.len(), best, best_q)
    }

    #[test]
    fn the_same_seed_gives_the_same_records() {
        let (spec, a) = demo();
        assert_eq!(a, generate(&spec));
        let other = generate(&SynthSpec { seed: 7, ..spec });
        assert_ne!(a, other);
        assert_eq!(bench_records(1000, 3), bench_records(1000, 3));
    }

    #[test]
    fn counts_per_year_are_near_per_year() {
        let (spec, recs) = demo();
        let total_days = (spec.to - spec.from).get_days() + 1;
        let expected_total = spec.per_year as f64 * total_days as f64 / 365.2425;
        assert!((recs.len() as f64 - expected_total).abs() <= 1.0);
        let mut s = spec.from;
        while s <= spec.to {
            let e = s.checked_add(jiff::Span::new().years(1)).unwrap();
            let days = (e.min(spec.to.tomorrow().unwrap()) - s).get_days();
            let n = recs.iter().filter(|r| (s..e).contains(&date_of(r))).count() as f64;
            let want = spec.per_year as f64 * days as f64 / 365.2425;
            eprintln!("{s}..{e}: {n} crashes, expected {want:.1}");
            assert!((n - want).abs() <= 0.15 * want, "{s}: {n} vs {want}");
            s = e;
        }
        // Several seeds and rates.
        for seed in 1..6 {
            for per_year in [30, 500] {
                let spec = SynthSpec {
                    seed,
                    per_year,
                    ..demo_spec(demo_roads())
                };
                let n = generate(&spec).len() as f64;
                let want = per_year as f64 * total_days as f64 / 365.2425;
                assert!((n - want).abs() <= 1.0, "{seed}/{per_year}: {n} vs {want}");
            }
        }
    }

    #[test]
    fn every_record_passes_the_check_and_looks_plausible() {
        let (_, recs) = demo();
        assert!(!recs.is_empty());
        let mut fatal = 0;
        let mut multi = 0;
        let mut vehicles = 0;
        let mut motorbikes = 0;
        let mut ped = 0;
        for (i, r) in recs.iter().enumerate() {
            r.check(7)
                .unwrap_or_else(|e| panic!("{:?}: {e:?}", r.external_id));
            assert_eq!(
                r.external_id.as_deref(),
                Some(&*format!("SYN-{:06}", i + 1))
            );
            assert!(r.synthetic);
            assert!(
                r.description.ends_with("(dữ liệu mẫu)"),
                "{}",
                r.description
            );
            assert!(r.description.contains(" tại Km "), "{}", r.description);
            assert!(r.commune_code.is_some() && r.road_code.is_some());
            assert!(r.people.iter().all(|p| p.died_after_days.unwrap_or(0) <= 3));
            assert!(r.property_damage_vnd % 100_000 == 0);
            assert!(r.property_damage_vnd < 1_000_000_000);
            assert!(!r.causes.is_empty());
            if r.deaths + r.injured == 0 {
                assert!(r.property_damage_vnd > 0, "damage-only crashes have damage");
            }
            if r.deaths > 0 {
                fatal += 1;
            }
            if r.deaths > 1 {
                multi += 1;
            }
            for v in &r.vehicles {
                if v.kind == "pedestrian" {
                    ped += 1;
                } else {
                    vehicles += 1;
                    motorbikes += usize::from(v.kind == "motorbike");
                }
                if v.kind == "container" {
                    assert_eq!(r.road_code.as_deref(), Some("QL1A"));
                }
            }
            if i > 0 {
                assert!(date_of(&recs[i - 1]) <= date_of(r), "in time order");
            }
        }
        let n = recs.len() as f64;
        let fatal_share = fatal as f64 / n;
        let moto_share = motorbikes as f64 / vehicles as f64;
        eprintln!(
            "{} crashes, {fatal} with a death ({:.1} %), {multi} with several; motorbikes {:.1} % of vehicles; {ped} pedestrian crashes",
            recs.len(),
            fatal_share * 100.0,
            moto_share * 100.0
        );
        assert!((0.13..=0.23).contains(&fatal_share), "{fatal_share}");
        assert!(multi >= 2);
        assert!((0.62..=0.78).contains(&moto_share), "{moto_share}");
        assert!(ped > 0);
        let peak = recs
            .iter()
            .filter(|r| matches!(r.occurred.hour, Some(6..=8 | 16..=19)))
            .count() as f64;
        assert!(peak / n > 0.38, "{peak}");
        let weekend = recs
            .iter()
            .filter(|r| r.occurred.weekday.unwrap() >= 6)
            .count() as f64;
        assert!(
            weekend / 2.0 > (n - weekend) / 5.0,
            "more a day at weekends"
        );
        // Infrastructure causes only at the infrastructure hotspots.
        let spec = demo_spec(demo_roads());
        for r in &recs {
            if r.causes
                .iter()
                .any(|c| c == "road_design" || c == "road_defect")
            {
                let ok = spec.hotspots.iter().filter(|h| h.infrastructure).any(|h| {
                    r.road_code.as_deref() == Some(&h.road)
                        && (r.km.unwrap() - h.km).abs() * 1000.0 <= h.radius_m + 1.0
                });
                assert!(ok, "{:?}", r.external_id);
            }
        }
        for r in bench_records(20_000, 9) {
            r.check(7).unwrap();
        }
    }

    #[test]
    fn the_commune_scheme_switches_on_1_july_2025() {
        let (_, recs) = demo();
        let old_codes = [
            "22834", "22846", "22852", "22855", "22858", "22861", "22864", "22867", "22868",
        ];
        let new_codes = ["22834", "22846", "22852", "22861"];
        let switch = admin_switch_date();
        let mut seen_old = std::collections::BTreeSet::new();
        for r in &recs {
            let c = r.commune_code.as_deref().unwrap();
            if date_of(r) < switch {
                assert_eq!(r.admin_scheme.as_deref(), Some("old"));
                assert!(old_codes.contains(&c), "{c}");
                seen_old.insert(c.to_string());
            } else {
                assert_eq!(r.admin_scheme.as_deref(), Some("new"));
                assert!(new_codes.contains(&c), "{c}");
            }
        }
        assert!(seen_old.len() >= 7, "{seen_old:?}");
        // The old commune of a place maps to the new commune of the same place.
        let road = &demo_roads()[0];
        let range = km_range(&road.chainage);
        let (new, old) = commune_at(&road.commune_by_km, range, 1531.2).unwrap();
        assert_eq!((new.as_str(), old.as_deref()), ("22861", Some("22855")));
        let (new, old) = commune_at(&road.commune_by_km, range, 1542.8).unwrap();
        assert_eq!((new.as_str(), old.as_deref()), ("22861", Some("22861")));
        let olds = |new: &str| DEMO_OLD_COMMUNES.iter().find(|(n, _)| *n == new).unwrap().1;
        for r in demo_roads().iter().filter(|r| r.weight > 0.0) {
            let range = km_range(&r.chainage);
            let mut km = range.0;
            while km < range.1 {
                let (new, old) = commune_at(&r.commune_by_km, range, km).unwrap();
                assert!(olds(&new).contains(&old.as_deref().unwrap()));
                km += 0.1;
            }
        }
        // Bench records switch too.
        for r in bench_records(5_000, 2) {
            let want = if date_of(&r) < switch { "old" } else { "new" };
            assert_eq!(r.admin_scheme.as_deref(), Some(want));
        }
    }

    #[test]
    fn the_rule_hotspots_meet_the_rule_and_the_ranking_ones_do_not() {
        let (spec, recs) = demo();
        let roads = demo_roads();
        let centre = |road: &str, km: f64| {
            let r = roads.iter().find(|r| r.code == road).unwrap();
            r.chainage.point_at(km).unwrap()
        };
        // QL1A Km 1531+200: 2+ crashes with deaths within 12 months and 300 m.
        let (n, best, q) = windows(&recs, centre("QL1A", 1531.2), 300.0);
        eprintln!(
            "QL1A Km 1531+200: {n} crashes within 300 m; best window {best:?}; qualifying {q:?}"
        );
        assert!(
            q.qualifies && q.by[0] && q.fatal >= 2 && q.infrastructure > 0,
            "{q:?}"
        );
        // ĐT704 Km 6+500: 4+ injury crashes within 12 months and 300 m, road design
        // among the causes.
        let (n, best, q) = windows(&recs, centre("ĐT704", 6.5), 300.0);
        eprintln!(
            "ĐT704 Km 6+500: {n} crashes within 300 m; best window {best:?}; qualifying {q:?}"
        );
        assert!(
            q.qualifies
                && q.by[2]
                && q.injury >= 4
                && q.crashes >= q.injury
                && q.infrastructure > 0,
            "{q:?}"
        );
        let design = recs
            .iter()
            .filter(|r| r.road_code.as_deref() == Some("ĐT704"))
            .filter(|r| r.causes.iter().any(|c| c == "road_design"))
            .count();
        assert!(design >= 4);
        // Ranking only: many crashes, never the rule.
        for (road, km, radius) in [
            ("QL1A", 1542.8, 300.0),
            ("ĐT704", 14.0, 300.0),
            ("ĐT704", 14.0, 1000.0),
        ] {
            let (n, best, q) = windows(&recs, centre(road, km), radius);
            eprintln!("{road} Km {km}: {n} crashes within {radius} m; best window {best:?}");
            assert!(!q.qualifies, "{road} {km}: {q:?}");
            if radius > 300.0 || road == "QL1A" {
                assert!(n >= 12, "{road} {km}: only {n} crashes");
            }
        }
        // A typical background stretch has far fewer crashes than a hotspot.
        let (n, _, _) = windows(&recs, centre("QL1A", 1525.0), 300.0);
        eprintln!("QL1A Km 1525+000 (background): {n} crashes within 300 m");
        assert!(n <= 8, "{n}");
        assert_eq!(spec.hotspots.len(), 4);
    }

    #[test]
    fn the_rule_hotspots_do_not_depend_on_a_lucky_seed() {
        let roads = demo_roads();
        let centre = |road: &str, km: f64| {
            let r = roads.iter().find(|r| r.code == road).unwrap();
            r.chainage.point_at(km).unwrap()
        };
        let (deaths_spot, design_spot) = (centre("QL1A", 1531.2), centre("ĐT704", 6.5));
        let mut failed = Vec::new();
        for seed in 1..=SEEDS {
            let recs = generate(&SynthSpec {
                seed,
                ..demo_spec(demo_roads())
            });
            let (_, _, a) = windows(&recs, deaths_spot, 300.0);
            let (_, _, c) = windows(&recs, design_spot, 300.0);
            if !(a.qualifies && a.by[0] && c.qualifies && c.by[2]) {
                failed.push(seed);
            }
        }
        eprintln!("seeds failing: {failed:?}");
        assert!(failed.is_empty(), "{failed:?}");
    }

    #[test]
    fn bench_records_are_many_and_quick() {
        let recs = bench_records(100_000, 1);
        assert_eq!(recs.len(), 100_000);
        assert_eq!(recs[99_999].external_id.as_deref(), Some("BEN-0100000"));
        assert!(
            recs.iter()
                .all(|r| r.vehicles.len() == 1 && r.people.is_empty())
        );
        let first = recs.iter().map(date_of).min().unwrap();
        let last = recs.iter().map(date_of).max().unwrap();
        assert!(first < date(2022, 1, 1) && last > date(2026, 10, 1));
    }
}
