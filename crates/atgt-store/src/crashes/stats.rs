//! The three criteria — crashes, deaths, injured — by any dimension, each with the same
//! period of the year before. Whole-month periods over area, road, time and class read
//! the monthly totals (`crash_rollup`); anything else reads the records.

use super::CrashFilter;
use crate::Store;
use crate::db::Value;
use crate::error::{StoreError, StoreResult};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    Total,
    Province,
    Commune,
    OldDistrict,
    Road,
    Year,
    Quarter,
    Month,
    Class,
    VehicleType,
    Cause,
    Hour,
    Weekday,
    HourWeekday,
    AgeGroup,
}

impl Dim {
    pub const ALL: [Dim; 15] = [
        Dim::Total,
        Dim::Province,
        Dim::Commune,
        Dim::OldDistrict,
        Dim::Road,
        Dim::Year,
        Dim::Quarter,
        Dim::Month,
        Dim::Class,
        Dim::VehicleType,
        Dim::Cause,
        Dim::Hour,
        Dim::Weekday,
        Dim::HourWeekday,
        Dim::AgeGroup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dim::Total => "total",
            Dim::Province => "province",
            Dim::Commune => "commune",
            Dim::OldDistrict => "old_district",
            Dim::Road => "road",
            Dim::Year => "year",
            Dim::Quarter => "quarter",
            Dim::Month => "month",
            Dim::Class => "class",
            Dim::VehicleType => "vehicle_type",
            Dim::Cause => "cause",
            Dim::Hour => "hour",
            Dim::Weekday => "weekday",
            Dim::HourWeekday => "hour_weekday",
            Dim::AgeGroup => "age_group",
        }
    }

    /// Keys that are periods: the year before's keys are shifted by a year to line up.
    fn is_time(self) -> bool {
        matches!(self, Dim::Year | Dim::Quarter | Dim::Month)
    }

    fn rollup_key(self) -> Option<&'static str> {
        Some(match self {
            Dim::Total => "'total'",
            Dim::Province => "cur_province_code",
            Dim::Commune => "cur_commune_code",
            Dim::OldDistrict => "old_district_code",
            Dim::Road => "road_code",
            Dim::Year => "CAST(year AS TEXT)",
            Dim::Quarter => {
                "CASE WHEN month = 0 THEN CAST(year AS TEXT) || '-Q?' ELSE CAST(year AS TEXT) || '-Q' || CAST((month + 2) / 3 AS TEXT) END"
            }
            Dim::Month => {
                "CASE WHEN month = 0 THEN CAST(year AS TEXT) || '-??' WHEN month < 10 THEN CAST(year AS TEXT) || '-0' || CAST(month AS TEXT) ELSE CAST(year AS TEXT) || '-' || CAST(month AS TEXT) END"
            }
            Dim::Class => "class",
            _ => return None,
        })
    }
}

impl FromStr for Dim {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Dim::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("unknown dimension '{s}'"))
    }
}

/// One line of a statistics table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatRow {
    pub key: String,
    pub crashes: i64,
    pub deaths: i64,
    pub injured: i64,
    pub prev_crashes: i64,
    pub prev_deaths: i64,
    pub prev_injured: i64,
}

impl StatRow {
    fn add(&mut self, o: &StatRow) {
        self.crashes += o.crashes;
        self.deaths += o.deaths;
        self.injured += o.injured;
        self.prev_crashes += o.prev_crashes;
        self.prev_deaths += o.prev_deaths;
        self.prev_injured += o.prev_injured;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    pub dim: Dim,
    pub from: String,
    pub to: String,
    pub prev_from: String,
    pub prev_to: String,
    pub rows: Vec<StatRow>,
    pub total: StatRow,
    /// "rollup" (monthly totals) or "records".
    pub source: String,
}

fn parse_date(s: &str, field: &str) -> StoreResult<Date> {
    s.parse::<Date>()
        .map_err(|_| StoreError::invalid(field, "error.bad_date"))
}

/// The same dates one year earlier (29 February becomes 28 February).
pub fn year_before(d: Date) -> Date {
    d.checked_sub(1.year()).unwrap_or(d)
}

fn shift_key_forward(key: &str) -> String {
    match key.get(..4).and_then(|y| y.parse::<i32>().ok()) {
        Some(y) => format!("{}{}", y + 1, &key[4..]),
        None => key.to_string(),
    }
}

impl Store {
    /// The three criteria for the filter's period (required: `from` and `to`) grouped by
    /// `dim`, with the same period of the year before.
    pub async fn crash_stats(&self, f: &CrashFilter, dim: Dim) -> StoreResult<Stats> {
        let from = parse_date(
            f.from
                .as_deref()
                .ok_or_else(|| StoreError::invalid("from", "error.required"))?,
            "from",
        )?;
        let to = parse_date(
            f.to.as_deref()
                .ok_or_else(|| StoreError::invalid("to", "error.required"))?,
            "to",
        )?;
        if to < from {
            return Err(StoreError::invalid("to", "error.period_reversed"));
        }
        let (pfrom, pto) = (year_before(from), year_before(to));
        let whole_months = from.day() == 1 && to == to.last_of_month();
        let use_rollup = whole_months && dim.rollup_key().is_some() && !f.exclude_synthetic;
        let (cur, prev) = if use_rollup {
            (
                self.rollup_query(f, dim, from, to).await?,
                self.rollup_query(f, dim, pfrom, pto).await?,
            )
        } else {
            (
                self.records_query(f, dim, from, to).await?,
                self.records_query(f, dim, pfrom, pto).await?,
            )
        };
        let mut map: BTreeMap<String, StatRow> = BTreeMap::new();
        for (k, c, d, i) in cur {
            let e = map.entry(k.clone()).or_insert_with(|| StatRow {
                key: k,
                ..Default::default()
            });
            e.crashes += c;
            e.deaths += d;
            e.injured += i;
        }
        for (k, c, d, i) in prev {
            let k = if dim.is_time() {
                shift_key_forward(&k)
            } else {
                k
            };
            let e = map.entry(k.clone()).or_insert_with(|| StatRow {
                key: k,
                ..Default::default()
            });
            e.prev_crashes += c;
            e.prev_deaths += d;
            e.prev_injured += i;
        }
        let rows: Vec<StatRow> = map.into_values().collect();
        let mut total = StatRow {
            key: "total".into(),
            ..Default::default()
        };
        if matches!(dim, Dim::VehicleType | Dim::Cause | Dim::AgeGroup) {
            // A crash can have several vehicles, causes or ages: the total is counted
            // once per crash.
            let t = Box::pin(self.crash_stats(f, Dim::Total)).await?;
            total = t.total;
        } else {
            for r in &rows {
                total.add(r);
            }
        }
        Ok(Stats {
            dim,
            from: from.to_string(),
            to: to.to_string(),
            prev_from: pfrom.to_string(),
            prev_to: pto.to_string(),
            rows,
            total,
            source: if use_rollup { "rollup" } else { "records" }.into(),
        })
    }

    /// The number of crashes a list filter selects, from the monthly totals, when the
    /// filter allows it (no date bounds or whole months, no exclusion of sample
    /// records); `None` when only the records can answer. It counts exactly what the
    /// records query would: a crash known only by its year is dated 1 January, so it
    /// counts when the period contains 1 January of its year.
    pub async fn crash_count_from_rollup(&self, f: &CrashFilter) -> StoreResult<Option<i64>> {
        if f.exclude_synthetic {
            return Ok(None);
        }
        let from = match f.from.as_deref().map(str::parse::<Date>) {
            Some(Ok(d)) if d.day() == 1 => Some(d),
            Some(_) => return Ok(None),
            None => None,
        };
        let to = match f.to.as_deref().map(str::parse::<Date>) {
            Some(Ok(d)) if d == d.last_of_month() => Some(d),
            Some(_) => return Ok(None),
            None => None,
        };
        let lo = from.map_or(0, |d| d.year() as i64 * 100 + d.month() as i64);
        let hi = to.map_or(i64::MAX, |d| d.year() as i64 * 100 + d.month() as i64);
        let ylo = from.map_or(0, |d| {
            d.year() as i64 + i64::from(!(d.month() == 1 && d.day() == 1))
        });
        let yhi = to.map_or(i64::MAX, |d| d.year() as i64);
        let mut sql = String::from(
            "((month <> 0 AND year * 100 + month BETWEEN $1 AND $2) OR (month = 0 AND year BETWEEN $3 AND $4))",
        );
        let mut args: Vec<Value> = vec![lo.into(), hi.into(), ylo.into(), yhi.into()];
        let mut add = |cond: &str, v: &Option<String>, sql: &mut String| {
            if let Some(v) = v {
                args.push(v.into());
                sql.push_str(&format!(" AND {cond} = ${}", args.len()));
            }
        };
        add("cur_province_code", &f.province, &mut sql);
        add("cur_commune_code", &f.commune, &mut sql);
        add("old_district_code", &f.old_district, &mut sql);
        add("road_code", &f.road, &mut sql);
        add("class", &f.class, &mut sql);
        if !f.include_collisions && f.class.is_none() {
            sql.push_str(" AND class <> 'va_cham'");
        }
        let n = self
            .db
            .fetch_one(
                &format!(
                    "SELECT CAST(COALESCE(SUM(crashes), 0) AS BIGINT) AS n FROM crash_rollup WHERE {sql}"
                ),
                &args,
            )
            .await?
            .i64("n")?;
        Ok(Some(n))
    }

    async fn rollup_query(
        &self,
        f: &CrashFilter,
        dim: Dim,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<(String, i64, i64, i64)>> {
        let key = dim.rollup_key().unwrap_or("'total'");
        let whole_years =
            from.month() == 1 && from.day() == 1 && to.month() == 12 && to.day() == 31;
        let lo = from.year() as i64 * 100 + if whole_years { 0 } else { from.month() as i64 };
        let hi = to.year() as i64 * 100 + to.month() as i64;
        let mut sql = String::from("year * 100 + month BETWEEN $1 AND $2");
        let mut args: Vec<Value> = vec![lo.into(), hi.into()];
        if !whole_years {
            sql.push_str(" AND month <> 0");
        }
        let mut add = |cond: &str, v: &Option<String>, sql: &mut String| {
            if let Some(v) = v {
                args.push(v.into());
                sql.push_str(&format!(" AND {cond} = ${}", args.len()));
            }
        };
        add("cur_province_code", &f.province, &mut sql);
        add("cur_commune_code", &f.commune, &mut sql);
        add("old_district_code", &f.old_district, &mut sql);
        add("road_code", &f.road, &mut sql);
        add("class", &f.class, &mut sql);
        if !f.include_collisions && f.class.is_none() {
            sql.push_str(" AND class <> 'va_cham'");
        }
        let rows = self
            .db
            .fetch_all(
                &format!(
                    "SELECT {key} AS k, CAST(COALESCE(SUM(crashes), 0) AS BIGINT) AS c, CAST(COALESCE(SUM(deaths), 0) AS BIGINT) AS d,
                       CAST(COALESCE(SUM(injured), 0) AS BIGINT) AS i FROM crash_rollup WHERE {sql}{}",
                    group_by(key)
                ),
                &args,
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.opt_text("k")?.unwrap_or_default(),
                    r.i64("c")?,
                    r.i64("d")?,
                    r.i64("i")?,
                ))
            })
            .filter(|x: &StoreResult<(String, i64, i64, i64)>| {
                x.as_ref()
                    .map(|v| v.1 != 0 || v.2 != 0 || v.3 != 0)
                    .unwrap_or(true)
            })
            .collect()
    }

    async fn records_query(
        &self,
        f: &CrashFilter,
        dim: Dim,
        from: Date,
        to: Date,
    ) -> StoreResult<Vec<(String, i64, i64, i64)>> {
        let mut filter = f.clone();
        filter.from = Some(from.to_string());
        filter.to = Some(to.to_string());
        let (cond, args) = filter.where_clause();
        let sql = match dim {
            Dim::VehicleType => format!(
                "SELECT v.kind AS k, COUNT(*) AS c, CAST(SUM(c.deaths) AS BIGINT) AS d, CAST(SUM(c.injured) AS BIGINT) AS i
                 FROM crashes c JOIN (SELECT DISTINCT crash_id, kind FROM crash_vehicles) v ON v.crash_id = c.id
                 WHERE {} GROUP BY v.kind",
                prefix(&cond)
            ),
            Dim::Cause => format!(
                "SELECT x.cause AS k, COUNT(*) AS c, CAST(SUM(c.deaths) AS BIGINT) AS d, CAST(SUM(c.injured) AS BIGINT) AS i
                 FROM crashes c JOIN crash_causes x ON x.crash_id = c.id WHERE {} GROUP BY x.cause",
                prefix(&cond)
            ),
            Dim::AgeGroup => format!(
                "SELECT COALESCE(p.age_group, '?') AS k, COUNT(DISTINCT c.id) AS c,
                   CAST(SUM(CASE WHEN p.outcome = 'dead' THEN 1 ELSE 0 END) AS BIGINT) AS d,
                   CAST(SUM(CASE WHEN p.outcome = 'injured' THEN 1 ELSE 0 END) AS BIGINT) AS i
                 FROM crashes c JOIN crash_people p ON p.crash_id = c.id WHERE {} GROUP BY COALESCE(p.age_group, '?')",
                prefix(&cond)
            ),
            _ => {
                let key = match dim {
                    Dim::Hour => "CASE WHEN hour IS NULL THEN '?' WHEN hour < 10 THEN '0' || CAST(hour AS TEXT) ELSE CAST(hour AS TEXT) END",
                    Dim::Weekday => "COALESCE(CAST(weekday AS TEXT), '?')",
                    Dim::HourWeekday => "COALESCE(CAST(weekday AS TEXT), '?') || '-' || CASE WHEN hour IS NULL THEN '?' WHEN hour < 10 THEN '0' || CAST(hour AS TEXT) ELSE CAST(hour AS TEXT) END",
                    Dim::Month => "CASE WHEN month IS NULL THEN CAST(year AS TEXT) || '-??' ELSE substr(local_date, 1, 7) END",
                    Dim::Quarter => "CASE WHEN month IS NULL THEN CAST(year AS TEXT) || '-Q?' ELSE CAST(year AS TEXT) || '-Q' || CAST((month + 2) / 3 AS TEXT) END",
                    other => other.rollup_key().unwrap_or("'total'"),
                };
                format!(
                    "SELECT {key} AS k, COUNT(*) AS c, CAST(COALESCE(SUM(deaths), 0) AS BIGINT) AS d,
                       CAST(COALESCE(SUM(injured), 0) AS BIGINT) AS i FROM crashes WHERE {cond}{}",
                    group_by(key)
                )
            }
        };
        let rows = self.db.fetch_all(&sql, &args).await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.opt_text("k")?.unwrap_or_default(),
                    r.i64("c")?,
                    r.i64("d")?,
                    r.i64("i")?,
                ))
            })
            .collect()
    }
}

/// `GROUP BY key`, or nothing for the constant key of the total (PostgreSQL refuses to
/// group by a constant).
fn group_by(key: &str) -> String {
    if key.starts_with('\'') {
        String::new()
    } else {
        format!(" GROUP BY {key}")
    }
}

/// Qualifies the crash columns of a where clause with the `c.` alias.
fn prefix(cond: &str) -> String {
    let cols = [
        "local_date",
        "cur_province_code",
        "cur_commune_code",
        "old_district_code",
        "road_code",
        "class",
        "synthetic",
    ];
    let mut out = cond.to_string();
    for c in cols {
        out = out.replace(&format!("{c} "), &format!("c.{c} "));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_line_up_across_years() {
        assert_eq!(shift_key_forward("2024-03"), "2025-03");
        assert_eq!(shift_key_forward("2024-Q1"), "2025-Q1");
        assert_eq!(shift_key_forward("2024"), "2025");
        assert_eq!(
            year_before(jiff::civil::date(2024, 2, 29)),
            jiff::civil::date(2023, 2, 28)
        );
    }
}
