//! Mapping a table from another system (CSV or XLSX columns) onto the canonical
//! columns of an import, as described by a mapping file (TOML; see
//! `data/mappings/README.md`). Pure: the caller reads the file.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// "csv" or "xlsx".
    #[serde(default = "csv")]
    pub format: String,
    #[serde(default = "comma")]
    pub delimiter: String,
    #[serde(default)]
    pub sheet: Option<String>,
    /// Coordinate reference system of lon/lat columns; only EPSG:4326 (WGS84) is
    /// read today.
    #[serde(default = "wgs84")]
    pub crs: String,
}

fn csv() -> String {
    "csv".into()
}
fn comma() -> String {
    ",".into()
}
fn wgs84() -> String {
    "EPSG:4326".into()
}

impl Default for Source {
    fn default() -> Self {
        Source {
            format: csv(),
            delimiter: comma(),
            sheet: None,
            crs: wgs84(),
        }
    }
}

/// How one canonical column is filled.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ColumnSpec {
    /// Copied from a source column.
    Copy(String),
    /// A source column's values translated; a value missing from the map is a row
    /// error; a value mapped to "" means "unknown" (left empty).
    Map {
        column: String,
        map: HashMap<String, String>,
    },
    /// A string with `{Source column}` placeholders (`{}` for a column whose header is
    /// empty).
    Template { template: String },
    /// A constant.
    Value { value: String },
    /// The sum of integer source columns (empty cells count 0).
    Sum { sum: Vec<String> },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub source: Source,
    pub columns: BTreeMap<String, ColumnSpec>,
}

/// A problem with one cell: the column (as the user knows it: the source column when
/// there is one), the i18n key and its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    pub column: String,
    pub key: &'static str,
    pub arg: String,
}

impl Mapping {
    pub fn parse(src: &str, canonical: &[&str]) -> Result<Mapping, String> {
        let m: Mapping = toml::from_str(src).map_err(|e| e.to_string())?;
        if let Some(bad) = m.columns.keys().find(|k| !canonical.contains(&k.as_str())) {
            return Err(format!(
                "unknown canonical column '{bad}' (known: {})",
                canonical.join(", ")
            ));
        }
        if !matches!(m.source.format.as_str(), "csv" | "xlsx") {
            return Err(format!(
                "unknown format '{}' (csv or xlsx)",
                m.source.format
            ));
        }
        if m.source.crs != "EPSG:4326" {
            return Err(format!(
                "coordinate system {} is not supported yet; convert to EPSG:4326 (WGS84)",
                m.source.crs
            ));
        }
        if m.source.delimiter.len() != 1 {
            return Err("delimiter must be one character".into());
        }
        Ok(m)
    }

    /// The mapping of a file already in the canonical layout: each canonical column
    /// present in the header is copied.
    pub fn identity(headers: &[String], canonical: &[&str]) -> Mapping {
        let columns = canonical
            .iter()
            .filter(|c| headers.iter().any(|h| h.trim() == **c))
            .map(|c| (c.to_string(), ColumnSpec::Copy(c.to_string())))
            .collect();
        Mapping {
            name: "canonical".into(),
            source: Source::default(),
            columns,
        }
    }

    /// Source columns the mapping needs.
    pub fn source_columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        for spec in self.columns.values() {
            match spec {
                ColumnSpec::Copy(c) | ColumnSpec::Map { column: c, .. } => out.push(c.clone()),
                ColumnSpec::Template { template } => out.extend(placeholders(template)),
                ColumnSpec::Sum { sum } => out.extend(sum.iter().cloned()),
                ColumnSpec::Value { .. } => {}
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Checks the header has every source column; returns the first missing.
    pub fn check_headers(&self, headers: &[String]) -> Result<HashMap<String, usize>, String> {
        let index: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i))
            .collect();
        for c in self.source_columns() {
            if !index.contains_key(&c) {
                return Err(c);
            }
        }
        Ok(index)
    }

    /// The canonical values of one row (empty values are left out).
    pub fn apply(
        &self,
        index: &HashMap<String, usize>,
        row: &[String],
    ) -> Result<BTreeMap<String, String>, CellError> {
        let cell = |c: &str| {
            index
                .get(c)
                .and_then(|i| row.get(*i))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let mut out = BTreeMap::new();
        for (canon, spec) in &self.columns {
            let v = match spec {
                ColumnSpec::Copy(c) => cell(c).to_string(),
                ColumnSpec::Value { value } => value.clone(),
                ColumnSpec::Map { column, map } => {
                    let raw = cell(column);
                    match map.get(raw) {
                        Some(v) => v.clone(),
                        None if raw.is_empty() => String::new(),
                        None => {
                            return Err(CellError {
                                column: column.clone(),
                                key: "error.bad_value",
                                arg: raw.to_string(),
                            });
                        }
                    }
                }
                ColumnSpec::Template { template } => {
                    let mut s = template.clone();
                    for p in placeholders(template) {
                        s = s.replace(&format!("{{{p}}}"), cell(&p));
                    }
                    s
                }
                ColumnSpec::Sum { sum } => {
                    let mut total: i64 = 0;
                    for c in sum {
                        let raw = cell(c);
                        if raw.is_empty() {
                            continue;
                        }
                        total += parse_int(raw).ok_or_else(|| CellError {
                            column: c.clone(),
                            key: "error.bad_number",
                            arg: raw.to_string(),
                        })?;
                    }
                    total.to_string()
                }
            };
            if !v.is_empty() {
                out.insert(canon.clone(), v);
            }
        }
        Ok(out)
    }
}

fn placeholders(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        out.push(rest[i + 1..i + j].to_string());
        rest = &rest[i + j + 1..];
    }
    out
}

/// An integer as people write it: "12", "12.0", "1.500.000" or "1 500 000" (thousands
/// separators), "-3".
pub fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    if let Ok(f) = t.parse::<f64>()
        && f.fract() == 0.0
        && f.abs() < 9e15
    {
        return Some(f as i64);
    }
    let cleaned: String = t
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}' | ','))
        .collect();
    let grouped = t.split(['.', ' ', ',']).skip(1).all(|g| g.len() == 3);
    if grouped { cleaned.parse().ok() } else { None }
}

/// A decimal number with "." or "," as the decimal mark.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let t = s.trim().replace(',', ".");
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANON: &[&str] = &[
        "external_id",
        "year",
        "weekday",
        "deaths",
        "injured",
        "description",
        "lon",
    ];

    #[test]
    fn applies_each_kind_of_column() {
        let m = Mapping::parse(
            r#"
            [columns]
            external_id = { template = "IE-{}" }
            year = "year"
            weekday = { column = "weekday", map = { "monday" = "1", "None" = "" } }
            injured = { sum = ["num_serious", "num_minor"] }
            description = { value = "Ireland" }
            "#,
            CANON,
        )
        .unwrap();
        let headers: Vec<String> = ["", "year", "weekday", "num_serious", "num_minor"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let idx = m.check_headers(&headers).unwrap();
        let row: Vec<String> = ["17", "2010", "monday", "1", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let v = m.apply(&idx, &row).unwrap();
        assert_eq!(v["external_id"], "IE-17");
        assert_eq!(v["weekday"], "1");
        assert_eq!(v["injured"], "1");
        assert_eq!(v["description"], "Ireland");
        let row: Vec<String> = ["18", "2010", "None", "x", "1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(m.apply(&idx, &row).unwrap_err().column, "num_serious");
        let row: Vec<String> = ["18", "2010", "None", "", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(
            !m.apply(&idx, &row).unwrap().contains_key("weekday"),
            "mapped to unknown"
        );
        let row: Vec<String> = ["18", "2010", "funday", "", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let e = m.apply(&idx, &row).unwrap_err();
        assert_eq!(
            (e.column.as_str(), e.key, e.arg.as_str()),
            ("weekday", "error.bad_value", "funday")
        );
    }

    #[test]
    fn refuses_unknown_columns_and_names_missing_ones() {
        assert!(
            Mapping::parse("[columns]\nnonsense = \"x\"", CANON)
                .unwrap_err()
                .contains("nonsense")
        );
        assert!(
            Mapping::parse(
                "[source]\ncrs = \"EPSG:3405\"\n[columns]\nyear = \"y\"",
                CANON
            )
            .is_err()
        );
        let m = Mapping::parse("[columns]\nyear = \"Năm\"", CANON).unwrap();
        assert_eq!(m.check_headers(&["Year".to_string()]).unwrap_err(), "Năm");
    }

    #[test]
    fn numbers_as_written() {
        assert_eq!(parse_int("1.500.000"), Some(1_500_000));
        assert_eq!(parse_int("1 500 000"), Some(1_500_000));
        assert_eq!(parse_int("12.0"), Some(12));
        assert_eq!(parse_int("12.5"), None);
        assert_eq!(parse_int("1.50"), None);
        assert_eq!(parse_decimal("109,05"), Some(109.05));
    }
}
