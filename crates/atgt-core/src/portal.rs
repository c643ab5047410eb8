//! The public portal's plate lookup, in pure terms: what a citizen may ask (a plate and
//! a vehicle kind), which cases count as open, and the token bucket that limits how
//! fast one client may ask. Security-sensitive: the lookup is the one public door to
//! violation data, so what it answers is decided here and kept narrow.

use crate::enforcement::CaseState;
use crate::plates::Plate;

/// The vehicle kinds a citizen chooses from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VehicleKind {
    /// Ô tô (cars and trucks).
    Car,
    /// Mô tô, xe gắn máy.
    Motorbike,
}

impl VehicleKind {
    pub const ALL: [VehicleKind; 2] = [VehicleKind::Car, VehicleKind::Motorbike];

    pub fn as_str(self) -> &'static str {
        match self {
            VehicleKind::Car => "car",
            VehicleKind::Motorbike => "motorbike",
        }
    }

    pub fn parse(s: &str) -> Option<VehicleKind> {
        match s.trim() {
            "car" | "oto" => Some(VehicleKind::Car),
            "motorbike" | "xemay" => Some(VehicleKind::Motorbike),
            _ => None,
        }
    }

    pub fn label_key(self) -> String {
        format!("portal.kind_{}", self.as_str())
    }

    /// Whether a behaviour of the violation catalog (its `vehicle`) concerns this kind.
    /// A behaviour the catalog no longer knows (`None`) is shown for both kinds rather
    /// than hidden from its owner.
    pub fn covers(self, catalog_vehicle: Option<&str>) -> bool {
        match (self, catalog_vehicle) {
            (_, None) => true,
            (VehicleKind::Car, Some(v)) => v == "car" || v == "truck",
            (VehicleKind::Motorbike, Some(v)) => v == "motorbike",
        }
    }
}

/// A checked lookup question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupQuery {
    /// The match key ("79A12345").
    pub key: String,
    /// The display form ("79A-123.45"), echoed to the citizen.
    pub display: String,
    pub kind: VehicleKind,
}

/// Why a lookup question was refused: the form field and the i18n key of the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupRefusal {
    pub field: &'static str,
    pub key: &'static str,
}

/// Checks a plate and a kind as typed. Any spelling the plate normaliser accepts is
/// fine; anything it cannot read as a civil plate is refused (so "unreadable" keys,
/// which start with "?", are never looked up).
pub fn check(plate: &str, kind: &str) -> Result<LookupQuery, LookupRefusal> {
    let plate = plate.trim();
    if plate.is_empty() {
        return Err(LookupRefusal {
            field: "plate",
            key: "portal.plate_required",
        });
    }
    if plate.chars().count() > 20 {
        return Err(LookupRefusal {
            field: "plate",
            key: "portal.plate_invalid",
        });
    }
    let p = Plate::parse(plate);
    if !p.is_readable() {
        return Err(LookupRefusal {
            field: "plate",
            key: "portal.plate_invalid",
        });
    }
    let kind = VehicleKind::parse(kind).ok_or(LookupRefusal {
        field: "kind",
        key: "portal.kind_invalid",
    })?;
    Ok(LookupQuery {
        key: p.key(),
        display: p.display(),
        kind,
    })
}

/// The case states the portal shows: not yet paid, closed or dismissed.
pub const OPEN_STATES: [CaseState; 5] = [
    CaseState::Detected,
    CaseState::Reviewed,
    CaseState::Confirmed,
    CaseState::NoticeSent,
    CaseState::Decided,
];

pub fn is_open(s: CaseState) -> bool {
    OPEN_STATES.contains(&s)
}

/// A token bucket: `burst` tokens at most, refilled at `per_minute` a minute. Times
/// are seconds on any monotonic clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub tokens: f64,
    pub at: f64,
}

/// The limits of the bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_minute: u32,
    pub burst: u32,
}

impl Rate {
    fn per_second(self) -> f64 {
        f64::from(self.per_minute.max(1)) / 60.0
    }
}

impl Bucket {
    /// A full bucket at `now`.
    pub fn full(rate: Rate, now: f64) -> Bucket {
        Bucket {
            tokens: f64::from(rate.burst.max(1)),
            at: now,
        }
    }

    /// Takes one token; when none is left, the whole seconds until one is (≥ 1).
    pub fn take(&mut self, rate: Rate, now: f64) -> Result<(), u64> {
        let cap = f64::from(rate.burst.max(1));
        let elapsed = (now - self.at).max(0.0);
        self.tokens = (self.tokens + elapsed * rate.per_second()).min(cap);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - self.tokens) / rate.per_second();
            Err((wait.ceil() as u64).max(1))
        }
    }

    /// Full again by `now`: the entry can be forgotten.
    pub fn idle(&self, rate: Rate, now: f64) -> bool {
        let cap = f64::from(rate.burst.max(1));
        self.tokens + (now - self.at).max(0.0) * rate.per_second() >= cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates_of_any_spelling_are_one_question() {
        let a = check("79a-123.45", "car").unwrap();
        let b = check(" 79A 12345 ", "oto").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.key, "79A12345");
        assert_eq!(a.display, "79A-123.45");
        assert_eq!(a.kind, VehicleKind::Car);
    }

    #[test]
    fn malformed_questions_name_the_field() {
        assert_eq!(check("", "car").unwrap_err().key, "portal.plate_required");
        assert_eq!(check("xin chào", "car").unwrap_err().field, "plate");
        assert_eq!(check("79A1%", "car").unwrap_err().field, "plate");
        assert_eq!(check("79A-123.45", "tàu").unwrap_err().field, "kind");
        assert_eq!(
            check(&"7".repeat(40), "car").unwrap_err().key,
            "portal.plate_invalid"
        );
    }

    #[test]
    fn only_unfinished_cases_are_open() {
        assert!(is_open(CaseState::Decided));
        assert!(is_open(CaseState::Detected));
        assert!(!is_open(CaseState::Paid));
        assert!(!is_open(CaseState::Closed));
        assert!(!is_open(CaseState::Dismissed));
    }

    #[test]
    fn kinds_follow_the_catalog_vehicle() {
        assert!(VehicleKind::Car.covers(Some("truck")));
        assert!(!VehicleKind::Car.covers(Some("motorbike")));
        assert!(VehicleKind::Motorbike.covers(Some("motorbike")));
        assert!(VehicleKind::Motorbike.covers(None));
    }

    #[test]
    fn bucket_allows_the_burst_then_refills_at_the_rate() {
        let rate = Rate {
            per_minute: 10,
            burst: 5,
        };
        let mut b = Bucket::full(rate, 0.0);
        for _ in 0..5 {
            assert!(b.take(rate, 0.0).is_ok());
        }
        // One token every 6 s.
        assert_eq!(b.take(rate, 0.0), Err(6));
        assert_eq!(b.take(rate, 3.0), Err(3));
        assert!(b.take(rate, 6.0).is_ok());
        assert!(b.take(rate, 6.0).is_err());
        assert!(!b.idle(rate, 20.0));
        assert!(b.idle(rate, 36.0));
    }
}
