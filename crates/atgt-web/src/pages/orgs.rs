//! Organisations and units: list, view, create, edit (administrators).

use super::{ListQuery, Pager};
use crate::auth::Current;
use crate::error::{AppError, AppResult};
use crate::routes::urlencode;
use crate::state::AppState;
use crate::view::{PageCtx, redirect_with_flash, render};
use askama::Template;
use atgt_core::org::OrgKind;
use atgt_store::orgs::{Org, OrgInput};
use atgt_store::users::User;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

/// An organisation with the names it is shown with.
pub struct OrgRow {
    pub org: Org,
    pub kind_key: String,
    pub admin_name: String,
    pub parent: Option<Org>,
}

async fn row(st: &AppState, org: Org) -> AppResult<OrgRow> {
    let admin_name = st
        .store
        .admin_unit(org.admin_scheme, &org.admin_code)
        .await
        .map(|u| u.name)
        .unwrap_or_else(|_| org.admin_code.clone());
    let parent = match org.parent_id {
        Some(p) => Some(st.store.org(p).await?),
        None => None,
    };
    Ok(OrgRow {
        kind_key: org.kind.label_key(),
        admin_name,
        parent,
        org,
    })
}

#[derive(Template)]
#[template(path = "orgs/list.html")]
struct ListView {
    ctx: PageCtx,
    rows: Vec<OrgRow>,
    q: String,
    pager: Pager,
}

pub async fn list(
    State(st): State<AppState>,
    Query(q): Query<ListQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let (orgs, total) = st
        .store
        .orgs(Some(q.q()), ListQuery::PER_PAGE, q.offset())
        .await?;
    let mut rows = Vec::with_capacity(orgs.len());
    for o in orgs {
        rows.push(row(&st, o).await?);
    }
    let pager = Pager::new(
        q.page(),
        total,
        format!("/admin/orgs?q={}&", urlencode(q.q())),
    );
    let v = ListView {
        ctx,
        rows,
        q: q.q().to_string(),
        pager,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "orgs/show.html")]
struct ShowView {
    ctx: PageCtx,
    row: OrgRow,
    members: Vec<User>,
}

pub async fn show(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let org = st.store.org(id).await?;
    let members = if ctx.can(atgt_core::auth::Perm::UsersRead) {
        st.store.users(None, Some(id), 200, 0).await?.0
    } else {
        Vec::new()
    };
    let v = ShowView {
        ctx,
        row: row(&st, org).await?,
        members,
    };
    render(&v.ctx, &v)
}

#[derive(Template)]
#[template(path = "orgs/form.html")]
struct FormView {
    ctx: PageCtx,
    action: String,
    title_key: String,
    input: OrgInput,
    kinds: Vec<(String, String)>,
    error: Option<String>,
}

fn kinds(ctx: &PageCtx) -> Vec<(String, String)> {
    OrgKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), ctx.t(k.label_key())))
        .collect()
}

fn form_view(
    ctx: PageCtx,
    action: String,
    title_key: &str,
    input: OrgInput,
    error: Option<String>,
) -> FormView {
    let kinds = kinds(&ctx);
    FormView {
        ctx,
        action,
        title_key: title_key.into(),
        input,
        kinds,
        error,
    }
}

pub async fn new_form(ctx: PageCtx) -> AppResult<Response> {
    let input = OrgInput {
        code: String::new(),
        name: String::new(),
        short_name: String::new(),
        kind: "department".into(),
        admin_scheme: "new".into(),
        admin_code: String::new(),
        parent_code: None,
        active: true,
    };
    let v = form_view(ctx, "/admin/orgs".into(), "orgs.new", input, None);
    render(&v.ctx, &v)
}

/// The form as posted (checkbox fields are absent when unticked).
#[derive(serde::Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    admin_scheme: String,
    #[serde(default)]
    admin_code: String,
    #[serde(default)]
    parent_code: String,
    #[serde(default)]
    active: Option<String>,
}

impl OrgForm {
    fn input(self) -> OrgInput {
        OrgInput {
            code: self.code.trim().to_uppercase(),
            name: self.name,
            short_name: self.short_name,
            kind: self.kind,
            admin_scheme: if self.admin_scheme.is_empty() {
                "new".into()
            } else {
                self.admin_scheme
            },
            admin_code: self.admin_code,
            parent_code: Some(self.parent_code).filter(|s| !s.trim().is_empty()),
            active: self.active.is_some(),
        }
    }
}

fn invalid_again(
    ctx: PageCtx,
    action: String,
    title: &str,
    input: OrgInput,
    e: AppError,
) -> AppResult<Response> {
    match e {
        AppError::Invalid { .. } | AppError::Conflict => {
            let msg = e.message(ctx.lang);
            let v = form_view(ctx, action, title, input, Some(msg));
            let mut r = render(&v.ctx, &v)?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        e => Err(e),
    }
}

pub async fn create(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Form(f): Form<OrgForm>,
) -> AppResult<Response> {
    let input = f.input();
    match st.store.org_create(&p.actor(), &input).await {
        Ok(o) => Ok(redirect_with_flash(
            &format!("/admin/orgs/{}", o.id),
            "common.saved",
        )),
        Err(e) => invalid_again(ctx, "/admin/orgs".into(), "orgs.new", input, e.into()),
    }
}

pub async fn edit_form(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let o = st.store.org(id).await?;
    let parent_code = match o.parent_id {
        Some(p) => Some(st.store.org(p).await?.code),
        None => None,
    };
    let input = OrgInput {
        code: o.code,
        name: o.name,
        short_name: o.short_name,
        kind: o.kind.as_str().into(),
        admin_scheme: o.admin_scheme.as_str().into(),
        admin_code: o.admin_code,
        parent_code,
        active: o.active,
    };
    let v = form_view(ctx, format!("/admin/orgs/{id}"), "orgs.edit", input, None);
    render(&v.ctx, &v)
}

pub async fn update(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    ctx: PageCtx,
    Form(f): Form<OrgForm>,
) -> AppResult<Response> {
    st.store.org(id).await?;
    let input = f.input();
    match st.store.org_update(&p.actor(), id, &input).await {
        Ok(_) => Ok(redirect_with_flash(
            &format!("/admin/orgs/{id}"),
            "common.saved",
        )),
        Err(e) => invalid_again(
            ctx,
            format!("/admin/orgs/{id}"),
            "orgs.edit",
            input,
            e.into(),
        ),
    }
}
