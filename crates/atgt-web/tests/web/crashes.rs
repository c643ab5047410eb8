//! The crash registry through the web: entry, versions, personal data, area scope,
//! import, statistics, exports read back by real parsers, editable rules.

use crate::each_backend;
use crate::helpers::{TestApp, body_text, location};
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use axum::body::Body;
use axum::http::{Request, header};
use calamine::Reader;
use std::io::Read;

async fn seed(app: &TestApp) {
    app.store()
        .road_create(
            &Actor::system(),
            &atgt_store::roads::RoadInput {
                code: "QL1A".into(),
                name: "Quốc lộ 1A".into(),
                kind: "national".into(),
                province_code: "56".into(),
                managing_org_code: None,
                km_start: 1520.0,
                ascending: true,
                line: vec![[109.100, 11.830], [109.050, 11.760], [108.990, 11.600]],
                note: String::new(),
            },
        )
        .await
        .unwrap();
}

const CSV: &str = "external_id,occurred_at,commune_code,route,km,lon,lat,deaths,injured,property_damage_vnd,description,vehicle_types,causes
CA-1,02/09/2025 18:05,22861,QL1A,Km 1530+250,,,1,2,15.000.000,Va chạm xe mô tô và ô tô,motorbike;car,speeding
CA-2,2025-09-10 07:30,22846,,,109.1,11.7,0,1,0,Tự ngã,motorbike,inattention
CA-3,2025-09-31 07:30,22846,,,,,0,1,0,Ngày sai,motorbike,
CA-4,2025-09-12,22861,QL1A,Km 9999+000,,,0,1,0,Lý trình sai,,
CA-5,2024-09-03 10:00,22858,,,,,2,0,0,Năm trước (xã cũ),truck,alcohol
";

async fn import_csv(app: &TestApp) -> serde_json::Value {
    let (cookie, csrf) = app.session(Role::Analyst).await;
    let req = Request::post("/api/v1/crashes/import?name=thang9.csv")
        .header(header::COOKIE, cookie)
        .header("x-csrf-token", csrf)
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(CSV))
        .unwrap();
    let resp = app.send(req).await;
    assert_eq!(resp.status(), 200);
    serde_json::from_str(&body_text(resp).await).unwrap()
}

#[tokio::test]
async fn import_reports_rows_and_statistics_follow() {
    each_backend!(|app| {
        seed(&app).await;
        let rep = import_csv(&app).await;
        assert_eq!(rep["inserted"], 3);
        let rejected: Vec<(u64, &str)> = rep["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["row"].as_u64().unwrap(), e["column"].as_str().unwrap()))
            .collect();
        assert_eq!(rejected, vec![(3, "occurred_at"), (4, "km")]);
        // The same file again: duplicates only.
        assert_eq!(import_csv(&app).await["duplicates"], 3);
        // September 2025 against September 2024 in Xuân Hải (the 2024 crash was in old Xã Xuân Hải).
        let (status, html) = app
            .get_as(
                Some(Role::Leader),
                "/crashes/stats?dim=commune&from=2025-09-01&to=2025-09-30",
            )
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("Xã Xuân Hải"), "{html}");
        let (_, body) = app
            .get_as(
                Some(Role::Leader),
                "/api/v1/crashes/stats?dim=commune&from=2025-09-01&to=2025-09-30",
            )
            .await;
        let st: serde_json::Value = serde_json::from_str(&body).unwrap();
        let xh = st["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == "22861")
            .unwrap();
        assert_eq!(
            (
                xh["crashes"].as_i64(),
                xh["deaths"].as_i64(),
                xh["prev_crashes"].as_i64(),
                xh["prev_deaths"].as_i64()
            ),
            (Some(1), Some(1), Some(1), Some(2))
        );
        // The dashboard and the map render.
        let (status, html) = app
            .get_as(
                Some(Role::Leader),
                "/crashes/dashboard?from=2025-01-01&to=2025-12-31",
            )
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("Số người chết"));
        let (status, _) = app.get_as(Some(Role::Leader), "/crashes/map").await;
        assert_eq!(status, 200);
    });
}

#[tokio::test]
async fn the_import_page_lists_rejected_rows_in_vietnamese() {
    each_backend!(|app| {
        seed(&app).await;
        let (cookie, csrf) = app.session(Role::Analyst).await;
        let boundary = "XBOUNDARYX";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"thang9.csv\"\r\nContent-Type: text/csv\r\n\r\n{CSV}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\non\r\n--{boundary}--\r\n"
        );
        let req = Request::post(format!("/crashes/import?_csrf={csrf}"))
            .header(header::COOKIE, cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        let resp = app.send(req).await;
        assert_eq!(resp.status(), 200);
        let html = body_text(resp).await;
        assert!(html.contains("Dòng 3, cột occurred_at"), "{html}");
        assert!(
            html.contains("Lý trình Km 9999+000 nằm ngoài phạm vi của tuyến."),
            "{html}"
        );
        assert!(html.contains("Chạy thử"));
        assert_eq!(
            app.store()
                .crashes(&Default::default(), 10, 0)
                .await
                .unwrap()
                .1,
            0,
            "a dry run writes nothing"
        );
    });
}

#[tokio::test]
async fn entry_versions_personal_data_and_scope() {
    each_backend!(|app| {
        seed(&app).await;
        let form = [
            ("date", "2025-09-02"),
            ("time", "18:05"),
            ("commune_code", "22861"),
            ("road", "QL1A"),
            ("km", "Km 1530+250"),
            ("p0_outcome", "injured"),
            ("p0_role", "driver"),
            ("p0_age", "18-24"),
            ("p0_rate", "35"),
            ("p0_alcohol", "0.3"),
            ("p1_outcome", "injured"),
            ("p1_role", "passenger"),
            ("veh_motorbike", "1"),
            ("v0_kind", "car"),
            ("v0_plate", "85a-123.45"),
            ("v0_reg", "Khánh Hòa"),
            ("weather", "rain"),
            ("light", "dark_unlit"),
            ("cause_alcohol", "on"),
        ];
        // Bad input first: a field-named Vietnamese message, nothing written.
        let mut bad = form.to_vec();
        bad[0] = ("date", "31/02/2025");
        let resp = app
            .post_form_as(Role::PoliceOfficer, "/crashes", &bad)
            .await;
        assert_eq!(resp.status(), 422);
        assert!(body_text(resp).await.contains("Ngày không hợp lệ"));
        let resp = app
            .post_form_as(Role::PoliceOfficer, "/crashes", &form)
            .await;
        assert_eq!(resp.status(), 303);
        let url = location(&resp);
        let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
        let c = app.store().crash(id).await.unwrap();
        assert_eq!(
            (c.deaths, c.injured, c.class.as_str()),
            (0, 2, "it_nghiem_trong")
        );
        // The police see the people; a leader does not (sensitive personal data).
        let (_, html) = app.get_as(Some(Role::PoliceOfficer), &url).await;
        assert!(
            html.contains("0.3 mg/l") && html.contains("18-24"),
            "{html}"
        );
        let (_, html) = app.get_as(Some(Role::Leader), &url).await;
        assert!(!html.contains("0.3 mg/l") && !html.contains("18-24"));
        // Each vehicle with its plate and registration, the weather and the light.
        for shown in [
            "Ô tô con (85A-123.45, Khánh Hòa)",
            "Mô tô, xe gắn máy",
            "Mưa",
            "Ban đêm, không có chiếu sáng",
        ] {
            assert!(html.contains(shown), "{shown}");
        }
        let c = app.store().crash_record(id).await.unwrap();
        assert_eq!(
            (c.vehicles.len(), c.weather.as_deref(), c.light.as_deref()),
            (2, Some("rain"), Some("dark_unlit"))
        );
        // The edit form shows them again as entered.
        let (_, edit) = app
            .get_as(Some(Role::PoliceOfficer), &format!("{url}/edit"))
            .await;
        assert!(
            edit.contains(r#"value="85A-123.45""#)
                && edit.contains(r#"<option value="rain" selected>"#)
        );
        // A plate without the kind of vehicle is refused, naming the field.
        let mut bad = form.to_vec();
        bad.retain(|(k, _)| *k != "v0_kind");
        let resp = app
            .post_form_as(Role::PoliceOfficer, "/crashes", &bad)
            .await;
        assert_eq!(resp.status(), 422);
        assert!(
            body_text(resp)
                .await
                .contains("Loại phương tiện không có trong danh mục")
        );
        let (_, body) = app
            .get_as(
                Some(Role::Leader),
                &format!("/api/v1/crashes/{id}/versions"),
            )
            .await;
        assert!(!body.contains("alcohol_breath_mg_l\":0.3"), "{body}");
        // The driver dies on day 2: a new version needs a reason.
        let mut later = form.to_vec();
        later[5] = ("p0_outcome", "dead");
        later.push(("p0_died", "2"));
        let resp = app.post_form_as(Role::PoliceOfficer, &url, &later).await;
        assert_eq!(resp.status(), 422, "no reason");
        later.push(("reason", "Nạn nhân tử vong ngày thứ 2"));
        let resp = app.post_form_as(Role::PoliceOfficer, &url, &later).await;
        assert_eq!(resp.status(), 303);
        let c = app.store().crash(id).await.unwrap();
        assert_eq!(
            (c.version, c.deaths, c.class.as_str()),
            (2, 1, "nghiem_trong")
        );
        let (_, html) = app.get_as(Some(Role::PoliceOfficer), &url).await;
        assert!(html.contains("Nạn nhân tử vong ngày thứ 2") && html.contains("Phiên bản 1"));
        // A unit officer scoped to Vĩnh Hải does not see a Xuân Hải crash.
        let u = app.users[&Role::UnitOfficer].clone();
        let upd = atgt_store::users::UserUpdate {
            display_name: u.display_name.clone(),
            role: u.role,
            org_code: "CA-KH".into(),
            scope: Some((atgt_core::admin::Scheme::New, "22846".into())),
            active: true,
        };
        app.store()
            .user_update(&Actor::system(), u.id, &upd)
            .await
            .unwrap();
        let (status, _) = app.get_as(Some(Role::UnitOfficer), &url).await;
        assert_eq!(status, 404);
        let (_, body) = app
            .get_as(
                Some(Role::UnitOfficer),
                "/api/v1/crashes?from=2025-01-01&to=2025-12-31",
            )
            .await;
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["total"],
            0
        );
        assert!(app.store().audit_verify().await.unwrap().broken.is_none());
    });
}

fn unzip(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut f = z.by_name(name).unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

async fn download(app: &TestApp, path: &str) -> (String, Vec<u8>) {
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
    let ct = resp.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap()
        .to_vec();
    (ct, bytes)
}

#[tokio::test]
async fn exports_open_in_other_programs() {
    each_backend!(|app| {
        seed(&app).await;
        import_csv(&app).await;
        let q = "from=2024-01-01&to=2025-12-31";
        let (ct, csv) = download(&app, &format!("/crashes/export.csv?{q}")).await;
        assert!(ct.starts_with("text/csv"));
        assert!(csv.starts_with("\u{feff}".as_bytes()), "a BOM for Excel");
        let mut rdr = csv::Reader::from_reader(&csv[3..]);
        assert_eq!(rdr.records().count(), 3);
        let (_, xlsx) = download(&app, &format!("/crashes/export.xlsx?{q}")).await;
        let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx)).unwrap();
        let sheet = wb.sheet_names()[0].clone();
        let range = wb.worksheet_range(&sheet).unwrap();
        let header: Vec<String> = range
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert!(header.iter().any(|h| h == "Số người chết"), "{header:?}");
        assert_eq!(range.height(), 4);
        let (ct, geo) = download(&app, &format!("/crashes/export.geojson?{q}")).await;
        assert_eq!(ct, "application/geo+json");
        let g: serde_json::Value = serde_json::from_slice(&geo).unwrap();
        let feats = g["features"].as_array().unwrap();
        assert_eq!(
            feats.len(),
            2,
            "the two crashes with a point (km post or coordinates)"
        );
        let lon = feats
            .iter()
            .map(|f| f["geometry"]["coordinates"][0].as_f64().unwrap())
            .fold(0.0, f64::max);
        assert!(lon > 108.0 && lon < 110.0, "lon first");
        let (_, stats) = download(&app, &format!("/crashes/stats.xlsx?dim=month&{q}")).await;
        let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(stats)).unwrap();
        let s = wb.sheet_names()[0].clone();
        let text: Vec<String> = wb
            .worksheet_range(&s)
            .unwrap()
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
            .collect();
        assert!(text.iter().any(|t| t.contains("Tổng cộng")));
        let (_, docx) = download(&app, "/crashes/report.docx?from=2025-09-01&to=2025-09-30").await;
        let xml = unzip(&docx, "word/document.xml");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let cells: Vec<String> = doc
            .descendants()
            .filter(|n| {
                n.has_tag_name((
                    ("http://schemas.openxmlformats.org/wordprocessingml/2006/main"),
                    "tc",
                ))
            })
            .map(|tc| {
                tc.descendants()
                    .filter(|n| n.is_text())
                    .map(|t| t.text().unwrap_or(""))
                    .collect::<String>()
            })
            .collect();
        assert!(cells.iter().any(|c| c == "Số vụ"), "{cells:?}");
        assert!(cells.iter().any(|c| c == "Số người chết"));
        assert!(xml.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    });
}

#[tokio::test]
async fn rules_are_editable_data() {
    each_backend!(|app| {
        let (_, html) = app
            .get_as(Some(Role::Admin), "/admin/rules/crash-classes")
            .await;
        assert!(html.contains("Thông tư 26/2024/TT-BCA"));
        let resp = app
            .post_form_as(
                Role::Admin,
                "/admin/rules/crash-classes",
                &[("content", "rule_set = []")],
            )
            .await;
        assert_eq!(resp.status(), 422);
        assert!(body_text(resp).await.contains("Quy định không hợp lệ"));
        // Raise clause 4's threshold to 20%: a 15% injury becomes a collision.
        let edited = atgt_core::crashes::DEFAULT_RULES
            .replace("min_single_injury_rate = 11", "min_single_injury_rate = 20");
        let resp = app
            .post_form_as(
                Role::Admin,
                "/admin/rules/crash-classes",
                &[("content", &edited)],
            )
            .await;
        assert_eq!(resp.status(), 303);
        let rec = atgt_core::crashes::CrashRecord {
            occurred: atgt_core::crashes::Occurred {
                year: 2025,
                month: Some(9),
                day: Some(2),
                ..Default::default()
            },
            injured: 1,
            people: vec![atgt_core::crashes::Person {
                role: "driver".into(),
                outcome: "injured".into(),
                injury_rate: Some(15.0),
                ..Default::default()
            }],
            ..Default::default()
        };
        let c = app
            .store()
            .crash_create(&Actor::system(), &rec, "test", None)
            .await
            .unwrap();
        assert_eq!(c.class.as_str(), "va_cham");
        let log = app
            .store()
            .audit_list(&atgt_store::audit::AuditFilter {
                entity_kind: Some("rule_file".into()),
                limit: 5,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(log[0].action, "rules.update");
        // Only administrators edit rules.
        let resp = app
            .post_form_as(
                Role::Analyst,
                "/admin/rules/crash-classes",
                &[("content", &edited)],
            )
            .await;
        assert_eq!(resp.status(), 403);
    });
}

fn multipart(boundary: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, data) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes()),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

#[tokio::test]
async fn scene_photos_are_checked_stored_and_shown_to_whom_may_see_them() {
    each_backend!(|app| {
        seed(&app).await;
        import_csv(&app).await;
        let id = app
            .store()
            .crashes(&Default::default(), 10, 0)
            .await
            .unwrap()
            .0[0]
            .id;
        let png: &[u8] =
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
        let send = |cookie: String, csrf: String, body: Vec<u8>| {
            Request::post(format!("/crashes/{id}/photos?_csrf={csrf}"))
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "multipart/form-data; boundary=BNDRY")
                .body(Body::from(body))
                .unwrap()
        };
        // A script named .jpg is refused; nothing is linked.
        let (cookie, csrf) = app.session(Role::PoliceOfficer).await;
        let resp = app
            .send(send(
                cookie,
                csrf,
                multipart(
                    "BNDRY",
                    &[("file", Some("anh.jpg"), b"<script>alert(1)</script>")],
                ),
            ))
            .await;
        assert_eq!(resp.status(), 422);
        assert!(body_text(resp).await.contains("không phải ảnh"));
        // Too large: refused before it is stored.
        let (cookie, csrf) = app.session(Role::PoliceOfficer).await;
        let mut big = png.to_vec();
        big.resize(11 * 1024 * 1024, 0);
        let resp = app
            .send(send(
                cookie,
                csrf,
                multipart("BNDRY", &[("file", Some("lon.png"), &big)]),
            ))
            .await;
        assert!(
            resp.status() == 422 || resp.status() == 413,
            "{}",
            resp.status()
        );
        assert!(app.store().crash_files(id).await.unwrap().is_empty());
        // A real PNG goes in, once.
        let (cookie, csrf) = app.session(Role::PoliceOfficer).await;
        let resp = app
            .send(send(
                cookie,
                csrf,
                multipart(
                    "BNDRY",
                    &[
                        ("file", Some("hien-truong.png"), png),
                        ("caption", None, "Hiện trường".as_bytes()),
                    ],
                ),
            ))
            .await;
        assert_eq!(resp.status(), 303);
        let files = app.store().crash_files(id).await.unwrap();
        assert_eq!(
            (
                files.len(),
                files[0].mime.as_str(),
                files[0].caption.as_str()
            ),
            (1, "image/png", "Hiện trường")
        );
        let url = format!("/files/{}", files[0].sha256);
        let (_, html) = app
            .get_as(Some(Role::PoliceOfficer), &format!("/crashes/{id}"))
            .await;
        assert!(html.contains(&url));
        // The police read it; a leader (no personal-data permission) does not.
        let (cookie, _) = app.session(Role::PoliceOfficer).await;
        let resp = app
            .send(
                Request::get(&url)
                    .header(header::COOKIE, cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()[header::CONTENT_TYPE], "image/png");
        let (status, _) = app.get_as(Some(Role::Leader), &url).await;
        assert_eq!(status, 403);
        let (_, html) = app
            .get_as(Some(Role::Leader), &format!("/crashes/{id}"))
            .await;
        assert!(!html.contains(&url));
        let log = app
            .store()
            .audit_list(&atgt_store::audit::AuditFilter {
                entity_kind: Some("crash".into()),
                entity_id: Some(id.to_string()),
                limit: 5,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(log[0].action, "crash.file_add");
    });
}
