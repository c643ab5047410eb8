//! Plans and accountability through the web: the seed plan's pages, task input errors
//! in Vietnamese, reports (multipart, with an attachment), hand-over, urging, the leader
//! view and the consolidated DOCX read back with a real parser.

use crate::each_backend;
use crate::helpers::{TestApp, body_text, location};
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use atgt_core::plans::{PlanFile, TaskStatus};
use atgt_store::plans::TaskFilter;
use axum::body::Body;
use axum::http::{Request, header};
use std::io::Read;

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

async fn seed(app: &TestApp) -> i64 {
    atgt_store::testkit::plan_units(app.store()).await;
    app.store()
        .plan_import(&Actor::system(), &PlanFile::seed())
        .await
        .unwrap()
}

async fn task_of(app: &TestApp, plan: i64, label: &str) -> atgt_store::plans::Task {
    app.store()
        .tasks(&TaskFilter {
            plan_id: Some(plan),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.item_label.as_deref() == Some(label))
        .unwrap()
}

async fn org(app: &TestApp, code: &str) -> i64 {
    app.store().org_by_code(code).await.unwrap().id
}

/// A multipart POST as a role (CSRF token in the query, as the pages send it).
async fn post_multipart(
    app: &TestApp,
    role: Role,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> axum::http::Response<Body> {
    let (cookie, csrf) = app.session(role).await;
    let b = "XatgtBoundary7";
    let mut body: Vec<u8> = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    let req = Request::post(format!("{path}?_csrf={csrf}"))
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

async fn get_bytes(app: &TestApp, role: Role, path: &str) -> (u16, Vec<u8>) {
    let (cookie, _) = app.session(role).await;
    let resp = app
        .send(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let status = resp.status().as_u16();
    let bytes = axum::body::to_bytes(resp.into_body(), 32 << 20)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

#[tokio::test]
async fn the_seed_plan_pages_show_its_passages_units_and_deadline() {
    each_backend!(|app| {
        let plan = seed(&app).await;
        let (status, html) = app.get_as(Some(Role::UnitOfficer), "/plans").await;
        assert_eq!(status, 200);
        assert!(
            html.contains("235-KH/TU") && html.contains("23-CT/TW"),
            "{html}"
        );
        assert!(html.contains("…-KH/HU"));
        let (status, html) = app
            .get_as(Some(Role::Leader), &format!("/plans/{plan}"))
            .await;
        assert_eq!(status, 200);
        // Passages as written, with their tasks and units.
        assert!(html.contains("Kết quả tổ chức quán triệt và nội dung kế hoạch hành động gửi về Huyện uỷ (qua Đảng uỷ Công an huyện) trước ngày 20/9/2023"));
        assert!(html.contains("III.1. Tham mưu tổ chức Hội nghị quán triệt"));
        assert!(html.contains("Ban Tuyên giáo Huyện ủy Ninh Hải"));
        assert!(html.contains("2023-09-20"));
        assert!(html.contains("Trịnh Minh Hoàng"));
        assert!(html.contains("chưa rõ (bản sao không ghi)"));
        let t = task_of(&app, plan, "III.2").await;
        let (status, html) = app
            .get_as(Some(Role::UnitOfficer), &format!("/tasks/{}", t.id))
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("Đảng ủy Công an huyện Ninh Hải"));
        // Long past its deadline and never reported: late.
        assert!(html.contains("Chậm, quá hạn"), "{html}");
        for path in ["/tasks", "/plans/urging", "/plans/leader"] {
            let (status, html) = app.get_as(Some(Role::Auditor), path).await;
            assert_eq!(status, 200, "{path}");
            assert!(html.contains("Đảng ủy Công an huyện Ninh Hải"), "{path}");
        }
        // A unit officer's task list starts with their own unit's tasks.
        let ca_kh = org(&app, "CA-KH").await;
        let mine = app
            .store()
            .task_create(
                &Actor::system(),
                &atgt_store::plans::TaskInput {
                    plan_id: plan,
                    item_id: None,
                    title: "Tuần tra kiểm soát tuyến Quốc lộ 1A".into(),
                    lead_org_id: Some(ca_kh),
                    coordinator_ids: vec![],
                    receiver_org_id: None,
                    due_on: None,
                    recurrence: atgt_core::plans::Recurrence::Monthly,
                    note: String::new(),
                    created_on: jiff::civil::date(2023, 9, 1),
                },
            )
            .await
            .unwrap();
        let (_, html) = app.get_as(Some(Role::UnitOfficer), "/tasks").await;
        assert!(html.contains(&format!("/tasks/{}\"", mine.id)));
        assert!(
            !html.contains("Ban Tuyên giáo Huyện ủy Ninh Hải</td>"),
            "{html}"
        );
        let (_, html) = app.get_as(Some(Role::UnitOfficer), "/tasks?org=").await;
        assert!(html.contains("Ban Tuyên giáo Huyện ủy Ninh Hải</td>"));
        // The module's entry in the navigation leads here.
        let (_, home) = app.get_as(Some(Role::Leader), "/").await;
        assert!(home.contains("href=\"/plans\""));
        assert!(!home.contains("href=\"/m/plans\""));
    });
}

#[tokio::test]
async fn bad_task_input_is_refused_with_a_clear_message_and_nothing_saved() {
    each_backend!(|app| {
        let plan = seed(&app).await;
        let lead = org(&app, "BTG-HU-NH").await.to_string();
        let coord = org(&app, "DUCA-NH").await.to_string();
        let before = app
            .store()
            .tasks(&TaskFilter::default())
            .await
            .unwrap()
            .len();
        let path = format!("/plans/{plan}/tasks");
        let cases: [(&[(&str, &str)], &str); 3] = [
            (
                &[("title", "Nhiệm vụ thử"), ("coordinators", &coord)],
                "Phải có một đơn vị chủ trì.",
            ),
            (
                &[
                    ("title", "Nhiệm vụ thử"),
                    ("lead", &lead),
                    ("coordinators", &coord),
                    ("coordinators", &lead),
                ],
                "Đơn vị phối hợp không được trùng đơn vị chủ trì.",
            ),
            (
                &[
                    ("title", "Nhiệm vụ thử"),
                    ("lead", &lead),
                    ("due", "01/08/2023"),
                ],
                "Thời hạn không được trước ngày ban hành văn bản.",
            ),
        ];
        for (form, msg) in cases {
            let resp = app.post_form_as(Role::FocalOfficer, &path, form).await;
            assert_eq!(resp.status(), 422, "{msg}");
            let html = body_text(resp).await;
            assert!(html.contains(msg), "{msg}: {html}");
        }
        assert_eq!(
            app.store()
                .tasks(&TaskFilter::default())
                .await
                .unwrap()
                .len(),
            before
        );
        // A good task, with two coordinators from the multi-select.
        let hd = org(&app, "HD-NH").await.to_string();
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &path,
                &[
                    ("title", "Tuyên truyền trong trường học"),
                    ("lead", &lead),
                    ("coordinators", &coord),
                    ("coordinators", &hd),
                    ("due", "30/10/2023"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 303);
        let (_, html) = app.get_as(Some(Role::Leader), &location(&resp)).await;
        assert!(html.contains("Huyện đoàn Ninh Hải") && html.contains("2023-10-30"));
    });
}

#[tokio::test]
async fn reports_hand_over_and_a_closed_task() {
    each_backend!(|app| {
        let plan = seed(&app).await;
        let t = task_of(&app, plan, "III.1").await;
        let path = format!("/tasks/{}/reports", t.id);
        // The unit officer's unit (CA-KH) is not on the task.
        let resp = post_multipart(
            &app,
            Role::UnitOfficer,
            &path,
            &[
                ("org_id", &t.lead.id.to_string()),
                ("percent", "50"),
                ("text", "x"),
            ],
            None,
        )
        .await;
        assert_eq!(resp.status(), 422);
        assert!(body_text(resp).await.contains("Đơn vị không chủ trì"));
        // The coordinating unit reports its part, with the minutes attached.
        let resp = post_multipart(
            &app,
            Role::FocalOfficer,
            &path,
            &[
                ("org_id", &t.coordinators[0].id.to_string()),
                ("percent", "100"),
                ("reported_on", "05/09/2023"),
                ("text", "Đã phối hợp chuẩn bị tài liệu hội nghị"),
            ],
            Some(("bien-ban.pdf", b"%PDF-1.4 bien ban")),
        )
        .await;
        assert_eq!(resp.status(), 303, "{}", body_text(resp).await);
        let (_, html) = app
            .get_as(Some(Role::Leader), &format!("/tasks/{}", t.id))
            .await;
        assert!(html.contains("Đã phối hợp chuẩn bị tài liệu hội nghị"));
        let rep = &app.store().task_reports(t.id).await.unwrap()[0];
        let (status, pdf) = get_bytes(
            &app,
            Role::Leader,
            &format!("/plans/files/{}", rep.sha256.clone().unwrap()),
        )
        .await;
        assert_eq!((status, pdf.as_slice()), (200, &b"%PDF-1.4 bien ban"[..]));
        // Comments: any unit on the page may add one; an empty one is refused.
        let cpath = format!("/tasks/{}/comments", t.id);
        let resp = app
            .post_form_as(
                Role::UnitOfficer,
                &cpath,
                &[("text", "Đề nghị gửi kèm danh sách dự")],
            )
            .await;
        assert_eq!(resp.status(), 303);
        let resp = app
            .post_form_as(Role::UnitOfficer, &cpath, &[("text", "  ")])
            .await;
        assert_eq!(resp.status(), 422);
        assert!(body_text(resp).await.contains("là bắt buộc"));
        let (_, html) = app
            .get_as(Some(Role::Leader), &format!("/tasks/{}", t.id))
            .await;
        assert!(html.contains("Đề nghị gửi kèm danh sách dự"));
        // Hand-over to the new commune's Party committee: a trace on the page.
        let new_lead = org(&app, "DU-XH").await.to_string();
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/tasks/{}/lead", t.id),
                &[
                    ("lead", &new_lead),
                    ("reason", "Sắp xếp đơn vị hành chính từ 1/7/2025"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 303);
        let (_, html) = app
            .get_as(Some(Role::Leader), &format!("/tasks/{}", t.id))
            .await;
        assert!(html.contains("Ban Tuyên giáo Huyện ủy Ninh Hải → <strong>Đảng ủy xã Xuân Hải</strong>: Sắp xếp đơn vị hành chính từ 1/7/2025"), "{html}");
        // Closed: a report is refused.
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/tasks/{}/status", t.id),
                &[("status", "closed")],
            )
            .await;
        assert_eq!(resp.status(), 303);
        assert_eq!(
            app.store().task(t.id).await.unwrap().status,
            TaskStatus::Closed
        );
        let resp = post_multipart(
            &app,
            Role::FocalOfficer,
            &path,
            &[
                ("org_id", &new_lead),
                ("percent", "10"),
                ("text", "Báo cáo muộn"),
            ],
            None,
        )
        .await;
        assert_eq!(resp.status(), 422);
        assert!(
            body_text(resp)
                .await
                .contains("Nhiệm vụ đã hoàn thành hoặc đã đóng")
        );
        assert_eq!(app.store().task_reports(t.id).await.unwrap().len(), 1);
    });
}

#[tokio::test]
async fn urging_records_reminders_and_escalates() {
    each_backend!(|app| {
        seed(&app).await;
        let resp = app
            .post_form_as(Role::FocalOfficer, "/plans/urging", &[])
            .await;
        assert_eq!(resp.status(), 303);
        let (status, html) = app.get_as(Some(Role::Leader), "/plans/urging").await;
        assert_eq!(status, 200);
        // III.2 (due 20/9/2023) is long overdue: its unit is reminded and the district
        // Standing Board (the superior) is told; no mail server, in-app only.
        assert!(html.contains("Báo cáo cấp trên"), "{html}");
        assert!(html.contains("Ban Thường vụ Huyện ủy Ninh Hải"));
        assert!(html.contains("chưa cấu hình máy chủ thư"));
        let n = app.store().reminders(None, 1000).await.unwrap().len();
        assert!(n >= 2);
        // Running again the same day sends nothing new.
        app.post_form_as(Role::FocalOfficer, "/plans/urging", &[])
            .await;
        assert_eq!(app.store().reminders(None, 1000).await.unwrap().len(), n);
    });
}

fn docx_xml(bytes: &[u8]) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut f = z.by_name("word/document.xml").unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

/// The rows of the document's tables, as cell texts.
fn table_rows(xml: &str) -> Vec<Vec<String>> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name((W_NS, "tr")))
        .map(|tr| {
            tr.children()
                .filter(|c| c.has_tag_name((W_NS, "tc")))
                .map(|tc| {
                    tc.descendants()
                        .filter(|n| n.is_text())
                        .map(|t| t.text().unwrap_or(""))
                        .collect::<String>()
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_consolidated_report_is_a_docx_with_the_three_criteria_table() {
    each_backend!(|app| {
        let plan = seed(&app).await;
        let t = task_of(&app, plan, "III.2").await;
        app.store()
            .task_report_add(
                &Actor::system(),
                t.id,
                &atgt_store::plans::ReportInput {
                    org_id: t.lead.id,
                    period: String::new(),
                    reported_on: jiff::civil::date(2023, 9, 18),
                    percent: 100,
                    text: "Đã quán triệt đến 100% đảng viên, gửi Kế hoạch hành động".into(),
                    file: None,
                },
            )
            .await
            .unwrap();
        let q = "from=2023-09-01&to=2023-09-30";
        let (status, html) = app
            .get_as(
                Some(Role::FocalOfficer),
                &format!("/plans/{plan}/report?{q}"),
            )
            .await;
        assert_eq!(status, 200);
        assert!(
            html.contains("Đảng ủy Công an huyện Ninh Hải: III.2"),
            "{html}"
        );
        assert!(html.contains("Số     -BC/HU"), "Party layout proposed");
        // The draft is edited before issuing.
        let body = "Các đơn vị đã quán triệt Chỉ thị số 23-CT/TW.\n\n- Đảng ủy Công an huyện Ninh Hải: đã gửi Kế hoạch hành động ngày 18/9/2023.";
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/plans/{plan}/report"),
                &[
                    ("from", "2023-09-01"),
                    ("to", "2023-09-30"),
                    ("number", "Số 12-BC/HU"),
                    ("layout", "party"),
                    ("body", body),
                ],
            )
            .await;
        assert_eq!(resp.status(), 303, "{}", body_text(resp).await);
        let (status, v1) = get_bytes(&app, Role::Leader, &format!("/plans/{plan}/reports/1")).await;
        assert_eq!(status, 200);
        let xml = docx_xml(&v1);
        assert!(xml.contains("ĐẢNG CỘNG SẢN VIỆT NAM"));
        assert!(
            xml.contains("ĐẢNG BỘ TỈNH NINH THUẬN"),
            "the Party body above the issuer"
        );
        assert!(xml.contains("Kết quả thực hiện Kế hoạch thực hiện Chỉ thị số 23-CT/TW"));
        assert!(xml.contains("Số 12-BC/HU"));
        assert!(xml.contains("đã gửi Kế hoạch hành động ngày 18/9/2023"));
        let rows = table_rows(&xml);
        let header = rows
            .iter()
            .find(|r| r.first().is_some_and(|c| c == "Tiêu chí"))
            .expect("the three-criteria table");
        assert_eq!(
            header,
            &[
                "Tiêu chí",
                "Kỳ này",
                "Cùng kỳ năm trước",
                "Tăng (+), giảm (−)"
            ]
        );
        let first: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.first().map(|c| c.as_str()))
            .collect();
        for c in ["Số vụ", "Số người chết", "Số người bị thương"] {
            assert!(first.contains(&c), "{c}: {rows:?}");
        }
        // A second issue is a new version; the first stays as issued.
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/plans/{plan}/report"),
                &[
                    ("from", "2023-09-01"),
                    ("to", "2023-09-30"),
                    ("number", "Số 13-BC/HU"),
                    ("layout", "party"),
                    ("body", "Bản sửa."),
                ],
            )
            .await;
        assert_eq!(resp.status(), 303);
        let (_, v1_again) =
            get_bytes(&app, Role::Leader, &format!("/plans/{plan}/reports/1")).await;
        assert_eq!(v1, v1_again);
        let (_, v2) = get_bytes(&app, Role::Leader, &format!("/plans/{plan}/reports/2")).await;
        assert!(docx_xml(&v2).contains("Số 13-BC/HU"));
        // Empty text: refused, nothing issued.
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/plans/{plan}/report"),
                &[
                    ("from", "2023-09-01"),
                    ("to", "2023-09-30"),
                    ("number", "x"),
                    ("body", " "),
                ],
            )
            .await;
        assert_eq!(resp.status(), 422);
        assert_eq!(app.store().plan_reports(plan).await.unwrap().len(), 2);
    });
}

#[tokio::test]
async fn conferences_show_dissemination_coverage() {
    each_backend!(|app| {
        let plan = seed(&app).await;
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/plans/{plan}/events"),
                &[
                    ("title", "Hội nghị quán triệt Chỉ thị số 23-CT/TW"),
                    ("held_on", "05/09/2023"),
                    ("units", "DUCA-NH, 25\nKHONG-CO, 3"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 422);
        let html = body_text(resp).await;
        assert!(
            html.contains("Không có đơn vị") && html.contains("KHONG-CO"),
            "{html}"
        );
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/plans/{plan}/events"),
                &[
                    ("title", "Hội nghị quán triệt Chỉ thị số 23-CT/TW"),
                    ("held_on", "05/09/2023"),
                    ("units", "DUCA-NH, 25\nMTTQ-NH, 4"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 303);
        let (_, html) = app
            .get_as(Some(Role::Leader), &format!("/plans/{plan}"))
            .await;
        assert!(html.contains("Đảng ủy Công an huyện Ninh Hải: 25 người"));
        assert!(html.contains("2/"), "coverage counts two units");
        assert!(html.contains("Chưa quán triệt"));
    });
}

#[tokio::test]
async fn the_api_lists_plans_and_tasks() {
    each_backend!(|app| {
        let plan = seed(&app).await;
        let call = |path: String| {
            let key = app.key_all.clone();
            let app = &app;
            async move {
                let resp = app
                    .send(
                        Request::get(path)
                            .header(header::AUTHORIZATION, format!("Bearer {key}"))
                            .body(Body::empty())
                            .unwrap(),
                    )
                    .await;
                assert_eq!(resp.status(), 200);
                serde_json::from_str::<serde_json::Value>(&body_text(resp).await).unwrap()
            }
        };
        let v = call(format!("/api/v1/plans/{plan}")).await;
        assert_eq!(v["items"].as_array().unwrap().len(), 16);
        assert_eq!(v["chain"][0]["number"], "23-CT/TW");
        let tasks = call(format!("/api/v1/tasks?plan_id={plan}")).await;
        assert_eq!(tasks.as_array().unwrap().len(), 17);
        let id = tasks[0]["id"].as_i64().unwrap();
        let t = call(format!("/api/v1/tasks/{id}")).await;
        assert!(t["task"]["lead"]["name"].is_string());
        let all = call("/api/v1/plans".into()).await;
        assert_eq!(all.as_array().unwrap().len(), 3);
    });
}

#[tokio::test]
async fn the_leader_view_compares_the_units_area_with_the_same_period() {
    each_backend!(|app| {
        let plan = seed(&app).await;
        let crash = |year: i16, deaths: u32, injured: u32| atgt_core::crashes::CrashRecord {
            occurred: atgt_core::crashes::Occurred {
                year,
                month: Some(5),
                day: Some(10),
                ..Default::default()
            },
            admin_scheme: Some("new".into()),
            commune_code: Some("22861".into()),
            deaths,
            injured,
            ..Default::default()
        };
        for (y, d, i) in [(2023, 2, 3), (2023, 1, 0), (2022, 1, 1)] {
            app.store()
                .crash_create(&Actor::system(), &crash(y, d, i), "test", None)
                .await
                .unwrap();
        }
        // A report keeps DUCA-NH's III.2 on time; the others of the plan are late or not started.
        let t = task_of(&app, plan, "III.2").await;
        app.store()
            .task_report_add(
                &Actor::system(),
                t.id,
                &atgt_store::plans::ReportInput {
                    org_id: t.lead.id,
                    period: String::new(),
                    reported_on: jiff::civil::date(2023, 9, 18),
                    percent: 100,
                    text: "Xong".into(),
                    file: None,
                },
            )
            .await
            .unwrap();
        let (status, html) = app
            .get_as(
                Some(Role::Leader),
                &format!("/plans/leader?plan={plan}&from=2023-01-01&to=2023-12-31"),
            )
            .await;
        assert_eq!(status, 200);
        let row = html
            .split("<tr>")
            .find(|r| r.contains(">Ban Tuyên giáo Huyện ủy Ninh Hải<"))
            .expect("a row for the unit");
        // The old district of Ninh Hải (586) holds the new commune Xuân Hải: 2 crashes,
        // 3 deaths, 3 injured in 2023 against 1, 1, 1 in 2022.
        assert!(row.contains("old_district=586"), "{row}");
        assert!(
            row.contains(">2 <span class=\"muted\">(cùng kỳ 1)"),
            "{row}"
        );
        assert!(row.contains(">3 <span class=\"muted\">(1)"), "{row}");
        let duca = html
            .split("<tr>")
            .find(|r| r.contains(">Đảng ủy Công an huyện Ninh Hải<"))
            .unwrap();
        assert!(duca.contains("18/09/2023"), "{duca}");
        // On time 1 (III.2 done by its deadline); its other tasks, unreported and
        // without a deadline or with a period due, count as late or not started.
        assert!(duca.contains("<td class=\"num\">1</td>"), "{duca}");
    });
}
