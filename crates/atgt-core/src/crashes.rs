//! Crashes: the legal classes (Circular 26/2024/TT-BCA Article 5) applied as dated rule
//! data, and the three criteria (crashes, deaths, injured).

use crate::legal::{LegalBasis, Validity};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The classes, from the most serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CrashClass {
    /// Va chạm giao thông (khoản 5).
    VaCham,
    /// Ít nghiêm trọng (khoản 4).
    ItNghiemTrong,
    /// Nghiêm trọng (khoản 3).
    NghiemTrong,
    /// Rất nghiêm trọng (khoản 2).
    RatNghiemTrong,
    /// Đặc biệt nghiêm trọng (khoản 1).
    DacBietNghiemTrong,
}

impl CrashClass {
    pub const ALL: [CrashClass; 5] = [
        CrashClass::DacBietNghiemTrong,
        CrashClass::RatNghiemTrong,
        CrashClass::NghiemTrong,
        CrashClass::ItNghiemTrong,
        CrashClass::VaCham,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CrashClass::VaCham => "va_cham",
            CrashClass::ItNghiemTrong => "it_nghiem_trong",
            CrashClass::NghiemTrong => "nghiem_trong",
            CrashClass::RatNghiemTrong => "rat_nghiem_trong",
            CrashClass::DacBietNghiemTrong => "dac_biet_nghiem_trong",
        }
    }

    pub fn label_key(self) -> String {
        format!("crash_class.{}", self.as_str())
    }

    /// Whether this class is a "vụ tai nạn" (a crash) rather than a collision (va chạm):
    /// the three criteria count crashes of class ít nghiêm trọng and above.
    pub fn is_crash(self) -> bool {
        self != CrashClass::VaCham
    }
}

impl fmt::Display for CrashClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CrashClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        CrashClass::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown crash class '{s}'"))
    }
}

/// One class's conditions; any one met gives the class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassRule {
    pub class: CrashClass,
    pub provision: String,
    pub confirmed: bool,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub min_deaths: Option<u32>,
    #[serde(default)]
    pub min_single_injury_rate: Option<f64>,
    #[serde(default)]
    pub min_injured_people: Option<u32>,
    #[serde(default)]
    pub min_injured_total_rate: Option<f64>,
    #[serde(default)]
    pub min_damage_vnd: Option<i64>,
    /// Met by every crash (the last class).
    #[serde(default)]
    pub otherwise: bool,
}

/// A dated set of class rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassRuleSet {
    pub id: String,
    pub document: String,
    pub provision: String,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_until: Option<Date>,
    pub death_window_days: u32,
    /// The rate assumed for an injured person not yet assessed (provisional class).
    #[serde(default)]
    pub unassessed_injury_rate: Option<f64>,
    #[serde(default)]
    pub note: String,
    #[serde(rename = "class")]
    pub classes: Vec<ClassRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassRuleFile {
    pub rule_set: Vec<ClassRuleSet>,
}

/// The rule file shipped with the program.
pub const DEFAULT_RULES: &str = include_str!("../../../data/rules/crash-classes.toml");

impl ClassRuleFile {
    /// Parses and checks a rule file: classes from the most serious down, exactly one
    /// `otherwise` class at the end, non-overlapping validity.
    pub fn parse(src: &str) -> Result<ClassRuleFile, String> {
        let f: ClassRuleFile = toml::from_str(src).map_err(|e| e.to_string())?;
        if f.rule_set.is_empty() {
            return Err("no rule_set".into());
        }
        for rs in &f.rule_set {
            let order: Vec<CrashClass> = rs.classes.iter().map(|c| c.class).collect();
            if order != CrashClass::ALL {
                return Err(format!(
                    "{}: classes must be listed from dac_biet_nghiem_trong down to va_cham, each once",
                    rs.id
                ));
            }
            let last = rs.classes.last().map(|c| c.otherwise).unwrap_or(false);
            if !last || rs.classes.iter().filter(|c| c.otherwise).count() != 1 {
                return Err(format!(
                    "{}: the last class (va_cham) must be `otherwise = true`, and only it",
                    rs.id
                ));
            }
            if let Some(u) = rs.valid_until
                && u <= rs.valid_from
            {
                return Err(format!("{}: valid_until must be after valid_from", rs.id));
            }
        }
        let dated: Vec<crate::legal::Dated<()>> = f
            .rule_set
            .iter()
            .map(|r| crate::legal::Dated {
                basis: r.basis(),
                valid: r.validity(),
                rule: (),
            })
            .collect();
        if let Some((a, b)) = crate::legal::find_overlap(&dated) {
            return Err(format!(
                "rule sets {} and {} overlap in time",
                f.rule_set[a].id, f.rule_set[b].id
            ));
        }
        Ok(f)
    }

    pub fn default_rules() -> ClassRuleFile {
        Self::parse(DEFAULT_RULES).expect("the shipped crash-class rules are valid")
    }

    /// The rule set for a crash on `date`; before the first set took effect, the
    /// earliest set is applied and the result says so.
    pub fn for_date(&self, date: Date) -> (&ClassRuleSet, bool) {
        if let Some(r) = self
            .rule_set
            .iter()
            .filter(|r| r.validity().contains(date))
            .max_by_key(|r| r.valid_from)
        {
            return (r, false);
        }
        let earliest = self
            .rule_set
            .iter()
            .min_by_key(|r| r.valid_from)
            .expect("at least one rule set");
        (earliest, true)
    }
}

impl ClassRuleSet {
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
            confirmed: self.classes.iter().all(|c| c.confirmed),
            note: self.note.clone(),
        }
    }
}

/// The facts the class depends on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// People who died within the window.
    pub deaths: u32,
    /// Body-injury rates (%) of the injured; `None` while not yet assessed.
    pub injury_rates: Vec<Option<f64>>,
    pub damage_vnd: i64,
}

/// The outcome of classification, with why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Classification {
    pub class: CrashClass,
    pub rule_set: String,
    pub provision: String,
    pub document: String,
    pub confirmed: bool,
    /// Which condition was met, e.g. "min_deaths".
    pub condition: String,
    /// Some injured person has no assessed injury rate yet: the class may rise.
    pub provisional: bool,
    /// The crash predates the rule set applied (no earlier set is held).
    pub retroactive: bool,
}

/// Classifies a crash on `date` by the rules in force then.
pub fn classify(rules: &ClassRuleFile, date: Date, f: &Facts) -> Classification {
    let (rs, retroactive) = rules.for_date(date);
    let assumed = rs.unassessed_injury_rate.unwrap_or(0.0);
    let rates: Vec<f64> = f
        .injury_rates
        .iter()
        .map(|r| r.unwrap_or(assumed))
        .collect();
    let injured_people = f.injury_rates.len() as u32;
    let total: f64 = rates.iter().sum();
    let max_single = rates.iter().copied().fold(0.0, f64::max);
    for c in &rs.classes {
        let met = if c.min_deaths.is_some_and(|n| f.deaths >= n) {
            Some("min_deaths")
        } else if c
            .min_single_injury_rate
            .is_some_and(|r| injured_people > 0 && max_single >= r)
        {
            Some("min_single_injury_rate")
        } else if let (Some(p), Some(t)) = (c.min_injured_people, c.min_injured_total_rate)
            && injured_people >= p
            && total >= t
        {
            Some("min_injured_total_rate")
        } else if c.min_damage_vnd.is_some_and(|d| f.damage_vnd >= d) {
            Some("min_damage_vnd")
        } else if c.otherwise {
            Some("otherwise")
        } else {
            None
        };
        if let Some(cond) = met {
            return Classification {
                class: c.class,
                rule_set: rs.id.clone(),
                provision: c.provision.clone(),
                document: rs.document.clone(),
                confirmed: c.confirmed,
                condition: cond.to_string(),
                provisional: f.injury_rates.iter().any(Option::is_none),
                retroactive,
            };
        }
    }
    unreachable!("a checked rule set ends with an `otherwise` class")
}

/// How precisely a crash's time is known (imported data may give only a year, a
/// weekday and a three-hour band).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TimePrecision {
    Minute,
    Hour,
    /// A band of hours (`hour` is the band's start, `hour_band` its length in hours; bands
    /// may differ in length and cross midnight).
    HourBand,
    Day,
    Month,
    Year,
}

impl TimePrecision {
    pub fn as_str(self) -> &'static str {
        match self {
            TimePrecision::Minute => "minute",
            TimePrecision::Hour => "hour",
            TimePrecision::HourBand => "hour_band",
            TimePrecision::Day => "day",
            TimePrecision::Month => "month",
            TimePrecision::Year => "year",
        }
    }
}

impl FromStr for TimePrecision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            TimePrecision::Minute,
            TimePrecision::Hour,
            TimePrecision::HourBand,
            TimePrecision::Day,
            TimePrecision::Month,
            TimePrecision::Year,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
        .ok_or_else(|| format!("unknown time precision '{s}'"))
    }
}

/// Percentage change from `before` to `now` (None when `before` is 0).
pub fn pct_change(before: i64, now: i64) -> Option<f64> {
    (before != 0).then(|| (now - before) as f64 * 100.0 / before as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn c(deaths: u32, rates: &[f64], damage: i64) -> CrashClass {
        let f = Facts {
            deaths,
            injury_rates: rates.iter().map(|r| Some(*r)).collect(),
            damage_vnd: damage,
        };
        classify(&ClassRuleFile::default_rules(), date(2025, 3, 1), &f).class
    }

    // Clause 1: 3+ deaths, or 3+ injured totalling 201%+, or damage ≥ 1.5 bn.
    #[test]
    fn clause_1_dac_biet_nghiem_trong() {
        assert_eq!(c(3, &[], 0), CrashClass::DacBietNghiemTrong);
        assert_eq!(c(0, &[70.0, 70.0, 61.0], 0), CrashClass::DacBietNghiemTrong);
        assert_eq!(
            c(0, &[70.0, 70.0, 60.0], 0),
            CrashClass::RatNghiemTrong,
            "200% is below 201%"
        );
        assert_eq!(
            c(0, &[150.0, 100.0], 0),
            CrashClass::RatNghiemTrong,
            "two people are not three"
        );
        assert_eq!(c(0, &[], 1_500_000_000), CrashClass::DacBietNghiemTrong);
        assert_eq!(c(0, &[], 1_499_999_999), CrashClass::RatNghiemTrong);
    }

    // Clause 2: 2 deaths, or 2+ injured totalling 122%–200%, or damage 500 M–<1.5 bn.
    #[test]
    fn clause_2_rat_nghiem_trong() {
        assert_eq!(c(2, &[], 0), CrashClass::RatNghiemTrong);
        assert_eq!(c(0, &[61.0, 61.0], 0), CrashClass::RatNghiemTrong);
        assert_eq!(
            c(0, &[61.0, 60.0], 0),
            CrashClass::NghiemTrong,
            "121% is below 122%"
        );
        assert_eq!(c(0, &[], 500_000_000), CrashClass::RatNghiemTrong);
        assert_eq!(c(0, &[], 499_999_999), CrashClass::NghiemTrong);
    }

    // Clause 3: 1 death, or 1 person ≥ 61%, or 2+ totalling 61%–121%, or damage 100 M–<500 M.
    #[test]
    fn clause_3_nghiem_trong() {
        assert_eq!(c(1, &[], 0), CrashClass::NghiemTrong);
        assert_eq!(c(0, &[61.0], 0), CrashClass::NghiemTrong);
        assert_eq!(c(0, &[60.9], 0), CrashClass::ItNghiemTrong);
        assert_eq!(c(0, &[31.0, 30.0], 0), CrashClass::NghiemTrong);
        assert_eq!(
            c(0, &[30.0, 30.0], 0),
            CrashClass::ItNghiemTrong,
            "60% is below 61%"
        );
        assert_eq!(c(0, &[], 100_000_000), CrashClass::NghiemTrong);
        assert_eq!(c(0, &[], 99_999_999), CrashClass::ItNghiemTrong);
    }

    // Clause 4 (unconfirmed): 11%–<61%, or damage 10 M–<100 M.
    #[test]
    fn clause_4_it_nghiem_trong_is_unconfirmed() {
        assert_eq!(c(0, &[11.0], 0), CrashClass::ItNghiemTrong);
        assert_eq!(c(0, &[10.9], 0), CrashClass::VaCham);
        assert_eq!(c(0, &[], 10_000_000), CrashClass::ItNghiemTrong);
        let f = Facts {
            deaths: 0,
            injury_rates: vec![Some(20.0)],
            damage_vnd: 0,
        };
        let r = classify(&ClassRuleFile::default_rules(), date(2025, 3, 1), &f);
        assert!(!r.confirmed);
        assert_eq!(r.provision, "Điều 5 khoản 4");
    }

    // Clause 5 (unconfirmed): everything else.
    #[test]
    fn clause_5_va_cham() {
        assert_eq!(c(0, &[], 0), CrashClass::VaCham);
        assert_eq!(c(0, &[5.0], 9_999_999), CrashClass::VaCham);
        assert!(!CrashClass::VaCham.is_crash());
    }

    #[test]
    fn a_death_outweighs_damage_and_unassessed_injuries_are_provisional() {
        let f = Facts {
            deaths: 1,
            injury_rates: vec![None],
            damage_vnd: 600_000_000,
        };
        let r = classify(&ClassRuleFile::default_rules(), date(2025, 3, 1), &f);
        assert_eq!(
            r.class,
            CrashClass::RatNghiemTrong,
            "damage of 600 M reaches clause 2"
        );
        assert!(r.provisional);
        assert_eq!(r.condition, "min_damage_vnd");
    }

    #[test]
    fn unassessed_injuries_count_provisionally() {
        let f = Facts {
            deaths: 0,
            injury_rates: vec![None],
            damage_vnd: 0,
        };
        let r = classify(&ClassRuleFile::default_rules(), date(2025, 3, 1), &f);
        assert_eq!((r.class, r.provisional), (CrashClass::ItNghiemTrong, true));
    }

    #[test]
    fn older_crashes_are_flagged_retroactive() {
        let f = Facts::default();
        let r = classify(&ClassRuleFile::default_rules(), date(2023, 9, 20), &f);
        assert!(r.retroactive);
        let r = classify(&ClassRuleFile::default_rules(), date(2024, 8, 15), &f);
        assert!(!r.retroactive);
    }

    #[test]
    fn rule_files_are_checked() {
        let bad = DEFAULT_RULES.replace("otherwise = true", "");
        assert!(
            ClassRuleFile::parse(&bad)
                .unwrap_err()
                .contains("otherwise")
        );
        let swapped = DEFAULT_RULES.replacen(
            "class = \"dac_biet_nghiem_trong\"",
            "class = \"nghiem_trong\"",
            1,
        );
        assert!(ClassRuleFile::parse(&swapped).is_err());
        assert!(ClassRuleFile::parse("rule_set = []").is_err());
    }

    #[test]
    fn percentage_change() {
        assert_eq!(pct_change(10, 8), Some(-20.0));
        assert_eq!(pct_change(0, 3), None);
    }
}

/// When a crash happened, as precisely as it is known (local Vietnam time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Occurred {
    pub year: i16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<i8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<i8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour: Option<i8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<i8>,
    /// 1 = Monday … 7 = Sunday; derived when the day is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekday: Option<i8>,
    /// Length in hours of the band starting at `hour` (e.g. 3 for "06:00–09:00").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour_band: Option<i8>,
}

/// A field-level problem: the field and the i18n key of the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub key: &'static str,
}

fn fe(field: &'static str, key: &'static str) -> FieldError {
    FieldError { field, key }
}

impl Occurred {
    /// An exact local date and time.
    pub fn exact(dt: jiff::civil::DateTime) -> Occurred {
        Occurred {
            year: dt.year(),
            month: Some(dt.month()),
            day: Some(dt.day()),
            hour: Some(dt.hour()),
            minute: Some(dt.minute()),
            weekday: Some(dt.date().weekday().to_monday_one_offset()),
            hour_band: None,
        }
    }

    /// Checks the parts fit together and fills the weekday when the day is known.
    pub fn checked(mut self) -> Result<Occurred, FieldError> {
        if !(1900..=2100).contains(&self.year) {
            return Err(fe("year", "error.crash_year"));
        }
        if self.month.is_some_and(|m| !(1..=12).contains(&m)) {
            return Err(fe("month", "error.crash_month"));
        }
        if self.day.is_some() && self.month.is_none() {
            return Err(fe("day", "error.crash_day"));
        }
        if let (Some(m), Some(d)) = (self.month, self.day) {
            let date = Date::new(self.year, m, d).map_err(|_| fe("day", "error.crash_day"))?;
            let wd = date.weekday().to_monday_one_offset();
            if self.weekday.is_some_and(|w| w != wd) {
                return Err(fe("weekday", "error.crash_weekday"));
            }
            self.weekday = Some(wd);
        }
        if self.weekday.is_some_and(|w| !(1..=7).contains(&w)) {
            return Err(fe("weekday", "error.crash_weekday"));
        }
        if self.hour.is_some_and(|h| !(0..=23).contains(&h)) {
            return Err(fe("hour", "error.crash_hour"));
        }
        if self.minute.is_some() && self.hour.is_none()
            || self.minute.is_some_and(|m| !(0..=59).contains(&m))
        {
            return Err(fe("minute", "error.crash_hour"));
        }
        if let Some(b) = self.hour_band {
            // A band may cross midnight ("23-3"); its start hour is what the hour-of-day
            // statistics use.
            if !(1..=24).contains(&b) || self.hour.is_none() || self.minute.is_some() {
                return Err(fe("hour_band", "error.crash_hour"));
            }
        }
        Ok(self)
    }

    pub fn precision(&self) -> TimePrecision {
        match (self.month, self.day, self.hour, self.minute, self.hour_band) {
            (_, Some(_), Some(_), Some(_), _) => TimePrecision::Minute,
            (_, _, Some(_), _, Some(_)) => TimePrecision::HourBand,
            (_, Some(_), Some(_), None, None) => TimePrecision::Hour,
            (_, Some(_), None, _, _) => TimePrecision::Day,
            (Some(_), None, _, _, _) => TimePrecision::Month,
            _ => TimePrecision::Year,
        }
    }

    /// The local date used for periods: the day when known, else the first of the month
    /// or of the year.
    pub fn local_date(&self) -> Date {
        Date::new(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
            .unwrap_or(Date::new(self.year, 1, 1).unwrap_or_default())
    }

    /// The best estimate of the instant: the middle of a band, the start otherwise.
    pub fn instant(&self) -> jiff::Timestamp {
        let minutes: i32 = match (self.hour, self.hour_band, self.minute) {
            (Some(h), Some(b), _) => h as i32 * 60 + b as i32 * 30,
            (Some(h), None, m) => h as i32 * 60 + m.unwrap_or(0) as i32,
            _ => 0,
        }
        .min(23 * 60 + 59);
        let dt = self
            .local_date()
            .at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0);
        dt.to_zoned_datetime(crate::time::vn_tz())
            .map(|z| z.timestamp())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }
}

/// Vehicle kinds of crash records (codes; labels under `vehicle_kind.*`).
pub const VEHICLE_KINDS: &[&str] = &[
    "motorbike",
    "car",
    "truck",
    "container",
    "bus",
    "coach",
    "bicycle",
    "e_bike",
    "tractor",
    "pedestrian",
    "other",
];
/// Causes (codes; labels under `crash_cause.*`): the driver's behaviour, then the road,
/// the vehicle and the conditions.
pub const CAUSES: &[&str] = &[
    "speeding",
    "alcohol",
    "wrong_lane",
    "unsafe_overtaking",
    "unsafe_turning",
    "failure_to_yield",
    "inattention",
    "wrong_way",
    "red_light",
    "unlicensed",
    "fatigue",
    "phone",
    "railway_crossing",
    "road_defect",
    "road_design",
    "vehicle_defect",
    "overload",
    "weather",
    "poor_light",
    "other",
];
/// Age groups (labels under `age_group.*`).
pub const AGE_GROUPS: &[&str] = &[
    "0-5", "6-14", "15-17", "18-24", "25-34", "35-54", "55-64", "65+",
];
/// Weather at the time of the crash (labels under `weather.*`).
pub const WEATHER: &[&str] = &[
    "clear",
    "cloudy",
    "rain",
    "heavy_rain",
    "fog",
    "strong_wind",
];
/// Light conditions (labels under `light.*`).
pub const LIGHT: &[&str] = &["daylight", "dawn_dusk", "dark_lit", "dark_unlit"];
/// Roles of people in a crash.
pub const PERSON_ROLES: &[&str] = &["driver", "passenger", "pedestrian", "other"];
/// Outcomes for a person.
pub const OUTCOMES: &[&str] = &["dead", "injured", "unhurt"];

/// A person involved in a crash.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    /// dead, injured or unhurt.
    pub outcome: String,
    /// Body-injury rate (%), once assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injury_rate: Option<f64>,
    /// For the dead: days between the crash and the death (counts within the window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub died_after_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alcohol_breath_mg_l: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alcohol_blood_mg_100ml: Option<f64>,
    /// Index of the person's vehicle in the crash's vehicle list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle_idx: Option<u32>,
}

/// A vehicle involved in a crash.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Vehicle {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate: Option<String>,
    /// Province code of registration, or "foreign".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_province: Option<String>,
}

/// Import sources that give a severity class instead of counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Fatal,
    SeriousInjury,
    MinorInjury,
    DamageOnly,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fatal => "fatal",
            Severity::SeriousInjury => "serious_injury",
            Severity::MinorInjury => "minor_injury",
            Severity::DamageOnly => "damage_only",
        }
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            Severity::Fatal,
            Severity::SeriousInjury,
            Severity::MinorInjury,
            Severity::DamageOnly,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("unknown severity '{s}'"))
    }
}

/// A crash as entered or imported. The class is not part of it: it is computed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrashRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub occurred: Occurred,
    /// "new" or "old" map of `commune_code`; by default the map in force on the date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub road_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub km: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Deaths within the window. With `people`, it must agree with them.
    pub deaths: u32,
    /// Injured people. With `people`, it must agree with them.
    pub injured: u32,
    #[serde(default)]
    pub property_damage_vnd: i64,
    /// For sources with a severity class only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<Person>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vehicles: Vec<Vehicle>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weather: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub light: Option<String>,
    #[serde(default)]
    pub synthetic: bool,
}

impl CrashRecord {
    /// Checks the record; the first problem names its field.
    pub fn check(&self, death_window_days: u32) -> Result<(), FieldError> {
        self.occurred.checked()?;
        if let Some(id) = &self.external_id
            && (id.trim().is_empty() || id.len() > 100)
        {
            return Err(fe("external_id", "error.bad_request"));
        }
        if let Some(s) = &self.admin_scheme
            && s != "new"
            && s != "old"
        {
            return Err(fe("admin_scheme", "error.bad_request"));
        }
        if self.km.is_some() && self.road_code.as_deref().is_none_or(str::is_empty) {
            return Err(fe("route", "error.crash_km_without_route"));
        }
        if self.km.is_some_and(|k| !k.is_finite() || k < 0.0) {
            return Err(fe("km", "error.bad_request"));
        }
        match (self.lon, self.lat) {
            (Some(lon), Some(lat)) => {
                if !crate::geo::Point::new(lon, lat).is_valid() {
                    return Err(fe("lon", "error.crash_coordinates"));
                }
            }
            (None, None) => {}
            (None, _) => return Err(fe("lon", "error.crash_coordinates")),
            (_, None) => return Err(fe("lat", "error.crash_coordinates")),
        }
        if self.property_damage_vnd < 0 {
            return Err(fe("property_damage_vnd", "error.bad_request"));
        }
        for v in &self.vehicles {
            if !VEHICLE_KINDS.contains(&v.kind.as_str()) {
                return Err(fe("vehicle_types", "error.crash_vehicle_kind"));
            }
        }
        for c in &self.causes {
            if !CAUSES.contains(&c.as_str()) {
                return Err(fe("causes", "error.crash_cause"));
            }
        }
        for p in &self.people {
            if !PERSON_ROLES.contains(&p.role.as_str()) || !OUTCOMES.contains(&p.outcome.as_str()) {
                return Err(fe("people", "error.bad_request"));
            }
            if p.age_group
                .as_deref()
                .is_some_and(|a| !AGE_GROUPS.contains(&a))
            {
                return Err(fe("people", "error.bad_request"));
            }
            if p.injury_rate.is_some_and(|r| !(0.0..=100.0).contains(&r)) {
                return Err(fe("people", "error.crash_injury_rate"));
            }
            if p.vehicle_idx
                .is_some_and(|i| i as usize >= self.vehicles.len())
            {
                return Err(fe("people", "error.bad_request"));
            }
        }
        if !self.people.is_empty() {
            let (d, i) = self.counts_from_people(death_window_days);
            if d != self.deaths || i != self.injured {
                return Err(fe("deaths", "error.crash_counts_disagree"));
            }
        }
        Ok(())
    }

    /// The record with counts implied by a severity class when the source gave no
    /// counts: a fatal crash has at least one death, an injury crash at least one injured.
    pub fn with_severity_counts(mut self) -> CrashRecord {
        match self.severity {
            Some(Severity::Fatal) if self.deaths == 0 => self.deaths = 1,
            Some(Severity::SeriousInjury | Severity::MinorInjury)
                if self.injured == 0 && self.deaths == 0 =>
            {
                self.injured = 1
            }
            _ => {}
        }
        self
    }

    /// Deaths within the window and injured (a death after the window counts as injured).
    pub fn counts_from_people(&self, window: u32) -> (u32, u32) {
        let mut dead = 0;
        let mut injured = 0;
        for p in &self.people {
            match p.outcome.as_str() {
                "dead" if p.died_after_days.unwrap_or(0) <= window => dead += 1,
                "dead" | "injured" => injured += 1,
                _ => {}
            }
        }
        (dead, injured)
    }

    /// The facts the class depends on.
    pub fn facts(&self, window: u32) -> Facts {
        let rates: Vec<Option<f64>> = if self.people.is_empty() {
            vec![None; self.injured as usize]
        } else {
            self.people
                .iter()
                .filter(|p| {
                    p.outcome == "injured"
                        || (p.outcome == "dead" && p.died_after_days.unwrap_or(0) > window)
                })
                .map(|p| p.injury_rate)
                .collect()
        };
        Facts {
            deaths: self.deaths,
            injury_rates: rates,
            damage_vnd: self.property_damage_vnd,
        }
    }

    /// Classifies by the rules; a severity-only import record with no counts is placed
    /// at the least class its severity implies.
    pub fn classify(&self, rules: &ClassRuleFile) -> Classification {
        let date = self.occurred.local_date();
        let (rs, _) = rules.for_date(date);
        classify(rules, date, &self.facts(rs.death_window_days))
    }
}

#[cfg(test)]
mod record_tests {
    use super::*;

    fn base() -> CrashRecord {
        CrashRecord {
            occurred: Occurred {
                year: 2025,
                month: Some(3),
                day: Some(8),
                hour: Some(17),
                minute: Some(40),
                ..Default::default()
            },
            deaths: 1,
            injured: 1,
            people: vec![
                Person {
                    role: "driver".into(),
                    outcome: "dead".into(),
                    died_after_days: Some(2),
                    ..Default::default()
                },
                Person {
                    role: "passenger".into(),
                    outcome: "injured".into(),
                    injury_rate: Some(30.0),
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_death_after_seven_days_counts_as_injured() {
        let mut r = base();
        assert!(r.check(7).is_ok());
        assert_eq!(
            r.classify(&ClassRuleFile::default_rules()).class,
            CrashClass::NghiemTrong
        );
        r.people[0].died_after_days = Some(8);
        assert_eq!(
            r.check(7),
            Err(FieldError {
                field: "deaths",
                key: "error.crash_counts_disagree"
            })
        );
        r.deaths = 0;
        r.injured = 2;
        assert!(r.check(7).is_ok());
        assert_eq!(
            r.classify(&ClassRuleFile::default_rules()).class,
            CrashClass::ItNghiemTrong
        );
    }

    #[test]
    fn times_and_precision() {
        let o = Occurred {
            year: 2025,
            month: Some(3),
            day: Some(8),
            hour: Some(17),
            minute: Some(40),
            ..Default::default()
        }
        .checked()
        .unwrap();
        assert_eq!(o.weekday, Some(6), "8/3/2025 was a Saturday");
        assert_eq!(o.precision(), TimePrecision::Minute);
        assert_eq!(o.instant().to_string(), "2025-03-08T10:40:00Z");
        let band = Occurred {
            year: 2010,
            weekday: Some(2),
            hour: Some(6),
            hour_band: Some(3),
            ..Default::default()
        }
        .checked()
        .unwrap();
        assert_eq!(band.precision(), TimePrecision::HourBand);
        assert_eq!(band.local_date(), jiff::civil::date(2010, 1, 1));
        assert!(
            Occurred {
                year: 2025,
                month: Some(2),
                day: Some(30),
                ..Default::default()
            }
            .checked()
            .is_err()
        );
        assert!(
            Occurred {
                year: 2025,
                month: Some(3),
                day: Some(8),
                weekday: Some(1),
                ..Default::default()
            }
            .checked()
            .is_err()
        );
        assert!(
            Occurred {
                year: 2025,
                hour: Some(23),
                hour_band: Some(4),
                ..Default::default()
            }
            .checked()
            .is_ok(),
            "23-3 crosses midnight"
        );
        assert!(
            Occurred {
                year: 2025,
                hour: Some(22),
                hour_band: Some(25),
                ..Default::default()
            }
            .checked()
            .is_err()
        );
    }

    #[test]
    fn fields_are_named() {
        let mut r = base();
        r.lon = Some(109.0);
        assert_eq!(r.check(7).unwrap_err().field, "lat");
        r.lat = Some(95.0);
        assert_eq!(r.check(7).unwrap_err().field, "lon");
        let mut r = base();
        r.km = Some(1540.3);
        assert_eq!(r.check(7).unwrap_err().field, "route");
        let mut r = base();
        r.causes = vec!["bad_luck".into()];
        assert_eq!(r.check(7).unwrap_err().field, "causes");
    }
}

/// The canonical columns of a crash import (CSV/XLSX header names; see the README).
pub const CANONICAL_COLUMNS: &[&str] = &[
    "external_id",
    "occurred_at",
    "year",
    "month",
    "day",
    "weekday",
    "hour",
    "hour_band_start",
    "hour_band_hours",
    "admin_scheme",
    "commune_code",
    "route",
    "km",
    "lon",
    "lat",
    "deaths",
    "injured",
    "property_damage_vnd",
    "severity",
    "description",
    "vehicle_types",
    "causes",
    "weather",
    "light",
];

/// A cell problem of an import row: the canonical column, the i18n key, its argument.
pub type ColumnError = (String, &'static str, String);

fn col_err(c: &str, key: &'static str, arg: &str) -> ColumnError {
    (c.to_string(), key, arg.to_string())
}

impl CrashRecord {
    /// Builds a record from canonical column values (as a mapping produced them).
    pub fn from_canonical(
        v: &std::collections::BTreeMap<String, String>,
    ) -> Result<CrashRecord, ColumnError> {
        use crate::mapping::{parse_decimal, parse_int};
        let get = |k: &str| v.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
        let int = |k: &str| -> Result<Option<i64>, ColumnError> {
            match get(k) {
                None => Ok(None),
                Some(s) => parse_int(s)
                    .map(Some)
                    .ok_or_else(|| col_err(k, "error.bad_number", s)),
            }
        };
        let small = |k: &str| -> Result<Option<i8>, ColumnError> {
            match int(k)? {
                None => Ok(None),
                Some(n) => i8::try_from(n)
                    .map(Some)
                    .map_err(|_| col_err(k, "error.bad_number", &n.to_string())),
            }
        };
        let count = |k: &str| -> Result<u32, ColumnError> {
            match int(k)? {
                None => Ok(0),
                Some(n) => {
                    u32::try_from(n).map_err(|_| col_err(k, "error.bad_number", &n.to_string()))
                }
            }
        };
        let occurred = if let Some(s) = get("occurred_at") {
            parse_local(s).ok_or_else(|| col_err("occurred_at", "error.bad_date", s))?
        } else {
            let year = int("year")?.ok_or_else(|| col_err("year", "error.required", ""))?;
            let year = i16::try_from(year)
                .map_err(|_| col_err("year", "error.crash_year", &year.to_string()))?;
            let hour_band = small("hour_band_hours")?;
            let hour = if hour_band.is_some() {
                small("hour_band_start")?
            } else {
                small("hour")?.or(small("hour_band_start")?)
            };
            Occurred {
                year,
                month: small("month")?,
                day: small("day")?,
                hour,
                minute: None,
                weekday: small("weekday")?,
                hour_band,
            }
        };
        let decimal = |k: &str| -> Result<Option<f64>, ColumnError> {
            match get(k) {
                None => Ok(None),
                Some(s) => parse_decimal(s)
                    .map(Some)
                    .ok_or_else(|| col_err(k, "error.bad_number", s)),
            }
        };
        let km = match get("km") {
            None => None,
            Some(s) => {
                Some(crate::geo::parse_km(s).ok_or_else(|| col_err("km", "error.bad_number", s))?)
            }
        };
        let severity = match get("severity") {
            None => None,
            Some(s) => Some(
                s.parse::<Severity>()
                    .map_err(|_| col_err("severity", "error.bad_value", s))?,
            ),
        };
        let list = |k: &str| -> Vec<String> {
            get(k)
                .map(|s| {
                    s.split([';', ','])
                        .map(|x| x.trim().to_string())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let rec = CrashRecord {
            external_id: get("external_id").map(str::to_string),
            occurred,
            admin_scheme: get("admin_scheme").map(str::to_string),
            commune_code: get("commune_code").map(str::to_string),
            road_code: get("route").map(str::to_string),
            km,
            lon: decimal("lon")?,
            lat: decimal("lat")?,
            deaths: count("deaths")?,
            injured: count("injured")?,
            property_damage_vnd: int("property_damage_vnd")?.unwrap_or(0),
            severity,
            people: Vec::new(),
            vehicles: list("vehicle_types")
                .into_iter()
                .map(|k| Vehicle {
                    kind: k,
                    ..Default::default()
                })
                .collect(),
            causes: list("causes"),
            description: get("description").unwrap_or("").to_string(),
            weather: get("weather").map(str::to_string),
            light: get("light").map(str::to_string),
            synthetic: false,
        };
        Ok(rec.with_severity_counts())
    }
}

/// A local date-time as written: "2025-09-02 18:05", "2025-09-02T18:05:00",
/// "02/09/2025 18:05", or a date alone.
pub fn parse_local(s: &str) -> Option<Occurred> {
    let s = s.trim();
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        return Some(Occurred::exact(dt));
    }
    let (date_part, time_part) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    let date = crate::time::parse_date(date_part)?;
    let mut o = Occurred {
        year: date.year(),
        month: Some(date.month()),
        day: Some(date.day()),
        weekday: Some(date.weekday().to_monday_one_offset()),
        ..Default::default()
    };
    if let Some(t) = time_part.filter(|t| !t.is_empty()) {
        let mut parts = t.split(':');
        let h: i8 = parts.next()?.trim().parse().ok()?;
        let m: i8 = parts
            .next()
            .map(|m| m.trim().parse().ok())
            .unwrap_or(Some(0))?;
        o.hour = Some(h);
        o.minute = Some(m);
    }
    Some(o)
}

#[cfg(test)]
mod canonical_tests {
    use super::*;
    use std::collections::BTreeMap;

    fn row(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn canonical_rows_become_records() {
        let r = CrashRecord::from_canonical(&row(&[
            ("external_id", "CA-1"),
            ("occurred_at", "02/09/2025 18:05"),
            ("commune_code", "22861"),
            ("route", "QL1A"),
            ("km", "Km 1530+250"),
            ("deaths", "1"),
            ("injured", "2"),
            ("property_damage_vnd", "15.000.000"),
            ("vehicle_types", "motorbike; car"),
            ("causes", "speeding"),
        ]))
        .unwrap();
        assert_eq!(r.occurred.precision(), TimePrecision::Minute);
        assert_eq!(r.km, Some(1530.25));
        assert_eq!(r.property_damage_vnd, 15_000_000);
        assert_eq!(r.vehicles.len(), 2);
        assert!(r.check(7).is_ok());
    }

    #[test]
    fn partial_times_and_severity() {
        let r = CrashRecord::from_canonical(&row(&[
            ("external_id", "IE-1"),
            ("year", "2010"),
            ("weekday", "2"),
            ("hour_band_start", "23"),
            ("hour_band_hours", "4"),
            ("severity", "minor_injury"),
            ("lon", "-6.2"),
            ("lat", "53.3"),
        ]))
        .unwrap();
        assert_eq!(r.occurred.precision(), TimePrecision::HourBand);
        assert_eq!(
            (r.deaths, r.injured),
            (0, 1),
            "a minor-injury crash has at least one injured"
        );
        assert!(r.check(7).is_ok());
        let e = CrashRecord::from_canonical(&row(&[("external_id", "X"), ("deaths", "hai")]))
            .unwrap_err();
        assert_eq!(e.0, "year");
        let e = CrashRecord::from_canonical(&row(&[
            ("external_id", "X"),
            ("year", "2020"),
            ("deaths", "hai"),
        ]))
        .unwrap_err();
        assert_eq!((e.0.as_str(), e.1), ("deaths", "error.bad_number"));
    }
}
