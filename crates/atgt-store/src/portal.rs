//! The public plate lookup. Security-sensitive: the one query here selects only what
//! the public may see of an open violation case — when, where, the behaviour code, the
//! state and the handling unit — into an in-memory index ([`OpenIndex`]). It never
//! reads the licence number, the officer, the pending proposal or the case history,
//! so nothing personal can reach the portal through it.

use crate::error::StoreResult;
use crate::{Row, Store, Value, params};
use atgt_core::enforcement::CaseState;
use atgt_core::portal::{OPEN_STATES, is_open};
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// An open violation as the public sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PublicViolation {
    pub detected_at_us: i64,
    pub state: CaseState,
    /// Catalog code of the behaviour (the web layer shows its text).
    pub behaviour: String,
    /// The camera's name and road position, or the place a patrol recorded.
    pub place: String,
    /// The unit that owns the camera, or the recording officer's unit.
    pub unit: String,
}

/// The open states as an SQL list (constants, not user input).
fn open_list() -> String {
    OPEN_STATES
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The most cases one answer lists; a plate with more is told to ask the police.
pub const LOOKUP_LIMIT: i64 = 50;

/// How old the index may get before a lookup reads the cases changed since.
const REFRESH_EVERY: Duration = Duration::from_secs(1);
/// How often the index is built again from all open cases (it then also follows a
/// renamed camera or unit, which does not touch the cases).
const REBUILD_EVERY: Duration = Duration::from_secs(600);
/// Each read of changes starts this far before the previous read started (by the
/// clock), so another process's transaction that stamped its cases up to this long
/// before it committed is still read (reading a case twice changes nothing); a longer
/// one shows at the next rebuild.
const OVERLAP_US: i64 = 30_000_000;

/// The open violation cases as the public may see them, by plate key, in memory.
///
/// The portal's plate lookup is its busiest request, and every answer — a plate with
/// open cases, without, or never seen — is one hash probe here, so all take the same
/// time. The index follows the database: writes of this process ([`Store::cases_open`],
/// [`Store::case_act`]) record the plates they touched, and the next lookup reads those
/// plates' cases again before answering, whatever the cases' timestamps; writes of
/// other processes (another server on the same PostgreSQL) are read by
/// `updated_at_us` (indexed) within [`REFRESH_EVERY`], and at the latest at the next
/// rebuild. It holds only what [`PublicViolation`] holds, never a person's data.
#[derive(Default)]
pub struct OpenIndex {
    current: RwLock<Option<Index>>,
    /// One refresh at a time.
    refreshing: tokio::sync::Mutex<()>,
    /// Case writes committed by this process; the index records how many it has read.
    writes: AtomicU64,
    /// Plate keys whose cases this process changed since the last refresh.
    touched: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl std::fmt::Debug for OpenIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OpenIndex")
    }
}

struct Index {
    /// Open cases of a plate, newest first: (case id, what the public sees).
    by_plate: HashMap<String, Vec<(i64, PublicViolation)>>,
    /// The plate of each open case in `by_plate`.
    plate_of: HashMap<i64, String>,
    /// When (by the clock, µs) the last read of cases started.
    read_from_us: i64,
    /// When the last read of changes started, and the writes it covered.
    read_at: Instant,
    writes: u64,
    built_at: Instant,
}

impl Index {
    fn apply(&mut self, id: i64, plate: String, open: Option<PublicViolation>) {
        if let Some(old) = self.plate_of.remove(&id)
            && let Some(list) = self.by_plate.get_mut(&old)
        {
            list.retain(|(i, _)| *i != id);
            if list.is_empty() {
                self.by_plate.remove(&old);
            }
        }
        if let Some(v) = open {
            let list = self.by_plate.entry(plate.clone()).or_default();
            list.push((id, v));
            list.sort_by(|a, b| {
                b.1.detected_at_us
                    .cmp(&a.1.detected_at_us)
                    .then(b.0.cmp(&a.0))
            });
            self.plate_of.insert(id, plate);
        }
    }
}

/// Why a lookup cannot answer from the index as it is.
enum Stale {
    No,
    /// Older than [`REFRESH_EVERY`]: refresh unless another lookup already is.
    ByTime,
    /// Empty, or behind a write of this process: refresh (or wait for one) first.
    Behind,
}

impl OpenIndex {
    fn stale(&self) -> Stale {
        let writes = self.writes.load(Ordering::Acquire);
        match self.current.read().ok().as_deref() {
            Some(Some(i)) if i.writes != writes => Stale::Behind,
            Some(Some(i)) if i.read_at.elapsed() >= REFRESH_EVERY => Stale::ByTime,
            Some(Some(_)) => Stale::No,
            _ => Stale::Behind,
        }
    }

    /// Marks the index behind a committed write of the cases of these plates.
    pub(crate) fn written(&self, plates: impl IntoIterator<Item = String>) {
        self.touched
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(plates);
        self.writes.fetch_add(1, Ordering::AcqRel);
    }

    fn get(&self, plate_key: &str) -> Vec<PublicViolation> {
        match self.current.read().ok().as_deref() {
            Some(Some(i)) => i
                .by_plate
                .get(plate_key)
                .map(|l| {
                    l.iter()
                        .take(LOOKUP_LIMIT as usize)
                        .map(|(_, v)| v.clone())
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    fn size(&self) -> (usize, usize) {
        match self.current.read().ok().as_deref() {
            Some(Some(i)) => (i.plate_of.len(), i.by_plate.len()),
            _ => (0, 0),
        }
    }
}

/// The public columns of a case, with what the index needs to place it.
fn index_sql(filter: &str) -> String {
    format!(
        "SELECT c.id, c.plate_key, c.updated_at_us, c.detected_at_us, c.state, c.behaviour, c.evidence,
                cam.name AS cam_name, cam.route AS cam_route, cam.km AS cam_km,
                o.name AS unit_name
           FROM violation_cases c
           LEFT JOIN cameras cam ON cam.id = c.camera_id
           LEFT JOIN users u ON u.id = c.officer_id
           LEFT JOIN orgs o ON o.id = COALESCE(cam.owner_org_id, u.org_id)
          WHERE {filter}"
    )
}

/// A case as the public sees it, or `None` when it is not open (or its state unknown).
fn public(r: &Row) -> StoreResult<Option<PublicViolation>> {
    let Some(state) = CaseState::parse(&r.text("state")?) else {
        return Ok(None);
    };
    if !is_open(state) {
        return Ok(None);
    }
    let place = match r.opt_text("cam_name")? {
        Some(name) => {
            let mut p = name;
            if let Some(route) = r.opt_text("cam_route")? {
                p.push_str(&format!(" ({route}"));
                if let Some(km) = r.opt_f64("cam_km")? {
                    p.push_str(&format!(" Km {km}"));
                }
                p.push(')');
            }
            p
        }
        // A patrol case: only the place the officer recorded, nothing else of
        // the evidence.
        None => serde_json::from_str::<serde_json::Value>(&r.text("evidence")?)
            .ok()
            .and_then(|v| v.get("place").and_then(|p| p.as_str()).map(short))
            .unwrap_or_default(),
    };
    Ok(Some(PublicViolation {
        detected_at_us: r.i64("detected_at_us")?,
        state,
        behaviour: r.text("behaviour")?,
        place,
        unit: r.opt_text("unit_name")?.unwrap_or_default(),
    }))
}

impl Store {
    /// Open cases of a plate (match key), newest first, at most [`LOOKUP_LIMIT`]: from
    /// the in-memory [`OpenIndex`], brought up to date first when it is behind.
    #[tracing::instrument(skip_all)]
    pub async fn portal_lookup(&self, plate_key: &str) -> StoreResult<Vec<PublicViolation>> {
        match self.open_index.stale() {
            Stale::No => {}
            Stale::ByTime => {
                // Someone else is refreshing: answer from the index as it is (at most
                // a second old) rather than queue behind them. A failed refresh is
                // logged and the index, a second old, still answers.
                if let Ok(g) = self.open_index.refreshing.try_lock()
                    && let Err(e) = self.portal_refresh(g).await
                {
                    tracing::warn!(error = %e, "portal index refresh failed");
                }
            }
            Stale::Behind => {
                let g = self.open_index.refreshing.lock().await;
                self.portal_refresh(g).await?;
            }
        }
        Ok(self.open_index.get(plate_key))
    }

    /// Open cases and plates the lookup index holds now.
    pub fn portal_index_size(&self) -> (usize, usize) {
        self.open_index.size()
    }

    /// Builds the index when the server starts, so the first citizen does not wait.
    pub async fn portal_warm(&self) -> StoreResult<(usize, usize)> {
        let g = self.open_index.refreshing.lock().await;
        self.portal_refresh(g).await?;
        Ok(self.open_index.size())
    }

    async fn portal_refresh(&self, _one: tokio::sync::MutexGuard<'_, ()>) -> StoreResult<()> {
        let idx = &self.open_index;
        if matches!(idx.stale(), Stale::No) {
            // Refreshed by the lookup this one waited for.
            return Ok(());
        }
        let writes = idx.writes.load(Ordering::Acquire);
        let touched: Vec<String> =
            std::mem::take(&mut *idx.touched.lock().unwrap_or_else(|e| e.into_inner()))
                .into_iter()
                .collect();
        let started = Instant::now();
        let started_us = crate::now_us();
        let since = match idx.current.read().ok().as_deref() {
            Some(Some(i)) if i.built_at.elapsed() < REBUILD_EVERY => Some(i.read_from_us),
            _ => None,
        };
        let result = self
            .portal_read(since, started, started_us, writes, &touched)
            .await;
        if result.is_err() {
            // Not read: the next refresh reads these plates again.
            idx.touched
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(touched);
        }
        result
    }

    /// Reads the cases into the index: all open ones when `since` is `None`, else the
    /// ones changed since then (less the overlap) and those of the `touched` plates.
    async fn portal_read(
        &self,
        since: Option<i64>,
        started: Instant,
        started_us: i64,
        writes: u64,
        touched: &[String],
    ) -> StoreResult<()> {
        let idx = &self.open_index;
        match since {
            None => {
                let rows = self
                    .db
                    .fetch_all(&index_sql(&format!("c.state IN ({})", open_list())), &[])
                    .await?;
                let mut fresh = Index {
                    by_plate: HashMap::new(),
                    plate_of: HashMap::new(),
                    read_from_us: started_us,
                    read_at: started,
                    writes,
                    built_at: started,
                };
                for r in &rows {
                    fresh.apply(r.i64("id")?, r.text("plate_key")?, public(r)?);
                }
                tracing::debug!(
                    cases = fresh.plate_of.len(),
                    plates = fresh.by_plate.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "portal index built"
                );
                if let Ok(mut g) = idx.current.write() {
                    *g = Some(fresh);
                }
            }
            Some(from_us) => {
                let mut rows = self
                    .db
                    .fetch_all(
                        &index_sql("c.updated_at_us >= $1"),
                        &params![from_us - OVERLAP_US],
                    )
                    .await?;
                for chunk in touched.chunks(500) {
                    let ph = crate::migrate::placeholders(self.backend(), 1, chunk.len());
                    let args: Vec<Value> = chunk.iter().map(|p| Value::from(p.as_str())).collect();
                    rows.extend(
                        self.db
                            .fetch_all(&index_sql(&format!("c.plate_key IN ({ph})")), &args)
                            .await?,
                    );
                }
                let mut changes = Vec::with_capacity(rows.len());
                for r in &rows {
                    changes.push((r.i64("id")?, r.text("plate_key")?, public(r)?));
                }
                if let Ok(mut g) = idx.current.write()
                    && let Some(i) = g.as_mut()
                {
                    for (id, plate, open) in changes {
                        i.apply(id, plate, open);
                    }
                    i.read_from_us = started_us;
                    i.read_at = started;
                    i.writes = writes;
                }
            }
        }
        Ok(())
    }
}

/// At most 120 characters of a place text.
fn short(s: &str) -> String {
    s.chars().take(120).collect()
}
