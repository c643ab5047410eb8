//! Reading tables from CSV and XLSX files into rows of text, for imports. The header is
//! the first row; XLSX dates become "YYYY-MM-DD HH:MM" text.

use atgt_core::mapping::Source;
use calamine::{Data, Reader};
use jiff::ToSpan;

/// A table: the header and the data rows (row 1 is the first row after the header).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Reads a table; `format` is "csv" or "xlsx" (or guessed from the bytes when empty).
pub fn read(bytes: &[u8], source: &Source) -> Result<Table, String> {
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    if source.format == "xlsx" || is_zip {
        read_xlsx(bytes, source.sheet.as_deref())
    } else {
        read_csv(
            bytes,
            source.delimiter.as_bytes().first().copied().unwrap_or(b','),
        )
    }
}

fn read_csv(bytes: &[u8], delimiter: u8) -> Result<Table, String> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("row {}: {e}", i + 1))?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok(Table { headers, rows })
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_serial_to_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// An Excel serial date (days since 1899-12-30) as local "YYYY-MM-DD HH:MM" (or the
/// date alone at midnight).
pub fn excel_serial_to_text(v: f64) -> String {
    let days = v.floor() as i64;
    let minutes = ((v - v.floor()) * 1440.0).round() as i64;
    let base = jiff::civil::date(1899, 12, 30);
    let Ok(d) = base.checked_add(days.days()) else {
        return v.to_string();
    };
    if minutes == 0 {
        d.to_string()
    } else {
        format!("{d} {:02}:{:02}", (minutes / 60) % 24, minutes % 60)
    }
}

fn read_xlsx(bytes: &[u8], sheet: Option<&str>) -> Result<Table, String> {
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| e.to_string())?;
    let name = match sheet {
        Some(s) => s.to_string(),
        None => wb
            .sheet_names()
            .first()
            .cloned()
            .ok_or("the workbook has no sheet")?,
    };
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| format!("sheet {name}: {e}"))?;
    let mut it = range.rows();
    let headers: Vec<String> = it
        .next()
        .map(|r| r.iter().map(cell_text).collect())
        .unwrap_or_default();
    let rows = it.map(|r| r.iter().map(cell_text).collect()).collect();
    Ok(Table { headers, rows })
}

/// Parses a crash file (CSV or XLSX) with an optional mapping file into numbered rows
/// for `Store::crash_import`. A missing column or an unreadable file is an error for
/// the whole file; a bad cell is that row's error.
#[allow(clippy::type_complexity)]
/// One parsed import row: its number in the file (1 = first data row) and the record
/// or why it could not be read.
pub type CrashRow = (
    usize,
    Result<atgt_core::crashes::CrashRecord, atgt_store::crashes::RowError>,
);

/// Reads a crash file (CSV or XLSX, canonical columns or through a mapping) and maps
/// every row to a crash record.
pub fn parse_crashes(
    bytes: &[u8],
    mapping_toml: Option<&str>,
) -> Result<Vec<CrashRow>, (String, String)> {
    Ok(parse_crashes_lazily(bytes, mapping_toml)?.collect())
}

/// Like [`parse_crashes`], but the rows are mapped to records as the iterator is
/// consumed: an import maps rows while it writes earlier ones, and the text and the
/// records are never both held in full. The file's format and headers are checked
/// before this returns.
pub fn parse_crashes_lazily(
    bytes: &[u8],
    mapping_toml: Option<&str>,
) -> Result<impl ExactSizeIterator<Item = CrashRow> + Send + 'static, (String, String)> {
    use atgt_core::crashes::{CANONICAL_COLUMNS, CrashRecord};
    use atgt_core::mapping::Mapping;
    use atgt_store::crashes::RowError;
    let mapping = match mapping_toml {
        Some(src) => Some(
            Mapping::parse(src, CANONICAL_COLUMNS)
                .map_err(|e| ("error.file_format".to_string(), e))?,
        ),
        None => None,
    };
    let source = mapping
        .as_ref()
        .map(|m| m.source.clone())
        .unwrap_or_default();
    let table = read(bytes, &source).map_err(|e| ("error.file_format".to_string(), e))?;
    let mapping = mapping.unwrap_or_else(|| Mapping::identity(&table.headers, CANONICAL_COLUMNS));
    if mapping.columns.is_empty() {
        return Err(("error.column_missing".into(), "external_id".into()));
    }
    let index = mapping
        .check_headers(&table.headers)
        .map_err(|c| ("error.column_missing".to_string(), c))?;
    Ok(table.rows.into_iter().enumerate().map(move |(i, row)| {
        let n = i + 1;
        let rec = mapping
            .apply(&index, &row)
            .map_err(|e| RowError {
                row: n,
                column: e.column,
                key: e.key.into(),
                arg: e.arg,
            })
            .and_then(|v| {
                CrashRecord::from_canonical(&v).map_err(|(c, k, a)| RowError {
                    row: n,
                    column: c,
                    key: k.into(),
                    arg: a,
                })
            });
        (n, rec)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_bom_and_semicolons() {
        let t = read(
            "\u{feff}a;b\n1;Xã Xuân Hải\n".as_bytes(),
            &Source {
                delimiter: ";".into(),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(t.headers, vec!["a", "b"]);
        assert_eq!(t.rows[0][1], "Xã Xuân Hải");
    }

    #[test]
    fn excel_dates() {
        assert_eq!(excel_serial_to_text(45902.0), "2025-09-02");
        assert_eq!(excel_serial_to_text(45902.75), "2025-09-02 18:00");
    }

    #[test]
    fn xlsx_round_trip() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "external_id").unwrap();
        ws.write_string(0, 1, "deaths").unwrap();
        ws.write_string(1, 0, "CA-1").unwrap();
        ws.write_number(1, 1, 2.0).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let t = read(&bytes, &Source::default()).unwrap();
        assert_eq!(t.headers, vec!["external_id", "deaths"]);
        assert_eq!(t.rows, vec![vec!["CA-1".to_string(), "2".to_string()]]);
    }
}
