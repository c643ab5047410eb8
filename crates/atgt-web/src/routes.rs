//! Every route, with the permission it needs, in one table; the router is built from
//! it. Also the request-wide layers: request id, metrics, tracing, error rendering,
//! authentication.

use crate::auth::{authenticate, guard};
use crate::error::{AppError, ErrorMarker};
use crate::state::AppState;
use crate::{api, assets, metrics, open311, pages};
use atgt_core::auth::Perm;
use axum::extract::{MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use axum::{Router, body::Body};
use std::time::{Duration, Instant};
use tower_http::timeout::TimeoutLayer;

/// A route's method, path (axum syntax) and permission.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub perm: Perm,
}

pub struct Route {
    pub spec: RouteSpec,
    mr: MethodRouter<AppState>,
}

impl Route {
    /// Raises the body limit of an upload route (the default is axum's 2 MB).
    fn limit(mut self, bytes: usize) -> Route {
        self.mr = self.mr.layer(axum::extract::DefaultBodyLimit::max(bytes));
        self
    }
}

fn route<H, T>(method: Method, path: &'static str, perm: Perm, h: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let mr = match method {
        Method::GET => get(h),
        Method::POST => post(h),
        Method::PUT => put(h),
        Method::DELETE => delete(h),
        _ => unreachable!("only GET, POST, PUT and DELETE routes are declared"),
    };
    Route {
        spec: RouteSpec { method, path, perm },
        mr,
    }
}

/// The whole route table.
pub fn table() -> Vec<Route> {
    use Method as M;
    use Perm::*;
    vec![
        // Operations and public
        route(M::GET, "/healthz", Public, pages::system::healthz),
        route(M::GET, "/metrics", Metrics, metrics::handler),
        route(M::GET, "/static/{*path}", Public, assets::handler),
        route(M::GET, "/favicon.ico", Public, assets::favicon),
        route(M::GET, "/lang/{code}", Public, pages::system::set_lang),
        // Sign-in and account
        route(M::GET, "/login", Public, pages::login::form),
        route(M::POST, "/login", Public, pages::login::submit),
        route(M::POST, "/logout", SignedIn, pages::login::logout),
        route(M::GET, "/account", SignedIn, pages::account::show),
        route(
            M::POST,
            "/account/password",
            SignedIn,
            pages::account::change_password,
        ),
        // Home and the capability modules
        route(M::GET, "/", SignedIn, pages::home::show),
        route(M::GET, "/m/{module}", SignedIn, pages::home::module),
        // Crash registry
        route(M::GET, "/crashes", CrashesRead, pages::crashes::list),
        route(
            M::GET,
            "/crashes/dashboard",
            CrashesRead,
            pages::crashes::dashboard,
        ),
        route(M::GET, "/crashes/stats", CrashesRead, pages::crashes::stats),
        route(
            M::GET,
            "/crashes/stats.xlsx",
            CrashesRead,
            pages::crashes::export_stats_xlsx,
        ),
        route(M::GET, "/crashes/map", CrashesRead, pages::crashes::map),
        route(
            M::GET,
            "/crashes/export.csv",
            CrashesRead,
            pages::crashes::export_csv,
        ),
        route(
            M::GET,
            "/crashes/export.xlsx",
            CrashesRead,
            pages::crashes::export_xlsx,
        ),
        route(
            M::GET,
            "/crashes/export.geojson",
            CrashesRead,
            pages::crashes::export_geojson,
        ),
        route(
            M::GET,
            "/crashes/report.docx",
            CrashesRead,
            pages::crashes::report_docx,
        ),
        route(
            M::GET,
            "/crashes/new",
            CrashesWrite,
            pages::crashes::new_form,
        ),
        route(M::POST, "/crashes", CrashesWrite, pages::crashes::create),
        route(
            M::GET,
            "/crashes/import",
            CrashesImport,
            pages::crashes::import_form,
        ),
        route(
            M::POST,
            "/crashes/import",
            CrashesImport,
            pages::crashes::import_submit,
        )
        .limit(256 << 20),
        route(
            M::POST,
            "/crashes/{id}/photos",
            CrashesWrite,
            pages::crashes::photo_add,
        )
        .limit(12 << 20),
        route(
            M::GET,
            "/files/{sha256}",
            CrashesPersonal,
            pages::crashes::file_get,
        ),
        route(M::GET, "/crashes/{id}", CrashesRead, pages::crashes::show),
        route(
            M::GET,
            "/crashes/{id}/edit",
            CrashesWrite,
            pages::crashes::edit_form,
        ),
        route(
            M::POST,
            "/crashes/{id}",
            CrashesWrite,
            pages::crashes::update,
        ),
        route(
            M::GET,
            "/admin/rules/crash-classes",
            RulesManage,
            pages::crashes::rules_form,
        ),
        route(
            M::POST,
            "/admin/rules/crash-classes",
            RulesManage,
            pages::crashes::rules_save,
        ),
        // Administration
        route(M::GET, "/admin/orgs", OrgsRead, pages::orgs::list),
        route(M::GET, "/admin/orgs/new", OrgsManage, pages::orgs::new_form),
        route(M::POST, "/admin/orgs", OrgsManage, pages::orgs::create),
        route(M::GET, "/admin/orgs/{id}", OrgsRead, pages::orgs::show),
        route(
            M::GET,
            "/admin/orgs/{id}/edit",
            OrgsManage,
            pages::orgs::edit_form,
        ),
        route(M::POST, "/admin/orgs/{id}", OrgsManage, pages::orgs::update),
        route(M::GET, "/admin/users", UsersRead, pages::users::list),
        route(
            M::GET,
            "/admin/users/new",
            UsersManage,
            pages::users::new_form,
        ),
        route(M::POST, "/admin/users", UsersManage, pages::users::create),
        route(
            M::GET,
            "/admin/users/{id}/edit",
            UsersManage,
            pages::users::edit_form,
        ),
        route(
            M::POST,
            "/admin/users/{id}",
            UsersManage,
            pages::users::update,
        ),
        route(
            M::POST,
            "/admin/users/{id}/password",
            UsersManage,
            pages::users::reset_password,
        ),
        route(
            M::GET,
            "/admin/apikeys",
            ApiKeysManage,
            pages::apikeys::list,
        ),
        route(
            M::POST,
            "/admin/apikeys",
            ApiKeysManage,
            pages::apikeys::create,
        ),
        route(
            M::POST,
            "/admin/apikeys/{id}/revoke",
            ApiKeysManage,
            pages::apikeys::revoke,
        ),
        route(
            M::GET,
            "/admin-units",
            ReferenceRead,
            pages::admin_units::list,
        ),
        route(
            M::GET,
            "/admin-units/{scheme}/{code}",
            ReferenceRead,
            pages::admin_units::show,
        ),
        route(M::GET, "/audit", AuditRead, pages::audit::list),
        route(M::GET, "/audit/verify", AuditVerify, pages::audit::verify),
        // plans and accountability (issue 7)
        route(M::GET, "/plans", PlansRead, pages::plans::list),
        route(M::POST, "/plans", PlansManage, pages::plans::create),
        route(M::GET, "/plans/urging", PlansRead, pages::plans::urging),
        route(
            M::POST,
            "/plans/urging",
            PlansManage,
            pages::plans::urging_run,
        ),
        route(M::GET, "/plans/leader", PlansRead, pages::plans::leader),
        route(
            M::GET,
            "/plans/files/{sha256}",
            PlansRead,
            pages::plans::file_get,
        ),
        route(M::GET, "/plans/{id}", PlansRead, pages::plans::show),
        route(
            M::POST,
            "/plans/{id}/original",
            PlansManage,
            pages::plans::original_add,
        )
        .limit(24 << 20),
        route(
            M::POST,
            "/plans/{id}/tasks",
            PlansManage,
            pages::plans::task_create,
        ),
        route(
            M::POST,
            "/plans/{id}/events",
            PlansManage,
            pages::plans::event_add,
        ),
        route(
            M::GET,
            "/plans/{id}/report",
            PlansManage,
            pages::plans::report_form,
        ),
        route(
            M::POST,
            "/plans/{id}/report",
            PlansManage,
            pages::plans::report_issue,
        ),
        route(
            M::GET,
            "/plans/{id}/reports/{version}",
            PlansRead,
            pages::plans::report_get,
        ),
        route(M::GET, "/tasks", PlansRead, pages::plans::tasks),
        route(M::GET, "/tasks/{id}", PlansRead, pages::plans::task_show),
        route(
            M::POST,
            "/tasks/{id}/reports",
            PlansReport,
            pages::plans::report_add,
        )
        .limit(24 << 20),
        route(
            M::POST,
            "/tasks/{id}/comments",
            PlansReport,
            pages::plans::comment_add,
        ),
        route(
            M::POST,
            "/tasks/{id}/lead",
            PlansManage,
            pages::plans::lead_change,
        ),
        route(
            M::POST,
            "/tasks/{id}/status",
            PlansManage,
            pages::plans::status_set,
        ),
        // plans follow-up (issue 7): task links to black spots and areas
        route(
            M::POST,
            "/tasks/{id}/links",
            PlansManage,
            pages::plans_links::link_add,
        ),
        route(
            M::POST,
            "/tasks/{id}/links/remove",
            PlansManage,
            pages::plans_links::link_remove,
        ),
        // JSON API
        route(M::GET, "/api/v1/openapi.json", Public, api::openapi_json),
        route(M::GET, "/api/v1/me", SignedIn, api::me::me),
        route(
            M::GET,
            "/api/v1/admin-units",
            ReferenceRead,
            api::admin_units::list,
        ),
        route(
            M::GET,
            "/api/v1/admin-units/{scheme}/{code}",
            ReferenceRead,
            api::admin_units::get,
        ),
        route(M::GET, "/api/v1/roads", ReferenceRead, api::roads::list),
        route(M::GET, "/api/v1/crashes", CrashesRead, api::crashes::list),
        route(
            M::POST,
            "/api/v1/crashes",
            CrashesWrite,
            api::crashes::create,
        ),
        route(
            M::GET,
            "/api/v1/crashes/stats",
            CrashesRead,
            api::crashes::stats,
        ),
        route(
            M::POST,
            "/api/v1/crashes/import",
            CrashesImport,
            api::crashes::import,
        )
        .limit(256 << 20),
        route(
            M::GET,
            "/api/v1/crashes/{id}",
            CrashesRead,
            api::crashes::get,
        ),
        route(
            M::PUT,
            "/api/v1/crashes/{id}",
            CrashesWrite,
            api::crashes::update,
        ),
        route(
            M::GET,
            "/api/v1/crashes/{id}/versions",
            CrashesRead,
            api::crashes::versions,
        ),
        route(M::GET, "/api/v1/orgs", OrgsRead, api::orgs::list),
        route(M::POST, "/api/v1/orgs", OrgsManage, api::orgs::create),
        route(M::GET, "/api/v1/orgs/{id}", OrgsRead, api::orgs::get),
        route(M::PUT, "/api/v1/orgs/{id}", OrgsManage, api::orgs::update),
        route(M::GET, "/api/v1/users", UsersRead, api::users::list),
        route(M::POST, "/api/v1/users", UsersManage, api::users::create),
        route(M::GET, "/api/v1/users/{id}", UsersRead, api::users::get),
        route(M::GET, "/api/v1/audit", AuditRead, api::audit::list),
        route(
            M::GET,
            "/api/v1/audit/verify",
            AuditVerify,
            api::audit::verify,
        ),
        // plans and accountability (issue 7)
        route(M::GET, "/api/v1/plans", PlansRead, api::plans::list),
        route(M::GET, "/api/v1/plans/{id}", PlansRead, api::plans::get),
        route(M::GET, "/api/v1/tasks", PlansRead, api::plans::tasks),
        route(M::GET, "/api/v1/tasks/{id}", PlansRead, api::plans::task),
        // events: peaks, parking, diversions, congestion, training, rescue (issue 10)
        route(M::GET, "/events", EventsRead, pages::events::overview),
        route(M::GET, "/events/peaks", EventsRead, pages::events::peaks),
        route(
            M::POST,
            "/events/peaks",
            EventsWrite,
            pages::events::peak_create,
        ),
        route(
            M::GET,
            "/events/peaks/{id}/report.docx",
            EventsRead,
            pages::events::peak_report_docx,
        ),
        route(
            M::GET,
            "/events/peaks/{id}/report.xlsx",
            EventsRead,
            pages::events::peak_report_xlsx,
        ),
        route(
            M::GET,
            "/events/parking",
            EventsRead,
            pages::events::parking,
        ),
        route(
            M::POST,
            "/events/parking",
            EventsWrite,
            pages::events::parking_create,
        ),
        route(
            M::GET,
            "/events/parking/{id}",
            EventsRead,
            pages::events::parking_show,
        ),
        route(
            M::POST,
            "/events/parking/{id}/occupancy",
            ParkingReport,
            pages::events::parking_report,
        ),
        route(
            M::POST,
            "/events/stretches",
            EventsWrite,
            pages::events::stretch_create,
        ),
        route(
            M::GET,
            "/events/diversions",
            EventsRead,
            pages::events::diversions,
        ),
        route(
            M::POST,
            "/events/diversions",
            EventsWrite,
            pages::events::diversion_create,
        ),
        route(
            M::GET,
            "/events/diversions/{id}",
            EventsRead,
            pages::events::diversion_show,
        ),
        route(
            M::POST,
            "/events/diversions/{id}/activate",
            DiversionsActivate,
            pages::events::diversion_activate,
        ),
        route(
            M::POST,
            "/events/diversions/{id}/end",
            DiversionsActivate,
            pages::events::diversion_end,
        ),
        route(
            M::GET,
            "/events/incidents",
            EventsRead,
            pages::events::incidents,
        ),
        route(
            M::POST,
            "/events/incidents",
            EventsWrite,
            pages::events::incident_create,
        ),
        route(
            M::GET,
            "/events/training",
            EventsRead,
            pages::events::training,
        ),
        route(
            M::POST,
            "/events/training",
            EventsWrite,
            pages::events::course_create,
        ),
        route(
            M::GET,
            "/events/response-times",
            EventsRead,
            pages::events::response_times,
        ),
        route(
            M::POST,
            "/events/response-times",
            EventsWrite,
            pages::events::response_set,
        ),
        route(
            M::GET,
            "/admin/rules/events",
            RulesManage,
            pages::events::rules_form,
        ),
        route(
            M::POST,
            "/admin/rules/events",
            RulesManage,
            pages::events::rules_save,
        ),
        route(
            M::GET,
            "/public/diversions",
            Public,
            pages::events::public_diversions,
        ),
        route(
            M::GET,
            "/api/v1/events/peaks",
            EventsRead,
            api::events::peaks,
        ),
        route(
            M::POST,
            "/api/v1/events/peaks",
            EventsWrite,
            api::events::peak_create,
        ),
        route(M::GET, "/api/v1/parking", EventsRead, api::events::parking),
        route(
            M::POST,
            "/api/v1/parking/{id}/occupancy",
            ParkingReport,
            api::events::occupancy,
        ),
        route(
            M::GET,
            "/api/v1/diversions",
            EventsRead,
            api::events::diversions,
        ),
        route(
            M::POST,
            "/api/v1/diversions",
            EventsWrite,
            api::events::diversion_create,
        ),
        route(
            M::POST,
            "/api/v1/diversions/{id}/activate",
            DiversionsActivate,
            api::events::activate,
        ),
        route(
            M::POST,
            "/api/v1/diversions/{id}/end",
            DiversionsActivate,
            api::events::end,
        ),
        route(
            M::GET,
            "/api/v1/diversions/{id}/activations",
            EventsRead,
            api::events::activations,
        ),
        route(
            M::GET,
            "/api/v1/congestion",
            EventsRead,
            api::events::congestion,
        ),
        route(
            M::POST,
            "/api/v1/congestion",
            EventsWrite,
            api::events::incident_create,
        ),
        route(
            M::GET,
            "/api/v1/response-times/stats",
            EventsRead,
            api::events::response_stats,
        ),
        // hotspots: black-spot screening (issue 5)
        route(M::GET, "/hotspots", SpotsRead, pages::hotspots::list),
        route(M::POST, "/hotspots", SpotsManage, pages::hotspots::create),
        route(
            M::GET,
            "/hotspots/screening",
            SpotsRead,
            pages::hotspots::screening,
        ),
        route(
            M::GET,
            "/hotspots/spots.geojson",
            SpotsRead,
            pages::hotspots::export_geojson,
        ),
        route(
            M::GET,
            "/hotspots/kde.geojson",
            SpotsRead,
            pages::hotspots::kde_geojson,
        ),
        route(
            M::GET,
            "/hotspots/spots.xlsx",
            SpotsRead,
            pages::hotspots::export_xlsx,
        ),
        route(
            M::GET,
            "/hotspots/proposal.docx",
            SpotsRead,
            pages::hotspots::proposal_docx,
        ),
        route(M::GET, "/hotspots/{id}", SpotsRead, pages::hotspots::show),
        route(
            M::POST,
            "/hotspots/{id}/action",
            SpotsManage,
            pages::hotspots::act,
        ),
        route(
            M::POST,
            "/hotspots/{id}/photos",
            SpotsManage,
            pages::hotspots::photo_add,
        )
        .limit(12 << 20),
        route(
            M::GET,
            "/hotspots/{id}/photos/{sha256}",
            SpotsRead,
            pages::hotspots::photo_get,
        ),
        route(
            M::GET,
            "/admin/rules/black-spots",
            RulesManage,
            pages::hotspots::rules_form,
        ),
        route(
            M::POST,
            "/admin/rules/black-spots",
            RulesManage,
            pages::hotspots::rules_save,
        ),
        route(M::GET, "/api/v1/spots", SpotsRead, api::hotspots::list),
        route(
            M::GET,
            "/api/v1/spots/screening",
            SpotsRead,
            api::hotspots::screening,
        ),
        route(M::GET, "/api/v1/spots/{id}", SpotsRead, api::hotspots::get),
        // Cameras and violation processing (issue 6)
        route(
            M::POST,
            "/api/v1/plate-reads",
            Ingest,
            api::enforcement::ingest,
        )
        .limit(64 << 20),
        route(
            M::POST,
            "/api/v1/plate-reads/images",
            Ingest,
            api::enforcement::image,
        )
        .limit(12 << 20),
        route(
            M::POST,
            "/api/v1/plate-reads/alpr-group",
            Ingest,
            api::enforcement::alpr_group,
        )
        .limit(64 << 20),
        route(
            M::POST,
            "/api/v1/cameras/{id}/heartbeat",
            Ingest,
            api::enforcement::heartbeat,
        ),
        route(
            M::GET,
            "/api/v1/cameras",
            EnforcementRead,
            api::enforcement::cameras,
        ),
        route(
            M::GET,
            "/api/v1/cases",
            EnforcementRead,
            api::enforcement::cases,
        ),
        route(
            M::POST,
            "/api/v1/cases/detect",
            CamerasManage,
            api::enforcement::detect,
        ),
        route(
            M::GET,
            "/api/v1/cases/{id}",
            EnforcementRead,
            api::enforcement::case,
        ),
        route(
            M::POST,
            "/api/v1/cases/{id}/actions",
            CasesWork,
            api::enforcement::act,
        ),
        route(
            M::GET,
            "/enforcement",
            EnforcementRead,
            pages::enforcement::dashboard,
        ),
        route(
            M::GET,
            "/enforcement/cases/{id}",
            EnforcementRead,
            pages::enforcement::case_page,
        ),
        route(
            M::POST,
            "/enforcement/cases/{id}/action",
            CasesWork,
            pages::enforcement::case_action,
        ),
        route(
            M::GET,
            "/enforcement/cases/{id}/notice.docx",
            CasesWork,
            pages::enforcement::notice_docx,
        ),
        route(
            M::GET,
            "/enforcement/patrol",
            CasesWork,
            pages::enforcement::patrol_form,
        ),
        route(
            M::POST,
            "/enforcement/patrol",
            CasesWork,
            pages::enforcement::patrol_submit,
        ),
        route(
            M::GET,
            "/enforcement/licences",
            EnforcementRead,
            pages::enforcement::licence,
        ),
        route(
            M::POST,
            "/api/v1/cameras",
            CamerasManage,
            api::enforcement::camera_put,
        ),
        route(
            M::GET,
            "/enforcement/images/{sha256}",
            EnforcementRead,
            pages::enforcement::image,
        ),
        route(
            M::GET,
            "/enforcement/cameras.geojson",
            EnforcementRead,
            pages::enforcement::cameras_geojson,
        ),
        route(
            M::GET,
            "/admin/rules/violations-168",
            RulesManage,
            pages::enforcement::catalog_form,
        ),
        route(
            M::POST,
            "/admin/rules/violations-168",
            RulesManage,
            pages::enforcement::catalog_save,
        ),
        route(
            M::GET,
            "/admin/rules/speed-limits",
            RulesManage,
            pages::enforcement::limits_form,
        ),
        route(
            M::POST,
            "/admin/rules/speed-limits",
            RulesManage,
            pages::enforcement::limits_save,
        ),
        // hazards, Open311 and citizen reports (issue 9, part A)
        route(M::GET, "/hazards", HazardsRead, pages::hazards::index),
        route(
            M::GET,
            "/hazards/hazards.geojson",
            HazardsRead,
            pages::hazards::export_geojson,
        ),
        route(
            M::POST,
            "/hazards/encroachments",
            HazardsManage,
            pages::hazards::encroachment_create,
        ),
        route(
            M::GET,
            "/hazards/encroachments/{id}",
            HazardsRead,
            pages::hazards::encroachment_show,
        ),
        route(
            M::POST,
            "/hazards/encroachments/{id}/photos",
            HazardsManage,
            pages::hazards::photo_add,
        )
        .limit(12 << 20),
        route(
            M::GET,
            "/hazards/encroachments/{id}/photos/{sha256}",
            HazardsRead,
            pages::hazards::photo_get,
        ),
        route(
            M::POST,
            "/hazards/encroachments/{id}/resolve",
            HazardsManage,
            pages::hazards::encroachment_resolve,
        ),
        route(
            M::POST,
            "/hazards/crossings",
            HazardsManage,
            pages::hazards::crossing_create,
        ),
        route(
            M::POST,
            "/hazards/crossings/{id}/measures",
            HazardsManage,
            pages::hazards::crossing_measure,
        ),
        route(
            M::POST,
            "/hazards/proposals",
            HazardsManage,
            pages::hazards::proposal_create,
        ),
        route(
            M::POST,
            "/hazards/proposals/{id}/status",
            HazardsManage,
            pages::hazards::proposal_status,
        ),
        route(
            M::GET,
            "/api/v1/encroachments",
            HazardsRead,
            api::hazards::encroachments,
        ),
        route(
            M::GET,
            "/api/v1/rail-crossings",
            HazardsRead,
            api::hazards::crossings,
        ),
        route(
            M::GET,
            "/api/v1/proposals",
            HazardsRead,
            api::hazards::proposals,
        ),
        route(
            M::GET,
            "/public/reports",
            Public,
            pages::reports::public_form,
        ),
        route(
            M::POST,
            "/public/reports",
            Public,
            pages::reports::public_submit,
        )
        .limit(64 << 20),
        route(
            M::GET,
            "/public/reports/track",
            Public,
            pages::reports::track,
        ),
        route(M::GET, "/reports", ReportsTriage, pages::reports::queue),
        route(
            M::GET,
            "/reports/violations",
            EnforcementRead,
            pages::reports::violations,
        ),
        route(
            M::GET,
            "/reports/violations/{id}/files/{sha256}",
            EnforcementRead,
            pages::reports::violation_file_get,
        ),
        route(M::GET, "/reports/{id}", ReportsTriage, pages::reports::show),
        route(
            M::POST,
            "/reports/{id}/triage",
            ReportsTriage,
            pages::reports::triage,
        ),
        route(
            M::GET,
            "/reports/{id}/files/{sha256}",
            ReportsTriage,
            pages::reports::file_get,
        ),
        route(
            M::GET,
            "/open311/v2/discovery.json",
            Public,
            open311::discovery_json,
        ),
        route(
            M::GET,
            "/open311/v2/discovery.xml",
            Public,
            open311::discovery_xml,
        ),
        route(
            M::GET,
            "/open311/v2/services.json",
            Public,
            open311::services_json,
        ),
        route(
            M::GET,
            "/open311/v2/services.xml",
            Public,
            open311::services_xml,
        ),
        route(
            M::GET,
            "/open311/v2/services/{file}",
            Public,
            open311::definition,
        ),
        route(
            M::GET,
            "/open311/v2/requests.json",
            Public,
            open311::requests_json,
        ),
        route(
            M::GET,
            "/open311/v2/requests.xml",
            Public,
            open311::requests_xml,
        ),
        route(
            M::POST,
            "/open311/v2/requests.json",
            Public,
            open311::post_json,
        ),
        route(
            M::POST,
            "/open311/v2/requests.xml",
            Public,
            open311::post_xml,
        ),
        route(
            M::GET,
            "/open311/v2/requests/{file}",
            Public,
            open311::request_one,
        ),
        route(
            M::GET,
            "/open311/v2/tokens/{file}",
            Public,
            open311::token_one,
        ),
        // public portal (issue 9): landing, plate lookup, education, campaigns
        route(M::GET, "/public", Public, pages::portal::landing),
        route(M::GET, "/public/lookup", Public, pages::portal::lookup_page),
        route(M::GET, "/api/public/v1/lookup", Public, api::portal::lookup),
        route(
            M::GET,
            "/public/education",
            Public,
            pages::education::public_list,
        ),
        route(
            M::GET,
            "/public/education/{id}",
            Public,
            pages::education::public_article,
        ),
        route(M::GET, "/public/quiz", Public, pages::education::quiz),
        route(
            M::POST,
            "/public/quiz",
            Public,
            pages::education::quiz_submit,
        ),
        route(
            M::GET,
            "/public/campaigns",
            Public,
            pages::education::public_campaigns,
        ),
        route(
            M::GET,
            "/public/campaigns/{id}",
            Public,
            pages::education::public_campaign,
        ),
        route(M::GET, "/education", EducationRead, pages::education::staff),
        route(
            M::GET,
            "/education/articles/new",
            EducationManage,
            pages::education::article_new,
        ),
        route(
            M::POST,
            "/education/articles",
            EducationManage,
            pages::education::article_create,
        ),
        route(
            M::GET,
            "/education/articles/{id}/edit",
            EducationManage,
            pages::education::article_edit,
        ),
        route(
            M::POST,
            "/education/articles/{id}",
            EducationManage,
            pages::education::article_update,
        ),
        route(
            M::GET,
            "/education/questions/new",
            EducationManage,
            pages::education::question_new,
        ),
        route(
            M::POST,
            "/education/questions",
            EducationManage,
            pages::education::question_create,
        ),
        route(
            M::GET,
            "/education/questions/{id}/edit",
            EducationManage,
            pages::education::question_edit,
        ),
        route(
            M::POST,
            "/education/questions/{id}",
            EducationManage,
            pages::education::question_update,
        ),
        route(
            M::GET,
            "/education/campaigns/new",
            EducationManage,
            pages::education::campaign_new,
        ),
        route(
            M::POST,
            "/education/campaigns",
            EducationManage,
            pages::education::campaign_create,
        ),
        route(
            M::GET,
            "/education/campaigns/{id}/edit",
            EducationManage,
            pages::education::campaign_edit,
        ),
        route(
            M::POST,
            "/education/campaigns/{id}",
            EducationManage,
            pages::education::campaign_update,
        ),
        route(
            M::GET,
            "/education/rewards/new",
            EducationManage,
            pages::education::reward_new,
        ),
        route(
            M::POST,
            "/education/rewards",
            EducationManage,
            pages::education::reward_create,
        ),
        route(
            M::GET,
            "/education/rewards/{id}/edit",
            EducationManage,
            pages::education::reward_edit,
        ),
        route(
            M::POST,
            "/education/rewards/{id}",
            EducationManage,
            pages::education::reward_update,
        ),
        // shared data hub (issue 8): partners' sync, one scope per kind of record
        route(
            M::POST,
            "/api/v1/hub/vehicles/sync",
            HubVehiclesWrite,
            api::hub::sync_vehicles,
        )
        .limit(256 << 20),
        route(
            M::POST,
            "/api/v1/hub/inspections/sync",
            HubInspectionsWrite,
            api::hub::sync_inspections,
        )
        .limit(256 << 20),
        route(
            M::POST,
            "/api/v1/hub/licences/sync",
            HubLicencesWrite,
            api::hub::sync_licences,
        )
        .limit(256 << 20),
        route(
            M::POST,
            "/api/v1/hub/training/sync",
            HubTrainingWrite,
            api::hub::sync_training,
        )
        .limit(256 << 20),
        route(
            M::POST,
            "/api/v1/hub/businesses/sync",
            HubBusinessesWrite,
            api::hub::sync_businesses,
        )
        .limit(256 << 20),
        route(
            M::POST,
            "/api/v1/hub/badges/sync",
            HubBusinessesWrite,
            api::hub::sync_badges,
        )
        .limit(256 << 20),
        route(
            M::POST,
            "/api/v1/hub/measurements/sync",
            HubMeasurementsWrite,
            api::hub::sync_measurements,
        )
        .limit(256 << 20),
        route(M::GET, "/api/v1/hub/changes", HubRead, api::hub::changes),
        route(
            M::GET,
            "/api/v1/hub/vehicles/{plate}",
            HubRead,
            api::hub::vehicle,
        ),
        route(
            M::GET,
            "/api/v1/hub/vehicles/{plate}/owner",
            HubPersonal,
            api::hub::owner,
        ),
        route(
            M::GET,
            "/api/v1/hub/vehicles/{plate}/flags",
            HubFlagsRead,
            api::hub::flags,
        ),
        route(
            M::GET,
            "/api/v1/hub/licences/{no}",
            HubRead,
            api::hub::licence,
        ),
        route(
            M::GET,
            "/api/v1/hub/licences/{no}/holder",
            HubPersonal,
            api::hub::holder,
        ),
        route(M::GET, "/hub", HubRead, pages::hub::search),
        route(
            M::GET,
            "/hub/vehicles/{plate}",
            HubRead,
            pages::hub::vehicle,
        ),
        route(M::GET, "/hub/licences/{no}", HubRead, pages::hub::licence),
        route(M::GET, "/hub/checks", HubFlagsRead, pages::hub::checks),
        route(M::GET, "/hub/access", HubAccessLog, pages::hub::access),
        route(
            M::GET,
            "/hub/access.csv",
            HubAccessLog,
            pages::hub::access_csv,
        ),
        route(
            M::GET,
            "/admin/rules/hub-checks",
            RulesManage,
            pages::hub::rules_form,
        ),
        route(
            M::POST,
            "/admin/rules/hub-checks",
            RulesManage,
            pages::hub::rules_save,
        ),
    ]
}

/// The request id, generated per request and returned as `x-request-id`.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

async fn request_id(mut req: Request, next: Next) -> Response {
    let id = crate::auth::token::random(9);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span =
        tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let _enter = span.enter();
    drop(_enter);
    let mut r = tracing::Instrument::instrument(next.run(req), span).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        r.headers_mut().insert("x-request-id", v);
    }
    r
}

async fn track(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let r = next.run(req).await;
    let status = r.status().as_u16();
    st.metrics
        .observe(method.as_str(), &route, status, start.elapsed());
    if status >= 500 {
        tracing::warn!(%method, route, status, "request failed");
    } else {
        tracing::debug!(%method, route, status, ms = start.elapsed().as_millis() as u64, "request");
    }
    r
}

/// Paths answered in JSON.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/metrics" || path == "/healthz"
}

/// Turns an [`ErrorMarker`] into the body the client reads: JSON for the API, a page
/// (or a redirect to sign in) for the UI.
async fn render_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let headers = req.headers().clone();
    let rid = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let resp = next.run(req).await;
    let Some(ErrorMarker(err)) = resp.extensions().get::<ErrorMarker>().cloned() else {
        return resp;
    };
    let lang = crate::view::request_lang(&headers, None, is_api(&path));
    if let AppError::Internal(e) = err.as_ref() {
        tracing::error!(request_id = %rid, error = ?e, "internal error");
    }
    let status = err.status();
    if is_api(&path) {
        let mut body = serde_json::json!({
            "error": { "code": err.code(), "message": err.message(lang), "request_id": rid }
        });
        if let AppError::Invalid { field, .. } = err.as_ref() {
            body["error"]["field"] = serde_json::Value::String(field.clone());
        }
        let mut r = (status, Json(body)).into_response();
        if matches!(
            err.as_ref(),
            AppError::Unauthorized { .. } | AppError::BadApiKey
        ) {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        return r;
    }
    if let AppError::Unauthorized { expired } = err.as_ref() {
        let mut next_path = path.clone();
        if let Some(q) = query {
            next_path.push('?');
            next_path.push_str(&q);
        }
        let target = format!(
            "/login?next={}{}",
            urlencode(&next_path),
            if *expired { "&expired=1" } else { "" }
        );
        return Redirect::to(&target).into_response();
    }
    let html = pages::system::error_page(lang, status, &err.message(lang), &rid);
    (status, html).into_response()
}

pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v[1..].to_string())
        .unwrap_or_default()
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// Security headers on every response.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'self'; img-src 'self' data: blob: https:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    ));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

/// Builds the application router from the table.
pub fn router(state: AppState) -> Router {
    let mut r: Router<AppState> = Router::new();
    for Route { spec, mr } in table() {
        let perm = spec.perm;
        let guarded = mr.route_layer(from_fn(move |req: Request<Body>, next: Next| {
            guard(perm, req, next)
        }));
        r = r.route(spec.path, guarded);
    }
    r.fallback(not_found)
        .layer(from_fn_with_state(state.clone(), authenticate))
        .layer(from_fn(render_errors))
        .layer(from_fn(security_headers))
        .layer(from_fn_with_state(state.clone(), track))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(from_fn(request_id))
        .with_state(state)
}
