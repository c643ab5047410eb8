//! The public report form and the staff side: photos cleaned of their metadata (time
//! and place kept as fields), upload limits and fake files refused with a message
//! naming the field and nothing stored, text escaped on output, wrong coordinates
//! refused, the triage flowing back to the reporter's tracking page, re-encroachment
//! flagged in the queue, violations forwarded to the police's list.

use crate::each_backend;
use crate::helpers::{TestApp, body_text, location};
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use atgt_store::hazards::EncroachmentInput;
use atgt_store::reports::ReportFilter;
use atgt_web::WebConfig;
use axum::body::Body;
use axum::http::{Request, header};

const B: &str = "BIEN-GIOI-9A";

/// A multipart body: (name, file name, bytes).
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{B}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{B}--\r\n").as_bytes());
    body
}

async fn submit(app: &TestApp, parts: &[(&str, Option<&str>, &[u8])]) -> (u16, String, String) {
    let resp = app
        .send(
            Request::post("/public/reports")
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={B}"),
                )
                .body(Body::from(multipart(parts)))
                .unwrap(),
        )
        .await;
    let status = resp.status().as_u16();
    let loc = location(&resp);
    (status, loc, body_text(resp).await)
}

fn contains(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

fn base<'a>(code: &'a str, desc: &'a str) -> Vec<(&'a str, Option<&'a str>, &'a [u8])> {
    vec![
        ("service_code", None, code.as_bytes()),
        ("description", None, desc.as_bytes()),
        ("lat", None, b"11.6301"),
        ("lon", None, b"109.0301"),
        ("first_name", None, "Lê Văn Dân".as_bytes()),
        ("phone", None, b"0912 345 678"),
    ]
}

async fn app_with_limits(backend: atgt_store::Backend) -> TestApp {
    TestApp::with_config(
        backend,
        WebConfig {
            secure_cookies: false,
            report_photo_max_bytes: 4096,
            report_video_max_bytes: 4096,
            ..Default::default()
        },
    )
    .await
}

#[tokio::test]
async fn photos_are_stored_without_metadata_and_the_reporter_follows_the_code() {
    for backend in atgt_store::testkit::backends() {
        let app = app_with_limits(backend).await;
        // A signed-in officer can use the public form too: its multipart post carries
        // the CSRF token in the query.
        let (cookie, csrf) = app.session(Role::UnitOfficer).await;
        let resp = app
            .send(
                Request::post(format!("/public/reports?_csrf={csrf}"))
                    .header(header::COOKIE, cookie)
                    .header(
                        header::CONTENT_TYPE,
                        format!("multipart/form-data; boundary={B}"),
                    )
                    .body(Body::from(multipart(&base(
                        "HAZ-SIGN",
                        "Biển báo bị cây che",
                    ))))
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status().as_u16(), 303);
        let (s, html) = app.get_as(Some(Role::UnitOfficer), "/public/reports").await;
        assert_eq!(s, 200);
        assert!(html.contains("action=\"/public/reports?_csrf="), "{html}");
        let (s, html) = app.get_as(None, "/public/reports").await;
        assert!(html.contains("action=\"/public/reports\""));
        assert_eq!(s, 200);
        assert!(
            html.contains("Phản ánh về an toàn giao thông")
                && html.contains("enctype=\"multipart/form-data\"")
        );
        assert!(
            html.contains("Lấn chiếm vỉa hè, hè phố")
                && html.contains("Phản ánh vi phạm trật tự giao thông")
        );

        let jpeg = atgt_core::reports::sample_jpeg_with_exif();
        let mut parts = base(
            "ENC-SIDEWALK",
            "Quán nước bày bàn ghế kín vỉa hè <script>alert('x')</script>",
        );
        parts.push(("photo", Some("IMG_0001.jpg"), &jpeg));
        let (s, loc, body) = submit(&app, &parts).await;
        assert_eq!(s, 303, "{body}");
        assert!(loc.starts_with("/public/reports/track?code=PA-"), "{loc}");
        let code = loc["/public/reports/track?code=".len()..]
            .split('&')
            .next()
            .unwrap()
            .to_string();
        let r = app.store().report_by_token(&code).await.unwrap();
        assert_eq!(r.status, "received");
        let files = app.store().report_files(r.id).await.unwrap();
        assert_eq!(files.len(), 1);
        let f = &files[0];
        assert_eq!(f.mime, "image/jpeg");
        let stored = app.state.files.get(&f.sha256).unwrap();
        for secret in [
            &b"CanonSecretMake"[..],
            b"EOS-SECRET-MODEL",
            b"SERIAL-0042-XYZ",
            b"Chu May",
            b"Exif",
        ] {
            assert!(
                !contains(&stored, secret),
                "{}",
                String::from_utf8_lossy(secret)
            );
        }
        assert!(stored.starts_with(&[0xFF, 0xD8]));
        // Time and place survive as fields: 08:30 Vietnam time = 01:30 UTC.
        let t = jiff::Timestamp::from_microsecond(f.taken_at_us.unwrap()).unwrap();
        assert_eq!(t.to_string(), "2026-11-25T01:30:00Z");
        assert!((f.lat.unwrap() - 11.63).abs() < 1e-9 && (f.lon.unwrap() - 109.03).abs() < 1e-9);

        // The tracking page: escaped text, no contact data.
        let (s, html) = app
            .get_as(None, &format!("/public/reports/track?code={code}&new=1"))
            .await;
        assert_eq!(s, 200);
        assert!(html.contains(&code));
        assert!(html.contains("Đã tiếp nhận, đang phân loại"));
        assert!(html.contains("&#60;script&#62;alert"), "{html}");
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("Lê Văn Dân") && !html.contains("0912 345 678"));
        let (s, html) = app
            .get_as(None, "/public/reports/track?code=PA-2222222222")
            .await;
        assert_eq!(s, 404);
        assert!(html.contains("Không tìm thấy phản ánh có mã này"));

        // Staff see it in the queue (escaped too), with the photo's time and place.
        let (s, html) = app.get_as(Some(Role::FocalOfficer), "/reports").await;
        assert_eq!(s, 200);
        assert!(html.contains(&format!("/reports/{}", r.id)) && html.contains("&#60;script&#62;"));
        assert!(!html.contains("<script>alert"));
        let (s, html) = app
            .get_as(Some(Role::FocalOfficer), &format!("/reports/{}", r.id))
            .await;
        assert_eq!(s, 200);
        assert!(html.contains("Lê Văn Dân"), "staff see the contact");
        assert!(html.contains("Chụp lúc 25/11/2026 08:30"));
        let (s, _) = app
            .get_as(
                Some(Role::FocalOfficer),
                &format!("/reports/{}/files/{}", r.id, f.sha256),
            )
            .await;
        assert_eq!(s, 200);
        let (s, _) = app
            .get_as(Some(Role::PoliceOfficer), &format!("/reports/{}", r.id))
            .await;
        assert_eq!(s, 403);

        // Triage into an encroachment case; the status flows back to the reporter.
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/reports/{}/triage", r.id),
                &[
                    ("action", "encroachment"),
                    ("place", "Vỉa hè số 12 đường 16/4"),
                    ("kind", "sidewalk"),
                    ("responsible", "UBND xã Xuân Hải"),
                    ("deadline", "30/12/2026"),
                ],
            )
            .await;
        assert_eq!(resp.status().as_u16(), 303, "{}", body_text(resp).await);
        let (_, html) = app
            .get_as(None, &format!("/public/reports/track?code={code}"))
            .await;
        assert!(html.contains("Đã chuyển vào hồ sơ xử lý"), "{html}");
        assert!(html.contains("Vụ việc lấn chiếm — Đang xử lý"));
        let r = app.store().report(r.id).await.unwrap();
        let case_id = r.case_id.unwrap();
        let audit = app.store().audit_head().await.unwrap().unwrap().0;
        assert!(audit > 0);

        // Resolved, then a new report at the same place is flagged as re-encroachment.
        let resp = app
            .post_form_as(
                Role::UnitOfficer,
                &format!("/hazards/encroachments/{case_id}/resolve"),
                &[
                    ("resolution", "Đã giải tỏa, cam kết không tái phạm"),
                    ("resolved_on", "01/12/2026"),
                ],
            )
            .await;
        assert_eq!(resp.status().as_u16(), 303);
        let (_, html) = app
            .get_as(None, &format!("/public/reports/track?code={code}"))
            .await;
        assert!(html.contains("Vụ việc lấn chiếm — Đã giải tỏa"));
        assert!(
            html.contains("Cập nhật kết quả xử lý"),
            "the history shows the case update"
        );
        let (s, _, body) = submit(&app, &base("ENC-SIDEWALK", "Lại bày bàn ghế trên vỉa hè")).await;
        assert_eq!(s, 303, "{body}");
        let (_, html) = app.get_as(Some(Role::FocalOfficer), "/reports").await;
        assert!(
            html.contains(&format!("Tái lấn chiếm #{case_id}")),
            "{html}"
        );
        let again = app
            .store()
            .reports(&ReportFilter {
                status: Some("received".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/reports/{}/triage", again[0].id),
                &[
                    ("action", "encroachment"),
                    ("kind", "sidewalk"),
                    ("place", "Vỉa hè số 12"),
                    ("responsible", "UBND xã Xuân Hải"),
                ],
            )
            .await;
        assert_eq!(resp.status().as_u16(), 303);
        let (_, html) = app.get_as(Some(Role::Leader), "/hazards").await;
        assert!(
            html.contains(&format!("Tái lấn chiếm #{case_id}")),
            "{html}"
        );
    }
}

#[tokio::test]
async fn fake_oversized_and_misplaced_uploads_are_refused_and_nothing_is_stored() {
    for backend in atgt_store::testkit::backends() {
        let app = app_with_limits(backend).await;
        let html_file = b"<html><script>alert(1)</script></html>";
        let mut parts = base("HAZ-POTHOLE", "Ổ gà lớn");
        parts.push(("photo", Some("o-ga.jpg"), html_file));
        let (s, _, body) = submit(&app, &parts).await;
        assert_eq!(s, 422);
        assert!(body.contains("Trường &#34;Ảnh chụp&#34; không hợp lệ: tệp &#34;o-ga.jpg&#34; không phải ảnh JPEG hoặc PNG"), "{body}");
        // The form keeps what was typed.
        assert!(body.contains("Ổ gà lớn"));

        // A real JPEG header with a broken structure is refused too.
        let mut broken = atgt_core::reports::sample_jpeg_with_exif();
        broken.truncate(40);
        let mut parts = base("HAZ-POTHOLE", "Ổ gà");
        parts.push(("photo", Some("hong.jpg"), &broken));
        let (s, _, body) = submit(&app, &parts).await;
        assert_eq!(s, 422, "{body}");
        assert!(body.contains("không phải ảnh JPEG hoặc PNG"));

        let mut big = atgt_core::reports::sample_jpeg_with_exif();
        big.splice(big.len() - 2..big.len() - 2, vec![0x11u8; 5000]);
        let mut parts = base("HAZ-POTHOLE", "Ổ gà");
        parts.push(("photo", Some("lon.jpg"), &big));
        let (s, _, body) = submit(&app, &parts).await;
        assert_eq!(s, 422);
        assert!(
            body.contains("Ảnh chụp&#34; không hợp lệ: ảnh vượt quá dung lượng cho phép (4 KB)"),
            "{body}"
        );

        let mut parts = base("HAZ-POTHOLE", "Ổ gà");
        parts.push(("video", Some("clip.mp4"), html_file));
        let (s, _, body) = submit(&app, &parts).await;
        assert_eq!(s, 422);
        assert!(
            body.contains(
                "Trường &#34;Video&#34; không hợp lệ: tệp &#34;clip.mp4&#34; không phải video MP4."
            ),
            "{body}"
        );
        let mut video = b"\0\0\0\x10ftypisom\0\0\0\0".to_vec();
        video.extend(vec![0u8; 5000]);
        let mut parts = base("HAZ-POTHOLE", "Ổ gà");
        parts.push(("video", Some("dai.mp4"), &video));
        let (s, _, body) = submit(&app, &parts).await;
        assert_eq!(s, 422);
        assert!(
            body.contains("video vượt quá dung lượng cho phép (4 KB)"),
            "{body}"
        );

        // Wrong coordinates, missing service, a violation without its kind.
        let mut parts = base("HAZ-POTHOLE", "Ổ gà");
        parts[2] = ("lat", None, b"48.85");
        parts[3] = ("lon", None, b"2.35");
        let (s, _, body) = submit(&app, &parts).await;
        assert_eq!(s, 422);
        assert!(
            body.contains("tọa độ nằm ngoài lãnh thổ Việt Nam"),
            "{body}"
        );
        let mut parts = base("HAZ-POTHOLE", "Ổ gà");
        parts[2] = ("lat", None, b"abc");
        let (s, _, body) = submit(&app, &parts).await;
        assert_eq!(s, 422);
        assert!(body.contains("Tọa độ (vĩ độ, kinh độ)"), "{body}");
        let (s, _, body) = submit(&app, &base("", "Ổ gà")).await;
        assert_eq!(s, 422);
        assert!(body.contains("Nội dung phản ánh"), "{body}");
        let (s, _, body) = submit(&app, &base("VIOLATION", "Vượt đèn đỏ")).await;
        assert_eq!(s, 422);
        assert!(body.contains("Hành vi vi phạm"), "{body}");

        assert!(
            app.store()
                .reports(&ReportFilter {
                    limit: 100,
                    ..Default::default()
                })
                .await
                .unwrap()
                .is_empty()
        );
        // No file reached the file store either.
        let dir = std::path::Path::new(&app.state.config.files_dir);
        assert!(!dir.exists() || std::fs::read_dir(dir).unwrap().next().is_none());
    }
}

#[tokio::test]
async fn violations_forwarded_reach_the_police_and_abuse_is_rejected() {
    each_backend!(|app| {
        let jpeg = atgt_core::reports::sample_jpeg_with_exif();
        let mut parts = base("VIOLATION", "Xe tải chở quá tải, biển 79C-111.22");
        parts.push(("photo", Some("xe-tai.jpg"), &jpeg));
        parts.push(("violation_kind", None, b"overload"));
        parts.push(("plate", None, b"79C-111.22"));
        let (s, loc, _) = submit(&app, &parts).await;
        assert_eq!(s, 303);
        let code = loc["/public/reports/track?code=".len()..]
            .split('&')
            .next()
            .unwrap()
            .to_string();
        let r = app.store().report_by_token(&code).await.unwrap();
        // The tracking page of a violation report does not repeat its text (plate).
        let (_, html) = app
            .get_as(None, &format!("/public/reports/track?code={code}"))
            .await;
        assert!(!html.contains("79C-111.22"));
        let resp = app
            .post_form_as(
                Role::Supervisor,
                &format!("/reports/{}/triage", r.id),
                &[("action", "forward"), ("note", "Đề nghị Đội CSGT xác minh")],
            )
            .await;
        assert_eq!(resp.status().as_u16(), 303);
        let (s, html) = app
            .get_as(Some(Role::PoliceOfficer), "/reports/violations")
            .await;
        assert_eq!(s, 200);
        let sha = app.store().report_files(r.id).await.unwrap()[0]
            .sha256
            .clone();
        assert!(
            html.contains(&format!("/reports/violations/{}/files/{sha}", r.id)),
            "{html}"
        );
        assert!(html.contains("Chụp lúc 25/11/2026 08:30"));
        let (s, _) = app
            .get_as(
                Some(Role::PoliceOfficer),
                &format!("/reports/violations/{}/files/{sha}", r.id),
            )
            .await;
        assert_eq!(s, 200);
        assert!(
            html.contains("79C-111.22")
                && html.contains("Chở quá tải, cơi nới thành thùng")
                && html.contains("Đề nghị Đội CSGT xác minh")
        );
        let (s, _) = app.get_as(Some(Role::Analyst), "/reports/violations").await;
        assert_eq!(s, 403);
        let (_, html) = app
            .get_as(None, &format!("/public/reports/track?code={code}"))
            .await;
        assert!(html.contains("Đã chuyển lực lượng chức năng xác minh"));

        // An abusive report: rejected with a reason the reporter does not see.
        let (_, loc, _) = submit(&app, &base("HAZ-SIGN", "nội dung xúc phạm cán bộ")).await;
        let code = loc["/public/reports/track?code=".len()..]
            .split('&')
            .next()
            .unwrap()
            .to_string();
        let r = app.store().report_by_token(&code).await.unwrap();
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/reports/{}/triage", r.id),
                &[("action", "reject"), ("reason", "")],
            )
            .await;
        assert_eq!(resp.status().as_u16(), 422);
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/reports/{}/triage", r.id),
                &[
                    ("action", "reject"),
                    ("reason", "Xúc phạm, không có nội dung phản ánh"),
                ],
            )
            .await;
        assert_eq!(resp.status().as_u16(), 303);
        let (_, html) = app
            .get_as(None, &format!("/public/reports/track?code={code}"))
            .await;
        assert!(html.contains("Không tiếp nhận") && !html.contains("Xúc phạm, không có nội dung"));
        // A report forwarded is not a violation: refused.
        let (_, loc, _) = submit(&app, &base("HAZ-SIGN", "Biển báo bị che khuất")).await;
        let code = loc["/public/reports/track?code=".len()..]
            .split('&')
            .next()
            .unwrap()
            .to_string();
        let r2 = app.store().report_by_token(&code).await.unwrap();
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/reports/{}/triage", r2.id),
                &[("action", "forward")],
            )
            .await;
        assert_eq!(resp.status().as_u16(), 422);
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/reports/{}/triage", r2.id),
                &[("action", "duplicate"), ("duplicate_of", &r.token)],
            )
            .await;
        assert_eq!(resp.status().as_u16(), 303);
        assert_eq!(
            app.store().report(r2.id).await.unwrap().duplicate_of,
            Some(r.id)
        );
    });
}

#[tokio::test]
async fn the_hazards_page_records_cases_crossings_and_proposals() {
    each_backend!(|app| {
        let (s, html) = app.get_as(Some(Role::Analyst), "/hazards").await;
        assert_eq!(s, 200);
        assert!(
            html.contains("Ghi nhận vụ việc lấn chiếm")
                && html.contains("Lối đi qua đường sắt Bắc – Nam")
        );
        let (_, html) = app.get_as(Some(Role::Leader), "/hazards").await;
        assert!(
            !html.contains("Ghi nhận vụ việc lấn chiếm"),
            "leaders read only"
        );
        let ok = |resp: axum::http::Response<Body>| assert_eq!(resp.status().as_u16(), 303);
        ok(app
            .post_form_as(
                Role::Analyst,
                "/hazards/crossings",
                &[
                    ("name", "Lối đi tự mở thôn Tân An"),
                    ("km", "1342+600"),
                    ("kind", "unauthorised"),
                    ("status", "open"),
                    ("lat", "11.64"),
                    ("lon", "109.02"),
                ],
            )
            .await);
        let c = app.store().crossings().await.unwrap();
        assert_eq!(c[0].km, 1342.6);
        // A crossing past its deadline and not closed is shown overdue.
        let (_, html) = app.get_as(Some(Role::Leader), "/hazards").await;
        assert!(!html.contains("Quá hạn"));
        ok(app
            .post_form_as(
                Role::Analyst,
                "/hazards/crossings",
                &[
                    ("name", "Lối đi tự mở thôn Gò Đền"),
                    ("km", "1401+250"),
                    ("kind", "unauthorised"),
                    ("status", "open"),
                    ("deadline", "31/10/2020"),
                ],
            )
            .await);
        let (_, html) = app.get_as(Some(Role::Leader), "/hazards").await;
        assert!(html.contains("Quá hạn"), "{html}");
        ok(app
            .post_form_as(
                Role::Analyst,
                &format!("/hazards/crossings/{}/measures", c[0].id),
                &[
                    ("on_date", "20/11/2026"),
                    ("measure", "Xây tường rào, cắm biển cấm"),
                    ("status", "closed"),
                ],
            )
            .await);
        assert_eq!(
            app.store().crossing(c[0].id).await.unwrap().status,
            "closed"
        );
        let resp = app
            .post_form_as(
                Role::Analyst,
                "/hazards/proposals",
                &[
                    ("title", "Mở rộng ĐT704"),
                    ("kind", "widening"),
                    ("justification", "Đường hẹp, lưu lượng lớn"),
                    ("crash_ids", "999999"),
                ],
            )
            .await;
        assert_eq!(resp.status().as_u16(), 422);
        ok(app
            .post_form_as(
                Role::Analyst,
                "/hazards/proposals",
                &[
                    ("title", "Mở rộng ĐT704 và tuyến nối dài"),
                    ("kind", "widening"),
                    ("road_code", "ĐT704"),
                    ("justification", "Đường hẹp, lưu lượng lớn mùa du lịch"),
                    ("cost_vnd", "120.000.000.000"),
                    ("authority", "UBND tỉnh"),
                ],
            )
            .await);
        let p = app.store().proposals().await.unwrap();
        assert_eq!(p[0].cost_vnd, 120_000_000_000);
        ok(app
            .post_form_as(
                Role::Analyst,
                &format!("/hazards/proposals/{}/status", p[0].id),
                &[
                    ("status", "submitted"),
                    ("status_on", "01/12/2026"),
                    ("note", "Tờ trình số 12/TTr-UBND"),
                ],
            )
            .await);
        let resp = app
            .post_form_as(
                Role::Analyst,
                "/hazards/encroachments",
                &[
                    ("place", "Chợ Khánh Hải"),
                    ("kind", "market"),
                    ("responsible", "UBND xã Xuân Hải"),
                    ("lat", "40.0"),
                    ("lon", "109.0"),
                ],
            )
            .await;
        assert_eq!(resp.status().as_u16(), 422);
        ok(app
            .post_form_as(
                Role::Analyst,
                "/hazards/encroachments",
                &[
                    ("place", "Chợ Khánh Hải"),
                    ("kind", "market"),
                    ("responsible", "UBND xã Xuân Hải"),
                    ("lat", "11.63"),
                    ("lon", "109.03"),
                ],
            )
            .await);
        let (_, html) = app.get_as(Some(Role::Leader), "/hazards").await;
        assert!(
            html.contains("Mở rộng ĐT704 và tuyến nối dài")
                && html.contains("120.000.000.000")
                && html.contains("Tờ trình số 12/TTr-UBND")
        );
        assert!(
            html.contains("Xây tường rào, cắm biển cấm")
                && html.contains("Đã thu hẹp, xóa bỏ")
                && html.contains("1342+600")
        );
        // The same over the API, with a key holding hazards:read.
        let resp = app
            .send(
                Request::get("/api/v1/rail-crossings")
                    .header(header::AUTHORIZATION, format!("Bearer {}", app.key_all))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status().as_u16(), 200);
        let v: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
        assert!(
            v.as_array()
                .unwrap()
                .iter()
                .any(|c| c["status"] == "closed" && c["measures"] == 1)
        );
        let resp = app
            .send(
                Request::get("/api/v1/proposals")
                    .header(header::AUTHORIZATION, format!("Bearer {}", app.key_none))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status().as_u16(), 403);
        let (s, body) = app
            .get_as(Some(Role::Auditor), "/api/v1/encroachments?status=open")
            .await;
        assert_eq!(s, 200);
        assert!(
            body.contains("Chợ Khánh Hải") && body.contains("\"place_recurrences\":0"),
            "{body}"
        );
        let (s, gj) = app
            .get_as(Some(Role::Leader), "/hazards/hazards.geojson")
            .await;
        assert_eq!(s, 200);
        let v: serde_json::Value = serde_json::from_str(&gj).unwrap();
        assert_eq!(v["features"].as_array().unwrap().len(), 2);
        // The store side was audited.
        let _ = app
            .store()
            .encroachment_create(
                &Actor::system(),
                &EncroachmentInput {
                    place: "x".into(),
                    kind: "sidewalk".into(),
                    responsible: "y".into(),
                    lon: 109.03,
                    lat: 11.63,
                    ..Default::default()
                },
                50.0,
            )
            .await
            .unwrap();
    });
}

/// An encroachment case and a report accepted into it, for the page and route tests:
/// (case id, report id).
pub async fn fixture(app: &TestApp) -> (i64, i64) {
    use atgt_store::reports::{NewReport, Triage};
    let s = app.store();
    let r = s
        .report_create(
            &Actor::system(),
            &NewReport {
                token: atgt_web::open311::new_token(),
                service_code: "ENC-SIDEWALK".into(),
                description: "Bày hàng kín vỉa hè".into(),
                lon: Some(109.03),
                lat: Some(11.63),
                channel: "portal".into(),
                ..Default::default()
            },
            &[],
        )
        .await
        .unwrap();
    let r = s
        .report_triage(
            &Actor::system(),
            r.id,
            &Triage::Encroachment(EncroachmentInput {
                place: "Vỉa hè chợ Khánh Hải".into(),
                kind: "sidewalk".into(),
                responsible: "UBND xã Xuân Hải".into(),
                lon: 109.03,
                lat: 11.63,
                ..Default::default()
            }),
            50.0,
        )
        .await
        .unwrap();
    (r.case_id.unwrap(), r.id)
}

#[tokio::test]
async fn a_case_page_shows_the_place_record_and_takes_photos() {
    each_backend!(|app| {
        let (case, _) = fixture(&app).await;
        app.store()
            .encroachment_resolve(&Actor::system(), case, "Đã giải tỏa", &None)
            .await
            .unwrap();
        let again = app
            .store()
            .encroachment_create(
                &Actor::system(),
                &EncroachmentInput {
                    place: "Vỉa hè chợ Khánh Hải".into(),
                    kind: "sidewalk".into(),
                    responsible: "UBND xã Xuân Hải".into(),
                    lon: 109.0301,
                    lat: 11.6301,
                    ..Default::default()
                },
                50.0,
            )
            .await
            .unwrap();
        assert_eq!(again.recurrence_of, Some(case));
        let (s, html) = app
            .get_as(
                Some(Role::FocalOfficer),
                &format!("/hazards/encroachments/{}", again.id),
            )
            .await;
        assert_eq!(s, 200);
        assert!(
            html.contains("Các vụ việc tại vị trí này")
                && html.contains(&format!("/hazards/encroachments/{case}"))
        );
        assert!(
            html.contains("<strong>1</strong>"),
            "one re-encroachment counted against the place"
        );
        let png = b"\x89PNG\r\n\x1a\nrest-of-a-site-photo";
        let (cookie, csrf) = app.session(Role::UnitOfficer).await;
        let body = multipart(&[
            ("file", Some("hien-truong.png"), png),
            ("caption", None, "Sau giải tỏa".as_bytes()),
        ]);
        let resp = app
            .send(
                Request::post(format!(
                    "/hazards/encroachments/{}/photos?_csrf={csrf}",
                    again.id
                ))
                .header(header::COOKIE, cookie)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={B}"),
                )
                .body(Body::from(body))
                .unwrap(),
            )
            .await;
        assert_eq!(resp.status().as_u16(), 303);
        let files = app.store().encroachment_files(again.id).await.unwrap();
        assert_eq!(files.len(), 1);
        let (s, _) = app
            .get_as(
                Some(Role::Leader),
                &format!(
                    "/hazards/encroachments/{}/photos/{}",
                    again.id, files[0].sha256
                ),
            )
            .await;
        assert_eq!(s, 200);
        let (_, html) = app
            .get_as(
                Some(Role::Leader),
                &format!("/hazards/encroachments/{}", again.id),
            )
            .await;
        assert!(html.contains("Sau giải tỏa"));
    });
}

#[tokio::test]
async fn reports_outside_the_locality_are_refused_when_bounds_are_set() {
    for backend in atgt_store::testkit::backends() {
        let app = TestApp::with_config(
            backend,
            WebConfig {
                secure_cookies: false,
                locality_bbox: Some([108.9, 11.5, 109.3, 11.9]),
                ..Default::default()
            },
        )
        .await;
        // Hà Nội is in Viet Nam but not in this locality.
        let mut parts = base("HAZ-POTHOLE", "Ổ gà");
        parts[2] = ("lat", None, b"21.0285");
        parts[3] = ("lon", None, b"105.8542");
        let (s, _, body) = submit(&app, &parts).await;
        assert_eq!(s, 422);
        assert!(
            body.contains("vị trí nằm ngoài địa bàn tiếp nhận phản ánh"),
            "{body}"
        );
        let (s, _, _) = submit(&app, &base("HAZ-POTHOLE", "Ổ gà")).await;
        assert_eq!(s, 303);
        assert_eq!(
            app.store()
                .reports(&ReportFilter {
                    limit: 100,
                    ..Default::default()
                })
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

/// A report form posted from a given client address (as the socket would report it).
async fn submit_from(app: &TestApp, ip: &str, desc: &str) -> (u16, Option<String>, String) {
    let mut req = Request::post("/public/reports")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={B}"),
        )
        .body(Body::from(multipart(&base("HAZ-SIGN", desc))))
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
            ip.parse().unwrap(),
            50000,
        )));
    let resp = app.send(req).await;
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_string());
    (status, retry, body_text(resp).await)
}

#[tokio::test]
async fn a_flood_of_reports_from_one_client_is_refused_before_anything_is_stored() {
    each_backend!(|app| {
        // Ten reports at once are taken from one address.
        for i in 0..10 {
            let (s, _, _) = submit_from(&app, "203.0.113.7", &format!("Biển báo bị che {i}")).await;
            assert_eq!(s, 303, "report {i}");
        }
        // The eleventh is refused with 429, Retry-After and a Vietnamese message, and
        // the form keeps what was typed; nothing more is stored.
        let (s, retry, html) = submit_from(&app, "203.0.113.7", "Báo cáo thứ mười một").await;
        assert_eq!(s, 429);
        assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);
        assert!(html.contains("Quý vị đã gửi nhiều phản ánh"), "{html}");
        assert!(html.contains("Báo cáo thứ mười một"));
        let stored = app
            .store()
            .reports(&ReportFilter {
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(stored.len(), 10);
        // Another citizen is not affected.
        let (s, _, _) = submit_from(&app, "198.51.100.20", "Ổ gà trên ĐT704").await;
        assert_eq!(s, 303);
    });
}
