//! The shared data hub (issue 8): records that partner agencies send (vehicles and
//! their registration, inspection certificates, driver licences, training and test
//! results, transport businesses and their badges, truck-bed measurements), the checks
//! on each line of a sync, and the cross-checks between them.
//!
//! Security-sensitive: owners' and licence holders' names, ID numbers and addresses are
//! personal data (Law 91/2025/QH15, Decree 356/2025). The record types keep them in a
//! separate [`Person`] so that the layers above can drop them in one place.
//!
//! Pure logic: a sync line arrives as a map of field names to text (from NDJSON or CSV)
//! and is checked here into a typed record or a list of (field, reason) errors.

pub mod checks;

use crate::plates::Plate;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kinds of record a partner can sync, each behind its own API scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Kind {
    Vehicles,
    Inspections,
    Licences,
    Training,
    Businesses,
    Badges,
    Measurements,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::Vehicles,
        Kind::Inspections,
        Kind::Licences,
        Kind::Training,
        Kind::Businesses,
        Kind::Badges,
        Kind::Measurements,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vehicles => "vehicles",
            Kind::Inspections => "inspections",
            Kind::Licences => "licences",
            Kind::Training => "training",
            Kind::Businesses => "businesses",
            Kind::Badges => "badges",
            Kind::Measurements => "measurements",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Plate colours (Circular 79/2024): part of a plate's identity.
pub const COLOURS: &[&str] = &["white", "yellow", "blue", "red"];
/// Vehicle kinds of the registry.
pub const VEHICLE_KINDS: &[&str] = &["car", "truck", "bus", "tractor", "motorbike", "other"];
/// Owner kinds.
pub const OWNER_KINDS: &[&str] = &["person", "org"];
/// GPS tracker status reported for transport vehicles (Decree 10/2020 Art. 12).
pub const GPS_STATUS: &[&str] = &["ok", "offline", "none"];
/// Results of an inspection or a test.
pub const RESULTS: &[&str] = &["pass", "fail"];
/// Driver licence classes (Law 36/2024 Art. 57).
pub const LICENCE_CLASSES: &[&str] = &[
    "A1", "A", "B1", "B", "C1", "C", "D1", "D2", "D", "BE", "C1E", "CE", "D1E", "D2E", "DE",
];
/// Badge kinds (phù hiệu), Decree 10/2020 Art. 20.
pub const BADGE_KINDS: &[&str] = &[
    "fixed_route",
    "bus",
    "taxi",
    "contract",
    "tourist",
    "truck",
    "container",
    "tractor",
];

/// A bad value of a sync line: the field and the i18n key of the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub key: String,
}

fn bad(field: &str, key: &str) -> FieldError {
    FieldError {
        field: field.into(),
        key: key.into(),
    }
}

/// A person or organisation as a record names them: personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    /// "person" or "org".
    pub kind: String,
    pub name: String,
    /// Citizen ID (CCCD, 12 digits) or an organisation's tax code.
    pub id_no: String,
    pub address: String,
}

/// The partner's identity of a record: its own id and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub record_id: String,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vehicle {
    pub plate: Plate,
    pub colour: String,
    pub kind: String,
    pub make: String,
    pub seats: Option<i64>,
    pub load_kg: Option<i64>,
    pub owner: Person,
    pub registered_on: Date,
    /// The transport business operating it (partner's record id), if any.
    pub business_id: Option<String>,
    pub gps_status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inspection {
    pub plate: Plate,
    pub certificate_no: String,
    pub station: String,
    pub inspected_on: Date,
    pub valid_until: Date,
    pub result: String,
    /// Inside dimensions of the truck bed as certified, millimetres.
    pub bed_mm: Option<[i64; 3]>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Licence {
    pub licence_no: String,
    pub class: String,
    pub holder: Person,
    pub birth_date: Option<Date>,
    pub issued_on: Date,
    pub expires_on: Option<Date>,
    pub suspended_until: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Training {
    pub holder_id_no: String,
    pub centre: String,
    pub course: String,
    pub class: String,
    pub test_on: Date,
    pub result: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Business {
    pub name: String,
    pub tax_code: String,
    pub licence_no: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Badge {
    pub plate: Plate,
    pub business_id: String,
    pub kind: String,
    pub valid_from: Date,
    pub valid_until: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurement {
    pub plate: Plate,
    pub measured_on: Date,
    pub place: String,
    pub bed_mm: [i64; 3],
}

/// A checked record of any kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Record {
    Vehicle(Vehicle),
    Inspection(Inspection),
    Licence(Licence),
    Training(Training),
    Business(Business),
    Badge(Badge),
    Measurement(Measurement),
}

impl Record {
    /// The plate the record refers to, for the kinds that need the vehicle to exist.
    pub fn refers_to_plate(&self) -> Option<&Plate> {
        match self {
            Record::Inspection(i) => Some(&i.plate),
            Record::Badge(b) => Some(&b.plate),
            Record::Measurement(m) => Some(&m.plate),
            _ => None,
        }
    }
    /// The key the record is found by: a plate key, a licence number, an ID number.
    pub fn subject_key(&self) -> String {
        match self {
            Record::Vehicle(v) => v.plate.key(),
            Record::Inspection(i) => i.plate.key(),
            Record::Licence(l) => l.licence_no.clone(),
            Record::Training(t) => t.holder_id_no.clone(),
            Record::Business(b) => b.tax_code.clone(),
            Record::Badge(b) => b.plate.key(),
            Record::Measurement(m) => m.plate.key(),
        }
    }
}

/// One line of a sync, as field name → text.
pub type Fields = BTreeMap<String, String>;

struct Reader<'a> {
    f: &'a Fields,
    errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    fn opt(&self, name: &str) -> Option<&'a str> {
        self.f.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
    fn text(&mut self, name: &str) -> String {
        match self.opt(name) {
            // Plain ASCII is already in NFC: skip the normaliser (bulk syncs are mostly ASCII).
            Some(v) if v.is_ascii() && v.len() <= 300 => v.to_string(),
            Some(v) if v.chars().count() <= 300 => crate::text::nfc(v),
            Some(_) => {
                self.errors.push(bad(name, "hub.error.too_long"));
                String::new()
            }
            None => {
                self.errors.push(bad(name, "error.required"));
                String::new()
            }
        }
    }
    fn text_or_empty(&mut self, name: &str) -> String {
        match self.opt(name) {
            Some(_) => self.text(name),
            None => String::new(),
        }
    }
    fn one_of(&mut self, name: &str, list: &[&str]) -> String {
        let v = self.text(name);
        if !v.is_empty() && !list.contains(&v.as_str()) {
            self.errors.push(bad(name, "hub.error.unknown_value"));
        }
        v
    }
    fn opt_one_of(&mut self, name: &str, list: &[&str]) -> Option<String> {
        self.opt(name)?;
        Some(self.one_of(name, list))
    }
    fn date(&mut self, name: &str) -> Date {
        match self.opt_date(name) {
            Some(d) => d,
            None => {
                if self.opt(name).is_none() {
                    self.errors.push(bad(name, "error.required"));
                }
                Date::MIN
            }
        }
    }
    /// A date between 1900 and 2100 (dd/mm/yyyy or YYYY-MM-DD); impossible dates
    /// ("31/02/2025") are refused.
    fn opt_date(&mut self, name: &str) -> Option<Date> {
        let v = self.opt(name)?;
        match crate::time::parse_date(v) {
            Some(d) if (1900..=2100).contains(&d.year()) => Some(d),
            _ => {
                self.errors.push(bad(name, "error.bad_date"));
                None
            }
        }
    }
    fn opt_int(&mut self, name: &str, max: i64) -> Option<i64> {
        let v = self.opt(name)?;
        match v.parse::<i64>() {
            Ok(n) if (0..=max).contains(&n) => Some(n),
            _ => {
                self.errors.push(bad(name, "hub.error.bad_number"));
                None
            }
        }
    }
    fn plate(&mut self, name: &str) -> Plate {
        let raw = self.text(name);
        let p = Plate::parse(&raw);
        if !raw.is_empty() && !p.is_readable() {
            self.errors.push(bad(name, "hub.error.bad_plate"));
        }
        p
    }
    /// Three bed dimensions (length, width, height in mm), all or none.
    fn bed(&mut self) -> Option<[i64; 3]> {
        let names = ["bed_length_mm", "bed_width_mm", "bed_height_mm"];
        let given = names.iter().filter(|n| self.opt(n).is_some()).count();
        if given == 0 {
            return None;
        }
        let mut out = [0i64; 3];
        for (i, n) in names.iter().enumerate() {
            match self.opt_int(n, 30_000) {
                Some(v) if v > 0 => out[i] = v,
                Some(_) => self.errors.push(bad(n, "hub.error.bad_number")),
                None if self.opt(n).is_none() => self.errors.push(bad(n, "error.required")),
                None => {}
            }
        }
        Some(out)
    }
    fn person(&mut self, prefix: &str, kind: Option<&str>) -> Person {
        let kind = match kind {
            Some(k) => k.to_string(),
            None => self.one_of(&format!("{prefix}_kind"), OWNER_KINDS),
        };
        let name = self.text(&format!("{prefix}_name"));
        let id_field = format!("{prefix}_id_no");
        let id_no = self.text(&id_field);
        if !id_no.is_empty() && !check_id_no(&kind, &id_no) {
            self.errors.push(bad(&id_field, "hub.error.bad_id_no"));
        }
        let address = self.text_or_empty(&format!("{prefix}_address"));
        Person {
            kind,
            name,
            id_no,
            address,
        }
    }
    fn order(&mut self, first: Date, first_name: &str, then: Option<Date>, then_name: &str) {
        if let Some(t) = then
            && first != Date::MIN
            && t < first
        {
            let _ = first_name;
            self.errors.push(bad(then_name, "hub.error.date_order"));
        }
    }
}

/// A citizen ID (CCCD) has 12 digits; an organisation's tax code 10 digits, or 13 with
/// a branch suffix ("0101234567-001").
pub fn check_id_no(kind: &str, id: &str) -> bool {
    let digits = id.chars().filter(|c| c.is_ascii_digit()).count();
    match kind {
        "person" => id.len() == 12 && digits == 12,
        _ => {
            let plain: String = id.chars().filter(|c| *c != '-').collect();
            plain.chars().all(|c| c.is_ascii_digit()) && (plain.len() == 10 || plain.len() == 13)
        }
    }
}

/// The partner's record id and version of a line.
pub fn source(f: &Fields) -> Result<Source, Vec<FieldError>> {
    let mut errors = Vec::new();
    let record_id = f.get("record_id").map(|s| s.trim()).unwrap_or("");
    if record_id.is_empty() {
        errors.push(bad("record_id", "error.required"));
    } else if record_id.len() > 100 {
        errors.push(bad("record_id", "hub.error.too_long"));
    }
    let version = match f.get("version").map(|s| s.trim()) {
        None | Some("") => {
            errors.push(bad("version", "error.required"));
            0
        }
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 1 => n,
            _ => {
                errors.push(bad("version", "hub.error.bad_version"));
                0
            }
        },
    };
    if errors.is_empty() {
        Ok(Source {
            record_id: record_id.to_string(),
            version,
        })
    } else {
        Err(errors)
    }
}

/// Checks one line of a sync of `kind`, dated `today` (no date may be in the future
/// where the fact must already have happened).
pub fn parse(kind: Kind, f: &Fields, today: Date) -> Result<Record, Vec<FieldError>> {
    let mut r = Reader {
        f,
        errors: Vec::new(),
    };
    let rec = match kind {
        Kind::Vehicles => {
            let plate = r.plate("plate");
            let colour = r.one_of("colour", COLOURS);
            let vkind = r.one_of("kind", VEHICLE_KINDS);
            let make = r.text_or_empty("make");
            let seats = r.opt_int("seats", 100);
            let load_kg = r.opt_int("load_kg", 200_000);
            let owner = r.person("owner", None);
            let registered_on = r.date("registered_on");
            if registered_on != Date::MIN && registered_on > today {
                r.errors.push(bad("registered_on", "hub.error.future_date"));
            }
            let business_id = r.opt("business_id").map(str::to_string);
            let gps_status = r.opt_one_of("gps_status", GPS_STATUS);
            Record::Vehicle(Vehicle {
                plate,
                colour,
                kind: vkind,
                make,
                seats,
                load_kg,
                owner,
                registered_on,
                business_id,
                gps_status,
            })
        }
        Kind::Inspections => {
            let plate = r.plate("plate");
            let certificate_no = r.text("certificate_no");
            let station = r.text("station");
            let inspected_on = r.date("inspected_on");
            if inspected_on != Date::MIN && inspected_on > today {
                r.errors.push(bad("inspected_on", "hub.error.future_date"));
            }
            let valid_until = r.date("valid_until");
            r.order(
                inspected_on,
                "inspected_on",
                Some(valid_until).filter(|d| *d != Date::MIN),
                "valid_until",
            );
            let result = r.one_of("result", RESULTS);
            let bed_mm = r.bed();
            Record::Inspection(Inspection {
                plate,
                certificate_no,
                station,
                inspected_on,
                valid_until,
                result,
                bed_mm,
            })
        }
        Kind::Licences => {
            let licence_no = r.text("licence_no");
            if !licence_no.is_empty() && !licence_no.chars().all(|c| c.is_ascii_alphanumeric()) {
                r.errors.push(bad("licence_no", "hub.error.bad_licence_no"));
            }
            let class = r.one_of("class", LICENCE_CLASSES);
            let holder = r.person("holder", Some("person"));
            let birth_date = r.opt_date("birth_date");
            let issued_on = r.date("issued_on");
            if issued_on != Date::MIN && issued_on > today {
                r.errors.push(bad("issued_on", "hub.error.future_date"));
            }
            if let Some(b) = birth_date
                && issued_on != Date::MIN
                && b >= issued_on
            {
                r.errors.push(bad("birth_date", "hub.error.date_order"));
            }
            let expires_on = r.opt_date("expires_on");
            r.order(issued_on, "issued_on", expires_on, "expires_on");
            let suspended_until = r.opt_date("suspended_until");
            Record::Licence(Licence {
                licence_no,
                class,
                holder,
                birth_date,
                issued_on,
                expires_on,
                suspended_until,
            })
        }
        Kind::Training => {
            let holder_id_no = r.text("holder_id_no");
            if !holder_id_no.is_empty() && !check_id_no("person", &holder_id_no) {
                r.errors.push(bad("holder_id_no", "hub.error.bad_id_no"));
            }
            let centre = r.text("centre");
            let course = r.text("course");
            let class = r.one_of("class", LICENCE_CLASSES);
            let test_on = r.date("test_on");
            if test_on != Date::MIN && test_on > today {
                r.errors.push(bad("test_on", "hub.error.future_date"));
            }
            let result = r.one_of("result", RESULTS);
            Record::Training(Training {
                holder_id_no,
                centre,
                course,
                class,
                test_on,
                result,
            })
        }
        Kind::Businesses => {
            let name = r.text("name");
            let tax_code = r.text("tax_code");
            if !tax_code.is_empty() && !check_id_no("org", &tax_code) {
                r.errors.push(bad("tax_code", "hub.error.bad_id_no"));
            }
            let licence_no = r.text_or_empty("licence_no");
            let address = r.text_or_empty("address");
            Record::Business(Business {
                name,
                tax_code,
                licence_no,
                address,
            })
        }
        Kind::Badges => {
            let plate = r.plate("plate");
            let business_id = r.text("business_id");
            let bkind = r.one_of("kind", BADGE_KINDS);
            let valid_from = r.date("valid_from");
            let valid_until = r.date("valid_until");
            r.order(
                valid_from,
                "valid_from",
                Some(valid_until).filter(|d| *d != Date::MIN),
                "valid_until",
            );
            Record::Badge(Badge {
                plate,
                business_id,
                kind: bkind,
                valid_from,
                valid_until,
            })
        }
        Kind::Measurements => {
            let plate = r.plate("plate");
            let measured_on = r.date("measured_on");
            if measured_on != Date::MIN && measured_on > today {
                r.errors.push(bad("measured_on", "hub.error.future_date"));
            }
            let place = r.text("place");
            let bed = r.bed();
            if bed.is_none() {
                r.errors.push(bad("bed_length_mm", "error.required"));
            }
            Record::Measurement(Measurement {
                plate,
                measured_on,
                place,
                bed_mm: bed.unwrap_or([0; 3]),
            })
        }
    };
    if r.errors.is_empty() {
        Ok(rec)
    } else {
        Err(r.errors)
    }
}

/// Turns one NDJSON line into fields: strings as they are, numbers and booleans as
/// their text, null as absent. Nested values are refused. The line is read straight
/// into the fields (no intermediate JSON tree: a sync reads a million of them).
pub fn json_fields(line: &str) -> Result<Fields, FieldError> {
    use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
    /// One value of the object: its text, absent (null), or nested (refused).
    enum Scalar {
        Text(String),
        Absent,
        Nested,
    }
    struct ScalarVisitor;
    impl<'de> Visitor<'de> for ScalarVisitor {
        type Value = Scalar;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a string, number, boolean or null")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
            Ok(Scalar::Text(v.to_string()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
            Ok(Scalar::Text(v))
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
            Ok(Scalar::Text(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
            Ok(Scalar::Text(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
            Ok(Scalar::Text(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
            // The same text serde_json gives a number.
            Ok(Scalar::Text(
                serde_json::Number::from_f64(v)
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            ))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
            Ok(Scalar::Absent)
        }
        fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
            Ok(Scalar::Absent)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Scalar, A::Error> {
            while a.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Scalar::Nested)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Scalar, A::Error> {
            while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Scalar::Nested)
        }
    }
    impl<'de> serde::Deserialize<'de> for Scalar {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
            d.deserialize_any(ScalarVisitor)
        }
    }
    /// The object: its fields, or the first key holding a nested value.
    struct ObjectVisitor;
    impl<'de> Visitor<'de> for ObjectVisitor {
        type Value = Result<Fields, String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            let mut out = Fields::new();
            let mut nested: Option<String> = None;
            while let Some(k) = a.next_key::<String>()? {
                match a.next_value::<Scalar>()? {
                    Scalar::Text(v) => {
                        out.insert(k, v);
                    }
                    Scalar::Absent => {
                        // A later null clears an earlier value, as in a JSON object.
                        out.remove(&k);
                    }
                    Scalar::Nested => {
                        // The first nested key in the line's order is named.
                        nested.get_or_insert(k);
                    }
                }
            }
            Ok(match nested {
                Some(k) => Err(k),
                None => Ok(out),
            })
        }
    }
    let mut de = serde_json::Deserializer::from_str(line);
    let parsed = de
        .deserialize_map(ObjectVisitor)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|_| bad("line", "hub.error.bad_json"))?;
    parsed.map_err(|k| bad(&k, "hub.error.nested"))
}

/// The purposes a person may give for reading personal data (Decree 356/2025: data is
/// processed for a stated purpose).
pub const PURPOSES: &[&str] = &[
    "violation_handling",
    "crash_investigation",
    "inspection",
    "owner_notice",
    "data_subject_request",
    "audit",
];

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn vehicle() -> Fields {
        fields(&[
            ("record_id", "V1"),
            ("version", "1"),
            ("plate", "79a-123.45"),
            ("colour", "white"),
            ("kind", "car"),
            ("owner_kind", "person"),
            ("owner_name", "Nguyễn Văn An"),
            ("owner_id_no", "056090001234"),
            ("registered_on", "05/03/2024"),
        ])
    }

    #[test]
    fn a_vehicle_line_is_read_with_its_plate_normalised() {
        let Record::Vehicle(v) = parse(Kind::Vehicles, &vehicle(), date(2025, 1, 1)).unwrap()
        else {
            panic!()
        };
        assert_eq!(v.plate.display(), "79A-123.45");
        assert_eq!(v.registered_on, date(2024, 3, 5));
        assert_eq!(v.owner.id_no, "056090001234");
    }

    #[test]
    fn bad_lines_name_each_field() {
        let mut f = vehicle();
        f.insert("plate".into(), "XYZ".into());
        f.insert("registered_on".into(), "31/02/2024".into());
        f.insert("owner_id_no".into(), "123".into());
        f.insert("colour".into(), "green".into());
        let e = parse(Kind::Vehicles, &f, date(2025, 1, 1)).unwrap_err();
        let got: Vec<(&str, &str)> = e
            .iter()
            .map(|e| (e.field.as_str(), e.key.as_str()))
            .collect();
        assert!(got.contains(&("plate", "hub.error.bad_plate")), "{got:?}");
        assert!(
            got.contains(&("registered_on", "error.bad_date")),
            "{got:?}"
        );
        assert!(
            got.contains(&("owner_id_no", "hub.error.bad_id_no")),
            "{got:?}"
        );
        assert!(
            got.contains(&("colour", "hub.error.unknown_value")),
            "{got:?}"
        );
    }

    #[test]
    fn certificate_dates_must_be_in_order_and_past() {
        let f = fields(&[
            ("plate", "51K-678.90"),
            ("certificate_no", "KĐ-1"),
            ("station", "7901D"),
            ("inspected_on", "2025-06-01"),
            ("valid_until", "2025-05-01"),
            ("result", "pass"),
            ("bed_length_mm", "6000"),
        ]);
        let e = parse(Kind::Inspections, &f, date(2025, 1, 1)).unwrap_err();
        let got: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert!(got.contains(&"inspected_on"), "{got:?}");
        assert!(got.contains(&"valid_until"), "{got:?}");
        assert!(got.contains(&"bed_width_mm"), "{got:?}");
    }

    #[test]
    fn source_needs_an_id_and_a_positive_version() {
        assert!(source(&fields(&[("record_id", "A"), ("version", "0")])).is_err());
        assert!(source(&fields(&[("version", "2")])).is_err());
        assert_eq!(
            source(&fields(&[("record_id", "A"), ("version", "3")])).unwrap(),
            Source {
                record_id: "A".into(),
                version: 3
            }
        );
    }

    #[test]
    fn json_lines_become_fields() {
        let f = json_fields(r#"{"record_id":"X","version":2,"seats":null}"#).unwrap();
        assert_eq!(f.get("version").unwrap(), "2");
        assert!(!f.contains_key("seats"));
        assert!(json_fields("[1]").is_err());
        let e = json_fields(r#"{"x":"1","a":{"b":1},"c":[2]}"#).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.key.as_str()),
            ("a", "hub.error.nested")
        );
        let f = json_fields(r#"{"ok":true,"load":-1.5,"big":18446744073709551615,"s":"Hòa\n"}"#)
            .unwrap();
        assert_eq!(f["ok"], "true");
        assert_eq!(f["load"], "-1.5");
        assert_eq!(f["big"], "18446744073709551615");
        assert_eq!(f["s"], "Hòa\n");
        // Trailing text and broken lines are refused as bad JSON, naming the line.
        for bad in [r#"{"a":"1"} x"#, r#"{"a":"#, "", "42"] {
            let e = json_fields(bad).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.key.as_str()),
                ("line", "hub.error.bad_json"),
                "{bad}"
            );
        }
    }

    #[test]
    fn id_numbers() {
        assert!(check_id_no("person", "056090001234"));
        assert!(!check_id_no("person", "05609000123"));
        assert!(check_id_no("org", "0101234567"));
        assert!(check_id_no("org", "0101234567-001"));
    }
}
