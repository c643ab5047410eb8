//! Roads and railways with their kilometre reference, so places can be given as
//! "QL1A Km 1540+300" and shown on the map.

use crate::audit::append;
use crate::db::Row;
use crate::error::{StoreError, StoreResult};
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use atgt_core::geo::{Chainage, Point};
use atgt_core::text::{fold, nfc};
use serde::{Deserialize, Serialize};

pub const KINDS: &[&str] = &[
    "expressway",
    "national",
    "provincial",
    "urban",
    "commune",
    "other",
    "railway",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Road {
    pub id: i64,
    /// Short code as signed, e.g. "QL1A", "ĐT704", "DS-BN" (railway).
    pub code: String,
    pub name: String,
    pub kind: String,
    pub province_code: String,
    pub managing_org_id: Option<i64>,
    pub km_start: f64,
    pub ascending: bool,
    /// The centre line as [lon, lat] pairs.
    pub line: Vec<[f64; 2]>,
    pub note: String,
}

impl Road {
    pub fn chainage(&self) -> Chainage {
        Chainage {
            line: self.line.iter().map(|p| Point::new(p[0], p[1])).collect(),
            km_start: self.km_start,
            ascending: self.ascending,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct RoadInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub province_code: String,
    pub managing_org_code: Option<String>,
    pub km_start: f64,
    pub ascending: bool,
    pub line: Vec<[f64; 2]>,
    #[serde(default)]
    pub note: String,
}

const COLS: &str =
    "id, code, name, kind, province_code, managing_org_id, km_start, ascending, geometry, note";

fn road(r: &Row) -> StoreResult<Road> {
    let geometry = r.text("geometry")?;
    Ok(Road {
        id: r.i64("id")?,
        code: r.text("code")?,
        name: r.text("name")?,
        kind: r.text("kind")?,
        province_code: r.text("province_code")?,
        managing_org_id: r.opt_i64("managing_org_id")?,
        km_start: r.f64("km_start")?,
        ascending: r.bool("ascending")?,
        line: serde_json::from_str(&geometry)
            .map_err(|e| StoreError::Decode("geometry".into(), e.to_string()))?,
        note: r.text("note")?,
    })
}

impl Store {
    pub async fn road_create(&self, actor: &Actor, i: &RoadInput) -> StoreResult<Road> {
        let code = nfc(&i.code);
        if code.is_empty() {
            return Err(StoreError::invalid("code", "error.required"));
        }
        let name = nfc(&i.name);
        if name.is_empty() {
            return Err(StoreError::invalid("name", "error.required"));
        }
        if !KINDS.contains(&i.kind.as_str()) {
            return Err(StoreError::invalid("kind", "error.kind_unknown"));
        }
        if i.line.len() < 2 || i.line.iter().any(|p| !Point::new(p[0], p[1]).is_valid()) {
            return Err(StoreError::invalid("line", "error.geometry_invalid"));
        }
        if !i.km_start.is_finite() || i.km_start < 0.0 {
            return Err(StoreError::invalid("km_start", "error.bad_request"));
        }
        let org_id = match i.managing_org_code.as_deref().filter(|s| !s.is_empty()) {
            Some(c) => Some(match self.org_by_code(c).await {
                Ok(o) => o.id,
                Err(StoreError::NotFound) => {
                    return Err(StoreError::invalid_arg(
                        "managing_org_code",
                        "error.org_unknown",
                        c,
                    ));
                }
                Err(e) => return Err(e),
            }),
            None => None,
        };
        let now = now_us();
        let geometry = serde_json::to_string(&i.line).unwrap_or_default();
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO roads (code, name, name_folded, kind, province_code, managing_org_id, km_start, ascending, geometry,
                   note, created_at_us, updated_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
                &params![code, name.clone(), fold(&name), i.kind.clone(), i.province_code.clone(), org_id, i.km_start, i.ascending, geometry, i.note.clone(), now],
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => StoreError::invalid("code", "error.conflict"),
                e => e,
            })?;
        let r = road(
            &tx.fetch_one(
                &format!("SELECT {COLS} FROM roads WHERE id = $1"),
                &params![id],
            )
            .await?,
        )?;
        append(
            &mut tx,
            actor.entry(
                "road.create",
                "road",
                id,
                serde_json::Value::Null,
                serde_json::to_value(&r).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(r)
    }

    pub async fn roads(&self) -> StoreResult<Vec<Road>> {
        let rows = self
            .db
            .fetch_all(
                &format!("SELECT {COLS} FROM roads ORDER BY kind, code"),
                &[],
            )
            .await?;
        rows.iter().map(road).collect()
    }

    /// A road by code; the code matches without accents or case ("dt704" finds "ĐT704").
    pub async fn road_by_code(&self, code: &str) -> StoreResult<Road> {
        let roads = self.roads().await?;
        let key = fold(code).replace([' ', '.', '-'], "");
        roads
            .into_iter()
            .find(|r| fold(&r.code).replace([' ', '.', '-'], "") == key)
            .ok_or(StoreError::NotFound)
    }
}
