//! DBSCAN over (lon, lat) points with metres as the unit and great-circle (haversine)
//! distance, with exactly scikit-learn's semantics:
//!
//! - a point is *core* when at least `min_points` points (itself included) lie within
//!   `eps` of it (distance ≤ eps, compared like scikit-learn's ball tree: the haversine
//!   "reduced distance" sin²(d/2R) against sin²(eps/2R));
//! - clusters are the connected components of core points (core–core within eps), and
//!   are numbered in the order of their lowest-index core point — the order in which
//!   scikit-learn's loop over the points discovers them;
//! - a non-core point within eps of a core point is a *border* point and takes the
//!   lowest-numbered cluster that reaches it (scikit-learn expands one cluster fully
//!   before starting the next, so the first one that reaches a border point keeps it);
//! - every other point is noise (−1).
//!
//! Speed without an O(n²) step: points are bucketed in a latitude/longitude grid whose
//! cells are at most eps/√2 wide in metres (each row of cells uses the longitude width
//! that is eps/√2 at the row's widest parallel), so any two points of one cell are
//! within eps of each other. Hence a cell with `min_points` points is all core, all
//! core points of a cell are in one cluster, and clusters are joined cell to cell
//! (union–find over cells) by finding one core pair within eps, pruned by each cell's
//! bounding box. The candidate cells of a cell are the cells of the two rows either
//! side whose longitude range overlaps the cell's, widened by the longitude span of
//! eps at the highest latitude involved; every candidate pair is checked with the
//! haversine formula. Memory: a few arrays of n numbers (about 45 bytes a point).
//! Longitude wrap-around at ±180° is not handled (no locality straddles it).

use crate::geo::EARTH_RADIUS_M;

/// The result of a DBSCAN run, in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Dbscan {
    /// Cluster label per point (0, 1, … in discovery order; −1 for noise).
    pub labels: Vec<i32>,
    /// Whether each point is a core point.
    pub core: Vec<bool>,
    /// Number of clusters.
    pub clusters: usize,
    /// Border points within eps of core points of two or more clusters (their label
    /// is the lowest such cluster, as scikit-learn gives).
    pub ambiguous_border: usize,
}

/// Why the input was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum DbscanError {
    /// eps must be a positive finite number of metres, below a quarter of the Earth.
    BadEps,
    /// min_points must be at least 1.
    BadMinPoints,
    /// The point at this index (0-based) has invalid coordinates.
    BadPoint(usize),
}

struct Grid {
    /// Per sorted point: latitude, longitude (radians), cos(latitude), input index.
    lat: Vec<f64>,
    lon: Vec<f64>,
    cos: Vec<f64>,
    /// Unit vectors (x, y, z) for a cheap chord test before the exact formula.
    xyz: Vec<[f64; 3]>,
    idx: Vec<u32>,
    /// Cells in (row, col) order: key and [start, end) into the sorted arrays.
    keys: Vec<u64>,
    start: Vec<u32>,
    dlat: f64,
    /// sin²(eps / 2R): the reduced-distance threshold.
    h_eps: f64,
    eps_rad: f64,
    /// Chord² = 4·sin²(d/2R): surely within below `chord_in`, surely not above
    /// `chord_out`; in between, the haversine formula decides.
    chord_in: f64,
    chord_out: f64,
}

const ROW_REACH: i64 = 2;

fn key(row: i64, col: i64) -> u64 {
    (((row + (1 << 31)) as u64) << 32) | ((col + (1 << 31)) as u64 & 0xffff_ffff)
}

fn row_of(key: u64) -> i64 {
    (key >> 32) as i64 - (1 << 31)
}

fn col_of(key: u64) -> i64 {
    (key & 0xffff_ffff) as i64 - (1 << 31)
}

impl Grid {
    /// Longitude width of a cell in row `row`: eps/√2 at the row's widest parallel.
    fn dlon(&self, row: i64) -> f64 {
        let (a, b) = (row as f64 * self.dlat, (row + 1) as f64 * self.dlat);
        let max_cos = if a <= 0.0 && b >= 0.0 {
            1.0
        } else {
            a.cos().max(b.cos())
        };
        // At the poles the width would be infinite: one cell spans all longitudes.
        (self.dlat / max_cos.max(1e-9)).min(4.0 * std::f64::consts::PI)
    }

    fn cell_of(&self, lat: f64, lon: f64) -> u64 {
        let row = (lat / self.dlat).floor() as i64;
        let col = (lon / self.dlon(row)).floor() as i64;
        key(row, col)
    }

    fn build(lon_deg: &[f64], lat_deg: &[f64], eps_m: f64) -> Grid {
        let eps_rad = eps_m / EARTH_RADIUS_M;
        // Slightly under eps/√2 so two points of a cell are surely within eps.
        let dlat = eps_rad / std::f64::consts::SQRT_2 * 0.9999;
        let mut g = Grid {
            lat: Vec::new(),
            lon: Vec::new(),
            cos: Vec::new(),
            xyz: Vec::new(),
            idx: Vec::new(),
            keys: Vec::new(),
            start: Vec::new(),
            dlat,
            h_eps: (eps_rad / 2.0).sin().powi(2),
            eps_rad,
            chord_in: 0.0,
            chord_out: 0.0,
        };
        // The chord of nearby unit vectors loses about 1e-16 absolutely to rounding;
        // the band is far wider than that, so the exact formula settles every pair
        // the chord could misjudge.
        let c2 = 4.0 * g.h_eps;
        let band = 1e-7 + 1e-14 / c2.sqrt();
        g.chord_in = c2 * (1.0 - band);
        g.chord_out = c2 * (1.0 + band);
        let n = lon_deg.len();
        let mut order: Vec<(u64, u32)> = (0..n)
            .map(|i| {
                let (la, lo) = (lat_deg[i].to_radians(), lon_deg[i].to_radians());
                (g.cell_of(la, lo), i as u32)
            })
            .collect();
        order.sort_unstable();
        g.lat.reserve_exact(n);
        g.lon.reserve_exact(n);
        g.cos.reserve_exact(n);
        g.xyz.reserve_exact(n);
        g.idx.reserve_exact(n);
        for (j, &(k, i)) in order.iter().enumerate() {
            let la = lat_deg[i as usize].to_radians();
            let lo = lon_deg[i as usize].to_radians();
            let (sl, cl) = la.sin_cos();
            g.lat.push(la);
            g.lon.push(lo);
            g.cos.push(cl);
            g.xyz.push([cl * lo.cos(), cl * lo.sin(), sl]);
            g.idx.push(i);
            if g.keys.last() != Some(&k) {
                g.keys.push(k);
                g.start.push(j as u32);
            }
        }
        g.start.push(n as u32);
        g
    }

    fn cells(&self) -> usize {
        self.keys.len()
    }

    fn range(&self, c: usize) -> std::ops::Range<usize> {
        self.start[c] as usize..self.start[c + 1] as usize
    }

    #[inline]
    fn within(&self, a: usize, b: usize) -> bool {
        let (p, q) = (&self.xyz[a], &self.xyz[b]);
        let (dx, dy, dz) = (p[0] - q[0], p[1] - q[1], p[2] - q[2]);
        let c2 = dx * dx + dy * dy + dz * dz;
        if c2 < self.chord_in {
            return true;
        }
        if c2 > self.chord_out {
            return false;
        }
        self.within_exact(a, b)
    }

    /// scikit-learn's comparison: the haversine reduced distance against sin²(eps/2R).
    #[inline]
    fn within_exact(&self, a: usize, b: usize) -> bool {
        let dp = self.lat[b] - self.lat[a];
        let dl = self.lon[b] - self.lon[a];
        let s1 = (dp * 0.5).sin();
        let s2 = (dl * 0.5).sin();
        s1 * s1 + self.cos[a] * self.cos[b] * s2 * s2 <= self.h_eps
    }

    /// For every cell, the cells (other than itself) that may hold a point within eps
    /// of one of its points, as one compact list: `(start, list)` with cell c's
    /// neighbours at `list[start[c]..start[c + 1]]`. Per row of cells, the longitude
    /// width and the longitude span of eps are computed once.
    fn neighbours(&self) -> (Vec<u32>, Vec<u32>) {
        // Rows present: (row, first cell, end cell, cell width in longitude).
        let mut rows: Vec<(i64, usize, usize, f64)> = Vec::new();
        for (c, &k) in self.keys.iter().enumerate() {
            let r = row_of(k);
            match rows.last_mut() {
                Some(last) if last.0 == r => last.2 = c + 1,
                _ => rows.push((r, c, c + 1, self.dlon(r))),
            }
        }
        let half = (self.eps_rad / 2.0).sin();
        let mut start = Vec::with_capacity(self.keys.len() + 1);
        let mut list: Vec<u32> = Vec::new();
        let mut near: Vec<usize> = Vec::with_capacity(5);
        for &(row, a, b, dl) in &rows {
            // The highest |latitude| the rows involved reach.
            let top = ((row - ROW_REACH) as f64 * self.dlat)
                .abs()
                .max(((row + ROW_REACH + 1) as f64 * self.dlat).abs())
                .min(std::f64::consts::FRAC_PI_2);
            let c_top = top.cos();
            let spread = if c_top <= half {
                4.0 * std::f64::consts::PI
            } else {
                2.0 * (half / c_top).min(1.0).asin() * 1.0001
            };
            near.clear();
            let lo_row = rows.partition_point(|x| x.0 < row - ROW_REACH);
            for (ri, x) in rows.iter().enumerate().skip(lo_row) {
                if x.0 > row + ROW_REACH {
                    break;
                }
                near.push(ri);
            }
            for c in a..b {
                start.push(list.len() as u32);
                let col = col_of(self.keys[c]);
                let (lo, hi) = (col as f64 * dl, (col + 1) as f64 * dl);
                for &ri in &near {
                    let (r, ra, rb, dlr) = rows[ri];
                    let c0 = ((lo - spread) / dlr).floor() as i64;
                    let c1 = ((hi + spread) / dlr).floor() as i64;
                    let keys = &self.keys[ra..rb];
                    let first = keys.partition_point(|&x| x < key(r, c0));
                    for (j, &kk) in keys[first..].iter().enumerate() {
                        if kk > key(r, c1) {
                            break;
                        }
                        if ra + first + j != c {
                            list.push((ra + first + j) as u32);
                        }
                    }
                }
            }
        }
        start.push(list.len() as u32);
        (start, list)
    }
}

struct UnionFind(Vec<u32>);

impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let p = self.0[x as usize];
            self.0[x as usize] = self.0[p as usize];
            x = p;
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            self.0[hi as usize] = lo;
        }
    }
}

/// Bounding box of a cell's core points (radians), with the smallest cos(lat).
#[derive(Clone, Copy)]
struct BBox {
    lat0: f64,
    lat1: f64,
    lon0: f64,
    lon1: f64,
    min_cos: f64,
}

impl BBox {
    /// A lower bound of the reduced distance from a point to anything in the box.
    fn lower_bound(&self, lat: f64, lon: f64, cos: f64) -> f64 {
        let dp = (self.lat0 - lat).max(lat - self.lat1).max(0.0) * 0.5;
        let dl = (self.lon0 - lon).max(lon - self.lon1).max(0.0) * 0.5;
        // sin x ≥ x − x³/6 for x ≥ 0: a lower bound without calling sin.
        let s = |x: f64| (x - x * x * x / 6.0).max(0.0);
        s(dp).powi(2) + cos * self.min_cos * s(dl).powi(2)
    }
}

/// Runs DBSCAN on points given as parallel arrays of longitudes and latitudes in
/// degrees. See the module header for the semantics.
pub fn dbscan(
    lon: &[f64],
    lat: &[f64],
    eps_m: f64,
    min_points: usize,
) -> Result<Dbscan, DbscanError> {
    assert_eq!(lon.len(), lat.len(), "lon and lat have the same length");
    if !(eps_m.is_finite() && eps_m > 0.0 && eps_m < EARTH_RADIUS_M * 1.5) {
        return Err(DbscanError::BadEps);
    }
    if min_points == 0 {
        return Err(DbscanError::BadMinPoints);
    }
    if let Some(i) = (0..lon.len()).find(|&i| {
        !(lon[i].is_finite()
            && lat[i].is_finite()
            && (-180.0..=180.0).contains(&lon[i])
            && (-90.0..=90.0).contains(&lat[i]))
    }) {
        return Err(DbscanError::BadPoint(i));
    }
    let n = lon.len();
    let g = Grid::build(lon, lat, eps_m);
    let nc = g.cells();
    let (nb_start, nb_list) = g.neighbours();
    let nbrs = |c: usize| &nb_list[nb_start[c] as usize..nb_start[c + 1] as usize];

    // 1. Core points (in sorted order).
    let mut core = vec![false; n];
    let mut cell_has_core = vec![false; nc];
    #[allow(clippy::needless_range_loop)] // c also indexes the grid
    for c in 0..nc {
        let r = g.range(c);
        if r.len() >= min_points {
            core[r].fill(true);
            cell_has_core[c] = true;
            continue;
        }
        let nb = nbrs(c);
        let total = r.len() + nb.iter().map(|&d| g.range(d as usize).len()).sum::<usize>();
        if total < min_points {
            continue;
        }
        for p in r.clone() {
            let mut count = r.len();
            'count: for &d in nb {
                for q in g.range(d as usize) {
                    if g.within(p, q) {
                        count += 1;
                        if count >= min_points {
                            break 'count;
                        }
                    }
                }
            }
            if count >= min_points {
                core[p] = true;
                cell_has_core[c] = true;
            }
        }
    }

    // 2. Clusters: union–find over cells holding core points.
    let bbox: Vec<BBox> = (0..nc)
        .map(|c| {
            let mut b = BBox {
                lat0: f64::INFINITY,
                lat1: f64::NEG_INFINITY,
                lon0: f64::INFINITY,
                lon1: f64::NEG_INFINITY,
                min_cos: 1.0,
            };
            for p in g.range(c).filter(|&p| core[p]) {
                b.lat0 = b.lat0.min(g.lat[p]);
                b.lat1 = b.lat1.max(g.lat[p]);
                b.lon0 = b.lon0.min(g.lon[p]);
                b.lon1 = b.lon1.max(g.lon[p]);
                b.min_cos = b.min_cos.min(g.cos[p]);
            }
            b
        })
        .collect();
    let mut uf = UnionFind((0..nc as u32).collect());
    for (c, &has) in cell_has_core.iter().enumerate() {
        if !has {
            continue;
        }
        for &d in nbrs(c) {
            let d = d as usize;
            if d < c || !cell_has_core[d] || uf.find(c as u32) == uf.find(d as u32) {
                continue;
            }
            let bd = bbox[d];
            let linked = g.range(c).filter(|&p| core[p]).any(|p| {
                bd.lower_bound(g.lat[p], g.lon[p], g.cos[p]) <= g.h_eps
                    && g.range(d).any(|q| core[q] && g.within(p, q))
            });
            if linked {
                uf.union(c as u32, d as u32);
            }
        }
    }
    // Number the clusters by their lowest input index among core points.
    let mut first_idx = vec![u32::MAX; nc];
    for (c, &has) in cell_has_core.iter().enumerate() {
        if has {
            let root = uf.find(c as u32) as usize;
            for p in g.range(c).filter(|&p| core[p]) {
                first_idx[root] = first_idx[root].min(g.idx[p]);
            }
        }
    }
    let mut roots: Vec<(u32, usize)> = (0..nc)
        .filter(|&c| first_idx[c] != u32::MAX)
        .map(|c| (first_idx[c], c))
        .collect();
    roots.sort_unstable();
    let mut label_of_root = vec![-1i32; nc];
    for (l, &(_, c)) in roots.iter().enumerate() {
        label_of_root[c] = l as i32;
    }
    let cell_label: Vec<i32> = (0..nc)
        .map(|c| {
            if cell_has_core[c] {
                label_of_root[uf.find(c as u32) as usize]
            } else {
                -1
            }
        })
        .collect();

    // 3. Labels: core points take their cell's cluster; border points the lowest
    // cluster among the core points within eps.
    let mut labels = vec![-1i32; n];
    let mut is_core = vec![false; n];
    let mut ambiguous = 0usize;
    for c in 0..nc {
        let r = g.range(c);
        let mut nb: Option<Vec<usize>> = None;
        for p in r.clone() {
            let i = g.idx[p] as usize;
            if core[p] {
                labels[i] = cell_label[c];
                is_core[i] = true;
                continue;
            }
            let nb = nb.get_or_insert_with(|| {
                nbrs(c)
                    .iter()
                    .map(|&d| d as usize)
                    .filter(|&d| cell_has_core[d])
                    .collect::<Vec<usize>>()
            });
            // Any core point of the own cell is within eps.
            let mut best = cell_label[c];
            let mut other = false;
            for &d in nb.iter() {
                let l = cell_label[d];
                if l == best || (other && best >= 0 && l > best) {
                    continue;
                }
                if bbox[d].lower_bound(g.lat[p], g.lon[p], g.cos[p]) > g.h_eps {
                    continue;
                }
                if g.range(d).any(|q| core[q] && g.within(p, q)) {
                    if best >= 0 {
                        other = true;
                    }
                    if best < 0 || l < best {
                        best = l;
                    }
                }
            }
            labels[i] = best;
            ambiguous += usize::from(other);
        }
    }
    Ok(Dbscan {
        labels,
        core: is_core,
        clusters: roots.len(),
        ambiguous_border: ambiguous,
    })
}

/// The plain O(n²) definition, for tests: scikit-learn's algorithm step by step.
#[cfg(test)]
pub(crate) fn dbscan_naive(lon: &[f64], lat: &[f64], eps_m: f64, min_points: usize) -> Vec<i32> {
    let n = lon.len();
    let h_eps = (eps_m / EARTH_RADIUS_M / 2.0).sin().powi(2);
    let within = |a: usize, b: usize| {
        let (p1, p2) = (lat[a].to_radians(), lat[b].to_radians());
        let dp = p2 - p1;
        let dl = (lon[b] - lon[a]).to_radians();
        (dp * 0.5).sin().powi(2) + p1.cos() * p2.cos() * (dl * 0.5).sin().powi(2) <= h_eps
    };
    let nbrs: Vec<Vec<usize>> = (0..n)
        .map(|i| (0..n).filter(|&j| within(i, j)).collect())
        .collect();
    let core: Vec<bool> = nbrs.iter().map(|v| v.len() >= min_points).collect();
    let mut labels = vec![-1i32; n];
    let mut label = 0;
    for i0 in 0..n {
        if labels[i0] != -1 || !core[i0] {
            continue;
        }
        let mut stack = Vec::new();
        let mut i = i0;
        loop {
            if labels[i] == -1 {
                labels[i] = label;
                if core[i] {
                    for &v in &nbrs[i] {
                        if labels[v] == -1 {
                            stack.push(v);
                        }
                    }
                }
            }
            match stack.pop() {
                Some(v) => i = v,
                None => break,
            }
        }
        label += 1;
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (SplitMix64).
    fn rng(seed: &mut u64) -> f64 {
        *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn cloud(n: usize, seed: u64, lon0: f64, lat0: f64, spread_deg: f64) -> (Vec<f64>, Vec<f64>) {
        let mut s = seed;
        let mut lon = Vec::new();
        let mut lat = Vec::new();
        // Clumps around a few centres plus uniform noise.
        let centres: Vec<(f64, f64)> = (0..8)
            .map(|_| {
                (
                    lon0 + rng(&mut s) * spread_deg,
                    lat0 + rng(&mut s) * spread_deg,
                )
            })
            .collect();
        for i in 0..n {
            if i % 4 == 0 {
                lon.push(lon0 + rng(&mut s) * spread_deg);
                lat.push(lat0 + rng(&mut s) * spread_deg);
            } else {
                let (cx, cy) = centres[i % centres.len()];
                let r = rng(&mut s) * spread_deg * 0.03;
                let a = rng(&mut s) * std::f64::consts::TAU;
                lon.push(cx + r * a.cos());
                lat.push(cy + r * a.sin());
            }
        }
        (lon, lat)
    }

    #[test]
    fn matches_the_definition_on_random_clouds() {
        for (seed, lon0, lat0, eps, minp) in [
            (1, 108.9, 11.5, 50.0, 5),
            (2, -7.5, 53.0, 120.0, 3),
            (3, 105.0, 21.0, 30.0, 1),
            (4, 20.0, 69.5, 200.0, 8),
            (5, 0.0, -0.01, 80.0, 4),
            (6, 108.9, 11.5, 500.0, 12),
        ] {
            let (lon, lat) = cloud(1500, seed, lon0, lat0, 0.05);
            let got = dbscan(&lon, &lat, eps, minp).unwrap();
            let want = dbscan_naive(&lon, &lat, eps, minp);
            assert_eq!(got.labels, want, "seed {seed}");
            let clusters = want.iter().copied().max().map_or(0, |m| (m + 1) as usize);
            assert_eq!(got.clusters, clusters);
            assert!(
                clusters > 0,
                "seed {seed}: a test with no cluster proves little"
            );
        }
    }

    #[test]
    fn core_counts_itself_and_the_boundary_is_inclusive() {
        // Three points on a meridian 10 m apart: with min_points 3 and eps just over
        // 10 m the middle one is core (itself and the two others), the ends are not.
        let step = 10.0 / EARTH_RADIUS_M;
        let lat = [0.0, step.to_degrees(), 2.0 * step.to_degrees()];
        let lon = [0.0; 3];
        let r = dbscan(&lon, &lat, 10.000_001, 3).unwrap();
        assert_eq!(r.labels, vec![0, 0, 0]);
        assert_eq!(r.core, vec![false, true, false]);
        // Just below the spacing: nothing reaches anything.
        let r = dbscan(&lon, &lat, 9.99, 3).unwrap();
        assert_eq!(r.labels, vec![-1, -1, -1]);
        // min_points 1: every point is its own cluster, numbered in input order.
        let r = dbscan(&lon, &lat, 9.99, 1).unwrap();
        assert_eq!(r.labels, vec![0, 1, 2]);
    }

    #[test]
    fn border_points_go_to_the_first_cluster_discovered() {
        // Two dense clumps 100 m apart on the equator, one point half way between,
        // within 50 m of an edge point of each: core of neither, border of both.
        let m = |x: f64| (x / EARTH_RADIUS_M).to_degrees();
        // The later clump comes first in the input: it is cluster 0.
        let mut lon: Vec<f64> = [100.0, 101.0, 102.0, 103.0, 0.0, -1.0, -2.0, -3.0, 50.0]
            .map(m)
            .to_vec();
        let lat = vec![0.0; lon.len()];
        let r = dbscan(&lon, &lat, 50.5, 4).unwrap();
        assert_eq!(r.labels, vec![0, 0, 0, 0, 1, 1, 1, 1, 0]);
        assert!(!r.core[8] && r.core[0] && r.core[4]);
        assert_eq!(r.ambiguous_border, 1);
        assert_eq!(r.labels, dbscan_naive(&lon, &lat, 50.5, 4));
        // Swap the clumps' order: the middle point follows.
        lon.rotate_left(4);
        lon.swap(4, 8);
        let r = dbscan(&lon, &lat, 50.5, 4).unwrap();
        assert_eq!(r.labels, dbscan_naive(&lon, &lat, 50.5, 4));
        assert_eq!(r.labels[8], 0);
    }

    #[test]
    fn refuses_bad_input() {
        assert_eq!(
            dbscan(&[0.0, 200.0], &[0.0, 0.0], 50.0, 2),
            Err(DbscanError::BadPoint(1))
        );
        assert_eq!(
            dbscan(&[0.0], &[f64::NAN], 50.0, 2),
            Err(DbscanError::BadPoint(0))
        );
        assert_eq!(dbscan(&[], &[], 0.0, 2), Err(DbscanError::BadEps));
        assert_eq!(dbscan(&[], &[], 5.0, 0), Err(DbscanError::BadMinPoints));
        assert_eq!(dbscan(&[], &[], 5.0, 2).unwrap().labels, Vec::<i32>::new());
    }
}
