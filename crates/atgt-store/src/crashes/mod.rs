//! The crash registry: records with their people, vehicles and causes, the computed
//! legal class, versions (a correction or a later death is a new version, never an
//! overwrite), bulk import and the three-criteria statistics with the same period of
//! the year before.

use crate::audit::append;
use crate::db::{Row, Tx, Value};
use crate::error::{StoreError, StoreResult};
use crate::migrate::insert_batched;
use crate::{Store, now_us, params};
use atgt_core::admin::{Level, Scheme};
use atgt_core::audit::Actor;
use atgt_core::crashes::{ClassRuleFile, Classification, CrashClass, CrashRecord, FieldError};
use atgt_core::geo::Point;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub mod stats;

/// Name of the crash-class rule file in `rule_files`.
pub const RULES_NAME: &str = "crash-classes";

/// A crash as stored (current version).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Crash {
    pub id: i64,
    pub external_id: Option<String>,
    pub version: i64,
    pub occurred_at_us: i64,
    pub time_precision: String,
    pub local_date: String,
    pub year: i64,
    pub month: Option<i64>,
    pub weekday: Option<i64>,
    pub hour: Option<i64>,
    pub admin_scheme: Option<String>,
    pub commune_code: Option<String>,
    pub cur_commune_code: Option<String>,
    pub cur_province_code: Option<String>,
    pub old_district_code: Option<String>,
    pub road_code: Option<String>,
    pub km: Option<f64>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub deaths: i64,
    pub injured: i64,
    pub property_damage_vnd: i64,
    pub class: CrashClass,
    pub class_provision: String,
    pub class_confirmed: bool,
    pub class_provisional: bool,
    pub severity: Option<String>,
    pub description: String,
    pub investigating_org_id: Option<i64>,
    pub vehicle_types: Vec<String>,
    pub causes: Vec<String>,
    pub synthetic: bool,
    pub source: String,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

/// One version of a crash.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Version {
    pub version: i64,
    pub at_us: i64,
    pub actor: String,
    pub reason: String,
    pub record: serde_json::Value,
}

const COLS: &str = "id, external_id, version, occurred_at_us, time_precision, local_date, year, month, weekday, hour, admin_scheme,
    commune_code, cur_commune_code, cur_province_code, old_district_code, road_code, km, lon, lat, deaths, injured,
    property_damage_vnd, class, class_provision, class_confirmed, class_provisional, severity, description,
    investigating_org_id, vehicle_types, causes, synthetic, source, created_at_us, updated_at_us";

fn split(s: String) -> Vec<String> {
    s.split(';')
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

fn crash(r: &Row) -> StoreResult<Crash> {
    Ok(Crash {
        id: r.i64("id")?,
        external_id: r.opt_text("external_id")?,
        version: r.i64("version")?,
        occurred_at_us: r.i64("occurred_at_us")?,
        time_precision: r.text("time_precision")?,
        local_date: r.text("local_date")?,
        year: r.i64("year")?,
        month: r.opt_i64("month")?,
        weekday: r.opt_i64("weekday")?,
        hour: r.opt_i64("hour")?,
        admin_scheme: r.opt_text("admin_scheme")?,
        commune_code: r.opt_text("commune_code")?,
        cur_commune_code: r.opt_text("cur_commune_code")?,
        cur_province_code: r.opt_text("cur_province_code")?,
        old_district_code: r.opt_text("old_district_code")?,
        road_code: r.opt_text("road_code")?,
        km: r.opt_f64("km")?,
        lon: r.opt_f64("lon")?,
        lat: r.opt_f64("lat")?,
        deaths: r.i64("deaths")?,
        injured: r.i64("injured")?,
        property_damage_vnd: r.i64("property_damage_vnd")?,
        class: r
            .text("class")?
            .parse()
            .map_err(|e: String| StoreError::Decode("class".into(), e))?,
        class_provision: r.text("class_provision")?,
        class_confirmed: r.bool("class_confirmed")?,
        class_provisional: r.bool("class_provisional")?,
        severity: r.opt_text("severity")?,
        description: r.text("description")?,
        investigating_org_id: r.opt_i64("investigating_org_id")?,
        vehicle_types: split(r.text("vehicle_types")?),
        causes: split(r.text("causes")?),
        synthetic: r.bool("synthetic")?,
        source: r.text("source")?,
        created_at_us: r.i64("created_at_us")?,
        updated_at_us: r.i64("updated_at_us")?,
    })
}

fn field(e: FieldError) -> StoreError {
    StoreError::invalid(e.field, e.key)
}

/// Where a record is, resolved against the administrative map and the roads.
#[derive(Debug, Clone, Default, PartialEq)]
struct Place {
    admin_scheme: Option<String>,
    commune_code: Option<String>,
    cur_commune: Option<String>,
    cur_province: Option<String>,
    old_district: Option<String>,
    road_id: Option<i64>,
    road_code: Option<String>,
    km: Option<f64>,
    lon: Option<f64>,
    lat: Option<f64>,
}

/// A commune resolved for counting: the current commune, its province, the old
/// district (empty when unknown or ambiguous).
type Counted = (String, String, String);

/// Look-ups reused across the rows of an import.
#[derive(Default)]
pub struct Resolver {
    communes: HashMap<(Scheme, String), Option<Counted>>,
    roads: Option<Vec<crate::roads::Road>>,
}

impl Store {
    /// The crash-class rules in force: the administrator's edited file, else the
    /// shipped one.
    pub async fn crash_rules(&self) -> StoreResult<ClassRuleFile> {
        match self.rule_file(RULES_NAME).await? {
            Some(src) => ClassRuleFile::parse(&src).map_err(StoreError::Reference),
            None => Ok(ClassRuleFile::default_rules()),
        }
    }

    /// The text of an edited rule file, if an administrator changed it.
    pub async fn rule_file(&self, name: &str) -> StoreResult<Option<String>> {
        let r = self
            .db
            .fetch_optional(
                "SELECT content FROM rule_files WHERE name = $1",
                &params![name],
            )
            .await?;
        r.map(|r| r.text("content")).transpose()
    }

    /// Replaces a rule file after `check` accepts it; audited with before and after.
    pub async fn rule_file_set(
        &self,
        actor: &Actor,
        name: &str,
        content: &str,
        default: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> StoreResult<()> {
        check(content)
            .map_err(|e| StoreError::invalid_arg("content", "error.rules_invalid", &e))?;
        let before = self
            .rule_file(name)
            .await?
            .unwrap_or_else(|| default.to_string());
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO rule_files (name, content, updated_by, updated_at_us) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET content = excluded.content, updated_by = excluded.updated_by,
               updated_at_us = excluded.updated_at_us",
            &params![name, content, actor.name.clone(), now_us()],
        )
        .await?;
        append(
            &mut tx,
            actor.entry(
                "rules.update",
                "rule_file",
                name,
                serde_json::json!({"content": before}),
                serde_json::json!({"content": content}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn resolve(&self, res: &mut Resolver, rec: &CrashRecord) -> StoreResult<Place> {
        let mut p = Place {
            lon: rec.lon,
            lat: rec.lat,
            km: rec.km,
            ..Default::default()
        };
        if let Some(code) = rec
            .commune_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let scheme = match rec.admin_scheme.as_deref() {
                Some(s) => s
                    .parse::<Scheme>()
                    .map_err(|_| StoreError::invalid("admin_scheme", "error.bad_request"))?,
                None => Scheme::on(rec.occurred.local_date()),
            };
            let key = (scheme, code.to_string());
            if !res.communes.contains_key(&key) {
                let found = match self.admin_unit(scheme, code).await {
                    Ok(u) if u.level == Level::Commune => {
                        let (cur, prov, old_d) = match scheme {
                            Scheme::New => {
                                let from = self.admin_maps_from(&u.code).await?;
                                let mut ds: Vec<String> = from
                                    .iter()
                                    .filter_map(|(o, _)| o.parent_code.clone())
                                    .collect();
                                ds.dedup();
                                (
                                    u.code.clone(),
                                    u.province_code.clone(),
                                    if ds.len() == 1 {
                                        ds.remove(0)
                                    } else {
                                        String::new()
                                    },
                                )
                            }
                            Scheme::Old => {
                                let cur = self
                                    .admin_current_commune(&u.code)
                                    .await?
                                    .unwrap_or_default();
                                let prov = match self.admin_unit(Scheme::New, &cur).await {
                                    Ok(n) => n.province_code,
                                    Err(_) => String::new(),
                                };
                                (cur, prov, u.parent_code.clone().unwrap_or_default())
                            }
                        };
                        Some((cur, prov, old_d))
                    }
                    Ok(_) | Err(StoreError::NotFound) => None,
                    Err(e) => return Err(e),
                };
                res.communes.insert(key.clone(), found);
            }
            let Some((cur, prov, old_d)) = res.communes[&key].clone() else {
                return Err(StoreError::invalid_arg(
                    "commune_code",
                    "error.admin_unit_unknown",
                    code,
                ));
            };
            p.admin_scheme = Some(scheme.as_str().to_string());
            p.commune_code = Some(code.to_string());
            p.cur_commune = Some(cur).filter(|s| !s.is_empty());
            p.cur_province = Some(prov).filter(|s| !s.is_empty());
            p.old_district = Some(old_d).filter(|s| !s.is_empty());
        }
        if let Some(code) = rec
            .road_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            if res.roads.is_none() {
                res.roads = Some(self.roads().await?);
            }
            let key = atgt_core::text::fold(code).replace([' ', '.', '-'], "");
            let road = res.roads.as_ref().and_then(|rs| {
                rs.iter()
                    .find(|r| atgt_core::text::fold(&r.code).replace([' ', '.', '-'], "") == key)
            });
            match road {
                Some(road) => {
                    p.road_id = Some(road.id);
                    p.road_code = Some(road.code.clone());
                    let ch = road.chainage();
                    match (rec.km, rec.lon, rec.lat) {
                        (Some(km), None, None) => {
                            let pt = ch.point_at(km).ok_or_else(|| {
                                StoreError::invalid_arg(
                                    "km",
                                    "error.km_out_of_range",
                                    &atgt_core::geo::format_km(km),
                                )
                            })?;
                            p.lon = Some((pt.lon * 1e6).round() / 1e6);
                            p.lat = Some((pt.lat * 1e6).round() / 1e6);
                        }
                        (None, Some(lon), Some(lat)) => {
                            // A point close to the road gets its kilometre.
                            if let Some((km, d)) = ch.locate(Point::new(lon, lat))
                                && d < 200.0
                            {
                                p.km = Some((km * 1000.0).round() / 1000.0);
                            }
                        }
                        _ => {}
                    }
                }
                // A road the locality does not hold (e.g. imported data): kept as written.
                None => p.road_code = Some(code.to_string()),
            }
        }
        Ok(p)
    }

    /// Registers a crash (version 1).
    pub async fn crash_create(
        &self,
        actor: &Actor,
        rec: &CrashRecord,
        source: &str,
        investigating_org: Option<&str>,
    ) -> StoreResult<Crash> {
        let rules = self.crash_rules().await?;
        let window = rules
            .for_date(rec.occurred.local_date())
            .0
            .death_window_days;
        rec.check(window).map_err(field)?;
        let place = self.resolve(&mut Resolver::default(), rec).await?;
        let org = self.org_for(investigating_org).await?;
        let class = rec.classify(&rules);
        let mut tx = self.db.begin().await?;
        let id = insert_crash(&mut tx, rec, &place, &class, org, source, 1).await?;
        insert_parts(&mut tx, id, rec).await?;
        insert_version(&mut tx, id, 1, &actor.name, "create", rec, &class).await?;
        rollup(
            &mut tx,
            &[(
                rollup_key(rec, &place, class.class),
                1,
                rec.deaths as i64,
                rec.injured as i64,
            )],
        )
        .await?;
        let c = crash(
            &tx.fetch_one(
                &format!("SELECT {COLS} FROM crashes WHERE id = $1"),
                &params![id],
            )
            .await?,
        )?;
        append(
            &mut tx,
            actor.entry(
                "crash.create",
                "crash",
                id,
                serde_json::Value::Null,
                serde_json::to_value(&c).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Records a new version of a crash (a correction, a later death): the previous
    /// versions stay as they were.
    pub async fn crash_update(
        &self,
        actor: &Actor,
        id: i64,
        rec: &CrashRecord,
        reason: &str,
        investigating_org: Option<&str>,
    ) -> StoreResult<Crash> {
        if reason.trim().is_empty() {
            return Err(StoreError::invalid("reason", "error.required"));
        }
        let before = self.crash(id).await?;
        let rules = self.crash_rules().await?;
        let window = rules
            .for_date(rec.occurred.local_date())
            .0
            .death_window_days;
        rec.check(window).map_err(field)?;
        if rec.external_id.is_some() && rec.external_id != before.external_id {
            return Err(StoreError::invalid("external_id", "error.bad_request"));
        }
        let place = self.resolve(&mut Resolver::default(), rec).await?;
        let org = self.org_for(investigating_org).await?;
        let class = rec.classify(&rules);
        let mut tx = self.db.begin().await?;
        write_version(
            &mut tx,
            &before,
            rec,
            &place,
            &class,
            org,
            &actor.name,
            reason.trim(),
        )
        .await?;
        let after = crash(
            &tx.fetch_one(
                &format!("SELECT {COLS} FROM crashes WHERE id = $1"),
                &params![id],
            )
            .await?,
        )?;
        append(
            &mut tx,
            actor.entry(
                "crash.update",
                "crash",
                id,
                serde_json::to_value(&before).unwrap_or_default(),
                serde_json::json!({"crash": after, "reason": reason.trim()}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn org_for(&self, code: Option<&str>) -> StoreResult<Option<i64>> {
        match code.map(str::trim).filter(|s| !s.is_empty()) {
            Some(c) => match self.org_by_code(c).await {
                Ok(o) => Ok(Some(o.id)),
                Err(StoreError::NotFound) => Err(StoreError::invalid_arg(
                    "investigating_org",
                    "error.org_unknown",
                    c,
                )),
                Err(e) => Err(e),
            },
            None => Ok(None),
        }
    }

    pub async fn crash(&self, id: i64) -> StoreResult<Crash> {
        crash(
            &self
                .db
                .fetch_one(
                    &format!("SELECT {COLS} FROM crashes WHERE id = $1"),
                    &params![id],
                )
                .await?,
        )
    }

    /// The current version's record (with people, vehicles and causes).
    pub async fn crash_record(&self, id: i64) -> StoreResult<CrashRecord> {
        let r = self
            .db
            .fetch_one("SELECT snapshot FROM crash_versions WHERE crash_id = $1 ORDER BY version DESC LIMIT 1", &params![id])
            .await?;
        let v = r.json("snapshot")?;
        serde_json::from_value(v["record"].clone())
            .map_err(|e| StoreError::Decode("snapshot".into(), e.to_string()))
    }

    pub async fn crash_versions(&self, id: i64) -> StoreResult<Vec<Version>> {
        let rows = self
            .db
            .fetch_all("SELECT v.version, v.at_us, v.actor, v.reason, v.snapshot, c.content AS class FROM crash_versions v LEFT JOIN crash_classifications c ON c.id = v.class_id WHERE v.crash_id = $1 ORDER BY v.version", &params![id])
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Version {
                    version: r.i64("version")?,
                    at_us: r.i64("at_us")?,
                    actor: r.text("actor")?,
                    reason: r.text("reason")?,
                    record: version_record(r)?,
                })
            })
            .collect()
    }

    /// Crashes matching a filter, newest first, with the total.
    pub async fn crashes(
        &self,
        f: &CrashFilter,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<Crash>, i64)> {
        let (mut sql, mut args) = f.where_clause();
        // The monthly totals answer the count when the filter allows it: a list over a
        // year of a big registry should not count every crash on each page view.
        let total = match self.crash_count_from_rollup(f).await? {
            Some(n) => n,
            None => self
                .db
                .fetch_one(
                    &format!("SELECT COUNT(*) AS n FROM crashes WHERE {sql}"),
                    &args,
                )
                .await?
                .i64("n")?,
        };
        sql.push_str(" ORDER BY occurred_at_us DESC, id DESC");
        crate::db::push_page(&mut sql, &mut args, limit, offset);
        let rows = self
            .db
            .fetch_all(&format!("SELECT {COLS} FROM crashes WHERE {sql}"), &args)
            .await?;
        Ok((rows.iter().map(crash).collect::<StoreResult<_>>()?, total))
    }
}

/// Filters shared by lists, maps, statistics and exports.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct CrashFilter {
    /// First local date, inclusive ("YYYY-MM-DD").
    #[serde(default)]
    pub from: Option<String>,
    /// Last local date, inclusive.
    #[serde(default)]
    pub to: Option<String>,
    /// New province code.
    #[serde(default)]
    pub province: Option<String>,
    /// New commune code (old-map records count under the commune they map to).
    #[serde(default)]
    pub commune: Option<String>,
    /// Old district code (records of the old map and of new communes formed from it).
    #[serde(default)]
    pub old_district: Option<String>,
    #[serde(default)]
    pub road: Option<String>,
    #[serde(default)]
    pub class: Option<String>,
    /// Count collisions (va chạm) too; by default the three criteria count crashes.
    #[serde(default)]
    pub include_collisions: bool,
    /// Keep synthetic (sample) records out.
    #[serde(default)]
    pub exclude_synthetic: bool,
}

impl CrashFilter {
    pub fn where_clause(&self) -> (String, Vec<Value>) {
        let mut sql = String::from("1 = 1");
        let mut args: Vec<Value> = Vec::new();
        let mut add = |cond: &str, v: Value, sql: &mut String| {
            args.push(v);
            sql.push_str(&format!(
                " AND {}",
                cond.replace("$?", &format!("${}", args.len()))
            ));
        };
        if let Some(v) = &self.from {
            add("local_date >= $?", v.into(), &mut sql);
        }
        if let Some(v) = &self.to {
            add("local_date <= $?", v.into(), &mut sql);
        }
        if let Some(v) = &self.province {
            add("cur_province_code = $?", v.into(), &mut sql);
        }
        if let Some(v) = &self.commune {
            add("cur_commune_code = $?", v.into(), &mut sql);
        }
        if let Some(v) = &self.old_district {
            add("old_district_code = $?", v.into(), &mut sql);
        }
        if let Some(v) = &self.road {
            add("road_code = $?", v.into(), &mut sql);
        }
        if let Some(v) = &self.class {
            add("class = $?", v.into(), &mut sql);
        }
        if !self.include_collisions && self.class.is_none() {
            sql.push_str(" AND class <> 'va_cham'");
        }
        if self.exclude_synthetic {
            sql.push_str(" AND synthetic = FALSE");
        }
        (sql, args)
    }
}

/// A line of the monthly totals: year, month (0 when unknown), commune, province, old
/// district, road, class.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RollupKey(i64, i64, String, String, String, String, &'static str);

fn rollup_key(rec: &CrashRecord, p: &Place, class: CrashClass) -> RollupKey {
    RollupKey(
        rec.occurred.year as i64,
        rec.occurred.month.unwrap_or(0) as i64,
        p.cur_commune.clone().unwrap_or_default(),
        p.cur_province.clone().unwrap_or_default(),
        p.old_district.clone().unwrap_or_default(),
        p.road_code.clone().unwrap_or_default(),
        class.as_str(),
    )
}

/// The totals line a stored crash was counted in (what a new version takes out).
fn stored_rollup_key(c: &Crash) -> RollupKey {
    RollupKey(
        c.year,
        c.month.unwrap_or(0),
        c.cur_commune_code.clone().unwrap_or_default(),
        c.cur_province_code.clone().unwrap_or_default(),
        c.old_district_code.clone().unwrap_or_default(),
        c.road_code.clone().unwrap_or_default(),
        c.class.as_str(),
    )
}

/// Adds (or with negative counts, removes) crashes to the monthly totals.
async fn rollup(tx: &mut Tx, deltas: &[(RollupKey, i64, i64, i64)]) -> StoreResult<()> {
    // Merge equal keys first: a batch may hold the same key many times.
    let mut merged: HashMap<&RollupKey, (i64, i64, i64)> = HashMap::new();
    for (k, c, d, i) in deltas {
        let e = merged.entry(k).or_default();
        e.0 += c;
        e.1 += d;
        e.2 += i;
    }
    let rows: Vec<Vec<Value>> = merged
        .into_iter()
        .map(|(k, (c, d, i))| {
            vec![
                Value::from(k.0),
                Value::from(k.1),
                Value::from(k.2.clone()),
                Value::from(k.3.clone()),
                Value::from(k.4.clone()),
                Value::from(k.5.clone()),
                Value::from(k.6),
                Value::from(c),
                Value::from(d),
                Value::from(i),
            ]
        })
        .collect();
    insert_batched(
        tx,
        "INSERT INTO crash_rollup (year, month, cur_commune_code, cur_province_code, old_district_code, road_code, class, crashes, deaths, injured)",
        "ON CONFLICT (year, month, cur_commune_code, old_district_code, road_code, class) DO UPDATE SET
           crashes = crash_rollup.crashes + excluded.crashes, deaths = crash_rollup.deaths + excluded.deaths,
           injured = crash_rollup.injured + excluded.injured",
        10,
        rows,
    )
    .await?;
    Ok(())
}

fn content_hash(rec: &CrashRecord) -> String {
    let v = serde_json::to_value(rec).unwrap_or_default();
    hex::encode(Sha256::digest(
        atgt_core::audit::canonical_json(&v).as_bytes(),
    ))
}

/// The column values of a crash row (all but id and timestamps), in COLS order.
fn row_values(
    rec: &CrashRecord,
    p: &Place,
    class: &Classification,
    org: Option<i64>,
    source: &str,
    version: i64,
) -> Vec<Value> {
    let o = rec.occurred;
    let vehicle_types: Vec<&str> = {
        let mut v: Vec<&str> = rec.vehicles.iter().map(|v| v.kind.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    vec![
        Value::from(rec.external_id.clone()),
        Value::from(version),
        Value::from(o.instant().as_microsecond()),
        Value::from(o.precision().as_str()),
        Value::from(o.local_date().to_string()),
        Value::from(o.year as i64),
        Value::from(o.month.map(i64::from)),
        Value::from(o.weekday.map(i64::from)),
        Value::from(o.hour.map(i64::from)),
        Value::from(o.hour_band.map(i64::from)),
        Value::from(p.admin_scheme.clone()),
        Value::from(p.commune_code.clone()),
        Value::from(p.cur_commune.clone()),
        Value::from(p.cur_province.clone()),
        Value::from(p.old_district.clone()),
        Value::from(p.road_id),
        Value::from(p.road_code.clone()),
        Value::from(p.km),
        Value::from(p.lon),
        Value::from(p.lat),
        Value::from(rec.deaths as i64),
        Value::from(rec.injured as i64),
        Value::from(rec.property_damage_vnd),
        Value::from(class.class.as_str()),
        Value::from(class.provision.clone()),
        Value::from(class.confirmed),
        Value::from(class.provisional),
        Value::from(rec.severity.map(|s| s.as_str().to_string())),
        Value::from(rec.description.clone()),
        Value::from(org),
        Value::from(rec.weather.clone()),
        Value::from(rec.light.clone()),
        Value::from(vehicle_types.join(";")),
        Value::from(rec.causes.join(";")),
        Value::from(rec.synthetic),
        Value::from(source),
        Value::from(content_hash(rec)),
    ]
}

const INSERT_COLS: &str = "external_id, version, occurred_at_us, time_precision, local_date, year, month, weekday, hour, hour_band,
    admin_scheme, commune_code, cur_commune_code, cur_province_code, old_district_code, road_id, road_code, km, lon, lat,
    deaths, injured, property_damage_vnd, class, class_provision, class_confirmed, class_provisional, severity, description,
    investigating_org_id, weather, light, vehicle_types, causes, synthetic, source, content_hash, created_at_us, updated_at_us";
const INSERT_WIDTH: usize = 39;

async fn insert_crash(
    tx: &mut Tx,
    rec: &CrashRecord,
    p: &Place,
    class: &Classification,
    org: Option<i64>,
    source: &str,
    version: i64,
) -> StoreResult<i64> {
    let mut vals = row_values(rec, p, class, org, source, version);
    let now = now_us();
    vals.push(now.into());
    vals.push(now.into());
    let placeholders: Vec<String> = (1..=INSERT_WIDTH).map(|i| format!("${i}")).collect();
    tx.insert_id(
        &format!(
            "INSERT INTO crashes ({INSERT_COLS}) VALUES ({}) RETURNING id",
            placeholders.join(", ")
        ),
        &vals,
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => StoreError::invalid("external_id", "error.crash_duplicate"),
        e => e,
    })
}

async fn update_crash(
    tx: &mut Tx,
    id: i64,
    rec: &CrashRecord,
    p: &Place,
    class: &Classification,
    org: Option<i64>,
    version: i64,
) -> StoreResult<()> {
    let mut vals = row_values(rec, p, class, org, "", version);
    // Keep the source the crash came from.
    vals[35] = Value::Text(None);
    let cols: Vec<&str> = INSERT_COLS
        .split(',')
        .map(str::trim)
        .take(INSERT_WIDTH - 2)
        .collect();
    let mut sets = Vec::new();
    for (i, c) in cols.iter().enumerate() {
        if *c == "source" {
            sets.push(format!("source = COALESCE(${}, source)", i + 1));
        } else {
            sets.push(format!("{c} = ${}", i + 1));
        }
    }
    vals.push(now_us().into());
    vals.push(id.into());
    let n = vals.len();
    tx.execute(
        &format!(
            "UPDATE crashes SET {}, updated_at_us = ${} WHERE id = ${n}",
            sets.join(", "),
            n - 1
        ),
        &vals,
    )
    .await?;
    Ok(())
}

/// The rows of a crash's people, vehicles and causes, gathered for one or many crashes
/// and written with a few multi-row statements.
#[derive(Default)]
struct Parts {
    people: Vec<Vec<Value>>,
    vehicles: Vec<Vec<Value>>,
    causes: Vec<Vec<Value>>,
}

impl Parts {
    fn add(&mut self, id: i64, rec: &CrashRecord) {
        for (i, p) in rec.people.iter().enumerate() {
            self.people.push(vec![
                id.into(),
                (i as i64).into(),
                p.role.clone().into(),
                p.age_group.clone().into(),
                p.sex.clone().into(),
                p.outcome.clone().into(),
                p.injury_rate.into(),
                p.died_after_days.map(i64::from).into(),
                p.alcohol_breath_mg_l.into(),
                p.alcohol_blood_mg_100ml.into(),
                p.vehicle_idx.map(i64::from).into(),
            ]);
        }
        for (i, v) in rec.vehicles.iter().enumerate() {
            self.vehicles.push(vec![
                id.into(),
                (i as i64).into(),
                v.kind.clone().into(),
                v.plate.clone().into(),
                v.registration_province.clone().into(),
            ]);
        }
        let mut causes = rec.causes.clone();
        causes.sort();
        causes.dedup();
        self.causes
            .extend(causes.into_iter().map(|c| vec![id.into(), c.into()]));
    }

    async fn write(self, tx: &mut Tx) -> StoreResult<()> {
        if !self.people.is_empty() {
            insert_batched(
                tx,
                "INSERT INTO crash_people (crash_id, idx, role, age_group, sex, outcome, injury_rate, died_after_days,
                   alcohol_breath_mg_l, alcohol_blood_mg_100ml, vehicle_idx)",
                "",
                11,
                self.people,
            )
            .await?;
        }
        if !self.vehicles.is_empty() {
            insert_batched(
                tx,
                "INSERT INTO crash_vehicles (crash_id, idx, kind, plate, registration_province)",
                "",
                5,
                self.vehicles,
            )
            .await?;
        }
        if !self.causes.is_empty() {
            insert_batched(
                tx,
                "INSERT INTO crash_causes (crash_id, cause)",
                "",
                2,
                self.causes,
            )
            .await?;
        }
        Ok(())
    }
}

async fn insert_parts(tx: &mut Tx, id: i64, rec: &CrashRecord) -> StoreResult<()> {
    let mut parts = Parts::default();
    parts.add(id, rec);
    parts.write(tx).await
}

/// Writes a new version of a crash in the caller's transaction: the current row, its
/// parts, the version row and the monthly totals (the old counts out, the new in).
#[allow(clippy::too_many_arguments)]
async fn write_version(
    tx: &mut Tx,
    before: &Crash,
    rec: &CrashRecord,
    place: &Place,
    class: &Classification,
    org: Option<i64>,
    actor: &str,
    reason: &str,
) -> StoreResult<()> {
    let id = before.id;
    let version = before.version + 1;
    update_crash(tx, id, rec, place, class, org, version).await?;
    for t in ["crash_people", "crash_vehicles", "crash_causes"] {
        tx.execute(
            &format!("DELETE FROM {t} WHERE crash_id = $1"),
            &params![id],
        )
        .await?;
    }
    insert_parts(tx, id, rec).await?;
    insert_version(tx, id, version, actor, reason, rec, class).await?;
    rollup(
        tx,
        &[
            (
                stored_rollup_key(before),
                -1,
                -before.deaths,
                -before.injured,
            ),
            (
                rollup_key(rec, place, class.class),
                1,
                rec.deaths as i64,
                rec.injured as i64,
            ),
        ],
    )
    .await
}

#[derive(Serialize)]
struct Snapshot<'a> {
    record: &'a CrashRecord,
}

/// A version's snapshot: the record. Its classification is stored once per distinct
/// classification in `crash_classifications` and referred to by the version's
/// `class_id` (see [`class_ids`]); reads put it back under `class`.
fn snapshot(rec: &CrashRecord) -> String {
    serde_json::to_string(&Snapshot { record: rec }).unwrap_or_default()
}

fn class_content(class: &Classification) -> String {
    serde_json::to_string(class).unwrap_or_default()
}

/// The ids of these classifications in `crash_classifications` (by their JSON),
/// adding the ones not stored yet, in the caller's transaction.
async fn class_ids(
    tx: &mut Tx,
    classes: &[Classification],
) -> StoreResult<HashMap<Classification, i64>> {
    let mut ids = HashMap::new();
    for c in classes {
        if ids.contains_key(c) {
            continue;
        }
        let content = class_content(c);
        tx.execute(
            "INSERT INTO crash_classifications (content) VALUES ($1) ON CONFLICT (content) DO NOTHING",
            &params![content.clone()],
        )
        .await?;
        let id = tx
            .fetch_one(
                "SELECT id FROM crash_classifications WHERE content = $1",
                &params![content],
            )
            .await?
            .i64("id")?;
        ids.insert(c.clone(), id);
    }
    Ok(ids)
}

/// A stored version's snapshot with its classification back under `class` (versions
/// written before migration 14 carry it inline and have no `class_id`).
fn version_record(r: &Row) -> StoreResult<serde_json::Value> {
    let mut v = r.json("snapshot")?;
    if let Some(c) = r.opt_text("class")? {
        let c: serde_json::Value = serde_json::from_str(&c)
            .map_err(|e| StoreError::Decode("class".into(), e.to_string()))?;
        v["class"] = c;
    }
    Ok(v)
}

async fn insert_version(
    tx: &mut Tx,
    id: i64,
    version: i64,
    actor: &str,
    reason: &str,
    rec: &CrashRecord,
    class: &Classification,
) -> StoreResult<()> {
    let class_id = class_ids(tx, std::slice::from_ref(class)).await?[class];
    tx.execute(
        "INSERT INTO crash_versions (crash_id, version, at_us, actor, reason, snapshot, class_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &params![id, version, now_us(), actor, reason, snapshot(rec), class_id],
    )
    .await?;
    Ok(())
}

/// A rejected import row: its number in the file (1 = first data row), the column and
/// the reason (an i18n key and its argument).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowError {
    pub row: usize,
    pub column: String,
    pub key: String,
    pub arg: String,
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    pub rows: usize,
    pub inserted: usize,
    pub updated: usize,
    pub duplicates: usize,
    pub rejected: Vec<RowError>,
    pub dry_run: bool,
    /// With `strict`, any rejected row rejects the file and nothing is written.
    pub strict: bool,
    pub written: bool,
}

impl Store {
    /// Imports parsed rows (row number, record or the parser's error), in one
    /// transaction with one audit entry for the import, so an import never
    /// half-writes. Re-importing the same rows changes nothing (duplicates by
    /// `external_id`); a changed row becomes a new version.
    ///
    /// Two stages run at once: a task checks, resolves and classifies the rows and
    /// prepares the new ones in batches, while this task writes each batch as it comes.
    /// A rejected row in `strict` mode, a dry run or a failure rolls the whole
    /// transaction back.
    pub async fn crash_import<I>(
        &self,
        actor: &Actor,
        rows: I,
        source: &str,
        dry_run: bool,
        strict: bool,
        mut progress: impl FnMut(usize),
    ) -> StoreResult<ImportReport>
    where
        I: IntoIterator<Item = (usize, Result<CrashRecord, RowError>)>,
        I::IntoIter: Send + 'static,
    {
        let rules = self.crash_rules().await?;
        let t0 = std::time::Instant::now();
        let mut report = ImportReport {
            dry_run,
            strict,
            ..Default::default()
        };
        // An empty registry (a first import) has no existing ids to look up.
        let empty = self
            .db
            .fetch_optional("SELECT id FROM crashes LIMIT 1", &[])
            .await?
            .is_none();
        let rows = rows.into_iter();
        let expected_rows = rows.size_hint().0 as i64;
        let mut tx = match dry_run {
            true => None,
            false => Some(self.db.begin().await?),
        };
        let now = now_us();
        // New rows get ids from the current maximum: the transaction holds the write
        // lock on SQLite, and the table lock below on PostgreSQL, so nobody else inserts
        // meanwhile. Knowing the ids up front lets the checking task prepare the rows
        // (values, version snapshots, parts) while this one writes earlier ones.
        let (first, deferred) = match tx.as_mut() {
            None => (1, Vec::new()),
            Some(tx) => {
                if tx.backend() == crate::Backend::Postgres {
                    tx.execute("LOCK TABLE crashes IN EXCLUSIVE MODE", &[])
                        .await?;
                }
                let first = tx
                    .fetch_one("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM crashes", &[])
                    .await?
                    .i64("n")?;
                let deferred = defer_indexes(tx, expected_rows, first - 1).await?;
                (first, deferred)
            }
        };
        let (sender, mut batches) = tokio::sync::mpsc::channel::<Batch>(4);
        let checker = tokio::spawn(check_rows(Checking {
            store: self.clone(),
            rules,
            rows: Box::new(rows),
            look_up: !empty,
            first,
            now,
            source: source.to_string(),
            actor: actor.name.clone(),
            sender,
        }));
        // Ids in crash_classifications of the classifications the checker numbered.
        let mut class_db: Vec<i64> = Vec::new();
        let mut deltas = Vec::new();
        let mut write = async |tx: &mut Tx, mut b: Batch| -> StoreResult<()> {
            if !b.new_classes.is_empty() {
                let ids = class_ids(tx, &b.new_classes).await?;
                class_db.extend(b.new_classes.iter().map(|c| ids[c]));
            }
            for v in &mut b.versions {
                if let Some(Value::I64(Some(local))) = v.get(VERSION_CLASS) {
                    v[VERSION_CLASS] = Value::from(class_db[*local as usize]);
                }
            }
            insert_batched(
                tx,
                &format!("INSERT INTO crashes (id, {INSERT_COLS})"),
                "",
                INSERT_WIDTH + 1,
                b.crashes,
            )
            .await?;
            insert_batched(
                tx,
                "INSERT INTO crash_versions (crash_id, version, at_us, actor, reason, snapshot, class_id)",
                "",
                7,
                b.versions,
            )
            .await?;
            b.parts.write(tx).await?;
            deltas.extend(b.deltas);
            Ok(())
        };
        // How long the writer waited for the checker: which of the two stages bounds
        // the import (in the debug log).
        let mut waited = std::time::Duration::ZERO;
        loop {
            let t = std::time::Instant::now();
            let Some(b) = batches.recv().await else { break };
            waited += t.elapsed();
            let upto = b.upto;
            if let Some(tx) = tx.as_mut() {
                // On a failure the batches channel closes and the checker stops.
                write(tx, b).await?;
            }
            progress(upto);
        }
        let checked = checker
            .await
            .map_err(|e| StoreError::Reference(format!("import worker: {e}")))??;
        tracing::debug!(
            ms = t0.elapsed().as_millis() as u64,
            writer_waited_ms = waited.as_millis() as u64,
            "import: rows written"
        );
        report.rows = checked.rows;
        report.rejected = checked.rejected;
        if strict && !report.rejected.is_empty() {
            // Nothing is kept: the transaction is dropped, so rolled back.
            return Ok(report);
        }
        report.inserted = checked.inserted;
        report.updated = checked.changed.len();
        report.duplicates = checked.duplicates;
        let Some(mut tx) = tx.filter(|_| report.inserted + report.updated > 0) else {
            return Ok(report);
        };
        let total_new = report.inserted as i64;
        let (first_id, last_id) = match total_new {
            0 => (None, None),
            n => (Some(first), Some(first + n - 1)),
        };
        if self.backend() == crate::Backend::Postgres && total_new > 0 {
            tx.execute("SELECT setval(pg_get_serial_sequence('crashes', 'id'), (SELECT MAX(id) FROM crashes))", &[]).await?;
        }
        for sql in &deferred {
            tx.execute(sql, &[]).await?;
        }
        if !deferred.is_empty() {
            tracing::debug!(
                ms = t0.elapsed().as_millis() as u64,
                indexes = deferred.len(),
                "import: indexes rebuilt"
            );
        }
        rollup(&mut tx, &deltas).await?;
        for (id, (n, rec, p, class)) in &checked.changed {
            let before = crash(
                &tx.fetch_one(
                    &format!("SELECT {COLS} FROM crashes WHERE id = $1"),
                    &params![*id],
                )
                .await?,
            )?;
            let reason = format!("import {source} row {n}");
            write_version(
                &mut tx,
                &before,
                rec,
                p,
                class,
                before.investigating_org_id,
                &actor.name,
                &reason,
            )
            .await?;
        }
        append(
            &mut tx,
            actor.entry(
                "crash.import",
                "crash_import",
                source,
                serde_json::Value::Null,
                serde_json::json!({
                    "source": source, "rows": report.rows, "inserted": report.inserted, "updated": report.updated,
                    "duplicates": report.duplicates, "rejected": report.rejected.len(),
                    "first_id": first_id, "last_id": last_id,
                }),
            ),
        )
        .await?;
        tracing::debug!(
            ms = t0.elapsed().as_millis() as u64,
            "import: totals and audit written"
        );
        tx.commit().await?;
        tracing::debug!(ms = t0.elapsed().as_millis() as u64, "import: committed");
        report.written = true;
        progress(report.rows);
        Ok(report)
    }
}

impl Store {
    /// The id and content hash of the stored crashes with these rows' external ids.
    async fn crash_hashes(
        &self,
        rows: &[(usize, Result<CrashRecord, RowError>)],
    ) -> StoreResult<HashMap<String, (i64, String)>> {
        let ids: Vec<Value> = rows
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok()?.external_id.as_deref())
            .map(Value::from)
            .collect();
        let mut found = HashMap::new();
        if ids.is_empty() {
            return Ok(found);
        }
        let ph = crate::migrate::placeholders(self.backend(), 1, ids.len());
        let sql = format!(
            "SELECT id, external_id, content_hash FROM crashes WHERE external_id IN ({ph})"
        );
        for r in self.db.fetch_all(&sql, &ids).await? {
            found.insert(
                r.text("external_id")?,
                (r.i64("id")?, r.text("content_hash")?),
            );
        }
        Ok(found)
    }
}

/// The column of a prepared version row holding its classification: the checker's
/// number for it, replaced by the id in `crash_classifications` before writing.
const VERSION_CLASS: usize = 6;

/// What the checking stage of an import needs.
struct Checking {
    store: Store,
    rules: ClassRuleFile,
    rows: Box<dyn Iterator<Item = (usize, Result<CrashRecord, RowError>)> + Send>,
    /// Whether the registry holds crashes whose external ids rows may repeat.
    look_up: bool,
    first: i64,
    now: i64,
    source: String,
    actor: String,
    sender: tokio::sync::mpsc::Sender<Batch>,
}

/// A checked row: its number in the file, the record, its place and class.
type Prepared = (usize, CrashRecord, Place, Classification);

/// What the checking stage found.
#[derive(Default)]
struct Checked {
    rows: usize,
    rejected: Vec<RowError>,
    inserted: usize,
    duplicates: usize,
    changed: Vec<(i64, Prepared)>,
}

/// The checking stage of an import: each row checked (required id, no duplicate in
/// the file, the record's own rules), its place resolved and its class found; new
/// rows are numbered and prepared in batches of 500 for the writer, changed ones kept
/// for a new version, unchanged ones counted.
async fn check_rows(c: Checking) -> StoreResult<Checked> {
    let mut out = Checked::default();
    let mut resolver = Resolver::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut classes: HashMap<Classification, i64> = HashMap::new();
    let mut next = c.first;
    let mut b = Batch::default();
    let mut rows = c.rows;
    loop {
        let chunk: Vec<_> = rows.by_ref().take(500).collect();
        if chunk.is_empty() {
            break;
        }
        // Let other tasks (a server's requests) run between chunks.
        tokio::task::yield_now().await;
        let existing = match c.look_up {
            true => c.store.crash_hashes(&chunk).await?,
            false => HashMap::new(),
        };
        for (n, r) in chunk {
            out.rows += 1;
            let rec = match r {
                Ok(rec) => rec,
                Err(e) => {
                    out.rejected.push(e);
                    continue;
                }
            };
            let Some(ext) = rec.external_id.clone() else {
                out.rejected.push(RowError {
                    row: n,
                    column: "external_id".into(),
                    key: "error.required".into(),
                    arg: String::new(),
                });
                continue;
            };
            if let Some(first) = seen.insert(ext.clone(), n) {
                out.rejected.push(RowError {
                    row: n,
                    column: "external_id".into(),
                    key: "error.crash_duplicate_in_file".into(),
                    arg: first.to_string(),
                });
                continue;
            }
            let window = c
                .rules
                .for_date(rec.occurred.local_date())
                .0
                .death_window_days;
            if let Err(e) = rec.check(window) {
                out.rejected.push(RowError {
                    row: n,
                    column: e.field.into(),
                    key: e.key.into(),
                    arg: String::new(),
                });
                continue;
            }
            let place = match c.store.resolve(&mut resolver, &rec).await {
                Ok(p) => p,
                Err(StoreError::Invalid { field, key, arg }) => {
                    out.rejected.push(RowError {
                        row: n,
                        column: field,
                        key,
                        arg,
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            let class = rec.classify(&c.rules);
            match existing.get(&ext) {
                Some((_, h)) if *h == content_hash(&rec) => out.duplicates += 1,
                Some((id, _)) => out.changed.push((*id, (n, rec, place, class))),
                None => {
                    let id = next;
                    next += 1;
                    let local = match classes.get(&class) {
                        Some(l) => *l,
                        None => {
                            let l = classes.len() as i64;
                            classes.insert(class.clone(), l);
                            b.new_classes.push(class.clone());
                            l
                        }
                    };
                    let mut v = Vec::with_capacity(INSERT_WIDTH + 1);
                    v.push(Value::from(id));
                    v.extend(row_values(&rec, &place, &class, None, &c.source, 1));
                    v.push(c.now.into());
                    v.push(c.now.into());
                    b.crashes.push(v);
                    b.deltas.push((
                        rollup_key(&rec, &place, class.class),
                        1,
                        rec.deaths as i64,
                        rec.injured as i64,
                    ));
                    b.versions.push(vec![
                        id.into(),
                        1i64.into(),
                        c.now.into(),
                        c.actor.clone().into(),
                        format!("import {} row {n}", c.source).into(),
                        snapshot(&rec).into(),
                        local.into(),
                    ]);
                    b.parts.add(id, &rec);
                    out.inserted += 1;
                }
            }
        }
        if b.crashes.len() >= 500 {
            b.upto = out.rows;
            if c.sender.send(std::mem::take(&mut b)).await.is_err() {
                // The writer stopped (it failed): its error is the import's.
                return Ok(out);
            }
        }
    }
    b.upto = out.rows;
    if !b.crashes.is_empty() || !b.new_classes.is_empty() {
        let _ = c.sender.send(b).await;
    }
    Ok(out)
}

/// Tables written by an import whose secondary indexes a large import rebuilds.
const IMPORT_TABLES: &str =
    "'crashes', 'crash_versions', 'crash_people', 'crash_vehicles', 'crash_causes'";

/// On SQLite, an import that at least doubles the registry (and is large) drops the
/// secondary indexes of the tables it writes and returns their definitions, to be
/// created again before commit: building an index from sorted rows is far cheaper
/// than millions of random b-tree inserts. It all happens inside the import's
/// transaction, so other readers see the old indexes until the commit, and a failure
/// rolls the drop back with everything else. Unique keys declared on the columns
/// (`external_id`) stay: SQLite cannot drop them, and they still guard the insert.
/// PostgreSQL keeps its indexes (dropping one would block every reader meanwhile).
async fn defer_indexes(tx: &mut Tx, new_rows: i64, max_id: i64) -> StoreResult<Vec<String>> {
    const MIN_ROWS: i64 = 10_000;
    if tx.backend() != crate::Backend::Sqlite || new_rows < MIN_ROWS || new_rows < max_id {
        return Ok(Vec::new());
    }
    let rows = tx
        .fetch_all(
            &format!(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
                 AND tbl_name IN ({IMPORT_TABLES}) ORDER BY name"
            ),
            &[],
        )
        .await?;
    let mut sqls = Vec::with_capacity(rows.len());
    for r in rows {
        let name = r.text("name")?;
        tx.execute(&format!("DROP INDEX \"{name}\""), &[]).await?;
        sqls.push(r.text("sql")?);
    }
    Ok(sqls)
}

/// Rows prepared for one multi-row write of an import.
#[derive(Default)]
struct Batch {
    /// Rows of the file checked so far, for the progress shown.
    upto: usize,
    /// Classifications first met in this batch, in the checker's numbering order.
    new_classes: Vec<Classification>,
    crashes: Vec<Vec<Value>>,
    versions: Vec<Vec<Value>>,
    parts: Parts,
    deltas: Vec<(RollupKey, i64, i64, i64)>,
}
