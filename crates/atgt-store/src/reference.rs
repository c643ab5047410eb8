//! Reference data embedded in the binary and loaded by migration: the administrative
//! units of both maps and the old→new mapping, derived from published lists by
//! `scripts/derive_admin_units.py` (see `data/admin-units/SOURCES.md`).

use crate::db::{Tx, Value};
use crate::error::{StoreError, StoreResult};
use crate::migrate::insert_batched;
use atgt_core::text::fold;
use std::future::Future;
use std::pin::Pin;

type LoadFn = for<'a> fn(
    &'a mut Tx,
    &'static str,
) -> Pin<Box<dyn Future<Output = StoreResult<usize>> + Send + 'a>>;

pub struct Set {
    pub name: &'static str,
    pub content: &'static str,
    pub load: LoadFn,
}

pub const PROVINCES_2025: &str = include_str!("../../../data/admin-units/provinces-2025.csv");
pub const COMMUNES_2025: &str = include_str!("../../../data/admin-units/communes-2025.csv");
pub const OLD_PROVINCES: &str = include_str!("../../../data/admin-units/old-provinces.csv");
pub const OLD_DISTRICTS: &str = include_str!("../../../data/admin-units/old-districts.csv");
pub const OLD_COMMUNES: &str = include_str!("../../../data/admin-units/old-communes.csv");
pub const MAPPING_2025: &str = include_str!("../../../data/admin-units/mapping-2025.csv");

/// In load order: provinces before their communes, units before the mapping.
pub const SETS: &[Set] = &[
    Set {
        name: "admin-units/provinces-2025",
        content: PROVINCES_2025,
        load: |tx, c| Box::pin(load_units(tx, c, Kind::NewProvince)),
    },
    Set {
        name: "admin-units/communes-2025",
        content: COMMUNES_2025,
        load: |tx, c| Box::pin(load_units(tx, c, Kind::NewCommune)),
    },
    Set {
        name: "admin-units/old-provinces",
        content: OLD_PROVINCES,
        load: |tx, c| Box::pin(load_units(tx, c, Kind::OldProvince)),
    },
    Set {
        name: "admin-units/old-districts",
        content: OLD_DISTRICTS,
        load: |tx, c| Box::pin(load_units(tx, c, Kind::OldDistrict)),
    },
    Set {
        name: "admin-units/old-communes",
        content: OLD_COMMUNES,
        load: |tx, c| Box::pin(load_units(tx, c, Kind::OldCommune)),
    },
    Set {
        name: "admin-units/mapping-2025",
        content: MAPPING_2025,
        load: |tx, c| Box::pin(load_mapping(tx, c)),
    },
];

#[derive(Clone, Copy)]
enum Kind {
    NewProvince,
    NewCommune,
    OldProvince,
    OldDistrict,
    OldCommune,
}

fn records(content: &str) -> StoreResult<(csv::StringRecord, Vec<csv::StringRecord>)> {
    let mut rdr = csv::Reader::from_reader(content.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| StoreError::Reference(e.to_string()))?
        .clone();
    let rows = rdr
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Reference(e.to_string()))?;
    Ok((headers, rows))
}

fn col(h: &csv::StringRecord, name: &str) -> StoreResult<usize> {
    h.iter()
        .position(|c| c == name)
        .ok_or_else(|| StoreError::Reference(format!("column {name} missing")))
}

async fn load_units(tx: &mut Tx, content: &'static str, kind: Kind) -> StoreResult<usize> {
    let (h, rows) = records(content)?;
    let (c_code, c_name, c_type, c_short) = (
        col(&h, "code")?,
        col(&h, "name")?,
        col(&h, "division_type")?,
        col(&h, "short_name")?,
    );
    let c_prov = h.iter().position(|c| c == "province_code");
    let c_dist = h.iter().position(|c| c == "district_code");
    let (scheme, level) = match kind {
        Kind::NewProvince => ("new", "province"),
        Kind::NewCommune => ("new", "commune"),
        Kind::OldProvince => ("old", "province"),
        Kind::OldDistrict => ("old", "district"),
        Kind::OldCommune => ("old", "commune"),
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let code = r[c_code].to_string();
        let province = match c_prov {
            Some(i) => r[i].to_string(),
            None => code.clone(),
        };
        let parent: Option<String> = match kind {
            Kind::NewProvince | Kind::OldProvince => None,
            Kind::NewCommune | Kind::OldDistrict => Some(province.clone()),
            Kind::OldCommune => c_dist.map(|i| r[i].to_string()),
        };
        out.push(vec![
            Value::from(scheme),
            Value::from(code),
            Value::from(&r[c_name]),
            Value::from(fold(&r[c_name])),
            Value::from(&r[c_short]),
            Value::from(&r[c_type]),
            Value::from(level),
            Value::from(parent),
            Value::from(province),
        ]);
    }
    insert_batched(
        tx,
        "INSERT INTO admin_units (scheme, code, name, name_folded, short_name, division_type, level, parent_code, province_code)",
        "ON CONFLICT (scheme, code) DO UPDATE SET name = excluded.name, name_folded = excluded.name_folded,
           short_name = excluded.short_name, division_type = excluded.division_type, level = excluded.level,
           parent_code = excluded.parent_code, province_code = excluded.province_code",
        9,
        out,
    )
    .await
}

async fn load_mapping(tx: &mut Tx, content: &'static str) -> StoreResult<usize> {
    let (h, rows) = records(content)?;
    let (c_old, c_dist, c_new, c_split, c_def) = (
        col(&h, "old_commune_code")?,
        col(&h, "old_district_code")?,
        col(&h, "new_commune_code")?,
        col(&h, "is_split")?,
        col(&h, "is_default")?,
    );
    tx.execute("DELETE FROM admin_unit_map", &[]).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        // A few old districts had no communes (island districts): they map as a whole.
        let (old, level) = if r[c_old].is_empty() {
            (r[c_dist].to_string(), "district")
        } else {
            (r[c_old].to_string(), "commune")
        };
        out.push(vec![
            Value::from(old),
            Value::from(level),
            Value::from(&r[c_new]),
            Value::from(&r[c_split] == "true"),
            Value::from(&r[c_def] == "true"),
        ]);
    }
    insert_batched(
        tx,
        "INSERT INTO admin_unit_map (old_code, old_level, new_code, is_split, is_default)",
        "",
        5,
        out,
    )
    .await
}
