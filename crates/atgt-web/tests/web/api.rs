//! The JSON API: shapes, errors and the audit trail of its writes.

use crate::each_backend;
use crate::helpers::body_text;
use atgt_core::auth::Role;
use axum::body::Body;
use axum::http::{Request, header};

#[tokio::test]
async fn creating_an_org_over_the_api() {
    each_backend!(|app| {
        let (cookie, csrf) = app.session(Role::Admin).await;
        let post = |body: serde_json::Value, csrf: &str| {
            Request::post("/api/v1/orgs")
                .header(header::COOKIE, cookie.clone())
                .header("x-csrf-token", csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let good = serde_json::json!({"code": "DOAN-XH", "name": "Đoàn Thanh niên xã Xuân Hải", "kind": "mass_organisation", "admin_scheme": "new", "admin_code": "22861"});
        // Without the CSRF header a browser session cannot write.
        assert_eq!(app.send(post(good.clone(), "")).await.status(), 403);
        let resp = app.send(post(good.clone(), &csrf)).await;
        assert_eq!(resp.status(), 201);
        let org: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
        assert_eq!(org["code"], "DOAN-XH");
        // The same code again: 422 naming the field, in Vietnamese.
        let resp = app.send(post(good, &csrf)).await;
        assert_eq!(resp.status(), 422);
        let e: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
        assert_eq!(e["error"]["code"], "invalid");
        assert_eq!(e["error"]["field"], "code");
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Mã đơn vị đã được sử dụng")
        );
        assert!(!e["error"]["request_id"].as_str().unwrap().is_empty());
        // The API reads it back and the audit log has it.
        let (status, body) = app
            .get_as(
                Some(Role::Auditor),
                &format!("/api/v1/audit?entity_kind=org&entity_id={}", org["id"]),
            )
            .await;
        assert_eq!(status, 200);
        let log: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(log[0]["action"], "org.create");
        assert_eq!(log[0]["actor_name"], "u.admin");
        let (_, body) = app
            .get_as(Some(Role::Auditor), "/api/v1/audit/verify")
            .await;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(v["broken"].is_null(), "{v}");
    });
}

#[tokio::test]
async fn english_errors_for_clients_that_ask() {
    each_backend!(|app| {
        let req = Request::get("/api/v1/users")
            .header(header::ACCEPT_LANGUAGE, "en")
            .header(header::AUTHORIZATION, format!("Bearer {}", app.key_all))
            .body(Body::empty())
            .unwrap();
        let resp = app.send(req).await;
        assert_eq!(resp.status(), 403);
        let e: serde_json::Value = serde_json::from_str(&body_text(resp).await).unwrap();
        assert_eq!(e["error"]["message"], "You are not allowed to do this.");
    });
}

#[tokio::test]
async fn metrics_for_the_scraper_key() {
    each_backend!(|app| {
        let _ = app.get_as(None, "/healthz").await;
        let req = Request::get("/metrics")
            .header(header::AUTHORIZATION, format!("Bearer {}", app.key_all))
            .body(Body::empty())
            .unwrap();
        let resp = app.send(req).await;
        assert_eq!(resp.status(), 200);
        let text = body_text(resp).await;
        assert!(
            text.contains(
                "atgt_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains("atgt_audit_chain_entries"));
        let (status, _) = app.get_as(None, "/metrics").await;
        assert_eq!(status, 401);
    });
}

#[tokio::test]
async fn health_check_answers() {
    each_backend!(|app| {
        let (status, body) = app.get_as(None, "/healthz").await;
        assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    });
}
