//! Ranking methods beside the legal rule: sliding window with peak search along
//! routes (frequency, EPDO, crash rate where a traffic volume is known), Empirical
//! Bayes with a negative-binomial safety performance function fitted from the
//! locality's own data (expected excess crashes, the "potential for safety
//! improvement"), before/after evaluation and a kernel density grid.
//!
//! **SPF and Empirical Bayes (documented method).** Sites are road segments of equal
//! length tiled along each route. Within a reference group (one route), the SPF is
//! μᵢ = exp(β₀)·Lᵢ·T (exposure as an offset; volumes are not generally known). β₀ is
//! the maximum-likelihood estimate, which for an intercept-only model with offsets is
//! ln(Σy / Σ(L·T)) for both the Poisson and the negative binomial (the score equation
//! Σ(yᵢ − μᵢ)/(1 + φμᵢ) = 0 has that solution when every site has the same exposure,
//! as our equal segments do). The overdispersion φ (Var y = μ + φμ²) is the method of
//! moments estimate φ = max(0, Σ[(yᵢ − μᵢ)² − yᵢ] / Σμᵢ²). Then, as in the HSM:
//! w = 1 / (1 + φ·μ), EB = w·μ + (1 − w)·y, and the excess (PSI) = EB − μ.

use super::rules::SpotCrash;
use crate::geo::{EARTH_RADIUS_M, Point};
use serde::{Deserialize, Serialize};

/// EPDO weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Epdo {
    pub fatal: f64,
    pub injury: f64,
    pub pdo: f64,
}

impl Epdo {
    pub fn score(&self, c: &SpotCrash) -> f64 {
        if c.deaths > 0 {
            self.fatal
        } else if c.injured > 0 {
            self.injury
        } else {
            self.pdo
        }
    }
}

/// One window of the sliding-window ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RankedWindow {
    pub road: String,
    pub km_from: f64,
    pub km_to: f64,
    pub crashes: u32,
    pub fatal: u32,
    pub injury: u32,
    pub epdo: f64,
    /// Crashes per million vehicle-km, when the route's AADT is known.
    pub rate: Option<f64>,
    pub crash_ids: Vec<i64>,
}

/// How windows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    Frequency,
    Epdo,
    Rate,
}

/// Sliding windows of `window_m` stepped by `step_m` along each route (from the first
/// crash's km), then peak search: windows taken from the highest score down, each
/// kept only when it overlaps no window kept before, and only with at least
/// `min_crashes` crashes. `years` is the period's length (for rates); `aadt` gives a
/// route's annual average daily traffic when known.
#[allow(clippy::too_many_arguments)]
pub fn sliding_window(
    crashes: &[SpotCrash],
    window_m: f64,
    step_m: f64,
    min_crashes: u32,
    epdo: Epdo,
    by: RankBy,
    years: f64,
    aadt: &dyn Fn(&str) -> Option<f64>,
) -> Vec<RankedWindow> {
    let mut by_road: std::collections::BTreeMap<&str, Vec<&SpotCrash>> = Default::default();
    for c in crashes {
        if let (Some(r), Some(km)) = (&c.road, c.km)
            && km.is_finite()
        {
            by_road.entry(r).or_default().push(c);
        }
    }
    let (w, s) = (window_m / 1000.0, step_m.max(1.0) / 1000.0);
    let mut all = Vec::new();
    for (road, mut cs) in by_road {
        cs.sort_by(|a, b| a.km.partial_cmp(&b.km).unwrap_or(std::cmp::Ordering::Equal));
        let k_min = cs[0].km.unwrap_or(0.0);
        let k_max = cs[cs.len() - 1].km.unwrap_or(0.0);
        let volume = aadt(road);
        let (mut lo, mut hi) = (0usize, 0usize);
        let mut start = k_min - w + s;
        // Windows start at k_min − w + step so the first crash is seen by every
        // window that can hold it.
        start = (start / s).floor() * s;
        while start <= k_max + 1e-9 {
            let end = start + w;
            while lo < cs.len() && cs[lo].km.unwrap_or(0.0) < start - 1e-9 {
                lo += 1;
            }
            hi = hi.max(lo);
            while hi < cs.len() && cs[hi].km.unwrap_or(0.0) < end - 1e-9 {
                hi += 1;
            }
            let inside = &cs[lo..hi];
            if inside.len() as u32 >= min_crashes.max(1) {
                all.push(RankedWindow {
                    road: road.to_string(),
                    km_from: start,
                    km_to: end,
                    crashes: inside.len() as u32,
                    fatal: inside.iter().filter(|c| c.deaths > 0).count() as u32,
                    injury: inside.iter().filter(|c| c.injured > 0).count() as u32,
                    epdo: inside.iter().map(|c| epdo.score(c)).sum(),
                    rate: volume
                        .filter(|v| *v > 0.0 && years > 0.0)
                        .map(|v| inside.len() as f64 * 1e6 / (v * 365.0 * years * w)),
                    crash_ids: inside.iter().map(|c| c.id).collect(),
                });
            }
            start += s;
        }
    }
    let score = |x: &RankedWindow| match by {
        RankBy::Frequency => x.crashes as f64 + x.epdo * 1e-6,
        RankBy::Epdo => x.epdo + x.crashes as f64 * 1e-6,
        RankBy::Rate => x.rate.unwrap_or(-1.0),
    };
    all.sort_by(|a, b| {
        score(b)
            .partial_cmp(&score(a))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.road.cmp(&b.road))
            .then(
                a.km_from
                    .partial_cmp(&b.km_from)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
    });
    let mut kept: Vec<RankedWindow> = Vec::new();
    for x in all {
        let overlaps = kept
            .iter()
            .any(|k| k.road == x.road && x.km_from < k.km_to - 1e-9 && k.km_from < x.km_to - 1e-9);
        if !overlaps {
            kept.push(x);
        }
    }
    kept
}

/// A site of the Empirical Bayes screening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EbSite {
    /// Reference group (the route).
    pub group: String,
    pub km_from: f64,
    pub km_to: f64,
    /// Observed crashes in the period.
    pub observed: u32,
    /// Predicted by the SPF (μ).
    pub predicted: f64,
    /// EB weight w = 1/(1 + φμ).
    pub weight: f64,
    /// Expected crashes (EB).
    pub expected: f64,
    /// Expected excess = EB − μ (potential for safety improvement).
    pub excess: f64,
}

/// A fitted SPF for one reference group.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spf {
    /// exp(β₀): crashes per km per year.
    pub rate_per_km_year: f64,
    /// Overdispersion φ (Var = μ + φμ²).
    pub phi: f64,
}

/// Fits μᵢ = exp(β₀)·Lᵢ·T to counts `y` over lengths `len_km` (see module header).
pub fn fit_spf(y: &[u32], len_km: &[f64], years: f64) -> Spf {
    let exposure: f64 = len_km.iter().map(|l| l * years).sum();
    let total: f64 = y.iter().map(|&v| v as f64).sum();
    let rate = if exposure > 0.0 {
        total / exposure
    } else {
        0.0
    };
    let mut num = 0.0;
    let mut den = 0.0;
    for (&v, &l) in y.iter().zip(len_km) {
        let mu = rate * l * years;
        let v = v as f64;
        num += (v - mu).powi(2) - v;
        den += mu * mu;
    }
    let phi = if den > 0.0 { (num / den).max(0.0) } else { 0.0 };
    Spf {
        rate_per_km_year: rate,
        phi,
    }
}

/// EB estimate for one site.
pub fn eb(observed: u32, predicted: f64, phi: f64) -> (f64, f64) {
    let w = 1.0 / (1.0 + phi * predicted);
    (w, w * predicted + (1.0 - w) * observed as f64)
}

/// Empirical Bayes screening of the routes tiled into `seg_m` segments between
/// each route's `extent` (km from, km to), for crashes in a period of `years` years.
/// Sorted by excess, largest first.
pub fn eb_screen(
    crashes: &[SpotCrash],
    extents: &[(String, f64, f64)],
    seg_m: f64,
    years: f64,
) -> Vec<EbSite> {
    let seg = seg_m / 1000.0;
    let mut out = Vec::new();
    for (road, a, b) in extents {
        let (a, b) = (a.min(*b), a.max(*b));
        let n = (((b - a) / seg).ceil() as usize).max(1);
        let mut y = vec![0u32; n];
        let mut len = vec![seg; n];
        len[n - 1] = (b - a) - seg * (n - 1) as f64;
        if len[n - 1] <= 0.0 {
            len[n - 1] = seg;
        }
        for c in crashes {
            if c.road.as_deref() == Some(road.as_str())
                && let Some(km) = c.km
                && km >= a
                && km <= b
            {
                let i = (((km - a) / seg) as usize).min(n - 1);
                y[i] += 1;
            }
        }
        let spf = fit_spf(&y, &len, years);
        for i in 0..n {
            let mu = spf.rate_per_km_year * len[i] * years;
            let (w, e) = eb(y[i], mu, spf.phi);
            out.push(EbSite {
                group: road.clone(),
                km_from: a + seg * i as f64,
                km_to: a + seg * i as f64 + len[i],
                observed: y[i],
                predicted: mu,
                weight: w,
                expected: e,
                excess: e - mu,
            });
        }
    }
    out.sort_by(|x, y| {
        y.excess
            .partial_cmp(&x.excess)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    out
}

/// Before/after evaluation of a treated spot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BeforeAfter {
    pub before: u32,
    pub after: u32,
    pub years_before: f64,
    pub years_after: f64,
    /// Naive: expected after = before × (years after / years before).
    pub naive_expected: f64,
    pub naive_change_pct: Option<f64>,
    /// Comparison group counts in the same periods.
    pub comparison_before: u32,
    pub comparison_after: u32,
    pub comparison_expected: Option<f64>,
    pub comparison_change_pct: Option<f64>,
    /// EB: predicted by the SPF before, the EB estimate before, expected after
    /// without treatment, and the index of effectiveness θ (bias-corrected).
    pub eb_predicted_before: f64,
    pub eb_before: f64,
    pub eb_expected: f64,
    pub eb_theta: Option<f64>,
    pub eb_change_pct: Option<f64>,
}

/// Evaluates a treatment: `mu_per_year` is the SPF prediction for the site per year
/// and `phi` the overdispersion of its reference group.
#[allow(clippy::too_many_arguments)]
pub fn before_after(
    before: u32,
    after: u32,
    years_before: f64,
    years_after: f64,
    comparison_before: u32,
    comparison_after: u32,
    mu_per_year: f64,
    phi: f64,
) -> BeforeAfter {
    let r = if years_before > 0.0 {
        years_after / years_before
    } else {
        0.0
    };
    let pct = |obs: f64, exp: f64| (exp > 0.0).then(|| (obs / exp - 1.0) * 100.0);
    let naive_expected = before as f64 * r;
    let comparison_expected = (comparison_before > 0)
        .then(|| before as f64 * comparison_after as f64 / comparison_before as f64);
    let mu_b = mu_per_year * years_before;
    let (w, eb_b) = eb(before, mu_b, phi);
    let expected = eb_b * r;
    // Var(EB before) = (1 − w)·EB; scaled to the after period.
    let var = r * r * (1.0 - w) * eb_b;
    let theta =
        (expected > 0.0).then(|| (after as f64 / expected) / (1.0 + var / (expected * expected)));
    BeforeAfter {
        before,
        after,
        years_before,
        years_after,
        naive_expected,
        naive_change_pct: pct(after as f64, naive_expected),
        comparison_before,
        comparison_after,
        comparison_expected,
        comparison_change_pct: comparison_expected.and_then(|e| pct(after as f64, e)),
        eb_predicted_before: mu_b,
        eb_before: eb_b,
        eb_expected: expected,
        eb_theta: theta,
        eb_change_pct: theta.map(|t| (t - 1.0) * 100.0),
    }
}

/// One cell of the kernel density grid.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KdeCell {
    pub lon: f64,
    pub lat: f64,
    /// Crashes per km² (quartic kernel, weights summing to the crash count).
    pub density: f64,
}

/// Kernel density (quartic kernel of bandwidth `h_m`) on a grid of `cell_m` cells
/// over the points' extent; cells with no density are left out.
pub fn kde(points: &[(Point, f64)], h_m: f64, cell_m: f64) -> Vec<KdeCell> {
    if points.is_empty() || h_m <= 0.0 || cell_m <= 0.0 {
        return Vec::new();
    }
    let lat0 = points.iter().map(|(p, _)| p.lat).sum::<f64>() / points.len() as f64;
    let my = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    let mx = my * lat0.to_radians().cos();
    let xs: Vec<(f64, f64, f64)> = points
        .iter()
        .map(|(p, w)| (p.lon * mx, p.lat * my, *w))
        .collect();
    let x0 = xs.iter().map(|p| p.0).fold(f64::INFINITY, f64::min) - h_m;
    let y0 = xs.iter().map(|p| p.1).fold(f64::INFINITY, f64::min) - h_m;
    let x1 = xs.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max) + h_m;
    let y1 = xs.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max) + h_m;
    let nx = (((x1 - x0) / cell_m).ceil() as usize).clamp(1, 2000);
    let ny = (((y1 - y0) / cell_m).ceil() as usize).clamp(1, 2000);
    let (cx, cy) = ((x1 - x0) / nx as f64, (y1 - y0) / ny as f64);
    let mut grid = vec![0.0f64; nx * ny];
    let norm = 3.0 / (std::f64::consts::PI * h_m * h_m);
    let reach_x = (h_m / cx).ceil() as i64;
    let reach_y = (h_m / cy).ceil() as i64;
    for &(x, y, w) in &xs {
        let (ix, iy) = (((x - x0) / cx) as i64, ((y - y0) / cy) as i64);
        for j in (iy - reach_y).max(0)..=(iy + reach_y).min(ny as i64 - 1) {
            for i in (ix - reach_x).max(0)..=(ix + reach_x).min(nx as i64 - 1) {
                let gx = x0 + (i as f64 + 0.5) * cx;
                let gy = y0 + (j as f64 + 0.5) * cy;
                let d2 = ((gx - x).powi(2) + (gy - y).powi(2)) / (h_m * h_m);
                if d2 < 1.0 {
                    grid[j as usize * nx + i as usize] += w * norm * (1.0 - d2).powi(2);
                }
            }
        }
    }
    let mut out = Vec::new();
    for j in 0..ny {
        for i in 0..nx {
            let d = grid[j * nx + i];
            if d > 0.0 {
                out.push(KdeCell {
                    lon: (x0 + (i as f64 + 0.5) * cx) / mx,
                    lat: (y0 + (j as f64 + 0.5) * cy) / my,
                    density: d * 1e6,
                });
            }
        }
    }
    out
}

/// Before/after evaluation of a spot treated on `treated_on`, seen on `today`: the
/// after period is `[treated_on, today]`, the before period the same number of years
/// before the treatment (at least one, at most three). Site: crashes on `road` within
/// `[km_from, km_to]`; comparison group: the rest of the same route in the same
/// periods; SPF: fitted on the route's `seg_m` segments in the before period (see the
/// module header), scaled to the site's length.
pub fn evaluate_treatment(
    crashes: &[SpotCrash],
    road: &str,
    km_from: f64,
    km_to: f64,
    treated_on: jiff::civil::Date,
    today: jiff::civil::Date,
    seg_m: f64,
) -> BeforeAfter {
    let days_after = (today - treated_on).get_days().max(0) as f64 + 1.0;
    let years_after = days_after / 365.25;
    let years_before = years_after.clamp(1.0, 3.0);
    let before_from = treated_on
        .checked_sub(jiff::Span::new().days((years_before * 365.25).round() as i64))
        .unwrap_or(treated_on);
    let on_road: Vec<&SpotCrash> = crashes
        .iter()
        .filter(|c| c.road.as_deref() == Some(road) && c.km.is_some())
        .collect();
    let (lo, hi) = (km_from.min(km_to) - 1e-9, km_from.max(km_to) + 1e-9);
    let at_site = |c: &&SpotCrash| c.km.is_some_and(|k| k >= lo && k <= hi);
    let before = |c: &&SpotCrash| c.date >= before_from && c.date < treated_on;
    let after = |c: &&SpotCrash| c.date >= treated_on && c.date <= today;
    let count = |site: bool, period: &dyn Fn(&&SpotCrash) -> bool| {
        on_road
            .iter()
            .filter(|c| at_site(c) == site && period(c))
            .count() as u32
    };
    // SPF on the route's segments, before period.
    let seg = seg_m / 1000.0;
    let kms: Vec<f64> = on_road.iter().filter_map(|c| c.km).collect();
    let (a, b) = kms
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &k| {
            (a.min(k), b.max(k))
        });
    let (rate, phi) = if a.is_finite() {
        let n = (((b - a) / seg).ceil() as usize).max(1);
        let mut y = vec![0u32; n];
        for c in on_road.iter().filter(|c| before(c)) {
            let i = (((c.km.unwrap_or(a) - a) / seg) as usize).min(n - 1);
            y[i] += 1;
        }
        let spf = fit_spf(&y, &vec![seg; n], years_before);
        (spf.rate_per_km_year, spf.phi)
    } else {
        (0.0, 0.0)
    };
    let site_len = (hi - lo).max(seg);
    before_after(
        count(true, &before),
        count(true, &after),
        years_before,
        years_after,
        count(false, &before),
        count(false, &after),
        rate * site_len,
        phi,
    )
}
