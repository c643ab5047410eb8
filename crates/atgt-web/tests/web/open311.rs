//! Open311 GeoReport v2 against the specification's examples: the shapes (field names,
//! root and item elements) of discovery, services, a service definition, posting a
//! request, listing and reading requests and tokens, in JSON and XML; the filters;
//! the error format (400/403/404) with nothing stored; no reporter data given out.

use crate::each_backend;
use crate::helpers::{TestApp, body_text};
use atgt_core::audit::Actor;
use atgt_store::reports::{ReportFilter, Triage};
use atgt_web::auth::token;
use axum::body::Body;
use axum::http::{Request, header};

async fn key(app: &TestApp, scopes: &[&str]) -> String {
    let (key, prefix) = token::new_api_key();
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    app.store()
        .apikey_create(
            &Actor::system(),
            &prefix,
            &token::sha256_hex(&key),
            "Ứng dụng phản ánh",
            &scopes,
            None,
        )
        .await
        .unwrap();
    key
}

async fn get(app: &TestApp, path: &str) -> (u16, String, String) {
    let resp = app
        .send(Request::get(path).body(Body::empty()).unwrap())
        .await;
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, body_text(resp).await)
}

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let body = serde_urlencoded::to_string(form).unwrap();
    let resp = app
        .send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    let status = resp.status().as_u16();
    (status, body_text(resp).await)
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

/// The text of the child element `name` of `node`.
fn child<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> Option<&'a str> {
    node.children()
        .find(|c| c.has_tag_name(name))
        .map(|c| c.text().unwrap_or(""))
}

#[tokio::test]
async fn discovery_services_and_definitions_have_the_specification_shapes() {
    each_backend!(|app| {
        let (s, ct, body) = get(&app, "/open311/v2/discovery.json").await;
        assert_eq!(s, 200);
        assert!(ct.starts_with("application/json"), "{ct}");
        let d = json(&body);
        for k in ["changeset", "contact", "key_service", "endpoints"] {
            assert!(d.get(k).is_some(), "{k}: {d}");
        }
        let ep = &d["endpoints"][0];
        assert_eq!(ep["specification"], "http://wiki.open311.org/GeoReport_v2");
        assert_eq!(ep["type"], "production");
        assert!(ep["url"].as_str().unwrap().ends_with("/open311/v2/"));
        let (s, ct, body) = get(&app, "/open311/v2/discovery.xml").await;
        assert_eq!(s, 200);
        assert!(ct.starts_with("text/xml"), "{ct}");
        let doc = roxmltree::Document::parse(&body).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "discovery");
        let ep = root
            .descendants()
            .find(|n| n.has_tag_name("endpoint"))
            .unwrap();
        assert_eq!(
            child(ep, "specification"),
            Some("http://wiki.open311.org/GeoReport_v2")
        );
        let formats: Vec<&str> = ep
            .descendants()
            .filter(|n| n.has_tag_name("format"))
            .map(|n| n.text().unwrap())
            .collect();
        assert_eq!(formats, ["text/xml", "application/json"]);

        // services: the list includes the kinds of the issue and the violation report.
        let (s, _, body) = get(&app, "/open311/v2/services.json").await;
        assert_eq!(s, 200);
        let list = json(&body);
        let list = list.as_array().unwrap();
        let codes: Vec<&str> = list
            .iter()
            .map(|x| x["service_code"].as_str().unwrap())
            .collect();
        for c in [
            "ENC-SIDEWALK",
            "ENC-CORRIDOR",
            "ENC-MARKET",
            "ENC-STRUCTURE",
            "RAIL-CROSSING",
            "HAZ-POTHOLE",
            "TRAFFIC-ORG",
            "VIOLATION",
        ] {
            assert!(codes.contains(&c), "{c}");
        }
        for x in list {
            for k in [
                "service_code",
                "service_name",
                "description",
                "metadata",
                "type",
                "keywords",
                "group",
            ] {
                assert!(x.get(k).is_some(), "{k} in {x}");
            }
            assert_eq!(x["type"], "realtime");
        }
        let v = list
            .iter()
            .find(|x| x["service_code"] == "VIOLATION")
            .unwrap();
        assert_eq!(v["service_name"], "Phản ánh vi phạm trật tự giao thông");
        assert_eq!(v["metadata"], true);
        let (_, _, body) = get(&app, "/open311/v2/services.xml").await;
        let doc = roxmltree::Document::parse(&body).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "services");
        let svcs: Vec<_> = doc
            .root_element()
            .children()
            .filter(|n| n.is_element())
            .collect();
        assert_eq!(svcs.len(), list.len());
        assert!(svcs.iter().all(|n| n.has_tag_name("service")));
        assert_eq!(child(svcs[0], "service_code"), Some("ENC-SIDEWALK"));
        assert_eq!(child(svcs[0], "metadata"), Some("false"));

        // A service definition.
        let (s, _, body) = get(&app, "/open311/v2/services/VIOLATION.json").await;
        assert_eq!(s, 200);
        let d = json(&body);
        assert_eq!(d["service_code"], "VIOLATION");
        let a = &d["attributes"][0];
        for k in [
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values",
        ] {
            assert!(a.get(k).is_some(), "{k} in {a}");
        }
        assert_eq!(a["code"], "violation_kind");
        assert_eq!(a["datatype"], "singlevaluelist");
        assert_eq!(a["required"], true);
        assert_eq!(a["order"], 1);
        assert!(
            a["values"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["key"] == "speeding" && v["name"] == "Chạy quá tốc độ")
        );
        let (_, _, body) = get(&app, "/open311/v2/services/VIOLATION.xml").await;
        let doc = roxmltree::Document::parse(&body).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "service_definition");
        let attr = root
            .descendants()
            .find(|n| n.has_tag_name("attribute"))
            .unwrap();
        assert_eq!(child(attr, "variable"), Some("true"));
        assert_eq!(child(attr, "datatype"), Some("singlevaluelist"));
        let value = attr
            .descendants()
            .find(|n| n.has_tag_name("value"))
            .unwrap();
        assert_eq!(child(value, "key"), Some("speeding"));

        // Unknown service: 404 in the error format.
        let (s, _, body) = get(&app, "/open311/v2/services/NOPE.json").await;
        assert_eq!(s, 404);
        let e = json(&body);
        assert_eq!(e[0]["code"], 404);
        assert!(e[0]["description"].as_str().unwrap().contains("NOPE"));
        let (s, _, body) = get(&app, "/open311/v2/services/NOPE.xml").await;
        assert_eq!(s, 404);
        let doc = roxmltree::Document::parse(&body).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "errors");
        let err = doc
            .root_element()
            .children()
            .find(|n| n.has_tag_name("error"))
            .unwrap();
        assert_eq!(child(err, "code"), Some("404"));
    });
}

#[tokio::test]
async fn posted_requests_get_a_token_then_an_id_and_never_give_out_the_reporter() {
    each_backend!(|app| {
        let k = key(&app, &["open311:submit"]).await;
        let form = [
            ("api_key", k.as_str()),
            ("service_code", "VIOLATION"),
            ("lat", "11.6301"),
            ("long", "109.0302"),
            ("attribute[violation_kind]", "red_light"),
            ("attribute[plate]", "79A-123.45"),
            ("email", "nguoidan@example.vn"),
            ("first_name", "Trần Thị"),
            ("last_name", "Bích"),
            ("phone", "0905123456"),
            ("description", "Xe ô tô vượt đèn đỏ tại ngã tư"),
            ("media_url", "https://example.vn/anh.jpg"),
        ];
        let (s, body) = post(&app, "/open311/v2/requests.json", &form).await;
        assert_eq!(s, 201, "{body}");
        let r = json(&body);
        let tok = r[0]["token"].as_str().unwrap().to_string();
        assert!(atgt_core::reports::is_code(&tok), "{tok}");
        assert!(r[0].get("service_notice").is_some() && r[0].get("account_id").is_some());
        assert!(r[0].get("service_request_id").is_none());

        // Until staff accept it, the token has no id and the list does not show it.
        let (s, _, body) = get(&app, &format!("/open311/v2/tokens/{tok}.json")).await;
        assert_eq!(s, 200);
        let t = json(&body);
        assert_eq!(t[0]["token"], tok.as_str());
        assert!(t[0]["service_request_id"].is_null());
        let (_, _, body) = get(&app, "/open311/v2/requests.json").await;
        assert_eq!(json(&body), serde_json::json!([]));

        let rep = app.store().report_by_token(&tok).await.unwrap();
        assert_eq!(rep.channel, "open311");
        assert_eq!(rep.email, "nguoidan@example.vn");
        app.store()
            .report_triage(
                &Actor::system(),
                rep.id,
                &Triage::Forward("CSGT xác minh".into()),
                50.0,
            )
            .await
            .unwrap();
        let id = rep.id.to_string();
        let (_, _, body) = get(&app, &format!("/open311/v2/tokens/{tok}.xml")).await;
        let doc = roxmltree::Document::parse(&body).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "service_requests");
        let req = doc
            .root_element()
            .children()
            .find(|n| n.has_tag_name("request"))
            .unwrap();
        assert_eq!(child(req, "service_request_id"), Some(id.as_str()));
        assert_eq!(child(req, "token"), Some(tok.as_str()));

        // A second request, an encroachment, accepted into a case.
        let (s, body) = post(
            &app,
            "/open311/v2/requests.xml",
            &[
                ("api_key", &k),
                ("service_code", "ENC-MARKET"),
                ("address_string", "Chợ Khánh Hải, đường 16/4"),
                ("description", "Họp chợ tràn ra lòng đường"),
            ],
        )
        .await;
        assert_eq!(s, 201, "{body}");
        let doc = roxmltree::Document::parse(&body).unwrap();
        let req = doc
            .root_element()
            .children()
            .find(|n| n.has_tag_name("request"))
            .unwrap();
        let tok2 = child(req, "token").unwrap().to_string();
        let r2 = app.store().report_by_token(&tok2).await.unwrap();
        app.store()
            .report_triage(&Actor::system(), r2.id, &Triage::Duplicate(rep.id), 50.0)
            .await
            .unwrap();

        // GET requests: the specification's fields, no personal data.
        let (s, _, body) = get(&app, "/open311/v2/requests.json").await;
        assert_eq!(s, 200);
        let list = json(&body);
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 2);
        for x in list {
            for k in [
                "service_request_id",
                "status",
                "status_notes",
                "service_name",
                "service_code",
                "description",
                "agency_responsible",
                "service_notice",
                "requested_datetime",
                "updated_datetime",
                "expected_datetime",
                "address",
                "address_id",
                "zipcode",
                "lat",
                "long",
                "media_url",
            ] {
                assert!(x.get(k).is_some(), "{k} in {x}");
            }
            assert!(
                x["requested_datetime"]
                    .as_str()
                    .unwrap()
                    .ends_with("+07:00")
            );
        }
        for private in [
            "nguoidan@example.vn",
            "Trần Thị",
            "Bích",
            "0905123456",
            "email",
            "first_name",
            "phone",
        ] {
            assert!(!body.contains(private), "{private} leaked: {body}");
        }
        let v = list
            .iter()
            .find(|x| x["service_request_id"] == id.as_str())
            .unwrap();
        assert_eq!(v["status"], "open");
        assert_eq!(v["lat"], 11.6301);
        assert_eq!(v["long"], 109.0302);
        // A violation's description may name a plate: not published.
        assert_eq!(v["description"], "");
        let d = list
            .iter()
            .find(|x| x["service_code"] == "ENC-MARKET")
            .unwrap();
        assert_eq!(d["status"], "closed");
        assert_eq!(d["description"], "Họp chợ tràn ra lòng đường");

        // Filters.
        let (_, _, body) = get(&app, "/open311/v2/requests.json?status=closed").await;
        assert_eq!(json(&body).as_array().unwrap().len(), 1);
        let (_, _, body) = get(&app, "/open311/v2/requests.json?service_code=VIOLATION").await;
        assert_eq!(json(&body)[0]["service_request_id"], id.as_str());
        let (_, _, body) = get(
            &app,
            "/open311/v2/requests.json?start_date=2099-01-01T00:00:00Z",
        )
        .await;
        assert_eq!(json(&body), serde_json::json!([]));
        let (_, _, body) = get(&app, "/open311/v2/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2099-01-01T00:00:00%2B07:00").await;
        assert_eq!(json(&body).as_array().unwrap().len(), 2);
        let (_, _, body) = get(
            &app,
            &format!("/open311/v2/requests.json?service_request_id={id},999999&status=closed"),
        )
        .await;
        assert_eq!(
            json(&body).as_array().unwrap().len(),
            1,
            "ids ignore the other filters"
        );
        let (s, _, body) = get(&app, "/open311/v2/requests.json?start_date=hôm-qua").await;
        assert_eq!(s, 400);
        assert!(
            json(&body)[0]["description"]
                .as_str()
                .unwrap()
                .contains("start_date")
        );

        // One request, XML.
        let (s, _, body) = get(&app, &format!("/open311/v2/requests/{id}.xml")).await;
        assert_eq!(s, 200);
        let doc = roxmltree::Document::parse(&body).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "service_requests");
        let req = doc
            .root_element()
            .children()
            .find(|n| n.has_tag_name("request"))
            .unwrap();
        assert_eq!(child(req, "service_request_id"), Some(id.as_str()));
        assert_eq!(child(req, "service_code"), Some("VIOLATION"));
        assert_eq!(child(req, "long"), Some("109.0302"));
        let (s, _, _) = get(&app, "/open311/v2/requests/999999.json").await;
        assert_eq!(s, 404);
        let (s, _, _) = get(&app, "/open311/v2/tokens/PA-2222222222.json").await;
        assert_eq!(s, 404);
    });
}

#[tokio::test]
async fn bad_requests_get_the_error_format_and_store_nothing() {
    each_backend!(|app| {
        let k = key(&app, &["open311:submit"]).await;
        let weak = key(&app, &["crashes:read"]).await;
        let base = |key: &str| -> Vec<(String, String)> {
            vec![
                ("api_key".into(), key.into()),
                ("service_code".into(), "VIOLATION".into()),
                ("lat".into(), "11.63".into()),
                ("long".into(), "109.03".into()),
                ("attribute[violation_kind]".into(), "speeding".into()),
            ]
        };
        let send = |f: Vec<(String, String)>| {
            let app = &app;
            async move {
                let f: Vec<(&str, &str)> =
                    f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
                post(app, "/open311/v2/requests.json", &f).await
            }
        };
        let check = |(s, body): (u16, String), want: u16, needle: &str| {
            assert_eq!(s, want, "{body}");
            let e = json(&body);
            assert_eq!(e[0]["code"], want, "{body}");
            let d = e[0]["description"].as_str().unwrap();
            assert!(d.contains(needle), "{needle} not in {d}");
        };
        let mut f = base(&k);
        f.remove(0);
        check(send(f).await, 400, "api_key");
        check(
            send(base("atgt_khongcothat_0000000000000000")).await,
            403,
            "api_key",
        );
        check(send(base(&weak)).await, 403, "open311:submit");
        let mut f = base(&k);
        f.retain(|(a, _)| a != "service_code");
        check(send(f).await, 400, "service_code");
        let mut f = base(&k);
        f.retain(|(a, _)| !a.starts_with("attribute"));
        check(send(f).await, 400, "attribute[violation_kind]");
        let mut f = base(&k);
        f[4].1 = "bay".into();
        check(send(f).await, 400, "attribute[violation_kind]");
        let mut f = base(&k);
        f[2].1 = "48.85".into();
        f[3].1 = "2.35".into();
        check(send(f).await, 400, "Việt Nam");
        let mut f = base(&k);
        f[2].1 = "mười một".into();
        check(send(f).await, 400, "lat");
        let mut f = base(&k);
        f.retain(|(a, _)| a != "lat" && a != "long");
        check(send(f).await, 400, "address_string");
        let mut f = base(&k);
        f[1].1 = "KHONG-CO".into();
        check(send(f).await, 400, "service_code");
        let mut f = base(&k);
        f.push(("media_url".into(), "javascript:alert(1)".into()));
        check(send(f).await, 400, "media_url");
        // XML errors.
        let (s, body) = post(
            &app,
            "/open311/v2/requests.xml",
            &[("service_code", "VIOLATION")],
        )
        .await;
        assert_eq!(s, 400);
        let doc = roxmltree::Document::parse(&body).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "errors");
        let err = doc
            .root_element()
            .children()
            .find(|n| n.has_tag_name("error"))
            .unwrap();
        assert_eq!(child(err, "code"), Some("400"));
        assert!(child(err, "description").unwrap().contains("api_key"));
        assert!(
            app.store()
                .reports(&ReportFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
        // A key in the Authorization header works too.
        let resp = app
            .send(
                Request::post("/open311/v2/requests.json")
                    .header(header::AUTHORIZATION, format!("Bearer {k}"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from("service_code=HAZ-POTHOLE&lat=11.63&long=109.03&description=%E1%BB%94+g%C3%A0"))
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status().as_u16(), 201);
        assert_eq!(
            app.store()
                .reports(&ReportFilter::default())
                .await
                .unwrap()
                .len(),
            1
        );
    });
}
