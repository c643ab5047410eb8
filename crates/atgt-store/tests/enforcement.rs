//! Cameras and violation processing (issue 6) on both backends: ingest with
//! duplicates across and within requests, detection (spot, section, red light), and
//! verification of the rows the audit chain seals after direct SQL edits.

use atgt_core::audit::{Actor, Break};
use atgt_core::enforcement::{Action, parse_read};
use atgt_store::enforcement::{Camera, LineReject};
use atgt_store::testkit::{TestDb, backends};

macro_rules! each_backend {
    (|$t:ident| $body:block) => {
        for backend in backends() {
            let $t = TestDb::new(backend).await;
            eprintln!("backend: {backend:?}");
            $body
        }
    };
}

fn cam(id: &str, kind: &str, km: f64) -> Camera {
    Camera {
        id: id.into(),
        name: id.into(),
        kind: kind.into(),
        route: Some("QL1A".into()),
        km: Some(km),
        lon: None,
        lat: None,
        direction: String::new(),
        owner_org_id: None,
        vendor: String::new(),
        status: "active".into(),
        last_seen_us: None,
        uptime_pct: 0.0,
    }
}

fn lines(v: &[String]) -> Vec<(usize, Result<atgt_core::enforcement::Read, LineReject>)> {
    v.iter()
        .enumerate()
        .map(|(i, l)| {
            (
                i + 1,
                parse_read(l).map_err(|e| LineReject {
                    line: i + 1,
                    field: e.field.into(),
                    key: e.key.into(),
                    reason: String::new(),
                }),
            )
        })
        .collect()
}

fn read(ev: &str, cam: &str, at: &str, plate: &str, speed: Option<f64>, class: &str) -> String {
    let speed = speed
        .map(|s| format!(",\"speed_kmh\":{s}"))
        .unwrap_or_default();
    format!(
        "{{\"event_id\":\"{ev}\",\"camera_id\":\"{cam}\",\"read_at\":\"{at}\",\"plate\":\"{plate}\",\"vehicle_class\":\"{class}\"{speed}}}"
    )
}

#[tokio::test]
async fn duplicates_are_counted_not_stored_and_batches_are_sealed() {
    each_backend!(|t| {
        let sys = Actor::system();
        t.store
            .camera_put(&sys, &cam("A", "speed", 1500.0))
            .await
            .unwrap();
        let first: Vec<String> = (0..1200)
            .map(|i| {
                read(
                    &format!("e{i}"),
                    "A",
                    "2026-11-25T08:00:00+07:00",
                    "79A12345",
                    Some(50.0),
                    "car",
                )
            })
            .collect();
        let r = t.store.ingest_reads(&sys, lines(&first)).await.unwrap();
        assert_eq!((r.accepted, r.duplicates), (1200, 0));
        // Half old, half new, and one repeated within the body.
        let mut second: Vec<String> = (600..1800)
            .map(|i| {
                read(
                    &format!("e{i}"),
                    "A",
                    "2026-11-25T08:00:01+07:00",
                    "79A12345",
                    Some(50.0),
                    "car",
                )
            })
            .collect();
        second.push(read(
            "e1799",
            "A",
            "2026-11-25T08:00:01+07:00",
            "79A12345",
            None,
            "car",
        ));
        second.push(read(
            "e9999",
            "B",
            "2026-11-25T08:00:01+07:00",
            "79A12345",
            None,
            "car",
        ));
        let r = t.store.ingest_reads(&sys, lines(&second)).await.unwrap();
        assert_eq!((r.accepted, r.duplicates), (600, 601), "{r:?}");
        assert_eq!(r.rejected.len(), 1);
        assert_eq!(
            (r.rejected[0].line, r.rejected[0].key.as_str()),
            (1202, "enforcement_error.read_camera_unknown")
        );
        assert_eq!(t.store.reads_count().await.unwrap(), 1800);
        let v = t.store.audit_verify().await.unwrap();
        assert!(v.broken.is_none(), "{v:?}");
        // Editing a read behind the chain's back is found.
        t.store
            .db
            .execute(
                "UPDATE plate_reads SET plate_key = '79A99999' WHERE event_id = 'e700'",
                &[],
            )
            .await
            .unwrap();
        let v = t.store.audit_verify().await.unwrap();
        assert_eq!(
            v.broken,
            Some(Break::RowAltered {
                table: "read_batch".into(),
                id: "1".into()
            })
        );
    });
}

#[tokio::test]
async fn detection_finds_spot_section_and_red_light_violations_once() {
    each_backend!(|t| {
        let sys = Actor::system();
        for (id, kind, km) in [
            ("IN", "speed", 1520.0),
            ("OUT", "speed", 1530.0),
            ("RL", "red_light", 1525.0),
        ] {
            t.store.camera_put(&sys, &cam(id, kind, km)).await.unwrap();
        }
        t.store
            .section_put(&sys, "IN", "OUT", 10_000.0)
            .await
            .unwrap();
        let v = vec![
            // 10 km in 5 minutes: 120 km/h average; spot speeds lawful.
            read(
                "a1",
                "IN",
                "2026-11-25T08:00:00+07:00",
                "51K-678.90",
                Some(78.0),
                "car",
            ),
            read(
                "a2",
                "OUT",
                "2026-11-25T08:05:00+07:00",
                "51K67890",
                Some(79.0),
                "car",
            ),
            // 10 km in 8 minutes: 75 km/h, lawful; spot 95 at the entry (15 over).
            read(
                "b1",
                "IN",
                "2026-11-25T08:01:00+07:00",
                "85C1-234.56",
                Some(95.0),
                "car",
            ),
            read(
                "b2",
                "OUT",
                "2026-11-25T08:09:00+07:00",
                "85C123456",
                Some(70.0),
                "car",
            ),
            // Red light, a motorbike.
            read(
                "c1",
                "RL",
                "2026-11-25T08:02:00+07:00",
                "79D1-111.22",
                None,
                "motorbike",
            ),
            // Unreadable: kept, no case.
            read(
                "d1",
                "IN",
                "2026-11-25T08:03:00+07:00",
                "?",
                Some(130.0),
                "car",
            ),
        ];
        t.store.ingest_reads(&sys, lines(&v)).await.unwrap();
        let r = t.store.detect(&sys, 0, i64::MAX / 2).await.unwrap();
        assert_eq!(
            (r.spot_speed, r.section_speed, r.red_light, r.opened),
            (1, 1, 1, 3),
            "{r:?}"
        );
        let (cases, total) = t.store.cases(&Default::default(), 100, 0).await.unwrap();
        assert_eq!(total, 3);
        let by_kind = |k: &str| cases.iter().find(|c| c.kind == k).unwrap().clone();
        let s = by_kind("section_speed");
        assert_eq!(
            (s.plate_display.as_str(), s.behaviour.as_str(), s.measured),
            ("51K-678.90", "speed_car_over_35", Some(40.0))
        );
        assert_eq!(s.read_ids().len(), 2);
        assert_eq!(by_kind("spot_speed").behaviour, "speed_car_10_20");
        assert_eq!(by_kind("red_light").behaviour, "red_light_moto");
        assert_eq!(t.store.unreadable_reads(10).await.unwrap().len(), 1);
        let r = t.store.detect(&sys, 0, i64::MAX / 2).await.unwrap();
        assert_eq!(r.opened, 0, "nothing is opened twice");
        // A direct edit of a case row (even with its hash recomputed by hand) is found.
        let officer = Actor::user(7, "csgt");
        t.store
            .case_act(&officer, 1, s.id, &Action::Review)
            .await
            .unwrap();
        let v = t.store.audit_verify().await.unwrap();
        assert!(v.broken.is_none(), "{v:?}");
        t.store
            .db
            .execute(
                &format!(
                    "UPDATE violation_cases SET state = 'dismissed' WHERE id = {}",
                    s.id
                ),
                &[],
            )
            .await
            .unwrap();
        let v = t.store.audit_verify().await.unwrap();
        assert_eq!(
            v.broken,
            Some(Break::RowAltered {
                table: "violation_case".into(),
                id: s.id.to_string()
            })
        );
    });
}

/// The notice time (which starts the owner's 20 days before inspection is blocked) and
/// the licence (which bears the points) are not in a case's hash: they are sealed in
/// the audit entries beside it, and a direct edit of either is found.
#[tokio::test]
async fn a_moved_notice_time_or_a_changed_licence_is_found() {
    each_backend!(|t| {
        let s = &t.store;
        let sys = Actor::system();
        let officer = Actor::user(7, "csgt");
        let p = atgt_core::plates::Plate::parse("79A-123.45");
        let ids = s
            .cases_open(
                &sys,
                vec![atgt_store::enforcement::NewCase {
                    kind: "patrol".into(),
                    dedup_key: "seal-1".into(),
                    plate_key: p.key(),
                    plate_display: p.display(),
                    camera_id: None,
                    detected_at_us: atgt_store::now_us() - 86_400_000_000,
                    behaviour: "red_light_car".into(),
                    measured: None,
                    evidence: serde_json::json!({}),
                    licence_no: Some("790100000001".into()),
                    officer_id: None,
                }],
            )
            .await
            .unwrap();
        let id = ids[0];
        for a in [Action::Review, Action::Confirm, Action::SendNotice] {
            s.case_act(&officer, 1, id, &a).await.unwrap();
        }
        assert!(s.audit_verify().await.unwrap().broken.is_none());
        let altered = Some(Break::RowAltered {
            table: "violation_case".into(),
            id: id.to_string(),
        });
        // The notice moved 15 days later (the owner's 20 days would start again).
        let edit = |sql: &str| {
            let sql = sql.replace("{id}", &id.to_string());
            async move { s.db.execute(&sql, &[]).await.unwrap() }
        };
        edit("UPDATE violation_cases SET notice_at_us = notice_at_us + 1296000000000 WHERE id = {id}").await;
        assert_eq!(s.audit_verify().await.unwrap().broken, altered);
        edit("UPDATE violation_cases SET notice_at_us = notice_at_us - 1296000000000 WHERE id = {id}").await;
        assert!(s.audit_verify().await.unwrap().broken.is_none());
        // The points moved to another person's licence.
        edit("UPDATE violation_cases SET licence_no = '790100000002' WHERE id = {id}").await;
        assert_eq!(s.audit_verify().await.unwrap().broken, altered);
    });
}
