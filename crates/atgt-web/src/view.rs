//! What every page needs: the language, the signed-in person, the CSRF token, the
//! navigation they may use, a one-shot flash message, and the request id.

use crate::auth::{Auth, FLASH_COOKIE, LANG_COOKIE, Principal, cookie};
use crate::error::AppError;
use crate::routes::RequestId;
use crate::state::AppState;
use askama::Template;
use atgt_core::auth::Perm;
use atgt_core::i18n::{Lang, t, tf};
use atgt_store::users::User;
use axum::extract::FromRequestParts;
use axum::http::{HeaderValue, header, request::Parts};
use axum::response::{Html, IntoResponse, Redirect, Response};

pub struct NavItem {
    pub href: &'static str,
    pub key: &'static str,
    pub active: bool,
}

/// The modules of design.md, with their seed passages.
pub const MODULES: &[(&str, &str)] = &[
    ("plans", "I.3, II.1, II.7, III.1–5"),
    ("crashes", "I.1"),
    ("hotspots", "II.4"),
    ("enforcement", "II.5"),
    ("registry", "II.5"),
    ("hazards", "II.4"),
    ("events", "II.6"),
    ("outreach", "II.3, II.5"),
];

pub struct PageCtx {
    pub lang: Lang,
    pub user: Option<User>,
    pub principal: Option<Principal>,
    pub csrf: String,
    pub flash: Option<String>,
    pub sample: bool,
    pub path: String,
    pub request_id: String,
    pub tile_url: Option<String>,
}

impl PageCtx {
    /// A message in the page's language.
    pub fn t(&self, key: impl AsRef<str>) -> String {
        t(self.lang, key.as_ref()).to_string()
    }

    /// A message with one `{name}`-style argument.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        tf(self.lang, key, &[(name, &value.to_string())])
    }

    /// The label of a catalogue code (`prefix.code`), or the code itself when the
    /// catalogue has no such entry (values imported from other systems).
    pub fn label(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}.{code}");
        if atgt_core::i18n::has(self.lang, &key) {
            self.t(key)
        } else {
            code.to_string()
        }
    }

    pub fn can(&self, perm: Perm) -> bool {
        self.principal.as_ref().is_some_and(|p| p.allows(perm))
    }

    pub fn main_nav(&self) -> Vec<NavItem> {
        let mut v = vec![NavItem {
            href: "/",
            key: "nav.home",
            active: self.path == "/",
        }];
        for (m, _) in MODULES {
            let href: &'static str = match *m {
                // plans and accountability (issue 7)
                "plans" => "/plans",
                "crashes" => "/crashes/dashboard",
                "hotspots" => "/hotspots", // hotspots: black-spot screening (issue 5)
                "enforcement" => "/enforcement",
                "registry" => "/hub",    // shared data hub (issue 8)
                "hazards" => "/hazards", // hazards (issue 9, part A)
                "events" => "/events",   // events (issue 10)
                // public portal (issue 9): education and campaigns
                _ if self.can(Perm::EducationRead) => "/education",
                _ => "/m/outreach",
            };
            let key: &'static str = match *m {
                "plans" => "nav.plans",
                "crashes" => "nav.crashes",
                "hotspots" => "nav.hotspots",
                "enforcement" => "nav.enforcement",
                "registry" => "nav.registry",
                "hazards" => "nav.hazards",
                "events" => "nav.events",
                _ => "nav.outreach",
            };
            v.push(NavItem {
                href,
                key,
                active: self.path.starts_with(href),
            });
        }
        v
    }

    pub fn admin_nav(&self) -> Vec<NavItem> {
        let items: [(&'static str, &'static str, Perm); 8] = [
            ("/admin/orgs", "nav.orgs", Perm::OrgsRead),
            ("/admin/users", "nav.users", Perm::UsersRead),
            ("/admin/apikeys", "nav.apikeys", Perm::ApiKeysManage),
            ("/admin-units", "nav.admin_units", Perm::ReferenceRead),
            ("/audit", "nav.audit", Perm::AuditRead),
            ("/admin/rules/crash-classes", "nav.rules", Perm::RulesManage),
            // events (issue 10)
            ("/admin/rules/events", "events.rules_nav", Perm::RulesManage),
            // shared data hub (issue 8)
            (
                "/admin/rules/hub-checks",
                "hub.rules_title",
                Perm::RulesManage,
            ),
        ];
        items
            .into_iter()
            .filter(|(_, _, p)| self.can(*p))
            .map(|(href, key, _)| NavItem {
                href,
                key,
                active: self.path.starts_with(href),
            })
            .collect()
    }

    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Lang::Vi => "en",
            Lang::En => "vi",
        }
    }

    pub fn role_label(&self) -> String {
        self.user
            .as_ref()
            .map(|u| self.t(u.role.label_key()))
            .unwrap_or_default()
    }

    pub fn fmt_time(&self, us: &i64) -> String {
        atgt_core::time::format_local(atgt_core::time::from_micros(*us))
    }

    /// An amount of đồng as Vietnamese officials write it: 15.000.000.
    pub fn money(&self, v: &i64) -> String {
        crate::exports::format_int(*v, self.lang)
    }

    pub fn fmt_opt_time(&self, us: &Option<i64>) -> String {
        us.map(|u| self.fmt_time(&u)).unwrap_or_else(|| "—".into())
    }

    /// A date of the records (YYYY-MM-DD) as officials write it (dd/mm/yyyy); other
    /// text as it is.
    pub fn fmt_date(&self, d: &str) -> String {
        match atgt_core::time::parse_date(d) {
            Some(x) if d.len() == 10 => x.strftime("%d/%m/%Y").to_string(),
            _ => d.to_string(),
        }
    }

    /// A cross-check's detail (`key=value; …`, machine-readable as stored) in the
    /// page's language: each key by its label (`hub.detail_key.KEY`), dates as dd/mm/yyyy,
    /// dimensions as L × W × H mm, case ids as #id, reasons by their label
    /// (`hub.reason.CODE`). Unknown keys stay as written.
    pub fn finding_detail(&self, detail: &str) -> String {
        let dims = |v: &str| -> Option<String> {
            let inner = v.strip_prefix('[')?.strip_suffix(']')?;
            let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
            if parts.len() == 3 && parts.iter().all(|p| p.parse::<i64>().is_ok()) {
                Some(format!("{} × {} × {} mm", parts[0], parts[1], parts[2]))
            } else {
                None
            }
        };
        let cases = |v: &str| -> Option<String> {
            let inner = v.strip_prefix('[')?.strip_suffix(']')?;
            Some(
                inner
                    .split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(|x| format!("#{x}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        };
        detail
            .split("; ")
            .map(|part| {
                let Some((k, v)) = part.split_once('=') else {
                    return self.label("hub.detail_key", part);
                };
                let value = match k {
                    "certified" | "measured" | "diff" => dims(v).unwrap_or_else(|| v.to_string()),
                    "cases" => cases(v).unwrap_or_else(|| v.to_string()),
                    "case" => format!("#{v}"),
                    "reason" => self.label("hub.reason", v),
                    _ => self.fmt_date(v),
                };
                let key = format!("hub.detail_key.{k}");
                if atgt_core::i18n::has(self.lang, &key) {
                    format!("{}: {value}", self.t(key))
                } else {
                    format!("{k}: {value}")
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The language of a request: the language cookie (the switch in the top bar), else
/// the user's setting, else Vietnamese. Pages do not follow the browser's
/// Accept-Language: the system speaks Vietnamese unless someone chooses English. API
/// clients may ask for English with Accept-Language (`api = true`).
pub fn request_lang(headers: &axum::http::HeaderMap, user: Option<&User>, api: bool) -> Lang {
    if let Some(l) = cookie(headers, LANG_COOKIE).and_then(Lang::parse) {
        return l;
    }
    if let Some(u) = user {
        return u.locale;
    }
    if api {
        return headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map(Lang::from_accept_language)
            .unwrap_or_default();
    }
    Lang::Vi
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, AppError> {
        let auth = parts.extensions.get::<Auth>().cloned().unwrap_or_default();
        let user = auth.principal.as_ref().and_then(|p| p.user().cloned());
        let csrf = match &auth.principal {
            Some(Principal::User { csrf, .. }) => csrf.clone(),
            _ => String::new(),
        };
        let flash = cookie(&parts.headers, FLASH_COOKIE)
            .filter(|k| !k.is_empty() && atgt_core::i18n::has(Lang::Vi, k))
            .map(str::to_string);
        Ok(PageCtx {
            lang: request_lang(&parts.headers, user.as_ref(), false),
            user,
            principal: auth.principal,
            csrf,
            flash,
            sample: st.config.sample_data,
            path: parts.uri.path().to_string(),
            request_id: parts
                .extensions
                .get::<RequestId>()
                .map(|r| r.0.clone())
                .unwrap_or_default(),
            tile_url: st.config.tile_url.clone(),
        })
    }
}

/// Renders a page; clears the flash cookie once it has been shown.
pub fn render(ctx: &PageCtx, tpl: &impl Template) -> Result<Response, AppError> {
    let html = tpl.render()?;
    let mut r = Html(html).into_response();
    if ctx.flash.is_some()
        && let Ok(v) =
            HeaderValue::from_str(&format!("{FLASH_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax"))
    {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// A redirect after a successful form, with a one-shot message (an i18n key).
pub fn redirect_with_flash(to: &str, flash_key: &str) -> Response {
    let mut r = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={flash_key}; Path=/; Max-Age=60; SameSite=Lax; HttpOnly"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
