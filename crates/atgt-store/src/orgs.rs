//! Organisations and units (Party bodies, People's Committees, departments, police,
//! communes, Front and mass organisations, schools, partners). Every change is audited.

use crate::audit::append;
use crate::db::{Row, push_page, push_word_filter};
use crate::error::{StoreError, StoreResult};
use crate::{Store, now_us, params};
use atgt_core::admin::Scheme;
use atgt_core::audit::Actor;
use atgt_core::org::OrgKind;
use atgt_core::text::{fold, nfc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Org {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub short_name: String,
    pub kind: OrgKind,
    pub admin_scheme: Scheme,
    pub admin_code: String,
    pub parent_id: Option<i64>,
    pub active: bool,
    pub created_at_us: i64,
    pub updated_at_us: i64,
}

/// The fields a person enters for an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub short_name: String,
    pub kind: String,
    pub admin_scheme: String,
    pub admin_code: String,
    #[serde(default)]
    pub parent_code: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

const COLS: &str = "id, code, name, short_name, kind, admin_scheme, admin_code, parent_id, active, created_at_us, updated_at_us";

fn org(r: &Row) -> StoreResult<Org> {
    Ok(Org {
        id: r.i64("id")?,
        code: r.text("code")?,
        name: r.text("name")?,
        short_name: r.text("short_name")?,
        kind: r
            .text("kind")?
            .parse()
            .map_err(|e: String| StoreError::Decode("kind".into(), e))?,
        admin_scheme: r
            .text("admin_scheme")?
            .parse()
            .map_err(|e: String| StoreError::Decode("admin_scheme".into(), e))?,
        admin_code: r.text("admin_code")?,
        parent_id: r.opt_i64("parent_id")?,
        active: r.bool("active")?,
        created_at_us: r.i64("created_at_us")?,
        updated_at_us: r.i64("updated_at_us")?,
    })
}

/// A checked input, ready to store.
struct Checked {
    code: String,
    name: String,
    short_name: String,
    kind: OrgKind,
    scheme: Scheme,
    admin_code: String,
    parent_id: Option<i64>,
    active: bool,
}

impl Store {
    async fn org_check(&self, input: &OrgInput, own_id: Option<i64>) -> StoreResult<Checked> {
        let code = input.code.trim().to_string();
        atgt_core::org::check_code(&code).map_err(|k| StoreError::invalid("code", k))?;
        let name = nfc(&input.name);
        if name.is_empty() {
            return Err(StoreError::invalid("name", "error.required"));
        }
        let kind: OrgKind = input
            .kind
            .parse()
            .map_err(|_| StoreError::invalid("kind", "error.kind_unknown"))?;
        let scheme: Scheme = input
            .admin_scheme
            .parse()
            .map_err(|_| StoreError::invalid("admin_scheme", "error.bad_request"))?;
        let admin_code = input.admin_code.trim().to_string();
        atgt_core::admin::check_code(&admin_code)
            .map_err(|k| StoreError::invalid("admin_code", k))?;
        match self.admin_unit(scheme, &admin_code).await {
            Err(StoreError::NotFound) => {
                return Err(StoreError::invalid_arg(
                    "admin_code",
                    "error.admin_unit_unknown",
                    &admin_code,
                ));
            }
            other => other?,
        };
        let parent_id = match input
            .parent_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(pc) => {
                let p = match self.org_by_code(pc).await {
                    Err(StoreError::NotFound) => {
                        return Err(StoreError::invalid_arg(
                            "parent_code",
                            "error.org_unknown",
                            pc,
                        ));
                    }
                    other => other?,
                };
                // Walk up from the parent: reaching ourselves would make a cycle.
                if let Some(me) = own_id {
                    let mut cur = Some(p.id);
                    let mut steps = 0;
                    while let Some(id) = cur {
                        if id == me || steps > 64 {
                            return Err(StoreError::invalid("parent_code", "error.parent_cycle"));
                        }
                        cur = self.org(id).await?.parent_id;
                        steps += 1;
                    }
                }
                Some(p.id)
            }
        };
        Ok(Checked {
            code,
            short_name: nfc(&input.short_name),
            name,
            kind,
            scheme,
            admin_code,
            parent_id,
            active: input.active,
        })
    }

    pub async fn org_create(&self, actor: &Actor, input: &OrgInput) -> StoreResult<Org> {
        let c = self.org_check(input, None).await?;
        let now = now_us();
        let mut tx = self.db.begin().await?;
        let id = tx
            .insert_id(
                "INSERT INTO orgs (code, name, name_folded, short_name, kind, admin_scheme, admin_code, parent_id,
                   active, created_at_us, updated_at_us) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
                &params![
                    c.code.clone(),
                    c.name.clone(),
                    fold(&c.name),
                    c.short_name,
                    c.kind.as_str(),
                    c.scheme.as_str(),
                    c.admin_code,
                    c.parent_id,
                    c.active,
                    now
                ],
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => StoreError::invalid("code", "error.org_code_taken"),
                e => e,
            })?;
        let row = tx
            .fetch_one(
                &format!("SELECT {COLS} FROM orgs WHERE id = $1"),
                &params![id],
            )
            .await?;
        let created = org(&row)?;
        append(
            &mut tx,
            actor.entry(
                "org.create",
                "org",
                id,
                serde_json::Value::Null,
                serde_json::to_value(&created).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn org_update(&self, actor: &Actor, id: i64, input: &OrgInput) -> StoreResult<Org> {
        let before = self.org(id).await?;
        let c = self.org_check(input, Some(id)).await?;
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE orgs SET code = $1, name = $2, name_folded = $3, short_name = $4, kind = $5, admin_scheme = $6,
               admin_code = $7, parent_id = $8, active = $9, updated_at_us = $10 WHERE id = $11",
            &params![
                c.code,
                c.name.clone(),
                fold(&c.name),
                c.short_name,
                c.kind.as_str(),
                c.scheme.as_str(),
                c.admin_code,
                c.parent_id,
                c.active,
                now_us(),
                id
            ],
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::invalid("code", "error.org_code_taken"),
            e => e,
        })?;
        let after = org(&tx
            .fetch_one(
                &format!("SELECT {COLS} FROM orgs WHERE id = $1"),
                &params![id],
            )
            .await?)?;
        append(
            &mut tx,
            actor.entry(
                "org.update",
                "org",
                id,
                serde_json::to_value(&before).unwrap_or_default(),
                serde_json::to_value(&after).unwrap_or_default(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn org(&self, id: i64) -> StoreResult<Org> {
        let r = self
            .db
            .fetch_one(
                &format!("SELECT {COLS} FROM orgs WHERE id = $1"),
                &params![id],
            )
            .await?;
        org(&r)
    }

    pub async fn org_by_code(&self, code: &str) -> StoreResult<Org> {
        let r = self
            .db
            .fetch_one(
                &format!("SELECT {COLS} FROM orgs WHERE code = $1"),
                &params![code],
            )
            .await?;
        org(&r)
    }

    /// Organisations, optionally filtered by accent-insensitive words, by name.
    pub async fn orgs(
        &self,
        q: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<Org>, i64)> {
        let mut sql = String::from(" FROM orgs WHERE 1 = 1");
        let mut args = Vec::new();
        push_word_filter(&mut sql, &mut args, q, &["name_folded", "LOWER(code)"]);
        let total = self
            .db
            .fetch_one(&format!("SELECT COUNT(*) AS n{sql}"), &args)
            .await?
            .i64("n")?;
        sql.push_str(" ORDER BY name_folded");
        push_page(&mut sql, &mut args, limit, offset);
        let rows = self
            .db
            .fetch_all(&format!("SELECT {COLS}{sql}"), &args)
            .await?;
        Ok((rows.iter().map(org).collect::<StoreResult<_>>()?, total))
    }
}
