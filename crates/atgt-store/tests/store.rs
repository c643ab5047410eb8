//! The store suite: every test runs on SQLite, and on PostgreSQL when
//! `ATGT_TEST_PG_URL` is set (scripts/test.sh sets it).

use atgt_core::admin::{Level, Scheme};
use atgt_core::audit::{Actor, Break};
use atgt_core::auth::Role;
use atgt_core::i18n::Lang;
use atgt_store::admin::UnitQuery;
use atgt_store::orgs::OrgInput;
use atgt_store::testkit::{TestDb, backends};
use atgt_store::users::{NewUser, UserUpdate};
use atgt_store::{Backend, StoreError, migrate, params};

fn org_input(code: &str, name: &str, admin: &str) -> OrgInput {
    OrgInput {
        code: code.into(),
        name: name.into(),
        short_name: String::new(),
        kind: "police".into(),
        admin_scheme: "new".into(),
        admin_code: admin.into(),
        parent_code: None,
        active: true,
    }
}

fn new_user(username: &str, org: &str) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: "Nguyễn Văn An".into(),
        password_hash: "$argon2id$fake".into(),
        role: Role::PoliceOfficer,
        org_code: org.into(),
        scope: Some((Scheme::New, "56".into())),
        locale: Lang::Vi,
    }
}

/// Runs the body once per backend with a fresh database.
macro_rules! each_backend {
    (|$t:ident| $body:block) => {
        for backend in backends() {
            let $t = TestDb::new(backend).await;
            eprintln!("backend: {backend:?}");
            $body
        }
    };
}

#[tokio::test]
async fn migrations_and_reference_data() {
    each_backend!(|t| {
        let db = &t.store.db;
        assert!(migrate::pending(db).await.unwrap().is_empty());
        // Running again is a no-op.
        assert!(migrate::run(db).await.unwrap().is_empty());
        let n = |sql: &'static str| async move {
            db.fetch_one(sql, &[]).await.unwrap().i64("n").unwrap()
        };
        assert_eq!(
            n("SELECT COUNT(*) AS n FROM admin_units WHERE scheme = 'new' AND level = 'province'")
                .await,
            34
        );
        assert_eq!(
            n("SELECT COUNT(*) AS n FROM admin_units WHERE scheme = 'new' AND level = 'commune'")
                .await,
            3321
        );
        assert_eq!(
            n("SELECT COUNT(*) AS n FROM admin_units WHERE scheme = 'new' AND level = 'commune' AND province_code = '56'").await,
            65
        );
        assert_eq!(
            n("SELECT COUNT(*) AS n FROM admin_units WHERE scheme = 'old' AND level = 'province'")
                .await,
            63
        );
        assert!(n("SELECT COUNT(*) AS n FROM admin_unit_map").await > 10_000);
    });
}

#[tokio::test]
async fn admin_units_search_ignores_accents_and_maps_old_to_new() {
    each_backend!(|t| {
        let s = &t.store;
        let (found, total) = s
            .admin_units(&UnitQuery {
                q: Some("ninh chu".into()),
                scheme: Some(Scheme::New),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(total, 1);
        assert_eq!(found[0].name, "Phường Ninh Chử");
        assert_eq!(found[0].code, "22834");
        // đ folds to d.
        let (found, _) = s
            .admin_units(&UnitQuery {
                q: Some("dak lak".into()),
                level: Some(Level::Province),
                scheme: Some(Scheme::New),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        // Old Xã Tân Hải (Ninh Hải district) is now part of Xã Xuân Hải.
        let tan_hai = s.admin_unit(Scheme::Old, "22855").await.unwrap();
        assert_eq!(tan_hai.name, "Xã Tân Hải");
        assert_eq!(tan_hai.parent_code.as_deref(), Some("586"));
        let to = s.admin_maps_to(&tan_hai).await.unwrap();
        assert_eq!(to.len(), 1);
        assert_eq!(to[0].new_code, "22861");
        assert_eq!(to[0].new_name, "Xã Xuân Hải");
        assert_eq!(
            s.admin_current_commune("22855").await.unwrap().as_deref(),
            Some("22861")
        );
        let xuan_hai = s.admin_unit(Scheme::New, "22861").await.unwrap();
        let from: Vec<String> = s
            .admin_maps_from("22861")
            .await
            .unwrap()
            .into_iter()
            .map(|(u, _)| u.code)
            .collect();
        assert_eq!(from, vec!["22855", "22858", "22861"]);
        // A record in the old commune counts under the new commune, the new province
        // and the old district.
        let khanh_hoa = s.admin_unit(Scheme::New, "56").await.unwrap();
        let ninh_hai_old = s.admin_unit(Scheme::Old, "586").await.unwrap();
        assert!(s.admin_within(&tan_hai, &xuan_hai).await.unwrap());
        assert!(s.admin_within(&tan_hai, &khanh_hoa).await.unwrap());
        assert!(s.admin_within(&tan_hai, &ninh_hai_old).await.unwrap());
        assert!(s.admin_within(&xuan_hai, &ninh_hai_old).await.unwrap());
        let ha_noi = s.admin_unit(Scheme::New, "01").await.unwrap();
        assert!(!s.admin_within(&tan_hai, &ha_noi).await.unwrap());
        assert!(matches!(
            s.admin_unit(Scheme::New, "99999").await,
            Err(StoreError::NotFound)
        ));
    });
}

#[tokio::test]
async fn orgs_are_checked_and_audited() {
    each_backend!(|t| {
        let s = &t.store;
        let admin = Actor::system();
        let o = s
            .org_create(
                &admin,
                &org_input("CA-NINHHAI", "Công an huyện Ninh Hải", "56"),
            )
            .await
            .unwrap();
        assert_eq!(o.code, "CA-NINHHAI");
        // Taken code, unknown unit, bad code: field-named errors, nothing written.
        let before = s.audit_head().await.unwrap();
        let e = s
            .org_create(&admin, &org_input("CA-NINHHAI", "X", "56"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid { ref field, ref key, .. } if field == "code" && key == "error.org_code_taken"),
            "{e:?}"
        );
        let e = s
            .org_create(&admin, &org_input("NEW-ORG", "X", "99999"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid { ref field, .. } if field == "admin_code"),
            "{e:?}"
        );
        let e = s
            .org_create(&admin, &org_input("bad code", "X", "56"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid { ref field, .. } if field == "code"),
            "{e:?}"
        );
        assert_eq!(s.audit_head().await.unwrap(), before);
        // A parent that would make a cycle is refused.
        let mut child = org_input("DOI-CSGT", "Đội Cảnh sát giao thông", "56");
        child.parent_code = Some("CA-NINHHAI".into());
        let c = s.org_create(&admin, &child).await.unwrap();
        let mut parent = org_input("CA-NINHHAI", "Công an huyện Ninh Hải", "56");
        parent.parent_code = Some("DOI-CSGT".into());
        let e = s.org_update(&admin, o.id, &parent).await.unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid { ref key, .. } if key == "error.parent_cycle"),
            "{e:?}"
        );
        assert_eq!(c.parent_id, Some(o.id));
        // Accent-insensitive search.
        let (found, n) = s.orgs(Some("cong an ninh hai"), 10, 0).await.unwrap();
        assert_eq!(n, 1);
        assert_eq!(found[0].id, o.id);
        let log = s
            .audit_list(&atgt_store::audit::AuditFilter {
                entity_kind: Some("org".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[1].action, "org.create");
    });
}

#[tokio::test]
async fn users_and_sessions() {
    each_backend!(|t| {
        let s = &t.store;
        let sys = Actor::system();
        s.org_create(
            &sys,
            &org_input("CA-NINHHAI", "Công an huyện Ninh Hải", "56"),
        )
        .await
        .unwrap();
        let u = s
            .user_create(&sys, &new_user("csgt.an", "CA-NINHHAI"))
            .await
            .unwrap();
        assert_eq!(u.role, Role::PoliceOfficer);
        let e = s
            .user_create(&sys, &new_user("csgt.an", "CA-NINHHAI"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid { ref key, .. } if key == "error.username_taken"),
            "{e:?}"
        );
        let e = s
            .user_create(&sys, &new_user("csgt.binh", "KHONG-CO"))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Invalid { ref field, .. } if field == "org_code"),
            "{e:?}"
        );
        let mut bad_scope = new_user("csgt.binh", "CA-NINHHAI");
        bad_scope.scope = Some((Scheme::New, "12345".into()));
        assert!(s.user_create(&sys, &bad_scope).await.is_err());
        assert_eq!(s.user_count().await.unwrap(), 1);

        let creds = s.user_credentials("csgt.an").await.unwrap();
        assert_eq!(creds.password_hash, "$argon2id$fake");
        s.session_create(&u, "h1", "csrf1", i64::MAX, "127.0.0.1", "test")
            .await
            .unwrap();
        s.session_create(&u, "h2", "csrf2", i64::MAX, "127.0.0.1", "test")
            .await
            .unwrap();
        let (sess, su) = s.session_get("h1").await.unwrap().unwrap();
        assert_eq!((sess.csrf_token.as_str(), su.id), ("csrf1", u.id));
        // A password change ends the other sessions.
        s.user_set_password(
            &Actor::user(u.id, &u.username),
            u.id,
            "$argon2id$new",
            Some("h1"),
        )
        .await
        .unwrap();
        assert!(s.session_get("h1").await.unwrap().is_some());
        assert!(s.session_get("h2").await.unwrap().is_none());
        // Locking the account ends its sessions too.
        let upd = UserUpdate {
            display_name: "Nguyễn Văn An".into(),
            role: Role::PoliceOfficer,
            org_code: "CA-NINHHAI".into(),
            scope: None,
            active: false,
        };
        s.user_update(&sys, u.id, &upd).await.unwrap();
        assert!(s.session_get("h1").await.unwrap().is_none());
        // Nobody locks themselves out.
        let me = Actor::user(u.id, &u.username);
        let e = s.user_update(&me, u.id, &upd).await.unwrap_err();
        assert!(matches!(e, StoreError::Invalid { ref key, .. } if key == "error.self_deactivate"));
        let (found, _) = s.users(Some("nguyen van an"), None, 10, 0).await.unwrap();
        assert_eq!(found.len(), 1);
        // The password hash never reaches the audit log.
        let log = s
            .audit_list(&atgt_store::audit::AuditFilter {
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(log.iter().all(|e| !e.after.to_string().contains("argon2")));
        assert!(s.audit_verify().await.unwrap().broken.is_none());
    });
}

#[tokio::test]
async fn api_keys_store_only_a_hash() {
    each_backend!(|t| {
        let s = &t.store;
        let sys = Actor::system();
        let k = s
            .apikey_create(
                &sys,
                "abcd1234",
                "hash",
                "Camera QL1A",
                &["ingest".into()],
                None,
            )
            .await
            .unwrap();
        assert_eq!(k.scopes, vec!["ingest"]);
        let e = s
            .apikey_create(&sys, "abcd9999", "hash", "X", &["root".into()], None)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid { ref field, .. } if field == "scopes"));
        let (found, hash) = s.apikey_by_prefix("abcd1234").await.unwrap().unwrap();
        assert_eq!((found.id, hash.as_str()), (k.id, "hash"));
        s.apikey_revoke(&sys, k.id).await.unwrap();
        assert!(s.apikey_by_prefix("abcd1234").await.unwrap().is_none());
    });
}

#[tokio::test]
async fn a_key_revoked_by_another_process_stops_within_the_cache_time() {
    each_backend!(|t| {
        let s = &t.store;
        let sys = Actor::system();
        let k = s
            .apikey_create(
                &sys,
                "efgh5678",
                "hash",
                "Đăng kiểm",
                &["ingest".into()],
                None,
            )
            .await
            .unwrap();
        assert!(s.apikey_by_prefix("efgh5678").await.unwrap().is_some());
        // Another process (the CLI, another server) revokes it.
        let other = atgt_store::Store::open_current(&t.url).await.unwrap();
        other.apikey_revoke(&sys, k.id).await.unwrap();
        assert!(other.apikey_by_prefix("efgh5678").await.unwrap().is_none());
        // Here it may still be remembered, but no longer than the cache time.
        tokio::time::sleep(
            atgt_store::apikeys::KEY_CACHE_TTL + std::time::Duration::from_millis(200),
        )
        .await;
        assert!(s.apikey_by_prefix("efgh5678").await.unwrap().is_none());
        other.db.close().await;
    });
}

async fn some_history(s: &atgt_store::Store) {
    let sys = Actor::system();
    for i in 0..5 {
        s.org_create(
            &sys,
            &org_input(&format!("ORG-{i}"), &format!("Đơn vị {i}"), "56"),
        )
        .await
        .unwrap();
    }
}

/// Direct SQL on the database, as an attacker with file or superuser access would do:
/// the append-only triggers go first.
async fn tamper(t: &TestDb, sql: &str) {
    let db = &t.store.db;
    match db.backend() {
        Backend::Sqlite => {
            db.execute("DROP TRIGGER IF EXISTS audit_log_no_update", &[])
                .await
                .unwrap();
            db.execute("DROP TRIGGER IF EXISTS audit_log_no_delete", &[])
                .await
                .unwrap();
        }
        Backend::Postgres => {
            db.execute(
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
                &[],
            )
            .await
            .unwrap();
        }
    }
    db.execute(sql, &[]).await.unwrap();
}

#[tokio::test]
async fn audit_log_is_append_only() {
    each_backend!(|t| {
        some_history(&t.store).await;
        let db = &t.store.db;
        assert!(
            db.execute("UPDATE audit_log SET actor_name = 'x' WHERE seq = 1", &[])
                .await
                .is_err()
        );
        assert!(
            db.execute("DELETE FROM audit_log WHERE seq = 1", &[])
                .await
                .is_err()
        );
        let v = t.store.audit_verify().await.unwrap();
        assert_eq!((v.entries, v.broken), (5, None));
    });
}

#[tokio::test]
async fn audit_verify_finds_an_edit() {
    each_backend!(|t| {
        some_history(&t.store).await;
        tamper(
            &t,
            "UPDATE audit_log SET after_json = '{\"name\":\"forged\"}' WHERE seq = 3",
        )
        .await;
        assert_eq!(
            t.store.audit_verify().await.unwrap().broken,
            Some(Break::HashMismatch { seq: 3 })
        );
    });
}

#[tokio::test]
async fn audit_verify_finds_a_deletion() {
    each_backend!(|t| {
        some_history(&t.store).await;
        tamper(&t, "DELETE FROM audit_log WHERE seq = 2").await;
        assert_eq!(
            t.store.audit_verify().await.unwrap().broken,
            Some(Break::Gap {
                expected: 2,
                found: 3
            })
        );
    });
}

#[tokio::test]
async fn audit_verify_finds_a_tail_deletion() {
    each_backend!(|t| {
        some_history(&t.store).await;
        tamper(&t, "DELETE FROM audit_log WHERE seq = 5").await;
        assert_eq!(
            t.store.audit_verify().await.unwrap().broken,
            Some(Break::HeadMismatch {
                head_seq: 5,
                last_seq: 4
            })
        );
    });
}

#[tokio::test]
async fn audit_verify_finds_a_reorder() {
    each_backend!(|t| {
        some_history(&t.store).await;
        // Swap entries 2 and 3 by renumbering them.
        tamper(&t, "UPDATE audit_log SET seq = 1000 WHERE seq = 2").await;
        tamper(&t, "UPDATE audit_log SET seq = 2 WHERE seq = 3").await;
        tamper(&t, "UPDATE audit_log SET seq = 3 WHERE seq = 1000").await;
        assert_eq!(
            t.store.audit_verify().await.unwrap().broken,
            Some(Break::PrevMismatch { seq: 2 })
        );
    });
}

#[tokio::test]
async fn concurrent_writers_keep_one_chain() {
    each_backend!(|t| {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let s = t.store.clone();
            tasks.push(tokio::spawn(async move {
                for j in 0..5 {
                    s.org_create(
                        &Actor::system(),
                        &org_input(&format!("C-{i}-{j}"), "Đơn vị", "56"),
                    )
                    .await
                    .unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let v = t.store.audit_verify().await.unwrap();
        assert_eq!((v.entries, v.broken), (40, None));
    });
}

#[tokio::test]
async fn failed_transaction_leaves_nothing() {
    each_backend!(|t| {
        let s = &t.store;
        let mut tx = s.db.begin().await.unwrap();
        atgt_store::audit::append(
            &mut tx,
            Actor::system().entry(
                "x",
                "y",
                1,
                serde_json::Value::Null,
                serde_json::Value::Null,
            ),
        )
        .await
        .unwrap();
        tx.execute(
            "INSERT INTO orgs (code) VALUES ($1)",
            &params!["INCOMPLETE"],
        )
        .await
        .unwrap_err();
        drop(tx);
        assert_eq!(s.audit_head().await.unwrap(), None);
        assert_eq!(s.audit_verify().await.unwrap().entries, 0);
    });
}

#[tokio::test]
async fn sqlite_backup_is_a_consistent_copy() {
    let t = TestDb::new(Backend::Sqlite).await;
    some_history(&t.store).await;
    let dest = std::env::temp_dir().join(format!("atgt-backup-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&dest);
    let bytes = t.store.backup_to(&dest).await.unwrap();
    assert!(bytes > 100_000);
    let copy = atgt_store::Store::open_current(&format!("sqlite://{}", dest.display()))
        .await
        .unwrap();
    let v = copy.audit_verify().await.unwrap();
    assert_eq!((v.entries, v.broken), (5, None));
    // Refuses to overwrite.
    assert!(t.store.backup_to(&dest).await.is_err());
    copy.db.close().await;
    let _ = std::fs::remove_file(&dest);
}

#[tokio::test]
async fn roads_locate_kilometre_posts() {
    each_backend!(|t| {
        let s = &t.store;
        let input = atgt_store::roads::RoadInput {
            code: "ĐT704".into(),
            name: "Đường tỉnh 704".into(),
            kind: "provincial".into(),
            province_code: "56".into(),
            managing_org_code: None,
            km_start: 0.0,
            ascending: true,
            line: vec![[108.992, 11.593], [109.040, 11.608], [109.105, 11.640]],
            note: String::new(),
        };
        let r = s.road_create(&Actor::system(), &input).await.unwrap();
        // Found by code without accents or case.
        let found = s.road_by_code("dt704").await.unwrap();
        assert_eq!(found.id, r.id);
        let p = found.chainage().point_at(5.2).unwrap();
        let (km, d) = found.chainage().locate(p).unwrap();
        assert!((km - 5.2).abs() < 0.001 && d < 1.0);
        // A line of one point, or an unknown kind, is refused by field.
        let mut bad = input.clone();
        bad.code = "X".into();
        bad.line = vec![[109.0, 11.6]];
        assert!(
            matches!(s.road_create(&Actor::system(), &bad).await, Err(StoreError::Invalid { ref field, .. }) if field == "line")
        );
        bad.line = input.line.clone();
        bad.kind = "highway".into();
        assert!(
            matches!(s.road_create(&Actor::system(), &bad).await, Err(StoreError::Invalid { ref field, .. }) if field == "kind")
        );
        assert_eq!(s.roads().await.unwrap().len(), 1);
    });
}
