//! The cross-checks over the hub and the enforcement ledger: the rows each check needs
//! are read here, the decision is `atgt_core::hub::checks` (pure), and the legal basis
//! comes from the rule file (`hub-checks`, editable; the bundled file otherwise).

use crate::error::{StoreError, StoreResult};
use crate::{Store, params};
use atgt_core::audit::Actor;
use atgt_core::enforcement::points_on;
use atgt_core::hub::checks::{self as ck, CheckRules, Finding, Unusable};
use atgt_core::plates::Plate;
use atgt_core::time::{from_micros, local_date, parse_date};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A transport vehicle: display, transport or not, badges (from, until).
type TransportRow = (String, bool, Vec<(Date, Date)>);
/// Open camera cases of a plate: display, notice dates, case ids.
type OpenNotices = (String, Vec<Date>, Vec<i64>);

/// Name of the rule file in `rule_files`.
pub const RULES_NAME: &str = "hub-checks";

/// Camera cases still open: not paid, closed or dismissed (a patrol case is dealt with
/// on the spot, and a case opened from the hub's records was not found by a camera:
/// neither blocks inspection).
const OPEN_CAMERA_CASES: &str = "kind NOT IN ('patrol', 'hub_check') AND state NOT IN ('paid', 'closed', 'dismissed') AND notice_at_us IS NOT NULL";

fn date_of(s: &str) -> Option<Date> {
    parse_date(s)
}

impl Store {
    pub async fn hub_check_rules(&self) -> StoreResult<CheckRules> {
        match self.rule_file(RULES_NAME).await? {
            Some(src) => CheckRules::parse(&src).map_err(StoreError::Reference),
            None => Ok(CheckRules::default_rules()),
        }
    }

    /// Certificates of plates as (inspected_on, valid_until, passed), by plate key.
    async fn certs_of(
        &self,
        keys: &[String],
    ) -> StoreResult<HashMap<String, Vec<(Date, Date, bool)>>> {
        let mut out: HashMap<String, Vec<(Date, Date, bool)>> = HashMap::new();
        for chunk in keys.chunks(500) {
            let sql = format!(
                "SELECT plate_key, inspected_on, valid_until, result FROM hub_inspections WHERE plate_key IN ({})",
                crate::migrate::placeholders(self.backend(), 1, chunk.len())
            );
            let args: Vec<crate::db::Value> = chunk.iter().map(|k| k.clone().into()).collect();
            for r in self.db.fetch_all(&sql, &args).await? {
                if let (Some(a), Some(b)) = (
                    date_of(&r.text("inspected_on")?),
                    date_of(&r.text("valid_until")?),
                ) {
                    out.entry(r.text("plate_key")?).or_default().push((
                        a,
                        b,
                        r.text("result")? == "pass",
                    ));
                }
            }
        }
        Ok(out)
    }

    /// Expired inspection on camera: readable camera reads of the window whose plate
    /// had no valid certificate that day (one finding per plate, the latest read).
    async fn check_expired_on_camera(
        &self,
        rules: &CheckRules,
        today: Date,
    ) -> StoreResult<Vec<Finding>> {
        let since = today
            .checked_sub(jiff::Span::new().days(rules.params.read_window_days))
            .unwrap_or(today);
        let since_us = crate::events::local_range_us(since, since).0;
        let rows = self
            .db
            .fetch_all(
                "SELECT r.plate_key, r.plate_display, MAX(r.read_at_us) AS last_us FROM plate_reads r
                 WHERE r.read_at_us >= $1 AND r.readable = 1
                   AND EXISTS (SELECT 1 FROM hub_inspections i WHERE i.plate_key = r.plate_key)
                 GROUP BY r.plate_key, r.plate_display",
                &params![since_us],
            )
            .await?;
        let mut last: BTreeMap<String, (String, i64)> = BTreeMap::new();
        for r in rows {
            let k = r.text("plate_key")?;
            let t = r.i64("last_us")?;
            let e = last.entry(k).or_insert((r.text("plate_display")?, t));
            if t > e.1 {
                e.1 = t;
            }
        }
        let keys: Vec<String> = last.keys().cloned().collect();
        let certs = self.certs_of(&keys).await?;
        let mut out = Vec::new();
        for (k, (display, t)) in last {
            let on = local_date(from_micros(t));
            if let Some(exp) = ck::expired_on(certs.get(&k).map(Vec::as_slice).unwrap_or(&[]), on)
                && let Some(f) = Finding::new(
                    rules,
                    "expired_inspection_on_camera",
                    &display,
                    on,
                    format!("valid_until={exp}"),
                )
            {
                out.push(f);
            }
        }
        Ok(out)
    }

    /// Notice dates of the open camera cases, by plate key (one plate, or all).
    async fn open_notices(
        &self,
        plate_key: Option<&str>,
    ) -> StoreResult<BTreeMap<String, OpenNotices>> {
        let rows = match plate_key {
            Some(k) => {
                self.db
                    .fetch_all(
                        &format!("SELECT id, plate_key, plate_display, notice_at_us FROM violation_cases WHERE plate_key = $1 AND {OPEN_CAMERA_CASES}"),
                        &params![k],
                    )
                    .await?
            }
            None => {
                self.db
                    .fetch_all(
                        &format!("SELECT id, plate_key, plate_display, notice_at_us FROM violation_cases WHERE {OPEN_CAMERA_CASES}"),
                        &[],
                    )
                    .await?
            }
        };
        let mut out: BTreeMap<String, OpenNotices> = BTreeMap::new();
        for r in rows {
            let e = out
                .entry(r.text("plate_key")?)
                .or_insert_with(|| (String::new(), Vec::new(), Vec::new()));
            e.0 = r.text("plate_display")?;
            e.1.push(local_date(from_micros(r.i64("notice_at_us")?)));
            e.2.push(r.i64("id")?);
        }
        Ok(out)
    }

    /// The inspection block: vehicles whose camera violations are unresolved longer
    /// than the wait after the notice; the detail says whether the vehicle was
    /// presented for inspection since (a certificate dated on or after the block).
    async fn check_block(
        &self,
        rules: &CheckRules,
        today: Date,
        plate_key: Option<&str>,
    ) -> StoreResult<Vec<Finding>> {
        let open = self.open_notices(plate_key).await?;
        let keys: Vec<String> = open.keys().cloned().collect();
        let certs = self.certs_of(&keys).await?;
        let mut out = Vec::new();
        for (k, (display, notices, cases)) in open {
            let Some(since) = ck::blocked_since(&notices, today, rules.params.notice_wait_days)
            else {
                continue;
            };
            let presented = certs
                .get(&k)
                .and_then(|c| c.iter().filter(|c| c.0 >= since).map(|c| c.0).max());
            let detail = match presented {
                Some(p) => format!("blocked_since={since}; presented_on={p}; cases={cases:?}"),
                None => format!("blocked_since={since}; cases={cases:?}"),
            };
            if let Some(f) = Finding::new(
                rules,
                "inspection_block",
                &display,
                presented.unwrap_or(since),
                detail,
            ) {
                out.push(f);
            }
        }
        Ok(out)
    }

    /// Truck beds measured differently from the latest certificate giving dimensions.
    async fn check_beds(
        &self,
        rules: &CheckRules,
        plate_key: Option<&str>,
    ) -> StoreResult<Vec<Finding>> {
        let (filter, args): (&str, Vec<crate::db::Value>) = match plate_key {
            Some(k) => ("WHERE m.plate_key = $1", vec![k.into()]),
            None => ("", vec![]),
        };
        let rows = self
            .db
            .fetch_all(
                &format!(
                    "SELECT m.plate_key, m.plate_display, m.measured_on, m.bed_length_mm, m.bed_width_mm, m.bed_height_mm
                     FROM hub_measurements m {filter} ORDER BY m.plate_key, m.measured_on"
                ),
                &args,
            )
            .await?;
        // The latest measurement per plate.
        let mut latest: BTreeMap<String, (String, Date, [i64; 3])> = BTreeMap::new();
        for r in rows {
            let Some(on) = date_of(&r.text("measured_on")?) else {
                continue;
            };
            latest.insert(
                r.text("plate_key")?,
                (
                    r.text("plate_display")?,
                    on,
                    [
                        r.i64("bed_length_mm")?,
                        r.i64("bed_width_mm")?,
                        r.i64("bed_height_mm")?,
                    ],
                ),
            );
        }
        let mut out = Vec::new();
        for (k, (display, on, measured)) in latest {
            let cert = self
                .hub_inspections(&k)
                .await?
                .into_iter()
                .filter(|c| c.inspected_on.as_str() <= on.to_string().as_str())
                .find_map(|c| c.bed_mm);
            let Some(cert) = cert else { continue };
            if let Some(diff) = ck::bed_mismatch(cert, measured, rules.params.bed_tolerance_mm)
                && let Some(f) = Finding::new(
                    rules,
                    "bed_mismatch",
                    &display,
                    on,
                    format!("certified={cert:?}; measured={measured:?}; diff={diff:?}"),
                )
            {
                out.push(f);
            }
        }
        Ok(out)
    }

    /// Patrol cases recorded against a licence that was suspended or at zero points
    /// on the day (points from the enforcement ledger, before that day).
    async fn check_licences(
        &self,
        rules: &CheckRules,
        case_id: Option<i64>,
    ) -> StoreResult<Vec<Finding>> {
        let (filter, args): (&str, Vec<crate::db::Value>) = match case_id {
            Some(id) => ("AND c.id = $1", vec![id.into()]),
            None => ("", vec![]),
        };
        let rows = self
            .db
            .fetch_all(
                &format!(
                    "SELECT c.id, c.licence_no, c.detected_at_us, l.suspended_until FROM violation_cases c
                     JOIN hub_licences l ON l.licence_no = c.licence_no
                     WHERE c.kind = 'patrol' AND c.licence_no IS NOT NULL {filter}
                     ORDER BY c.detected_at_us"
                ),
                &args,
            )
            .await?;
        let catalog = self.catalog().await?;
        let mut out = Vec::new();
        let mut ledger: HashMap<String, Vec<(Date, i64)>> = HashMap::new();
        for r in rows {
            let no = r.text("licence_no")?;
            let on = local_date(from_micros(r.i64("detected_at_us")?));
            if !ledger.contains_key(&no) {
                ledger.insert(no.clone(), self.licence_deductions(&no).await?);
            }
            let before: Vec<(Date, i64)> = ledger[&no]
                .iter()
                .copied()
                .filter(|(d, _)| *d < on)
                .collect();
            let points = points_on(&before, &[], on, &catalog.points);
            let susp = r.opt_text("suspended_until")?.as_deref().and_then(date_of);
            if let Some(why) = ck::licence_unusable(susp, points, on) {
                let why = match why {
                    Unusable::Suspended => "suspended",
                    Unusable::ZeroPoints => "zero_points",
                };
                if let Some(f) = Finding::new(
                    rules,
                    "licence_unusable",
                    &no,
                    on,
                    format!("case={}; reason={why}; points={points}", r.i64("id")?),
                ) {
                    out.push(f);
                }
            }
        }
        Ok(out)
    }

    /// Transport vehicles (yellow plate or run by a business) without a valid badge today.
    async fn check_badges(
        &self,
        rules: &CheckRules,
        today: Date,
        plate_key: Option<&str>,
    ) -> StoreResult<Vec<Finding>> {
        let (filter, args): (&str, Vec<crate::db::Value>) = match plate_key {
            Some(k) => ("AND v.plate_key = $1", vec![k.into()]),
            None => ("", vec![]),
        };
        let rows = self
            .db
            .fetch_all(
                &format!(
                    "SELECT v.plate_key, v.plate_display, v.colour, v.business_id, b.valid_from, b.valid_until
                     FROM hub_vehicles v LEFT JOIN hub_badges b ON b.plate_key = v.plate_key
                     WHERE (v.colour = 'yellow' OR v.business_id IS NOT NULL) {filter}
                     ORDER BY v.plate_key"
                ),
                &args,
            )
            .await?;
        let mut by: BTreeMap<String, TransportRow> = BTreeMap::new();
        for r in rows {
            let e = by
                .entry(r.text("plate_key")?)
                .or_insert_with(|| (String::new(), false, Vec::new()));
            e.0 = r.text("plate_display")?;
            e.1 = ck::is_transport(&r.text("colour")?, r.opt_text("business_id")?.as_deref());
            if let (Some(f), Some(u)) = (
                r.opt_text("valid_from")?.as_deref().and_then(date_of),
                r.opt_text("valid_until")?.as_deref().and_then(date_of),
            ) {
                e.2.push((f, u));
            }
        }
        let mut out = Vec::new();
        for (_, (display, transport, badges)) in by {
            if ck::lacks_badge(transport, &badges, today) {
                let last = badges.iter().map(|b| b.1).max();
                let detail = match last {
                    Some(l) => format!("last_badge_until={l}"),
                    None => "no_badge".to_string(),
                };
                if let Some(f) = Finding::new(rules, "no_badge", &display, today, detail) {
                    out.push(f);
                }
            }
        }
        Ok(out)
    }

    /// Every firing cross-check on `today`, in the order of the check codes.
    #[tracing::instrument(skip_all)]
    pub async fn hub_findings(&self, today: Date) -> StoreResult<Vec<Finding>> {
        let rules = self.hub_check_rules().await?;
        let mut out = self.check_expired_on_camera(&rules, today).await?;
        out.extend(self.check_block(&rules, today, None).await?);
        out.extend(self.check_beds(&rules, None).await?);
        out.extend(self.check_licences(&rules, None).await?);
        out.extend(self.check_badges(&rules, today, None).await?);
        Ok(out)
    }

    /// The flags of one vehicle on `today`: the inspection block (Circular 73/2024
    /// Art. 24 k5), an expired certificate, a bed mismatch, a missing badge.
    pub async fn hub_flags(&self, plate: &str, today: Date) -> StoreResult<Vec<Finding>> {
        let rules = self.hub_check_rules().await?;
        self.flags_with(&rules, plate, today).await
    }

    /// `hub_flags` with the rule file already read.
    async fn flags_with(
        &self,
        rules: &CheckRules,
        plate: &str,
        today: Date,
    ) -> StoreResult<Vec<Finding>> {
        let p = Plate::parse(plate);
        let key = p.key();
        let mut out = self.check_block(rules, today, Some(&key)).await?;
        let certs = self.certs_of(std::slice::from_ref(&key)).await?;
        if let Some(exp) = ck::expired_on(certs.get(&key).map(Vec::as_slice).unwrap_or(&[]), today)
            && let Some(f) = Finding::new(
                rules,
                "expired_inspection_on_camera",
                &p.display(),
                today,
                format!("valid_until={exp}"),
            )
        {
            out.push(f);
        }
        out.extend(self.check_beds(rules, Some(&key)).await?);
        out.extend(self.check_badges(rules, today, Some(&key)).await?);
        Ok(out)
    }
}

impl Store {
    /// The cross-checks an officer sees on a case: the vehicle's flags on the day of the
    /// case, and for a patrol case the licence shown (suspended or at zero points).
    pub async fn hub_case_flags(
        &self,
        case: &crate::enforcement::Case,
    ) -> StoreResult<Vec<Finding>> {
        let on = local_date(from_micros(case.detected_at_us));
        let rules = self.hub_check_rules().await?;
        let mut out = self.flags_with(&rules, &case.plate_key, on).await?;
        out.extend(self.check_licences(&rules, Some(case.id)).await?);
        Ok(out)
    }
}

/// What the enforcement rules did with the hub's cross-checks.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckCases {
    /// Findings of checks that open a case (`case` in the rule file).
    pub findings: usize,
    /// Cases opened now (a finding already opened is not opened twice).
    pub opened: usize,
    /// Findings left without a case: the catalog has no behaviour of the check's group
    /// for the vehicle's kind. They stay on the checks page.
    pub unmatched: usize,
    /// Findings already covered by a case of the same behaviour for the vehicle that
    /// day (e.g. the patrol that stopped the truck at the weigh station).
    pub covered: usize,
}

impl Store {
    /// The enforcement rules over the hub's cross-checks on `today`: each finding about
    /// a vehicle whose check names a catalog group (`case`) opens a case of that
    /// behaviour, once per check, vehicle and date, with the finding and its legal basis
    /// as evidence. The case then follows the workflow of every case (review, notice,
    /// decision), so nothing is fined without an officer.
    pub async fn hub_check_cases(&self, actor: &Actor, today: Date) -> StoreResult<CheckCases> {
        use crate::enforcement::NewCase;
        let rules = self.hub_check_rules().await?;
        let catalog = self.catalog().await?;
        // Only the checks that may open a case are run.
        let opens = |code: &str| {
            rules
                .checks
                .iter()
                .any(|r| r.code == code && r.case.is_some())
        };
        let mut findings = Vec::new();
        if opens("expired_inspection_on_camera") {
            findings.extend(self.check_expired_on_camera(&rules, today).await?);
        }
        if opens("bed_mismatch") {
            findings.extend(self.check_beds(&rules, None).await?);
        }
        if opens("no_badge") {
            findings.extend(self.check_badges(&rules, today, None).await?);
        }
        let mut out = CheckCases::default();
        let mut new = Vec::new();
        for f in findings {
            let Some(on) = date_of(&f.on) else { continue };
            let Some(group) = rules.rule(&f.code, on).and_then(|r| r.case.clone()) else {
                continue;
            };
            out.findings += 1;
            let plate = Plate::parse(&f.subject);
            let key = plate.key();
            let kind = self
                .db
                .fetch_optional(
                    "SELECT kind FROM hub_vehicles WHERE plate_key = $1 ORDER BY updated_at_us DESC LIMIT 1",
                    &params![key.clone()],
                )
                .await?
                .map(|r| r.text("kind"))
                .transpose()?;
            // The hub's kinds to the catalog's: a tractor unit is fined as a truck.
            let vehicle = match kind.as_deref() {
                Some("truck" | "tractor") => "truck",
                Some("motorbike") => "motorbike",
                _ => "car",
            };
            let Some(b) = catalog.select(&group, vehicle, None) else {
                out.unmatched += 1;
                continue;
            };
            let (from_us, to_us) = crate::events::local_range_us(on, on);
            let dedup = format!("hub:{}:{key}:{}", f.code, f.on);
            // Any case of the same group for the vehicle that day covers the finding.
            let mut covered = None;
            for r in self
                .db
                .fetch_all(
                    "SELECT id, behaviour FROM violation_cases WHERE plate_key = $1
                       AND detected_at_us >= $2 AND detected_at_us < $3 AND dedup_key <> $4",
                    &params![key.clone(), from_us, to_us, dedup.clone()],
                )
                .await?
            {
                if catalog
                    .get(&r.text("behaviour")?)
                    .is_some_and(|x| x.group == b.group)
                {
                    covered = Some(r.i64("id")?);
                    break;
                }
            }
            if covered.is_some() {
                out.covered += 1;
                continue;
            }
            new.push(NewCase {
                kind: "hub_check".into(),
                dedup_key: dedup,
                plate_key: key,
                plate_display: plate.display(),
                camera_id: None,
                detected_at_us: crate::events::local_range_us(on, on).0,
                behaviour: b.code.clone(),
                measured: None,
                evidence: serde_json::json!({
                    "check": f.code,
                    "on": f.on,
                    "detail": f.detail,
                    "basis": f.basis,
                    "basis_confirmed": f.basis_confirmed,
                }),
                licence_no: None,
                officer_id: None,
            });
        }
        out.opened = self.cases_open(actor, new).await?.len();
        Ok(out)
    }
}
