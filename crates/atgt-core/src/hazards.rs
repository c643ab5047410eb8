//! Hazards (seed plan II.4): encroachment of sidewalks and road safety corridors with
//! their recurrence ("không để tái lấn chiếm"), unauthorised railway crossings (lối đi
//! tự mở) handled to closure, traffic-organisation issues and infrastructure proposals.
//!
//! Pure: the catalogues of kinds and statuses, the re-encroachment rule and the
//! coordinate checks. Not security-sensitive.

use crate::geo::{Point, haversine_m};
use serde::Serialize;

/// Kinds of encroachment named by the plan (II.4).
pub const ENCROACHMENT_KINDS: &[&str] = &["sidewalk", "road_corridor", "market", "structure"];
/// An encroachment case is open until the place is cleared (resolved).
pub const ENCROACHMENT_STATUSES: &[&str] = &["open", "resolved"];
/// Official crossings and the ones people opened themselves (lối đi tự mở).
pub const CROSSING_KINDS: &[&str] = &["official", "unauthorised"];
/// Status of a railway crossing; `closed` and `legalised` end the handling ("xử lý dứt điểm").
pub const CROSSING_STATUSES: &[&str] = &["open", "guarded", "closed", "legalised"];
/// Kinds of proposal: widening or upgrading a road, re-organising traffic, fixing a hazard.
pub const PROPOSAL_KINDS: &[&str] = &["widening", "traffic_organisation", "hazard_fix", "other"];
/// Status of a proposal with the competent authority.
pub const PROPOSAL_STATUSES: &[&str] = &[
    "draft",
    "submitted",
    "approved",
    "funded",
    "done",
    "rejected",
];

/// The distance within which a new case at a resolved case's place counts as a
/// re-encroachment, when the configuration sets none (metres). Basis: the plan's
/// "không để tái lấn chiếm" names no distance; 50 m is about one shop-house frontage
/// block, the unit a commune's clearance record uses.
pub const DEFAULT_REENCROACHMENT_M: f64 = 50.0;

/// Whether a crossing's handling is finished.
pub fn crossing_done(status: &str) -> bool {
    matches!(status, "closed" | "legalised")
}

/// Whether a proposal's handling is finished.
pub fn proposal_done(status: &str) -> bool {
    matches!(status, "done" | "rejected")
}

/// A resolved encroachment case, as the re-encroachment rule needs it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ResolvedCase {
    pub id: i64,
    /// The first case at this place (itself when it is the first).
    pub place_id: i64,
    pub at: Point,
}

/// The re-encroachment a new case at `p` is: the nearest resolved case within
/// `max_m` metres (inclusive), with the distance.
pub fn reencroachment(
    p: Point,
    resolved: &[ResolvedCase],
    max_m: f64,
) -> Option<(ResolvedCase, f64)> {
    resolved
        .iter()
        .map(|c| (*c, haversine_m(p, c.at)))
        .filter(|(_, d)| *d <= max_m)
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// Checks coordinates given by a person or a client: valid WGS84 and in Vietnam.
/// Returns the i18n key of the reason. The point is rounded to 7 decimals (about
/// 1 cm): finer digits carry no information, and short decimals come back from the
/// stored JSON of the audit log exactly as they were hashed.
pub fn check_point(lon: f64, lat: f64) -> Result<Point, &'static str> {
    let round = |v: f64| (v * 1e7).round() / 1e7;
    let p = Point::new(round(lon), round(lat));
    if !p.is_valid() {
        return Err("hazards.error.bad_coordinates");
    }
    if !p.in_vietnam() {
        return Err("hazards.error.outside_vietnam");
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A point `m` metres north of `p` (one degree of latitude is 111 195 m on the
    /// sphere of `geo`).
    fn north(p: Point, m: f64) -> Point {
        Point::new(p.lon, p.lat + m / (crate::geo::EARTH_RADIUS_M.to_radians()))
    }

    #[test]
    fn reencroachment_at_the_boundary() {
        let base = Point::new(109.03, 11.63);
        let cases = [ResolvedCase {
            id: 7,
            place_id: 3,
            at: base,
        }];
        let inside = north(base, 49.9);
        let outside = north(base, 50.1);
        let (c, d) = reencroachment(inside, &cases, 50.0).unwrap();
        assert_eq!(c.id, 7);
        assert_eq!(c.place_id, 3);
        assert!((d - 49.9).abs() < 0.05, "{d}");
        assert!(reencroachment(outside, &cases, 50.0).is_none());
        // A wider configured distance catches it.
        assert!(reencroachment(outside, &cases, 60.0).is_some());
    }

    #[test]
    fn nearest_resolved_case_wins() {
        let base = Point::new(109.03, 11.63);
        let cases = [
            ResolvedCase {
                id: 1,
                place_id: 1,
                at: north(base, 40.0),
            },
            ResolvedCase {
                id: 2,
                place_id: 2,
                at: north(base, 10.0),
            },
        ];
        assert_eq!(reencroachment(base, &cases, 50.0).unwrap().0.id, 2);
        assert!(reencroachment(base, &[], 50.0).is_none());
    }

    #[test]
    fn coordinates_checked() {
        assert!(check_point(109.03, 11.63).is_ok());
        let p = check_point(109.123456789, 11.987654321).unwrap();
        assert_eq!((p.lon, p.lat), (109.1234568, 11.9876543));
        assert_eq!(
            check_point(2.35, 48.85),
            Err("hazards.error.outside_vietnam")
        );
        assert_eq!(
            check_point(200.0, 11.0),
            Err("hazards.error.bad_coordinates")
        );
        assert_eq!(
            check_point(f64::NAN, 11.0),
            Err("hazards.error.bad_coordinates")
        );
    }

    #[test]
    fn endings() {
        assert!(crossing_done("closed") && crossing_done("legalised"));
        assert!(!crossing_done("guarded"));
        assert!(proposal_done("done") && !proposal_done("submitted"));
    }
}
