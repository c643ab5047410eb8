//! The JSON API under `/api/v1`. Its OpenAPI 3.1 document is generated from the
//! handlers' annotations; a test checks it lists exactly the API routes of the route
//! table, with the same methods.
//!
//! Authentication: a session cookie (with the `x-csrf-token` header on writes) or
//! `Authorization: Bearer <API key>`. Errors are `{"error": {"code", "message",
//! "field"?, "request_id"}}` with messages in the caller's language.

pub mod admin_units;
pub mod audit;
pub mod crashes;
pub mod me;
pub mod orgs;
pub mod roads;
pub mod users;
// plans and accountability (issue 7)
pub mod plans;
// events (issue 10)
pub mod events;
// hotspots: black-spot screening (issue 5)
pub mod hotspots;
// Cameras and violation processing (issue 6)
pub mod enforcement;
// hazards (issue 9, part A)
pub mod hazards;
// public portal (issue 9): the plate lookup
pub mod portal;
// shared data hub (issue 8)
pub mod hub;

use axum::Json;
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// A page of results.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// The error body of every API error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code: not_found, forbidden, unauthorized, bad_api_key, csrf, invalid, conflict, too_many_requests, internal.
    pub code: String,
    /// The message in the caller's language.
    pub message: String,
    /// The field at fault, for `invalid`.
    pub field: Option<String>,
    pub request_id: String,
}

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "api_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::new(crate::auth::SESSION_COOKIE),
            )),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "atgt API", description = "An toàn giao thông — traffic order and safety programme management."),
    paths(
        openapi_json,
        me::me,
        admin_units::list,
        admin_units::get,
        roads::list,
        crashes::list,
        crashes::create,
        crashes::get,
        crashes::update,
        crashes::versions,
        crashes::stats,
        crashes::import,
        orgs::list,
        orgs::create,
        orgs::get,
        orgs::update,
        users::list,
        users::create,
        users::get,
        audit::list,
        audit::verify,
        // plans and accountability (issue 7)
        plans::list,
        plans::get,
        plans::tasks,
        plans::task,
        // events (issue 10)
        events::peaks,
        events::peak_create,
        events::parking,
        events::occupancy,
        events::diversions,
        events::diversion_create,
        events::activate,
        events::end,
        events::activations,
        events::congestion,
        events::incident_create,
        events::response_stats,
        // hotspots: black-spot screening (issue 5)
        hotspots::list,
        hotspots::get,
        hotspots::screening,
        // Cameras and violation processing (issue 6)
        enforcement::ingest,
        enforcement::alpr_group,
        enforcement::image,
        enforcement::heartbeat,
        enforcement::cameras,
        enforcement::camera_put,
        enforcement::cases,
        enforcement::case,
        enforcement::act,
        enforcement::detect,
        // hazards (issue 9, part A)
        hazards::encroachments,
        hazards::crossings,
        hazards::proposals,
        // public portal (issue 9)
        portal::lookup,
        // shared data hub (issue 8)
        hub::sync_vehicles,
        hub::sync_inspections,
        hub::sync_licences,
        hub::sync_training,
        hub::sync_businesses,
        hub::sync_badges,
        hub::sync_measurements,
        hub::changes,
        hub::vehicle,
        hub::owner,
        hub::flags,
        hub::licence,
        hub::holder,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&SecurityAddon)
)]
pub struct ApiDoc;

/// The OpenAPI 3.1 document of the API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "The OpenAPI document")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
