//! Cameras and violation processing in the database. Security-sensitive: reads are
//! stored in batches whose hash the audit chain seals, every case change is audited
//! with the hash of the case row, and [`Store::enforcement_verify`] re-checks both, so
//! a direct edit of a read or a case row is found by `atgt audit verify`.

use crate::audit::append;
use crate::db::{Row, Tx, Value};
use crate::error::{StoreError, StoreResult};
use crate::migrate::insert_batched;
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use atgt_core::enforcement::{
    Action, CaseCore, CaseState, Catalog, Pending, Read, ReadFields, ReadHasher, Who, apply,
    case_hash,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// The rule file names of this capability (editable like the crash classes).
pub const CATALOG_RULES: &str = "violations-168";
pub const LIMITS_RULES: &str = "speed-limits";

// ---------------------------------------------------------------------------------
// Cameras
// ---------------------------------------------------------------------------------

/// Camera types.
pub const CAMERA_KINDS: &[&str] = &["speed", "red_light", "anpr", "surveillance", "wim"];

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Camera {
    pub id: String,
    pub name: String,
    /// speed, red_light, anpr, surveillance, wim (weigh-in-motion).
    pub kind: String,
    pub route: Option<String>,
    pub km: Option<f64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub direction: String,
    pub owner_org_id: Option<i64>,
    pub vendor: String,
    /// active, maintenance, retired.
    pub status: String,
    #[serde(default)]
    pub last_seen_us: Option<i64>,
    /// Share of the minutes of the last 24 hours with a heartbeat or read (0–100).
    #[serde(default)]
    pub uptime_pct: f64,
}

fn camera(r: &Row) -> StoreResult<Camera> {
    Ok(Camera {
        id: r.text("id")?,
        name: r.text("name")?,
        kind: r.text("kind")?,
        route: r.opt_text("route")?,
        km: r.opt_f64("km")?,
        lon: r.opt_f64("lon")?,
        lat: r.opt_f64("lat")?,
        direction: r.text("direction")?,
        owner_org_id: r.opt_i64("owner_org_id")?,
        vendor: r.text("vendor")?,
        status: r.text("status")?,
        last_seen_us: r.opt_i64("last_seen_us")?,
        uptime_pct: 0.0,
    })
}

fn invalid(field: &str, key: &str) -> StoreError {
    StoreError::Invalid {
        field: field.into(),
        key: key.into(),
        arg: String::new(),
    }
}

// ---------------------------------------------------------------------------------
// Ingest
// ---------------------------------------------------------------------------------

/// A refused line: its number (1 = first line), the field and the reason (i18n key).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineReject {
    pub line: usize,
    pub field: String,
    pub key: String,
    /// The reason in the caller's language (filled by the web layer).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// What an ingest did. Sent only once the accepted reads are committed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IngestReport {
    pub lines: usize,
    pub accepted: usize,
    /// Reads whose `event_id` was accepted before (or earlier in the same body).
    pub duplicates: usize,
    pub rejected: Vec<LineReject>,
    /// The batch that holds the accepted reads, if any.
    pub batch_id: Option<i64>,
}

const READ_COLS: &str = "event_id, camera_id, read_at_us, plate_raw, plate_key, plate_display, readable, confidence, speed_kmh, lane, vehicle_class, image_sha256, batch_id";
const READ_WIDTH: usize = 13;

fn read_values_owned(r: Read) -> [Value; READ_WIDTH] {
    [
        Value::Text(Some(r.event_id)),
        Value::Text(Some(r.camera_id)),
        r.read_at_us.into(),
        Value::Text(Some(r.plate_raw)),
        Value::Text(Some(r.plate_key)),
        Value::Text(Some(r.plate_display)),
        i64::from(r.readable).into(),
        r.confidence.into(),
        r.speed_kmh.into(),
        r.lane.into(),
        Value::Text(r.vehicle_class),
        Value::Text(r.image_sha256),
        Value::I64(None),
    ]
}

/// The hashed fields of a row of values laid out as `id, READ_COLS`.
fn fields_of(row: &[Value]) -> ReadFields<'_> {
    fn text(v: &Value) -> Option<&str> {
        match v {
            Value::Text(Some(s)) => Some(s.as_str()),
            _ => None,
        }
    }
    let int = |v: &Value| match v {
        Value::I64(x) => *x,
        _ => None,
    };
    let float = |v: &Value| match v {
        Value::F64(x) => *x,
        _ => None,
    };
    ReadFields {
        event_id: text(&row[1]).unwrap_or(""),
        camera_id: text(&row[2]).unwrap_or(""),
        read_at_us: int(&row[3]).unwrap_or(0),
        plate_raw: text(&row[4]).unwrap_or(""),
        plate_key: text(&row[5]).unwrap_or(""),
        confidence: float(&row[8]),
        speed_kmh: float(&row[9]),
        lane: int(&row[10]),
        vehicle_class: text(&row[11]),
        image_sha256: text(&row[12]),
    }
}

fn read_row(r: &Row) -> StoreResult<(i64, Read)> {
    Ok((
        r.i64("id")?,
        Read {
            event_id: r.text("event_id")?,
            camera_id: r.text("camera_id")?,
            read_at_us: r.i64("read_at_us")?,
            plate_raw: r.text("plate_raw")?,
            plate_key: r.text("plate_key")?,
            plate_display: r.text("plate_display")?,
            readable: r.i64("readable")? != 0,
            confidence: r.opt_f64("confidence")?,
            speed_kmh: r.opt_f64("speed_kmh")?,
            lane: r.opt_i64("lane")?,
            vehicle_class: r.opt_text("vehicle_class")?,
            image_sha256: r.opt_text("image_sha256")?,
        },
    ))
}

/// A stored read, for pages and evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredRead {
    pub id: i64,
    pub event_id: String,
    pub camera_id: String,
    pub read_at_us: i64,
    pub plate_raw: String,
    pub plate_display: String,
    pub readable: bool,
    pub speed_kmh: Option<f64>,
    pub vehicle_class: Option<String>,
    pub image_sha256: Option<String>,
}

impl From<(i64, Read)> for StoredRead {
    fn from((id, r): (i64, Read)) -> Self {
        StoredRead {
            id,
            event_id: r.event_id,
            camera_id: r.camera_id,
            read_at_us: r.read_at_us,
            plate_raw: r.plate_raw,
            plate_display: r.plate_display,
            readable: r.readable,
            speed_kmh: r.speed_kmh,
            vehicle_class: r.vehicle_class,
            image_sha256: r.image_sha256,
        }
    }
}

impl Store {
    /// Registers or updates a camera (audited).
    pub async fn camera_put(&self, actor: &Actor, c: &Camera) -> StoreResult<Camera> {
        if c.id.trim().is_empty() || c.id.len() > 64 {
            return Err(invalid("id", "enforcement_error.camera_id"));
        }
        if c.name.trim().is_empty() {
            return Err(invalid("name", "error.required"));
        }
        if !CAMERA_KINDS.contains(&c.kind.as_str()) {
            return Err(invalid("kind", "enforcement_error.camera_kind"));
        }
        if !matches!(c.status.as_str(), "active" | "maintenance" | "retired") {
            return Err(invalid("status", "enforcement_error.camera_status"));
        }
        let mut tx = self.db.begin().await?;
        let before = tx
            .fetch_optional(
                "SELECT id, name, kind, route, km, lon, lat, direction, owner_org_id, vendor, status, last_seen_us FROM cameras WHERE id = $1",
                &params![c.id.clone()],
            )
            .await?
            .map(|r| camera(&r))
            .transpose()?;
        tx.execute(
            "INSERT INTO cameras (id, name, kind, route, km, lon, lat, direction, owner_org_id, vendor, status, installed_at_us)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, route = excluded.route,
               km = excluded.km, lon = excluded.lon, lat = excluded.lat, direction = excluded.direction,
               owner_org_id = excluded.owner_org_id, vendor = excluded.vendor, status = excluded.status",
            &params![
                c.id.clone(),
                c.name.clone(),
                c.kind.clone(),
                c.route.clone(),
                c.km,
                c.lon,
                c.lat,
                c.direction.clone(),
                c.owner_org_id,
                c.vendor.clone(),
                c.status.clone(),
                now_us()
            ],
        )
        .await?;
        append(
            &mut tx,
            actor.entry(
                if before.is_some() {
                    "camera.update"
                } else {
                    "camera.create"
                },
                "camera",
                &c.id,
                serde_json::to_value(&before).unwrap_or_default(),
                serde_json::to_value(c).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(c.clone())
    }

    /// Declares a section between two cameras (audited).
    pub async fn section_put(
        &self,
        actor: &Actor,
        entry: &str,
        exit: &str,
        length_m: f64,
    ) -> StoreResult<()> {
        if length_m.is_nan() || length_m <= 100.0 {
            return Err(invalid("length_m", "enforcement_error.section_length"));
        }
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO camera_sections (entry_camera, exit_camera, length_m) VALUES ($1, $2, $3)
             ON CONFLICT (entry_camera, exit_camera) DO UPDATE SET length_m = excluded.length_m",
            &params![entry, exit, length_m],
        )
        .await
        .map_err(|_| invalid("camera", "enforcement_error.camera_unknown"))?;
        append(
            &mut tx,
            actor.entry(
                "camera.section",
                "camera_section",
                format!("{entry}>{exit}"),
                serde_json::Value::Null,
                serde_json::json!({"entry": entry, "exit": exit, "length_m": length_m}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sections: (entry, exit, length in metres).
    pub async fn sections(&self) -> StoreResult<Vec<(String, String, f64)>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT entry_camera, exit_camera, length_m FROM camera_sections ORDER BY id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.text("entry_camera")?,
                    r.text("exit_camera")?,
                    r.f64("length_m")?,
                ))
            })
            .collect()
    }

    /// Cameras with their uptime over the 24 hours before `now_us`.
    pub async fn cameras(&self, now: i64) -> StoreResult<Vec<Camera>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT id, name, kind, route, km, lon, lat, direction, owner_org_id, vendor, status, last_seen_us FROM cameras ORDER BY id",
                &[],
            )
            .await?;
        let mut cams: Vec<Camera> = rows.iter().map(camera).collect::<StoreResult<_>>()?;
        let from = now / 60_000_000 - 24 * 60;
        let up = self
            .db
            .fetch_all(
                "SELECT camera_id, COUNT(*) AS n FROM camera_heartbeats WHERE minute > $1 AND minute <= $2 GROUP BY camera_id",
                &params![from, now / 60_000_000],
            )
            .await?;
        let mut m = HashMap::new();
        for r in up {
            m.insert(r.text("camera_id")?, r.i64("n")?);
        }
        for c in &mut cams {
            c.uptime_pct = (*m.get(&c.id).unwrap_or(&0) as f64 / (24.0 * 60.0) * 100.0).min(100.0);
        }
        Ok(cams)
    }

    pub async fn camera(&self, id: &str) -> StoreResult<Camera> {
        let mut cams = self.cameras(now_us()).await?;
        cams.retain(|c| c.id == id);
        cams.pop().ok_or(StoreError::NotFound)
    }

    /// Records a heartbeat of a camera at `at_us`.
    pub async fn camera_heartbeat(&self, id: &str, at_us: i64) -> StoreResult<()> {
        let n = self
            .db
            .execute(
                "UPDATE cameras SET last_seen_us = $2 WHERE id = $1 AND (last_seen_us IS NULL OR last_seen_us < $2)",
                &params![id, at_us],
            )
            .await?;
        let exists = n > 0
            || self
                .db
                .fetch_optional("SELECT id FROM cameras WHERE id = $1", &params![id])
                .await?
                .is_some();
        if !exists {
            return Err(StoreError::NotFound);
        }
        self.db
            .execute(
                "INSERT INTO camera_heartbeats (camera_id, minute) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &params![id, at_us / 60_000_000],
            )
            .await?;
        Ok(())
    }

    /// Ingests parsed lines (line number, read or the parser's refusal). The accepted
    /// reads, their batch row, the heartbeats and one audit entry sealing the batch's
    /// hash are written in one transaction; the report is returned after the commit,
    /// so an acknowledged read is durable. A repeated `event_id` is a duplicate, not a
    /// second row (unique constraint).
    ///
    /// Fast path: everything that does not need the database (checks, the rows'
    /// values) is prepared before the transaction; ids are reserved inside it, so the
    /// rows go in with multi-row inserts (SQLite) or one `UNNEST` insert (PostgreSQL)
    /// without reading anything back unless some were duplicates.
    pub async fn ingest_reads(
        &self,
        actor: &Actor,
        lines: Vec<(usize, Result<Read, LineReject>)>,
    ) -> StoreResult<IngestReport> {
        let mut report = IngestReport {
            lines: lines.len(),
            ..Default::default()
        };
        // Cameras are never deleted, so the list read before the transaction holds.
        let known: HashSet<String> = self
            .db
            .fetch_all("SELECT id FROM cameras", &[])
            .await?
            .iter()
            .map(|r| r.text("id"))
            .collect::<StoreResult<_>>()?;
        let mut ok: Vec<Read> = Vec::with_capacity(lines.len());
        let mut seen: HashSet<&str> = HashSet::with_capacity(lines.len());
        let mut dup_in_body = vec![false; lines.len()];
        for (i, (_, r)) in lines.iter().enumerate() {
            if let Ok(r) = r
                && !seen.insert(r.event_id.as_str())
            {
                dup_in_body[i] = true;
            }
        }
        drop(seen);
        for ((n, r), dup) in lines.into_iter().zip(dup_in_body) {
            match r {
                Ok(_) if dup => report.duplicates += 1,
                Ok(r) if known.contains(&r.camera_id) => ok.push(r),
                Ok(_) => report.rejected.push(LineReject {
                    line: n,
                    field: "camera_id".into(),
                    key: "enforcement_error.read_camera_unknown".into(),
                    reason: String::new(),
                }),
                Err(e) => report.rejected.push(e),
            }
        }
        report.rejected.sort_by_key(|e| e.line);
        if ok.is_empty() {
            return Ok(report);
        }
        let n = ok.len();
        // Heartbeats: a read is a sign of life, one row per camera and minute.
        let mut beats: HashSet<(&str, i64)> = HashSet::new();
        let mut last_seen: HashMap<String, i64> = HashMap::new();
        for r in &ok {
            beats.insert((r.camera_id.as_str(), r.read_at_us.div_euclid(60_000_000)));
            match last_seen.get_mut(&r.camera_id) {
                Some(t) => *t = (*t).max(r.read_at_us),
                None => {
                    last_seen.insert(r.camera_id.clone(), r.read_at_us);
                }
            }
        }
        let beat_rows: Vec<Vec<Value>> = beats
            .into_iter()
            .map(|(c, m)| vec![c.into(), m.into()])
            .collect();
        let backend = self.backend();
        // SQLite: the rows' values (moved, not copied), the id and batch slots filled
        // in the transaction; the batch hash is then read from them.
        let mut flat: Vec<Value> = Vec::new();
        if backend == crate::Backend::Sqlite {
            flat.reserve(n * (READ_WIDTH + 1));
            for r in ok.drain(..) {
                flat.push(Value::I64(None));
                flat.extend(read_values_owned(r));
            }
        }
        let now = now_us();
        let mut tx = self.db.begin().await?;
        let batch = tx
            .insert_id(
                "INSERT INTO read_batches (received_us, actor, reads, first_id, last_id, hash) VALUES ($1, $2, 0, 0, 0, '') RETURNING id",
                &params![now, actor.name.clone()],
            )
            .await?;
        let mut ids: Vec<i64> = match backend {
            // The transaction holds SQLite's write lock: nobody else takes ids.
            crate::Backend::Sqlite => {
                let first = tx
                    .fetch_one("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM plate_reads", &[])
                    .await?
                    .i64("n")?;
                (first..first + n as i64).collect()
            }
            crate::Backend::Postgres => tx
                .fetch_all(
                    "SELECT nextval(pg_get_serial_sequence('plate_reads', 'id')) AS id FROM generate_series(1, $1)",
                    &params![n as i64],
                )
                .await?
                .iter()
                .map(|r| r.i64("id"))
                .collect::<StoreResult<_>>()?,
        };
        // Rows are hashed in id order, as verification reads them back.
        ids.sort_unstable();
        let affected = match &mut tx {
            Tx::Sqlite(_) => {
                let w = READ_WIDTH + 1;
                for (i, id) in ids.iter().enumerate() {
                    flat[i * w] = (*id).into();
                    flat[i * w + READ_WIDTH] = batch.into();
                }
                let per = 32_000 / w;
                let mut affected = 0u64;
                let mut rest = flat.as_slice();
                while !rest.is_empty() {
                    let take = rest.len().min(per * w);
                    let (chunk, tail) = rest.split_at(take);
                    rest = tail;
                    let rows = chunk.len() / w;
                    let mut sql = String::with_capacity(64 + rows * (w * 2 + 3));
                    sql.push_str("INSERT INTO plate_reads (id, ");
                    sql.push_str(READ_COLS);
                    sql.push_str(") VALUES ");
                    for i in 0..rows {
                        if i > 0 {
                            sql.push(',');
                        }
                        sql.push('(');
                        for j in 0..w {
                            if j > 0 {
                                sql.push(',');
                            }
                            sql.push('?');
                        }
                        sql.push(')');
                    }
                    sql.push_str(" ON CONFLICT (event_id) DO NOTHING");
                    affected += tx.execute(&sql, chunk).await?;
                }
                affected
            }
            Tx::Pg(t) => {
                let q = sqlx::query(
                    "INSERT INTO plate_reads (id, event_id, camera_id, read_at_us, plate_raw, plate_key, plate_display, readable,
                       confidence, speed_kmh, lane, vehicle_class, image_sha256, batch_id)
                     SELECT u.*, $14::bigint FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[],
                       $7::text[], $8::bigint[], $9::float8[], $10::float8[], $11::bigint[], $12::text[], $13::text[]) AS u
                     ON CONFLICT (event_id) DO NOTHING",
                )
                .bind(&ids)
                .bind(ok.iter().map(|r| r.event_id.as_str()).collect::<Vec<_>>())
                .bind(ok.iter().map(|r| r.camera_id.as_str()).collect::<Vec<_>>())
                .bind(ok.iter().map(|r| r.read_at_us).collect::<Vec<_>>())
                .bind(ok.iter().map(|r| r.plate_raw.as_str()).collect::<Vec<_>>())
                .bind(ok.iter().map(|r| r.plate_key.as_str()).collect::<Vec<_>>())
                .bind(ok.iter().map(|r| r.plate_display.as_str()).collect::<Vec<_>>())
                .bind(ok.iter().map(|r| i64::from(r.readable)).collect::<Vec<_>>())
                .bind(ok.iter().map(|r| r.confidence).collect::<Vec<_>>())
                .bind(ok.iter().map(|r| r.speed_kmh).collect::<Vec<_>>())
                .bind(ok.iter().map(|r| r.lane).collect::<Vec<_>>())
                .bind(ok.iter().map(|r| r.vehicle_class.as_deref()).collect::<Vec<_>>())
                .bind(ok.iter().map(|r| r.image_sha256.as_deref()).collect::<Vec<_>>())
                .bind(batch);
                q.execute(&mut **t).await?.rows_affected()
            }
        };
        report.accepted = affected as usize;
        report.duplicates += n - affected as usize;
        if affected == 0 {
            // Everything was seen before: nothing to seal, nothing kept.
            drop(tx);
            return Ok(report);
        }
        // Which rows went in: all of them, or (some were duplicates) those carrying
        // this batch's id.
        let taken: Option<HashSet<i64>> = if affected as usize == n {
            None
        } else {
            Some(
                tx.fetch_all(
                    "SELECT id FROM plate_reads WHERE batch_id = $1",
                    &params![batch],
                )
                .await?
                .iter()
                .map(|r| r.i64("id"))
                .collect::<StoreResult<_>>()?,
            )
        };
        let is_taken = |id: &i64| taken.as_ref().is_none_or(|t| t.contains(id));
        // Ids are reserved in increasing order, so rows are hashed in id order.
        let mut h = ReadHasher::new();
        let mut kept: Vec<i64> = Vec::with_capacity(affected as usize);
        if backend == crate::Backend::Sqlite {
            for row in flat.chunks(READ_WIDTH + 1) {
                let id = match row[0] {
                    Value::I64(Some(id)) => id,
                    _ => continue,
                };
                if is_taken(&id) {
                    h.push(id, fields_of(row));
                    kept.push(id);
                }
            }
        } else {
            for (id, r) in ids.iter().zip(ok.iter()) {
                if is_taken(id) {
                    h.push(*id, r.into());
                    kept.push(*id);
                }
            }
        }
        drop(flat);
        let hash = h.finish();
        let (first, last) = (kept[0], kept[kept.len() - 1]);
        let inserted = kept;
        tx.execute(
            "UPDATE read_batches SET reads = $2, first_id = $3, last_id = $4, hash = $5 WHERE id = $1",
            &params![batch, inserted.len() as i64, first, last, hash.clone()],
        )
        .await?;
        insert_batched(
            &mut tx,
            "INSERT INTO camera_heartbeats (camera_id, minute)",
            "ON CONFLICT DO NOTHING",
            2,
            beat_rows,
        )
        .await?;
        for (c, t) in last_seen {
            tx.execute(
                "UPDATE cameras SET last_seen_us = $2 WHERE id = $1 AND (last_seen_us IS NULL OR last_seen_us < $2)",
                &params![c, t],
            )
            .await?;
        }
        append(
            &mut tx,
            actor.entry(
                "plate_reads.ingest",
                "read_batch",
                batch,
                serde_json::Value::Null,
                serde_json::json!({
                    "reads": inserted.len(), "first_id": first, "last_id": last, "hash": hash,
                    "duplicates": report.duplicates, "rejected": report.rejected.len(),
                }),
            ),
        )
        .await?;
        tx.commit().await?;
        report.batch_id = Some(batch);
        Ok(report)
    }

    /// Number of stored reads.
    pub async fn reads_count(&self) -> StoreResult<i64> {
        self.db
            .fetch_one("SELECT COUNT(*) AS n FROM plate_reads", &[])
            .await?
            .i64("n")
    }

    /// Reads in a time window, oldest first (for the rules and pages).
    pub async fn reads_between(&self, from_us: i64, to_us: i64) -> StoreResult<Vec<(i64, Read)>> {
        let rows = self
            .db
            .fetch_all(
                &format!("SELECT id, {READ_COLS} FROM plate_reads WHERE read_at_us >= $1 AND read_at_us < $2 ORDER BY read_at_us, id"),
                &params![from_us, to_us],
            )
            .await?;
        rows.iter().map(read_row).collect()
    }

    /// Reads by id (evidence of a case).
    pub async fn reads_by_id(&self, ids: &[i64]) -> StoreResult<Vec<StoredRead>> {
        let mut out = Vec::new();
        for id in ids {
            if let Some(r) = self
                .db
                .fetch_optional(
                    &format!("SELECT id, {READ_COLS} FROM plate_reads WHERE id = $1"),
                    &params![*id],
                )
                .await?
            {
                out.push(read_row(&r)?.into());
            }
        }
        Ok(out)
    }

    /// Reads whose plate could not be read, newest first (kept for review).
    pub async fn unreadable_reads(&self, limit: i64) -> StoreResult<Vec<StoredRead>> {
        let rows = self
            .db
            .fetch_all(
                &format!("SELECT id, {READ_COLS} FROM plate_reads WHERE readable = 0 ORDER BY id DESC LIMIT $1"),
                &params![limit],
            )
            .await?;
        rows.iter()
            .map(|r| read_row(r).map(StoredRead::from))
            .collect()
    }

    /// The catalog in force (the shipped file unless an administrator edited it).
    pub async fn catalog(&self) -> StoreResult<Catalog> {
        match self.rule_file(CATALOG_RULES).await? {
            Some(src) => Catalog::parse(&src).map_err(StoreError::Reference),
            None => Ok(Catalog::default_catalog()),
        }
    }
}

// ---------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------

/// A violation case as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Case {
    pub id: i64,
    /// spot_speed, section_speed, red_light, patrol.
    pub kind: String,
    pub plate_key: String,
    pub plate_display: String,
    pub camera_id: Option<String>,
    pub detected_at_us: i64,
    pub state: CaseState,
    /// Catalog code.
    pub behaviour: String,
    /// The measured value the band was chosen by.
    pub measured: Option<f64>,
    pub fine_vnd: Option<i64>,
    pub pending: Option<Pending>,
    /// The reads (ids) and measured values behind the case, as JSON.
    pub evidence: String,
    pub licence_no: Option<String>,
    pub officer_id: Option<i64>,
    pub notice_at_us: Option<i64>,
    pub version: i64,
    pub row_hash: String,
}

impl Case {
    pub fn core(&self) -> CaseCore {
        CaseCore {
            state: self.state,
            behaviour: self.behaviour.clone(),
            measured: self.measured,
            fine_vnd: self.fine_vnd,
            pending: self.pending.clone(),
        }
    }
    fn hash(&self) -> String {
        case_hash(
            self.id,
            &self.kind,
            &self.plate_key,
            self.camera_id.as_deref(),
            self.detected_at_us,
            &self.core(),
            &self.evidence,
            self.version,
        )
    }
    /// Read ids named in the evidence.
    pub fn read_ids(&self) -> Vec<i64> {
        serde_json::from_str::<serde_json::Value>(&self.evidence)
            .ok()
            .and_then(|v| v.get("reads").cloned())
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }
}

const CASE_COLS: &str = "id, kind, dedup_key, plate_key, plate_display, camera_id, detected_at_us, state, behaviour, measured, fine_vnd, pending_json, evidence, licence_no, officer_id, notice_at_us, version, row_hash";

fn case(r: &Row) -> StoreResult<Case> {
    let state = r.text("state")?;
    Ok(Case {
        id: r.i64("id")?,
        kind: r.text("kind")?,
        plate_key: r.text("plate_key")?,
        plate_display: r.text("plate_display")?,
        camera_id: r.opt_text("camera_id")?,
        detected_at_us: r.i64("detected_at_us")?,
        // A state that does not parse was edited: verification reports the row.
        state: CaseState::parse(&state).unwrap_or(CaseState::Detected),
        behaviour: r.text("behaviour")?,
        measured: r.opt_f64("measured")?,
        fine_vnd: r.opt_i64("fine_vnd")?,
        pending: r
            .opt_text("pending_json")?
            .and_then(|s| serde_json::from_str(&s).ok()),
        evidence: r.text("evidence")?,
        licence_no: r.opt_text("licence_no")?,
        officer_id: r.opt_i64("officer_id")?,
        notice_at_us: r.opt_i64("notice_at_us")?,
        version: r.i64("version")?,
        row_hash: r.text("row_hash")?,
    })
}

/// A case to open (from the rules or a patrol).
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    pub kind: String,
    /// Unique per violation, so running the rules twice opens nothing twice.
    pub dedup_key: String,
    pub plate_key: String,
    pub plate_display: String,
    pub camera_id: Option<String>,
    pub detected_at_us: i64,
    pub behaviour: String,
    pub measured: Option<f64>,
    pub evidence: serde_json::Value,
    pub licence_no: Option<String>,
    pub officer_id: Option<i64>,
}

/// Filters for the case list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub state: Option<CaseState>,
    pub plate: Option<String>,
    /// Notices not sent by the deadline.
    pub overdue_before_us: Option<i64>,
}

/// Per-officer dismissal and downgrade counts (for supervisors).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficerRates {
    pub actor_id: i64,
    pub actor_name: String,
    pub actions: i64,
    pub dismissals: i64,
    pub downgrades: i64,
}

async fn write_case_event(
    tx: &mut Tx,
    case_id: i64,
    actor: &Actor,
    action: &str,
    reason: &str,
    detail: serde_json::Value,
) -> StoreResult<()> {
    let seq = tx
        .fetch_one(
            "SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM case_events WHERE case_id = $1",
            &params![case_id],
        )
        .await?
        .i64("n")?;
    tx.execute(
        "INSERT INTO case_events (case_id, seq, at_us, actor_id, actor_name, action, reason, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &params![
            case_id,
            seq,
            now_us(),
            actor.id,
            actor.name.clone(),
            action,
            reason,
            detail.to_string()
        ],
    )
    .await?;
    Ok(())
}

/// A case event, for the history shown on a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseEvent {
    pub seq: i64,
    pub at_us: i64,
    pub actor_name: String,
    pub action: String,
    pub reason: String,
}

/// A case row to write: the case, and the state, notice time and fine it starts with
/// (a new case: detected, neither; a carried-over one: as the previous system left it).
struct NewRow<'a> {
    case: &'a NewCase,
    state: CaseState,
    notice: Option<i64>,
    fine: Option<i64>,
}

/// The cases a transaction wrote, to seal in one audit entry.
#[derive(Default)]
struct Written {
    ids: Vec<i64>,
    /// `[id, row hash, licence, notice time]` each: the licence and notice time are
    /// not in the hash, so they are sealed beside it.
    sealed: Vec<serde_json::Value>,
    /// The plates of the cases, for the portal's index.
    plates: Vec<String>,
}

impl Written {
    /// One audit entry (`action`) sealing every case written; their ids.
    async fn seal(&self, tx: &mut Tx, actor: &Actor, action: &str) -> StoreResult<Vec<i64>> {
        if let (Some(first), Some(last)) = (self.ids.first(), self.ids.last()) {
            append(
                tx,
                actor.entry(
                    action,
                    "violation_cases",
                    format!("{first}-{last}"),
                    serde_json::Value::Null,
                    serde_json::json!({ "cases": self.sealed }),
                ),
            )
            .await?;
        }
        Ok(self.ids.clone())
    }
}

/// Writes one case unless its `dedup_key` is there already (false): the row, its hash,
/// and its first history event (`action`, with `detail`).
async fn insert_case(
    tx: &mut Tx,
    actor: &Actor,
    row: NewRow<'_>,
    now: i64,
    action: &str,
    detail: serde_json::Value,
    written: &mut Written,
) -> StoreResult<bool> {
    let n = row.case;
    if tx
        .fetch_optional(
            "SELECT id FROM violation_cases WHERE dedup_key = $1",
            &params![n.dedup_key.clone()],
        )
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let id = tx
        .insert_id(
            "INSERT INTO violation_cases (kind, dedup_key, plate_key, plate_display, camera_id, detected_at_us, state, behaviour,
               measured, fine_vnd, evidence, licence_no, officer_id, notice_at_us, version, row_hash, updated_at_us)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, '', $15) RETURNING id",
            &params![
                n.kind.clone(),
                n.dedup_key.clone(),
                n.plate_key.clone(),
                n.plate_display.clone(),
                n.camera_id.clone(),
                n.detected_at_us,
                row.state.as_str(),
                n.behaviour.clone(),
                n.measured,
                row.fine,
                atgt_core::audit::canonical_json(&n.evidence),
                n.licence_no.clone(),
                n.officer_id,
                row.notice,
                now
            ],
        )
        .await?;
    let c = case(
        &tx.fetch_one(
            &format!("SELECT {CASE_COLS} FROM violation_cases WHERE id = $1"),
            &params![id],
        )
        .await?,
    )?;
    let h = c.hash();
    tx.execute(
        "UPDATE violation_cases SET row_hash = $2 WHERE id = $1",
        &params![id, h.clone()],
    )
    .await?;
    write_case_event(tx, id, actor, action, "", detail).await?;
    written
        .sealed
        .push(serde_json::json!([id, h, n.licence_no, row.notice]));
    written.ids.push(id);
    written.plates.push(n.plate_key.clone());
    Ok(true)
}

impl Store {
    /// Opens cases (skipping those already open by `dedup_key`) in one transaction,
    /// with one audit entry listing each new case's id and row hash.
    pub async fn cases_open(&self, actor: &Actor, new: Vec<NewCase>) -> StoreResult<Vec<i64>> {
        if new.is_empty() {
            return Ok(Vec::new());
        }
        let catalog = self.catalog().await?;
        for n in &new {
            if catalog.get(&n.behaviour).is_none() {
                return Err(invalid("behaviour", "enforcement_error.case_behaviour"));
            }
        }
        let mut tx = self.db.begin().await?;
        let now = now_us();
        let mut written = Written::default();
        for n in new {
            let event = serde_json::json!({"behaviour": n.behaviour});
            let row = NewRow {
                case: &n,
                state: CaseState::Detected,
                notice: None,
                fine: None,
            };
            insert_case(&mut tx, actor, row, now, "open", event, &mut written).await?;
        }
        let opened = written.seal(&mut tx, actor, "case.open").await?;
        tx.commit().await?;
        if !opened.is_empty() {
            self.open_index.written(written.plates);
        }
        Ok(opened)
    }

    pub async fn case(&self, id: i64) -> StoreResult<Case> {
        case(
            &self
                .db
                .fetch_optional(
                    &format!("SELECT {CASE_COLS} FROM violation_cases WHERE id = $1"),
                    &params![id],
                )
                .await?
                .ok_or(StoreError::NotFound)?,
        )
    }

    pub async fn case_events(&self, id: i64) -> StoreResult<Vec<CaseEvent>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT seq, at_us, actor_name, action, reason FROM case_events WHERE case_id = $1 ORDER BY seq",
                &params![id],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(CaseEvent {
                    seq: r.i64("seq")?,
                    at_us: r.i64("at_us")?,
                    actor_name: r.text("actor_name")?,
                    action: r.text("action")?,
                    reason: r.text("reason")?,
                })
            })
            .collect()
    }

    /// Cases, newest first, with the total.
    pub async fn cases(
        &self,
        f: &CaseFilter,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<Case>, i64)> {
        let mut sql = String::from(" FROM violation_cases WHERE 1 = 1");
        let mut args: Vec<Value> = Vec::new();
        if let Some(s) = f.state {
            args.push(s.as_str().into());
            sql.push_str(&format!(" AND state = ${}", args.len()));
        }
        if let Some(p) = &f.plate {
            args.push(atgt_core::plates::Plate::parse(p).key().into());
            sql.push_str(&format!(" AND plate_key = ${}", args.len()));
        }
        if let Some(t) = f.overdue_before_us {
            args.push(t.into());
            sql.push_str(&format!(
                " AND state IN ('detected', 'reviewed', 'confirmed') AND detected_at_us < ${}",
                args.len()
            ));
        }
        let total = self
            .db
            .fetch_one(&format!("SELECT COUNT(*) AS n{sql}"), &args)
            .await?
            .i64("n")?;
        let mut q = format!("SELECT {CASE_COLS}{sql} ORDER BY detected_at_us DESC, id DESC");
        crate::db::push_page(&mut q, &mut args, limit, offset);
        let rows = self.db.fetch_all(&q, &args).await?;
        Ok((rows.iter().map(case).collect::<StoreResult<_>>()?, total))
    }

    /// Counts of cases by state.
    pub async fn case_counts(&self) -> StoreResult<Vec<(CaseState, i64)>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT state, COUNT(*) AS n FROM violation_cases GROUP BY state",
                &[],
            )
            .await?;
        let mut m: HashMap<String, i64> = HashMap::new();
        for r in rows {
            m.insert(r.text("state")?, r.i64("n")?);
        }
        Ok(CaseState::ALL
            .iter()
            .map(|s| (*s, *m.get(s.as_str()).unwrap_or(&0)))
            .collect())
    }

    /// Applies an action to a case: the workflow checks (four-eyes) in core, then the
    /// new row, its history event and an audit entry sealing the row hash, in one
    /// transaction.
    pub async fn case_act(
        &self,
        actor: &Actor,
        rank: u8,
        id: i64,
        action: &Action,
    ) -> StoreResult<Case> {
        let catalog = self.catalog().await?;
        let mut tx = self.db.begin().await?;
        let before = case(
            &tx.fetch_optional(
                &format!("SELECT {CASE_COLS} FROM violation_cases WHERE id = $1"),
                &params![id],
            )
            .await?
            .ok_or(StoreError::NotFound)?,
        )?;
        if actor.kind != "user" {
            return Err(invalid("actor", "enforcement_error.case_people_only"));
        }
        let next = apply(&before.core(), action, Who { id: actor.id, rank }, &catalog)
            .map_err(|k| invalid("action", k))?;
        let mut after = before.clone();
        after.state = next.state;
        after.behaviour = next.behaviour;
        after.measured = next.measured;
        after.fine_vnd = next.fine_vnd;
        after.pending = next.pending;
        after.version += 1;
        if matches!(action, Action::SendNotice) {
            after.notice_at_us = Some(now_us());
        }
        after.row_hash = after.hash();
        tx.execute(
            "UPDATE violation_cases SET state = $2, behaviour = $3, measured = $4, fine_vnd = $5, pending_json = $6,
               notice_at_us = $7, version = $8, row_hash = $9, updated_at_us = $10 WHERE id = $1",
            &params![
                id,
                after.state.as_str(),
                after.behaviour.clone(),
                after.measured,
                after.fine_vnd,
                after
                    .pending
                    .as_ref()
                    .map(|p| serde_json::to_string(p).unwrap_or_default()),
                after.notice_at_us,
                after.version,
                after.row_hash.clone(),
                now_us()
            ],
        )
        .await?;
        let reason = match action {
            Action::ProposeDismiss { reason }
            | Action::ProposeDowngrade { reason, .. }
            | Action::Reject { reason } => reason.clone(),
            Action::Approve => match &before.pending {
                Some(Pending::Dismiss { reason, .. }) | Some(Pending::Downgrade { reason, .. }) => {
                    reason.clone()
                }
                None => String::new(),
            },
            _ => String::new(),
        };
        let mut detail = serde_json::to_value(action).unwrap_or_default();
        if let (Action::Approve, Some(p)) = (action, &before.pending) {
            detail["approved"] = serde_json::to_value(p).unwrap_or_default();
        }
        write_case_event(&mut tx, id, actor, action.name(), &reason, detail.clone()).await?;
        append(
            &mut tx,
            actor.entry(
                &format!("case.{}", action.name()),
                "violation_case",
                id,
                serde_json::json!({"state": before.state, "behaviour": before.behaviour, "measured": before.measured, "row_hash": before.row_hash}),
                serde_json::json!({"state": after.state, "behaviour": after.behaviour, "measured": after.measured,
                    "fine_vnd": after.fine_vnd, "pending": after.pending, "row_hash": after.row_hash,
                    "notice_at_us": after.notice_at_us, "detail": detail}),
            ),
        )
        .await?;
        tx.commit().await?;
        self.open_index.written([after.plate_key.clone()]);
        Ok(after)
    }

    /// Per-officer dismissal and downgrade proposals among all their case actions.
    pub async fn officer_rates(&self) -> StoreResult<Vec<OfficerRates>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT actor_id, MAX(actor_name) AS actor_name, COUNT(*) AS actions,
                   SUM(CASE WHEN action = 'propose_dismiss' THEN 1 ELSE 0 END) AS dismissals,
                   SUM(CASE WHEN action = 'propose_downgrade' THEN 1 ELSE 0 END) AS downgrades
                 FROM case_events WHERE action NOT IN ('open', 'import') GROUP BY actor_id ORDER BY actor_id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(OfficerRates {
                    actor_id: r.i64("actor_id")?,
                    actor_name: r.text("actor_name")?,
                    actions: r.i64("actions")?,
                    dismissals: r.i64("dismissals")?,
                    downgrades: r.i64("downgrades")?,
                })
            })
            .collect()
    }

    /// Points deductions of a licence from decided cases: (local date, points).
    pub async fn licence_deductions(
        &self,
        licence: &str,
    ) -> StoreResult<Vec<(jiff::civil::Date, i64)>> {
        let catalog = self.catalog().await?;
        let rows = self
            .db
            .fetch_all(
                "SELECT behaviour, detected_at_us FROM violation_cases WHERE licence_no = $1 AND state IN ('decided', 'paid', 'closed') ORDER BY detected_at_us",
                &params![licence],
            )
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let pts = catalog
                .get(&r.text("behaviour")?)
                .map(|b| b.points)
                .unwrap_or(0);
            if pts > 0 {
                let d = atgt_core::time::local_date(atgt_core::time::from_micros(
                    r.i64("detected_at_us")?,
                ));
                out.push((d, pts));
            }
        }
        Ok(out)
    }

    /// Re-checks the rows the audit chain seals: every read batch's hash over its
    /// reads, and every case row against the hash of its latest audit entry. Returns
    /// the first altered row as (kind, id).
    pub async fn enforcement_verify(&self) -> StoreResult<Option<(String, String)>> {
        // Expected hashes from the chain.
        let mut batches: Vec<(i64, String)> = Vec::new();
        let mut cases: HashMap<i64, String> = HashMap::new();
        // The licence and notice time sealed beside a case's hash (they are not in it).
        // (licence if sealed, notice time if sealed): entries before this was sealed hold
        // neither, and nothing is compared for them.
        type Sealed = (Option<serde_json::Value>, Option<serde_json::Value>);
        let mut sealed_fields: HashMap<i64, Sealed> = HashMap::new();
        let mut after = 0i64;
        loop {
            let rows = self
                .db
                .fetch_all(
                    "SELECT seq, action, entity_id, after_json FROM audit_log WHERE seq > $1
                       AND (entity_kind = 'read_batch' OR entity_kind = 'violation_case' OR entity_kind = 'violation_cases')
                     ORDER BY seq LIMIT 5000",
                    &params![after],
                )
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                after = r.i64("seq")?;
                let a: serde_json::Value = r.json("after_json").unwrap_or_default();
                let action = r.text("action")?;
                if action == "plate_reads.ingest" {
                    batches.push((
                        r.text("entity_id")?.parse().unwrap_or(0),
                        a["hash"].as_str().unwrap_or("").to_string(),
                    ));
                } else if action == "case.open" || action == "case.import" {
                    for c in a["cases"].as_array().into_iter().flatten() {
                        let id = c[0].as_i64().unwrap_or(0);
                        cases.insert(id, c[1].as_str().unwrap_or("").to_string());
                        // [id, hash, licence, notice] since the licence and the notice
                        // time were sealed beside the hash (entries before hold two).
                        if c.as_array().is_some_and(|x| x.len() >= 4) {
                            sealed_fields.insert(id, (Some(c[2].clone()), Some(c[3].clone())));
                        }
                    }
                } else if let Some(h) = a["row_hash"].as_str() {
                    let id = r.text("entity_id")?.parse().unwrap_or(0);
                    cases.insert(id, h.to_string());
                    if let Some(n) = a.get("notice_at_us") {
                        sealed_fields.entry(id).or_insert((None, None)).1 = Some(n.clone());
                    }
                }
            }
        }
        for (b, expected) in &batches {
            let rows = self
                .db
                .fetch_all(
                    &format!(
                        "SELECT id, {READ_COLS} FROM plate_reads WHERE batch_id = $1 ORDER BY id"
                    ),
                    &params![*b],
                )
                .await?;
            let mut h = ReadHasher::new();
            for r in &rows {
                let (id, read) = read_row(r)?;
                h.push(id, (&read).into());
            }
            if h.finish() != *expected {
                return Ok(Some(("read_batch".into(), b.to_string())));
            }
        }
        // Reads outside any sealed batch were inserted behind the chain's back.
        let stray = self
            .db
            .fetch_optional(
                "SELECT r.id FROM plate_reads r LEFT JOIN read_batches b ON b.id = r.batch_id
                 WHERE b.id IS NULL OR b.reads = 0 LIMIT 1",
                &[],
            )
            .await?;
        if let Some(r) = stray {
            return Ok(Some(("plate_read".into(), r.i64("id")?.to_string())));
        }
        let mut seen = HashSet::new();
        let mut last = 0i64;
        loop {
            let rows = self
                .db
                .fetch_all(
                    &format!("SELECT {CASE_COLS} FROM violation_cases WHERE id > $1 ORDER BY id LIMIT 5000"),
                    &params![last],
                )
                .await?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let c = case(r)?;
                last = c.id;
                seen.insert(c.id);
                let state_ok = CaseState::parse(&r.text("state")?).is_some();
                let sealed = cases.get(&c.id);
                let fields_hold = sealed_fields.get(&c.id).is_none_or(|(l, n)| {
                    l.as_ref()
                        .is_none_or(|l| l.as_str() == c.licence_no.as_deref())
                        && n.as_ref().is_none_or(|n| n.as_i64() == c.notice_at_us)
                });
                if !state_ok
                    || c.hash() != c.row_hash
                    || sealed != Some(&c.row_hash)
                    || !fields_hold
                {
                    return Ok(Some(("violation_case".into(), c.id.to_string())));
                }
            }
        }
        let mut missing: Vec<&i64> = cases.keys().filter(|k| !seen.contains(*k)).collect();
        missing.sort();
        if let Some(id) = missing.first() {
            return Ok(Some(("violation_case".into(), id.to_string())));
        }
        Ok(None)
    }
}

// ---------------------------------------------------------------------------------
// Cases carried over from the previous processing system
// ---------------------------------------------------------------------------------

/// One case of the previous system, as a line of its export (NDJSON). Cases under way
/// keep their dates: a notice sent there still counts for the inspection block
/// (Circular 73/2024 Art. 24 k5) and a decided case still deducts its points.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportedCase {
    /// The case's number in the previous system (kept; a second import skips it).
    #[serde(rename = "ref")]
    pub reference: String,
    /// spot_speed, section_speed, red_light or patrol.
    pub kind: String,
    pub plate: String,
    #[serde(default)]
    pub camera_id: Option<String>,
    /// RFC 3339, e.g. 2026-10-01T08:30:00+07:00.
    pub detected_at: String,
    /// Catalog code (violations-168.toml).
    pub behaviour: String,
    #[serde(default)]
    pub measured: Option<f64>,
    /// detected, reviewed, confirmed, notice_sent, decided, paid, closed, dismissed.
    pub state: String,
    #[serde(default)]
    pub notice_at: Option<String>,
    /// Decided fine in đồng (decided, paid, closed).
    #[serde(default)]
    pub fine_vnd: Option<i64>,
    #[serde(default)]
    pub licence_no: Option<String>,
    /// The previous system and document the case comes from.
    pub source: String,
}

/// What an import of previous cases did; nothing is written when a line is refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CaseImportReport {
    pub imported: usize,
    /// Lines whose `ref` was imported before.
    pub unchanged: usize,
    pub rejected: Vec<LineReject>,
}

/// The lines of an NDJSON export of previous cases (blank lines skipped), numbered from 1.
pub fn parse_imported_cases(text: &str) -> Vec<(usize, Result<ImportedCase, String>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, serde_json::from_str(l).map_err(|e| e.to_string())))
        .collect()
}

const IMPORT_KINDS: &[&str] = &["spot_speed", "section_speed", "red_light", "patrol"];

/// An imported case ready to write: the case, its state, notice time and fine.
type ImportedRow = (NewCase, CaseState, Option<i64>, Option<i64>);

/// Checks one imported case against the catalog and the clock; the row to write, or
/// the field and message key of the refusal.
fn imported_row(
    c: &ImportedCase,
    catalog: &Catalog,
    now: i64,
) -> Result<ImportedRow, (&'static str, &'static str)> {
    let at = |s: &str| -> Option<i64> {
        s.parse::<jiff::Timestamp>()
            .ok()
            .map(atgt_core::time::to_micros)
    };
    if c.reference.trim().is_empty() || c.reference.len() > 64 {
        return Err(("ref", "enforcement_error.import_ref"));
    }
    if !IMPORT_KINDS.contains(&c.kind.as_str()) {
        return Err(("kind", "enforcement_error.import_kind"));
    }
    let camera = c.kind != "patrol";
    let plate = atgt_core::plates::Plate::parse(&c.plate);
    if !plate.is_readable() {
        return Err(("plate", "enforcement_error.plate_unreadable"));
    }
    // Not before the first edition of the catalog (its codes are Decree 168's), not
    // in the future.
    let first = catalog
        .edition
        .iter()
        .map(|e| e.valid_from)
        .min()
        .map(|d| crate::events::local_range_us(d, d).0)
        .unwrap_or(0);
    let detected = at(&c.detected_at)
        .filter(|t| *t <= now && *t >= first)
        .ok_or(("detected_at", "enforcement_error.import_time"))?;
    let b = catalog
        .get(&c.behaviour)
        .ok_or(("behaviour", "enforcement_error.case_behaviour"))?;
    // A camera case is a speed or red-light behaviour of its kind; its camera is named.
    let fits = match c.kind.as_str() {
        "spot_speed" | "section_speed" => b.group == "speeding",
        "red_light" => b.group == "red_light",
        _ => true,
    };
    if !fits {
        return Err(("behaviour", "enforcement_error.import_kind_behaviour"));
    }
    let camera_id = c.camera_id.clone().filter(|s| !s.trim().is_empty());
    if camera && camera_id.is_none() {
        return Err(("camera_id", "enforcement_error.read_camera_id"));
    }
    // A measured behaviour needs its value, inside the band.
    if b.measure != "none" && !c.measured.is_some_and(|v| b.holds(v)) {
        return Err(("measured", "enforcement_error.patrol_no_band"));
    }
    let state = CaseState::parse(&c.state).ok_or(("state", "enforcement_error.import_state"))?;
    let noticed = matches!(
        state,
        CaseState::NoticeSent | CaseState::Decided | CaseState::Paid | CaseState::Closed
    );
    let notice = match c.notice_at.as_deref() {
        // A notice date says a notice went out: only for a state past it.
        Some(_) if !noticed => return Err(("notice_at", "enforcement_error.import_notice")),
        Some(s) => Some(
            at(s)
                .filter(|t| *t >= detected && *t <= now)
                .ok_or(("notice_at", "enforcement_error.import_notice"))?,
        ),
        None if noticed && camera => {
            return Err(("notice_at", "enforcement_error.import_notice"));
        }
        None => None,
    };
    let decided = matches!(
        state,
        CaseState::Decided | CaseState::Paid | CaseState::Closed
    );
    // Within the individual's range or an organisation's (twice, unless the catalog
    // says otherwise), as a decision in this system.
    let fine = match (decided, c.fine_vnd) {
        (true, Some(f)) if f >= b.fine_min && f <= b.fine_org().1 => Some(f),
        (false, None) => None,
        _ => return Err(("fine_vnd", "enforcement_error.case_fine_range")),
    };
    // A camera does not identify the driver: no licence (and no points) on its cases.
    let licence = c.licence_no.clone().filter(|s| !s.trim().is_empty());
    if camera && licence.is_some() {
        return Err(("licence_no", "enforcement_error.import_licence"));
    }
    if c.source.trim().is_empty() {
        return Err(("source", "enforcement_error.import_source"));
    }
    // The notice date and licence, which decide the inspection block and the points,
    // are sealed beside the case's hash like every case's (`insert_case`).
    let evidence = serde_json::json!({"imported": {
        "ref": c.reference.trim(),
        "source": c.source.trim(),
    }});
    Ok((
        NewCase {
            kind: c.kind.clone(),
            dedup_key: format!("import:{}", c.reference.trim()),
            plate_key: plate.key(),
            plate_display: plate.display(),
            camera_id,
            detected_at_us: detected,
            behaviour: b.code.clone(),
            measured: c.measured,
            evidence,
            licence_no: licence,
            officer_id: None,
        },
        state,
        notice,
        fine,
    ))
}

impl Store {
    /// Carries over cases from the previous processing system, all or nothing: every
    /// line is checked (catalog code, state, dates not in the future, a notice date
    /// for a camera case past its notice, a fine within the behaviour's range for a
    /// decided one); if any is refused nothing is written and each refusal names its
    /// line and field. The cases are sealed in the audit chain like opened ones
    /// (`case.import`) and keep the reference and source as evidence.
    pub async fn cases_import(
        &self,
        actor: &Actor,
        lines: Vec<(usize, Result<ImportedCase, String>)>,
    ) -> StoreResult<CaseImportReport> {
        let catalog = self.catalog().await?;
        let now = now_us();
        let mut rep = CaseImportReport::default();
        let mut rows = Vec::new();
        let mut refs = HashSet::new();
        for (line, parsed) in lines {
            let reject = |field: &str, key: &str, reason: String| LineReject {
                line,
                field: field.into(),
                key: key.into(),
                reason,
            };
            match parsed {
                // The parser's words say which field or type was wrong.
                Err(e) => rep
                    .rejected
                    .push(reject("line", "enforcement_error.read_not_json", e)),
                Ok(c) if !refs.insert(c.reference.trim().to_string()) => rep.rejected.push(reject(
                    "ref",
                    "enforcement_error.import_ref_twice",
                    String::new(),
                )),
                Ok(c) => match imported_row(&c, &catalog, now) {
                    Ok(r) => rows.push(r),
                    Err((field, key)) => rep.rejected.push(reject(field, key, String::new())),
                },
            }
        }
        if !rep.rejected.is_empty() {
            return Ok(rep);
        }
        let mut tx = self.db.begin().await?;
        let mut written = Written::default();
        for (n, state, notice, fine) in rows {
            let event = n.evidence.get("imported").cloned().unwrap_or_default();
            let row = NewRow {
                case: &n,
                state,
                notice,
                fine,
            };
            if !insert_case(&mut tx, actor, row, now, "import", event, &mut written).await? {
                rep.unchanged += 1;
            }
        }
        let ids = written.seal(&mut tx, actor, "case.import").await?;
        tx.commit().await?;
        rep.imported = ids.len();
        if !ids.is_empty() {
            self.open_index.written(written.plates);
        }
        Ok(rep)
    }
}

// ---------------------------------------------------------------------------------
// Detection: reads → cases
// ---------------------------------------------------------------------------------

/// What a detection run found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DetectReport {
    pub reads: usize,
    pub spot_speed: usize,
    pub section_speed: usize,
    pub red_light: usize,
    /// Cases opened now (a violation already open is not opened twice).
    pub opened: usize,
    /// The hub's cross-checks that open cases, on the last day of the window.
    pub cross_checks: crate::hub::checks::CheckCases,
}

impl Store {
    /// Records a camera image (bytes already in the file store) by its SHA-256.
    pub async fn read_image_add(
        &self,
        actor: &Actor,
        sha256: &str,
        size: i64,
        mime: &str,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let n = tx
            .execute(
                "INSERT INTO files (sha256, size, mime, original_name, created_at_us, created_by) VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (sha256) DO NOTHING",
                &params![sha256, size, mime, "camera image", now_us(), actor.name.clone()],
            )
            .await?;
        if n > 0 {
            append(
                &mut tx,
                actor.entry(
                    "plate_reads.image",
                    "file",
                    sha256,
                    serde_json::Value::Null,
                    serde_json::json!({"size": size, "mime": mime}),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether a camera image was recorded.
    pub async fn read_image_known(&self, sha256: &str) -> StoreResult<bool> {
        Ok(self
            .db
            .fetch_optional(
                "SELECT id FROM plate_reads WHERE image_sha256 = $1 LIMIT 1",
                &params![sha256],
            )
            .await?
            .is_some())
    }

    /// Runs the rules over the reads of `[from_us, to_us)`: spot speed over the posted
    /// limit of the camera's segment, section (average) speed between two cameras, and
    /// red light (a red-light camera reports only vehicles crossing on red). Unreadable
    /// plates open no case: they wait for review.
    pub async fn detect(
        &self,
        actor: &Actor,
        from_us: i64,
        to_us: i64,
    ) -> StoreResult<DetectReport> {
        use atgt_core::enforcement::{
            Interner, Pass, Section, SpeedLimits, catalog_vehicle, section_speed,
        };
        let catalog = self.catalog().await?;
        let limits = match self.rule_file(LIMITS_RULES).await? {
            Some(src) => SpeedLimits::parse(&src).map_err(StoreError::Reference)?,
            None => SpeedLimits::default_limits(),
        };
        let cams: HashMap<String, Camera> = self
            .cameras(to_us)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        let reads = self.reads_between(from_us, to_us).await?;
        let mut rep = DetectReport {
            reads: reads.len(),
            ..Default::default()
        };
        let date_of = |us: i64| atgt_core::time::local_date(atgt_core::time::from_micros(us));
        let limit_at = |cam: &Camera, class: Option<&str>, us: i64| -> Option<i64> {
            limits.limit(cam.route.as_deref()?, cam.km?, class, date_of(us))
        };
        let mut new = Vec::new();
        for (id, r) in &reads {
            if !r.readable {
                continue;
            }
            let Some(cam) = cams.get(&r.camera_id) else {
                continue;
            };
            let vehicle = catalog_vehicle(r.vehicle_class.as_deref());
            if cam.kind == "red_light" {
                let code = if vehicle == "motorbike" {
                    "red_light_moto"
                } else {
                    "red_light_car"
                };
                rep.red_light += 1;
                new.push(NewCase {
                    kind: "red_light".into(),
                    dedup_key: format!("red:{id}"),
                    plate_key: r.plate_key.clone(),
                    plate_display: r.plate_display.clone(),
                    camera_id: Some(r.camera_id.clone()),
                    detected_at_us: r.read_at_us,
                    behaviour: code.into(),
                    measured: None,
                    evidence: serde_json::json!({"reads": [id]}),
                    licence_no: None,
                    officer_id: None,
                });
                continue;
            }
            if cam.kind != "speed" {
                continue;
            }
            let (Some(speed), Some(limit)) = (
                r.speed_kmh,
                limit_at(cam, r.vehicle_class.as_deref(), r.read_at_us),
            ) else {
                continue;
            };
            let over = ((speed - limit as f64) * 10.0).floor() / 10.0;
            // Trucks are fined under the car article for speed.
            let kind = if vehicle == "motorbike" {
                "motorbike"
            } else {
                "car"
            };
            if let Some(b) = catalog.select("speeding", kind, Some(over)) {
                rep.spot_speed += 1;
                new.push(NewCase {
                    kind: "spot_speed".into(),
                    dedup_key: format!("spot:{id}"),
                    plate_key: r.plate_key.clone(),
                    plate_display: r.plate_display.clone(),
                    camera_id: Some(r.camera_id.clone()),
                    detected_at_us: r.read_at_us,
                    behaviour: b.code.clone(),
                    measured: Some(over),
                    evidence: serde_json::json!({"reads": [id], "speed_kmh": speed, "limit_kmh": limit}),
                    licence_no: None,
                    officer_id: None,
                });
            }
        }
        // Section speed.
        let sections = self.sections().await?;
        if !sections.is_empty() {
            let mut cam_ix: HashMap<String, u32> = HashMap::new();
            for (a, b, _) in &sections {
                let n = cam_ix.len() as u32;
                cam_ix.entry(a.clone()).or_insert(n);
                let n = cam_ix.len() as u32;
                cam_ix.entry(b.clone()).or_insert(n);
            }
            let mut interner = Interner::default();
            let mut passes = Vec::new();
            let mut by_pass: HashMap<(u32, u32, i64), (i64, usize)> = HashMap::new();
            for (i, (id, r)) in reads.iter().enumerate() {
                if !r.readable {
                    continue;
                }
                if let Some(&c) = cam_ix.get(&r.camera_id) {
                    let p = Pass {
                        plate: interner.id(&r.plate_key),
                        camera: c,
                        at_us: r.read_at_us,
                    };
                    by_pass.insert((p.plate, p.camera, p.at_us), (*id, i));
                    passes.push(p);
                }
            }
            // The matcher keeps pairs over the lowest limit of any segment and class;
            // each pair is then held to the limit of its vehicle class on its date.
            let floor = limits
                .segment
                .iter()
                .flat_map(|s| [s.car, s.truck, s.motorbike])
                .min()
                .unwrap_or(0) as f64;
            let secs: Vec<Section> = sections
                .iter()
                .map(|(a, b, len)| Section {
                    entry: cam_ix[a],
                    exit: cam_ix[b],
                    length_m: *len,
                    limit_kmh: floor,
                })
                .collect();
            let (hits, _) = section_speed(
                &mut passes,
                &secs,
                0.0,
                4 * 3600 * 1_000_000,
                interner.keys.len(),
            );
            for h in hits {
                let (a, b, _) = &sections[h.section];
                let Some(&(entry_id, _)) = by_pass.get(&(h.plate, cam_ix[a], h.entry_us)) else {
                    continue;
                };
                let Some(&(exit_id, ri)) = by_pass.get(&(h.plate, cam_ix[b], h.exit_us)) else {
                    continue;
                };
                let r = &reads[ri].1;
                let Some(limit) = cams
                    .get(a)
                    .and_then(|c| limit_at(c, r.vehicle_class.as_deref(), h.entry_us))
                else {
                    continue;
                };
                let over = ((h.avg_kmh - limit as f64) * 10.0).floor() / 10.0;
                if over < limits.tolerance_kmh {
                    continue;
                }
                let kind = if catalog_vehicle(r.vehicle_class.as_deref()) == "motorbike" {
                    "motorbike"
                } else {
                    "car"
                };
                if let Some(bh) = catalog.select("speeding", kind, Some(over)) {
                    rep.section_speed += 1;
                    new.push(NewCase {
                        kind: "section_speed".into(),
                        dedup_key: format!("section:{entry_id}:{exit_id}"),
                        plate_key: r.plate_key.clone(),
                        plate_display: r.plate_display.clone(),
                        camera_id: Some(b.clone()),
                        detected_at_us: h.exit_us,
                        behaviour: bh.code.clone(),
                        measured: Some(over),
                        evidence: serde_json::json!({"reads": [entry_id, exit_id], "avg_kmh": (h.avg_kmh * 10.0).round() / 10.0, "limit_kmh": limit}),
                        licence_no: None,
                        officer_id: None,
                    });
                }
            }
        }
        rep.opened = self.cases_open(actor, new).await?.len();
        // The hub's cross-checks, as of the window's last day (never a future one).
        let last_day = date_of(to_us.saturating_sub(1).max(from_us)).min(date_of(now_us()));
        rep.cross_checks = self.hub_check_cases(actor, last_day).await?;
        rep.opened += rep.cross_checks.opened;
        Ok(rep)
    }
}
