//! Pages render for the people allowed to see them, in Vietnamese by default and in
//! English on request, with no message key left untranslated.

use crate::each_backend;
use crate::helpers::{TestApp, body_text, location};
use atgt_core::auth::Role;
use atgt_core::i18n::{Lang, keys};
use atgt_web::routes::table;
use axum::body::Body;
use axum::http::{Method, Request, header};

/// The GET page routes (not the API, assets or redirects) with concrete URLs.
async fn pages(app: &TestApp) -> Vec<(String, atgt_core::auth::Perm)> {
    let org = app.store().org_by_code("UBND-XH").await.unwrap().id;
    let user = app.users[&Role::Analyst].id;
    // Cameras and violation processing (issue 6): a case that exists.
    let case = crate::enforcement::fixture_case(app).await;
    // plans and accountability (issue 7): the seed plan and one of its tasks.
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
        .tasks(&atgt_store::plans::TaskFilter::default())
        .await
        .unwrap()[0]
        .id;
    // events (issue 10): a parking area and a diversion plan that exist.
    let (_, parking, diversion) = crate::events::seed(app).await;
    // hotspots: black-spot screening (issue 5)
    let spot = app
        .store()
        .spot_create(
            &atgt_core::audit::Actor::system(),
            &atgt_store::hotspots::NewSpot {
                name: "Ngã ba Khánh Hải".into(),
                kind: atgt_core::hotspots::rules::SpotKind::Potential,
                method: "inspection".into(),
                candidate: None,
                road_code: None,
                km: None,
                lon: Some(109.03),
                lat: Some(11.63),
            },
        )
        .await
        .unwrap()
        .id;
    // hazards, Open311 and citizen reports (issue 9, part A): a case and a report.
    let (encroachment, report) = crate::reports::fixture(app).await;
    // public portal (issue 9): an article, a question, a campaign and a reward.
    let (article, question, campaign, reward) = crate::portal::seed_education(app).await;
    // shared data hub (issue 8): a vehicle and a licence that exist.
    crate::hub::seed(app).await;
    table()
        .iter()
        .filter(|r| r.spec.method == Method::GET)
        .map(|r| (r.spec.path, r.spec.perm))
        .filter(|(p, _)| {
            !p.starts_with("/api/")
                && !p.starts_with("/static")
                && !p.starts_with("/lang")
                && !["/metrics", "/healthz", "/favicon.ico"].contains(p)
                // Downloads and single crashes are checked by the crash tests.
                && ![".csv", ".xlsx", ".geojson", ".docx"].iter().any(|ext| p.ends_with(ext))
                && !p.starts_with("/crashes/{id}")
                && !p.starts_with("/files/")
                // Cameras and violation processing (issue 6): images are bytes.
                && !p.starts_with("/enforcement/images/")
                // plans and accountability (issue 7): downloads are checked by the plans tests.
                && !p.starts_with("/plans/files/")
                && !p.starts_with("/plans/{id}/reports/")
                // hotspots: black-spot screening (issue 5)
                && !p.starts_with("/hotspots/{id}/photos/")
                // hazards, Open311 and citizen reports (issue 9, part A): Open311 is
                // JSON and XML (tested in open311.rs); photos are bytes.
                && !p.starts_with("/open311/")
                && !p.contains("/files/")
                && !p.contains("/photos/")
        })
        .map(|(p, perm)| {
            let path = p
                .replace("/admin/orgs/{id}", &format!("/admin/orgs/{org}"))
                .replace("/admin/users/{id}", &format!("/admin/users/{user}"))
                .replace("{scheme}/{code}", "old/586")
                .replace("{module}", "plans")
                // plans and accountability (issue 7)
                .replace("/plans/{id}", &format!("/plans/{plan}"))
                .replace("/tasks/{id}", &format!("/tasks/{task}"))
                // events (issue 10)
                .replace(
                    "/events/parking/{id}",
                    &format!("/events/parking/{parking}"),
                )
                .replace(
                    "/events/diversions/{id}",
                    &format!("/events/diversions/{diversion}"),
                )
                // hotspots: black-spot screening (issue 5)
                .replace("/hotspots/{id}", &format!("/hotspots/{spot}"))
                // hazards, Open311 and citizen reports (issue 9, part A)
                .replace(
                    "/hazards/encroachments/{id}",
                    &format!("/hazards/encroachments/{encroachment}"),
                )
                .replace("/reports/{id}", &format!("/reports/{report}"))
                // Cameras and violation processing (issue 6)
                .replace(
                    "/enforcement/cases/{id}",
                    &format!("/enforcement/cases/{case}"),
                )
                // public portal (issue 9)
                .replace("education/{id}", &format!("education/{article}"))
                .replace("articles/{id}", &format!("articles/{article}"))
                .replace("questions/{id}", &format!("questions/{question}"))
                .replace("campaigns/{id}", &format!("campaigns/{campaign}"))
                .replace("rewards/{id}", &format!("rewards/{reward}"))
                // shared data hub (issue 8)
                .replace("{plate}", "79A-123.45")
                .replace("{no}", "790123456789");
            (path, perm)
        })
        .collect()
}

fn untranslated(html: &str, lang: Lang) -> Vec<&'static str> {
    keys(lang)
        .into_iter()
        .filter(|k| k.contains('.') && html.contains(&format!(">{k}<")))
        .collect()
}

#[tokio::test]
async fn every_page_renders_in_vietnamese_and_english() {
    each_backend!(|app| {
        for (path, perm) in pages(&app).await {
            // The administrator, or the first role that may see the page.
            let role = if atgt_core::auth::allows(Role::Admin, perm) {
                Role::Admin
            } else {
                Role::ALL
                    .into_iter()
                    .find(|r| atgt_core::auth::allows(*r, perm))
                    .unwrap()
            };
            let (cookie, _) = app.session(role).await;
            for (lang, marker) in [(Lang::Vi, "Đăng xuất"), (Lang::En, "Sign out")] {
                let req = Request::get(&path)
                    .header(
                        header::COOKIE,
                        format!("{cookie}; atgt_lang={}", lang.code()),
                    )
                    .body(Body::empty())
                    .unwrap();
                let resp = app.send(req).await;
                let status = resp.status();
                let loc = location(&resp);
                let html = body_text(resp).await;
                if path == "/login" {
                    assert_eq!(status, 303, "signed-in users skip the sign-in page");
                    assert_eq!(loc, "/");
                    continue;
                }
                assert_eq!(status, 200, "{path}: {html}");
                assert!(html.contains(marker), "{path} in {lang:?}");
                assert!(html.contains(&format!("<html lang=\"{}\">", lang.code())));
                let missing = untranslated(&html, lang);
                assert!(missing.is_empty(), "{path} shows raw keys {missing:?}");
            }
        }
    });
}

#[tokio::test]
async fn vietnamese_is_the_default_whatever_the_browser_says() {
    each_backend!(|app| {
        let req = Request::get("/login")
            .header(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")
            .body(Body::empty())
            .unwrap();
        let html = body_text(app.send(req).await).await;
        assert!(html.contains("<html lang=\"vi\">"));
        assert!(html.contains("Đăng nhập"));
        // The switch sets a cookie and comes back.
        let resp = app
            .send(
                Request::get("/lang/en?next=/login")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status(), 303);
        assert_eq!(location(&resp), "/login");
        assert!(
            resp.headers()[header::SET_COOKIE]
                .to_str()
                .unwrap()
                .starts_with("atgt_lang=en")
        );
        // Never to another site.
        let resp = app
            .send(
                Request::get("/lang/en?next=//evil.example")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(location(&resp), "/");
    });
}

#[tokio::test]
async fn admin_units_search_ignores_accents() {
    each_backend!(|app| {
        let (status, html) = app
            .get_as(
                Some(Role::UnitOfficer),
                "/admin-units?scheme=new&q=ninh+chu",
            )
            .await;
        assert_eq!(status, 200);
        assert!(html.contains("Phường Ninh Chử"), "{html}");
        // An old commune shows the new commune it became.
        let (_, html) = app
            .get_as(Some(Role::UnitOfficer), "/admin-units/old/22855")
            .await;
        assert!(
            html.contains("Xã Tân Hải") && html.contains("Xã Xuân Hải"),
            "{html}"
        );
        let (_, html) = app
            .get_as(Some(Role::UnitOfficer), "/admin/orgs?q=uy+ban+xuan+hai")
            .await;
        assert!(html.contains("Ủy ban nhân dân xã Xuân Hải"));
    });
}

#[tokio::test]
async fn bad_input_names_the_field_and_saves_nothing() {
    each_backend!(|app| {
        let count = |app: &crate::helpers::TestApp| {
            let s = app.store().clone();
            async move {
                (
                    s.orgs(None, 1000, 0).await.unwrap().1,
                    s.user_count().await.unwrap(),
                )
            }
        };
        let before = count(&app).await;
        let resp = app
            .post_form_as(
                Role::Admin,
                "/admin/orgs",
                &[
                    ("code", "MOI-1"),
                    ("name", "Đơn vị"),
                    ("kind", "department"),
                    ("admin_scheme", "new"),
                    ("admin_code", "99999"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 422);
        let html = body_text(resp).await;
        assert!(
            html.contains("Không có đơn vị hành chính mã &#34;99999&#34;")
                || html.contains("Không có đơn vị hành chính mã &quot;99999&quot;"),
            "{html}"
        );
        assert!(html.contains("Đơn vị hành chính"), "names the field");
        // The form keeps what was typed.
        assert!(html.contains("value=\"MOI-1\""));
        let resp = app
            .post_form_as(
                Role::Admin,
                "/admin/users",
                &[
                    ("username", "nguoi.moi"),
                    ("display_name", "Người mới"),
                    ("role", "leader"),
                    ("org_code", "KHONG-CO"),
                    ("password", "mật khẩu đủ dài"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 422);
        assert!(body_text(resp).await.contains("KHONG-CO"));
        assert_eq!(count(&app).await, before);
    });
}

#[tokio::test]
async fn home_shows_the_user_and_the_chain_head() {
    each_backend!(|app| {
        let (status, html) = app.get_as(Some(Role::Leader), "/").await;
        assert_eq!(status, 200);
        assert!(html.contains("Xin chào, Người dùng leader"));
        assert!(html.contains("Lãnh đạo"));
        assert!(html.contains("Tai nạn giao thông"));
        // Leaders see the users but not the API keys; unit officers see neither.
        assert!(html.contains("href=\"/admin/users\""));
        assert!(!html.contains("href=\"/admin/apikeys\""));
        let (_, html) = app.get_as(Some(Role::UnitOfficer), "/").await;
        assert!(!html.contains("href=\"/admin/users\""));
        let (_, html) = app.get_as(Some(Role::Admin), "/").await;
        assert!(html.contains("href=\"/admin/apikeys\""));
    });
}

#[tokio::test]
async fn assets_are_served_from_the_binary() {
    each_backend!(|app| {
        for (p, ct) in [
            ("/static/app.css", "text/css"),
            ("/static/vendor/leaflet.js", "javascript"),
            ("/static/vendor/htmx.min.js", "javascript"),
        ] {
            let resp = app.send(Request::get(p).body(Body::empty()).unwrap()).await;
            assert_eq!(resp.status(), 200, "{p}");
            assert!(
                resp.headers()[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .contains(ct),
                "{p}"
            );
        }
        assert_eq!(
            app.send(
                Request::get("/static/../Cargo.toml")
                    .body(Body::empty())
                    .unwrap()
            )
            .await
            .status(),
            404
        );
    });
}
