//! The public portal (issue 9): the plate lookup shows open violations and nothing
//! personal, answers unknown and clean plates alike, and is rate-limited per client
//! (with exempt addresses); the education pages and their staff forms.

use crate::each_backend;
use crate::helpers::{TestApp, body_text, location};
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use atgt_core::enforcement::Action;
use atgt_store::audit::AuditFilter;
use atgt_store::enforcement::{Camera, NewCase};
use atgt_web::WebConfig;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, header};
use std::net::SocketAddr;

/// Personal data the seeded cases carry; none of it may reach the portal.
const SECRETS: &[&str] = &[
    "Nguyễn Văn Chủ Xe",
    "Trần Thị Lái",
    "079123456789",
    "0909123456",
    "12 đường Bí Mật",
    "B2-790123456789",
    "Ghi chú nội bộ của vụ việc",
    "Người dùng police_officer",
    "u.police-officer",
];

/// A request from a given client address (as the socket would report it).
fn from(ip: &str, uri: &str) -> Request<Body> {
    let mut r = Request::get(uri).body(Body::empty()).unwrap();
    r.extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(ip.parse().unwrap(), 50000)));
    r
}

async fn get_from(app: &TestApp, ip: &str, uri: &str) -> (u16, String, Option<String>) {
    let resp = app.send(from(ip, uri)).await;
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_string());
    (status, body_text(resp).await, retry)
}

/// A camera of the provincial police, an open camera case with personal data in its
/// evidence, licence and pending proposal; an open patrol case by a named officer; a
/// paid case and a dismissed one (not shown).
async fn seed(app: &TestApp) {
    let st = app.store();
    let police = st.org_by_code("CA-KH").await.unwrap().id;
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
            owner_org_id: Some(police),
            vendor: "Test".into(),
            status: "active".into(),
            last_seen_us: None,
            uptime_pct: 0.0,
        },
    )
    .await
    .unwrap();
    let officer = &app.users[&Role::PoliceOfficer];
    let personal = serde_json::json!({
        "reads": [],
        "owner_name": "Nguyễn Văn Chủ Xe",
        "driver_name": "Trần Thị Lái",
        "id_number": "079123456789",
        "phone": "0909123456",
        "address": "12 đường Bí Mật",
        "notes": "Ghi chú nội bộ của vụ việc",
    });
    let case = |dedup: &str, plate: &str, cam: Option<&str>, behaviour: &str| NewCase {
        kind: if cam.is_some() {
            "spot_speed"
        } else {
            "patrol"
        }
        .into(),
        dedup_key: dedup.into(),
        plate_key: atgt_core::plates::Plate::parse(plate).key(),
        plate_display: atgt_core::plates::Plate::parse(plate).display(),
        camera_id: cam.map(str::to_string),
        // 25/11/2026 01:30 UTC = 08:30 in Vietnam.
        detected_at_us: 1_795_570_200_000_000,
        behaviour: behaviour.into(),
        measured: Some(25.0),
        evidence: {
            let mut e = personal.clone();
            if cam.is_none() {
                e["place"] = "ĐT704 Km 2".into();
            }
            e
        },
        licence_no: Some("B2-790123456789".into()),
        officer_id: cam.is_none().then_some(officer.id),
    };
    st.cases_open(
        &Actor::system(),
        vec![
            case("p1", "79A-123.45", Some("CAM-QL1A-1530"), "speed_car_20_35"),
            case("p2", "79B1-234.56", None, "speed_moto_10_20"),
            case("p3", "51C-789.01", Some("CAM-QL1A-1530"), "speed_car_20_35"),
            case("p4", "51C-789.01", Some("CAM-QL1A-1530"), "speed_car_10_20"),
        ],
    )
    .await
    .unwrap();
    let id = |dedup: &'static str| async move {
        st.db
            .fetch_one(
                "SELECT id FROM violation_cases WHERE dedup_key = $1",
                &atgt_store::params![dedup],
            )
            .await
            .unwrap()
            .i64("id")
            .unwrap()
    };
    // A pending dismissal with a reason naming the owner (kept in pending_json and the
    // case history).
    let police_actor = Actor::user(officer.id, &officer.username);
    st.case_act(
        &police_actor,
        1,
        id("p1").await,
        &Action::ProposeDismiss {
            reason: "Nguyễn Văn Chủ Xe trình bày xe đã bán".into(),
        },
    )
    .await
    .unwrap();
    // The 51C plate has only finished cases.
    st.db
        .execute(
            "UPDATE violation_cases SET state = 'paid' WHERE dedup_key = 'p3'",
            &[],
        )
        .await
        .unwrap();
    st.db
        .execute(
            "UPDATE violation_cases SET state = 'dismissed' WHERE dedup_key = 'p4'",
            &[],
        )
        .await
        .unwrap();
}

fn assert_no_secrets(body: &str) {
    for s in SECRETS {
        assert!(!body.contains(s), "personal data {s:?} in:\n{body}");
    }
}

#[tokio::test]
async fn lookup_shows_open_violations_and_no_personal_data() {
    each_backend!(|app| {
        seed(&app).await;
        // HTML, any spelling of the plate.
        let (status, html, _) =
            get_from(&app, "192.0.2.1", "/public/lookup?plate=79a12345&kind=car").await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("79A-123.45"), "{html}");
        assert!(html.contains("25/11/2026 08:30"), "{html}");
        assert!(html.contains("QL1A Km 1530 (QL1A Km 1530.2)"), "{html}");
        assert!(
            html.contains("Điều khiển xe chạy quá tốc độ quy định trên 20 km/h đến 35 km/h"),
            "{html}"
        );
        assert!(html.contains("Mới phát hiện"), "{html}");
        assert!(html.contains("Công an tỉnh Khánh Hòa"), "{html}");
        assert_no_secrets(&html);
        // JSON.
        let (status, body, _) = get_from(
            &app,
            "192.0.2.1",
            "/api/public/v1/lookup?plate=79A-123.45&kind=car",
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_no_secrets(&body);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["plate"], "79A-123.45");
        let list = v["violations"].as_array().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["time"], "25/11/2026 08:30");
        assert_eq!(list[0]["time_utc"], "2026-11-25T01:30:00Z");
        assert_eq!(list[0]["status_code"], "detected");
        assert_eq!(list[0]["unit"], "Công an tỉnh Khánh Hòa");
        let keys: Vec<&String> = list[0].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "behaviour",
                "place",
                "status",
                "status_code",
                "time",
                "time_utc",
                "unit"
            ]
        );
        // A patrol case: the place recorded, the officer's unit, not the officer.
        let (status, body, _) = get_from(
            &app,
            "192.0.2.1",
            "/api/public/v1/lookup?plate=79B1-234.56&kind=motorbike",
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_no_secrets(&body);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["violations"][0]["place"], "ĐT704 Km 2");
        assert_eq!(v["violations"][0]["unit"], "Công an tỉnh Khánh Hòa");
        // The same plate asked as a car: the motorbike behaviour is not listed.
        let (_, body, _) = get_from(
            &app,
            "192.0.2.1",
            "/api/public/v1/lookup?plate=79B1-234.56&kind=car",
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["violations"].as_array().unwrap().len(), 0);
    });
}

#[tokio::test]
async fn unknown_and_settled_plates_get_the_same_answer() {
    each_backend!(|app| {
        seed(&app).await;
        for (path, a, b) in [
            ("/public/lookup", "51C-789.01", "30K-999.99"),
            ("/api/public/v1/lookup", "51C-789.01", "30K-999.99"),
        ] {
            // 51C-789.01 has a paid and a dismissed case; 30K-999.99 was never seen.
            let (sa, ba, _) =
                get_from(&app, "192.0.2.2", &format!("{path}?plate={a}&kind=car")).await;
            let (sb, bb, _) =
                get_from(&app, "192.0.2.3", &format!("{path}?plate={b}&kind=car")).await;
            assert_eq!((sa, sb), (200, 200));
            assert!(
                ba.contains("Không có vi phạm nào đang chờ xử lý")
                    || ba.contains("\"violations\":[]"),
                "{ba}"
            );
            assert_eq!(ba.replace(a, "PLATE"), bb.replace(b, "PLATE"), "{path}");
        }
    });
}

#[tokio::test]
async fn malformed_plates_are_refused_naming_the_field() {
    each_backend!(|app| {
        let (status, html, _) = get_from(
            &app,
            "192.0.2.4",
            "/public/lookup?plate=xin+ch%C3%A0o&kind=car",
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            html.contains("Trường &#34;Biển số xe&#34; không hợp lệ")
                || html.contains("Trường &quot;Biển số xe&quot; không hợp lệ"),
            "{html}"
        );
        let (status, body, _) = get_from(
            &app,
            "192.0.2.4",
            "/api/public/v1/lookup?plate=79A-123.45&kind=tau",
        )
        .await;
        assert_eq!(status, 422);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"]["field"], "kind");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Loại phương tiện")
        );
        // The form alone (no plate) is not a lookup.
        let (status, html, _) = get_from(&app, "192.0.2.4", "/public/lookup").await;
        assert_eq!(status, 200);
        assert!(html.contains("name=\"plate\""));
    });
}

#[tokio::test]
async fn lookup_is_limited_per_client_but_not_for_exempt_addresses() {
    for backend in atgt_store::testkit::backends() {
        let app = TestApp::with_config(
            backend,
            WebConfig {
                secure_cookies: false,
                portal_lookup_per_minute: 10,
                portal_lookup_burst: 5,
                portal_exempt: vec!["198.51.100.7".into()],
                portal_trusted_proxies: vec!["10.0.0.1".into()],
                ..Default::default()
            },
        )
        .await;
        let url = "/api/public/v1/lookup?plate=79A-123.45&kind=car";
        for i in 0..5 {
            let (s, _, _) = get_from(&app, "203.0.113.5", url).await;
            assert_eq!(s, 200, "request {i}");
        }
        let (s, body, retry) = get_from(&app, "203.0.113.5", url).await;
        assert_eq!(s, 429);
        assert_eq!(retry.as_deref(), Some("6"));
        assert!(
            body.contains("Quý vị đã tra cứu quá số lần cho phép"),
            "{body}"
        );
        // The HTML page shares the bucket and says the same in Vietnamese.
        let (s, html, retry) = get_from(
            &app,
            "203.0.113.5",
            "/public/lookup?plate=79A-123.45&kind=car",
        )
        .await;
        assert_eq!(s, 429);
        assert!(retry.is_some());
        assert!(html.contains("Quý vị đã tra cứu quá số lần cho phép"));
        // Another client is not affected; the exempt address never limited.
        let (s, _, _) = get_from(&app, "203.0.113.6", url).await;
        assert_eq!(s, 200);
        for _ in 0..50 {
            let (s, _, _) = get_from(&app, "198.51.100.7", url).await;
            assert_eq!(s, 200);
        }
        // X-Forwarded-For counts only from the trusted proxy.
        let xff = |peer: &str, claimed: &str| {
            let mut r = from(peer, url);
            r.headers_mut()
                .insert("x-forwarded-for", claimed.parse().unwrap());
            r
        };
        // Through the proxy, the exempt client is recognised...
        for _ in 0..10 {
            assert_eq!(
                app.send(xff("10.0.0.1", "198.51.100.7")).await.status(),
                200
            );
        }
        // ...but a limited client cannot claim to be it.
        assert_eq!(
            app.send(xff("203.0.113.5", "198.51.100.7")).await.status(),
            429
        );
    }
}

#[tokio::test]
async fn landing_links_every_part_of_the_portal() {
    each_backend!(|app| {
        let (status, html) = app.get_as(None, "/public").await;
        assert_eq!(status, 200);
        for href in [
            "/public/lookup",
            "/public/education",
            "/public/quiz",
            "/public/campaigns",
            "/public/diversions",
            "/public/reports",
        ] {
            assert!(html.contains(&format!("href=\"{href}\"")), "{href}");
            // Every part the landing page links is there for a visitor.
            assert_eq!(app.get_as(None, href).await.0, 200, "{href}");
        }
        assert!(html.contains("Cổng thông tin an toàn giao thông"));
    });
}

// ---------------------------------------------------------------------------------
// Education

async fn audited(app: &TestApp, kind: &str) -> Vec<String> {
    app.store()
        .audit_list(&AuditFilter {
            entity_kind: Some(kind.into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

#[tokio::test]
async fn staff_publish_lessons_and_the_public_reads_them() {
    each_backend!(|app| {
        let form = [
            ("kind", "lesson"),
            ("title", "Đội mũ bảo hiểm đúng cách"),
            ("summary", "Cài quai, đúng cỡ, đạt chuẩn."),
            ("body", "Đoạn một.\n\nĐoạn hai."),
            ("audience", "students"),
            ("published_on", "05/09/2026"),
            ("published", "1"),
        ];
        let r = app
            .post_form_as(Role::UnitOfficer, "/education/articles", &form)
            .await;
        assert_eq!(r.status().as_u16(), 303);
        assert_eq!(location(&r), "/education");
        let (_, html) = app.get_as(None, "/public/education").await;
        assert!(html.contains("Đội mũ bảo hiểm đúng cách"), "{html}");
        let id = app.store().edu_articles(None, false).await.unwrap()[0].id;
        let (status, html) = app.get_as(None, &format!("/public/education/{id}")).await;
        assert_eq!(status, 200);
        assert!(html.contains("<p>Đoạn hai.</p>"), "{html}");
        assert!(html.contains("05/09/2026"));
        // Unpublishing hides it from the public.
        let mut draft = form.to_vec();
        draft.retain(|(k, _)| *k != "published");
        let r = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/education/articles/{id}"),
                &draft,
            )
            .await;
        assert_eq!(r.status().as_u16(), 303);
        let (status, _) = app.get_as(None, &format!("/public/education/{id}")).await;
        assert_eq!(status, 404);
        assert_eq!(
            audited(&app, "edu_article").await,
            ["edu.article_update", "edu.article_create"]
        );
        // A missing title is refused, naming the field in Vietnamese.
        let mut bad = form.to_vec();
        bad[1].1 = " ";
        let r = app
            .post_form_as(Role::UnitOfficer, "/education/articles", &bad)
            .await;
        assert_eq!(r.status().as_u16(), 422);
        let html = body_text(r).await;
        assert!(html.contains("Tiêu đề"), "{html}");
        assert!(
            html.contains("Cài quai, đúng cỡ, đạt chuẩn."),
            "the form keeps the input"
        );
        // Police officers read neither nor write.
        let r = app
            .post_form_as(Role::PoliceOfficer, "/education/articles", &form)
            .await;
        assert_eq!(r.status().as_u16(), 403);
    });
}

#[tokio::test]
async fn quiz_is_scored_on_the_server_and_only_counted() {
    each_backend!(|app| {
        for (pos, q, opts, right) in [
            ("1", "Câu một?", "Sai\nĐúng", "2"),
            ("2", "Câu hai?", "Đúng\nSai\nSai nữa", "1"),
        ] {
            let r = app
                .post_form_as(
                    Role::FocalOfficer,
                    "/education/questions",
                    &[
                        ("position", pos),
                        ("question", q),
                        ("options", opts),
                        ("correct", right),
                        ("explanation", "Giải thích theo luật."),
                        ("active", "1"),
                    ],
                )
                .await;
            assert_eq!(r.status().as_u16(), 303);
        }
        // A wrong answer number names its field.
        let r = app
            .post_form_as(
                Role::FocalOfficer,
                "/education/questions",
                &[
                    ("question", "Câu ba?"),
                    ("options", "A\nB"),
                    ("correct", "3"),
                    ("explanation", "…"),
                ],
            )
            .await;
        assert_eq!(r.status().as_u16(), 422);
        assert!(body_text(r).await.contains("Đáp án đúng"));
        let qs = app.store().edu_questions(true).await.unwrap();
        assert_eq!(qs.len(), 2);
        let (status, html) = app.get_as(None, "/public/quiz").await;
        assert_eq!(status, 200);
        assert!(html.contains("Câu hai?"));
        // First right (option index 1), second wrong (index 2).
        let body = format!("q{}=1&q{}=2", qs[0].id, qs[1].id);
        let r = app
            .send(
                Request::post("/public/quiz")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status().as_u16(), 200);
        let html = body_text(r).await;
        assert!(html.contains("Kết quả: đúng 1/2 câu."), "{html}");
        assert!(html.contains("Giải thích theo luật."));
        let qs = app.store().edu_questions(true).await.unwrap();
        assert_eq!((qs[0].answered, qs[0].answered_right), (1, 1));
        assert_eq!((qs[1].answered, qs[1].answered_right), (1, 0));
        let t = app.store().edu_quiz_totals().await.unwrap();
        assert_eq!((t.submissions, t.score_total), (1, 1));
        // A flood from one client is still scored but counted only up to its allowance
        // (10 at once; the submission above came from an unknown address).
        for _ in 0..15 {
            let mut r = Request::post("/public/quiz")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("q{}=1", qs[0].id)))
                .unwrap();
            r.extensions_mut().insert(ConnectInfo(SocketAddr::new(
                "192.0.2.9".parse().unwrap(),
                1,
            )));
            let r = app.send(r).await;
            assert_eq!(r.status().as_u16(), 200);
            assert!(body_text(r).await.contains("Kết quả: đúng 1/2 câu."));
        }
        let t = app.store().edu_quiz_totals().await.unwrap();
        assert_eq!(t.submissions, 11);
    });
}

#[tokio::test]
async fn campaigns_show_their_reach_and_rewards_are_recorded() {
    each_backend!(|app| {
        let campaign = [
            ("name", "Tháng an toàn giao thông cho học sinh"),
            ("description", "Tuyên truyền tại các trường."),
            ("starts_on", "01/09/2026"),
            ("ends_on", "30/09/2026"),
            ("units", "Đoàn Thanh niên, Phòng Giáo dục"),
            ("audience", "students"),
            ("schools", "12"),
            ("students", "5.400"),
            ("participants", "6000"),
            ("published", "1"),
        ];
        let r = app
            .post_form_as(Role::UnitOfficer, "/education/campaigns", &campaign)
            .await;
        assert_eq!(r.status().as_u16(), 303);
        let c = app.store().edu_campaigns(true).await.unwrap()[0].clone();
        assert_eq!((c.schools, c.students, c.participants), (12, 5400, 6000));
        let (_, html) = app
            .get_as(None, &format!("/public/campaigns/{}", c.id))
            .await;
        assert!(html.contains("5.400"), "{html}");
        assert!(html.contains("01/09/2026 – 30/09/2026"));
        // An end before the start names the end date.
        let mut bad = campaign.to_vec();
        bad[3].1 = "31/08/2026";
        let r = app
            .post_form_as(Role::UnitOfficer, "/education/campaigns", &bad)
            .await;
        assert_eq!(r.status().as_u16(), 422);
        assert!(body_text(r).await.contains("Ngày kết thúc"));
        let cid = c.id.to_string();
        let r = app
            .post_form_as(
                Role::Admin,
                "/education/rewards",
                &[
                    ("recipient_kind", "unit"),
                    ("recipient", "Trường THPT Ninh Hải"),
                    ("form", "giay_khen"),
                    ("decision_no", "125/QĐ-UBND"),
                    ("decided_on", "15/10/2026"),
                    ("issuer", "Chủ tịch UBND huyện Ninh Hải"),
                    ("reason", "Hoàn thành xuất sắc tháng an toàn giao thông"),
                    ("campaign_id", &cid),
                ],
            )
            .await;
        assert_eq!(r.status().as_u16(), 303);
        let (status, html) = app.get_as(Some(Role::Leader), "/education").await;
        assert_eq!(status, 200);
        assert!(html.contains("125/QĐ-UBND, 15/10/2026"), "{html}");
        assert!(html.contains("Giấy khen"));
        assert_eq!(audited(&app, "edu_reward").await, ["edu.reward_create"]);
        assert_eq!(audited(&app, "edu_campaign").await, ["edu.campaign_create"]);
        assert!(app.store().audit_verify().await.unwrap().broken.is_none());
    });
}

/// One published article, question, campaign and reward; their ids (for the page
/// tests).
pub async fn seed_education(app: &TestApp) -> (i64, i64, i64, i64) {
    use atgt_core::education::{ArticleInput, CampaignInput, QuestionInput, RewardInput};
    let st = app.store();
    let sys = Actor::system();
    let a = ArticleInput {
        kind: "lesson".into(),
        title: "Đội mũ bảo hiểm đúng cách".into(),
        summary: "Cài quai.".into(),
        body: "Nội dung.".into(),
        audience: "students".into(),
        published_on: "2026-09-05".into(),
        published: true,
    }
    .check()
    .unwrap();
    let a = st.edu_article_save(&sys, None, &a).await.unwrap().id;
    let q = QuestionInput {
        position: 1,
        question: "Mỗi giấy phép lái xe có bao nhiêu điểm?".into(),
        options: "10\n12".into(),
        correct: "2".into(),
        explanation: "Luật 36/2024/QH15, Điều 58.".into(),
        active: true,
    }
    .check()
    .unwrap();
    let q = st.edu_question_save(&sys, None, &q).await.unwrap().id;
    let c = CampaignInput {
        name: "Tháng an toàn giao thông".into(),
        description: "Tuyên truyền.".into(),
        starts_on: "01/09/2026".into(),
        ends_on: "30/09/2026".into(),
        units: "Đoàn Thanh niên".into(),
        audience: "students".into(),
        schools: 2,
        students: 300,
        participants: 350,
        published: true,
    }
    .check()
    .unwrap();
    let c = st.edu_campaign_save(&sys, None, &c).await.unwrap().id;
    let w = RewardInput {
        recipient_kind: "person".into(),
        recipient: "Nguyễn Thị Mẫu".into(),
        form: "giay_khen".into(),
        decision_no: "1/QĐ-UBND".into(),
        decided_on: "01/10/2026".into(),
        issuer: "Chủ tịch UBND xã".into(),
        reason: "Thành tích tuyên truyền".into(),
        campaign_id: Some(c),
    }
    .check()
    .unwrap();
    let w = st.edu_reward_save(&sys, None, &w).await.unwrap().id;
    (a, q, c, w)
}
