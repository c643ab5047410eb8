//! The legal screening rule as data (`data/rules/black-spots.toml`) and its
//! application: every 12-month window × every road segment (route + km) or disc (map
//! coordinates where there is no km post) whose crashes meet a clause, merged into
//! spots, each with the crashes that qualify it and the clause it met.

use crate::geo::{EARTH_RADIUS_M, Point, haversine_m};
use crate::legal::{Dated, LegalBasis, Validity, find_overlap};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Frequent-crash spot (điểm hay xảy ra TNGT, formerly điểm đen) or potential spot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SpotKind {
    Frequent,
    Potential,
}

impl SpotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpotKind::Frequent => "frequent",
            SpotKind::Potential => "potential",
        }
    }
    pub fn parse(s: &str) -> Option<SpotKind> {
        match s {
            "frequent" => Some(SpotKind::Frequent),
            "potential" => Some(SpotKind::Potential),
            _ => None,
        }
    }
    pub fn label_key(self) -> String {
        format!("hotspots.kind.{}", self.as_str())
    }
}

/// One clause: every bound given must hold for the crashes of one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    pub id: String,
    pub kind: SpotKind,
    pub provision: String,
    #[serde(default = "yes")]
    pub confirmed: bool,
    /// The clause as written (Vietnamese).
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub note: String,
    /// Records whose class is a crash (not a collision).
    #[serde(default)]
    pub min_crashes: Option<u32>,
    /// All records, collisions included.
    #[serde(default)]
    pub min_collisions: Option<u32>,
    #[serde(default)]
    pub min_fatal: Option<u32>,
    #[serde(default)]
    pub min_injury: Option<u32>,
    #[serde(default)]
    pub max_injury: Option<u32>,
    #[serde(default)]
    pub requires_infrastructure: bool,
}

fn yes() -> bool {
    true
}

/// A dated rule set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpotRuleSet {
    pub id: String,
    pub document: String,
    pub provision: String,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_until: Option<Date>,
    pub window_months: u32,
    /// Length of road (metres) that counts as one location; for crashes located by
    /// coordinates only, a disc of radius segment_m/2 centred on a crash.
    pub segment_m: f64,
    #[serde(default)]
    pub note: String,
    #[serde(rename = "clause")]
    pub clauses: Vec<Clause>,
}

impl SpotRuleSet {
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
            confirmed: self.clauses.iter().all(|c| c.confirmed),
            note: self.note.clone(),
        }
    }
    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.id == id)
    }
}

/// Defaults of the ranking methods (documented in the rule file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankingConfig {
    pub window_m: f64,
    pub step_m: f64,
    pub min_crashes: u32,
    pub epdo_fatal: f64,
    pub epdo_injury: f64,
    pub epdo_pdo: f64,
    pub kde_bandwidth_m: f64,
    pub kde_cell_m: f64,
    pub dbscan_eps_m: f64,
    pub dbscan_min_points: usize,
    /// Annual average daily traffic per route code, where counted (for crash rates).
    #[serde(default)]
    pub aadt: std::collections::BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpotRuleFile {
    pub infrastructure_causes: Vec<String>,
    pub ranking: RankingConfig,
    pub rule_set: Vec<SpotRuleSet>,
}

/// The rule file shipped with the program.
pub const DEFAULT_RULES: &str = include_str!("../../../../data/rules/black-spots.toml");

impl SpotRuleFile {
    /// Parses and checks a rule file.
    pub fn parse(src: &str) -> Result<SpotRuleFile, String> {
        let f: SpotRuleFile = toml::from_str(src).map_err(|e| e.to_string())?;
        if f.rule_set.is_empty() {
            return Err("no rule_set".into());
        }
        for rs in &f.rule_set {
            if rs.clauses.is_empty() {
                return Err(format!("{}: no clause", rs.id));
            }
            if !(rs.segment_m.is_finite() && rs.segment_m > 0.0 && rs.segment_m <= 10_000.0) {
                return Err(format!("{}: segment_m must be between 0 and 10000", rs.id));
            }
            if rs.window_months == 0 || rs.window_months > 60 {
                return Err(format!("{}: window_months must be 1 to 60", rs.id));
            }
            if let Some(u) = rs.valid_until
                && u <= rs.valid_from
            {
                return Err(format!("{}: valid_until must be after valid_from", rs.id));
            }
            for c in &rs.clauses {
                let any = c.min_crashes.is_some()
                    || c.min_collisions.is_some()
                    || c.min_fatal.is_some()
                    || c.min_injury.is_some();
                if !any
                    || [c.min_crashes, c.min_collisions, c.min_fatal, c.min_injury]
                        .contains(&Some(0))
                {
                    return Err(format!(
                        "{}/{}: a clause needs at least one lower bound of 1 or more",
                        rs.id, c.id
                    ));
                }
                if let (Some(lo), Some(hi)) = (c.min_injury, c.max_injury)
                    && hi < lo
                {
                    return Err(format!("{}/{}: max_injury below min_injury", rs.id, c.id));
                }
            }
        }
        let r = &f.ranking;
        if !(r.window_m > 0.0
            && r.step_m > 0.0
            && r.kde_bandwidth_m > 0.0
            && r.kde_cell_m > 0.0
            && r.dbscan_eps_m > 0.0
            && r.dbscan_min_points > 0)
        {
            return Err("ranking: lengths and counts must be positive".into());
        }
        let dated: Vec<Dated<()>> = f
            .rule_set
            .iter()
            .map(|r| Dated {
                basis: r.basis(),
                valid: r.validity(),
                rule: (),
            })
            .collect();
        if let Some((a, b)) = find_overlap(&dated) {
            return Err(format!(
                "rule sets {} and {} overlap in time",
                f.rule_set[a].id, f.rule_set[b].id
            ));
        }
        Ok(f)
    }

    pub fn default_rules() -> SpotRuleFile {
        Self::parse(DEFAULT_RULES).expect("the shipped black-spot rules are valid")
    }

    /// The rule set in force on `date` (the earliest before any took effect).
    pub fn for_date(&self, date: Date) -> &SpotRuleSet {
        self.rule_set
            .iter()
            .filter(|r| r.validity().contains(date))
            .max_by_key(|r| r.valid_from)
            .or_else(|| self.rule_set.iter().min_by_key(|r| r.valid_from))
            .expect("at least one rule set")
    }

    pub fn by_id(&self, id: &str) -> Option<&SpotRuleSet> {
        self.rule_set.iter().find(|r| r.id == id)
    }
}

/// What screening needs of a crash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpotCrash {
    pub id: i64,
    pub date: Date,
    pub road: Option<String>,
    pub km: Option<f64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub deaths: u32,
    pub injured: u32,
    /// The class is a crash (not a collision, va_cham).
    pub is_crash: bool,
    /// A road-infrastructure cause is among the causes.
    pub infrastructure: bool,
}

impl SpotCrash {
    /// From a crash record with its id and class.
    pub fn from_record(
        id: i64,
        r: &crate::crashes::CrashRecord,
        is_crash: bool,
        infrastructure_causes: &[String],
    ) -> SpotCrash {
        SpotCrash {
            id,
            date: r.occurred.local_date(),
            road: r.road_code.clone().filter(|s| !s.is_empty()),
            km: r.km,
            lon: r.lon,
            lat: r.lat,
            deaths: r.deaths,
            injured: r.injured,
            is_crash,
            infrastructure: r.causes.iter().any(|c| infrastructure_causes.contains(c)),
        }
    }
    fn point(&self) -> Option<Point> {
        match (self.lon, self.lat) {
            (Some(lon), Some(lat)) => Some(Point::new(lon, lat)).filter(|p| p.is_valid()),
            _ => None,
        }
    }
}

/// Counts of one window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Counts {
    pub collisions: u32,
    pub crashes: u32,
    pub fatal: u32,
    pub injury: u32,
    pub infrastructure: u32,
    pub deaths: u32,
    pub injured: u32,
}

impl Counts {
    pub fn of<'a>(crashes: impl IntoIterator<Item = &'a SpotCrash>) -> Counts {
        let mut c = Counts::default();
        for x in crashes {
            c.collisions += 1;
            c.crashes += u32::from(x.is_crash);
            c.fatal += u32::from(x.is_crash && x.deaths > 0);
            c.injury += u32::from(x.is_crash && x.injured > 0);
            c.infrastructure += u32::from(x.infrastructure);
            c.deaths += x.deaths;
            c.injured += x.injured;
        }
        c
    }
}

impl Clause {
    /// Whether the counts of one window meet this clause.
    pub fn met_by(&self, c: &Counts) -> bool {
        let ge = |bound: Option<u32>, v: u32| bound.is_none_or(|b| v >= b);
        ge(self.min_crashes, c.crashes)
            && ge(self.min_collisions, c.collisions)
            && ge(self.min_fatal, c.fatal)
            && ge(self.min_injury, c.injury)
            && self.max_injury.is_none_or(|m| c.injury <= m)
            && (!self.requires_infrastructure || c.infrastructure > 0)
    }
}

/// The first clause (frequent before potential, in file order) the counts meet.
pub fn first_met<'a>(rs: &'a SpotRuleSet, c: &Counts) -> Option<&'a Clause> {
    rs.clauses
        .iter()
        .filter(|k| k.kind == SpotKind::Frequent)
        .chain(rs.clauses.iter().filter(|k| k.kind == SpotKind::Potential))
        .find(|k| k.met_by(c))
}

/// Where a spot is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpotPlace {
    /// Route code, when the crashes have km posts.
    pub road: Option<String>,
    pub km_from: Option<f64>,
    pub km_to: Option<f64>,
    /// Centre (median km on the route, or the mean of the coordinates).
    pub km: Option<f64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

/// A spot found by the legal rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    pub kind: SpotKind,
    pub rule_set: String,
    /// The clause met by the qualifying window (id) and its provision.
    pub clause: String,
    pub provision: String,
    /// Every clause met by some window of this spot.
    pub clauses_met: Vec<String>,
    pub place: SpotPlace,
    /// The 12-month window of the qualifying crashes (inclusive dates).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub window_from: Date,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub window_to: Date,
    pub counts: Counts,
    /// Ids of the qualifying crashes (in date order).
    pub crash_ids: Vec<i64>,
}

/// The period screened: one window ending on `to`, or every window inside
/// `[from, to]` (a window starts on each crash date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

impl Period {
    /// The single window of `months` months ending on `end` (inclusive).
    pub fn window_ending(end: Date, months: u32) -> Period {
        let from = end
            .checked_sub((months as i64).months())
            .and_then(|d| d.tomorrow())
            .unwrap_or(end);
        Period { from, to: end }
    }
}

fn window_end(start: Date, months: u32) -> Date {
    start
        .checked_add((months as i64).months())
        .and_then(|d| d.yesterday())
        .unwrap_or(Date::MAX)
}

struct Hit {
    clause: usize,
    kind: SpotKind,
    from: Date,
    to: Date,
    counts: Counts,
    members: Vec<usize>,
}

/// Best qualifying time window among the crashes `group` (indexes into `all`).
fn best_window(
    rs: &SpotRuleSet,
    all: &[SpotCrash],
    ends: &[Date],
    group: &mut [usize],
    period: Period,
) -> Option<(Hit, Vec<usize>)> {
    // Nothing in the whole group meets a clause: no window of it can (every bound
    // but max_injury grows with the window; a max-only clause is refused at parse).
    let total = Counts::of(group.iter().map(|&i| &all[i]));
    if !rs.clauses.iter().any(|c| {
        let loose = Clause {
            max_injury: None,
            ..c.clone()
        };
        loose.met_by(&total)
    }) {
        return None;
    }
    group.sort_by_key(|&i| (all[i].date, all[i].id));
    let mut best: Option<Hit> = None;
    let mut met = Vec::new();
    let (mut first, mut hi) = (0, 0);
    let mut counts = Counts::default();
    let add = |c: &mut Counts, x: &SpotCrash, sign: i32| {
        let one = |v: &mut u32, on: bool| {
            if on {
                *v = (*v as i32 + sign) as u32;
            }
        };
        one(&mut c.collisions, true);
        one(&mut c.crashes, x.is_crash);
        one(&mut c.fatal, x.is_crash && x.deaths > 0);
        one(&mut c.injury, x.is_crash && x.injured > 0);
        one(&mut c.infrastructure, x.infrastructure);
        c.deaths = (c.deaths as i64 + sign as i64 * x.deaths as i64) as u32;
        c.injured = (c.injured as i64 + sign as i64 * x.injured as i64) as u32;
    };
    let single = window_end(period.from, rs.window_months) >= period.to;
    for lo in 0..group.len() {
        let start = all[group[lo]].date;
        if lo > 0 && all[group[lo - 1]].date == start {
            continue;
        }
        // The window starting on this crash's date, clipped to the period; when the
        // period is one window, the period itself.
        let (from, to) = if single {
            (period.from, period.to)
        } else {
            (start, ends[group[lo]].min(period.to))
        };
        if single && lo > 0 {
            break;
        }
        while hi < group.len() && all[group[hi]].date <= to {
            add(&mut counts, &all[group[hi]], 1);
            hi += 1;
        }
        while first < hi && all[group[first]].date < from {
            add(&mut counts, &all[group[first]], -1);
            first += 1;
        }
        let members = &group[first..hi];
        let Some(clause) = first_met(rs, &counts) else {
            continue;
        };
        let ci = rs
            .clauses
            .iter()
            .position(|c| c.id == clause.id)
            .unwrap_or(0);
        if !met.contains(&ci) {
            met.push(ci);
        }
        let better = match &best {
            None => true,
            Some(b) => {
                (
                    clause.kind,
                    ci,
                    std::cmp::Reverse(counts.collisions),
                    std::cmp::Reverse(to),
                ) < (
                    b.kind,
                    b.clause,
                    std::cmp::Reverse(b.counts.collisions),
                    std::cmp::Reverse(b.to),
                )
            }
        };
        if better {
            best = Some(Hit {
                clause: ci,
                kind: clause.kind,
                from,
                to,
                counts,
                members: members.to_vec(),
            });
        }
    }
    best.map(|b| (b, met))
}

/// Screens crashes by the legal rule set `rs` over `period`. Crashes with a route and
/// km are screened by route segments of `rs.segment_m` (each segment starting at a
/// crash's km); crashes with coordinates only by discs of radius segment_m/2 centred on a crash. Overlapping
/// qualifying segments (or discs sharing a crash) merge into one spot, reported with
/// its strongest qualifying window. Sorted by kind, then route and km.
pub fn screen(rs: &SpotRuleSet, crashes: &[SpotCrash], period: Period) -> Vec<Candidate> {
    // The end of the window starting on each crash's date, computed once.
    let mut ends = vec![Date::MAX; crashes.len()];
    let mut last: Option<(Date, Date)> = None;
    let mut order: Vec<usize> = (0..crashes.len()).collect();
    order.sort_by_key(|&i| crashes[i].date);
    for i in order {
        let d = crashes[i].date;
        let e = match last {
            Some((ld, le)) if ld == d => le,
            _ => window_end(d, rs.window_months),
        };
        last = Some((d, e));
        ends[i] = e;
    }
    let in_period: Vec<usize> = (0..crashes.len())
        .filter(|&i| crashes[i].date >= period.from && crashes[i].date <= period.to)
        .collect();
    let mut out = Vec::new();
    // 1. By route and km.
    let mut by_road: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    let mut by_point = Vec::new();
    for &i in &in_period {
        let c = &crashes[i];
        match (&c.road, c.km) {
            (Some(r), Some(km)) if km.is_finite() => by_road.entry(r.as_str()).or_default().push(i),
            _ => {
                if c.point().is_some() {
                    by_point.push(i);
                }
            }
        }
    }
    let seg_km = rs.segment_m / 1000.0;
    for (road, mut idx) in by_road {
        idx.sort_by(|&a, &b| {
            crashes[a]
                .km
                .partial_cmp(&crashes[b].km)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        // Qualifying segments: (km_from, km_to, hit, met).
        let mut segs: Vec<(f64, f64, Hit, Vec<usize>)> = Vec::new();
        let mut hi = 0;
        for lo in 0..idx.len() {
            let k0 = crashes[idx[lo]].km.unwrap_or(0.0);
            hi = hi.max(lo);
            while hi < idx.len() && crashes[idx[hi]].km.unwrap_or(0.0) <= k0 + seg_km + 1e-9 {
                hi += 1;
            }
            let mut group = idx[lo..hi].to_vec();
            if let Some((hit, met)) = best_window(rs, crashes, &ends, &mut group, period) {
                let k1 = crashes[idx[hi - 1]].km.unwrap_or(k0);
                segs.push((k0, k1, hit, met));
            }
        }
        // Merge overlapping segments.
        let mut cur: Option<(f64, f64, Hit, Vec<usize>)> = None;
        for s in segs {
            match &mut cur {
                Some(c) if s.0 <= c.1 + 1e-9 => {
                    c.1 = c.1.max(s.1);
                    for m in &s.3 {
                        if !c.3.contains(m) {
                            c.3.push(*m);
                        }
                    }
                    if (
                        s.2.kind,
                        s.2.clause,
                        std::cmp::Reverse(s.2.counts.collisions),
                    ) < (
                        c.2.kind,
                        c.2.clause,
                        std::cmp::Reverse(c.2.counts.collisions),
                    ) {
                        c.2 = s.2;
                    }
                }
                _ => {
                    if let Some(c) = cur.take() {
                        out.push(candidate(rs, crashes, Some(road), c.2, c.3));
                    }
                    cur = Some(s);
                }
            }
        }
        if let Some(c) = cur {
            out.push(candidate(rs, crashes, Some(road), c.2, c.3));
        }
    }
    // 2. By coordinates: discs of radius segment_m/2 around each crash.
    if !by_point.is_empty() {
        let radius = rs.segment_m / 2.0;
        let pts: Vec<Point> = by_point
            .iter()
            .map(|&i| crashes[i].point().unwrap_or(Point::new(0.0, 0.0)))
            .collect();
        let lat0 = pts.iter().map(|p| p.lat).sum::<f64>() / pts.len() as f64;
        let m_per_deg_lat = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        let m_per_deg_lon = m_per_deg_lat * lat0.to_radians().cos().max(0.01);
        let cell = radius * 1.01;
        let key = |p: &Point| {
            (
                (p.lon * m_per_deg_lon / cell).floor() as i64,
                (p.lat * m_per_deg_lat / cell).floor() as i64,
            )
        };
        let mut grid: std::collections::HashMap<(i64, i64), Vec<usize>> = Default::default();
        for (j, p) in pts.iter().enumerate() {
            grid.entry(key(p)).or_default().push(j);
        }
        let mut hits: Vec<(Hit, Vec<usize>)> = Vec::new();
        for (j, p) in pts.iter().enumerate() {
            let (kx, ky) = key(p);
            let mut group = Vec::new();
            for dx in -2..=2 {
                for dy in -2..=2 {
                    for &q in grid.get(&(kx + dx, ky + dy)).into_iter().flatten() {
                        if haversine_m(*p, pts[q]) <= radius {
                            group.push(by_point[q]);
                        }
                    }
                }
            }
            let _ = j;
            if let Some(h) = best_window(rs, crashes, &ends, &mut group, period) {
                hits.push(h);
            }
        }
        // Merge discs that share a crash.
        let mut parent: Vec<usize> = (0..hits.len()).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        let mut owner: std::collections::HashMap<usize, usize> = Default::default();
        for (h, (hit, _)) in hits.iter().enumerate() {
            for &m in &hit.members {
                if let Some(&o) = owner.get(&m) {
                    let (a, b) = (find(&mut parent, o), find(&mut parent, h));
                    parent[a.max(b)] = a.min(b);
                } else {
                    owner.insert(m, h);
                }
            }
        }
        let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for h in 0..hits.len() {
            let r = find(&mut parent, h);
            groups.entry(r).or_default().push(h);
        }
        let mut slots: Vec<Option<(Hit, Vec<usize>)>> = hits.into_iter().map(Some).collect();
        for (_, hs) in groups {
            let mut best: Option<(Hit, Vec<usize>)> = None;
            for h in hs {
                let (hit, met) = slots[h].take().expect("each hit once");
                best = Some(match best {
                    None => (hit, met),
                    Some((b, mut bm)) => {
                        for m in met {
                            if !bm.contains(&m) {
                                bm.push(m);
                            }
                        }
                        if (
                            hit.kind,
                            hit.clause,
                            std::cmp::Reverse(hit.counts.collisions),
                        ) < (b.kind, b.clause, std::cmp::Reverse(b.counts.collisions))
                        {
                            (hit, bm)
                        } else {
                            (b, bm)
                        }
                    }
                });
            }
            if let Some((hit, met)) = best {
                out.push(candidate(rs, crashes, None, hit, met));
            }
        }
    }
    out.sort_by(|a, b| {
        (a.kind, &a.place.road, a.place.km.unwrap_or(0.0).to_bits()).cmp(&(
            b.kind,
            &b.place.road,
            b.place.km.unwrap_or(0.0).to_bits(),
        ))
    });
    out
}

fn candidate(
    rs: &SpotRuleSet,
    all: &[SpotCrash],
    road: Option<&str>,
    hit: Hit,
    mut met: Vec<usize>,
) -> Candidate {
    met.sort_unstable();
    let members: Vec<&SpotCrash> = hit.members.iter().map(|&i| &all[i]).collect();
    let mut kms: Vec<f64> = members.iter().filter_map(|c| c.km).collect();
    kms.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let pts: Vec<Point> = members.iter().filter_map(|c| c.point()).collect();
    let (lon, lat) = if pts.is_empty() {
        (None, None)
    } else {
        let n = pts.len() as f64;
        (
            Some(pts.iter().map(|p| p.lon).sum::<f64>() / n),
            Some(pts.iter().map(|p| p.lat).sum::<f64>() / n),
        )
    };
    let clause = &rs.clauses[hit.clause];
    Candidate {
        kind: hit.kind,
        rule_set: rs.id.clone(),
        clause: clause.id.clone(),
        provision: clause.provision.clone(),
        clauses_met: met.iter().map(|&i| rs.clauses[i].id.clone()).collect(),
        place: SpotPlace {
            road: road.map(str::to_string),
            km_from: road.and(kms.first().copied()),
            km_to: road.and(kms.last().copied()),
            km: road.and(kms.get(kms.len() / 2).copied()),
            lon,
            lat,
        },
        window_from: hit.from,
        window_to: hit.to,
        counts: hit.counts,
        crash_ids: members.iter().map(|c| c.id).collect(),
    }
}
