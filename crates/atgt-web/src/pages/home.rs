//! The overview page and the capability modules' landing pages.

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::view::{MODULES, PageCtx, render};
use askama::Template;
use atgt_store::users::User;
use axum::extract::{Path, State};
use axum::response::Response;

#[derive(Template)]
#[template(path = "home.html")]
struct HomeView {
    ctx: PageCtx,
    user: User,
    org_name: String,
    scope_name: String,
    chain_head: String,
    has_roads: bool,
    /// (slug, seed passage, nav key, description key)
    modules: Vec<(String, String, String, String)>,
    // hotspots: black-spot screening (issue 5)
    /// Treatments of black spots past their deadline: (id, name, deadline dd/mm/yyyy).
    overdue_spots: Vec<(i64, String, String)>,
}

pub async fn show(
    State(st): State<AppState>,
    CurrentUser(user, _): CurrentUser,
    ctx: PageCtx,
) -> AppResult<Response> {
    let org_name = st.store.org(user.org_id).await?.name;
    let scope_name = match (&user.scope_scheme, &user.scope_code) {
        (Some(s), Some(c)) => st
            .store
            .admin_unit(*s, c)
            .await
            .map(|u| u.name)
            .unwrap_or_else(|_| c.clone()),
        _ => ctx.t("common.whole_country"),
    };
    let chain_head = match st.store.audit_head().await? {
        Some((seq, h)) => format!("#{seq} {}", &h[..16]),
        None => "—".into(),
    };
    let modules = MODULES
        .iter()
        .map(|(m, p)| {
            (
                m.to_string(),
                p.to_string(),
                format!("nav.{m}"),
                format!("module.{m}"),
            )
        })
        .collect();
    let has_roads = !st.store.roads().await?.is_empty();
    // hotspots: black-spot screening (issue 5)
    let overdue_spots = st
        .store
        .spots_overdue(atgt_core::time::local_date(jiff::Timestamp::now()))
        .await?
        .into_iter()
        .map(|s| {
            let d = s.deadline.as_deref().and_then(|d| d.parse().ok());
            (
                s.id,
                s.name,
                d.map(atgt_core::time::format_date).unwrap_or_default(),
            )
        })
        .collect();
    let v = HomeView {
        ctx,
        user,
        org_name,
        scope_name,
        chain_head,
        has_roads,
        modules,
        overdue_spots,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "module.html")]
struct ModuleView {
    ctx: PageCtx,
    nav_key: String,
    desc_key: String,
    passage: String,
}

pub async fn module(Path(slug): Path<String>, ctx: PageCtx) -> AppResult<Response> {
    let (m, passage) = MODULES
        .iter()
        .find(|(m, _)| *m == slug)
        .ok_or(AppError::NotFound)?;
    let v = ModuleView {
        ctx,
        nav_key: format!("nav.{m}"),
        desc_key: format!("module.{m}"),
        passage: passage.to_string(),
    };
    render(&v.ctx, &v)
}
