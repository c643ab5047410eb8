//! The data hub through the web: each partner reads and writes only within its scopes;
//! sync by NDJSON and CSV is idempotent under re-send, with per-line messages naming
//! the line and the field; owners' data is hidden from roles that do not need it and
//! every read of it (and of a crash's people) lands in the access log.

use crate::each_backend;
use crate::helpers::{TestApp, body_text, location};
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use axum::body::Body;
use axum::http::{Method, Request, header};

async fn key(app: &TestApp, name: &str, scopes: &[&str]) -> String {
    let (key, prefix) = atgt_web::auth::token::new_api_key();
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    app.store()
        .apikey_create(
            &Actor::system(),
            &prefix,
            &atgt_web::auth::token::sha256_hex(&key),
            name,
            &scopes,
            None,
        )
        .await
        .unwrap();
    key
}

async fn call(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    ctype: &str,
    body: &str,
) -> (u16, String) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, ctype)
        .body(Body::from(body.to_string()))
        .unwrap();
    let resp = app.send(req).await;
    let s = resp.status().as_u16();
    (s, body_text(resp).await)
}

const VEHICLES: &str = r#"{"record_id":"DK-1","version":1,"plate":"79A-123.45","colour":"white","kind":"car","make":"Toyota","seats":5,"owner_kind":"person","owner_name":"Nguyễn Thị Hoa","owner_id_no":"056190001111","owner_address":"Phường Phan Rang","registered_on":"2021-05-04"}
{"record_id":"DK-2","version":1,"plate":"51K67890","colour":"white","kind":"truck","make":"Hino","load_kg":8000,"owner_kind":"org","owner_name":"Công ty TNHH Vận tải Ninh Hải","owner_id_no":"4500123456","registered_on":"2020-01-10"}
"#;

const CERTS: &str = "record_id,version,plate,certificate_no,station,inspected_on,valid_until,result,bed_length_mm,bed_width_mm,bed_height_mm
KD-1,1,79a12345,KĐ-0001,7901D,2025-01-05,2026-01-04,pass,,,
KD-2,1,51K-678.90,KĐ-0002,7901D,2025-02-01,2026-01-31,pass,6200,2350,800
KD-3,1,29A-999.99,KĐ-0003,7901D,2025-02-01,2026-01-31,pass,,,
";

#[tokio::test]
async fn partners_read_and_write_only_within_their_scopes() {
    each_backend!(|app| {
        let registry = key(
            &app,
            "Phòng Cảnh sát giao thông - đăng ký xe",
            &["hub:vehicles:write"],
        )
        .await;
        let inspection = key(
            &app,
            "Trung tâm Đăng kiểm 7901D",
            &["hub:inspections:write", "hub:flags:read"],
        )
        .await;
        let police = key(
            &app,
            "Hệ thống xử lý vi phạm",
            &["hub:read", "hub:owners:read"],
        )
        .await;
        let nd = "application/x-ndjson";
        // The registry writes vehicles, and nothing else.
        let (s, body) = call(
            &app,
            &registry,
            Method::POST,
            "/api/v1/hub/vehicles/sync",
            nd,
            VEHICLES,
        )
        .await;
        assert_eq!(s, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["applied"], 2);
        let (s, _) = call(
            &app,
            &registry,
            Method::POST,
            "/api/v1/hub/inspections/sync",
            "text/csv",
            CERTS,
        )
        .await;
        assert_eq!(s, 403);
        let (s, _) = call(
            &app,
            &registry,
            Method::GET,
            "/api/v1/hub/vehicles/79A12345/owner?purpose=inspection",
            "",
            "",
        )
        .await;
        assert_eq!(s, 403);
        // Re-sent: nothing changes.
        let (_, body) = call(
            &app,
            &registry,
            Method::POST,
            "/api/v1/hub/vehicles/sync",
            nd,
            VEHICLES,
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (v["applied"].as_i64(), v["unchanged"].as_i64()),
            (Some(0), Some(2))
        );
        // Inspection writes certificates (CSV) and reads flags, but not vehicles nor owners.
        let (s, body) = call(
            &app,
            &inspection,
            Method::POST,
            "/api/v1/hub/inspections/sync",
            "text/csv",
            CERTS,
        )
        .await;
        assert_eq!(s, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (v["applied"].as_i64(), v["errors"].as_i64()),
            (Some(2), Some(1))
        );
        let bad = v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["line"] == 4)
            .unwrap();
        assert_eq!(bad["errors"][0]["field"], "plate");
        assert_eq!(bad["errors"][0]["code"], "hub.error.unknown_vehicle");
        let (s, body) = call(
            &app,
            &inspection,
            Method::GET,
            "/api/v1/hub/vehicles/79A-123.45/flags",
            "",
            "",
        )
        .await;
        assert_eq!(s, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["unresolved_violation_block"], false);
        for (m, path) in [
            (Method::POST, "/api/v1/hub/vehicles/sync"),
            (
                Method::GET,
                "/api/v1/hub/vehicles/79A12345/owner?purpose=inspection",
            ),
            (Method::GET, "/api/v1/hub/vehicles/79A12345"),
            (Method::GET, "/api/v1/hub/changes"),
        ] {
            let (s, _) = call(&app, &inspection, m.clone(), path, nd, VEHICLES).await;
            assert_eq!(s, 403, "{m} {path}");
        }
        // The police read owners, with a purpose, and the read is logged; they cannot write.
        let (s, _) = call(
            &app,
            &police,
            Method::GET,
            "/api/v1/hub/vehicles/79A12345/owner",
            "",
            "",
        )
        .await;
        assert_eq!(s, 422);
        let (s, body) = call(
            &app,
            &police,
            Method::GET,
            "/api/v1/hub/vehicles/79a-123.45/owner?purpose=owner_notice",
            "",
            "",
        )
        .await;
        assert_eq!(s, 200, "{body}");
        assert!(body.contains("Nguyễn Thị Hoa"));
        let log = app.store().pd_access("056190001111", 10).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].actor_name, "Hệ thống xử lý vi phạm");
        assert_eq!(
            (log[0].purpose.as_str(), log[0].via.as_str()),
            ("owner_notice", "api")
        );
        let (s, _) = call(
            &app,
            &police,
            Method::POST,
            "/api/v1/hub/inspections/sync",
            "text/csv",
            CERTS,
        )
        .await;
        assert_eq!(s, 403);
        let (s, _) = call(
            &app,
            &police,
            Method::GET,
            "/api/v1/hub/vehicles/79A12345/flags",
            "",
            "",
        )
        .await;
        assert_eq!(s, 403);
        // The plain vehicle record carries no personal data.
        let (s, body) = call(
            &app,
            &police,
            Method::GET,
            "/api/v1/hub/vehicles/79A12345",
            "",
            "",
        )
        .await;
        assert_eq!(s, 200);
        assert!(
            !body.contains("Nguyễn Thị Hoa") && !body.contains("056190001111"),
            "{body}"
        );
        // The change feed from a cursor.
        let (_, body) = call(
            &app,
            &police,
            Method::GET,
            "/api/v1/hub/changes?since=0&limit=2",
            "",
            "",
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        let next = v["next"].as_i64().unwrap();
        let (_, body) = call(
            &app,
            &police,
            Method::GET,
            &format!("/api/v1/hub/changes?since={next}"),
            "",
            "",
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        assert_eq!(v["items"][0]["kind"], "inspections");
    });
}

#[tokio::test]
async fn sync_messages_name_the_line_and_field_in_the_callers_language() {
    each_backend!(|app| {
        let k = key(&app, "Sở Xây dựng", &["hub:licences:write"]).await;
        let body = r#"{"record_id":"GP-1","version":1,"licence_no":"790123456789","class":"B","holder_name":"Lê Văn Cường","holder_id_no":"056090004321","issued_on":"2015-03-01"}
{"record_id":"GP-2","version":1,"licence_no":"790123456790","class":"B","holder_name":"Phạm Thị Dung","holder_id_no":"056090004322","issued_on":"30/02/2015"}
"#;
        let (s, out) = call(
            &app,
            &k,
            Method::POST,
            "/api/v1/hub/licences/sync",
            "application/x-ndjson",
            body,
        )
        .await;
        assert_eq!(s, 200);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let msg = v["lines"][1]["errors"][0]["message"].as_str().unwrap();
        assert!(
            msg.starts_with("Dòng 2:") && msg.contains("Ngày cấp"),
            "{msg}"
        );
        // A stale version is refused with its reason.
        let stale = body
            .lines()
            .next()
            .unwrap()
            .replace("\"version\":1", "\"version\":0");
        let (_, out) = call(
            &app,
            &k,
            Method::POST,
            "/api/v1/hub/licences/sync",
            "application/x-ndjson",
            &stale,
        )
        .await;
        assert!(out.contains("hub.error.bad_version"), "{out}");
        let newer = body
            .lines()
            .next()
            .unwrap()
            .replace("\"version\":1", "\"version\":2");
        call(
            &app,
            &k,
            Method::POST,
            "/api/v1/hub/licences/sync",
            "application/x-ndjson",
            &newer,
        )
        .await;
        let (_, out) = call(
            &app,
            &k,
            Method::POST,
            "/api/v1/hub/licences/sync",
            "application/x-ndjson",
            body.lines().next().unwrap(),
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["lines"][0]["status"], "stale");
        assert!(
            v["lines"][0]["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("Phiên bản")
        );
    });
}

#[tokio::test]
async fn pages_hide_owners_from_roles_that_do_not_need_them_and_log_every_read() {
    each_backend!(|app| {
        let registry = key(&app, "Đăng ký xe", &["hub:vehicles:write"]).await;
        call(
            &app,
            &registry,
            Method::POST,
            "/api/v1/hub/vehicles/sync",
            "application/x-ndjson",
            VEHICLES,
        )
        .await;
        // Search by any spelling of the plate.
        let (s, html) = app
            .get_as(Some(Role::Leader), "/hub?q=79a%20123%2045")
            .await;
        assert_eq!(s, 200);
        assert!(html.contains("/hub/vehicles/79A12345"), "{html}");
        // A leader sees the vehicle but not its owner, and no purpose form.
        let (s, html) = app
            .get_as(Some(Role::Leader), "/hub/vehicles/79A-123.45?purpose=audit")
            .await;
        assert_eq!(s, 200);
        assert!(
            html.contains("Toyota")
                && !html.contains("Nguyễn Thị Hoa")
                && !html.contains("056190001111")
        );
        // The police officer must give a purpose first.
        let (_, html) = app
            .get_as(Some(Role::PoliceOfficer), "/hub/vehicles/79A12345")
            .await;
        assert!(!html.contains("Nguyễn Thị Hoa") && html.contains("name=\"purpose\""));
        assert!(
            app.store()
                .pd_access("056190001111", 10)
                .await
                .unwrap()
                .is_empty()
        );
        let (_, html) = app
            .get_as(
                Some(Role::PoliceOfficer),
                "/hub/vehicles/79A12345?purpose=violation_handling",
            )
            .await;
        assert!(html.contains("Nguyễn Thị Hoa"), "{html}");
        // Searching by ID number is personal data too: needs a purpose, then logged.
        let (_, html) = app
            .get_as(Some(Role::PoliceOfficer), "/hub?q=056190001111")
            .await;
        assert!(!html.contains("/hub/vehicles/79A12345"));
        let (_, html) = app
            .get_as(
                Some(Role::PoliceOfficer),
                "/hub?q=056190001111&purpose=violation_handling",
            )
            .await;
        assert!(html.contains("/hub/vehicles/79A12345"), "{html}");
        let log = app.store().pd_access("", 10).await.unwrap();
        assert_eq!(log.len(), 2);
        assert!(log.iter().all(|e| e.actor_name == "u.police-officer"));
        // The auditor exports the subject's history; the police officer may not.
        let (s, csv) = app
            .get_as(Some(Role::Auditor), "/hub/access.csv?subject=056190001111")
            .await;
        assert_eq!(s, 200);
        assert!(
            csv.contains("vehicle:79A12345") && csv.contains("Xử lý vi phạm hành chính"),
            "{csv}"
        );
        let (s, _) = app
            .get_as(
                Some(Role::PoliceOfficer),
                "/hub/access.csv?subject=056190001111",
            )
            .await;
        assert_eq!(s, 403);
        // The public sees none of it.
        let (s, _) = app.get_as(None, "/api/v1/hub/vehicles/79A12345").await;
        assert_eq!(s, 401);
    });
}

#[tokio::test]
async fn crash_people_reads_are_in_the_access_log_and_on_the_vehicle_page() {
    each_backend!(|app| {
        let form = [
            ("date", "2025-09-02"),
            ("time", "18:05"),
            ("commune_code", "22861"),
            ("p0_outcome", "injured"),
            ("p0_role", "driver"),
            ("p0_age", "18-24"),
            ("v0_kind", "car"),
            ("v0_plate", "79a-123.45"),
        ];
        let resp = app
            .post_form_as(Role::PoliceOfficer, "/crashes", &form)
            .await;
        assert_eq!(resp.status(), 303);
        let url = location(&resp);
        let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
        let subject = format!("crash:{id}");
        // A leader does not see the people: nothing logged.
        app.get_as(Some(Role::Leader), &url).await;
        assert!(
            app.store()
                .pd_access(&subject, 10)
                .await
                .unwrap()
                .is_empty()
        );
        app.get_as(Some(Role::PoliceOfficer), &url).await;
        let (s, _) = app
            .get_as(
                Some(Role::Analyst),
                &format!("/api/v1/crashes/{id}/versions"),
            )
            .await;
        assert_eq!(s, 200);
        let log = app.store().pd_access(&subject, 10).await.unwrap();
        let vias: Vec<(&str, &str)> = log
            .iter()
            .map(|e| (e.actor_name.as_str(), e.via.as_str()))
            .collect();
        assert_eq!(
            vias,
            vec![("u.analyst", "api"), ("u.police-officer", "page")]
        );
        // The vehicle page gathers the crash.
        let registry = key(&app, "Đăng ký xe", &["hub:vehicles:write"]).await;
        call(
            &app,
            &registry,
            Method::POST,
            "/api/v1/hub/vehicles/sync",
            "application/x-ndjson",
            VEHICLES,
        )
        .await;
        let (_, html) = app
            .get_as(Some(Role::Analyst), "/hub/vehicles/79A12345")
            .await;
        assert!(html.contains(&format!("/crashes/{id}")), "{html}");
    });
}

/// A vehicle (79A-123.45) and a licence (790123456789) in the hub, for page tests.
pub async fn seed(app: &TestApp) {
    use atgt_core::hub::Kind;
    let a = Actor::api_key(1, "Dữ liệu thử");
    let l = atgt_store::hub::input::lines(VEHICLES.as_bytes(), false);
    app.store()
        .hub_sync(&a, Kind::Vehicles, l, "seed")
        .await
        .unwrap();
    let l = atgt_store::hub::input::lines(CERTS.as_bytes(), true);
    app.store()
        .hub_sync(&a, Kind::Inspections, l, "seed")
        .await
        .unwrap();
    let lic = r#"{"record_id":"GP-1","version":1,"licence_no":"790123456789","class":"B","holder_name":"Lê Văn Cường","holder_id_no":"056090004321","issued_on":"2015-03-01"}"#;
    let l = atgt_store::hub::input::lines(lic.as_bytes(), false);
    app.store()
        .hub_sync(&a, Kind::Licences, l, "seed")
        .await
        .unwrap();
}

#[tokio::test]
async fn the_cross_check_rules_are_editable_data_and_bad_files_are_refused() {
    each_backend!(|app| {
        let (s, html) = app
            .get_as(Some(Role::Admin), "/admin/rules/hub-checks")
            .await;
        assert_eq!(s, 200);
        assert!(html.contains("Thông tư 73/2024/TT-BCA"));
        let bad = atgt_core::hub::checks::DEFAULT_RULES
            .replace("code = \"no_badge\"", "code = \"khong_co\"");
        let resp = app
            .post_form_as(Role::Admin, "/admin/rules/hub-checks", &[("content", &bad)])
            .await;
        assert_eq!(resp.status(), 422);
        // A wider tolerance is saved and applied.
        let wider = atgt_core::hub::checks::DEFAULT_RULES
            .replace("bed_tolerance_mm = 50", "bed_tolerance_mm = 500");
        let resp = app
            .post_form_as(
                Role::Admin,
                "/admin/rules/hub-checks",
                &[("content", &wider)],
            )
            .await;
        assert_eq!(resp.status(), 303);
        assert_eq!(
            app.store()
                .hub_check_rules()
                .await
                .unwrap()
                .params
                .bed_tolerance_mm,
            500
        );
    });
}
