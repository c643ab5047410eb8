//! Events through the web: the pages render with their figures, refused input shows a
//! clear error and saves nothing, the activation history is audited, a counting device
//! reports occupancy with its own key scope, the public page shows active diversions
//! without login, and the peak-period report is read back by real parsers.

use crate::each_backend;
use crate::helpers::{TestApp, body_text, location};
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use atgt_store::events::{DiversionInput, IncidentInput, ParkingInput, PeakInput, local_range_us};
use axum::body::Body;
use axum::http::{Request, header};
use calamine::{DataType, Reader};
use jiff::civil::date;
use std::io::Read;

const MIN: i64 = 60_000_000;

/// 08:00 on 30/4/2026, Vietnam time.
fn t0() -> i64 {
    local_range_us(date(2026, 4, 30), date(2026, 4, 30)).0 + 8 * 60 * MIN
}

pub const GEOMETRY: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"kind":"closed"},"geometry":{"type":"LineString","coordinates":[[109.030,11.590],[109.036,11.596]]}},
 {"type":"Feature","properties":{"kind":"staff_post","label":"Chốt ngã ba"},"geometry":{"type":"Point","coordinates":[109.030,11.590]}}]}"#;

/// A peak with two ended congestion incidents (20 and 90 minutes), a parking area with
/// two reports (100 and 190 of 200), and a diversion plan. Returns (peak, parking, plan).
pub async fn seed(app: &TestApp) -> (i64, i64, i64) {
    let a = Actor::system();
    let s = app.store();
    let peak = s
        .peak_create(
            &a,
            &PeakInput {
                name: "Lễ 30/4 – 1/5".into(),
                kind: "holiday".into(),
                starts_on: "2026-04-30".into(),
                ends_on: "2026-05-03".into(),
                expected_visitors: 45_000,
                measures: "Phân luồng đường vào biển Ninh Chữ".into(),
            },
        )
        .await
        .unwrap();
    for (i, m, q) in [(0, 20, 150), (1, 90, 900)] {
        s.incident_create(
            &a,
            &IncidentInput {
                started_at_us: t0() + i * 180 * MIN,
                ended_at_us: Some(t0() + i * 180 * MIN + m * MIN),
                place: "Ngã ba Ninh Chữ".into(),
                cause: "tourist_traffic".into(),
                queue_m: q,
                handling_unit: "Công an phường Ninh Chử".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let park = s
        .parking_create(
            &a,
            &ParkingInput {
                name: "Bãi xe biển Ninh Chữ".into(),
                capacity: 200,
                fee_car_vnd: 30_000,
                fee_motorbike_vnd: 5_000,
                lon: Some(109.031),
                lat: Some(11.592),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.parking_report(&a, park.id, t0(), 100, "form")
        .await
        .unwrap();
    s.parking_report(&a, park.id, t0() + 120 * MIN, 190, "api")
        .await
        .unwrap();
    let plan = s
        .diversion_create(
            &a,
            &DiversionInput {
                name: "Phân luồng khu vực biển Ninh Chữ".into(),
                area: "Phường Ninh Chử".into(),
                description: "Cấm ô tô vào đường ven biển 16h–22h".into(),
                geometry: GEOMETRY.into(),
                valid_from: "2026-04-30".into(),
                valid_until: "2026-05-03".into(),
                peak_id: Some(peak.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (peak.id, park.id, plan.id)
}

#[tokio::test]
async fn pages_render_with_their_figures() {
    each_backend!(|app| {
        let (_, park, plan) = seed(&app).await;
        let q = "?from=2026-04-01&to=2026-05-31";
        let (status, html) = app
            .get_as(Some(Role::Leader), &format!("/events/incidents{q}"))
            .await;
        assert_eq!(status, 200);
        // 20 and 90 minutes: mean 55, median 55, one at or over 60 minutes.
        assert!(html.contains("Số vụ kéo dài từ 60 phút trở lên"), "{html}");
        assert!(html.contains("55 phút"), "{html}");
        assert!(
            html.contains("90 phút") && html.contains("Ngã ba Ninh Chữ"),
            "{html}"
        );
        let (status, html) = app
            .get_as(Some(Role::Leader), &format!("/events/parking/{park}"))
            .await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Bãi xe biển Ninh Chữ") && html.contains("30.000 đ"),
            "{html}"
        );
        assert!(html.contains("95%"), "190 of 200: {html}");
        for path in [
            "/events",
            "/events/peaks",
            "/events/parking",
            "/events/diversions",
            "/events/training",
            "/events/response-times",
            &format!("/events/diversions/{plan}"),
        ] {
            let (status, html) = app.get_as(Some(Role::UnitOfficer), path).await;
            assert_eq!(status, 200, "{path}: {html}");
            assert!(html.contains("Cao điểm, phân luồng"), "{path}");
        }
        // The module in the nav leads to the real pages.
        let (_, home) = app.get_as(Some(Role::Leader), "/").await;
        assert!(home.contains("href=\"/events\""), "{home}");
        let (status, html) = app.get_as(Some(Role::Admin), "/admin/rules/events").await;
        assert_eq!(status, 200);
        assert!(html.contains("prolonged_minutes = 60"));
    });
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named_and_nothing_saved() {
    each_backend!(|app| {
        let (_, park, _) = seed(&app).await;
        let counts = || async {
            let s = app.store();
            (
                s.diversions(false).await.unwrap().len(),
                s.incidents(date(2026, 1, 1), date(2026, 12, 31), 100)
                    .await
                    .unwrap()
                    .len(),
                s.parking_reports(park, 100).await.unwrap().len(),
            )
        };
        assert_eq!(counts().await, (1, 2, 2));
        let r = app
            .post_form_as(
                Role::PoliceOfficer,
                "/events/diversions",
                &[
                    ("name", "Không có sơ đồ"),
                    ("valid_from", "2026-04-30"),
                    ("valid_until", "2026-05-01"),
                    ("geometry", ""),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let html = body_text(r).await;
        assert!(
            html.contains(
                "Trường &#34;Sơ đồ phân luồng&#34; không hợp lệ: phương án phân luồng phải có sơ đồ"
            ),
            "{html}"
        );
        assert!(
            html.contains("Không có sơ đồ"),
            "the form is refilled: {html}"
        );
        let r = app
            .post_form_as(
                Role::PoliceOfficer,
                "/events/incidents",
                &[
                    ("started_at", "2026-04-30T10:00"),
                    ("ended_at", "2026-04-30T09:00"),
                    ("place", "Cầu Ninh Chữ"),
                    ("cause", "crash"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        let html = body_text(r).await;
        assert!(
            html.contains("Thời điểm kết thúc") && html.contains("phải sau thời điểm bắt đầu"),
            "{html}"
        );
        let r = app
            .post_form_as(
                Role::UnitOfficer,
                &format!("/events/parking/{park}/occupancy"),
                &[("occupied", "250")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(
            body_text(r)
                .await
                .contains("vượt quá sức chứa của bãi (200 chỗ)")
        );
        assert_eq!(counts().await, (1, 2, 2), "nothing written");
        // The API names the field too, in the caller's language.
        let r = app
            .send(
                Request::post(format!("/api/v1/parking/{park}/occupancy"))
                    .header(header::AUTHORIZATION, format!("Bearer {}", app.key_all))
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::ACCEPT_LANGUAGE, "en")
                    .body(Body::from(r#"{"occupied": -3}"#))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status(), 422);
        let v: serde_json::Value = serde_json::from_str(&body_text(r).await).unwrap();
        assert_eq!(v["error"]["field"], "occupied");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("must not be negative"),
            "{v}"
        );
    });
}

#[tokio::test]
async fn a_device_reports_occupancy_with_its_scope_only() {
    each_backend!(|app| {
        let (_, park, _) = seed(&app).await;
        let (key, prefix) = atgt_web::auth::token::new_api_key();
        app.store()
            .apikey_create(
                &Actor::system(),
                &prefix,
                &atgt_web::auth::token::sha256_hex(&key),
                "Máy đếm xe bãi Ninh Chữ",
                &["parking:report".to_string()],
                None,
            )
            .await
            .unwrap();
        let post = |body: &'static str| {
            Request::post(format!("/api/v1/parking/{park}/occupancy"))
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap()
        };
        let r = app.send(post(r#"{"occupied": 120}"#)).await;
        assert_eq!(r.status(), 201);
        let v: serde_json::Value = serde_json::from_str(&body_text(r).await).unwrap();
        assert_eq!(
            (v["occupied"].as_i64(), v["source"].as_str()),
            (Some(120), Some("api"))
        );
        assert_eq!(
            app.store().parking_area(park).await.unwrap().last_occupied,
            Some(120)
        );
        // The device key reads nothing else.
        let r = app
            .send(
                Request::get("/api/v1/diversions")
                    .header(header::AUTHORIZATION, format!("Bearer {key}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status(), 403);
    });
}

#[tokio::test]
async fn activation_history_is_audited_and_the_public_sees_active_plans() {
    each_backend!(|app| {
        let (_, _, plan) = seed(&app).await;
        let (status, html) = app.get_as(None, "/public/diversions").await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Hiện không có phương án phân luồng nào đang áp dụng."),
            "{html}"
        );
        // A unit officer may not activate.
        let r = app
            .post_form_as(
                Role::UnitOfficer,
                &format!("/events/diversions/{plan}/activate"),
                &[],
            )
            .await;
        assert_eq!(r.status(), 403);
        let r = app
            .post_form_as(
                Role::PoliceOfficer,
                &format!("/events/diversions/{plan}/activate"),
                &[
                    ("started_at", "2026-04-30T16:00"),
                    ("note", "Cao điểm chiều"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303, "{}", body_text(r).await);
        assert_eq!(location(&r), format!("/events/diversions/{plan}"));
        let r = app
            .post_form_as(
                Role::Supervisor,
                &format!("/events/diversions/{plan}/activate"),
                &[("started_at", "2026-04-30T17:00")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(
            body_text(r)
                .await
                .contains("cần kết thúc lần kích hoạt hiện tại trước")
        );

        let (status, html) = app.get_as(None, "/public/diversions").await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Phân luồng khu vực biển Ninh Chữ") && html.contains("30/04/2026 16:00"),
            "{html}"
        );
        assert!(html.contains("data-geojson="), "the map");
        assert!(
            !html.contains("u.police-officer"),
            "no names of officers on the public page"
        );

        let r = app
            .post_form_as(
                Role::Supervisor,
                &format!("/events/diversions/{plan}/end"),
                &[("ended_at", "2026-04-30T22:00")],
            )
            .await;
        assert_eq!(r.status(), 303);
        let (_, html) = app
            .get_as(Some(Role::Auditor), &format!("/events/diversions/{plan}"))
            .await;
        assert!(
            html.contains("30/04/2026 22:00")
                && html.contains("u.supervisor")
                && html.contains("360 phút"),
            "{html}"
        );
        let log = app
            .store()
            .audit_list(&atgt_store::audit::AuditFilter {
                entity_kind: Some("diversion_plan".into()),
                entity_id: Some(plan.to_string()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        let trail: Vec<(&str, &str)> = log
            .iter()
            .rev()
            .map(|e| (e.action.as_str(), e.actor_name.as_str()))
            .collect();
        assert_eq!(
            trail,
            vec![
                ("diversion.create", "system"),
                ("diversion.activate", "u.police-officer"),
                ("diversion.end", "u.supervisor")
            ]
        );
        let (_, html) = app.get_as(None, "/public/diversions").await;
        assert!(!html.contains("Phân luồng khu vực biển Ninh Chữ"));
    });
}

fn unzip(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut f = z.by_name(name).unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

async fn download(app: &TestApp, path: &str) -> Vec<u8> {
    let (cookie, _) = app.session(Role::Leader).await;
    let resp = app
        .send(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status(), 200, "{path}");
    axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap()
        .to_vec()
}

#[tokio::test]
async fn peak_report_reads_back_as_docx_and_xlsx() {
    each_backend!(|app| {
        let (peak, _, _) = seed(&app).await;
        let docx = download(&app, &format!("/events/peaks/{peak}/report.docx")).await;
        let xml = unzip(&docx, "word/document.xml");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let text: String = doc
            .descendants()
            .filter(|n| n.has_tag_name("t"))
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .join("");
        assert!(text.contains("Tình hình trật tự, an toàn giao thông dịp Lễ 30/4 – 1/5 (từ ngày 30/04/2026 đến ngày 03/05/2026)"), "{text}");
        assert!(text.contains("Ghi nhận 2 vụ ùn tắc giao thông; 1 vụ kéo dài từ 60 phút trở lên; vụ lâu nhất 90 phút."), "{text}");
        assert!(
            text.contains("Bãi xe biển Ninh Chữ") && text.contains("95,0%"),
            "{text}"
        );
        assert!(text.contains("45.000"), "{text}");

        let xlsx = download(&app, &format!("/events/peaks/{peak}/report.xlsx")).await;
        let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        assert_eq!(wb.sheet_names(), vec!["Tổng hợp", "Ùn tắc", "Bãi đỗ xe"]);
        let sum = wb.worksheet_range("Tổng hợp").unwrap();
        let find = |label: &str| -> f64 {
            // The congestion block starts on row 9 (the crash criteria are above it).
            sum.rows()
                .skip(8)
                .find(|r| r[0].as_string().as_deref() == Some(label))
                .unwrap_or_else(|| panic!("{label}"))[1]
                .as_f64()
                .unwrap_or_else(|| panic!("{label} is a number"))
        };
        assert_eq!(find("Số vụ"), 2.0);
        assert_eq!(find("Bình quân"), 55.0);
        assert_eq!(find("Lâu nhất"), 90.0);
        assert_eq!(find("Số vụ kéo dài từ 60 phút trở lên"), 1.0);
        let park = wb.worksheet_range("Bãi đỗ xe").unwrap();
        let row: Vec<String> = park
            .rows()
            .nth(1)
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            row,
            vec!["Bãi xe biển Ninh Chữ", "200", "2", "190", "95", "72.5", "1"]
        );
        let inc = wb.worksheet_range("Ùn tắc").unwrap();
        assert_eq!(inc.rows().count(), 3);
    });
}

/// The leader view shows the congestion and the parking figures of its period beside
/// the units' tasks and the three criteria (issue 10: "these figures in the leader
/// view").
#[tokio::test]
async fn the_leader_view_carries_congestion_and_parking_figures() {
    each_backend!(|app| {
        seed(&app).await;
        let (status, html) = app
            .get_as(
                Some(Role::Leader),
                "/plans/leader?from=2026-04-01&to=2026-05-31",
            )
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("Thống kê thời gian ùn tắc"), "{html}");
        // Two incidents (20 and 90 minutes), the longest 90 minutes.
        assert!(
            html.contains(r#"<th scope="row">Số vụ</th><td class="num">2</td>"#),
            "{html}"
        );
        assert!(html.contains("Lâu nhất") && html.contains("90 phút"));
        assert!(html.contains("Bãi xe biển Ninh Chữ"));
        // Another period: no incidents.
        let (_, html) = app
            .get_as(
                Some(Role::Leader),
                "/plans/leader?from=2025-04-01&to=2025-05-31",
            )
            .await;
        assert!(html.contains(r#"<th scope="row">Số vụ</th><td class="num">0</td>"#));
    });
}
