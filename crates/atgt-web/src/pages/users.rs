//! Users: list, create, edit role/unit/scope, lock, reset password (administrators).

use super::{ListQuery, Pager};
use crate::auth::{Current, password};
use crate::error::{AppError, AppResult};
use crate::routes::urlencode;
use crate::state::AppState;
use crate::view::{PageCtx, redirect_with_flash, render};
use askama::Template;
use atgt_core::admin::Scheme;
use atgt_core::auth::Role;
use atgt_core::i18n::Lang;
use atgt_store::users::{NewUser, User, UserUpdate};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

pub struct UserRow {
    pub user: User,
    pub org_code: String,
    pub org_name: String,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListView {
    ctx: PageCtx,
    rows: Vec<UserRow>,
    q: String,
    pager: Pager,
}

pub async fn list(
    State(st): State<AppState>,
    Query(q): Query<ListQuery>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let (users, total) = st
        .store
        .users(Some(q.q()), None, ListQuery::PER_PAGE, q.offset())
        .await?;
    let mut rows = Vec::new();
    for u in users {
        let o = st.store.org(u.org_id).await?;
        rows.push(UserRow {
            user: u,
            org_code: o.code,
            org_name: o.name,
        });
    }
    let pager = Pager::new(
        q.page(),
        total,
        format!("/admin/users?q={}&", urlencode(q.q())),
    );
    let v = ListView {
        ctx,
        rows,
        q: q.q().to_string(),
        pager,
    };
    render(&v.ctx, &v)
}

/// The user form's fields, as posted and as shown again.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub org_code: String,
    #[serde(default)]
    pub scope_scheme: String,
    #[serde(default)]
    pub scope_code: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub active: Option<String>,
}

impl UserForm {
    fn role(&self) -> Result<Role, AppError> {
        self.role
            .parse()
            .map_err(|_| AppError::invalid("role", "error.role_unknown"))
    }
    fn scope(&self) -> Result<Option<(Scheme, String)>, AppError> {
        let code = self.scope_code.trim();
        if code.is_empty() {
            return Ok(None);
        }
        let scheme = if self.scope_scheme.is_empty() {
            Scheme::New
        } else {
            self.scope_scheme
                .parse()
                .map_err(|_| AppError::invalid("scope_scheme", "error.bad_request"))?
        };
        Ok(Some((scheme, code.to_string())))
    }
}

#[derive(Template)]
#[template(path = "users/form.html")]
struct FormView {
    ctx: PageCtx,
    action: String,
    title_key: String,
    form: UserForm,
    is_new: bool,
    roles: Vec<(String, String)>,
    error: Option<String>,
    user_id: i64,
}

fn form_view(
    ctx: PageCtx,
    action: String,
    is_new: bool,
    form: UserForm,
    error: Option<String>,
    user_id: i64,
) -> FormView {
    let roles = Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), ctx.t(r.label_key())))
        .collect();
    let title_key = if is_new { "users.new" } else { "users.edit" }.to_string();
    FormView {
        ctx,
        action,
        title_key,
        form,
        is_new,
        roles,
        error,
        user_id,
    }
}

fn again(v: FormView) -> AppResult<Response> {
    let mut r = render(&v.ctx, &v)?;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

pub async fn new_form(ctx: PageCtx) -> AppResult<Response> {
    let f = UserForm {
        role: "unit_officer".into(),
        scope_scheme: "new".into(),
        active: Some("on".into()),
        ..Default::default()
    };
    let v = form_view(ctx, "/admin/users".into(), true, f, None, 0);
    render(&v.ctx, &v)
}

pub async fn create(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Form(f): Form<UserForm>,
) -> AppResult<Response> {
    let checked = (|| {
        let role = f.role()?;
        let scope = f.scope()?;
        let username = f.username.trim().to_lowercase();
        atgt_core::auth::check_password(&username, &f.password)
            .map_err(|k| AppError::invalid("password", k))?;
        Ok::<_, AppError>((role, scope, username))
    })();
    let (role, scope, username) = match checked {
        Ok(v) => v,
        Err(e) => {
            let msg = e.message(ctx.lang);
            return again(form_view(ctx, "/admin/users".into(), true, f, Some(msg), 0));
        }
    };
    let pw = f.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| AppError::Internal(e.into()))??;
    let n = NewUser {
        username,
        display_name: f.display_name.clone(),
        password_hash: hash,
        role,
        org_code: f.org_code.trim().to_uppercase(),
        scope,
        locale: Lang::Vi,
    };
    match st
        .store
        .user_create(&p.actor(), &n)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => Ok(redirect_with_flash("/admin/users", "common.saved")),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict)) => {
            let msg = e.message(ctx.lang);
            again(form_view(ctx, "/admin/users".into(), true, f, Some(msg), 0))
        }
        Err(e) => Err(e),
    }
}

pub async fn edit_form(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    ctx: PageCtx,
) -> AppResult<Response> {
    let u = st.store.user(id).await?;
    let o = st.store.org(u.org_id).await?;
    let f = UserForm {
        username: u.username,
        display_name: u.display_name,
        role: u.role.as_str().into(),
        org_code: o.code,
        scope_scheme: u
            .scope_scheme
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "new".into()),
        scope_code: u.scope_code.unwrap_or_default(),
        password: String::new(),
        active: u.active.then(|| "on".to_string()),
    };
    let v = form_view(ctx, format!("/admin/users/{id}"), false, f, None, id);
    render(&v.ctx, &v)
}

pub async fn update(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    ctx: PageCtx,
    Form(f): Form<UserForm>,
) -> AppResult<Response> {
    let existing = st.store.user(id).await?;
    let mut shown = f.clone();
    shown.username = existing.username.clone();
    let result = async {
        let u = UserUpdate {
            display_name: f.display_name.clone(),
            role: f.role()?,
            org_code: f.org_code.trim().to_uppercase(),
            scope: f.scope()?,
            active: f.active.is_some(),
        };
        st.store
            .user_update(&p.actor(), id, &u)
            .await
            .map_err(AppError::from)
    }
    .await;
    match result {
        Ok(_) => Ok(redirect_with_flash("/admin/users", "common.saved")),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict)) => {
            let msg = e.message(ctx.lang);
            again(form_view(
                ctx,
                format!("/admin/users/{id}"),
                false,
                shown,
                Some(msg),
                id,
            ))
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    State(st): State<AppState>,
    Current(p): Current,
    Path(id): Path<i64>,
    Form(f): Form<ResetForm>,
) -> AppResult<Response> {
    let u = st.store.user(id).await?;
    if let Err(k) = atgt_core::auth::check_password(&u.username, &f.password) {
        return Err(AppError::invalid("password", k));
    }
    let pw = f.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| AppError::Internal(e.into()))??;
    st.store
        .user_set_password(&p.actor(), id, &hash, None)
        .await?;
    Ok(redirect_with_flash(
        &format!("/admin/users/{id}/edit"),
        "common.saved",
    ))
}
