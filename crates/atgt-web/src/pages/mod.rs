//! Server-rendered pages, one module per area. Templates are compile-time checked
//! (askama) and escape everything by default.

pub mod account;
pub mod admin_units;
pub mod apikeys;
pub mod audit;
pub mod crashes;
pub mod home;
pub mod login;
pub mod orgs;
pub mod system;
pub mod users;
// plans and accountability (issue 7)
pub mod plans;
// events (issue 10)
pub mod events;
// hotspots: black-spot screening (issue 5)
pub mod hotspots;
// Cameras and violation processing (issue 6)
pub mod enforcement;
// plans follow-up (issue 7): task links
pub mod plans_links;
// hazards, Open311 and citizen reports (issue 9, part A)
pub mod hazards;
pub mod reports;
// public portal (issue 9): landing, plate lookup, education
pub mod education;
pub mod portal;
// shared data hub (issue 8)
pub mod hub;

/// A page number and size from query parameters.
#[derive(Debug, Clone, serde::Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub page: Option<i64>,
}

impl ListQuery {
    pub const PER_PAGE: i64 = 50;
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }
    pub fn offset(&self) -> i64 {
        (self.page() - 1) * Self::PER_PAGE
    }
    pub fn q(&self) -> &str {
        self.q.as_deref().unwrap_or("")
    }
}

/// Pagination links for a list.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub base: String,
}

impl Pager {
    pub fn new(page: i64, total: i64, base: String) -> Pager {
        let pages = ((total + ListQuery::PER_PAGE - 1) / ListQuery::PER_PAGE).max(1);
        Pager {
            page,
            pages,
            total,
            base,
        }
    }
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }
    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }
    pub fn prev(&self) -> String {
        format!("{}page={}", self.base, self.page - 1)
    }
    pub fn next(&self) -> String {
        format!("{}page={}", self.base, self.page + 1)
    }
}
