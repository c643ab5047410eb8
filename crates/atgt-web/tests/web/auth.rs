//! Sign-in, sessions, CSRF and API keys, over a real socket where cookies matter.

use crate::each_backend;
use crate::helpers::{PASSWORD, TestApp, body_text, csrf_field, location};
use atgt_core::auth::Role;
use atgt_store::testkit::backends;
use atgt_web::WebConfig;
use axum::body::Body;
use axum::http::{Request, header};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn login_page(c: &reqwest::Client, base: &str) -> String {
    let r = c.get(format!("{base}/login")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    csrf_field(&r.text().await.unwrap())
}

#[tokio::test]
async fn sign_in_use_and_sign_out() {
    each_backend!(|app| {
        let base = app.serve().await;
        let c = client();
        // Not signed in: pages send you to the sign-in page, with the way back.
        let r = c.get(format!("{base}/admin/users")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(
            r.headers()[header::LOCATION],
            "/login?next=%2Fadmin%2Fusers"
        );
        let csrf = login_page(&c, &base).await;
        // Wrong password: a Vietnamese message, 401, no session.
        let r = c
            .post(format!("{base}/login"))
            .form(&[
                ("username", "u.admin"),
                ("password", "sai mật khẩu rồi"),
                ("_csrf", &csrf),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("Tên đăng nhập hoặc mật khẩu không đúng."),
            "{html}"
        );
        // Right password (username case does not matter).
        let csrf = csrf_field(&html);
        let r = c
            .post(format!("{base}/login"))
            .form(&[
                ("username", "U.Admin"),
                ("password", PASSWORD),
                ("_csrf", &csrf),
                ("next", "/admin/users"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()[header::LOCATION], "/admin/users");
        let set_cookie: Vec<String> = r
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let session = set_cookie
            .iter()
            .find(|c| c.starts_with("atgt_session="))
            .unwrap();
        assert!(
            session.contains("HttpOnly") && session.contains("SameSite=Lax"),
            "{session}"
        );
        let r = c.get(format!("{base}/admin/users")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let html = r.text().await.unwrap();
        assert!(html.contains("u.analyst"));
        // The sign-in is in the audit log.
        let log = app
            .store()
            .audit_list(&atgt_store::audit::AuditFilter {
                limit: 5,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(log[0].action, "auth.login");
        // Sign out (a POST with the CSRF token), then the session no longer works.
        let token = csrf_field(&html);
        let r = c
            .post(format!("{base}/logout"))
            .form(&[("_csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let r = c.get(format!("{base}/admin/users")).send().await.unwrap();
        assert_eq!(r.status(), 303);
    });
}

#[tokio::test]
async fn sign_in_without_its_token_is_refused() {
    each_backend!(|app| {
        let base = app.serve().await;
        let c = client();
        let r = c
            .post(format!("{base}/login"))
            .form(&[
                ("username", "u.admin"),
                ("password", PASSWORD),
                ("_csrf", "forged"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Biểu mẫu đã hết hạn hoặc không hợp lệ")
        );
    });
}

#[tokio::test]
async fn repeated_failures_are_rate_limited() {
    for backend in backends() {
        let app = TestApp::with_config(
            backend,
            WebConfig {
                secure_cookies: false,
                login_max_failures: 3,
                ..Default::default()
            },
        )
        .await;
        let base = app.serve().await;
        let c = client();
        let mut last = 0;
        for _ in 0..4 {
            let csrf = login_page(&c, &base).await;
            let r = c
                .post(format!("{base}/login"))
                .form(&[
                    ("username", "u.leader"),
                    ("password", "không đúng đâu"),
                    ("_csrf", &csrf),
                ])
                .send()
                .await
                .unwrap();
            last = r.status().as_u16();
        }
        assert_eq!(last, 429);
        // Even the right password waits now.
        let csrf = login_page(&c, &base).await;
        let r = c
            .post(format!("{base}/login"))
            .form(&[
                ("username", "u.leader"),
                ("password", PASSWORD),
                ("_csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("Đăng nhập sai quá nhiều lần")
        );
    }
}

#[tokio::test]
async fn a_form_without_the_csrf_token_changes_nothing() {
    each_backend!(|app| {
        let (cookie, _) = app.session(Role::Admin).await;
        let before = app.store().orgs(None, 1000, 0).await.unwrap().1;
        let req = Request::post("/admin/orgs")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(
                "code=MOI&name=Don+vi+moi&kind=department&admin_scheme=new&admin_code=56",
            ))
            .unwrap();
        let resp = app.send(req).await;
        assert_eq!(resp.status(), 403);
        assert!(body_text(resp).await.contains("Biểu mẫu đã hết hạn"));
        assert_eq!(app.store().orgs(None, 1000, 0).await.unwrap().1, before);
        // The same form with the token goes through.
        let resp = app
            .post_form_as(
                Role::Admin,
                "/admin/orgs",
                &[
                    ("code", "MOI"),
                    ("name", "Đơn vị mới"),
                    ("kind", "department"),
                    ("admin_scheme", "new"),
                    ("admin_code", "56"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_eq!(resp.status(), 303, "{}", body_text(resp).await);
        assert_eq!(app.store().orgs(None, 1000, 0).await.unwrap().1, before + 1);
    });
}

#[tokio::test]
async fn an_expired_session_asks_to_sign_in_again() {
    each_backend!(|app| {
        let u = &app.users[&Role::Leader];
        let tok = "expired-token-for-test";
        app.store()
            .session_create(
                u,
                &atgt_web::auth::token::sha256_hex(tok),
                "c",
                atgt_store::now_us() - 1,
                "127.0.0.1",
                "t",
            )
            .await
            .unwrap();
        let req = Request::get("/")
            .header(header::COOKIE, format!("atgt_session={tok}"))
            .body(Body::empty())
            .unwrap();
        let resp = app.send(req).await;
        assert_eq!(resp.status(), 303);
        assert_eq!(location(&resp), "/login?next=%2F&expired=1");
        let (_, html) = app.get_as(None, "/login?next=%2F&expired=1").await;
        assert!(html.contains("Phiên đăng nhập đã hết hạn"));
    });
}

#[tokio::test]
async fn password_change_needs_the_current_password_and_policy() {
    each_backend!(|app| {
        let r = app
            .post_form_as(
                Role::Analyst,
                "/account/password",
                &[
                    ("current", "sai"),
                    ("new", "mật khẩu mới dài"),
                    ("confirm", "mật khẩu mới dài"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(body_text(r).await.contains("Mật khẩu hiện tại không đúng."));
        let r = app
            .post_form_as(
                Role::Analyst,
                "/account/password",
                &[("current", PASSWORD), ("new", "ngắn"), ("confirm", "ngắn")],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(body_text(r).await.contains("ít nhất 10 ký tự"));
        let r = app
            .post_form_as(
                Role::Analyst,
                "/account/password",
                &[
                    ("current", PASSWORD),
                    ("new", "mật khẩu mới dài"),
                    ("confirm", "mật khẩu mới dài"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let c = app.store().user_credentials("u.analyst").await.unwrap();
        assert!(atgt_web::auth::password::verify(
            "mật khẩu mới dài",
            &c.password_hash
        ));
    });
}

#[tokio::test]
async fn api_keys_are_checked() {
    each_backend!(|app| {
        let call = |auth: String| {
            Request::get("/api/v1/admin-units?q=khanh+hoa&level=province")
                .header(header::AUTHORIZATION, auth)
                .body(Body::empty())
                .unwrap()
        };
        let resp = app.send(call(format!("Bearer {}", app.key_all))).await;
        assert_eq!(resp.status(), 200);
        let v: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
        assert_eq!(v["total"], 1);
        assert_eq!(v["items"][0]["code"], "56");
        // Without the scope: 403. Wrong or malformed key: 401 with WWW-Authenticate.
        assert_eq!(
            app.send(call(format!("Bearer {}", app.key_none)))
                .await
                .status(),
            403
        );
        let mut forged = app.key_all.clone();
        forged.pop();
        forged.push('x');
        let resp = app.send(call(format!("Bearer {forged}"))).await;
        assert_eq!(resp.status(), 401);
        assert_eq!(resp.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(app.send(call("Bearer nonsense".into())).await.status(), 401);
        // A revoked key stops working at once.
        let id = app
            .store()
            .apikeys()
            .await
            .unwrap()
            .iter()
            .find(|k| k.name == "Tất cả phạm vi")
            .unwrap()
            .id;
        app.store()
            .apikey_revoke(&atgt_core::audit::Actor::system(), id)
            .await
            .unwrap();
        assert_eq!(
            app.send(call(format!("Bearer {}", app.key_all)))
                .await
                .status(),
            401
        );
    });
}
