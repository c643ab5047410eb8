//! Black spots through the web: the screening page shows the clause met and links the
//! qualifying crashes; a candidate becomes a spot; the lifecycle refuses a skipped
//! step in words, on the page; exports and the API read back.

use crate::each_backend;
use crate::helpers::{TestApp, body_text, location};
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use atgt_core::crashes::{CrashRecord, Occurred};

fn rec(ext: &str, m: i8, km: f64, deaths: u32, injured: u32, causes: &[&str]) -> CrashRecord {
    CrashRecord {
        external_id: Some(ext.into()),
        occurred: Occurred {
            year: 2025,
            month: Some(m),
            day: Some(10),
            hour: Some(18),
            minute: Some(5),
            ..Default::default()
        },
        commune_code: Some("22861".into()),
        admin_scheme: Some("new".into()),
        road_code: Some("QL1A".into()),
        km: Some(km),
        lon: Some(109.03),
        lat: Some(11.72),
        deaths,
        injured,
        causes: causes.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

async fn seed(app: &TestApp) -> Vec<i64> {
    let rows = vec![
        rec("HS-1", 2, 1531.1, 1, 0, &["road_design"]),
        rec("HS-2", 6, 1531.3, 1, 1, &["speeding"]),
        rec("HS-3", 3, 1540.0, 0, 1, &["speeding"]),
    ];
    let r = app
        .store()
        .crash_import(
            &Actor::system(),
            rows.into_iter().enumerate().map(|(i, r)| (i + 1, Ok(r))),
            "test",
            false,
            true,
            |_| {},
        )
        .await
        .unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    let (crashes, _) = app
        .store()
        .crashes(&Default::default(), 10, 0)
        .await
        .unwrap();
    let mut ids: Vec<i64> = crashes.iter().map(|c| c.id).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn screening_lists_the_clause_and_the_crashes_then_a_spot_lives_its_lifecycle() {
    each_backend!(|app| {
        let ids = seed(&app).await;
        let (status, html) = app
            .get_as(Some(Role::Analyst), "/hotspots/screening?end=31/12/2025")
            .await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Điểm hay xảy ra tai nạn"), "{html}");
        assert!(html.contains("Điều 14 khoản 1 điểm a"), "{html}");
        assert!(html.contains("Km 1531+100 – Km 1531+300"), "{html}");
        assert!(html.contains("01/01/2025 – 31/12/2025"), "{html}");
        assert!(html.contains(&format!("href=\"/crashes/{}\"", ids[0])));
        assert!(html.contains(&format!("href=\"/crashes/{}\"", ids[1])));
        assert!(
            !html.contains(&format!("href=\"/crashes/{}\"", ids[2])),
            "the crash 9 km away does not qualify"
        );
        // The pre-2025 rule set does not ask for an infrastructure cause; a window
        // ending before the crashes finds nothing.
        let (_, html) = app
            .get_as(Some(Role::Analyst), "/hotspots/screening?end=31/12/2024")
            .await;
        assert!(html.contains("Không có điểm nào đạt tiêu chí."), "{html}");
        // A bad date is named, in Vietnamese.
        let (_, html) = app
            .get_as(Some(Role::Analyst), "/hotspots/screening?end=31/02/2025")
            .await;
        assert!(html.contains("alert-error"), "{html}");
        // Ranking methods answer too.
        for m in ["window", "epdo", "eb", "dbscan", "rate"] {
            let (status, _) = app
                .get_as(
                    Some(Role::Leader),
                    &format!("/hotspots/screening?end=31/12/2025&method={m}"),
                )
                .await;
            assert_eq!(status, 200, "{m}");
        }

        // Record the candidate.
        let resp = app
            .post_form_as(
                Role::Analyst,
                "/hotspots",
                &[("end", "31/12/2025"), ("index", "0")],
            )
            .await;
        assert_eq!(resp.status(), 303);
        let at = location(&resp);
        assert!(at.starts_with("/hotspots/"), "{at}");
        // A skipped step is refused on the page, naming the status; nothing changes.
        let resp = app
            .post_form_as(
                Role::Analyst,
                &format!("{at}/action"),
                &[("action", "mark_treated"), ("treated_on", "01/12/2025")],
            )
            .await;
        assert_eq!(resp.status(), 422);
        let html = body_text(resp).await;
        assert!(
            html.contains(
                "Không thực hiện được thao tác này khi điểm đang ở trạng thái &#34;Ứng viên&#34;."
            ),
            "{html}"
        );
        // A confirmation without the survey names the field.
        let resp = app
            .post_form_as(
                Role::Analyst,
                &format!("{at}/action"),
                &[("action", "confirm")],
            )
            .await;
        assert_eq!(resp.status(), 422);
        assert!(
            body_text(resp)
                .await
                .contains("Kết quả khảo sát hiện trường")
        );
        // A leader may look but not act.
        let resp = app
            .post_form_as(
                Role::Leader,
                &format!("{at}/action"),
                &[("action", "confirm"), ("survey_notes", "x")],
            )
            .await;
        assert_eq!(resp.status(), 403);
        for form in [
            vec![
                ("action", "confirm"),
                ("survey_notes", "Đường cong che khuất tầm nhìn"),
            ],
            vec![
                ("action", "propose_treatment"),
                ("measures", "Cắm biển, sơn gờ giảm tốc"),
                ("cost_vnd", "180.000.000"),
                ("responsible_unit", "Sở Xây dựng"),
                ("deadline", "01/01/2026"),
                ("proposal", "Mở rộng Tỉnh lộ 704"),
            ],
        ] {
            let resp = app
                .post_form_as(Role::Analyst, &format!("{at}/action"), &form)
                .await;
            assert_eq!(resp.status(), 303, "{form:?}: {}", body_text(resp).await);
        }
        let (_, html) = app.get_as(Some(Role::Leader), &at).await;
        assert!(html.contains("Đã đề xuất xử lý"), "{html}");
        assert!(html.contains("180.000.000"), "{html}");
        assert!(
            html.contains("Quá hạn"),
            "deadline 1/1/2026 has passed: {html}"
        );
        assert!(html.contains("Xác nhận sau khảo sát"), "history: {html}");
        // The overdue list and the API agree.
        let (_, html) = app.get_as(Some(Role::Leader), "/hotspots?overdue=1").await;
        assert!(html.contains("QL1A Km 1531+"), "{html}");
        let (status, body) = app
            .get_as(Some(Role::Leader), "/api/v1/spots?overdue=1")
            .await;
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 1);
        assert_eq!(v[0]["status"], "treatment_proposed");
        assert_eq!(v[0]["clause"], "k1a");
        let id = v[0]["id"].as_i64().unwrap();
        let (_, body) = app
            .get_as(Some(Role::Leader), &format!("/api/v1/spots/{id}"))
            .await;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["events"].as_array().unwrap().len(), 2);
        let (status, body) = app
            .get_as(Some(Role::Leader), "/api/v1/spots/screening?end=2025-12-31")
            .await;
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["candidates"][0]["clause"], "k1a");
        assert_eq!(v["candidates"][0]["crash_ids"].as_array().unwrap().len(), 2);
        // Exports.
        let (status, gj) = app
            .get_as(Some(Role::Leader), "/hotspots/spots.geojson")
            .await;
        assert_eq!(status, 200);
        let gj: serde_json::Value = serde_json::from_str(&gj).unwrap();
        assert_eq!(
            gj["features"][0]["properties"]["status"],
            "treatment_proposed"
        );
        // The proposal to the authority lists the spot with its measures and cost.
        let (cookie, _) = app.session(Role::Leader).await;
        let resp = app
            .send(
                axum::http::Request::get("/hotspots/proposal.docx")
                    .header(axum::http::header::COOKIE, cookie)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status(), 200);
        let bytes = axum::body::to_bytes(resp.into_body(), 16 << 20)
            .await
            .unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
            .unwrap();
        for want in [
            "QL1A Km 1531+",
            "Cắm biển, sơn gờ giảm tốc",
            "180.000.000",
            "Sở Xây dựng",
        ] {
            assert!(xml.contains(want), "{want} in the DOCX");
        }
        for path in [
            "/hotspots/spots.xlsx",
            "/hotspots/proposal.docx",
            "/hotspots/kde.geojson",
            "/hotspots",
        ] {
            let (status, _) = app.get_as(Some(Role::Leader), path).await;
            assert_eq!(status, 200, "{path}");
        }
        // Every transition is in the audit chain.
        assert!(app.store().audit_verify().await.unwrap().broken.is_none());
    });
}

#[tokio::test]
async fn the_criteria_are_editable_by_an_admin_and_checked() {
    each_backend!(|app| {
        let (status, html) = app
            .get_as(Some(Role::Admin), "/admin/rules/black-spots")
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("tt41-2024-d14"));
        let bad =
            atgt_core::hotspots::rules::DEFAULT_RULES.replacen("min_fatal = 2", "min_fatal = 0", 1);
        let resp = app
            .post_form_as(
                Role::Admin,
                "/admin/rules/black-spots",
                &[("content", &bad)],
            )
            .await;
        assert_eq!(resp.status(), 422);
        assert!(body_text(resp).await.contains("k1a"));
        let stricter =
            atgt_core::hotspots::rules::DEFAULT_RULES.replacen("min_fatal = 2", "min_fatal = 3", 1);
        let resp = app
            .post_form_as(
                Role::Admin,
                "/admin/rules/black-spots",
                &[("content", &stricter)],
            )
            .await;
        assert_eq!(resp.status(), 303);
        assert_eq!(
            app.store().spot_rules().await.unwrap().rule_set[0].clauses[0].min_fatal,
            Some(3)
        );
    });
}

#[tokio::test]
async fn survey_photos_are_checked_stored_and_shown_on_the_spot() {
    use axum::body::Body;
    use axum::http::{Request, header};
    each_backend!(|app| {
        seed(&app).await;
        let resp = app
            .post_form_as(
                Role::Analyst,
                "/hotspots",
                &[("end", "31/12/2025"), ("index", "0")],
            )
            .await;
        let at = location(&resp);
        let png: &[u8] =
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
        let body = |name: &str, data: &[u8]| {
            let mut b = Vec::new();
            b.extend_from_slice(
                format!("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n").as_bytes(),
            );
            b.extend_from_slice(data);
            b.extend_from_slice("\r\n--B\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nKhúc cua phía Bắc\r\n--B--\r\n".as_bytes());
            b
        };
        let send = |cookie: String, csrf: String, b: Vec<u8>| {
            Request::post(format!("{at}/photos?_csrf={csrf}"))
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=B")
                .body(Body::from(b))
                .unwrap()
        };
        let (cookie, csrf) = app.session(Role::Analyst).await;
        let resp = app
            .send(send(cookie, csrf, body("anh.jpg", b"<script>")))
            .await;
        assert_eq!(resp.status(), 422);
        let (cookie, csrf) = app.session(Role::Analyst).await;
        let resp = app
            .send(send(cookie, csrf, body("hien-truong.png", png)))
            .await;
        assert_eq!(resp.status(), 303);
        let (_, html) = app.get_as(Some(Role::Leader), &at).await;
        assert!(html.contains("Khúc cua phía Bắc"), "{html}");
        let i = html.find(&format!("{at}/photos/")).unwrap();
        let src = html[i..].split('"').next().unwrap().to_string();
        let (status, bytes) = app.get_as(Some(Role::Leader), &src).await;
        assert_eq!(status, 200);
        assert!(bytes.len() >= 8);
        assert!(app.store().audit_verify().await.unwrap().broken.is_none());
    });
}
