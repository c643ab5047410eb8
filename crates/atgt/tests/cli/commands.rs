//! The commands of the CLI contract, on real database files (and PostgreSQL when
//! `ATGT_TEST_PG_URL` is set).

use crate::support::{Scratch, Served, client, run, run_with_stdin, sign_in, text};
use std::process::Command;

fn migrated(s: &Scratch) -> String {
    let url = format!("sqlite://{}", s.path("atgt.db"));
    let o = run(&["migrate", "--database", &url]);
    assert!(o.status.success(), "{}", text(&o));
    url
}

#[test]
fn serve_refuses_an_unmigrated_database_then_serves_and_stops_cleanly() {
    let s = Scratch::new("serve");
    let url = format!("sqlite://{}", s.path("atgt.db"));
    let o = run(&["serve", "--database", &url, "--listen", "127.0.0.1:0"]);
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(
        msg.contains("pending migration") && msg.contains("atgt migrate"),
        "{msg}"
    );
    let o = run(&["migrate", "--database", &url]);
    assert!(o.status.success(), "{}", text(&o));
    // 0001–0004 and 0007 (cameras and violation processing, issue 6).
    assert!(text(&o).contains("5 migration(s)"), "{}", text(&o));
    // Again: nothing to do.
    assert!(
        text(&run(&["migrate", "--database", &url])).contains("0 migration(s) and 0 reference")
    );
    let served = Served::start(&["serve", "--database", &url, "--listen", "127.0.0.1:0"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        reqwest::get(format!("{}/healthz", served.url))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    assert!(served.stop().success(), "graceful shutdown exits 0");
}

#[test]
fn bootstrap_an_org_a_user_and_an_api_key() {
    let s = Scratch::new("bootstrap");
    let url = migrated(&s);
    let o = run(&[
        "org",
        "add",
        "--database",
        &url,
        "--code",
        "CA-KH",
        "--name",
        "Công an tỉnh Khánh Hòa",
        "--kind",
        "police",
        "--admin-code",
        "56",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    // An unknown administrative code is named in Vietnamese.
    let o = run(&[
        "org",
        "add",
        "--database",
        &url,
        "--code",
        "X-1",
        "--name",
        "X",
        "--kind",
        "police",
        "--admin-code",
        "99999",
    ]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("Không có đơn vị hành chính mã \"99999\""),
        "{}",
        text(&o)
    );
    // A user with a password from stdin; a weak one is refused.
    let o = run_with_stdin(
        &[
            "user",
            "add",
            "--database",
            &url,
            "--username",
            "quantri",
            "--name",
            "Quản trị",
            "--role",
            "admin",
            "--org",
            "CA-KH",
            "--password-stdin",
        ],
        "ngắn\n",
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("ít nhất 10 ký tự"));
    let o = run_with_stdin(
        &[
            "user",
            "add",
            "--database",
            &url,
            "--username",
            "quantri",
            "--name",
            "Quản trị",
            "--role",
            "admin",
            "--org",
            "CA-KH",
            "--password-stdin",
        ],
        "mật khẩu quản trị\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    // A generated password is printed once.
    let o = run(&[
        "user",
        "add",
        "--database",
        &url,
        "--username",
        "lanhdao",
        "--name",
        "Lãnh đạo",
        "--role",
        "leader",
        "--org",
        "CA-KH",
        "--scope",
        "56",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let generated = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .unwrap()
        .to_string();
    let o = run(&[
        "user",
        "add",
        "--database",
        &url,
        "--username",
        "x",
        "--name",
        "X",
        "--role",
        "king",
        "--org",
        "CA-KH",
    ]);
    assert!(!o.status.success() && text(&o).contains("unknown role"));
    // An API key is printed once; the database has only its hash.
    let o = run(&[
        "apikey",
        "create",
        "--database",
        &url,
        "--name",
        "Camera QL1A",
        "--scope",
        "reference:read",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let key = String::from_utf8_lossy(&o.stdout)
        .lines()
        .find(|l| l.starts_with("atgt_"))
        .unwrap()
        .to_string();
    let db = std::fs::read(s.0.join("atgt.db")).unwrap();
    let wal = std::fs::read(s.0.join("atgt.db-wal")).unwrap_or_default();
    let needle = key.as_bytes();
    assert!(
        !db.windows(needle.len()).any(|w| w == needle)
            && !wal.windows(needle.len()).any(|w| w == needle),
        "the key itself is not stored"
    );
    let o = run(&[
        "apikey",
        "create",
        "--database",
        &url,
        "--name",
        "X",
        "--scope",
        "everything",
    ]);
    assert!(!o.status.success());
    // Both work against the server.
    let served = Served::start(&["serve", "--database", &url, "--listen", "127.0.0.1:0"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let r = reqwest::Client::new()
            .get(format!("{}/api/v1/admin-units/new/56", served.url))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let c = client();
        sign_in(&c, &served.url, "lanhdao", &generated).await;
        let home = c
            .get(&served.url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            home.contains("Tỉnh Khánh Hòa"),
            "the leader's scope is shown"
        );
    });
    drop(served);
}

fn sqlite3_available() -> bool {
    Command::new("sqlite3")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs SQL on the database file itself, as someone with access to the disk would.
fn tamper(path: &str, sql: &str) {
    let script = format!(
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete; {sql}"
    );
    if sqlite3_available() {
        let o = Command::new("sqlite3")
            .arg(path)
            .arg(&script)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    } else {
        assert!(
            std::env::var("CI").is_err(),
            "CI installs the sqlite3 command-line tool"
        );
        eprintln!("sqlite3 not installed: tampering through the driver instead");
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let db = atgt_store::Db::connect(&format!("sqlite://{path}"))
                .await
                .unwrap();
            for stmt in script.split(';').filter(|s| !s.trim().is_empty()) {
                db.execute(stmt, &[]).await.unwrap();
            }
            db.close().await;
        });
    }
}

fn history(url: &str) {
    for i in 0..4 {
        let o = run(&[
            "org",
            "add",
            "--database",
            url,
            "--code",
            &format!("DV-{i}"),
            "--name",
            &format!("Đơn vị {i}"),
            "--kind",
            "department",
            "--admin-code",
            "56",
        ]);
        assert!(o.status.success(), "{}", text(&o));
    }
}

#[test]
fn audit_verify_finds_edits_deletions_and_reorders_in_the_file() {
    let cases = [
        (
            "UPDATE audit_log SET after_json = '{\"name\":\"Đơn vị giả\"}' WHERE seq = 2",
            "entry 2 was altered",
        ),
        ("DELETE FROM audit_log WHERE seq = 3", "entry 3 is missing"),
        (
            "DELETE FROM audit_log WHERE seq = 4",
            "the chain head says entry 4 but the last entry is 3",
        ),
        (
            "UPDATE audit_log SET seq = 100 WHERE seq = 1; UPDATE audit_log SET seq = 1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 100",
            "entry 1 does not link",
        ),
    ];
    for (sql, expected) in cases {
        let s = Scratch::new("tamper");
        let url = migrated(&s);
        history(&url);
        let o = run(&["audit", "verify", "--database", &url]);
        assert!(o.status.success(), "{}", text(&o));
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(out.contains("intact: 4 entries"), "{out}");
        let head = out.trim().rsplit(' ').next().unwrap().to_string();
        tamper(&s.path("atgt.db"), sql);
        let o = run(&["audit", "verify", "--database", &url]);
        assert_eq!(o.status.code(), Some(2), "{sql}: {}", text(&o));
        assert!(text(&o).contains(expected), "{sql}: {}", text(&o));
        // Nothing was repaired: the second run says the same.
        assert_eq!(
            run(&["audit", "verify", "--database", &url]).status.code(),
            Some(2)
        );
        drop(head);
    }
}

#[test]
fn a_recorded_head_must_stay_in_the_chain() {
    let s = Scratch::new("head");
    let url = migrated(&s);
    history(&url);
    let out =
        String::from_utf8_lossy(&run(&["audit", "verify", "--database", &url]).stdout).to_string();
    let head = out.trim().rsplit(' ').next().unwrap().to_string();
    assert!(
        run(&[
            "audit",
            "verify",
            "--database",
            &url,
            "--expect-head",
            &head
        ])
        .status
        .success()
    );
    // Rewriting the whole chain from entry 1 (recomputing every hash) cannot keep an
    // externally recorded head: a forged head is refused.
    let forged = format!("4:{}", "0".repeat(64));
    let o = run(&[
        "audit",
        "verify",
        "--database",
        &url,
        "--expect-head",
        &forged,
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn demo_seeds_serves_backs_up_and_reuses() {
    let s = Scratch::new("demo");
    let dir = s.path("data");
    let served = Served::start(&["demo", "--listen", "127.0.0.1:0", "--data-dir", &dir]);
    assert!(served.banner.contains("seeded now"), "{}", served.banner);
    for role in [
        "admin",
        "leader",
        "focal_officer",
        "unit_officer",
        "police_officer",
        "supervisor",
        "analyst",
        "auditor",
    ] {
        assert!(served.banner.contains(role), "{role} in {}", served.banner);
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = client();
        sign_in(&c, &served.url, "lanhdao", "demo-atgt-2026").await;
        let home = c
            .get(&served.url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains("Dữ liệu mẫu"), "sample data is labelled");
        assert!(
            home.contains("Huyện Ninh Hải"),
            "the leader's old-district scope"
        );
        let roads: serde_json::Value = c
            .get(format!("{}/api/v1/roads", served.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let codes: Vec<&str> = roads["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["code"].as_str().unwrap())
            .collect();
        for code in ["QL1A", "ĐT704", "DS-BN"] {
            assert!(codes.contains(&code), "{codes:?}");
        }
        // The seed plan's units are there.
        let c = client();
        sign_in(&c, &served.url, "admin", "demo-atgt-2026").await;
        let orgs = c
            .get(format!("{}/admin/orgs?q=dang+uy+cong+an+huyen", served.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(orgs.contains("Đảng ủy Công an huyện Ninh Hải"));
    });
    // A consistent copy while it serves.
    let db = format!("sqlite://{dir}/demo.db");
    let backup = s.path("backup.db");
    let o = run(&["backup", "--database", &db, "--output", &backup]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&[
        "audit",
        "verify",
        "--database",
        &format!("sqlite://{backup}"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(served.stop().success());
    // Started again, the demo reuses its database.
    let again = Served::start(&["demo", "--listen", "127.0.0.1:0", "--data-dir", &dir]);
    assert!(again.banner.contains("reused"), "{}", again.banner);
    assert!(again.stop().success());
}

#[test]
fn postgres_migrates_and_verifies() {
    let Some(admin) = atgt_store::testkit::pg_url() else {
        eprintln!("ATGT_TEST_PG_URL not set: PostgreSQL part skipped");
        return;
    };
    let name = format!("atgt_cli_{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = atgt_store::Db::connect(&admin).await.unwrap();
        db.execute(&format!("DROP DATABASE IF EXISTS {name}"), &[])
            .await
            .unwrap();
        db.execute(&format!("CREATE DATABASE {name}"), &[])
            .await
            .unwrap();
        db.close().await;
    });
    let url = atgt_store::testkit::with_db(&admin, &name);
    let o = run(&["serve", "--database", &url, "--listen", "127.0.0.1:0"]);
    assert!(!o.status.success() && text(&o).contains("pending migration"));
    // The password never appears in messages.
    assert!(!text(&o).contains(":atgt@"), "{}", text(&o));
    let served = Served::start(&[
        "serve",
        "--database",
        &url,
        "--listen",
        "127.0.0.1:0",
        "--migrate",
    ]);
    history(&url);
    assert!(
        run(&["audit", "verify", "--database", &url])
            .status
            .success()
    );
    assert!(served.stop().success());
    rt.block_on(async {
        let db = atgt_store::Db::connect(&admin).await.unwrap();
        let _ = db
            .execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), &[])
            .await;
        db.close().await;
    });
}

/// The real data set: 68,936 Irish collisions (PyPI road-collisions-ireland 0.0.12),
/// fetched by scripts/fetch_test_data.sh (CI runs it), imported through the mapping
/// file kept in the repository; counts checked against the source.
#[test]
fn the_irish_collisions_import_with_the_source_counts() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let csv = root.join("testdata/cache/ireland/collisions.csv");
    let expected = root.join("testdata/cache/ireland/expected.json");
    if !csv.exists() {
        assert!(
            std::env::var("CI").is_err(),
            "CI fetches the Irish data first (scripts/fetch_test_data.sh)"
        );
        eprintln!("testdata/cache/ireland missing: run scripts/fetch_test_data.sh; skipped here");
        return;
    }
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(expected).unwrap()).unwrap();
    let s = Scratch::new("ireland");
    let url = migrated(&s);
    let mapping = root.join("data/mappings/ireland.toml");
    let o = run(&[
        "import",
        "crashes",
        "--database",
        &url,
        csv.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let total = expected["total_rows"].as_u64().unwrap();
    assert_eq!(report["rows"].as_u64(), Some(total));
    assert_eq!(
        report["inserted"].as_u64(),
        Some(total),
        "every row imports: {}",
        report["rejected"]
    );
    // Again: every row is a duplicate, nothing new.
    let o = run(&[
        "import",
        "crashes",
        "--database",
        &url,
        csv.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--json",
    ]);
    let again: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (again["inserted"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(total))
    );
    // Counts by year and the deaths, against the source.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = atgt_store::Store::open_current(&url).await.unwrap();
        let f = atgt_store::crashes::CrashFilter {
            from: Some("2005-01-01".into()),
            to: Some("2016-12-31".into()),
            include_collisions: true,
            ..Default::default()
        };
        let by_year = store
            .crash_stats(&f, atgt_store::crashes::stats::Dim::Year)
            .await
            .unwrap();
        for (year, n) in expected["rows_by_year"].as_object().unwrap() {
            let row = by_year
                .rows
                .iter()
                .find(|r| &r.key == year)
                .unwrap_or_else(|| panic!("{year}"));
            assert_eq!(row.crashes, n.as_i64().unwrap(), "{year}");
        }
        assert_eq!(by_year.total.crashes as u64, total);
        assert_eq!(
            by_year.total.deaths,
            expected["sum_num_fatal"].as_i64().unwrap()
        );
        let counted = expected["sum_num_serious"].as_i64().unwrap()
            + expected["sum_num_minor"].as_i64().unwrap();
        assert!(
            by_year.total.injured >= counted,
            "{} < {counted}",
            by_year.total.injured
        );
        // Times are kept only as precisely as the source has them.
        let (list, _) = store.crashes(&f, 5, 0).await.unwrap();
        assert!(
            list.iter()
                .all(|c| c.time_precision == "hour_band" || c.time_precision == "year")
        );
        store.db.close().await;
    });
}
