//! Plans follow-up (issue 7): a task linked to other capabilities' outcomes — a black
//! spot (its current status, whether treated) or an area for the three criteria (a
//! province or commune of the new map: crashes, deaths, injured over the task's period
//! against the same period a year before, from `crash_stats`).

use crate::audit::append;
use crate::crashes::CrashFilter;
use crate::crashes::stats::Dim;
use crate::error::{StoreError, StoreResult};
use crate::{Store, now_us, params};
use atgt_core::audit::Actor;
use atgt_core::hotspots::lifecycle::SpotStatus;
use serde::Serialize;
use serde_json::json;

/// What to link: `kind` = "spot" with `spot_id`, or "area" with `area_code` (a
/// province or commune code of the new map).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkInput {
    pub kind: String,
    #[serde(default)]
    pub spot_id: Option<i64>,
    #[serde(default)]
    pub area_code: Option<String>,
}

/// A black spot as the task sees it now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedSpot {
    pub id: i64,
    pub name: String,
    pub status: SpotStatus,
    /// Treated (treated, monitored or closed).
    pub treated: bool,
    pub treated_on: Option<String>,
}

/// The three criteria of an area over the task's period and the same period last year.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedArea {
    pub code: String,
    pub name: String,
    /// `province` or `commune`.
    pub level: String,
    pub from: String,
    pub to: String,
    pub crashes: i64,
    pub deaths: i64,
    pub injured: i64,
    pub prev_crashes: i64,
    pub prev_deaths: i64,
    pub prev_injured: i64,
}

/// A link with its live figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskLink {
    pub id: i64,
    pub task_id: i64,
    pub kind: String,
    pub spot: Option<LinkedSpot>,
    pub area: Option<LinkedArea>,
}

impl Store {
    /// Links a task to a black spot or an area; audited. The same target twice is refused.
    pub async fn task_link_add(
        &self,
        actor: &Actor,
        task_id: i64,
        input: &LinkInput,
    ) -> StoreResult<i64> {
        self.task(task_id).await?;
        let (spot_id, area) = match input.kind.trim() {
            "spot" => {
                let id = input
                    .spot_id
                    .ok_or_else(|| StoreError::invalid("spot_id", "error.required"))?;
                self.spot(id).await.map_err(|e| match e {
                    StoreError::NotFound => StoreError::invalid("spot_id", "plans_links.no_spot"),
                    e => e,
                })?;
                (Some(id), None)
            }
            "area" => {
                let code = input.area_code.as_deref().unwrap_or("").trim().to_string();
                if code.is_empty() {
                    return Err(StoreError::invalid("area_code", "error.required"));
                }
                let ok = self
                    .db
                    .fetch_optional(
                        "SELECT level FROM admin_units WHERE scheme = 'new' AND code = $1
                         AND level IN ('province', 'commune')",
                        &params![code.clone()],
                    )
                    .await?;
                if ok.is_none() {
                    return Err(StoreError::invalid("area_code", "plans_links.no_area"));
                }
                (None, Some(code))
            }
            _ => return Err(StoreError::invalid("kind", "error.required")),
        };
        let mut tx = self.db.begin().await?;
        let dup = tx
            .fetch_optional(
                "SELECT id FROM task_links WHERE task_id = $1
                 AND (spot_id = $2 OR area_code = $3)",
                &params![task_id, spot_id, area.clone()],
            )
            .await?;
        if dup.is_some() {
            return Err(StoreError::invalid(
                if spot_id.is_some() {
                    "spot_id"
                } else {
                    "area_code"
                },
                "plans_links.duplicate",
            ));
        }
        let kind = if spot_id.is_some() { "spot" } else { "area" };
        let id = tx
            .insert_id(
                "INSERT INTO task_links (task_id, kind, spot_id, area_scheme, area_code, created_at_us)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &params![
                    task_id,
                    kind,
                    spot_id,
                    area.as_ref().map(|_| "new".to_string()),
                    area.clone(),
                    now_us()
                ],
            )
            .await?;
        append(
            &mut tx,
            actor.entry(
                "task.link",
                "task",
                task_id,
                serde_json::Value::Null,
                json!({ "link_id": id, "kind": kind, "spot_id": spot_id, "area_code": area }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Removes a link of a task; audited.
    pub async fn task_link_remove(
        &self,
        actor: &Actor,
        task_id: i64,
        link_id: i64,
    ) -> StoreResult<()> {
        let mut tx = self.db.begin().await?;
        let row = tx
            .fetch_optional(
                "SELECT kind, spot_id, area_code FROM task_links WHERE id = $1 AND task_id = $2",
                &params![link_id, task_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let before = json!({
            "link_id": link_id,
            "kind": row.text("kind")?,
            "spot_id": row.opt_i64("spot_id")?,
            "area_code": row.opt_text("area_code")?,
        });
        tx.execute("DELETE FROM task_links WHERE id = $1", &params![link_id])
            .await?;
        append(
            &mut tx,
            actor.entry(
                "task.unlink",
                "task",
                task_id,
                before,
                serde_json::Value::Null,
            ),
        )
        .await?;
        tx.commit().await
    }

    /// The links of a task with live figures; the area figures cover the task's period
    /// (from its plan's issue date, or its creation, to its deadline or `today`).
    pub async fn task_links(
        &self,
        task_id: i64,
        today: jiff::civil::Date,
    ) -> StoreResult<Vec<TaskLink>> {
        let task = self.task(task_id).await?;
        let plan = self.plan(task.plan_id).await?;
        let from: jiff::civil::Date = plan
            .issued_on
            .as_deref()
            .unwrap_or(&task.created_on)
            .parse()
            .unwrap_or(today);
        let mut to = task.due_date().unwrap_or(today);
        if to < from {
            to = from;
        }
        let rows = self
            .db
            .fetch_all(
                "SELECT id, kind, spot_id, area_code FROM task_links WHERE task_id = $1 ORDER BY id",
                &params![task_id],
            )
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let kind = r.text("kind")?;
            let mut link = TaskLink {
                id: r.i64("id")?,
                task_id,
                kind: kind.clone(),
                spot: None,
                area: None,
            };
            if let Some(sid) = r.opt_i64("spot_id")? {
                let s = self.spot(sid).await?;
                link.spot = Some(LinkedSpot {
                    id: s.id,
                    name: s.name,
                    treated: matches!(
                        s.status,
                        SpotStatus::Treated | SpotStatus::Monitored | SpotStatus::Closed
                    ),
                    status: s.status,
                    treated_on: s.treated_on,
                });
            }
            if let Some(code) = r.opt_text("area_code")? {
                let u = self
                    .db
                    .fetch_one(
                        "SELECT name, level FROM admin_units WHERE scheme = 'new' AND code = $1",
                        &params![code.clone()],
                    )
                    .await?;
                let level = u.text("level")?;
                let mut f = CrashFilter {
                    from: Some(from.to_string()),
                    to: Some(to.to_string()),
                    ..Default::default()
                };
                if level == "province" {
                    f.province = Some(code.clone());
                } else {
                    f.commune = Some(code.clone());
                }
                let st = self.crash_stats(&f, Dim::Total).await?;
                link.area = Some(LinkedArea {
                    code,
                    name: u.text("name")?,
                    level,
                    from: from.to_string(),
                    to: to.to_string(),
                    crashes: st.total.crashes,
                    deaths: st.total.deaths,
                    injured: st.total.injured,
                    prev_crashes: st.total.prev_crashes,
                    prev_deaths: st.total.prev_deaths,
                    prev_injured: st.total.prev_injured,
                });
            }
            out.push(link);
        }
        Ok(out)
    }
}
