//! Legal basis and validity of rules held as data.
//!
//! Every rule the system applies (crash class, black-spot criterion, fine band, notice
//! deadline, the administrative map) carries the document, article and clause it
//! comes from, the dates it is valid for, and whether its figures are confirmed.
//! Unconfirmed rules stay editable by an administrator without a code change.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Where a rule comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegalBasis {
    /// The document, e.g. "Thông tư 26/2024/TT-BCA".
    pub document: String,
    /// Article, clause and point as written, e.g. "Điều 5 khoản 1".
    #[serde(default)]
    pub provision: String,
    /// False while the figures have not been confirmed from the text itself.
    #[serde(default = "yes")]
    pub confirmed: bool,
    /// Free note: the source of the figures, what still needs checking.
    #[serde(default)]
    pub note: String,
}

fn yes() -> bool {
    true
}

/// The dates a rule applies to, by the date of the event: `from` inclusive,
/// `until` exclusive (the day the next rule takes effect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    pub from: Date,
    #[serde(default)]
    pub until: Option<Date>,
}

impl Validity {
    pub fn contains(&self, d: Date) -> bool {
        d >= self.from && self.until.is_none_or(|u| d < u)
    }
}

/// A rule with its basis and validity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dated<T> {
    pub basis: LegalBasis,
    pub valid: Validity,
    pub rule: T,
}

/// Picks the rule in force on `date` from a set of dated versions. When two overlap
/// (a data error the loaders reject), the one that started later wins.
pub fn in_force<T>(rules: &[Dated<T>], date: Date) -> Option<&Dated<T>> {
    rules
        .iter()
        .filter(|r| r.valid.contains(date))
        .max_by_key(|r| r.valid.from)
}

/// Checks a rule set for overlapping validity periods; returns the overlapping pair's
/// indexes.
pub fn find_overlap<T>(rules: &[Dated<T>]) -> Option<(usize, usize)> {
    for (i, a) in rules.iter().enumerate() {
        for (j, b) in rules.iter().enumerate().skip(i + 1) {
            let a_end = a.valid.until.unwrap_or(Date::MAX);
            let b_end = b.valid.until.unwrap_or(Date::MAX);
            if a.valid.from < b_end && b.valid.from < a_end {
                return Some((i, j));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn rule(from: Date, until: Option<Date>, v: u8) -> Dated<u8> {
        Dated {
            basis: LegalBasis {
                document: "X".into(),
                provision: String::new(),
                confirmed: true,
                note: String::new(),
            },
            valid: Validity { from, until },
            rule: v,
        }
    }

    #[test]
    fn picks_rule_by_event_date() {
        let rules = vec![
            rule(date(2012, 1, 1), Some(date(2025, 1, 1)), 1),
            rule(date(2025, 1, 1), None, 2),
        ];
        assert_eq!(in_force(&rules, date(2024, 12, 31)).unwrap().rule, 1);
        assert_eq!(in_force(&rules, date(2025, 1, 1)).unwrap().rule, 2);
        assert!(in_force(&rules, date(2011, 12, 31)).is_none());
        assert_eq!(find_overlap(&rules), None);
    }

    #[test]
    fn finds_overlaps() {
        let rules = vec![
            rule(date(2012, 1, 1), Some(date(2025, 2, 1)), 1),
            rule(date(2025, 1, 1), None, 2),
        ];
        assert_eq!(find_overlap(&rules), Some((0, 1)));
    }
}
