//! Geometry on the WGS84 ellipsoid approximated by a sphere: distances, lengths and
//! linear referencing (a road's kilometre posts ↔ points), as road registers use.
//! Coordinates are (lon, lat) in degrees.

use serde::{Deserialize, Serialize};

/// Mean Earth radius in metres (IUGG), as scikit-learn's haversine metric assumes
/// callers scale by.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lon: f64,
    pub lat: f64,
}

impl Point {
    pub fn new(lon: f64, lat: f64) -> Point {
        Point { lon, lat }
    }

    /// Valid WGS84 coordinates.
    pub fn is_valid(&self) -> bool {
        self.lon.is_finite()
            && self.lat.is_finite()
            && (-180.0..=180.0).contains(&self.lon)
            && (-90.0..=90.0).contains(&self.lat)
    }

    /// Within Vietnam's mainland and islands bounding box (a sanity check on input).
    pub fn in_vietnam(&self) -> bool {
        (102.0..=118.0).contains(&self.lon) && (6.0..=24.0).contains(&self.lat)
    }
}

/// Great-circle distance in metres.
pub fn haversine_m(a: Point, b: Point) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Length of a polyline in metres.
pub fn length_m(line: &[Point]) -> f64 {
    line.windows(2).map(|w| haversine_m(w[0], w[1])).sum()
}

/// A road's centre line with its kilometre reference: `km_start` at the first vertex,
/// increasing (`ascending`) or decreasing along the line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chainage {
    pub line: Vec<Point>,
    pub km_start: f64,
    pub ascending: bool,
}

impl Chainage {
    pub fn km_end(&self) -> f64 {
        let len = length_m(&self.line) / 1000.0;
        if self.ascending {
            self.km_start + len
        } else {
            self.km_start - len
        }
    }

    /// The point at kilometre `km`, or `None` outside the line's range.
    pub fn point_at(&self, km: f64) -> Option<Point> {
        let along = if self.ascending {
            km - self.km_start
        } else {
            self.km_start - km
        } * 1000.0;
        if along < -1e-6 || self.line.len() < 2 {
            return None;
        }
        let mut walked = 0.0;
        for w in self.line.windows(2) {
            let seg = haversine_m(w[0], w[1]);
            if walked + seg >= along {
                let t = if seg > 0.0 {
                    (along - walked) / seg
                } else {
                    0.0
                };
                return Some(Point::new(
                    w[0].lon + t * (w[1].lon - w[0].lon),
                    w[0].lat + t * (w[1].lat - w[0].lat),
                ));
            }
            walked += seg;
        }
        None
    }

    /// The kilometre of the line nearest to `p` and the distance to it in metres.
    pub fn locate(&self, p: Point) -> Option<(f64, f64)> {
        let mut best: Option<(f64, f64)> = None;
        let mut walked = 0.0;
        for w in self.line.windows(2) {
            let seg = haversine_m(w[0], w[1]);
            // Project in a local equirectangular frame: exact enough for segments of a
            // few kilometres.
            let k = w[0].lat.to_radians().cos();
            let (ax, ay) = (w[0].lon * k, w[0].lat);
            let (bx, by) = (w[1].lon * k, w[1].lat);
            let (px, py) = (p.lon * k, p.lat);
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 {
                (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let q = Point::new(
                w[0].lon + t * (w[1].lon - w[0].lon),
                w[0].lat + t * (w[1].lat - w[0].lat),
            );
            let d = haversine_m(p, q);
            let along = walked + t * seg;
            if best.is_none_or(|(_, bd)| d < bd) {
                best = Some((along, d));
            }
            walked += seg;
        }
        best.map(|(along, d)| {
            let km = if self.ascending {
                self.km_start + along / 1000.0
            } else {
                self.km_start - along / 1000.0
            };
            (km, d)
        })
    }
}

/// Parses a kilometre post as written on Vietnamese roads: "Km 1540+300", "Km1540+300",
/// "1540+300", "1540.3" → 1540.3.
pub fn parse_km(s: &str) -> Option<f64> {
    let t = s
        .trim()
        .trim_start_matches(['K', 'k'])
        .trim_start_matches(['M', 'm'])
        .trim();
    if let Some((km, m)) = t.split_once('+') {
        let km: f64 = km.trim().parse().ok()?;
        let m: f64 = m.trim().parse().ok()?;
        if !(0.0..1000.0).contains(&m) || km < 0.0 {
            return None;
        }
        return Some(km + m / 1000.0);
    }
    t.replace(',', ".")
        .parse()
        .ok()
        .filter(|v: &f64| *v >= 0.0 && v.is_finite())
}

/// Writes a kilometre as "Km 1540+300".
pub fn format_km(km: f64) -> String {
    let whole = km.floor();
    let m = ((km - whole) * 1000.0).round() as i64;
    let (whole, m) = if m == 1000 {
        (whole + 1.0, 0)
    } else {
        (whole, m)
    };
    format!("Km {}+{:03}", whole as i64, m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_a_known_distance() {
        // One degree of latitude is about 111.2 km.
        let d = haversine_m(Point::new(109.0, 11.0), Point::new(109.0, 12.0));
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
    }

    #[test]
    fn chainage_round_trip() {
        let c = Chainage {
            line: vec![
                Point::new(109.10, 11.83),
                Point::new(109.03, 11.72),
                Point::new(108.985, 11.60),
            ],
            km_start: 1520.0,
            ascending: true,
        };
        let p = c.point_at(1530.0).unwrap();
        let (km, d) = c.locate(p).unwrap();
        assert!((km - 1530.0).abs() < 0.01, "{km}");
        assert!(d < 1.0);
        assert!(c.point_at(1519.0).is_none());
        assert!(c.point_at(c.km_end() + 0.1).is_none());
        let desc = Chainage {
            ascending: false,
            km_start: 100.0,
            ..c.clone()
        };
        let (km, _) = desc.locate(desc.point_at(95.5).unwrap()).unwrap();
        assert!((km - 95.5).abs() < 0.01);
    }

    #[test]
    fn kilometre_posts() {
        assert_eq!(parse_km("Km 1540+300"), Some(1540.3));
        assert_eq!(parse_km("km1540+050"), Some(1540.05));
        assert_eq!(parse_km("12,5"), Some(12.5));
        assert_eq!(parse_km("Km 12+1200"), None);
        assert_eq!(parse_km("abc"), None);
        assert_eq!(format_km(1540.3), "Km 1540+300");
        assert_eq!(format_km(7.9996), "Km 8+000");
    }
}
