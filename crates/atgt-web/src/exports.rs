//! Crash exports: CSV (UTF-8 with BOM), XLSX, GeoJSON, the three-criteria statistics as
//! XLSX, and the periodic three-criteria report as a Decree 30/2020 DOCX.
//!
//! Times are shown in Vietnam time (Asia/Ho_Chi_Minh) and only as precisely as they are
//! known: a crash known to the month has no day, one known to the year has neither.
//!
//! - CSV is for data interchange: ISO dates (yyyy-mm-dd), "." as decimal point, codes
//!   rather than names; free-text cells that Excel would read as a formula get a
//!   leading apostrophe. Officials opening the data in Excel get the XLSX.
//! - XLSX writes typed cells: dates and times as Excel dates, counts and money as
//!   numbers with a thousands format (Excel shows the separators of the user's locale).
//! - GeoJSON is RFC 7946 (WGS 84 longitude, latitude) and loads in QGIS as is.
//! - The DOCX speaks in the requested language; in Vietnamese, numbers are written
//!   "1.234,5", the minus sign is "−" (U+2212), and dates follow Decree 30/2020.

use crate::docx::{self, AdminDoc, Block};
use anyhow::Context as _;
use atgt_core::crashes::{CrashClass, pct_change};
use atgt_core::geo::{Point, format_km};
use atgt_core::i18n::{Lang, has, t, tf};
use atgt_core::time::{format_date, from_micros, local};
use atgt_store::crashes::Crash;
use atgt_store::crashes::stats::{Dim, StatRow, Stats};
use jiff::civil::Date;
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Labels for codes (commune names etc.) supplied by the caller; a missing label shows
/// the code itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Labels {
    pub communes: HashMap<String, String>,
    pub provinces: HashMap<String, String>,
    pub districts: HashMap<String, String>,
    pub roads: HashMap<String, String>,
}

fn label_of(map: &HashMap<String, String>, code: &str) -> String {
    map.get(code).cloned().unwrap_or_else(|| code.to_string())
}

/// The message `{prefix}.{code}` when the catalog has it, else the code.
fn catalog_label(lang: Lang, prefix: &str, code: &str) -> String {
    let key = format!("{prefix}.{code}");
    if has(lang, &key) {
        t(lang, &key).to_string()
    } else {
        code.to_string()
    }
}

fn class_label(lang: Lang, c: CrashClass) -> String {
    catalog_label(lang, "crash_class", c.as_str())
}

// ---------------------------------------------------------------------------------------
// Crash table: one column model for CSV and XLSX.
// ---------------------------------------------------------------------------------------

/// A typed cell value.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Money(i64),
    Coord(f64),
    Date(Date),
    /// Hour and minute of the day.
    Time(i8, i8),
    DateTime(jiff::civil::DateTime),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Id,
    ExternalId,
    Date,
    Time,
    Precision,
    ProvinceCode,
    Province,
    DistrictCode,
    District,
    CommuneCode,
    Commune,
    RecordedCommune,
    RoadCode,
    Road,
    Km,
    Lon,
    Lat,
    Deaths,
    Injured,
    Damage,
    Class,
    ClassCode,
    Provision,
    Provisional,
    Vehicles,
    Causes,
    Description,
    Synthetic,
    Source,
    Version,
    Updated,
}

impl Col {
    /// The columns; name columns only when labels are given (XLSX).
    fn all(with_names: bool) -> Vec<Col> {
        use Col::*;
        let mut v = vec![Id, ExternalId, Date, Time, Precision, ProvinceCode];
        if with_names {
            v.push(Province);
        }
        v.push(DistrictCode);
        if with_names {
            v.push(District);
        }
        v.push(CommuneCode);
        if with_names {
            v.push(Commune);
        }
        v.extend([RecordedCommune, RoadCode]);
        if with_names {
            v.push(Road);
        }
        v.extend([
            Km,
            Lon,
            Lat,
            Deaths,
            Injured,
            Damage,
            Class,
            ClassCode,
            Provision,
            Provisional,
            Vehicles,
            Causes,
            Description,
            Synthetic,
            Source,
            Version,
            Updated,
        ]);
        v
    }

    fn key(self) -> &'static str {
        use Col::*;
        match self {
            Id => "export.col_id",
            ExternalId => "export.col_external_id",
            Date => "export.col_date",
            Time => "export.col_time",
            Precision => "export.col_precision",
            ProvinceCode => "export.col_province_code",
            Province => "export.col_province",
            DistrictCode => "export.col_district_code",
            District => "export.col_district",
            CommuneCode => "export.col_commune_code",
            Commune => "export.col_commune",
            RecordedCommune => "export.col_recorded_commune",
            RoadCode => "export.col_road_code",
            Road => "export.col_road",
            Km => "export.col_km",
            Lon => "export.col_lon",
            Lat => "export.col_lat",
            Deaths => "export.col_deaths",
            Injured => "export.col_injured",
            Damage => "export.col_damage",
            Class => "export.col_class",
            ClassCode => "export.col_class_code",
            Provision => "export.col_provision",
            Provisional => "export.col_provisional",
            Vehicles => "export.col_vehicles",
            Causes => "export.col_causes",
            Description => "export.col_description",
            Synthetic => "export.col_synthetic",
            Source => "export.col_source",
            Version => "export.col_version",
            Updated => "export.col_updated",
        }
    }

    /// Column width in Excel character units.
    fn width(self) -> f64 {
        use Col::*;
        match self {
            Id | Version => 8.0,
            Time => 9.0,
            Deaths | Injured | ProvinceCode | DistrictCode | CommuneCode | RecordedCommune => 11.0,
            Date | Lon | Lat | RoadCode | Synthetic | Provisional => 12.0,
            ExternalId | Precision | Km | ClassCode => 14.0,
            Damage | Updated | Source => 17.0,
            Province | District | Commune | Road | Class | Provision => 22.0,
            Vehicles | Causes => 28.0,
            Description => 60.0,
        }
    }

    fn is_free_text(self) -> bool {
        matches!(self, Col::ExternalId | Col::Description | Col::Source)
    }
}

fn opt_text(s: &Option<String>) -> Cell {
    match s.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => Cell::Text(s.to_string()),
        _ => Cell::Empty,
    }
}

fn opt_label(code: &Option<String>, map: Option<&HashMap<String, String>>) -> Cell {
    match (code.as_deref().filter(|c| !c.is_empty()), map) {
        (Some(c), Some(m)) => Cell::Text(label_of(m, c)),
        (Some(c), None) => Cell::Text(c.to_string()),
        _ => Cell::Empty,
    }
}

fn yes_no(lang: Lang, b: bool) -> Cell {
    Cell::Text(t(lang, if b { "common.yes" } else { "common.no" }).to_string())
}

/// The current commune when resolved, else the commune as recorded.
fn commune_of(c: &Crash) -> Option<String> {
    c.cur_commune_code
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| c.commune_code.clone().filter(|s| !s.is_empty()))
}

/// The local date as far as it is known: the date itself, or the month / year as text
/// ("2023-09" / "2023") when the day or month is unknown.
fn date_cell(c: &Crash) -> Cell {
    let d: Option<Date> = c.local_date.parse().ok();
    match (c.time_precision.as_str(), d) {
        ("month", Some(d)) => Cell::Text(format!("{:04}-{:02}", d.year(), d.month())),
        ("year", _) => Cell::Text(c.year.to_string()),
        (_, Some(d)) => Cell::Date(d),
        (_, None) => Cell::Text(c.local_date.clone()),
    }
}

/// The local time as far as it is known: minutes for an exact time, the (band's start)
/// hour otherwise.
fn time_cell(c: &Crash) -> Cell {
    match c.time_precision.as_str() {
        "minute" => {
            let z = local(from_micros(c.occurred_at_us));
            Cell::Time(z.hour(), z.minute())
        }
        "hour" | "hour_band" => match c.hour {
            Some(h) if (0..24).contains(&h) => Cell::Time(h as i8, 0),
            _ => Cell::Empty,
        },
        _ => Cell::Empty,
    }
}

fn cell(col: Col, c: &Crash, lang: Lang, labels: Option<&Labels>) -> Cell {
    use Col::*;
    match col {
        Id => Cell::Int(c.id),
        ExternalId => opt_text(&c.external_id),
        Date => date_cell(c),
        Time => time_cell(c),
        Precision => Cell::Text(catalog_label(
            lang,
            "export",
            &format!("precision_{}", c.time_precision),
        )),
        ProvinceCode => opt_text(&c.cur_province_code),
        Province => opt_label(&c.cur_province_code, labels.map(|l| &l.provinces)),
        DistrictCode => opt_text(&c.old_district_code),
        District => opt_label(&c.old_district_code, labels.map(|l| &l.districts)),
        CommuneCode => opt_text(&commune_of(c)),
        Commune => opt_label(&commune_of(c), labels.map(|l| &l.communes)),
        RecordedCommune => opt_text(&c.commune_code),
        RoadCode => opt_text(&c.road_code),
        Road => opt_label(&c.road_code, labels.map(|l| &l.roads)),
        Km => match c.km {
            Some(k) if k.is_finite() => Cell::Text(format_km(k)),
            _ => Cell::Empty,
        },
        Lon => c
            .lon
            .filter(|v| v.is_finite())
            .map_or(Cell::Empty, Cell::Coord),
        Lat => c
            .lat
            .filter(|v| v.is_finite())
            .map_or(Cell::Empty, Cell::Coord),
        Deaths => Cell::Int(c.deaths),
        Injured => Cell::Int(c.injured),
        Damage => Cell::Money(c.property_damage_vnd),
        Class => Cell::Text(class_label(lang, c.class)),
        ClassCode => Cell::Text(c.class.as_str().to_string()),
        Provision => Cell::Text(c.class_provision.clone()),
        Provisional => yes_no(lang, c.class_provisional),
        Vehicles => Cell::Text(
            c.vehicle_types
                .iter()
                .map(|v| catalog_label(lang, "vehicle_kind", v))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Causes => Cell::Text(
            c.causes
                .iter()
                .map(|v| catalog_label(lang, "crash_cause", v))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Description => Cell::Text(c.description.clone()),
        Synthetic => yes_no(lang, c.synthetic),
        Source => Cell::Text(c.source.clone()),
        Version => Cell::Int(c.version),
        Updated => Cell::DateTime(local(from_micros(c.updated_at_us)).datetime()),
    }
}

/// Guards against CSV formula injection: a cell Excel would evaluate gets a leading
/// apostrophe.
fn defuse(s: String) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s
    }
}

fn csv_text(col: Col, cell: Cell) -> String {
    let s = match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) => s,
        Cell::Int(n) | Cell::Money(n) => n.to_string(),
        Cell::Coord(v) => format!("{v:.6}"),
        Cell::Date(d) => d.to_string(),
        Cell::Time(h, m) => format!("{h:02}:{m:02}"),
        Cell::DateTime(dt) => dt.strftime("%Y-%m-%d %H:%M:%S").to_string(),
    };
    if col.is_free_text() { defuse(s) } else { s }
}

/// The crashes as CSV: UTF-8 with a byte-order mark (so Excel reads Vietnamese
/// correctly), a header row in `lang`, one row per crash.
pub fn crashes_csv(rows: &[Crash], lang: Lang) -> Vec<u8> {
    let cols = Col::all(false);
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        // Writing to a Vec cannot fail.
        let _ = w.write_record(cols.iter().map(|c| t(lang, c.key())));
        for c in rows {
            let _ = w.write_record(
                cols.iter()
                    .map(|&col| csv_text(col, cell(col, c, lang, None))),
            );
        }
        let _ = w.flush();
    }
    out
}

// ---------------------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------------------

/// Excel cells hold at most 32 767 characters.
fn clip(s: &str) -> &str {
    const MAX: usize = 32_000;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn excel_date(d: Date) -> anyhow::Result<ExcelDateTime> {
    Ok(ExcelDateTime::from_ymd(
        u16::try_from(d.year()).context("year")?,
        d.month() as u8,
        d.day() as u8,
    )?)
}

struct Formats {
    header: Format,
    text: Format,
    int: Format,
    money: Format,
    coord: Format,
    date: Format,
    time: Format,
    datetime: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new()
            .set_font_name("Times New Roman")
            .set_font_size(12);
        Formats {
            header: base
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border(FormatBorder::Thin),
            text: base.clone(),
            int: base.clone().set_num_format("#,##0"),
            money: base.clone().set_num_format("#,##0"),
            coord: base.clone().set_num_format("0.000000"),
            date: base.clone().set_num_format("dd/mm/yyyy"),
            time: base.clone().set_num_format("hh:mm"),
            datetime: base.set_num_format("dd/mm/yyyy hh:mm"),
        }
    }
}

fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    cell: Cell,
    f: &Formats,
) -> anyhow::Result<()> {
    match cell {
        Cell::Empty => {}
        Cell::Text(s) => {
            ws.write_string_with_format(row, col, clip(&s), &f.text)?;
        }
        Cell::Int(n) => {
            ws.write_number_with_format(row, col, n as f64, &f.int)?;
        }
        Cell::Money(n) => {
            ws.write_number_with_format(row, col, n as f64, &f.money)?;
        }
        Cell::Coord(v) => {
            ws.write_number_with_format(row, col, v, &f.coord)?;
        }
        Cell::Date(d) => {
            ws.write_datetime_with_format(row, col, excel_date(d)?, &f.date)?;
        }
        Cell::Time(h, m) => {
            let tm = ExcelDateTime::from_hms(h as u16, m as u8, 0)?;
            ws.write_datetime_with_format(row, col, tm, &f.time)?;
        }
        Cell::DateTime(dt) => {
            let v =
                excel_date(dt.date())?.and_hms(dt.hour() as u16, dt.minute() as u8, dt.second())?;
            ws.write_datetime_with_format(row, col, v, &f.datetime)?;
        }
    }
    Ok(())
}

/// The crashes as an XLSX workbook: one sheet, bold frozen header row with an
/// autofilter, set column widths, dates and times as Excel dates in Vietnam time,
/// property damage as whole đồng with a thousands format; codes are followed by their
/// names from `labels`.
pub fn crashes_xlsx(rows: &[Crash], lang: Lang, labels: &Labels) -> anyhow::Result<Vec<u8>> {
    let cols = Col::all(true);
    let f = Formats::new();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t(lang, "export.sheet_crashes"))?;
    for (i, col) in cols.iter().enumerate() {
        let i = i as u16;
        ws.set_column_width(i, col.width())?;
        ws.write_string_with_format(0, i, t(lang, col.key()), &f.header)?;
    }
    ws.set_row_height(0, 32)?;
    for (r, c) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).context("too many rows")?;
        for (i, &col) in cols.iter().enumerate() {
            write_cell(ws, r, i as u16, cell(col, c, lang, Some(labels)), &f)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(rows.len()).context("too many rows")?;
    ws.autofilter(0, 0, last_row, cols.len() as u16 - 1)?;
    Ok(wb.save_to_buffer()?)
}

// ---------------------------------------------------------------------------------------
// GeoJSON
// ---------------------------------------------------------------------------------------

/// The crashes with coordinates as a GeoJSON FeatureCollection of Points (longitude,
/// latitude); crashes without valid coordinates are left out.
pub fn crashes_geojson(rows: &[Crash], lang: Lang) -> Value {
    let features: Vec<Value> = rows
        .iter()
        .filter_map(|c| {
            let (lon, lat) = (c.lon?, c.lat?);
            if !Point::new(lon, lat).is_valid() {
                return None;
            }
            let date = match date_cell(c) {
                Cell::Date(d) => d.to_string(),
                Cell::Text(s) => s,
                _ => c.local_date.clone(),
            };
            let time = match time_cell(c) {
                Cell::Time(h, m) => Some(format!("{h:02}:{m:02}")),
                _ => None,
            };
            // An instant QGIS can read as a date-time, when the time is known.
            let occurred_at =
                (c.time_precision == "minute" || c.time_precision == "hour").then(|| {
                    local(from_micros(c.occurred_at_us))
                        .strftime("%Y-%m-%dT%H:%M:%S%:z")
                        .to_string()
                });
            Some(json!({
                "type": "Feature",
                "id": c.id,
                "geometry": { "type": "Point", "coordinates": [lon, lat] },
                "properties": {
                    "id": c.id,
                    "external_id": c.external_id,
                    "date": date,
                    "time": time,
                    "time_precision": c.time_precision,
                    "occurred_at": occurred_at,
                    "class": c.class.as_str(),
                    "class_label": class_label(lang, c.class),
                    "class_provisional": c.class_provisional,
                    "deaths": c.deaths,
                    "injured": c.injured,
                    "property_damage_vnd": c.property_damage_vnd,
                    "road": c.road_code,
                    "km": c.km.filter(|k| k.is_finite()).map(format_km),
                    "commune_code": commune_of(c),
                    "province_code": c.cur_province_code,
                    "synthetic": c.synthetic,
                    // For the map's popups (the same site's page of the crash).
                    "name": format!("{} — {}", class_label(lang, c.class), date),
                    "url": format!("/crashes/{}", c.id),
                }
            }))
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

// ---------------------------------------------------------------------------------------
// Numbers, dates and statistics keys as people write them
// ---------------------------------------------------------------------------------------

const MINUS: char = '\u{2212}';

fn separators(lang: Lang) -> (char, char) {
    match lang {
        Lang::Vi => ('.', ','),
        Lang::En => (',', '.'),
    }
}

/// "1.234" (vi) / "1,234" (en); negative numbers with "−".
pub fn format_int(n: i64, lang: Lang) -> String {
    let (thousands, _) = separators(lang);
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(thousands);
        }
        out.push(ch);
    }
    if n < 0 {
        out.insert(0, MINUS);
    }
    out
}

/// A change with its sign: "+4", "−2", "0".
pub fn format_signed(n: i64, lang: Lang) -> String {
    if n > 0 {
        format!("+{}", format_int(n, lang))
    } else {
        format_int(n, lang)
    }
}

/// A percentage change with its sign and one decimal, a trailing ",0" dropped:
/// "−12,5%", "+30,8%", "−25%", "0%".
pub fn format_pct(p: f64, lang: Lang) -> String {
    let (_, decimal) = separators(lang);
    let tenths = (p * 10.0).round() as i64;
    let whole = format_int(tenths.abs() / 10, lang);
    let frac = tenths.abs() % 10;
    let body = if frac == 0 {
        whole
    } else {
        format!("{whole}{decimal}{frac}")
    };
    let sign = match tenths.signum() {
        1 => "+".to_string(),
        -1 => MINUS.to_string(),
        _ => String::new(),
    };
    format!("{sign}{body}%")
}

/// The rate of change as a cell: "−12,5%", or "–" when the same period had none.
fn pct_cell(before: i64, now: i64, lang: Lang) -> String {
    pct_change(before, now).map_or_else(|| "–".to_string(), |p| format_pct(p, lang))
}

/// Decree 30/2020 writes the day and months 1 and 2 with a leading zero:
/// "ngày 05 tháng 02 năm 2024", "ngày 20 tháng 9 năm 2023".
pub fn place_date(place: &str, d: Date, lang: Lang) -> String {
    let day = if d.day() < 10 {
        format!("0{}", d.day())
    } else {
        d.day().to_string()
    };
    let month = if d.month() < 3 {
        format!("0{}", d.month())
    } else {
        d.month().to_string()
    };
    let s = tf(
        lang,
        "export.docx_place_date",
        &[
            ("place", place.trim()),
            ("d", &day),
            ("m", &month),
            ("y", &d.year().to_string()),
        ],
    );
    if place.trim().is_empty() {
        // No place: start with the date ("Ngày 20 tháng 9 năm 2023").
        let s = s.trim_start_matches([',', ' ']).to_string();
        let mut ch = s.chars();
        match ch.next() {
            Some(first) => first.to_uppercase().chain(ch).collect(),
            None => s,
        }
    } else {
        s
    }
}

/// "dd/mm/yyyy" of an ISO date string; the string itself when it is not a date.
fn dmy(iso: &str) -> String {
    iso.parse::<Date>()
        .map(format_date)
        .unwrap_or_else(|_| iso.to_string())
}

fn dim_key(dim: Dim) -> String {
    format!("export.dim_{}", dim.as_str())
}

/// The label of a statistics key: a name for an area or road, "Tháng 9/2023" for a
/// month, "Thứ Hai" for a weekday, …
pub fn key_label(dim: Dim, key: &str, lang: Lang, labels: &Labels) -> String {
    let unknown = || t(lang, "export.unknown").to_string();
    if key.is_empty() || key == "?" {
        return unknown();
    }
    let hour = |h: &str| -> Option<String> {
        let h: u8 = h.parse().ok().filter(|h| *h < 24)?;
        Some(tf(
            lang,
            "export.key_hour",
            &[("h", &h.to_string()), ("h1", &(h + 1).to_string())],
        ))
    };
    let weekday = |w: &str| -> Option<String> {
        let w: u8 = w.parse().ok().filter(|w| (1..=7).contains(w))?;
        Some(t(lang, &format!("export.weekday_{w}")).to_string())
    };
    match dim {
        Dim::Total => t(lang, "export.key_total").to_string(),
        Dim::Province => label_of(&labels.provinces, key),
        Dim::Commune => label_of(&labels.communes, key),
        Dim::OldDistrict => label_of(&labels.districts, key),
        Dim::Road => label_of(&labels.roads, key),
        Dim::Year => tf(lang, "export.key_year", &[("y", key)]),
        Dim::Quarter => match key.split_once("-Q") {
            Some((y, "?")) => tf(lang, "export.key_quarter_unknown", &[("y", y)]),
            Some((y, q)) => {
                let q = match (lang, q) {
                    (Lang::Vi, "1") => "I",
                    (Lang::Vi, "2") => "II",
                    (Lang::Vi, "3") => "III",
                    (Lang::Vi, "4") => "IV",
                    _ => q,
                };
                tf(lang, "export.key_quarter", &[("y", y), ("q", q)])
            }
            None => key.to_string(),
        },
        Dim::Month => match key.split_once('-') {
            Some((y, "??")) => tf(lang, "export.key_month_unknown", &[("y", y)]),
            Some((y, m)) => match m.parse::<u8>() {
                Ok(m) => tf(lang, "export.key_month", &[("y", y), ("m", &m.to_string())]),
                Err(_) => key.to_string(),
            },
            None => key.to_string(),
        },
        Dim::Class => match key.parse::<CrashClass>() {
            Ok(c) => class_label(lang, c),
            Err(_) => key.to_string(),
        },
        Dim::VehicleType => catalog_label(lang, "vehicle_kind", key),
        Dim::Cause => catalog_label(lang, "crash_cause", key),
        Dim::AgeGroup => catalog_label(lang, "age_group", key),
        Dim::Hour => hour(key).unwrap_or_else(|| key.to_string()),
        Dim::Weekday => weekday(key).unwrap_or_else(|| key.to_string()),
        Dim::HourWeekday => match key.split_once('-') {
            Some((w, h)) => {
                let w = weekday(w).unwrap_or_else(unknown);
                let h = hour(h).unwrap_or_else(unknown);
                format!("{w}, {h}")
            }
            None => key.to_string(),
        },
    }
}

/// (current, previous) for each criterion, in the order crashes, deaths, injured.
fn criteria(r: &StatRow) -> [(i64, i64); 3] {
    [
        (r.crashes, r.prev_crashes),
        (r.deaths, r.prev_deaths),
        (r.injured, r.prev_injured),
    ]
}

const CRITERIA: [&str; 3] = [
    "export.crit_crashes",
    "export.crit_deaths",
    "export.crit_injured",
];

// ---------------------------------------------------------------------------------------
// Statistics as XLSX
// ---------------------------------------------------------------------------------------

/// The three criteria by the statistics' dimension, with the same period of the year
/// before, the change and its rate, and a total row; one sheet, the period in a title
/// row.
pub fn stats_xlsx(stats: &Stats, lang: Lang, labels: &Labels) -> anyhow::Result<Vec<u8>> {
    let base = Format::new()
        .set_font_name("Times New Roman")
        .set_font_size(12);
    let border = |f: Format| f.set_border(FormatBorder::Thin);
    let title = base.clone().set_bold().set_font_size(14).set_text_wrap();
    let header = border(
        base.clone()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color(Color::RGB(0xD9E1F2)),
    );
    let text = border(base.clone().set_text_wrap());
    let int = border(base.clone().set_num_format("#,##0"));
    let signed = border(base.clone().set_num_format("+#,##0;-#,##0;0"));
    let pct = border(base.clone().set_num_format("+0.0%;-0.0%;0.0%"));
    let total_text = text.clone().set_bold();
    let total_int = int.clone().set_bold();
    let total_signed = signed.clone().set_bold();
    let total_pct = pct.clone().set_bold();

    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t(lang, "export.sheet_stats"))?;
    let ncols: u16 = 1 + 4 * 3;
    ws.set_column_width(0, 32)?;
    for c in 1..ncols {
        ws.set_column_width(c, 11)?;
    }

    let heading = tf(
        lang,
        "export.stats_title",
        &[
            ("from", &dmy(&stats.from)),
            ("to", &dmy(&stats.to)),
            ("prev_from", &dmy(&stats.prev_from)),
            ("prev_to", &dmy(&stats.prev_to)),
        ],
    );
    ws.merge_range(0, 0, 0, ncols - 1, &heading, &title)?;
    ws.set_row_height(0, 36)?;

    // Two header rows: the dimension (spanning both), then each criterion over
    // "this period | same period | change | rate".
    ws.merge_range(1, 0, 2, 0, t(lang, &dim_key(stats.dim)), &header)?;
    for (i, crit) in CRITERIA.iter().enumerate() {
        let c0 = 1 + 4 * i as u16;
        ws.merge_range(1, c0, 1, c0 + 3, t(lang, crit), &header)?;
        for (j, sub) in [
            "export.current",
            "export.previous",
            "export.change",
            "export.rate",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string_with_format(2, c0 + j as u16, t(lang, sub), &header)?;
        }
    }
    ws.set_row_height(2, 32)?;

    let write_row = |ws: &mut Worksheet, row: u32, label: &str, r: &StatRow, bold: bool| {
        let (tx, n, s, p) = if bold {
            (&total_text, &total_int, &total_signed, &total_pct)
        } else {
            (&text, &int, &signed, &pct)
        };
        ws.write_string_with_format(row, 0, label, tx)?;
        for (i, (now, before)) in criteria(r).into_iter().enumerate() {
            let c0 = 1 + 4 * i as u16;
            ws.write_number_with_format(row, c0, now as f64, n)?;
            ws.write_number_with_format(row, c0 + 1, before as f64, n)?;
            ws.write_number_with_format(row, c0 + 2, (now - before) as f64, s)?;
            match pct_change(before, now) {
                Some(v) => ws.write_number_with_format(row, c0 + 3, v / 100.0, p)?,
                None => ws.write_string_with_format(row, c0 + 3, "–", p)?,
            };
        }
        anyhow::Ok(())
    };

    let mut row = 3u32;
    for r in &stats.rows {
        write_row(
            ws,
            row,
            &key_label(stats.dim, &r.key, lang, labels),
            r,
            false,
        )?;
        row += 1;
    }
    write_row(ws, row, t(lang, "export.total"), &stats.total, true)?;
    ws.set_freeze_panes(3, 1)?;
    Ok(wb.save_to_buffer()?)
}

// ---------------------------------------------------------------------------------------
// The periodic three-criteria report (DOCX)
// ---------------------------------------------------------------------------------------

/// Who issues the report and how it is signed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportMeta {
    pub layout: docx::Layout,
    /// e.g. "UBND huyện Ninh Hải"; may be empty.
    pub issuer_parent: String,
    /// e.g. "Công an huyện Ninh Hải".
    pub issuer: String,
    /// e.g. "12/BC-CA"; "Số: " is put before it unless it already starts with "Số".
    pub number: String,
    /// e.g. "Ninh Hải".
    pub place: String,
    pub date: Date,
    pub recipients: Vec<String>,
    pub signer_title: Vec<String>,
    pub signer_name: String,
    /// The audit chain head at the time the report was made, as a footer note.
    pub chain_head: Option<String>,
}

fn number_line(meta: &ReportMeta, lang: Lang) -> String {
    let n = meta.number.trim();
    let lower = n.to_lowercase();
    if ["số", "so ", "so:", "no.", "no "]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return n.to_string();
    }
    let prefix = t(lang, "export.docx_number_prefix");
    // Guidance 36 (Party) writes "Số 12-BC/HU", without the colon.
    let prefix = if meta.layout == docx::Layout::Party {
        prefix.trim_end_matches(':')
    } else {
        prefix
    };
    format!("{prefix} {n}").trim_end().to_string()
}

/// "giảm 2 vụ (−12,5%)", "tăng 4 người bị thương (+30,8%)", "số người chết không thay đổi".
fn change_phrase(which: &str, now: i64, before: i64, lang: Lang) -> String {
    let d = now - before;
    let dir = match d.signum() {
        1 => "up",
        -1 => "down",
        _ => "same",
    };
    let mut s = tf(
        lang,
        &format!("export.chg_{which}_{dir}"),
        &[("n", &format_int(d.abs(), lang))],
    );
    if d != 0
        && let Some(p) = pct_change(before, now)
    {
        s.push_str(&format!(" ({})", format_pct(p, lang)));
    }
    s
}

/// The opening paragraph: the three criteria of the period and their change against
/// the same period of the year before.
fn opening(area: &str, total: &Stats, lang: Lang) -> String {
    let r = &total.total;
    let changes = [
        change_phrase("crashes", r.crashes, r.prev_crashes, lang),
        change_phrase("deaths", r.deaths, r.prev_deaths, lang),
        change_phrase("injured", r.injured, r.prev_injured, lang),
    ]
    .join(", ");
    let none = r.crashes == 0 && r.deaths == 0 && r.injured == 0;
    let key = match (none, area.is_empty()) {
        (false, false) => "export.docx_opening",
        (false, true) => "export.docx_opening_no_area",
        (true, false) => "export.docx_opening_none",
        (true, true) => "export.docx_opening_none_no_area",
    };
    tf(
        lang,
        key,
        &[
            ("from", &dmy(&total.from)),
            ("to", &dmy(&total.to)),
            ("area", area),
            ("crashes", &format_int(r.crashes, lang)),
            ("deaths", &format_int(r.deaths, lang)),
            ("injured", &format_int(r.injured, lang)),
            ("changes", &changes),
        ],
    )
}

/// Chỉ tiêu | Kỳ báo cáo | Cùng kỳ | Tăng/giảm | Tỷ lệ, one row per criterion.
fn criteria_table(r: &StatRow, lang: Lang) -> Block {
    let header = [
        "export.indicator",
        "export.current",
        "export.previous",
        "export.change",
        "export.rate",
    ]
    .iter()
    .map(|k| t(lang, k).to_string())
    .collect();
    let rows = CRITERIA
        .iter()
        .zip(criteria(r))
        .map(|(k, (now, before))| {
            vec![
                t(lang, k).to_string(),
                format_int(now, lang),
                format_int(before, lang),
                format_signed(now - before, lang),
                pct_cell(before, now, lang),
            ]
        })
        .collect();
    Block::Table {
        header,
        rows,
        widths_pct: vec![32, 17, 17, 17, 17],
    }
}

/// Key | Số vụ | So cùng kỳ | Số người chết | So cùng kỳ | Số người bị thương | So cùng kỳ,
/// with a total row.
fn breakdown_table(s: &Stats, lang: Lang, labels: &Labels) -> Block {
    let mut header = vec![t(lang, &dim_key(s.dim)).to_string()];
    for k in CRITERIA {
        header.push(t(lang, k).to_string());
        header.push(t(lang, "export.compare").to_string());
    }
    let line = |label: String, r: &StatRow| {
        let mut v = vec![label];
        for (now, before) in criteria(r) {
            v.push(format_int(now, lang));
            v.push(format_signed(now - before, lang));
        }
        v
    };
    let mut rows: Vec<Vec<String>> = s
        .rows
        .iter()
        .map(|r| line(key_label(s.dim, &r.key, lang, labels), r))
        .collect();
    rows.push(line(t(lang, "export.total").to_string(), &s.total));
    Block::Table {
        header,
        rows,
        widths_pct: vec![28, 12, 12, 12, 12, 12, 12],
    }
}

/// The periodic report on road crashes ("BÁO CÁO Tình hình tai nạn giao thông … từ
/// ngày … đến ngày …"): the opening paragraph with the three criteria and their change
/// against the same period of the year before, the three-criteria table, then tables by
/// area and by month when given; the audit chain head as a footer note.
pub fn three_criteria_docx(
    meta: &ReportMeta,
    area_name: &str,
    total: &Stats,
    by_area: Option<&Stats>,
    by_month: Option<&Stats>,
    lang: Lang,
    labels: &Labels,
) -> anyhow::Result<Vec<u8>> {
    let area = area_name.trim();
    let (from, to) = (dmy(&total.from), dmy(&total.to));
    let subtitle = if area.is_empty() {
        tf(
            lang,
            "export.docx_subtitle_no_area",
            &[("from", &from), ("to", &to)],
        )
    } else {
        tf(
            lang,
            "export.docx_subtitle",
            &[("area", area), ("from", &from), ("to", &to)],
        )
    };
    let r = &total.total;
    let mut body = vec![
        Block::Heading(t(lang, "export.docx_heading").to_string()),
        Block::Para(opening(area, total, lang)),
        Block::Para(tf(
            lang,
            "export.docx_previous",
            &[
                ("from", &dmy(&total.prev_from)),
                ("to", &dmy(&total.prev_to)),
                ("crashes", &format_int(r.prev_crashes, lang)),
                ("deaths", &format_int(r.prev_deaths, lang)),
                ("injured", &format_int(r.prev_injured, lang)),
            ],
        )),
    ];
    let mut n = 0;
    let mut section = |key: &str| {
        n += 1;
        Block::Heading(format!("{n}. {}", t(lang, key)))
    };
    body.push(section("export.docx_section_criteria"));
    body.push(criteria_table(r, lang));
    if let Some(s) = by_area {
        body.push(section("export.docx_section_area"));
        body.push(breakdown_table(s, lang, labels));
    }
    if let Some(s) = by_month {
        body.push(section("export.docx_section_month"));
        body.push(breakdown_table(s, lang, labels));
    }
    let doc = AdminDoc {
        layout: meta.layout,
        issuer_parent: meta.issuer_parent.clone(),
        issuer: meta.issuer.clone(),
        number: number_line(meta, lang),
        place_date: place_date(&meta.place, meta.date, lang),
        title: t(lang, "export.docx_title").to_string(),
        subtitle,
        body,
        recipients: meta.recipients.clone(),
        signer_title: meta.signer_title.clone(),
        signer_name: meta.signer_name.clone(),
        footer_note: meta
            .chain_head
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| tf(lang, "export.docx_chain_head", &[("head", h)])),
    };
    docx::render(&doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, DataType, Reader, Xlsx};
    use std::io::{Cursor, Read};

    const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

    fn us(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_microsecond()
    }

    /// An exact-time crash on QL1 with coordinates; 14:30 local = 07:30 UTC.
    fn crash_exact() -> Crash {
        Crash {
            id: 101,
            external_id: Some("NH-2023-0017".into()),
            version: 2,
            occurred_at_us: us("2023-09-19T07:30:00Z"),
            time_precision: "minute".into(),
            local_date: "2023-09-19".into(),
            year: 2023,
            month: Some(9),
            weekday: Some(2),
            hour: Some(14),
            admin_scheme: Some("old".into()),
            commune_code: Some("22738".into()),
            cur_commune_code: Some("22736".into()),
            cur_province_code: Some("56".into()),
            old_district_code: Some("588".into()),
            road_code: Some("QL1".into()),
            km: Some(1540.3),
            lon: Some(109.0412),
            lat: Some(11.6781),
            deaths: 1,
            injured: 2,
            property_damage_vnd: 12_500_000,
            class: CrashClass::NghiemTrong,
            class_provision: "Khoản 3 Điều 5 Thông tư 26/2024/TT-BCA".into(),
            class_confirmed: true,
            class_provisional: false,
            severity: Some("fatal".into()),
            description: "Xe máy va chạm ô tô tải tại ngã ba Hộ Hải".into(),
            investigating_org_id: Some(7),
            vehicle_types: vec!["motorbike".into(), "truck".into()],
            causes: vec!["speeding".into()],
            synthetic: false,
            source: "manual".into(),
            created_at_us: us("2023-09-19T09:00:00Z"),
            updated_at_us: us("2023-09-20T01:15:00Z"),
        }
    }

    /// Known to the day only, late at night local time (the UTC date is the day before).
    fn crash_day() -> Crash {
        Crash {
            id: 102,
            external_id: None,
            version: 1,
            occurred_at_us: us("2023-12-31T17:00:00Z"),
            time_precision: "day".into(),
            local_date: "2024-01-01".into(),
            year: 2024,
            month: Some(1),
            weekday: Some(1),
            hour: None,
            admin_scheme: Some("new".into()),
            commune_code: Some("22736".into()),
            cur_commune_code: Some("22736".into()),
            cur_province_code: Some("56".into()),
            old_district_code: None,
            road_code: None,
            km: None,
            lon: None,
            lat: None,
            deaths: 0,
            injured: 1,
            property_damage_vnd: 0,
            class: CrashClass::ItNghiemTrong,
            class_provision: "Khoản 4 Điều 5 Thông tư 26/2024/TT-BCA".into(),
            class_confirmed: true,
            class_provisional: true,
            severity: None,
            description: "=HYPERLINK(\"http://x\")".into(),
            investigating_org_id: None,
            vehicle_types: vec![],
            causes: vec![],
            synthetic: true,
            source: "import".into(),
            created_at_us: us("2024-01-02T02:00:00Z"),
            updated_at_us: us("2024-01-02T02:00:00Z"),
        }
    }

    /// Known to the month only, with coordinates.
    fn crash_month() -> Crash {
        Crash {
            id: 103,
            external_id: Some("IE-2019-55".into()),
            version: 1,
            occurred_at_us: us("2019-04-30T17:00:00Z"),
            time_precision: "month".into(),
            local_date: "2019-05-01".into(),
            year: 2019,
            month: Some(5),
            weekday: None,
            hour: None,
            admin_scheme: None,
            commune_code: None,
            cur_commune_code: None,
            cur_province_code: None,
            old_district_code: None,
            road_code: Some("N7".into()),
            km: None,
            lon: Some(-6.2603),
            lat: Some(53.3498),
            deaths: 3,
            injured: 0,
            property_damage_vnd: 1_600_000_000,
            class: CrashClass::DacBietNghiemTrong,
            class_provision: "Khoản 1 Điều 5".into(),
            class_confirmed: false,
            class_provisional: false,
            severity: None,
            description: String::new(),
            investigating_org_id: None,
            vehicle_types: vec!["car".into()],
            causes: vec![],
            synthetic: false,
            source: "ie-rsa".into(),
            created_at_us: us("2024-01-02T02:00:00Z"),
            updated_at_us: us("2024-01-02T02:00:00Z"),
        }
    }

    fn crashes() -> Vec<Crash> {
        vec![crash_exact(), crash_day(), crash_month()]
    }

    fn labels() -> Labels {
        let m = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        Labels {
            communes: m(&[("22736", "Xã Xuân Hải"), ("22738", "Xã Hộ Hải")]),
            provinces: m(&[("56", "Tỉnh Khánh Hòa")]),
            districts: m(&[("588", "Huyện Ninh Hải")]),
            roads: m(&[("QL1", "Quốc lộ 1")]),
        }
    }

    fn row(key: &str, c: [i64; 6]) -> StatRow {
        StatRow {
            key: key.into(),
            crashes: c[0],
            deaths: c[1],
            injured: c[2],
            prev_crashes: c[3],
            prev_deaths: c[4],
            prev_injured: c[5],
        }
    }

    fn stats(dim: Dim, rows: Vec<StatRow>) -> Stats {
        let mut total = StatRow {
            key: "total".into(),
            ..Default::default()
        };
        for r in &rows {
            total.crashes += r.crashes;
            total.deaths += r.deaths;
            total.injured += r.injured;
            total.prev_crashes += r.prev_crashes;
            total.prev_deaths += r.prev_deaths;
            total.prev_injured += r.prev_injured;
        }
        Stats {
            dim,
            from: "2023-01-01".into(),
            to: "2023-08-31".into(),
            prev_from: "2022-01-01".into(),
            prev_to: "2022-08-31".into(),
            rows,
            total,
            source: "rollup".into(),
        }
    }

    /// 14 crashes (16 before: −2, −12,5%), 3 deaths (4: −1, −25%), 17 injured (13: +4,
    /// +30,8%).
    fn by_area() -> Stats {
        stats(
            Dim::Commune,
            vec![
                row("22736", [9, 2, 11, 10, 3, 8]),
                row("22738", [5, 1, 6, 6, 1, 5]),
            ],
        )
    }

    fn by_month() -> Stats {
        stats(
            Dim::Month,
            vec![
                row("2023-01", [6, 1, 7, 7, 2, 5]),
                row("2023-02", [8, 2, 10, 9, 2, 8]),
            ],
        )
    }

    fn total_stats() -> Stats {
        let a = by_area();
        stats(
            Dim::Total,
            vec![StatRow {
                key: "total".into(),
                ..a.total
            }],
        )
    }

    fn sheet(bytes: &[u8]) -> (String, calamine::Range<Data>) {
        let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec()))
            .expect("calamine opens the workbook");
        let name = wb.sheet_names()[0].clone();
        let range = wb.worksheet_range(&name).expect("first sheet");
        (name, range)
    }

    fn cell_at(r: &calamine::Range<Data>, row: u32, col: u32) -> Data {
        r.get_value((row, col)).cloned().unwrap_or(Data::Empty)
    }

    /// The number in a cell: a float, an integer or a date's serial value.
    fn num(d: &Data) -> f64 {
        match d {
            Data::DateTime(dt) => dt.as_f64(),
            other => other
                .as_f64()
                .unwrap_or_else(|| panic!("not a number: {other:?}")),
        }
    }

    fn zip_entry(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
        let mut f = zip.by_name(name).expect(name);
        let mut s = String::new();
        f.read_to_string(&mut s).expect("UTF-8");
        s
    }

    #[test]
    fn csv_has_bom_header_and_one_row_per_crash() {
        let bytes = crashes_csv(&crashes(), Lang::Vi);
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
        let mut rd = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
        let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
        let ncols = Col::all(false).len();
        assert_eq!(header.len(), ncols);
        assert_eq!(header[1], "Mã vụ việc");
        assert_eq!(header[2], "Ngày xảy ra");
        let col = |name: &str| header.iter().position(|h| h == name).expect(name);
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3);
        assert!(rows.iter().all(|r| r.len() == ncols));

        let r0 = &rows[0];
        assert_eq!(&r0[0], "101");
        assert_eq!(&r0[col("Ngày xảy ra")], "2023-09-19");
        assert_eq!(&r0[col("Giờ xảy ra")], "14:30", "local time, UTC+7");
        assert_eq!(&r0[col("Lý trình")], "Km 1540+300");
        assert_eq!(&r0[col("Mức độ")], "Nghiêm trọng");
        assert_eq!(&r0[col("Mã mức độ")], "nghiem_trong");
        assert_eq!(&r0[col("Thiệt hại tài sản (đồng)")], "12500000");
        assert_eq!(&r0[col("Mã xã")], "22736");
        assert_eq!(&r0[col("Mã xã theo hồ sơ")], "22738");
        assert_eq!(&r0[col("Kinh độ")], "109.041200");
        assert_eq!(
            &r0[col("Tóm tắt vụ việc")],
            "Xe máy va chạm ô tô tải tại ngã ba Hộ Hải"
        );
        assert_eq!(&r0[col("Cập nhật lần cuối")], "2023-09-20 08:15:00");
        assert_eq!(
            &r0[col("Phương tiện liên quan")],
            "Mô tô, xe gắn máy; Ô tô tải"
        );
        assert_eq!(&r0[col("Nguyên nhân")], "Chạy quá tốc độ");
        // The local date, not the UTC one; no time when only the day is known.
        assert_eq!(&rows[1][col("Ngày xảy ra")], "2024-01-01");
        assert_eq!(&rows[1][col("Giờ xảy ra")], "");
        assert_eq!(&rows[1][col("Dữ liệu mẫu")], "Có");
        // A formula is defused.
        assert!(rows[1][col("Tóm tắt vụ việc")].starts_with("'="));
        // Known to the month: no day.
        assert_eq!(&rows[2][col("Ngày xảy ra")], "2019-05");

        let en = crashes_csv(&crashes(), Lang::En);
        let mut rd = csv::Reader::from_reader(&en[3..]);
        assert_eq!(&rd.headers().unwrap()[1], "Case number");
    }

    #[test]
    fn xlsx_reads_back_with_typed_cells() {
        let bytes = crashes_xlsx(&crashes(), Lang::Vi, &labels()).unwrap();
        let (name, r) = sheet(&bytes);
        assert_eq!(name, "Tai nạn giao thông");
        let cols = Col::all(true);
        assert_eq!(r.get_size(), (4, cols.len()));
        let header: Vec<String> = (0..cols.len() as u32)
            .map(|c| cell_at(&r, 0, c).to_string())
            .collect();
        assert_eq!(header[1], "Mã vụ việc");
        assert!(header.contains(&"Thiệt hại tài sản (đồng)".to_string()));
        assert!(header.contains(&"Xã, phường, đặc khu".to_string()));
        let col = |name: &str| header.iter().position(|h| h == name).expect(name) as u32;

        // The date is a date, in local time.
        let d = cell_at(&r, 1, col("Ngày xảy ra"));
        assert!(d.is_datetime(), "{d:?}");
        let Data::DateTime(dt) = &d else {
            unreachable!()
        };
        // 2023-09-19 is serial 45188 in the 1900 system.
        assert_eq!(dt.as_f64(), 45188.0);
        let tm = cell_at(&r, 1, col("Giờ xảy ra"));
        assert!(tm.is_datetime(), "{tm:?}");
        assert!((num(&tm) - 14.5 / 24.0).abs() < 1e-9);
        // 2024-01-01 local although the UTC instant is on 31 December.
        assert_eq!(num(&cell_at(&r, 2, col("Ngày xảy ra"))), 45292.0);
        // Known to the month: text.
        assert_eq!(
            cell_at(&r, 3, col("Ngày xảy ra")),
            Data::String("2019-05".into())
        );
        let upd = cell_at(&r, 1, col("Cập nhật lần cuối"));
        assert!(upd.is_datetime());
        assert!((num(&upd) - (45189.0 + (8.0 + 15.0 / 60.0) / 24.0)).abs() < 1e-6);

        // Money and counts are numbers.
        let money = cell_at(&r, 1, col("Thiệt hại tài sản (đồng)"));
        assert!(matches!(money, Data::Float(_) | Data::Int(_)), "{money:?}");
        assert_eq!(num(&money), 12_500_000.0);
        assert_eq!(
            num(&cell_at(&r, 3, col("Thiệt hại tài sản (đồng)"))),
            1_600_000_000.0
        );
        assert_eq!(num(&cell_at(&r, 3, col("Số người chết"))), 3.0);

        // Codes and their names.
        assert_eq!(
            cell_at(&r, 1, col("Xã, phường, đặc khu")).to_string(),
            "Xã Xuân Hải"
        );
        assert_eq!(cell_at(&r, 1, col("Tuyến đường")).to_string(), "Quốc lộ 1");
        assert_eq!(cell_at(&r, 3, col("Tuyến đường")).to_string(), "N7");
        assert_eq!(cell_at(&r, 1, col("Mức độ")).to_string(), "Nghiêm trọng");
        assert_eq!(
            cell_at(&r, 3, col("Mức độ")).to_string(),
            "Đặc biệt nghiêm trọng"
        );

        // Frozen header, autofilter, widths, thousands format, bold header.
        let xml = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
        assert!(xml.contains(r#"state="frozen""#) && xml.contains(r#"ySplit="1""#));
        assert!(xml.contains("<autoFilter ref=\"A1:"), "{xml}");
        assert!(xml.contains("customWidth=\"1\""));
        let styles = zip_entry(&bytes, "xl/styles.xml");
        assert!(styles.contains("#,##0"));
        assert!(styles.contains("dd/mm/yyyy"));
        assert!(styles.contains("<b/>"));
    }

    #[test]
    fn geojson_points_are_lon_lat_and_skip_crashes_without_coordinates() {
        let v = crashes_geojson(&crashes(), Lang::Vi);
        let text = serde_json::to_string(&v).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["type"], "FeatureCollection");
        let f = v["features"].as_array().unwrap();
        assert_eq!(f.len(), 2, "the crash without coordinates is left out");
        assert_eq!(f[0]["type"], "Feature");
        assert_eq!(f[0]["geometry"]["type"], "Point");
        assert_eq!(f[0]["geometry"]["coordinates"], json!([109.0412, 11.6781]));
        let p = &f[0]["properties"];
        assert_eq!(p["id"], 101);
        assert_eq!(p["external_id"], "NH-2023-0017");
        assert_eq!(p["date"], "2023-09-19");
        assert_eq!(p["time"], "14:30");
        assert_eq!(p["occurred_at"], "2023-09-19T14:30:00+07:00");
        assert_eq!(p["class"], "nghiem_trong");
        assert_eq!(p["class_label"], "Nghiêm trọng");
        assert_eq!(p["deaths"], 1);
        assert_eq!(p["injured"], 2);
        assert_eq!(p["road"], "QL1");
        assert_eq!(p["km"], "Km 1540+300");
        assert_eq!(p["commune_code"], "22736");
        let q = &f[1]["properties"];
        assert_eq!(f[1]["geometry"]["coordinates"], json!([-6.2603, 53.3498]));
        assert_eq!(q["date"], "2019-05");
        assert!(q["time"].is_null() && q["km"].is_null() && q["occurred_at"].is_null());
        assert_eq!(
            crashes_geojson(&crashes(), Lang::En)["features"][1]["properties"]["class_label"],
            "Especially serious"
        );
    }

    #[test]
    fn stats_xlsx_reads_back() {
        let s = by_area();
        let bytes = stats_xlsx(&s, Lang::Vi, &labels()).unwrap();
        let (name, r) = sheet(&bytes);
        assert_eq!(name, "Ba tiêu chí");
        let title = cell_at(&r, 0, 0).to_string();
        assert!(
            title.contains("từ ngày 01/01/2023 đến ngày 31/08/2023")
                && title.contains("từ ngày 01/01/2022 đến ngày 31/08/2022"),
            "{title}"
        );
        assert_eq!(cell_at(&r, 1, 0).to_string(), "Xã, phường, đặc khu");
        assert_eq!(cell_at(&r, 1, 1).to_string(), "Số vụ");
        assert_eq!(cell_at(&r, 1, 5).to_string(), "Số người chết");
        assert_eq!(cell_at(&r, 1, 9).to_string(), "Số người bị thương");
        let sub: Vec<String> = (1..5).map(|c| cell_at(&r, 2, c).to_string()).collect();
        assert_eq!(sub, ["Kỳ báo cáo", "Cùng kỳ", "Tăng/giảm", "Tỷ lệ"]);
        assert_eq!(cell_at(&r, 3, 0).to_string(), "Xã Xuân Hải");
        assert_eq!(cell_at(&r, 4, 0).to_string(), "Xã Hộ Hải");
        assert_eq!(cell_at(&r, 5, 0).to_string(), "Tổng cộng");
        let nums: Vec<f64> = (1..13).map(|c| num(&cell_at(&r, 5, c))).collect();
        let expect = [
            14.0, 16.0, -2.0, -0.125, 3.0, 4.0, -1.0, -0.25, 17.0, 13.0, 4.0,
        ];
        for (i, e) in expect.iter().enumerate() {
            assert!(
                (nums[i] - e).abs() < 1e-9,
                "column {}: {} != {e}",
                i + 1,
                nums[i]
            );
        }
        assert!((nums[11] - 4.0 / 13.0).abs() < 1e-9);
        assert_eq!(r.get_size().0, 6, "title, two header rows, two rows, total");

        // No same-period figure: the rate is a dash.
        let s = stats(Dim::Month, vec![row("2023-03", [2, 0, 1, 0, 0, 1])]);
        let bytes = stats_xlsx(&s, Lang::Vi, &labels()).unwrap();
        let (_, r) = sheet(&bytes);
        assert_eq!(cell_at(&r, 3, 0).to_string(), "Tháng 3/2023");
        assert_eq!(cell_at(&r, 3, 4).to_string(), "–");
        assert_eq!(num(&cell_at(&r, 3, 12)), 0.0);
    }

    #[test]
    fn numbers_and_dates_in_vietnamese_style() {
        assert_eq!(format_int(1_234_567, Lang::Vi), "1.234.567");
        assert_eq!(format_int(1_234_567, Lang::En), "1,234,567");
        assert_eq!(format_int(-12, Lang::Vi), "−12");
        assert_eq!(format_signed(4, Lang::Vi), "+4");
        assert_eq!(format_signed(0, Lang::Vi), "0");
        assert_eq!(format_pct(-12.5, Lang::Vi), "−12,5%");
        assert_eq!(format_pct(100.0 * 4.0 / 13.0, Lang::Vi), "+30,8%");
        assert_eq!(format_pct(-25.0, Lang::Vi), "−25%");
        assert_eq!(format_pct(1234.5, Lang::Vi), "+1.234,5%");
        assert_eq!(format_pct(0.01, Lang::Vi), "0%");
        assert_eq!(format_pct(-12.5, Lang::En), "−12.5%");
        let d = |y, m, d| jiff::civil::date(y, m, d);
        assert_eq!(
            place_date("Ninh Hải", d(2023, 9, 20), Lang::Vi),
            "Ninh Hải, ngày 20 tháng 9 năm 2023"
        );
        assert_eq!(
            place_date("Ninh Hải", d(2024, 2, 5), Lang::Vi),
            "Ninh Hải, ngày 05 tháng 02 năm 2024"
        );
        assert_eq!(
            place_date("", d(2024, 3, 5), Lang::Vi),
            "Ngày 05 tháng 3 năm 2024"
        );
        let l = labels();
        assert_eq!(
            key_label(Dim::Quarter, "2023-Q3", Lang::Vi, &l),
            "Quý III/2023"
        );
        assert_eq!(
            key_label(Dim::Month, "2023-09", Lang::Vi, &l),
            "Tháng 9/2023"
        );
        assert_eq!(key_label(Dim::Weekday, "7", Lang::Vi, &l), "Chủ nhật");
        assert_eq!(
            key_label(Dim::HourWeekday, "1-07", Lang::Vi, &l),
            "Thứ Hai, Từ 7 giờ đến trước 8 giờ"
        );
        assert_eq!(key_label(Dim::Road, "QL1", Lang::Vi, &l), "Quốc lộ 1");
        assert_eq!(key_label(Dim::Road, "DT702", Lang::Vi, &l), "DT702");
        assert_eq!(key_label(Dim::Commune, "", Lang::Vi, &l), "Không xác định");
        assert_eq!(
            key_label(Dim::Class, "rat_nghiem_trong", Lang::Vi, &l),
            "Rất nghiêm trọng"
        );
        for c in CrashClass::ALL {
            for lang in [Lang::Vi, Lang::En] {
                assert!(has(lang, &c.label_key()), "{lang:?} {}", c.label_key());
            }
        }
        for dim in Dim::ALL {
            assert!(has(Lang::Vi, &dim_key(dim)), "{}", dim_key(dim));
        }
    }

    fn meta() -> ReportMeta {
        ReportMeta {
            layout: docx::Layout::State,
            issuer_parent: "UBND huyện Ninh Hải".into(),
            issuer: "Công an huyện Ninh Hải".into(),
            number: "125/BC-CAH".into(),
            place: "Ninh Hải".into(),
            date: jiff::civil::date(2023, 9, 20),
            recipients: vec!["Công an tỉnh Khánh Hòa (b/c);".into(), "Lưu: VT.".into()],
            signer_title: vec!["KT. TRƯỞNG CÔNG AN".into(), "PHÓ TRƯỞNG CÔNG AN".into()],
            signer_name: "Trần Văn Bình".into(),
            chain_head: Some("3f2a9c1d".into()),
        }
    }

    fn paragraphs(node: roxmltree::Node) -> Vec<String> {
        node.descendants()
            .filter(|n| n.has_tag_name((W_NS, "p")))
            .map(|p| {
                p.descendants()
                    .filter(|n| n.has_tag_name((W_NS, "t")))
                    .filter_map(|t| t.text())
                    .collect::<String>()
            })
            .collect()
    }

    fn table_cells(tbl: roxmltree::Node) -> Vec<Vec<String>> {
        tbl.children()
            .filter(|n| n.has_tag_name((W_NS, "tr")))
            .map(|tr| {
                tr.children()
                    .filter(|n| n.has_tag_name((W_NS, "tc")))
                    .map(|tc| paragraphs(tc).concat())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn docx_report_reads_back() {
        let (area, month) = (by_area(), by_month());
        let bytes = three_criteria_docx(
            &meta(),
            "huyện Ninh Hải",
            &total_stats(),
            Some(&area),
            Some(&month),
            Lang::Vi,
            &labels(),
        )
        .unwrap();
        let xml = zip_entry(&bytes, "word/document.xml");
        let tree = roxmltree::Document::parse(&xml).unwrap();
        let body = tree
            .descendants()
            .find(|n| n.has_tag_name((W_NS, "body")))
            .unwrap();
        let paras = paragraphs(body);
        let tables: Vec<_> = body
            .children()
            .filter(|n| n.has_tag_name((W_NS, "tbl")))
            .collect();
        assert_eq!(tables.len(), 5, "header, criteria, area, month, closing");

        let head = paragraphs(tables[0]);
        assert!(head.contains(&"Số: 125/BC-CAH".to_string()), "{head:?}");
        assert!(head.contains(&"Ninh Hải, ngày 20 tháng 9 năm 2023".to_string()));
        let ti = paras.iter().position(|p| p == "BÁO CÁO").expect("title");
        assert_eq!(
            paras[ti + 1],
            "Tình hình tai nạn giao thông trên địa bàn huyện Ninh Hải từ ngày 01/01/2023 đến ngày 31/08/2023"
        );
        let opening = "Từ ngày 01/01/2023 đến ngày 31/08/2023, trên địa bàn huyện Ninh Hải xảy ra \
                       14 vụ tai nạn giao thông, làm chết 3 người, bị thương 17 người; so với cùng \
                       kỳ năm trước, giảm 2 vụ (−12,5%), giảm 1 người chết (−25%), tăng 4 người \
                       bị thương (+30,8%).";
        assert!(paras.iter().any(|p| p == opening), "{paras:#?}");
        assert!(paras.iter().any(|p| p
            == "Cùng kỳ năm trước (từ ngày 01/01/2022 đến ngày 31/08/2022) xảy ra 16 vụ, \
                làm chết 4 người, bị thương 13 người."));
        assert!(
            paras
                .iter()
                .any(|p| p == "1. Ba tiêu chí so với cùng kỳ năm trước")
        );
        assert!(paras.iter().any(|p| p == "2. Theo địa bàn"));
        assert!(paras.iter().any(|p| p == "3. Theo tháng"));

        let crit = table_cells(tables[1]);
        assert_eq!(
            crit,
            vec![
                vec!["Chỉ tiêu", "Kỳ báo cáo", "Cùng kỳ", "Tăng/giảm", "Tỷ lệ"],
                vec!["Số vụ", "14", "16", "−2", "−12,5%"],
                vec!["Số người chết", "3", "4", "−1", "−25%"],
                vec!["Số người bị thương", "17", "13", "+4", "+30,8%"],
            ]
        );
        let area_t = table_cells(tables[2]);
        assert_eq!(area_t[0][0], "Xã, phường, đặc khu");
        assert_eq!(area_t[0][2], "So cùng kỳ");
        assert_eq!(
            area_t[1],
            vec!["Xã Xuân Hải", "9", "−1", "2", "−1", "11", "+3"]
        );
        assert_eq!(area_t.last().unwrap()[0], "Tổng cộng");
        assert_eq!(area_t.last().unwrap()[1], "14");
        let month_t = table_cells(tables[3]);
        assert_eq!(month_t[0][0], "Tháng");
        assert_eq!(month_t[1][0], "Tháng 1/2023");
        assert_eq!(month_t[2][0], "Tháng 2/2023");

        let end = paragraphs(tables[4]);
        assert!(end.contains(&"- Lưu: VT.".to_string()));
        assert_eq!(end.last().map(String::as_str), Some("Trần Văn Bình"));
        assert_eq!(
            paras.last().map(String::as_str),
            Some("Đỉnh chuỗi nhật ký kiểm toán khi lập báo cáo: 3f2a9c1d")
        );

        if let Ok(dir) = std::env::var("ATGT_DOCX_SAMPLES") {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(
                std::path::Path::new(&dir).join("three-criteria.docx"),
                &bytes,
            )
            .unwrap();
        }
    }

    #[test]
    fn docx_report_without_breakdowns_or_change() {
        let mut s = total_stats();
        s.total = row("total", [0, 0, 0, 2, 0, 3]);
        let mut m = meta();
        m.layout = docx::Layout::Party;
        m.number = "Số 12-BC/HU".into();
        m.chain_head = None;
        let bytes = three_criteria_docx(&m, "", &s, None, None, Lang::Vi, &labels()).unwrap();
        let xml = zip_entry(&bytes, "word/document.xml");
        let tree = roxmltree::Document::parse(&xml).unwrap();
        let body = tree
            .descendants()
            .find(|n| n.has_tag_name((W_NS, "body")))
            .unwrap();
        let tables: Vec<_> = body
            .children()
            .filter(|n| n.has_tag_name((W_NS, "tbl")))
            .collect();
        assert_eq!(tables.len(), 3);
        assert!(paragraphs(tables[0]).contains(&"Số 12-BC/HU".to_string()));
        let paras = paragraphs(body);
        assert!(paras.iter().any(|p| p
            == "Từ ngày 01/01/2023 đến ngày 31/08/2023, không xảy ra vụ tai nạn giao thông nào; \
                so với cùng kỳ năm trước, giảm 2 vụ (−100%), số người chết không thay đổi, \
                giảm 3 người bị thương (−100%)."), "{paras:#?}");
        let crit = table_cells(tables[1]);
        assert_eq!(crit[2], vec!["Số người chết", "0", "0", "0", "–"]);
        assert!(!paras.iter().any(|p| p.starts_with("Đỉnh chuỗi")));

        // English.
        let bytes = three_criteria_docx(
            &meta(),
            "Ninh Hai district",
            &total_stats(),
            None,
            None,
            Lang::En,
            &labels(),
        )
        .unwrap();
        let xml = zip_entry(&bytes, "word/document.xml");
        assert!(xml.contains("crashes down by 2 (−12.5%)"), "{xml}");
        assert!(xml.contains("No. 125/BC-CAH"));
    }
}
