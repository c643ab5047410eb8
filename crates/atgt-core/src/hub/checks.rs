//! Cross-checks between the hub's records and the enforcement ledger, as pure
//! functions over plain values. Each check has a code, and its legal basis and
//! validity come from `data/rules/hub-checks.toml` (editable, applied by the date of
//! the fact), never from literals here.

use crate::legal::{LegalBasis, Validity};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The default rule file.
pub const DEFAULT_RULES: &str = include_str!("../../../../data/rules/hub-checks.toml");

/// The check codes, in the order pages list them.
pub const CODES: &[&str] = &[
    "expired_inspection_on_camera",
    "inspection_block",
    "bed_mismatch",
    "licence_unusable",
    "no_badge",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub bed_tolerance_mm: i64,
    pub notice_wait_days: i64,
    pub read_window_days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRule {
    pub code: String,
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
    /// The catalog group (`violations-168.toml`) of the case the enforcement rules open
    /// when this check fires about a vehicle, e.g. "bed_extension". None: the check is
    /// shown to the roles that see it and opens no case (its behaviour, article and fine
    /// are not in the catalog, or the check is not a violation of its own).
    #[serde(default)]
    pub case: Option<String>,
}

/// The checks about a vehicle that may open a case; the inspection block is a
/// consequence of open cases and the licence check is about a case already open.
pub const CASE_CODES: &[&str] = &["expired_inspection_on_camera", "bed_mismatch", "no_badge"];

impl CheckRule {
    pub fn basis(&self) -> LegalBasis {
        LegalBasis {
            document: self.document.clone(),
            provision: self.provision.clone(),
            confirmed: self.confirmed,
            note: self.note.clone(),
        }
    }
    pub fn validity(&self) -> Validity {
        Validity {
            from: self.valid_from,
            until: self.valid_until,
        }
    }
    /// "Thông tư 73/2024/TT-BCA, Điều 24 khoản 5".
    pub fn citation(&self) -> String {
        if self.provision.is_empty() {
            self.document.clone()
        } else {
            format!("{}, {}", self.document, self.provision)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRules {
    pub params: Params,
    #[serde(rename = "check")]
    pub checks: Vec<CheckRule>,
}

impl CheckRules {
    /// Reads a rule file; refuses unknown codes, a code without any rule, bad
    /// parameters and overlapping validity of one code.
    pub fn parse(src: &str) -> Result<CheckRules, String> {
        let r: CheckRules = toml::from_str(src).map_err(|e| e.to_string())?;
        for c in &r.checks {
            if !CODES.contains(&c.code.as_str()) {
                return Err(format!("unknown check '{}'", c.code));
            }
            if c.valid_until.is_some_and(|u| u <= c.valid_from) {
                return Err(format!("check '{}': valid_until before valid_from", c.code));
            }
            if let Some(group) = &c.case {
                if !CASE_CODES.contains(&c.code.as_str()) {
                    return Err(format!("check '{}' cannot open a case", c.code));
                }
                if group.trim().is_empty() {
                    return Err(format!("check '{}': empty case group", c.code));
                }
            }
        }
        for code in CODES {
            let dated: Vec<crate::legal::Dated<()>> = r
                .checks
                .iter()
                .filter(|c| c.code == *code)
                .map(|c| crate::legal::Dated {
                    basis: c.basis(),
                    valid: c.validity(),
                    rule: (),
                })
                .collect();
            if dated.is_empty() {
                return Err(format!("no rule for check '{code}'"));
            }
            if crate::legal::find_overlap(&dated).is_some() {
                return Err(format!("check '{code}': overlapping validity"));
            }
        }
        let p = &r.params;
        if p.bed_tolerance_mm < 0 || p.notice_wait_days < 0 || p.read_window_days < 1 {
            return Err("params out of range".into());
        }
        Ok(r)
    }

    pub fn default_rules() -> CheckRules {
        Self::parse(DEFAULT_RULES).expect("the bundled hub-checks.toml parses")
    }

    /// The rule of `code` in force on `on`, if any.
    pub fn rule(&self, code: &str, on: Date) -> Option<&CheckRule> {
        self.checks
            .iter()
            .filter(|c| c.code == code && c.validity().contains(on))
            .max_by_key(|c| c.valid_from)
    }
}

/// One firing check: what, about which vehicle or licence, on which date, why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub code: String,
    /// The plate (display form) or the licence number.
    pub subject: String,
    /// The date of the fact that fired the check (YYYY-MM-DD).
    pub on: String,
    /// Machine-readable detail (dates, dimensions, case ids).
    pub detail: String,
    /// The legal basis in force on that date.
    pub basis: String,
    pub basis_confirmed: bool,
}

impl Finding {
    pub fn new(
        rules: &CheckRules,
        code: &str,
        subject: &str,
        on: Date,
        detail: String,
    ) -> Option<Finding> {
        let r = rules.rule(code, on)?;
        Some(Finding {
            code: code.into(),
            subject: subject.into(),
            on: on.to_string(),
            detail,
            basis: r.citation(),
            basis_confirmed: r.confirmed,
        })
    }
}

/// Expired inspection on camera: the vehicle was read on `read_on` and no certificate
/// passed was valid that day. `certs` are (inspected_on, valid_until, passed).
/// Returns the last expiry date when the check fires; a vehicle with no certificate at
/// all does not fire this check (it is not in the inspection registry's scope yet).
pub fn expired_on(certs: &[(Date, Date, bool)], read_on: Date) -> Option<Date> {
    let passed: Vec<&(Date, Date, bool)> = certs.iter().filter(|c| c.2 && c.0 <= read_on).collect();
    if passed.is_empty() {
        return None;
    }
    if passed.iter().any(|c| read_on <= c.1) {
        return None;
    }
    passed.iter().map(|c| c.1).max()
}

/// The inspection block (Circular 73/2024 Art. 24 k5): the date from which a vehicle
/// is blocked, given the notice dates of its unresolved camera violations — the
/// earliest notice date plus the wait, if that is on or before `today`.
pub fn blocked_since(unresolved_notices: &[Date], today: Date, wait_days: i64) -> Option<Date> {
    unresolved_notices
        .iter()
        .filter_map(|d| d.checked_add(jiff::Span::new().days(wait_days)).ok())
        .filter(|d| *d <= today)
        .min()
}

/// Truck-bed mismatch (cơi nới): the differences measured − certified (mm) when any
/// exceeds the tolerance.
pub fn bed_mismatch(
    certified: [i64; 3],
    measured: [i64; 3],
    tolerance_mm: i64,
) -> Option<[i64; 3]> {
    let d = [
        measured[0] - certified[0],
        measured[1] - certified[1],
        measured[2] - certified[2],
    ];
    if d.iter().any(|x| x.abs() > tolerance_mm) {
        Some(d)
    } else {
        None
    }
}

/// Why a licence may not be used on `on`: suspended (until a date after `on`) or at
/// zero points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unusable {
    Suspended,
    ZeroPoints,
}

pub fn licence_unusable(suspended_until: Option<Date>, points: i64, on: Date) -> Option<Unusable> {
    if suspended_until.is_some_and(|u| on < u) {
        Some(Unusable::Suspended)
    } else if points <= 0 {
        Some(Unusable::ZeroPoints)
    } else {
        None
    }
}

/// A transport vehicle is one on a yellow plate or run by a transport business.
pub fn is_transport(colour: &str, business_id: Option<&str>) -> bool {
    colour == "yellow" || business_id.is_some_and(|b| !b.is_empty())
}

/// Whether a transport vehicle lacks a badge valid on `on`; badges are
/// (valid_from, valid_until), both inclusive.
pub fn lacks_badge(transport: bool, badges: &[(Date, Date)], on: Date) -> bool {
    transport && !badges.iter().any(|(f, u)| *f <= on && on <= *u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_bundled_rules_cover_every_check_with_a_basis() {
        let r = CheckRules::default_rules();
        for c in CODES {
            let rule = r.rule(c, date(2025, 6, 1)).unwrap();
            assert!(!rule.document.is_empty());
        }
        assert!(r.rule("inspection_block", date(2024, 6, 1)).is_none());
        assert_eq!(
            r.rule("inspection_block", date(2025, 6, 1))
                .unwrap()
                .citation(),
            "Thông tư 73/2024/TT-BCA, Điều 24 khoản 5"
        );
    }

    #[test]
    fn rule_files_with_unknown_or_missing_checks_are_refused() {
        let bad = DEFAULT_RULES.replace("code = \"no_badge\"", "code = \"no_such\"");
        assert!(CheckRules::parse(&bad).is_err());
    }

    #[test]
    fn only_checks_about_a_vehicle_open_cases() {
        let r = CheckRules::default_rules();
        // The bundled file: the truck bed opens a bed-extension case (Decree 168 Art. 32
        // k14 h, confirmed); the unconfirmed checks open none.
        let on = date(2025, 6, 1);
        assert_eq!(
            r.rule("bed_mismatch", on).unwrap().case.as_deref(),
            Some("bed_extension")
        );
        assert_eq!(
            r.rule("expired_inspection_on_camera", on).unwrap().case,
            None
        );
        assert_eq!(r.rule("no_badge", on).unwrap().case, None);
        let bad = DEFAULT_RULES.replace(
            "code = \"inspection_block\"",
            "code = \"inspection_block\"\ncase = \"speeding\"",
        );
        assert_eq!(
            CheckRules::parse(&bad).unwrap_err(),
            "check 'inspection_block' cannot open a case"
        );
        let empty = DEFAULT_RULES.replace("case = \"bed_extension\"", "case = \" \"");
        assert!(CheckRules::parse(&empty).is_err());
    }

    #[test]
    fn expired_inspection() {
        let certs = [
            (date(2023, 1, 10), date(2024, 1, 9), true),
            (date(2024, 1, 5), date(2025, 1, 4), true),
            (date(2025, 1, 3), date(2026, 1, 2), false),
        ];
        assert_eq!(expired_on(&certs, date(2024, 6, 1)), None);
        assert_eq!(expired_on(&certs, date(2025, 1, 4)), None);
        assert_eq!(expired_on(&certs, date(2025, 2, 1)), Some(date(2025, 1, 4)));
        assert_eq!(expired_on(&[], date(2025, 2, 1)), None);
    }

    #[test]
    fn inspection_block_after_twenty_days() {
        let n = [date(2025, 3, 1), date(2025, 3, 20)];
        assert_eq!(blocked_since(&n, date(2025, 3, 20), 20), None);
        assert_eq!(
            blocked_since(&n, date(2025, 3, 21), 20),
            Some(date(2025, 3, 21))
        );
        assert_eq!(blocked_since(&[], date(2025, 3, 21), 20), None);
    }

    #[test]
    fn bed_tolerance() {
        let cert = [6200, 2350, 800];
        assert_eq!(bed_mismatch(cert, [6230, 2350, 820], 50), None);
        assert_eq!(
            bed_mismatch(cert, [6200, 2350, 1400], 50),
            Some([0, 0, 600])
        );
    }

    #[test]
    fn licences_suspended_or_at_zero() {
        let on = date(2025, 5, 1);
        assert_eq!(
            licence_unusable(Some(date(2025, 6, 1)), 12, on),
            Some(Unusable::Suspended)
        );
        assert_eq!(licence_unusable(Some(date(2025, 4, 1)), 12, on), None);
        assert_eq!(licence_unusable(None, 0, on), Some(Unusable::ZeroPoints));
        assert_eq!(licence_unusable(None, 2, on), None);
    }

    #[test]
    fn transport_without_badge() {
        let on = date(2025, 5, 1);
        assert!(is_transport("yellow", None));
        assert!(is_transport("white", Some("DN-1")));
        assert!(!is_transport("white", None));
        assert!(lacks_badge(true, &[], on));
        assert!(lacks_badge(
            true,
            &[(date(2024, 1, 1), date(2025, 4, 30))],
            on
        ));
        assert!(!lacks_badge(
            true,
            &[(date(2024, 1, 1), date(2025, 5, 1))],
            on
        ));
        assert!(!lacks_badge(false, &[], on));
    }

    #[test]
    fn findings_carry_the_basis_in_force() {
        let r = CheckRules::default_rules();
        let f = Finding::new(
            &r,
            "bed_mismatch",
            "51K-678.90",
            date(2025, 6, 1),
            "x".into(),
        )
        .unwrap();
        assert!(f.basis.contains("Điều 32 khoản 14 điểm h"));
        assert!(f.basis_confirmed);
        assert!(Finding::new(&r, "bed_mismatch", "x", date(2020, 1, 1), String::new()).is_none());
    }
}
