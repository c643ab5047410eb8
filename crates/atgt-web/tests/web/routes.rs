//! Every route with every role: the answer matches the permission matrix.

use crate::each_backend;
use crate::helpers::{TestApp, location};
use atgt_core::auth::{Perm, Role, allows, key_allows};
use atgt_web::routes::{RouteSpec, table};
use axum::body::Body;
use axum::http::{Method, Request, header};

/// Who asks.
#[derive(Debug, Clone, Copy)]
enum Who {
    Anonymous,
    User(Role),
    KeyAll,
    KeyNone,
}

/// A concrete URL for a route pattern, pointing at things that exist (and that the
/// request may change without harming the other checks).
async fn concrete(app: &TestApp, spec: &RouteSpec) -> String {
    let org = app.store().org_by_code("UBND-XH").await.unwrap().id;
    let victim = app.users[&Role::Analyst].id;
    let key = app
        .store()
        .apikeys()
        .await
        .unwrap()
        .iter()
        .find(|k| k.name == "Khóa để thu hồi")
        .unwrap()
        .id;
    let mut p = spec.path.to_string();
    // Cameras and violation processing (issue 6): a camera and a case that exist.
    if p.contains("/cases/{id}") || p.contains("/cameras/{id}") {
        let case = crate::enforcement::fixture_case(app).await;
        return p
            .replace("/cases/{id}", &format!("/cases/{case}"))
            .replace("/cameras/{id}", "/cameras/CAM-QL1A-1530");
    }
    // plans and accountability (issue 7): the seed plan and one of its tasks.
    if p.contains("/plans/") || p.contains("/tasks/") {
        atgt_store::testkit::plan_units(app.store()).await;
        let plan = app
            .store()
            .plan_import(
                &atgt_core::audit::Actor::system(),
                &atgt_core::plans::PlanFile::seed(),
            )
            .await
            .unwrap();
        let task = app
            .store()
            .tasks(&atgt_store::plans::TaskFilter {
                plan_id: Some(plan),
                ..Default::default()
            })
            .await
            .unwrap()[0]
            .id;
        let id = if p.contains("/tasks/") { task } else { plan };
        p = p
            .replace("{id}", &id.to_string())
            .replace("{version}", "1")
            .replace("{sha256}", &"0".repeat(64));
    }
    let id = if p.contains("/orgs/") {
        org
    } else if p.contains("/users/") {
        victim
    } else if p.contains("/hotspots/") || p.contains("/spots/") {
        // hotspots: black-spot screening (issue 5)
        spot_id(app).await
    } else {
        key
    };
    // events (issue 10): a peak, a parking area and a diversion plan that exist.
    let id = if p.starts_with("/events/")
        || p.starts_with("/api/v1/parking/")
        || p.starts_with("/api/v1/diversions/")
    {
        let s = app.store();
        if s.peaks().await.unwrap().is_empty() {
            crate::events::seed(app).await;
        }
        if p.contains("/peaks/") {
            s.peaks().await.unwrap()[0].id
        } else if p.contains("/parking/") {
            s.parking_areas(None).await.unwrap()[0].id
        } else if p.contains("/diversions/") {
            s.diversions(false).await.unwrap()[0].id
        } else {
            id
        }
    } else {
        id
    };
    // hazards, Open311 and citizen reports (issue 9, part A)
    let p = p.replace("{file}", "VIOLATION.json");
    let mut p = p;
    p = p.replace("{id}", &id.to_string());
    // shared data hub (issue 8): a plate and a licence number (unknown: 404 is fine)
    p = p
        .replace("{plate}", "79A12345")
        .replace("{no}", "790123456789");
    p = p
        .replace("{scheme}", "new")
        .replace("{*path}", "app.css")
        .replace("{module}", "plans");
    if p.starts_with("/lang/") {
        p = p.replace("{code}", "vi");
    }
    p.replace("{code}", "56")
}

// hotspots: black-spot screening (issue 5)
/// A spot that exists (recorded once per database).
async fn spot_id(app: &TestApp) -> i64 {
    use atgt_store::hotspots::{NewSpot, SpotFilter};
    let s = app.store();
    if let Some(x) = s.spots(&SpotFilter::default()).await.unwrap().first() {
        return x.id;
    }
    let n = NewSpot {
        name: "Ngã ba Khánh Hải".into(),
        kind: atgt_core::hotspots::rules::SpotKind::Potential,
        method: "inspection".into(),
        candidate: None,
        road_code: None,
        km: None,
        lon: Some(109.03),
        lat: Some(11.63),
    };
    s.spot_create(&atgt_core::audit::Actor::system(), &n)
        .await
        .unwrap()
        .id
}

async fn request(app: &TestApp, who: Who, spec: &RouteSpec) -> (u16, String) {
    let url = concrete(app, spec).await;
    let mut b = Request::builder().method(spec.method.clone()).uri(&url);
    let mut csrf = String::new();
    match who {
        Who::Anonymous => {}
        Who::User(r) => {
            let (cookie, token) = app.session(r).await;
            b = b.header(header::COOKIE, cookie);
            csrf = token;
        }
        Who::KeyAll => b = b.header(header::AUTHORIZATION, format!("Bearer {}", app.key_all)),
        Who::KeyNone => b = b.header(header::AUTHORIZATION, format!("Bearer {}", app.key_none)),
    }
    let body = if spec.method == Method::GET {
        Body::empty()
    } else if spec.path.starts_with("/api/") {
        b = b
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", &csrf);
        Body::from("{}")
    } else {
        b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        Body::from(format!("_csrf={csrf}"))
    };
    let resp = app.send(b.body(body).unwrap()).await;
    (resp.status().as_u16(), location(&resp))
}

fn expected(who: Who, perm: Perm) -> bool {
    match who {
        Who::Anonymous => perm == Perm::Public,
        Who::User(r) => allows(r, perm),
        Who::KeyAll => key_allows(
            &atgt_core::auth::SCOPES
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>(),
            perm,
        ),
        Who::KeyNone => key_allows(&[], perm),
    }
}

#[tokio::test]
async fn every_route_answers_by_the_permission_matrix() {
    each_backend!(|app| {
        let mut whos = vec![Who::Anonymous, Who::KeyAll, Who::KeyNone];
        whos.extend(Role::ALL.map(Who::User));
        let mut checked = 0;
        let mut failures = Vec::new();
        for route in table() {
            let spec = &route.spec;
            for who in &whos {
                // POST /login checks its own pre-session token (tested in auth.rs).
                if spec.path == "/login" && spec.method == Method::POST {
                    continue;
                }
                let (status, loc) = request(&app, *who, spec).await;
                let allowed = expected(*who, spec.perm);
                let denied_by_login =
                    status == 401 || (status == 303 && loc.starts_with("/login?next="));
                let ok = if allowed {
                    status != 403 && !denied_by_login && status != 500
                } else {
                    match who {
                        Who::Anonymous => denied_by_login,
                        _ => status == 403,
                    }
                };
                if !ok {
                    failures.push(format!(
                        "{:?} {} {:?} as {:?}: {status} {loc} (allowed: {allowed})",
                        spec.method, spec.path, spec.perm, who
                    ));
                }
                checked += 1;
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {checked} checks failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(checked > 400, "{checked}");
    });
}

#[tokio::test]
async fn openapi_lists_exactly_the_api_routes() {
    each_backend!(|app| {
        let (status, body) = app.get_as(None, "/api/v1/openapi.json").await;
        assert_eq!(status, 200);
        let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(
            doc["openapi"].as_str().unwrap().starts_with("3.1"),
            "{}",
            doc["openapi"]
        );
        let paths = doc["paths"].as_object().unwrap();
        let mut in_doc: Vec<String> = Vec::new();
        for (p, ops) in paths {
            for m in ops.as_object().unwrap().keys() {
                in_doc.push(format!("{} {p}", m.to_uppercase()));
            }
        }
        let mut in_table: Vec<String> = table()
            .iter()
            .filter(|r| r.spec.path.starts_with("/api/"))
            .map(|r| format!("{} {}", r.spec.method, r.spec.path))
            .collect();
        in_doc.sort();
        in_table.sort();
        assert_eq!(in_doc, in_table);
    });
}

#[tokio::test]
async fn unknown_paths_are_404_in_the_users_language() {
    each_backend!(|app| {
        let (status, body) = app.get_as(Some(Role::Leader), "/khong-co-trang-nay").await;
        assert_eq!(status, 404);
        assert!(
            body.contains("Không tìm thấy trang hoặc dữ liệu yêu cầu."),
            "{body}"
        );
        let (status, body) = app.get_as(None, "/api/v1/khong-co").await;
        assert_eq!(status, 404);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["code"], "not_found");
    });
}
