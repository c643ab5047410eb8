//! Bulk inserts on SQLite through the connection's own prepared statement.
//!
//! An import writes millions of rows. Through sqlx every multi-row `INSERT` is a new
//! SQL text with thousands of placeholders whose arguments are copied into owned
//! buffers and sent to the connection's worker thread; the profile of a 200,000-crash
//! import showed a quarter of the time in the allocator. Here one single-row
//! statement is prepared per call and stepped for each row, binding the values where
//! they lie. It runs inside the caller's transaction (the handle is locked for the
//! call), so atomicity and durability are those of the transaction.
//!
//! This is the one module of the workspace with `unsafe` code: the calls into
//! SQLite's C API. Each block says why it is sound.
#![allow(unsafe_code)]

use crate::db::Value;
use crate::error::{StoreError, StoreResult};
use libsqlite3_sys as ffi;
use std::ffi::{CStr, c_int};
use std::ptr::NonNull;

/// A prepared statement, finalized on drop.
struct Stmt {
    db: NonNull<ffi::sqlite3>,
    raw: NonNull<ffi::sqlite3_stmt>,
}

fn error(db: NonNull<ffi::sqlite3>, rc: c_int) -> StoreError {
    // SAFETY: `db` is the open connection locked by the caller; sqlite3_errmsg returns
    // a NUL-terminated string owned by SQLite, copied here before any other call.
    let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) }
        .to_string_lossy()
        .into_owned();
    if rc & 0xff == ffi::SQLITE_CONSTRAINT {
        // Same shape as sqlx's unique violations: the constraint, here SQLite's text.
        return StoreError::Conflict(msg);
    }
    StoreError::Sqlite(format!("{msg} (code {rc})"))
}

impl Stmt {
    fn prepare(db: NonNull<ffi::sqlite3>, sql: &str) -> StoreResult<Stmt> {
        let len = c_int::try_from(sql.len())
            .map_err(|_| StoreError::Sqlite("statement too long".into()))?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: `sql` is valid for `len` bytes (not NUL-terminated, which the length
        // allows); `raw` receives a statement we own and finalize in Drop.
        let rc = unsafe {
            ffi::sqlite3_prepare_v2(
                db.as_ptr(),
                sql.as_ptr().cast(),
                len,
                &mut raw,
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(error(db, rc));
        }
        let raw = NonNull::new(raw).ok_or_else(|| StoreError::Sqlite("empty statement".into()))?;
        Ok(Stmt { db, raw })
    }

    /// Binds one row and runs the statement. The values only need to live for this
    /// call: they are bound as SQLITE_STATIC and the bindings are cleared before
    /// returning, so SQLite never reads them afterwards.
    fn run(&mut self, row: &[Value]) -> StoreResult<()> {
        let s = self.raw.as_ptr();
        let mut rc;
        for (i, v) in row.iter().enumerate() {
            let i = i as c_int + 1;
            // SAFETY: `s` is our prepared statement; text and blob pointers are valid
            // for their lengths until sqlite3_clear_bindings below.
            rc = unsafe {
                match v {
                    Value::I64(Some(x)) => ffi::sqlite3_bind_int64(s, i, *x),
                    Value::F64(Some(x)) => ffi::sqlite3_bind_double(s, i, *x),
                    Value::Bool(Some(x)) => ffi::sqlite3_bind_int64(s, i, i64::from(*x)),
                    Value::Text(Some(t)) => ffi::sqlite3_bind_text(
                        s,
                        i,
                        t.as_ptr().cast(),
                        c_int::try_from(t.len()).unwrap_or(c_int::MAX),
                        ffi::SQLITE_STATIC(),
                    ),
                    Value::Bytes(Some(b)) => ffi::sqlite3_bind_blob(
                        s,
                        i,
                        b.as_ptr().cast(),
                        c_int::try_from(b.len()).unwrap_or(c_int::MAX),
                        ffi::SQLITE_STATIC(),
                    ),
                    Value::I64(None)
                    | Value::F64(None)
                    | Value::Bool(None)
                    | Value::Text(None)
                    | Value::Bytes(None) => ffi::sqlite3_bind_null(s, i),
                }
            };
            if rc != ffi::SQLITE_OK {
                // SAFETY: as above; clearing drops any pointer already bound.
                unsafe { ffi::sqlite3_clear_bindings(s) };
                return Err(error(self.db, rc));
            }
        }
        // SAFETY: `s` is a fully bound statement of this connection; reset and
        // clear_bindings return it to its initial state before the values go away.
        unsafe {
            rc = ffi::sqlite3_step(s);
            ffi::sqlite3_reset(s);
            ffi::sqlite3_clear_bindings(s);
        }
        if rc != ffi::SQLITE_DONE {
            return Err(error(self.db, rc));
        }
        Ok(())
    }
}

impl Drop for Stmt {
    fn drop(&mut self) {
        // SAFETY: we own the statement and finalize it exactly once.
        unsafe { ffi::sqlite3_finalize(self.raw.as_ptr()) };
    }
}

/// `head VALUES (?, …) tail` for each row, inside the transaction `t`.
pub(crate) async fn insert_rows(
    t: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    head: &str,
    tail: &str,
    width: usize,
    rows: &[Vec<Value>],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = String::with_capacity(head.len() + tail.len() + width * 2 + 16);
    sql.push_str(head);
    sql.push_str(" VALUES (");
    for j in 0..width {
        if j > 0 {
            sql.push(',');
        }
        sql.push('?');
    }
    sql.push_str(") ");
    sql.push_str(tail);
    let mut handle = t.lock_handle().await?;
    let mut stmt = Stmt::prepare(handle.as_raw_handle(), &sql)?;
    for row in rows {
        if row.len() != width {
            return Err(StoreError::Sqlite(format!(
                "row of {} values for {width} columns",
                row.len()
            )));
        }
        stmt.run(row)?;
    }
    Ok(())
}
