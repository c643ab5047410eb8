//! The audit log and its verification.

use crate::error::AppResult;
use crate::state::AppState;
use atgt_core::audit::Entry;
use atgt_store::audit::{AuditFilter, Verdict};
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
pub struct AuditParams {
    entity_kind: Option<String>,
    entity_id: Option<String>,
    actor_id: Option<i64>,
    /// Entries with a sequence number below this (paging backwards).
    before: Option<i64>,
    limit: Option<i64>,
}

/// Audit entries, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = Vec<Entry>), (status = 403, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["audit:read"])))]
pub async fn list(
    State(st): State<AppState>,
    Query(p): Query<AuditParams>,
) -> AppResult<Json<Vec<Entry>>> {
    let f = AuditFilter {
        entity_kind: p.entity_kind,
        entity_id: p.entity_id,
        actor_id: p.actor_id,
        before_seq: p.before,
        limit: p.limit.unwrap_or(100),
    };
    Ok(Json(st.store.audit_list(&f).await?))
}

/// Re-walk the whole chain; `broken` names the first bad entry.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = Verdict), (status = 403, body = super::ErrorBody)),
    security(("session" = []), ("api_key" = ["audit:read"])))]
pub async fn verify(State(st): State<AppState>) -> AppResult<Json<Verdict>> {
    Ok(Json(st.store.audit_verify().await?))
}
