//! The shared data hub (issue 8) in the database: partners' bulk sync (idempotent by
//! the partner's record id and version, per-line results), the change feed, lookups
//! by plate, licence number and ID number, and the cross-checks.
//!
//! Security-sensitive. Owners' and holders' personal data is never returned by the
//! plain lookups; it comes only from [`Store::hub_owner_read`] and
//! [`Store::hub_holder_read`], which write the access log (`access.rs`) in the same
//! call, so a read that is not logged cannot happen through this API.

pub mod access;
pub mod checks;
pub mod input;

use crate::audit::append;
use crate::db::{Row, Tx, Value};
use crate::error::StoreResult;
use crate::migrate::insert_batched;
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use atgt_core::hub::{FieldError, Fields, Kind, Person, Record};
use atgt_core::plates::Plate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// How a partner is known in the hub: its API key's (or user's) name. Record ids are
/// the partner's own, so they are scoped by this name; a re-issued key with the same
/// name continues the same records.
pub fn partner_of(actor: &Actor) -> String {
    format!("{}:{}", actor.kind, actor.name)
}

/// What happened to one line of a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LineStatus {
    /// A new record or a newer version: written.
    Applied,
    /// The same version as held: nothing written (a safe re-send).
    Unchanged,
    /// An older version than held: refused.
    Stale,
    /// Bad values: refused, with the reasons.
    Error,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineResult {
    pub line: usize,
    pub record_id: Option<String>,
    pub version: Option<i64>,
    pub status: LineStatus,
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncReport {
    pub kind: Kind,
    pub applied: usize,
    pub unchanged: usize,
    pub stale: usize,
    pub errors: usize,
    pub lines: Vec<LineResult>,
}

fn table(kind: Kind) -> &'static str {
    match kind {
        Kind::Vehicles => "hub_vehicles",
        Kind::Inspections => "hub_inspections",
        Kind::Licences => "hub_licences",
        Kind::Training => "hub_training",
        Kind::Businesses => "hub_businesses",
        Kind::Badges => "hub_badges",
        Kind::Measurements => "hub_measurements",
    }
}

fn columns(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Vehicles => &[
            "plate_key",
            "plate_display",
            "colour",
            "kind",
            "make",
            "seats",
            "load_kg",
            "owner_kind",
            "owner_name",
            "owner_name_fold",
            "owner_id_no",
            "owner_address",
            "registered_on",
            "business_id",
            "gps_status",
        ],
        Kind::Inspections => &[
            "plate_key",
            "plate_display",
            "certificate_no",
            "station",
            "inspected_on",
            "valid_until",
            "result",
            "bed_length_mm",
            "bed_width_mm",
            "bed_height_mm",
        ],
        Kind::Licences => &[
            "licence_no",
            "class",
            "holder_name",
            "holder_name_fold",
            "holder_id_no",
            "holder_address",
            "birth_date",
            "issued_on",
            "expires_on",
            "suspended_until",
        ],
        Kind::Training => &[
            "holder_id_no",
            "centre",
            "course",
            "class",
            "test_on",
            "result",
        ],
        Kind::Businesses => &["name", "name_fold", "tax_code", "licence_no", "address"],
        Kind::Badges => &[
            "plate_key",
            "plate_display",
            "business_id",
            "kind",
            "valid_from",
            "valid_until",
        ],
        Kind::Measurements => &[
            "plate_key",
            "plate_display",
            "measured_on",
            "place",
            "bed_length_mm",
            "bed_width_mm",
            "bed_height_mm",
        ],
    }
}

fn d(x: jiff::civil::Date) -> Value {
    Value::from(x.to_string())
}
fn od(x: Option<jiff::civil::Date>) -> Value {
    Value::from(x.map(|d| d.to_string()))
}
fn bed(b: Option<[i64; 3]>) -> [Value; 3] {
    match b {
        Some([l, w, h]) => [l.into(), w.into(), h.into()],
        None => [Value::I64(None), Value::I64(None), Value::I64(None)],
    }
}

fn values(rec: &Record) -> Vec<Value> {
    use atgt_core::text::fold;
    match rec {
        Record::Vehicle(v) => vec![
            v.plate.key().into(),
            v.plate.display().into(),
            v.colour.clone().into(),
            v.kind.clone().into(),
            v.make.clone().into(),
            v.seats.into(),
            v.load_kg.into(),
            v.owner.kind.clone().into(),
            v.owner.name.clone().into(),
            fold(&v.owner.name).into(),
            v.owner.id_no.clone().into(),
            v.owner.address.clone().into(),
            d(v.registered_on),
            v.business_id.clone().into(),
            v.gps_status.clone().into(),
        ],
        Record::Inspection(i) => {
            let mut out = vec![
                i.plate.key().into(),
                i.plate.display().into(),
                i.certificate_no.clone().into(),
                i.station.clone().into(),
                d(i.inspected_on),
                d(i.valid_until),
                i.result.clone().into(),
            ];
            out.extend(bed(i.bed_mm));
            out
        }
        Record::Licence(l) => vec![
            l.licence_no.clone().into(),
            l.class.clone().into(),
            l.holder.name.clone().into(),
            fold(&l.holder.name).into(),
            l.holder.id_no.clone().into(),
            l.holder.address.clone().into(),
            od(l.birth_date),
            d(l.issued_on),
            od(l.expires_on),
            od(l.suspended_until),
        ],
        Record::Training(t) => vec![
            t.holder_id_no.clone().into(),
            t.centre.clone().into(),
            t.course.clone().into(),
            t.class.clone().into(),
            d(t.test_on),
            t.result.clone().into(),
        ],
        Record::Business(b) => vec![
            b.name.clone().into(),
            fold(&b.name).into(),
            b.tax_code.clone().into(),
            b.licence_no.clone().into(),
            b.address.clone().into(),
        ],
        Record::Badge(b) => vec![
            b.plate.key().into(),
            b.plate.display().into(),
            b.business_id.clone().into(),
            b.kind.clone().into(),
            d(b.valid_from),
            d(b.valid_until),
        ],
        Record::Measurement(m) => {
            let mut out = vec![
                m.plate.key().into(),
                m.plate.display().into(),
                d(m.measured_on),
                m.place.clone().into(),
            ];
            out.extend(bed(Some(m.bed_mm)));
            out
        }
    }
}

/// The versions held for some of a partner's record ids.
async fn held_versions(
    tx: &mut Tx,
    kind: Kind,
    partner: &str,
    ids: &[&str],
) -> StoreResult<HashMap<String, i64>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT record_id, version FROM {} WHERE partner = {} AND record_id IN ({})",
            table(kind),
            crate::migrate::placeholders(tx.backend(), 1, 1),
            crate::migrate::placeholders(tx.backend(), 2, chunk.len())
        );
        let mut args: Vec<Value> = vec![partner.into()];
        args.extend(chunk.iter().map(|s| Value::from(*s)));
        for r in tx.fetch_all(&sql, &args).await? {
            out.insert(r.text("record_id")?, r.i64("version")?);
        }
    }
    Ok(out)
}

/// The plate keys of `keys` that a vehicle record holds.
async fn known_plates(tx: &mut Tx, keys: &[&str]) -> StoreResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in keys.chunks(500) {
        let sql = format!(
            "SELECT DISTINCT plate_key FROM hub_vehicles WHERE plate_key IN ({})",
            crate::migrate::placeholders(tx.backend(), 1, chunk.len())
        );
        let args: Vec<Value> = chunk.iter().map(|s| Value::from(*s)).collect();
        for r in tx.fetch_all(&sql, &args).await? {
            out.insert(r.text("plate_key")?);
        }
    }
    Ok(out)
}

fn err(field: &str, key: &str) -> FieldError {
    FieldError {
        field: field.into(),
        key: key.into(),
    }
}

/// The end of a record's upsert: a newer version replaces the row, never an older one.
fn upsert_tail(kind: Kind) -> String {
    let t = table(kind);
    let sets: Vec<String> = ["version", "updated_at_us"]
        .iter()
        .chain(columns(kind).iter())
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "ON CONFLICT (partner, record_id) DO UPDATE SET {} WHERE {t}.version < excluded.version",
        sets.join(", ")
    )
}

/// Rows of one PostgreSQL statement writing records (see [`write_rows_pg`]).
const PG_ROWS: usize = 5_000;

/// Writes the applied records: the record (upsert, never to an older version) and its
/// registration history (vehicles).
async fn write_rows(
    tx: &mut Tx,
    kind: Kind,
    partner: &str,
    now: i64,
    rows: &[(atgt_core::hub::Source, Record)],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    if tx.backend() == crate::db::Backend::Postgres
        && write_rows_pg(tx, kind, partner, now, rows).await?
    {
        return Ok(());
    }
    let partner = partner.to_string();
    let cols = columns(kind);
    let t = table(kind);
    let head = format!(
        "INSERT INTO {t} (partner, record_id, version, updated_at_us, {})",
        cols.join(", ")
    );
    let tail = upsert_tail(kind);
    let mut main = Vec::with_capacity(rows.len());
    let mut history = Vec::new();
    for (s, rec) in rows {
        let mut v: Vec<Value> = vec![
            partner.clone().into(),
            s.record_id.clone().into(),
            s.version.into(),
            now.into(),
        ];
        v.extend(values(rec));
        main.push(v);
        if let Record::Vehicle(x) = rec {
            history.push(vec![
                partner.clone().into(),
                s.record_id.clone().into(),
                s.version.into(),
                now.into(),
                x.plate.key().into(),
                x.plate.display().into(),
                x.owner.kind.clone().into(),
                x.owner.name.clone().into(),
                x.owner.id_no.clone().into(),
                x.registered_on.to_string().into(),
            ]);
        }
    }
    insert_batched(tx, &head, &tail, 4 + cols.len(), main).await?;
    if !history.is_empty() {
        insert_batched(
            tx,
            "INSERT INTO hub_vehicle_history (partner, record_id, version, at_us, plate_key, plate_display, owner_kind, owner_name, owner_id_no, registered_on)",
            "ON CONFLICT (partner, record_id, version) DO NOTHING",
            10,
            history,
        )
        .await?;
    }
    Ok(())
}

/// The change-feed rows of the applied records. They are written after the request's
/// audit entry: on PostgreSQL that entry holds the chain's lock until commit, so the
/// feed's sequence numbers are taken in commit order and a partner that has read up to
/// a number never sees a lower one appear later (two syncs committing at once would
/// otherwise interleave their numbers).
async fn write_changes(
    tx: &mut Tx,
    kind: Kind,
    partner: &str,
    now: i64,
    rows: &[(atgt_core::hub::Source, Record)],
) -> StoreResult<()> {
    if tx.backend() == crate::db::Backend::Postgres {
        // Kind, partner and time once; the record ids, versions and subjects as arrays.
        use crate::db::Column;
        for chunk in rows.chunks(PG_ROWS) {
            let mut ids = Vec::with_capacity(chunk.len());
            let mut versions = Vec::with_capacity(chunk.len());
            let mut subjects = Vec::with_capacity(chunk.len());
            for (s, rec) in chunk {
                ids.push(Some(s.record_id.clone()));
                versions.push(Some(s.version));
                subjects.push(Some(rec.subject_key()));
            }
            tx.execute_columns(
                "INSERT INTO hub_changes (kind, partner, record_id, version, subject_key, at_us)
                 SELECT $1, $2, r, v, s, $3 FROM unnest($4::text[], $5::int8[], $6::text[]) AS u(r, v, s)",
                vec![
                    Column::One(kind.as_str().into()),
                    Column::One(partner.into()),
                    Column::One(now.into()),
                    Column::Text(ids),
                    Column::I64(versions),
                    Column::Text(subjects),
                ],
            )
            .await?;
        }
        return Ok(());
    }
    let changes: Vec<Vec<Value>> = rows
        .iter()
        .map(|(s, rec)| {
            vec![
                Value::from(kind.as_str()),
                partner.into(),
                s.record_id.clone().into(),
                s.version.into(),
                rec.subject_key().into(),
                now.into(),
            ]
        })
        .collect();
    insert_batched(
        tx,
        "INSERT INTO hub_changes (kind, partner, record_id, version, subject_key, at_us)",
        "",
        6,
        changes,
    )
    .await?;
    Ok(())
}

/// PostgreSQL: one statement per [`PG_ROWS`] records writes the records and their
/// history. The records' columns are bound once, each as an array; the history rows are
/// taken from them inside the server. `false` when the values of a column are not all
/// of one type (the caller then writes row by row).
async fn write_rows_pg(
    tx: &mut Tx,
    kind: Kind,
    partner: &str,
    now: i64,
    rows: &[(atgt_core::hub::Source, Record)],
) -> StoreResult<bool> {
    use crate::db::Column;
    let vals: Vec<Vec<Value>> = rows.iter().map(|(_, r)| values(r)).collect();
    let like = vals[0].clone();
    let same_types = vals.iter().all(|r| {
        r.len() == like.len()
            && r.iter()
                .zip(&like)
                .all(|(a, b)| std::mem::discriminant(a) == std::mem::discriminant(b))
    });
    if !same_types {
        return Ok(false);
    }
    let cols = columns(kind);
    let t = table(kind);
    let mut arrays = vec!["$3::text[]".to_string(), "$4::int8[]".to_string()];
    for (j, v) in like.iter().enumerate() {
        arrays.push(format!("${}::{}", 5 + j, Column::pg_array_type(v)));
    }
    let list = cols.join(", ");
    let mut sql = format!(
        "WITH src AS MATERIALIZED (SELECT * FROM unnest({}) AS u(record_id, version, {list}))",
        arrays.join(", ")
    );
    if kind == Kind::Vehicles {
        sql.push_str(
            ", hist AS (INSERT INTO hub_vehicle_history (partner, record_id, version, at_us, plate_key, plate_display, owner_kind, owner_name, owner_id_no, registered_on)
               SELECT $1, record_id, version, $2, plate_key, plate_display, owner_kind, owner_name, owner_id_no, registered_on FROM src
               ON CONFLICT (partner, record_id, version) DO NOTHING)",
        );
    }
    sql.push_str(&format!(
        " INSERT INTO {t} (partner, record_id, version, updated_at_us, {list})
          SELECT $1, record_id, version, $2, {list} FROM src {}",
        upsert_tail(kind)
    ));
    let mut vals = vals.into_iter();
    for chunk in rows.chunks(PG_ROWS) {
        let mut ids = Vec::with_capacity(chunk.len());
        let mut versions = Vec::with_capacity(chunk.len());
        let mut cs: Vec<Column> = like.iter().map(|v| Column::like(v, chunk.len())).collect();
        for (s, _) in chunk {
            ids.push(Some(s.record_id.clone()));
            versions.push(Some(s.version));
            for (c, v) in cs.iter_mut().zip(vals.next().unwrap_or_default()) {
                c.push(v);
            }
        }
        let mut args = vec![
            Column::One(partner.into()),
            Column::One(now.into()),
            Column::Text(ids),
            Column::I64(versions),
        ];
        args.extend(cs);
        tx.execute_columns(&sql, args).await?;
    }
    Ok(true)
}

/// A record of the hub as the vehicle page and the API show it, without personal data.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VehicleRecord {
    pub plate: String,
    pub plate_key: String,
    pub colour: String,
    pub kind: String,
    pub make: String,
    pub seats: Option<i64>,
    pub load_kg: Option<i64>,
    /// "person" or "org" (not personal data by itself).
    pub owner_kind: String,
    pub registered_on: String,
    pub business_id: Option<String>,
    pub gps_status: Option<String>,
    pub partner: String,
    pub version: i64,
    pub updated_at_us: i64,
}

fn vehicle(r: &Row) -> StoreResult<VehicleRecord> {
    Ok(VehicleRecord {
        plate: r.text("plate_display")?,
        plate_key: r.text("plate_key")?,
        colour: r.text("colour")?,
        kind: r.text("kind")?,
        make: r.text("make")?,
        seats: r.opt_i64("seats")?,
        load_kg: r.opt_i64("load_kg")?,
        owner_kind: r.text("owner_kind")?,
        registered_on: r.text("registered_on")?,
        business_id: r.opt_text("business_id")?,
        gps_status: r.opt_text("gps_status")?,
        partner: r.text("partner")?,
        version: r.i64("version")?,
        updated_at_us: r.i64("updated_at_us")?,
    })
}

/// One version of a vehicle's registration (owner shown only through the owner read).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationVersion {
    pub version: i64,
    pub at_us: i64,
    pub plate: String,
    pub owner_kind: String,
    pub registered_on: String,
    /// The owner changed from the version before (a transfer).
    pub transfer: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectionRecord {
    pub certificate_no: String,
    pub station: String,
    pub inspected_on: String,
    pub valid_until: String,
    pub result: String,
    pub bed_mm: Option<[i64; 3]>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BadgeRecord {
    pub business_id: String,
    pub business_name: Option<String>,
    pub kind: String,
    pub valid_from: String,
    pub valid_until: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeasurementRecord {
    pub measured_on: String,
    pub place: String,
    pub bed_mm: [i64; 3],
}

/// A violation case of the vehicle (enforcement ledger).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VehicleViolation {
    pub case_id: i64,
    pub kind: String,
    pub behaviour: String,
    pub state: String,
    pub detected_at_us: i64,
    pub fine_vnd: Option<i64>,
}

/// A crash the vehicle was in.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VehicleCrash {
    pub crash_id: i64,
    pub local_date: String,
    pub deaths: i64,
    pub injured: i64,
    pub class: String,
}

/// Everything the hub holds on a plate, without personal data.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VehicleFile {
    pub vehicle: VehicleRecord,
    pub registrations: Vec<RegistrationVersion>,
    pub inspections: Vec<InspectionRecord>,
    pub badges: Vec<BadgeRecord>,
    pub measurements: Vec<MeasurementRecord>,
    pub violations: Vec<VehicleViolation>,
    pub crashes: Vec<VehicleCrash>,
}

/// A driver licence without the holder's personal data.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LicenceRecord {
    pub licence_no: String,
    pub class: String,
    pub issued_on: String,
    pub expires_on: Option<String>,
    pub suspended_until: Option<String>,
    pub partner: String,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingRecord {
    pub centre: String,
    pub course: String,
    pub class: String,
    pub test_on: String,
    pub result: String,
}

/// The personal data of a vehicle: the owner now and at each registration version.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnerView {
    pub owner: Person,
    /// (version, registered_on, owner) oldest first.
    pub history: Vec<(i64, String, Person)>,
}

/// The personal data of a licence: the holder and their training and test results.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HolderView {
    pub holder: Person,
    pub birth_date: Option<String>,
    pub training: Vec<TrainingRecord>,
}

/// A row of the change feed.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Change {
    pub seq: i64,
    pub kind: String,
    pub partner: String,
    pub record_id: String,
    pub version: i64,
    /// Plate key, licence number, tax code or (training) the holder's ID number.
    pub subject_key: String,
    pub at_us: i64,
}

/// A search hit.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// "vehicle" or "licence".
    pub kind: &'static str,
    /// Plate display or licence number.
    pub label: String,
    /// The page key: plate key or licence number.
    pub key: String,
    pub detail: String,
}

impl Store {
    /// Applies a partner's sync of `kind`. Each line is checked on its own; the good
    /// lines are written in one transaction with the audit entry of the request, so a
    /// failure writes nothing and the whole request can be re-sent. A line whose
    /// version is already held is "unchanged", an older one "stale" (refused).
    #[tracing::instrument(skip_all, fields(kind = kind.as_str(), lines = lines.len()))]
    pub async fn hub_sync(
        &self,
        actor: &Actor,
        kind: Kind,
        lines: Vec<(usize, Result<Fields, FieldError>)>,
        body_sha256: &str,
    ) -> StoreResult<SyncReport> {
        let partner = partner_of(actor);
        let today = atgt_core::time::local_date(jiff::Timestamp::now());
        let mut results: Vec<LineResult> = Vec::with_capacity(lines.len());
        // Checked lines waiting for the version comparison: (result index, source, record).
        let mut good: Vec<(usize, atgt_core::hub::Source, Record)> = Vec::new();
        for (line, f) in lines {
            let mut r = LineResult {
                line,
                record_id: None,
                version: None,
                status: LineStatus::Error,
                errors: Vec::new(),
            };
            match f {
                Err(e) => r.errors.push(e),
                Ok(f) => {
                    let src = atgt_core::hub::source(&f);
                    let rec = atgt_core::hub::parse(kind, &f, today);
                    if let Ok(s) = &src {
                        r.record_id = Some(s.record_id.clone());
                        r.version = Some(s.version);
                    }
                    match (src, rec) {
                        (Ok(s), Ok(rec)) => {
                            good.push((results.len(), s, rec));
                        }
                        (s, rec) => {
                            if let Err(e) = s {
                                r.errors.extend(e);
                            }
                            if let Err(e) = rec {
                                r.errors.extend(e);
                            }
                        }
                    }
                }
            }
            results.push(r);
        }

        let mut tx = self.db.begin().await?;
        let ids: Vec<&str> = good.iter().map(|g| g.1.record_id.as_str()).collect();
        let mut held = held_versions(&mut tx, kind, &partner, &ids).await?;
        let plates: Vec<String> = {
            let set: HashSet<String> = good
                .iter()
                .filter_map(|g| g.2.refers_to_plate().map(Plate::key))
                .collect();
            set.into_iter().collect()
        };
        let plate_refs: Vec<&str> = plates.iter().map(String::as_str).collect();
        let known = if plate_refs.is_empty() {
            HashSet::new()
        } else {
            known_plates(&mut tx, &plate_refs).await?
        };

        let now = now_us();
        // The rows to write, one per record id (a later newer line in the same body
        // replaces an earlier one).
        let mut rows: Vec<Option<(atgt_core::hub::Source, Record)>> = Vec::new();
        let mut slot: HashMap<String, usize> = HashMap::new();
        for (ri, s, rec) in good {
            if let Some(p) = rec.refers_to_plate()
                && !known.contains(&p.key())
            {
                let r = &mut results[ri];
                r.errors.push(err("plate", "hub.error.unknown_vehicle"));
                continue;
            }
            let r = &mut results[ri];
            match held.get(&s.record_id) {
                Some(v) if *v == s.version => r.status = LineStatus::Unchanged,
                Some(v) if *v > s.version => {
                    r.status = LineStatus::Stale;
                    r.errors.push(err("version", "hub.error.stale"));
                }
                _ => {
                    r.status = LineStatus::Applied;
                    held.insert(s.record_id.clone(), s.version);
                    match slot.get(&s.record_id) {
                        Some(i) => rows[*i] = Some((s, rec)),
                        None => {
                            slot.insert(s.record_id.clone(), rows.len());
                            rows.push(Some((s, rec)));
                        }
                    }
                }
            }
        }
        let rows: Vec<(atgt_core::hub::Source, Record)> = rows.into_iter().flatten().collect();

        write_rows(&mut tx, kind, &partner, now, &rows).await?;
        let count = |s: LineStatus| results.iter().filter(|r| r.status == s).count();
        let report = SyncReport {
            kind,
            applied: count(LineStatus::Applied),
            unchanged: count(LineStatus::Unchanged),
            stale: count(LineStatus::Stale),
            errors: count(LineStatus::Error),
            lines: results,
        };
        append(
            &mut tx,
            actor.entry(
                "hub.sync",
                "hub_sync",
                kind.as_str(),
                serde_json::Value::Null,
                serde_json::json!({
                    "partner": partner,
                    "lines": report.lines.len(),
                    "applied": report.applied,
                    "unchanged": report.unchanged,
                    "stale": report.stale,
                    "errors": report.errors,
                    "body_sha256": body_sha256,
                }),
            ),
        )
        .await?;
        // After the audit entry: see `write_changes`.
        write_changes(&mut tx, kind, &partner, now, &rows).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The change feed after `since` (exclusive), oldest first, at most `limit`.
    pub async fn hub_changes(&self, since: i64, limit: i64) -> StoreResult<Vec<Change>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT seq, kind, partner, record_id, version, subject_key, at_us FROM hub_changes
                 WHERE seq > $1 ORDER BY seq LIMIT $2",
                &params![since, limit.clamp(1, 10_000)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Change {
                    seq: r.i64("seq")?,
                    kind: r.text("kind")?,
                    partner: r.text("partner")?,
                    record_id: r.text("record_id")?,
                    version: r.i64("version")?,
                    subject_key: r.text("subject_key")?,
                    at_us: r.i64("at_us")?,
                })
            })
            .collect()
    }

    /// The vehicle record of a plate (any spelling), the latest updated if two
    /// partners hold one.
    pub async fn hub_vehicle(&self, plate: &str) -> StoreResult<Option<VehicleRecord>> {
        let key = Plate::parse(plate).key();
        self.db
            .fetch_optional(FILE_VEHICLE, &params![key])
            .await?
            .map(|r| vehicle(&r))
            .transpose()
    }

    /// Everything on a plate without personal data; `None` for an unknown plate.
    pub async fn hub_vehicle_file(&self, plate: &str) -> StoreResult<Option<VehicleFile>> {
        let key = Plate::parse(plate).key();
        let parts = self.vehicle_file_rows(&key).await?;
        let Some(FileRows {
            vehicle,
            history: history_rows,
            inspections,
            badges: badge_rows,
            measurements: measurement_rows,
            violations: violation_rows,
            crashes: crash_rows,
        }) = parts
        else {
            return Ok(None);
        };
        let vehicle = self::vehicle(&vehicle)?;
        let inspections = inspections
            .iter()
            .map(inspection)
            .collect::<StoreResult<Vec<_>>>()?;
        let mut registrations = Vec::new();
        let mut last_owner: Option<String> = None;
        for r in history_rows {
            let owner = r.text("owner_id_no")?;
            registrations.push(RegistrationVersion {
                version: r.i64("version")?,
                at_us: r.i64("at_us")?,
                plate: r.text("plate_display")?,
                owner_kind: r.text("owner_kind")?,
                registered_on: r.text("registered_on")?,
                transfer: last_owner.as_ref().is_some_and(|o| *o != owner),
            });
            last_owner = Some(owner);
        }
        let badges = badge_rows
            .iter()
            .map(|r| {
                Ok(BadgeRecord {
                    business_id: r.text("business_id")?,
                    business_name: r.opt_text("business_name")?,
                    kind: r.text("kind")?,
                    valid_from: r.text("valid_from")?,
                    valid_until: r.text("valid_until")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let measurements = measurement_rows
            .iter()
            .map(|r| {
                Ok(MeasurementRecord {
                    measured_on: r.text("measured_on")?,
                    place: r.text("place")?,
                    bed_mm: [
                        r.i64("bed_length_mm")?,
                        r.i64("bed_width_mm")?,
                        r.i64("bed_height_mm")?,
                    ],
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let violations = violation_rows
            .iter()
            .map(|r| {
                Ok(VehicleViolation {
                    case_id: r.i64("id")?,
                    kind: r.text("kind")?,
                    behaviour: r.text("behaviour")?,
                    state: r.text("state")?,
                    detected_at_us: r.i64("detected_at_us")?,
                    fine_vnd: r.opt_i64("fine_vnd")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let crashes = crash_rows
            .iter()
            .map(|r| {
                Ok(VehicleCrash {
                    crash_id: r.i64("id")?,
                    local_date: r.text("local_date")?,
                    deaths: r.i64("deaths")?,
                    injured: r.i64("injured")?,
                    class: r.text("class")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some(VehicleFile {
            vehicle,
            registrations,
            inspections,
            badges,
            measurements,
            violations,
            crashes,
        }))
    }

    /// The certificates of a plate key, newest first.
    pub async fn hub_inspections(&self, plate_key: &str) -> StoreResult<Vec<InspectionRecord>> {
        self.db
            .fetch_all(FILE_INSPECTIONS, &params![plate_key])
            .await?
            .iter()
            .map(inspection)
            .collect()
    }

    /// A licence by number, without the holder's personal data.
    pub async fn hub_licence(&self, licence_no: &str) -> StoreResult<Option<LicenceRecord>> {
        let no = licence_no.trim().to_uppercase();
        self.db
            .fetch_optional(
                "SELECT licence_no, class, issued_on, expires_on, suspended_until, partner, version FROM hub_licences
                 WHERE licence_no = $1 ORDER BY updated_at_us DESC, id DESC LIMIT 1",
                &params![no],
            )
            .await?
            .map(|r| {
                Ok(LicenceRecord {
                    licence_no: r.text("licence_no")?,
                    class: r.text("class")?,
                    issued_on: r.text("issued_on")?,
                    expires_on: r.opt_text("expires_on")?,
                    suspended_until: r.opt_text("suspended_until")?,
                    partner: r.text("partner")?,
                    version: r.i64("version")?,
                })
            })
            .transpose()
    }

    /// Search by plate (any spelling), licence number, or — for callers allowed
    /// personal data, who must log it — an owner's or holder's ID number or name.
    pub async fn hub_search(&self, q: &str, personal: bool) -> StoreResult<Vec<Hit>> {
        let q = q.trim();
        let mut hits = Vec::new();
        if q.is_empty() {
            return Ok(hits);
        }
        let plate = Plate::parse(q);
        if plate.is_readable() {
            for r in self
                .db
                .fetch_all(
                    "SELECT DISTINCT plate_key, plate_display, kind, make FROM hub_vehicles WHERE plate_key = $1",
                    &params![plate.key()],
                )
                .await?
            {
                hits.push(Hit {
                    kind: "vehicle",
                    label: r.text("plate_display")?,
                    key: r.text("plate_key")?,
                    detail: format!("{} {}", r.text("kind")?, r.text("make")?),
                });
            }
        }
        let up = q.to_uppercase();
        for r in self
            .db
            .fetch_all(
                "SELECT DISTINCT licence_no, class FROM hub_licences WHERE licence_no = $1",
                &params![up],
            )
            .await?
        {
            hits.push(Hit {
                kind: "licence",
                label: r.text("licence_no")?,
                key: r.text("licence_no")?,
                detail: r.text("class")?,
            });
        }
        if !personal {
            return Ok(hits);
        }
        let is_id = q.chars().all(|c| c.is_ascii_digit() || c == '-') && q.len() >= 9;
        let (vsql, lsql, arg) = if is_id {
            (
                "SELECT DISTINCT plate_key, plate_display, kind, make FROM hub_vehicles WHERE owner_id_no = $1 LIMIT 100",
                "SELECT DISTINCT licence_no, class FROM hub_licences WHERE holder_id_no = $1 LIMIT 100",
                q.to_string(),
            )
        } else {
            let f = atgt_core::text::fold(q).replace(['%', '_', '\\'], "");
            if f.chars().count() < 3 {
                return Ok(hits);
            }
            (
                "SELECT DISTINCT plate_key, plate_display, kind, make FROM hub_vehicles WHERE owner_name_fold LIKE $1 LIMIT 100",
                "SELECT DISTINCT licence_no, class FROM hub_licences WHERE holder_name_fold LIKE $1 LIMIT 100",
                format!("%{f}%"),
            )
        };
        for r in self.db.fetch_all(vsql, &params![arg.clone()]).await? {
            hits.push(Hit {
                kind: "vehicle",
                label: r.text("plate_display")?,
                key: r.text("plate_key")?,
                detail: format!("{} {}", r.text("kind")?, r.text("make")?),
            });
        }
        for r in self.db.fetch_all(lsql, &params![arg]).await? {
            hits.push(Hit {
                kind: "licence",
                label: r.text("licence_no")?,
                key: r.text("licence_no")?,
                detail: r.text("class")?,
            });
        }
        let mut seen = HashSet::new();
        hits.retain(|h| seen.insert((h.kind, h.key.clone())));
        Ok(hits)
    }

    /// Counts of the hub's records, for the hub's front page.
    pub async fn hub_counts(&self) -> StoreResult<Vec<(&'static str, i64)>> {
        let mut out = Vec::new();
        for k in Kind::ALL {
            let r = self
                .db
                .fetch_one(&format!("SELECT COUNT(*) AS n FROM {}", table(k)), &[])
                .await?;
            out.push((k.as_str(), r.i64("n")?));
        }
        Ok(out)
    }
}

fn person(r: &Row, prefix: &str, kind: Option<&str>) -> StoreResult<Person> {
    Ok(Person {
        kind: match kind {
            Some(k) => k.to_string(),
            None => r.text(&format!("{prefix}_kind"))?,
        },
        name: r.text(&format!("{prefix}_name"))?,
        id_no: r.text(&format!("{prefix}_id_no"))?,
        address: r
            .opt_text(&format!("{prefix}_address"))
            .ok()
            .flatten()
            .unwrap_or_default(),
    })
}

/// The parts of a vehicle's file, each keyed by the plate key `$1`.
const FILE_VEHICLE: &str = "SELECT plate_display, plate_key, colour, kind, make, seats, load_kg, owner_kind, registered_on, business_id, gps_status, partner, version, updated_at_us
     FROM hub_vehicles WHERE plate_key = $1 ORDER BY updated_at_us DESC, id DESC LIMIT 1";
const FILE_HISTORY: &str = "SELECT version, at_us, plate_display, owner_kind, owner_id_no, registered_on FROM hub_vehicle_history
     WHERE plate_key = $1 ORDER BY at_us, version";
const FILE_INSPECTIONS: &str = "SELECT certificate_no, station, inspected_on, valid_until, result, bed_length_mm, bed_width_mm, bed_height_mm
     FROM hub_inspections WHERE plate_key = $1 ORDER BY inspected_on DESC";
const FILE_BADGES: &str = "SELECT b.business_id, b.kind, b.valid_from, b.valid_until,
       (SELECT name FROM hub_businesses x WHERE x.record_id = b.business_id ORDER BY x.updated_at_us DESC LIMIT 1) AS business_name
     FROM hub_badges b WHERE b.plate_key = $1 ORDER BY b.valid_from DESC";
const FILE_MEASUREMENTS: &str =
    "SELECT measured_on, place, bed_length_mm, bed_width_mm, bed_height_mm FROM hub_measurements
     WHERE plate_key = $1 ORDER BY measured_on DESC";
const FILE_VIOLATIONS: &str =
    "SELECT id, kind, behaviour, state, detected_at_us, fine_vnd FROM violation_cases
     WHERE plate_key = $1 ORDER BY detected_at_us DESC LIMIT 200";
const FILE_CRASHES: &str =
    "SELECT DISTINCT c.id, c.local_date, c.deaths, c.injured, c.class FROM crash_vehicles v
     JOIN crashes c ON c.id = v.crash_id
     WHERE v.plate IS NOT NULL
       AND REPLACE(REPLACE(REPLACE(UPPER(v.plate), '-', ''), '.', ''), ' ', '') = $1
     ORDER BY c.local_date DESC";

/// The rows of a vehicle's file, before they become records.
struct FileRows {
    vehicle: Row,
    history: Vec<Row>,
    inspections: Vec<Row>,
    badges: Vec<Row>,
    measurements: Vec<Row>,
    violations: Vec<Row>,
    crashes: Vec<Row>,
}

fn inspection(r: &Row) -> StoreResult<InspectionRecord> {
    let bed = match (
        r.opt_i64("bed_length_mm")?,
        r.opt_i64("bed_width_mm")?,
        r.opt_i64("bed_height_mm")?,
    ) {
        (Some(l), Some(w), Some(h)) => Some([l, w, h]),
        _ => None,
    };
    Ok(InspectionRecord {
        certificate_no: r.text("certificate_no")?,
        station: r.text("station")?,
        inspected_on: r.text("inspected_on")?,
        valid_until: r.text("valid_until")?,
        result: r.text("result")?,
        bed_mm: bed,
    })
}

/// The statement that reads a whole vehicle file at once: each part a JSON array of
/// its rows (`json_agg` on PostgreSQL, `json_group_array(json_object(…))` on SQLite,
/// which needs the column names).
/// [`file_sql`] of the backend, built once: every vehicle lookup runs it.
fn file_statement(backend: crate::Backend) -> &'static str {
    static SQLITE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static POSTGRES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    match backend {
        crate::Backend::Sqlite => SQLITE.get_or_init(|| file_sql(backend)),
        crate::Backend::Postgres => POSTGRES.get_or_init(|| file_sql(backend)),
    }
}

fn file_sql(backend: crate::Backend) -> String {
    let part = |name: &str, q: &str, cols: &[&str]| match backend {
        crate::Backend::Postgres => {
            format!("(SELECT COALESCE(json_agg(part), '[]'::json)::text FROM ({q}) part) AS {name}")
        }
        crate::Backend::Sqlite => {
            let fields: Vec<String> = cols.iter().map(|c| format!("'{c}', part.{c}")).collect();
            format!(
                "(SELECT json_group_array(json_object({})) FROM ({q}) part) AS {name}",
                fields.join(", ")
            )
        }
    };
    let parts = [
        part(
            "vehicle",
            FILE_VEHICLE,
            &[
                "plate_display",
                "plate_key",
                "colour",
                "kind",
                "make",
                "seats",
                "load_kg",
                "owner_kind",
                "registered_on",
                "business_id",
                "gps_status",
                "partner",
                "version",
                "updated_at_us",
            ],
        ),
        part(
            "history",
            FILE_HISTORY,
            &[
                "version",
                "at_us",
                "plate_display",
                "owner_kind",
                "owner_id_no",
                "registered_on",
            ],
        ),
        part(
            "inspections",
            FILE_INSPECTIONS,
            &[
                "certificate_no",
                "station",
                "inspected_on",
                "valid_until",
                "result",
                "bed_length_mm",
                "bed_width_mm",
                "bed_height_mm",
            ],
        ),
        part(
            "badges",
            FILE_BADGES,
            &[
                "business_id",
                "kind",
                "valid_from",
                "valid_until",
                "business_name",
            ],
        ),
        part(
            "measurements",
            FILE_MEASUREMENTS,
            &[
                "measured_on",
                "place",
                "bed_length_mm",
                "bed_width_mm",
                "bed_height_mm",
            ],
        ),
        part(
            "violations",
            FILE_VIOLATIONS,
            &[
                "id",
                "kind",
                "behaviour",
                "state",
                "detected_at_us",
                "fine_vnd",
            ],
        ),
        part(
            "crashes",
            FILE_CRASHES,
            &["id", "local_date", "deaths", "injured", "class"],
        ),
    ];
    format!("SELECT {}", parts.join(", "))
}

impl Store {
    /// The seven parts of a vehicle's file in one statement (one round trip and one
    /// snapshot instead of seven queries: under load from 8 clients, seven statements
    /// per lookup kept both backends queueing).
    async fn vehicle_file_rows(&self, key: &str) -> StoreResult<Option<FileRows>> {
        let r = self
            .db
            .fetch_one(file_statement(self.backend()), &params![key])
            .await?;
        let rows = |name: &str| Row::json_rows(&r.text(name)?, name);
        let Some(vehicle) = rows("vehicle")?.into_iter().next() else {
            return Ok(None);
        };
        Ok(Some(FileRows {
            vehicle,
            history: rows("history")?,
            inspections: rows("inspections")?,
            badges: rows("badges")?,
            measurements: rows("measurements")?,
            violations: rows("violations")?,
            crashes: rows("crashes")?,
        }))
    }
}
