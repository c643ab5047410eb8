//! The public plate lookup in the database. Security-sensitive: the one query here
//! selects only what the public may see of an open violation case — when, where, the
//! behaviour code, the state and the handling unit. It never reads the licence number,
//! the officer, the pending proposal or the case history, so nothing personal can
//! reach the portal through it.

use crate::error::StoreResult;
use crate::{Store, params};
use atgt_core::enforcement::CaseState;
use atgt_core::portal::OPEN_STATES;

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

impl Store {
    /// Open cases of a plate (match key), newest first: one query on the plate index.
    #[tracing::instrument(skip_all)]
    pub async fn portal_lookup(&self, plate_key: &str) -> StoreResult<Vec<PublicViolation>> {
        let sql = format!(
            "SELECT c.detected_at_us, c.state, c.behaviour, c.kind, c.evidence,
                    cam.name AS cam_name, cam.route AS cam_route, cam.km AS cam_km,
                    o.name AS unit_name
               FROM violation_cases c
               LEFT JOIN cameras cam ON cam.id = c.camera_id
               LEFT JOIN users u ON u.id = c.officer_id
               LEFT JOIN orgs o ON o.id = COALESCE(cam.owner_org_id, u.org_id)
              WHERE c.plate_key = $1 AND c.state IN ({})
              ORDER BY c.detected_at_us DESC
              LIMIT {LOOKUP_LIMIT}",
            open_list()
        );
        let rows = self.db.fetch_all(&sql, &params![plate_key]).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let Some(state) = CaseState::parse(&r.text("state")?) else {
                continue;
            };
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
            out.push(PublicViolation {
                detected_at_us: r.i64("detected_at_us")?,
                state,
                behaviour: r.text("behaviour")?,
                place,
                unit: r.opt_text("unit_name")?.unwrap_or_default(),
            });
        }
        Ok(out)
    }
}

/// At most 120 characters of a place text.
fn short(s: &str) -> String {
    s.chars().take(120).collect()
}
