//! Plans follow-up (issue 7): linking a task to a black spot or an area (the three
//! criteria), and removing a link. Shown on the task page with live figures.

use crate::auth::Current;
use crate::error::{AppError, AppResult};
use crate::pages::plans::or_task_page;
use crate::state::AppState;
use crate::view::PageCtx;
use atgt_store::plans_links::LinkInput;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    spot_id: String,
    #[serde(default)]
    area_code: String,
}

/// Adds a link (form: `kind` = spot|area, `spot_id` or `area_code`).
pub async fn link_add(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<LinkForm>,
) -> AppResult<Response> {
    st.store.task(id).await?;
    let r = async {
        let spot_id = match f.spot_id.trim() {
            "" => None,
            s => Some(
                s.parse::<i64>()
                    .map_err(|_| AppError::invalid("spot_id", "error.required"))?,
            ),
        };
        let input = LinkInput {
            kind: f.kind.trim().to_string(),
            spot_id,
            area_code: Some(f.area_code.trim().to_string()).filter(|s| !s.is_empty()),
        };
        st.store.task_link_add(&p.actor(), id, &input).await?;
        Ok(())
    }
    .await;
    or_task_page(&st, ctx, &p, id, r).await
}

#[derive(Deserialize)]
pub struct UnlinkForm {
    #[serde(default)]
    link_id: String,
}

/// Removes a link (form: `link_id`).
pub async fn link_remove(
    State(st): State<AppState>,
    Current(p): Current,
    ctx: PageCtx,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<UnlinkForm>,
) -> AppResult<Response> {
    st.store.task(id).await?;
    let r = async {
        let link: i64 = f
            .link_id
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("link_id", "error.required"))?;
        st.store.task_link_remove(&p.actor(), id, link).await?;
        Ok(())
    }
    .await;
    or_task_page(&st, ctx, &p, id, r).await
}
