//! A sync body as lines of fields: NDJSON (one JSON object a line) or CSV (a header
//! line, then one record a line). Line numbers are those of the body (1-based; the CSV
//! header is line 1), so a partner can find the line a result names.

use atgt_core::hub::{FieldError, Fields, json_fields};

/// The lines of a body with their number; blank NDJSON lines are skipped.
pub fn lines(body: &[u8], csv: bool) -> Vec<(usize, Result<Fields, FieldError>)> {
    if csv {
        csv_lines(body)
    } else {
        ndjson_lines(body)
    }
}

fn bad_line(key: &str) -> FieldError {
    FieldError {
        field: "line".into(),
        key: key.into(),
    }
}

fn ndjson_lines(body: &[u8]) -> Vec<(usize, Result<Fields, FieldError>)> {
    let mut out = Vec::new();
    for (i, raw) in body.split(|b| *b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let r = match std::str::from_utf8(raw) {
            Ok(s) => json_fields(s),
            Err(_) => Err(bad_line("hub.error.not_utf8")),
        };
        out.push((i + 1, r));
    }
    out
}

fn csv_lines(body: &[u8]) -> Vec<(usize, Result<Fields, FieldError>)> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(body);
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(_) => return vec![(1, Err(bad_line("hub.error.bad_csv")))],
    };
    let mut out = Vec::new();
    for rec in rdr.byte_records() {
        match rec {
            Ok(r) => {
                let line = r.position().map(|p| p.line() as usize).unwrap_or(0);
                if r.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                    continue;
                }
                if r.len() != headers.len() {
                    out.push((line, Err(bad_line("hub.error.csv_width"))));
                    continue;
                }
                let mut f = Fields::new();
                let mut utf8 = true;
                for (h, v) in headers.iter().zip(r.iter()) {
                    match std::str::from_utf8(v) {
                        Ok(s) if !s.trim().is_empty() => {
                            f.insert(h.clone(), s.to_string());
                        }
                        Ok(_) => {}
                        Err(_) => utf8 = false,
                    }
                }
                out.push((
                    line,
                    if utf8 {
                        Ok(f)
                    } else {
                        Err(bad_line("hub.error.not_utf8"))
                    },
                ));
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                out.push((line, Err(bad_line("hub.error.bad_csv"))));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndjson_keeps_line_numbers_and_skips_blank_lines() {
        let l = lines(b"{\"a\":\"1\"}\n\n{bad\n", false);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].0, 1);
        assert_eq!(l[1].0, 3);
        assert!(l[1].1.is_err());
    }

    #[test]
    fn csv_lines_by_header() {
        let l = lines(
            "record_id,version,plate\nV1,1,79A-123.45\nV2,1\n".as_bytes(),
            true,
        );
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].0, 2);
        assert_eq!(l[0].1.as_ref().unwrap().get("plate").unwrap(), "79A-123.45");
        assert_eq!(l[1].0, 3);
        assert!(l[1].1.is_err());
    }
}
