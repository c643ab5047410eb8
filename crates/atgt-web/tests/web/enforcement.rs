//! Cameras and violation processing (issue 6) through the router, on both backends:
//! ingest with line-numbered refusals and duplicates, detection into cases, the
//! four-eyes rules over the API and the pages, the notice letter, patrol entries and
//! licence points.

use crate::each_backend;
use crate::helpers::{TestApp, body_text, location};
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use atgt_store::enforcement::{Camera, NewCase};
use axum::body::Body;
use axum::http::{Request, header};

/// A speed camera on QL1A and one open case; returns the case id (idempotent).
pub async fn fixture_case(app: &TestApp) -> i64 {
    let st = app.store();
    st.camera_put(
        &Actor::system(),
        &Camera {
            id: "CAM-QL1A-1530".into(),
            name: "QL1A Km 1530".into(),
            kind: "speed".into(),
            route: Some("QL1A".into()),
            km: Some(1530.2),
            lon: Some(109.15),
            lat: Some(11.9),
            direction: "Bắc → Nam".into(),
            owner_org_id: None,
            vendor: "Test".into(),
            status: "active".into(),
            last_seen_us: None,
            uptime_pct: 0.0,
        },
    )
    .await
    .unwrap();
    st.cases_open(
        &Actor::system(),
        vec![NewCase {
            kind: "spot_speed".into(),
            dedup_key: "fixture".into(),
            plate_key: "79A12345".into(),
            plate_display: "79A-123.45".into(),
            camera_id: Some("CAM-QL1A-1530".into()),
            detected_at_us: atgt_store::now_us(),
            behaviour: "speed_car_20_35".into(),
            measured: Some(25.0),
            evidence: serde_json::json!({"reads": []}),
            licence_no: None,
            officer_id: None,
        }],
    )
    .await
    .unwrap();
    let (cases, _) = st.cases(&Default::default(), 1000, 0).await.unwrap();
    cases
        .iter()
        .find(|c| c.plate_key == "79A12345" && c.kind == "spot_speed")
        .map(|c| c.id)
        .unwrap()
}

async fn act(
    app: &TestApp,
    role: Role,
    id: i64,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let (cookie, csrf) = app.session(role).await;
    let resp = app
        .send(
            Request::post(format!("/api/v1/cases/{id}/actions"))
                .header(header::COOKIE, cookie)
                .header("x-csrf-token", csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    let status = resp.status().as_u16();
    (
        status,
        serde_json::from_str(&body_text(resp).await).unwrap(),
    )
}

#[tokio::test]
async fn a_dismissal_needs_a_second_person_and_a_downgrade_needs_a_reason() {
    each_backend!(|app| {
        let id = fixture_case(&app).await;
        // One person alone cannot dismiss: proposing is allowed, approving it is refused.
        let (s, v) = act(
            &app,
            Role::PoliceOfficer,
            id,
            serde_json::json!({"action": "propose_dismiss", "reason": "Ảnh không rõ biển số"}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["state"], "detected");
        let (s, v) = act(
            &app,
            Role::PoliceOfficer,
            id,
            serde_json::json!({"action": "approve"}),
        )
        .await;
        assert_eq!(s, 422, "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Người đề xuất không được tự phê duyệt"),
            "{v}"
        );
        assert_eq!(
            app.store().case(id).await.unwrap().state.as_str(),
            "detected"
        );
        // While the proposal waits, nothing else moves.
        let (s, _) = act(
            &app,
            Role::PoliceOfficer,
            id,
            serde_json::json!({"action": "review"}),
        )
        .await;
        assert_eq!(s, 422);
        // The supervisor rejects it; the officer reviews and confirms.
        let (s, v) = act(
            &app,
            Role::Supervisor,
            id,
            serde_json::json!({"action": "reject", "reason": "Ảnh đủ rõ"}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        for a in ["review", "confirm"] {
            let (s, v) = act(
                &app,
                Role::PoliceOfficer,
                id,
                serde_json::json!({"action": a}),
            )
            .await;
            assert_eq!(s, 200, "{a}: {v}");
        }
        // A downgrade without a reason is refused, naming the reason.
        let (s, v) = act(&app, Role::PoliceOfficer, id, serde_json::json!({"action": "propose_downgrade", "behaviour": "speed_car_10_20", "measured": 15.0, "reason": ""})).await;
        assert_eq!(s, 422, "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains("lý do"),
            "{v}"
        );
        // With a reason it waits for the supervisor; the supervisor cannot approve
        // their own proposal either.
        let (s, _) = act(&app, Role::Supervisor, id, serde_json::json!({"action": "propose_downgrade", "behaviour": "speed_car_10_20", "measured": 15.0, "reason": "Sai số thiết bị đo đã kiểm định"})).await;
        assert_eq!(s, 200);
        let (s, _) = act(
            &app,
            Role::Supervisor,
            id,
            serde_json::json!({"action": "approve"}),
        )
        .await;
        assert_eq!(s, 422);
        // Police officers hold no approval rank.
        let (s, v) = act(
            &app,
            Role::PoliceOfficer,
            id,
            serde_json::json!({"action": "approve"}),
        )
        .await;
        assert_eq!(s, 422, "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains("chỉ huy"),
            "{v}"
        );
        // Dismissal by two different people goes through.
        let (s, _) = act(
            &app,
            Role::Supervisor,
            id,
            serde_json::json!({"action": "reject", "reason": "Không chấp nhận"}),
        )
        .await;
        assert_eq!(s, 200);
        let (s, _) = act(&app, Role::PoliceOfficer, id, serde_json::json!({"action": "propose_dismiss", "reason": "Xe ưu tiên đang làm nhiệm vụ"})).await;
        assert_eq!(s, 200);
        let (s, v) = act(
            &app,
            Role::Supervisor,
            id,
            serde_json::json!({"action": "approve"}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["state"], "dismissed");
        // Everything is in the chain, and the chain (with the case rows) verifies.
        let log = app
            .store()
            .audit_list(&atgt_store::audit::AuditFilter {
                entity_kind: Some("violation_case".into()),
                entity_id: Some(id.to_string()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "case.propose_dismiss",
                "case.reject",
                "case.review",
                "case.confirm",
                "case.propose_downgrade",
                "case.reject",
                "case.propose_dismiss",
                "case.approve"
            ]
        );
        let v = app.store().audit_verify().await.unwrap();
        assert!(v.broken.is_none(), "{v:?}");
        // The supervisors' view: the officer's dismissal proposals are counted.
        let (s, html) = app.get_as(Some(Role::Supervisor), "/enforcement").await;
        assert_eq!(s, 200);
        assert!(html.contains("Tỷ lệ đề xuất miễn xử lý"), "{html}");
        // The camera map is drawn over the crash density layer of the black spots.
        assert!(html.contains(r#"data-extra-geojson-url="/hotspots/kde.geojson""#));
        let (s, kde) = app
            .get_as(Some(Role::Supervisor), "/hotspots/kde.geojson")
            .await;
        assert_eq!(s, 200);
        assert!(kde.contains("FeatureCollection"), "{kde}");
        let (s, html) = app
            .get_as(Some(Role::Supervisor), &format!("/enforcement/cases/{id}"))
            .await;
        assert_eq!(s, 200);
        assert!(
            html.contains("Miễn xử lý") && html.contains("Xe ưu tiên đang làm nhiệm vụ"),
            "{html}"
        );
    });
}

#[tokio::test]
async fn ingest_then_detection_opens_cases_with_evidence_and_a_notice() {
    each_backend!(|app| {
        fixture_case(&app).await;
        let t = "2026-11-25T08:00:00+07:00";
        let body = format!(
            "{}\n{}\nnot json\n{}\n{}\n",
            format_args!(
                r#"{{"event_id":"r1","camera_id":"CAM-QL1A-1530","read_at":"{t}","plate":"51k 678 90","speed_kmh":118,"vehicle_class":"car"}}"#
            ),
            format_args!(
                r#"{{"event_id":"r2","camera_id":"CAM-QL1A-1530","read_at":"{t}","plate":"85C1-234.56","speed_kmh":70,"vehicle_class":"motorbike"}}"#
            ),
            format_args!(
                r#"{{"event_id":"r3","camera_id":"CAM-QL1A-1530","read_at":"{t}","plate":"?? ???","speed_kmh":130}}"#
            ),
            format_args!(
                r#"{{"event_id":"r1","camera_id":"CAM-QL1A-1530","read_at":"{t}","plate":"51K67890","speed_kmh":118}}"#
            ),
        );
        let send = |body: String| {
            Request::post("/api/v1/plate-reads")
                .header(header::AUTHORIZATION, format!("Bearer {}", app.key_all))
                .header(header::CONTENT_TYPE, "application/x-ndjson")
                .body(Body::from(body))
                .unwrap()
        };
        let resp = app.send(send(body.clone())).await;
        assert_eq!(resp.status(), 200);
        let v: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
        assert_eq!(v["accepted"], 3, "{v}");
        assert_eq!(v["duplicates"], 1, "{v}");
        assert_eq!(v["rejected"][0]["line"], 3, "{v}");
        // The same body again: all duplicates, nothing stored twice.
        let resp = app.send(send(body)).await;
        let v: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
        assert_eq!(v["accepted"], 0, "{v}");
        assert_eq!(v["duplicates"], 4, "{v}");
        assert_eq!(app.store().reads_count().await.unwrap(), 3);
        // A key without the scope is refused.
        let resp = app
            .send(
                Request::post("/api/v1/plate-reads")
                    .header(header::AUTHORIZATION, format!("Bearer {}", app.key_none))
                    .body(Body::from("{}"))
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status(), 403);
        // Detection: the car at 118 in an 80 zone (QL1A), the motorbike at 70 in 60;
        // the unreadable plate opens nothing but waits for review.
        let r = app
            .store()
            .detect(&Actor::system(), 0, i64::MAX / 2)
            .await
            .unwrap();
        assert_eq!((r.spot_speed, r.opened), (2, 2), "{r:?}");
        let (_, html) = app.get_as(Some(Role::PoliceOfficer), "/enforcement").await;
        assert!(
            html.contains("51K-678.90") && html.contains("85C1-234.56"),
            "{html}"
        );
        assert!(
            html.contains("?? ???"),
            "unreadable plates are listed for review"
        );
        let (cases, _) = app
            .store()
            .cases(
                &atgt_store::enforcement::CaseFilter {
                    plate: Some("51k67890".into()),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .unwrap();
        let c = &cases[0];
        assert_eq!(c.behaviour, "speed_car_over_35");
        assert_eq!(c.measured, Some(38.0));
        let (s, html) = app
            .get_as(
                Some(Role::PoliceOfficer),
                &format!("/enforcement/cases/{}", c.id),
            )
            .await;
        assert_eq!(s, 200);
        assert!(
            html.contains("Điều 6 khoản 7 điểm a") && html.contains("12.000.000"),
            "{html}"
        );
        // Running detection again opens nothing twice.
        let r = app
            .store()
            .detect(&Actor::system(), 0, i64::MAX / 2)
            .await
            .unwrap();
        assert_eq!(r.opened, 0);
        // The notice letter.
        let (cookie, _) = app.session(Role::PoliceOfficer).await;
        let resp = app
            .send(
                Request::get(format!("/enforcement/cases/{}/notice.docx", c.id))
                    .header(header::COOKIE, cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status(), 200);
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
            .await
            .unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let v = app.store().audit_verify().await.unwrap();
        assert!(v.broken.is_none(), "{v:?}");
    });
}

#[tokio::test]
async fn patrol_entries_pick_the_band_and_licence_points_follow_decisions() {
    each_backend!(|app| {
        let resp = app
            .post_form_as(
                Role::PoliceOfficer,
                "/enforcement/patrol",
                &[
                    ("plate", "79-B1 456.78"),
                    ("group", "alcohol"),
                    ("vehicle", "motorbike"),
                    ("measured", "0,3"),
                    ("licence_no", "790123456789"),
                    ("place", "ĐT704 Km 3"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 303);
        let to = location(&resp);
        let id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
        let c = app.store().case(id).await.unwrap();
        assert_eq!(c.behaviour, "alcohol_moto_2");
        assert_eq!(c.plate_display, "79B1-456.78");
        // A value in no band is refused with a message.
        let resp = app
            .post_form_as(
                Role::PoliceOfficer,
                "/enforcement/patrol",
                &[
                    ("plate", "79B145678"),
                    ("group", "overload"),
                    ("vehicle", "truck"),
                    ("measured", "5"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 422);
        assert!(body_text(resp).await.contains("khung vi phạm"));
        // Decide the case: 10 points off the licence.
        for (role, a) in [
            (Role::PoliceOfficer, "review"),
            (Role::PoliceOfficer, "confirm"),
        ] {
            let r = app
                .post_form_as(
                    role,
                    &format!("/enforcement/cases/{id}/action"),
                    &[("action", a)],
                )
                .await;
            assert_eq!(r.status(), 303, "{a}");
        }
        let r = app
            .post_form_as(
                Role::PoliceOfficer,
                &format!("/enforcement/cases/{id}/action"),
                &[("action", "decide"), ("fine_vnd", "7.000.000")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, html) = app
            .get_as(
                Some(Role::PoliceOfficer),
                "/enforcement/licences?no=790123456789",
            )
            .await;
        assert!(html.contains("<strong>2</strong> / 12"), "{html}");
    });
}

#[tokio::test]
async fn camera_images_are_bound_by_sha256_and_cameras_register_over_the_api() {
    each_backend!(|app| {
        // A supervisor registers a camera over the API; a bad kind is refused by field.
        let (cookie, csrf) = app.session(Role::Supervisor).await;
        let put = |body: serde_json::Value| {
            Request::post("/api/v1/cameras")
                .header(header::COOKIE, cookie.clone())
                .header("x-csrf-token", csrf.clone())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let cam = serde_json::json!({"id": "ANPR-704-8", "name": "ĐT704 Km 8", "kind": "anpr", "route": "ĐT704", "km": 8.0,
            "lon": 109.06, "lat": 11.62, "direction": "Hai chiều", "owner_org_id": null, "vendor": "V", "status": "active"});
        let resp = app.send(put(cam.clone())).await;
        assert_eq!(resp.status(), 200);
        let mut bad = cam.clone();
        bad["kind"] = "drone".into();
        let resp = app.send(put(bad)).await;
        assert_eq!(resp.status(), 422);
        let e: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
        assert_eq!(e["error"]["field"], "kind");
        // The camera uploads an image, then a read naming it.
        let png = b"\x89PNG\r\n\x1a\n-sample-plate-image-bytes".to_vec();
        let resp = app
            .send(
                Request::post("/api/v1/plate-reads/images")
                    .header(header::AUTHORIZATION, format!("Bearer {}", app.key_all))
                    .body(Body::from(png.clone()))
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status(), 200);
        let v: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
        let sha = v["sha256"].as_str().unwrap().to_string();
        let line = format!(
            r#"{{"event_id":"img1","camera_id":"ANPR-704-8","read_at":"2026-11-25T08:00:00Z","plate":"79A12345","image_sha256":"{sha}"}}"#
        );
        let resp = app
            .send(
                Request::post("/api/v1/plate-reads")
                    .header(header::AUTHORIZATION, format!("Bearer {}", app.key_all))
                    .body(Body::from(line))
                    .unwrap(),
            )
            .await;
        let v: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
        assert_eq!(v["accepted"], 1, "{v}");
        let (cookie, _) = app.session(Role::PoliceOfficer).await;
        let resp = app
            .send(
                Request::get(format!("/enforcement/images/{sha}"))
                    .header(header::COOKIE, cookie.clone())
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()[header::CONTENT_TYPE], "image/png");
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(bytes.as_ref(), png.as_slice());
        // An image no read refers to is not served.
        let other = "0".repeat(64);
        let resp = app
            .send(
                Request::get(format!("/enforcement/images/{other}"))
                    .header(header::COOKIE, cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status(), 404);
        // The OpenALPR webhook shape goes through the same path.
        let hook = serde_json::json!({"data_type": "alpr_group", "epoch_start": 1_795_568_400_000i64, "camera_id": "ANPR-704-8",
            "best_plate_number": "85C123456", "best_confidence": 91.0, "best_uuid": "u-1"});
        let resp = app
            .send(
                Request::post("/api/v1/plate-reads/alpr-group")
                    .header(header::AUTHORIZATION, format!("Bearer {}", app.key_all))
                    .body(Body::from(hook.to_string()))
                    .unwrap(),
            )
            .await;
        let v: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
        assert_eq!(v["accepted"], 1, "{v}");
        assert_eq!(app.store().reads_count().await.unwrap(), 2);
    });
}
