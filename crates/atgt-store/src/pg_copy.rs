//! Bulk inserts on PostgreSQL with `COPY … FROM STDIN` (text format) inside the
//! caller's transaction. A multi-row `INSERT` sends thousands of bound parameters per
//! statement, each parsed and planned; `COPY` streams the rows as text, which the
//! server loads in one pass. Atomicity is the transaction's: a failed `COPY` (a unique
//! key, a type) aborts it like a failed `INSERT` would.

use crate::db::Value;
use crate::error::{StoreError, StoreResult};
use std::fmt::Write as _;

/// `COPY table (cols) FROM STDIN` for an `INSERT INTO table (cols)` head, if it is one.
pub(crate) fn copy_statement(head: &str) -> Option<String> {
    let rest = head.trim().strip_prefix("INSERT INTO ")?;
    let open = rest.find('(')?;
    let (table, cols) = (rest[..open].trim(), rest[open..].trim());
    if table.is_empty() || !cols.ends_with(')') || cols[1..].contains('(') {
        return None;
    }
    Some(format!("COPY {table} {cols} FROM STDIN"))
}

/// Appends one value in COPY's text format.
fn push_value(out: &mut String, v: &Value) {
    match v {
        Value::I64(Some(x)) => {
            let _ = write!(out, "{x}");
        }
        Value::F64(Some(x)) if x.is_nan() => out.push_str("NaN"),
        Value::F64(Some(x)) if x.is_infinite() => {
            out.push_str(if *x > 0.0 { "Infinity" } else { "-Infinity" })
        }
        Value::F64(Some(x)) => {
            let _ = write!(out, "{x}");
        }
        Value::Bool(Some(b)) => out.push(if *b { 't' } else { 'f' }),
        Value::Text(Some(t)) => {
            for c in t.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c => out.push(c),
                }
            }
        }
        // bytea in hex; the backslash itself escaped for the text format.
        Value::Bytes(Some(b)) => {
            out.push_str("\\\\x");
            out.push_str(&hex::encode(b));
        }
        Value::I64(None)
        | Value::F64(None)
        | Value::Bool(None)
        | Value::Text(None)
        | Value::Bytes(None) => out.push_str("\\N"),
    }
}

/// Encodes rows in COPY's text format: tab-separated, one line per row.
pub(crate) fn encode(rows: &[Vec<Value>], width: usize) -> StoreResult<String> {
    let mut out = String::with_capacity(rows.len() * width * 8);
    for row in rows {
        if row.len() != width {
            return Err(StoreError::Reference(format!(
                "row of {} values for {width} columns",
                row.len()
            )));
        }
        for (j, v) in row.iter().enumerate() {
            if j > 0 {
                out.push('\t');
            }
            push_value(&mut out, v);
        }
        out.push('\n');
    }
    Ok(out)
}

/// Copies `rows` into the table of `head` (`INSERT INTO table (cols)`).
pub(crate) async fn copy_rows(
    t: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    statement: &str,
    width: usize,
    rows: &[Vec<Value>],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut copy = t.copy_in_raw(statement).await?;
    for chunk in rows.chunks(2_000) {
        let data = match encode(chunk, width) {
            Ok(d) => d,
            Err(e) => {
                copy.abort("bad row").await.ok();
                return Err(e);
            }
        };
        if let Err(e) = copy.send(data.into_bytes()).await {
            return Err(e.into());
        }
    }
    copy.finish().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_from_an_insert_head() {
        assert_eq!(
            copy_statement("INSERT INTO crash_causes (crash_id, cause)").as_deref(),
            Some("COPY crash_causes (crash_id, cause) FROM STDIN")
        );
        assert_eq!(copy_statement("UPDATE x SET a = 1"), None);
        assert_eq!(copy_statement("INSERT INTO t (a, f(b))"), None);
    }

    #[test]
    fn values_in_the_text_format() {
        let rows = vec![vec![
            Value::from(-7i64),
            Value::F64(Some(1537.856)),
            Value::Bool(Some(true)),
            Value::Text(Some("a\tb\\c\nd Đ".into())),
            Value::Text(None),
            Value::Bytes(Some(vec![0, 255])),
        ]];
        assert_eq!(
            encode(&rows, 6).unwrap(),
            "-7\t1537.856\tt\ta\\tb\\\\c\\nd Đ\t\\N\t\\\\x00ff\n"
        );
        assert!(encode(&rows, 5).is_err());
    }
}
