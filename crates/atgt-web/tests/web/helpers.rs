//! A test app: a fresh database with a few units, one user per role, API keys; requests
//! go through the real router in memory, or over a real socket with `serve`.

#![allow(dead_code)]

use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use atgt_core::i18n::Lang;
use atgt_store::orgs::OrgInput;
use atgt_store::testkit::TestDb;
use atgt_store::users::{NewUser, User};
use atgt_store::{Backend, Store};
use atgt_web::auth::token;
use atgt_web::{AppState, WebConfig};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, header};
use std::collections::HashMap;
use tower::ServiceExt;

pub const PASSWORD: &str = "mật khẩu thử nghiệm";

pub struct TestApp {
    pub db: TestDb,
    pub state: AppState,
    pub router: Router,
    pub users: HashMap<Role, User>,
    /// An API key holding every scope.
    pub key_all: String,
    /// An API key holding no scope.
    pub key_none: String,
}

pub fn org(code: &str, name: &str, kind: &str, admin: &str) -> OrgInput {
    OrgInput {
        code: code.into(),
        name: name.into(),
        short_name: String::new(),
        kind: kind.into(),
        admin_scheme: "new".into(),
        admin_code: admin.into(),
        parent_code: None,
        active: true,
    }
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        Self::with_config(
            backend,
            WebConfig {
                secure_cookies: false,
                ..Default::default()
            },
        )
        .await
    }

    /// A scratch folder for the file store of one test app.
    pub fn files_dir() -> String {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::env::temp_dir()
            .join(format!("atgt-web-files-{}-{n}", std::process::id()))
            .display()
            .to_string()
    }

    pub async fn with_config(backend: Backend, mut config: WebConfig) -> TestApp {
        if config.files_dir == WebConfig::default().files_dir {
            config.files_dir = Self::files_dir();
        }
        let db = TestDb::new(backend).await;
        let store = db.store.clone();
        let sys = Actor::system();
        store
            .org_create(
                &sys,
                &org("CA-KH", "Công an tỉnh Khánh Hòa", "police", "56"),
            )
            .await
            .unwrap();
        store
            .org_create(
                &sys,
                &org(
                    "UBND-XH",
                    "Ủy ban nhân dân xã Xuân Hải",
                    "peoples_committee",
                    "22861",
                ),
            )
            .await
            .unwrap();
        // Hashing once keeps the suite fast; every user gets the same password.
        let hash = atgt_web::auth::password::hash(PASSWORD).unwrap();
        let mut users = HashMap::new();
        for role in Role::ALL {
            let u = store
                .user_create(
                    &sys,
                    &NewUser {
                        username: format!("u.{}", role.as_str().replace('_', "-")),
                        display_name: format!("Người dùng {}", role.as_str()),
                        password_hash: hash.clone(),
                        role,
                        org_code: "CA-KH".into(),
                        scope: None,
                        locale: Lang::Vi,
                    },
                )
                .await
                .unwrap();
            users.insert(role, u);
        }
        let key_all = make_key(&store, "Tất cả phạm vi", atgt_core::auth::SCOPES).await;
        let key_none = make_key(&store, "Không phạm vi", &[]).await;
        // A key for the tests that revoke one.
        make_key(&store, "Khóa để thu hồi", &["metrics"]).await;
        let state = AppState::new(store, config);
        let router = atgt_web::routes::router(state.clone());
        TestApp {
            db,
            state,
            router,
            users,
            key_all,
            key_none,
        }
    }

    pub fn store(&self) -> &Store {
        &self.db.store
    }

    /// A fresh session for a role: (cookie header value, CSRF token).
    pub async fn session(&self, role: Role) -> (String, String) {
        let u = &self.users[&role];
        let tok = token::random(32);
        let csrf = token::random(24);
        self.store()
            .session_create(
                u,
                &token::sha256_hex(&tok),
                &csrf,
                atgt_store::now_us() + 3_600_000_000,
                "127.0.0.1",
                "test",
            )
            .await
            .unwrap();
        (format!("{}={tok}", atgt_web::auth::SESSION_COOKIE), csrf)
    }

    pub async fn send(&self, req: Request<Body>) -> Response<Body> {
        self.router.clone().oneshot(req).await.unwrap()
    }

    pub async fn get_as(&self, role: Option<Role>, path: &str) -> (u16, String) {
        let mut b = Request::get(path);
        if let Some(r) = role {
            let (cookie, _) = self.session(r).await;
            b = b.header(header::COOKIE, cookie);
        }
        let resp = self.send(b.body(Body::empty()).unwrap()).await;
        let status = resp.status().as_u16();
        (status, body_text(resp).await)
    }

    /// A form POST as a role, with its CSRF token.
    pub async fn post_form_as(
        &self,
        role: Role,
        path: &str,
        form: &[(&str, &str)],
    ) -> Response<Body> {
        let (cookie, csrf) = self.session(role).await;
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("_csrf", &csrf));
        let body = serde_urlencoded::to_string(&fields).unwrap();
        let req = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Serves the app on a free localhost port; returns the base URL.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = self.state.clone();
        tokio::spawn(async move {
            let _ = atgt_web::serve(listener, state, std::future::pending()).await;
        });
        format!("http://{addr}")
    }
}

async fn make_key(store: &Store, name: &str, scopes: &[&str]) -> String {
    let (key, prefix) = token::new_api_key();
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    store
        .apikey_create(
            &Actor::system(),
            &prefix,
            &token::sha256_hex(&key),
            name,
            &scopes,
            None,
        )
        .await
        .unwrap();
    key
}

pub async fn body_text(resp: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(resp.into_body(), 16 << 20)
        .await
        .unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

pub fn location(resp: &Response<Body>) -> String {
    resp.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The hidden `_csrf` value of the first form in a page.
pub fn csrf_field(html: &str) -> String {
    let i = html.find("name=\"_csrf\" value=\"").expect("a _csrf field")
        + "name=\"_csrf\" value=\"".len();
    html[i..].split('"').next().unwrap().to_string()
}

/// Runs a test body on each configured backend.
#[macro_export]
macro_rules! each_backend {
    (|$app:ident| $body:block) => {
        for backend in atgt_store::testkit::backends() {
            eprintln!("backend: {backend:?}");
            let $app = $crate::helpers::TestApp::new(backend).await;
            $body
        }
    };
}
