//! Administrative units of both maps: search, a unit with its children and its
//! old↔new mapping.

use super::{ListQuery, Pager};
use crate::error::{AppError, AppResult};
use crate::routes::urlencode;
use crate::state::AppState;
use crate::view::{PageCtx, render};
use askama::Template;
use atgt_core::admin::{AdminUnit, Level, Scheme};
use atgt_store::admin::{Mapping, UnitQuery};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct UnitListQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    scheme: Option<String>,
    #[serde(default)]
    level: Option<String>,
    #[serde(default)]
    province: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "admin_units/list.html")]
struct ListView {
    ctx: PageCtx,
    units: Vec<AdminUnit>,
    q: String,
    scheme: String,
    level: String,
    provinces: Vec<AdminUnit>,
    province: String,
    pager: Pager,
}

pub async fn list(
    State(st): State<AppState>,
    Query(q): Query<UnitListQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let scheme: Scheme = q
        .scheme
        .as_deref()
        .unwrap_or("new")
        .parse()
        .unwrap_or(Scheme::New);
    let level: Option<Level> = q
        .level
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|l| l.parse().ok());
    let province = q.province.clone().filter(|s| !s.is_empty());
    let lq = ListQuery {
        q: q.q.clone(),
        page: q.page,
    };
    let (units, total) = st
        .store
        .admin_units(&UnitQuery {
            scheme: Some(scheme),
            level,
            province_code: province.clone(),
            q: q.q.clone(),
            limit: ListQuery::PER_PAGE,
            offset: lq.offset(),
            ..Default::default()
        })
        .await?;
    let (provinces, _) = st
        .store
        .admin_units(&UnitQuery {
            scheme: Some(scheme),
            level: Some(Level::Province),
            limit: 100,
            ..Default::default()
        })
        .await?;
    let base = format!(
        "/admin-units?scheme={}&level={}&province={}&q={}&",
        scheme,
        level.map(|l| l.as_str()).unwrap_or(""),
        province.clone().unwrap_or_default(),
        urlencode(lq.q())
    );
    let v = ListView {
        ctx,
        units,
        q: lq.q().to_string(),
        scheme: scheme.to_string(),
        level: level.map(|l| l.as_str().to_string()).unwrap_or_default(),
        provinces,
        province: province.unwrap_or_default(),
        pager: Pager::new(lq.page(), total, base),
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "admin_units/show.html")]
struct ShowView {
    ctx: PageCtx,
    unit: AdminUnit,
    parent: Option<AdminUnit>,
    children: Vec<AdminUnit>,
    maps_to: Vec<Mapping>,
    maps_from: Vec<(AdminUnit, bool)>,
}

pub async fn show(
    State(st): State<AppState>,
    Path((scheme, code)): Path<(String, String)>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let scheme: Scheme = scheme.parse().map_err(|_| AppError::NotFound)?;
    let unit = st.store.admin_unit(scheme, &code).await?;
    let parent = match &unit.parent_code {
        Some(p) => st.store.admin_unit(scheme, p).await.ok(),
        None => None,
    };
    let (children, _) = st
        .store
        .admin_units(&UnitQuery {
            scheme: Some(scheme),
            parent_code: Some(unit.code.clone()),
            limit: 1000,
            ..Default::default()
        })
        .await?;
    let (maps_to, maps_from) = match scheme {
        Scheme::Old => (st.store.admin_maps_to(&unit).await?, Vec::new()),
        Scheme::New => (
            Vec::new(),
            if unit.level == Level::Commune {
                st.store.admin_maps_from(&unit.code).await?
            } else {
                Vec::new()
            },
        ),
    };
    let v = ShowView {
        ctx,
        unit,
        parent,
        children,
        maps_to,
        maps_from,
    };
    render(&v.ctx, &v)
}
