//! The audit log: newest entries first, filtered by object; chain verification.

use crate::error::AppResult;
use crate::state::AppState;
use crate::view::{PageCtx, render};
use askama::Template;
use atgt_core::audit::Entry;
use atgt_store::audit::AuditFilter;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    entity_kind: Option<String>,
    #[serde(default)]
    entity_id: Option<String>,
    #[serde(default)]
    before: Option<i64>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct ListView {
    ctx: PageCtx,
    entries: Vec<Entry>,
    entity_kind: String,
    entity_id: String,
    verdict: Option<(bool, String)>,
    older: Option<i64>,
}

async fn list_view(
    st: &AppState,
    q: AuditQuery,
    ctx: PageCtx,
    verdict: Option<(bool, String)>,
) -> AppResult<ListView> {
    let f = AuditFilter {
        entity_kind: q.entity_kind.clone().filter(|s| !s.is_empty()),
        entity_id: q.entity_id.clone().filter(|s| !s.is_empty()),
        actor_id: None,
        before_seq: q.before,
        limit: 100,
    };
    let entries = st.store.audit_list(&f).await?;
    let older = if entries.len() == 100 {
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    Ok(ListView {
        ctx,
        entries,
        entity_kind: q.entity_kind.unwrap_or_default(),
        entity_id: q.entity_id.unwrap_or_default(),
        verdict,
        older,
    })
}

pub async fn list(
    State(st): State<AppState>,
    Query(q): Query<AuditQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let v = list_view(&st, q, ctx, None).await?;
    render(&v.ctx, &v)
}

pub async fn verify(State(st): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let verdict = st.store.audit_verify().await?;
    let msg = match &verdict.broken {
        None => atgt_core::i18n::tf(
            ctx.lang,
            "audit.intact",
            &[("n", &verdict.entries.to_string()), ("head", &verdict.head)],
        ),
        Some(b) => atgt_core::i18n::tf(ctx.lang, "audit.broken", &[("reason", &b.to_string())]),
    };
    let v = list_view(
        &st,
        AuditQuery::default(),
        ctx,
        Some((verdict.broken.is_none(), msg)),
    )
    .await?;
    render(&v.ctx, &v)
}

/// Canonical JSON of a value, for the before/after columns.
pub fn json_text(v: &serde_json::Value) -> String {
    if v.is_null() {
        String::new()
    } else {
        atgt_core::audit::canonical_json(v)
    }
}
