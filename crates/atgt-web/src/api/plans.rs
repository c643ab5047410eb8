//! Plans and tasks (read): the cascade of documents, a plan's passages and tasks, a
//! task with its reports and hand-overs.

use crate::error::AppResult;
use crate::state::AppState;
use atgt_core::plans::TaskStatus;
use atgt_store::plans::{LeadChange, Plan, PlanItem, Section, Task, TaskFilter, TaskReport};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub struct PlanParams {
    /// Words of the number or title, with or without diacritics.
    q: Option<String>,
}

/// A plan with its place in the cascade, its contents and its tasks.
#[derive(Serialize, ToSchema)]
pub struct PlanDetail {
    pub plan: Plan,
    /// The documents above it, the top first.
    pub chain: Vec<Plan>,
    /// The documents implementing it.
    pub children: Vec<Plan>,
    pub sections: Vec<Section>,
    pub items: Vec<PlanItem>,
    pub tasks: Vec<Task>,
}

/// A task with its reports and lead changes.
#[derive(Serialize, ToSchema)]
pub struct TaskDetail {
    pub task: Task,
    pub reports: Vec<TaskReport>,
    pub lead_changes: Vec<LeadChange>,
    /// plans follow-up (issue 7): linked black spots and areas with live figures.
    pub links: Vec<atgt_store::plans_links::TaskLink>,
}

#[derive(Deserialize, IntoParams)]
pub struct TaskParams {
    plan_id: Option<i64>,
    /// Lead or coordinating unit.
    org_id: Option<i64>,
    /// open, done or closed.
    status: Option<String>,
    q: Option<String>,
}

/// List plans and the documents above them (directives, provincial plans).
#[utoipa::path(get, path = "/api/v1/plans", tag = "plans", params(PlanParams),
    responses((status = 200, body = Vec<Plan>), (status = 401, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["plans:read"])))]
pub async fn list(
    State(st): State<AppState>,
    Query(p): Query<PlanParams>,
) -> AppResult<Json<Vec<Plan>>> {
    Ok(Json(st.store.plans(p.q.as_deref()).await?))
}

/// One plan: record, chain, sections, passages (exact text) and tasks.
#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "plans", params(("id" = i64, Path)),
    responses((status = 200, body = PlanDetail), (status = 404, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["plans:read"])))]
pub async fn get(State(st): State<AppState>, Path(id): Path<i64>) -> AppResult<Json<PlanDetail>> {
    let plan = st.store.plan(id).await?;
    Ok(Json(PlanDetail {
        chain: st.store.plan_chain(id).await?,
        children: st.store.plan_children(id).await?,
        sections: st.store.plan_sections(id).await?,
        items: st.store.plan_items(id).await?,
        tasks: st
            .store
            .tasks(&TaskFilter {
                plan_id: Some(id),
                ..Default::default()
            })
            .await?,
        plan,
    }))
}

/// List tasks.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "plans", params(TaskParams),
    responses((status = 200, body = Vec<Task>), (status = 422, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["plans:read"])))]
pub async fn tasks(
    State(st): State<AppState>,
    Query(p): Query<TaskParams>,
) -> AppResult<Json<Vec<Task>>> {
    let status = match p.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            TaskStatus::parse(s)
                .ok_or_else(|| crate::error::AppError::invalid("status", "error.bad_request"))?,
        ),
        None => None,
    };
    Ok(Json(
        st.store
            .tasks(&TaskFilter {
                plan_id: p.plan_id,
                org_id: p.org_id,
                status,
                q: p.q,
            })
            .await?,
    ))
}

/// One task with its reports and lead changes.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "plans", params(("id" = i64, Path)),
    responses((status = 200, body = TaskDetail), (status = 404, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["plans:read"])))]
pub async fn task(State(st): State<AppState>, Path(id): Path<i64>) -> AppResult<Json<TaskDetail>> {
    Ok(Json(TaskDetail {
        task: st.store.task(id).await?,
        reports: st.store.task_reports(id).await?,
        lead_changes: st.store.task_lead_changes(id).await?,
        links: st
            .store
            .task_links(id, atgt_core::time::local_date(jiff::Timestamp::now()))
            .await?,
    }))
}
