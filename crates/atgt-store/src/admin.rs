//! Administrative units: lookup, search (accent-insensitive), children, and the
//! old→new mapping used to count historic records under today's units.

use crate::db::{Row, push_page, push_word_filter};
use crate::error::{StoreError, StoreResult};
use crate::{Store, params};
use atgt_core::admin::{AdminUnit, Level, Scheme};

fn unit(r: &Row) -> StoreResult<AdminUnit> {
    Ok(AdminUnit {
        scheme: r
            .text("scheme")?
            .parse()
            .map_err(|e: String| StoreError::Decode("scheme".into(), e))?,
        code: r.text("code")?,
        name: r.text("name")?,
        division_type: r.text("division_type")?,
        level: r
            .text("level")?
            .parse()
            .map_err(|e: String| StoreError::Decode("level".into(), e))?,
        parent_code: r.opt_text("parent_code")?,
        province_code: r.text("province_code")?,
    })
}

const COLS: &str = "scheme, code, name, division_type, level, parent_code, province_code";

/// A search over units.
#[derive(Debug, Clone, Default)]
pub struct UnitQuery {
    pub scheme: Option<Scheme>,
    pub level: Option<Level>,
    pub province_code: Option<String>,
    pub parent_code: Option<String>,
    /// Words matched accent-insensitively against the name or the code.
    pub q: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// An old unit with the new unit(s) it became.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mapping {
    pub old_code: String,
    pub old_level: String,
    pub new_code: String,
    pub new_name: String,
    pub is_split: bool,
    pub is_default: bool,
}

impl Store {
    pub async fn admin_unit(&self, scheme: Scheme, code: &str) -> StoreResult<AdminUnit> {
        let r = self
            .db
            .fetch_optional(
                &format!("SELECT {COLS} FROM admin_units WHERE scheme = $1 AND code = $2"),
                &params![scheme.as_str(), code],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        unit(&r)
    }

    /// Units matching a query, ordered by code, with the total count.
    pub async fn admin_units(&self, q: &UnitQuery) -> StoreResult<(Vec<AdminUnit>, i64)> {
        let mut sql = String::from(
            " FROM admin_units WHERE ($1 IS NULL OR scheme = $1) AND ($2 IS NULL OR level = $2)
              AND ($3 IS NULL OR province_code = $3) AND ($4 IS NULL OR parent_code = $4)",
        );
        let mut args = Vec::from(params![
            q.scheme.map(|s| s.as_str()),
            q.level.map(|l| l.as_str()),
            q.province_code.clone(),
            q.parent_code.clone()
        ]);
        // A query of digits also matches codes.
        push_word_filter(
            &mut sql,
            &mut args,
            q.q.as_deref(),
            &["name_folded", "code"],
        );
        let total = self
            .db
            .fetch_one(&format!("SELECT COUNT(*) AS n{sql}"), &args)
            .await?
            .i64("n")?;
        sql.push_str(" ORDER BY scheme, code");
        push_page(&mut sql, &mut args, q.limit, q.offset);
        let rows = self
            .db
            .fetch_all(&format!("SELECT {COLS}{sql}"), &args)
            .await?;
        Ok((rows.iter().map(unit).collect::<StoreResult<_>>()?, total))
    }

    /// The new units an old unit became (several when it was split).
    pub async fn admin_maps_to(&self, old: &AdminUnit) -> StoreResult<Vec<Mapping>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT m.old_code, m.old_level, m.new_code, u.name AS new_name, m.is_split, m.is_default
                 FROM admin_unit_map m JOIN admin_units u ON u.scheme = 'new' AND u.code = m.new_code
                 WHERE m.old_code = $1 AND m.old_level = $2 ORDER BY m.is_default DESC, m.new_code",
                &params![old.code.clone(), old.level.as_str()],
            )
            .await?;
        rows.iter().map(mapping).collect()
    }

    /// The old units a new unit was formed from.
    pub async fn admin_maps_from(&self, new_code: &str) -> StoreResult<Vec<(AdminUnit, bool)>> {
        let rows = self
            .db
            .fetch_all(
                "SELECT u.scheme, u.code, u.name, u.division_type, u.level, u.parent_code, u.province_code, m.is_split
                 FROM admin_unit_map m JOIN admin_units u ON u.scheme = 'old' AND u.code = m.old_code AND u.level = m.old_level
                 WHERE m.new_code = $1 ORDER BY u.code",
                &params![new_code],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((unit(r)?, r.bool("is_split")?)))
            .collect()
    }

    /// The new commune a record in an old commune is counted under (the default part
    /// when the old commune was split).
    pub async fn admin_current_commune(
        &self,
        old_commune_code: &str,
    ) -> StoreResult<Option<String>> {
        let r = self
            .db
            .fetch_optional(
                "SELECT new_code FROM admin_unit_map WHERE old_code = $1 AND old_level = 'commune'
                 ORDER BY is_default DESC, new_code LIMIT 1",
                &params![old_commune_code],
            )
            .await?;
        r.map(|r| r.text("new_code")).transpose()
    }

    /// Whether `inner` (any scheme) lies within the area `outer` (a unit of either
    /// scheme): same unit, its province, its old district, or the new unit it maps to.
    pub async fn admin_within(&self, inner: &AdminUnit, outer: &AdminUnit) -> StoreResult<bool> {
        if inner.scheme == outer.scheme {
            return Ok(inner.code == outer.code
                || (outer.level == Level::Province && inner.province_code == outer.code)
                || (outer.level == Level::District
                    && inner.parent_code.as_deref() == Some(&outer.code)));
        }
        match (inner.scheme, outer.scheme) {
            // An old unit inside a new area: through the mapping.
            (Scheme::Old, Scheme::New) => {
                let maps = match inner.level {
                    Level::Commune => self.admin_maps_to(inner).await?,
                    _ => Vec::new(),
                };
                if outer.level == Level::Province {
                    let old_prov = self.admin_unit(Scheme::Old, &inner.province_code).await?;
                    let new_prov = self
                        .db
                        .fetch_optional(
                            "SELECT DISTINCT u.province_code FROM admin_unit_map m JOIN admin_units u
                               ON u.scheme = 'new' AND u.code = m.new_code
                             JOIN admin_units o ON o.scheme = 'old' AND o.code = m.old_code AND o.level = m.old_level
                             WHERE o.province_code = $1 AND u.province_code = $2",
                            &params![old_prov.code, outer.code.clone()],
                        )
                        .await?;
                    return Ok(new_prov.is_some());
                }
                Ok(maps.iter().any(|m| m.new_code == outer.code))
            }
            // A new unit inside an old area: a new commune formed (partly) from it.
            (Scheme::New, Scheme::Old) => {
                let from = self.admin_maps_from(&inner.code).await?;
                Ok(from.iter().any(|(u, _)| {
                    u.code == outer.code
                        || (outer.level == Level::District
                            && u.parent_code.as_deref() == Some(&outer.code))
                        || (outer.level == Level::Province && u.province_code == outer.code)
                }))
            }
            _ => Ok(false),
        }
    }

    /// Finds a unit by code, trying the new map first, then the old.
    pub async fn admin_find(&self, code: &str) -> StoreResult<AdminUnit> {
        match self.admin_unit(Scheme::New, code).await {
            Err(StoreError::NotFound) => self.admin_unit(Scheme::Old, code).await,
            other => other,
        }
    }
}

fn mapping(r: &Row) -> StoreResult<Mapping> {
    Ok(Mapping {
        old_code: r.text("old_code")?,
        old_level: r.text("old_level")?,
        new_code: r.text("new_code")?,
        new_name: r.text("new_name")?,
        is_split: r.bool("is_split")?,
        is_default: r.bool("is_default")?,
    })
}
