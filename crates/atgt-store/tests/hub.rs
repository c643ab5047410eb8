//! The data hub on both backends: idempotent sync by (partner, record id, version) with
//! per-line reasons and nothing half-applied, the change feed, personal-data reads that
//! always land in the access log, and one test per cross-check.

use atgt_core::audit::Actor;
use atgt_core::hub::{Fields, Kind};
use atgt_store::Store;
use atgt_store::enforcement::NewCase;
use atgt_store::hub::LineStatus;
use atgt_store::hub::input::lines;
use atgt_store::testkit::{TestDb, backends};
use jiff::civil::{Date, date};

macro_rules! each_backend {
    (|$t:ident| $body:block) => {
        for backend in backends() {
            let $t = TestDb::new(backend).await;
            eprintln!("backend: {backend:?}");
            $body
        }
    };
}

fn partner() -> Actor {
    Actor::api_key(7, "Cục Đăng kiểm")
}

fn ndjson(rows: &[serde_json::Value]) -> Vec<(usize, Result<Fields, atgt_core::hub::FieldError>)> {
    let body: String = rows.iter().map(|r| format!("{r}\n")).collect();
    lines(body.as_bytes(), false)
}

fn vehicle(id: &str, version: i64, plate: &str, owner_id: &str) -> serde_json::Value {
    serde_json::json!({
        "record_id": id, "version": version, "plate": plate, "colour": "white", "kind": "truck",
        "make": "Hino", "load_kg": 8000, "owner_kind": "person", "owner_name": "Trần Thị Bình",
        "owner_id_no": owner_id, "owner_address": "Xuân Hải, Khánh Hòa", "registered_on": "2022-04-01"
    })
}

async fn sync(s: &Store, kind: Kind, rows: &[serde_json::Value]) -> atgt_store::hub::SyncReport {
    s.hub_sync(&partner(), kind, ndjson(rows), "test")
        .await
        .unwrap()
}

fn us(d: Date) -> i64 {
    atgt_store::events::local_range_us(d, d).0 + 10 * 3_600_000_000
}

#[tokio::test]
async fn sync_is_idempotent_by_record_id_and_version() {
    each_backend!(|t| {
        let s = &t.store;
        let rows = [
            vehicle("V1", 1, "79A-123.45", "056090001234"),
            vehicle("V2", 1, "79C12346", "056090001235"),
        ];
        let r = sync(s, Kind::Vehicles, &rows).await;
        assert_eq!((r.applied, r.unchanged, r.stale, r.errors), (2, 0, 0, 0));
        // The same body again: nothing changes.
        let r = sync(s, Kind::Vehicles, &rows).await;
        assert_eq!((r.applied, r.unchanged), (0, 2));
        assert_eq!(s.hub_changes(0, 100).await.unwrap().len(), 2);
        // A newer version applies (a transfer), an older one is stale.
        let r = sync(
            s,
            Kind::Vehicles,
            &[vehicle("V1", 3, "79A-123.45", "056090009999")],
        )
        .await;
        assert_eq!(r.applied, 1);
        let r = sync(
            s,
            Kind::Vehicles,
            &[vehicle("V1", 2, "79A-123.45", "056090001234")],
        )
        .await;
        assert_eq!(r.stale, 1);
        assert_eq!(r.lines[0].status, LineStatus::Stale);
        assert_eq!(r.lines[0].errors[0].field, "version");
        let f = s.hub_vehicle_file("79a 12345").await.unwrap().unwrap();
        assert_eq!(f.vehicle.version, 3);
        assert_eq!(f.registrations.len(), 2);
        assert!(f.registrations[1].transfer);
        // The change feed continues from a cursor.
        let all = s.hub_changes(0, 100).await.unwrap();
        assert_eq!(all.len(), 3);
        let after = s.hub_changes(all[1].seq, 100).await.unwrap();
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].record_id, "V1");
        assert_eq!(after[0].version, 3);
        // Another partner's record id "V1" is a different record.
        let other = Actor::api_key(8, "Phòng CSGT");
        let r = s
            .hub_sync(
                &other,
                Kind::Vehicles,
                ndjson(&[vehicle("V1", 1, "79A-999.99", "056090001236")]),
                "x",
            )
            .await
            .unwrap();
        assert_eq!(r.applied, 1);
    });
}

/// A partner pulling the change feed while several syncs commit at once never skips a
/// change: a change's sequence number is taken in commit order, so no change becomes
/// visible behind a cursor that has passed it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_puller_never_skips_changes_of_concurrent_syncs() {
    each_backend!(|t| {
        let (writers, requests, lines_per) = (4usize, 12usize, 150usize);
        let mut tasks = Vec::new();
        for w in 0..writers {
            let s = t.store.clone();
            tasks.push(tokio::spawn(async move {
                for r in 0..requests {
                    let rows: Vec<serde_json::Value> = (0..lines_per)
                        .map(|i| {
                            let n = (w * requests + r) * lines_per + i;
                            vehicle(
                                &format!("C{n:06}"),
                                1,
                                &format!("79A-{:03}.{:02}", n / 100, n % 100),
                                "056090001234",
                            )
                        })
                        .collect();
                    let rep = s
                        .hub_sync(&partner(), Kind::Vehicles, ndjson(&rows), "t")
                        .await
                        .unwrap();
                    assert_eq!(rep.applied, lines_per);
                }
            }));
        }
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let puller = {
            let s = t.store.clone();
            let done = done.clone();
            tokio::spawn(async move {
                let mut cursor = 0i64;
                let mut seen = std::collections::HashSet::new();
                loop {
                    // Once the writers are done, one more pull reads what is left.
                    let last = done.load(std::sync::atomic::Ordering::SeqCst);
                    let batch = s.hub_changes(cursor, 10_000).await.unwrap();
                    for c in &batch {
                        seen.insert(c.record_id.clone());
                        cursor = cursor.max(c.seq);
                    }
                    if last && batch.is_empty() {
                        break;
                    }
                    if batch.is_empty() {
                        tokio::task::yield_now().await;
                    }
                }
                (cursor, seen)
            })
        };
        for task in tasks {
            task.await.unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        let (cursor, seen) = puller.await.unwrap();
        let all = t.store.hub_changes(0, 10_000).await.unwrap();
        assert_eq!(all.len(), writers * requests * lines_per);
        let missed = all.iter().filter(|c| !seen.contains(&c.record_id)).count();
        assert_eq!(
            missed, 0,
            "the puller (cursor {cursor}) skipped {missed} changes"
        );
    });
}

#[tokio::test]
async fn bad_lines_are_refused_with_their_reasons_and_good_lines_apply() {
    each_backend!(|t| {
        let s = &t.store;
        sync(
            s,
            Kind::Vehicles,
            &[vehicle("V1", 1, "79A-123.45", "056090001234")],
        )
        .await;
        let body = "record_id,version,plate,certificate_no,station,inspected_on,valid_until,result\n\
                    I1,1,79A12345,KĐ-001,7901D,2024-05-01,2025-05-01,pass\n\
                    I2,1,51K-678.90,KĐ-002,7901D,2024-05-01,2025-05-01,pass\n\
                    I3,1,XYZ,KĐ-003,7901D,31/02/2024,2025-05-01,pass\n\
                    I4,0,79A12345,KĐ-004,7901D,2024-05-01,2025-05-01,pass\n";
        let r = s
            .hub_sync(
                &partner(),
                Kind::Inspections,
                lines(body.as_bytes(), true),
                "x",
            )
            .await
            .unwrap();
        assert_eq!((r.applied, r.errors), (1, 3));
        let by_line = |n: usize| r.lines.iter().find(|l| l.line == n).unwrap();
        assert_eq!(by_line(2).status, LineStatus::Applied);
        let fields = |n: usize| -> Vec<(String, String)> {
            by_line(n)
                .errors
                .iter()
                .map(|e| (e.field.clone(), e.key.clone()))
                .collect()
        };
        assert_eq!(
            fields(3),
            vec![("plate".into(), "hub.error.unknown_vehicle".into())]
        );
        assert!(fields(4).contains(&("plate".into(), "hub.error.bad_plate".into())));
        assert!(fields(4).contains(&("inspected_on".into(), "error.bad_date".into())));
        assert_eq!(
            fields(5),
            vec![("version".into(), "hub.error.bad_version".into())]
        );
        assert_eq!(s.hub_inspections("79A12345").await.unwrap().len(), 1);
        // Only the applied line reached the feed; the request is in the audit chain.
        let ch = s.hub_changes(0, 100).await.unwrap();
        assert_eq!(ch.iter().filter(|c| c.kind == "inspections").count(), 1);
        assert!(s.audit_verify().await.unwrap().broken.is_none());
    });
}

#[tokio::test]
async fn personal_data_reads_are_logged_with_their_purpose() {
    each_backend!(|t| {
        let s = &t.store;
        sync(
            s,
            Kind::Vehicles,
            &[vehicle("V1", 1, "79A-123.45", "056090001234")],
        )
        .await;
        let officer = Actor::user(3, "csgt.an");
        let e = s
            .hub_owner_read(&officer, "79A12345", "", "page")
            .await
            .unwrap_err();
        assert!(
            matches!(e, atgt_store::StoreError::Invalid { ref field, .. } if field == "purpose")
        );
        assert!(s.pd_access("056090001234", 10).await.unwrap().is_empty());
        let v = s
            .hub_owner_read(&officer, "79A-123.45", "violation_handling", "page")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v.owner.name, "Trần Thị Bình");
        let log = s.pd_access("056090001234", 10).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].actor_name, "csgt.an");
        assert_eq!(log[0].purpose, "violation_handling");
        assert_eq!(log[0].record, "vehicle:79A12345");
        assert_eq!(log[0].via, "page");
        // The log cannot be edited.
        assert!(
            s.db.execute("DELETE FROM pd_access_log", &[])
                .await
                .is_err()
        );
        // Nor the registration history.
        assert!(
            s.db.execute("DELETE FROM hub_vehicle_history", &[])
                .await
                .is_err()
        );
    });
}

// ---------------------------------------------------------------------------------
// Cross-checks, one test each.

async fn case(
    s: &Store,
    kind: &str,
    plate: &str,
    at: i64,
    behaviour: &str,
    licence: Option<&str>,
) -> i64 {
    let p = atgt_core::plates::Plate::parse(plate);
    s.cases_open(
        &Actor::system(),
        vec![NewCase {
            kind: kind.into(),
            dedup_key: format!("{kind}-{plate}-{at}"),
            plate_key: p.key(),
            plate_display: p.display(),
            camera_id: None,
            detected_at_us: at,
            behaviour: behaviour.into(),
            measured: None,
            evidence: serde_json::json!({}),
            licence_no: licence.map(str::to_string),
            officer_id: None,
        }],
    )
    .await
    .unwrap()[0]
}

fn codes(f: &[atgt_core::hub::checks::Finding], code: &str) -> Vec<String> {
    f.iter()
        .filter(|x| x.code == code)
        .map(|x| x.subject.clone())
        .collect()
}

#[tokio::test]
async fn check_expired_inspection_seen_on_camera() {
    each_backend!(|t| {
        let s = &t.store;
        let today = atgt_core::time::local_date(jiff::Timestamp::now());
        sync(
            s,
            Kind::Vehicles,
            &[
                vehicle("V1", 1, "79A-123.45", "056090001234"),
                vehicle("V2", 1, "79A-123.46", "056090001235"),
            ],
        )
        .await;
        let old = today.checked_sub(jiff::Span::new().days(400)).unwrap();
        let expired = today.checked_sub(jiff::Span::new().days(35)).unwrap();
        let later = today.checked_add(jiff::Span::new().days(300)).unwrap();
        sync(s, Kind::Inspections, &[
            serde_json::json!({"record_id":"I1","version":1,"plate":"79A12345","certificate_no":"1","station":"7901D","inspected_on":old.to_string(),"valid_until":expired.to_string(),"result":"pass"}),
            serde_json::json!({"record_id":"I2","version":1,"plate":"79A12346","certificate_no":"2","station":"7901D","inspected_on":old.to_string(),"valid_until":later.to_string(),"result":"pass"}),
        ]).await;
        let read_on = today.checked_sub(jiff::Span::new().days(3)).unwrap();
        for (i, plate) in ["79A12345", "79A12346"].iter().enumerate() {
            let p = atgt_core::plates::Plate::parse(plate);
            s.db.execute(
                "INSERT INTO plate_reads (event_id, camera_id, read_at_us, plate_raw, plate_key, plate_display, readable) VALUES ($1, 'CAM-1', $2, $3, $4, $5, 1)",
                &atgt_store::params![format!("e{i}"), us(read_on), *plate, p.key(), p.display()],
            ).await.unwrap();
        }
        let f = s.hub_findings(today).await.unwrap();
        assert_eq!(
            codes(&f, "expired_inspection_on_camera"),
            vec!["79A-123.45".to_string()]
        );
        let one = f
            .iter()
            .find(|x| x.code == "expired_inspection_on_camera")
            .unwrap();
        assert!(one.detail.contains(&expired.to_string()));
        assert!(!one.basis.is_empty());
    });
}

#[tokio::test]
async fn check_inspection_block_of_circular_73() {
    each_backend!(|t| {
        let s = &t.store;
        let today = atgt_core::time::local_date(jiff::Timestamp::now());
        sync(
            s,
            Kind::Vehicles,
            &[vehicle("V1", 1, "79A-123.45", "056090001234")],
        )
        .await;
        let detected = today.checked_sub(jiff::Span::new().days(40)).unwrap();
        let id = case(
            s,
            "spot_speed",
            "79A12345",
            us(detected),
            "speed_car_10_20",
            None,
        )
        .await;
        // Notice 25 days ago: more than 20 days without the owner coming.
        let notice = today.checked_sub(jiff::Span::new().days(25)).unwrap();
        s.db.execute(
            "UPDATE violation_cases SET state = 'notice_sent', notice_at_us = $1 WHERE id = $2",
            &atgt_store::params![us(notice), id],
        )
        .await
        .unwrap();
        let file = s.hub_vehicle_file("79A12345").await.unwrap().unwrap();
        assert_eq!(file.violations.len(), 1);
        assert_eq!(
            (
                file.violations[0].case_id,
                file.violations[0].state.as_str()
            ),
            (id, "notice_sent")
        );
        let flags = s.hub_flags("79A-123.45", today).await.unwrap();
        let block = flags.iter().find(|f| f.code == "inspection_block").unwrap();
        assert_eq!(block.basis, "Thông tư 73/2024/TT-BCA, Điều 24 khoản 5");
        // Presented for inspection while blocked: the finding says so.
        sync(s, Kind::Inspections, &[serde_json::json!({"record_id":"I1","version":1,"plate":"79A12345","certificate_no":"1","station":"7901D","inspected_on":today.to_string(),"valid_until":today.checked_add(jiff::Span::new().days(365)).unwrap().to_string(),"result":"pass"})]).await;
        let f = s.hub_findings(today).await.unwrap();
        let b = f.iter().find(|x| x.code == "inspection_block").unwrap();
        assert!(b.detail.contains("presented_on"), "{}", b.detail);
        // Paid: no block.
        s.db.execute(
            "UPDATE violation_cases SET state = 'paid' WHERE id = $1",
            &atgt_store::params![id],
        )
        .await
        .unwrap();
        assert!(
            s.hub_flags("79A12345", today)
                .await
                .unwrap()
                .iter()
                .all(|f| f.code != "inspection_block")
        );
    });
}

#[tokio::test]
async fn check_truck_bed_differs_from_certificate() {
    each_backend!(|t| {
        let s = &t.store;
        sync(
            s,
            Kind::Vehicles,
            &[
                vehicle("V1", 1, "51K-678.90", "056090001234"),
                vehicle("V2", 1, "51K-678.91", "056090001235"),
            ],
        )
        .await;
        let cert = |id: &str, plate: &str| serde_json::json!({"record_id":id,"version":1,"plate":plate,"certificate_no":id,"station":"7901D","inspected_on":"2025-01-10","valid_until":"2026-01-09","result":"pass","bed_length_mm":6200,"bed_width_mm":2350,"bed_height_mm":800});
        sync(
            s,
            Kind::Inspections,
            &[cert("I1", "51K67890"), cert("I2", "51K67891")],
        )
        .await;
        sync(s, Kind::Measurements, &[
            serde_json::json!({"record_id":"M1","version":1,"plate":"51K-678.90","measured_on":"2025-06-01","place":"Trạm KTTT QL1A","bed_length_mm":6200,"bed_width_mm":2350,"bed_height_mm":1450}),
            serde_json::json!({"record_id":"M2","version":1,"plate":"51K-678.91","measured_on":"2025-06-01","place":"Trạm KTTT QL1A","bed_length_mm":6220,"bed_width_mm":2350,"bed_height_mm":810}),
        ]).await;
        let f = s.hub_findings(date(2025, 6, 2)).await.unwrap();
        assert_eq!(codes(&f, "bed_mismatch"), vec!["51K-678.90".to_string()]);
        let b = f.iter().find(|x| x.code == "bed_mismatch").unwrap();
        assert!(b.basis.contains("Điều 32 khoản 14 điểm h"));
        assert!(b.detail.contains("650"), "{}", b.detail);
        // The vehicle's file gathers the certificate and the measurement (on
        // PostgreSQL in one statement, each part as JSON; the same records on both).
        let file = s.hub_vehicle_file("51K67890").await.unwrap().unwrap();
        assert_eq!(file.vehicle.plate, "51K-678.90");
        assert_eq!(file.vehicle.load_kg, Some(8000));
        assert_eq!(file.inspections.len(), 1);
        assert_eq!(file.inspections[0].certificate_no, "I1");
        assert_eq!(file.inspections[0].bed_mm, Some([6200, 2350, 800]));
        assert_eq!(file.measurements.len(), 1);
        assert_eq!(file.measurements[0].place, "Trạm KTTT QL1A");
        assert_eq!(file.measurements[0].bed_mm, [6200, 2350, 1450]);
        assert_eq!(file.registrations.len(), 1);
        assert!(file.badges.is_empty() && file.violations.is_empty() && file.crashes.is_empty());
        assert!(s.hub_vehicle_file("51K-000.00").await.unwrap().is_none());
    });
}

#[tokio::test]
async fn check_licence_suspended_or_at_zero_used_in_a_patrol_case() {
    each_backend!(|t| {
        let s = &t.store;
        let lic = |id: &str, no: &str, susp: Option<&str>| {
            let mut v = serde_json::json!({"record_id":id,"version":1,"licence_no":no,"class":"B","holder_name":"Lê Văn Cường","holder_id_no":"056090004321","issued_on":"2015-03-01"});
            if let Some(x) = susp {
                v["suspended_until"] = x.into();
            }
            v
        };
        sync(
            s,
            Kind::Licences,
            &[
                lic("L1", "790123456789", Some("2026-12-31")),
                lic("L2", "790123456790", None),
                lic("L3", "790123456791", None),
            ],
        )
        .await;
        let day = date(2025, 6, 1);
        case(
            s,
            "patrol",
            "79A-111.11",
            us(day),
            "alcohol_car_1",
            Some("790123456789"),
        )
        .await;
        // L2: three decided alcohol cases (−4, −10, ...) bring it to zero before the patrol.
        let heavy = "alcohol_car_2";
        assert_eq!(s.catalog().await.unwrap().get(heavy).unwrap().points, 10);
        for i in 0..2 {
            let d = date(2025, 3, 1 + i);
            let id = case(
                s,
                "patrol",
                "79A-222.22",
                us(d),
                heavy,
                Some("790123456790"),
            )
            .await;
            s.db.execute(
                "UPDATE violation_cases SET state = 'decided' WHERE id = $1",
                &atgt_store::params![id],
            )
            .await
            .unwrap();
        }
        case(
            s,
            "patrol",
            "79A-222.22",
            us(day),
            "alcohol_car_1",
            Some("790123456790"),
        )
        .await;
        // L3: clean licence, no finding.
        case(
            s,
            "patrol",
            "79A-333.33",
            us(day),
            "alcohol_car_1",
            Some("790123456791"),
        )
        .await;
        let f = s.hub_findings(day).await.unwrap();
        let mut got = codes(&f, "licence_unusable");
        got.sort();
        assert_eq!(
            got,
            vec!["790123456789".to_string(), "790123456790".to_string()]
        );
        let z = f.iter().find(|x| x.subject == "790123456790").unwrap();
        assert!(z.detail.contains("zero_points"), "{}", z.detail);
        assert!(z.basis.contains("Điều 58 khoản 3"));
    });
}

#[tokio::test]
async fn check_transport_vehicle_without_badge() {
    each_backend!(|t| {
        let s = &t.store;
        let mut a = vehicle("V1", 1, "79B-012.34", "056090001234");
        a["colour"] = "yellow".into();
        let mut b = vehicle("V2", 1, "79B-012.35", "056090001235");
        b["colour"] = "yellow".into();
        let c = vehicle("V3", 1, "79A-012.36", "056090001236");
        sync(s, Kind::Vehicles, &[a, b, c]).await;
        sync(s, Kind::Businesses, &[serde_json::json!({"record_id":"B1","version":1,"name":"Công ty TNHH Vận tải Phan Rang","tax_code":"4500123456"})]).await;
        sync(s, Kind::Badges, &[serde_json::json!({"record_id":"P1","version":1,"plate":"79B01235","business_id":"B1","kind":"contract","valid_from":"2025-01-01","valid_until":"2026-12-31"})]).await;
        let f = s.hub_findings(date(2025, 6, 1)).await.unwrap();
        assert_eq!(codes(&f, "no_badge"), vec!["79B-012.34".to_string()]);
        let file = s.hub_vehicle_file("79B-012.35").await.unwrap().unwrap();
        assert_eq!(file.badges.len(), 1);
        assert_eq!(
            file.badges[0].business_name.as_deref(),
            Some("Công ty TNHH Vận tải Phan Rang")
        );
        assert_eq!(file.badges[0].valid_until, "2026-12-31");
    });
}

/// The enforcement rules use the cross-checks: a check whose rule names a catalog group
/// opens a case of that behaviour once per vehicle and date (the bundled file: the
/// truck bed, Decree 168 Art. 32 k14 h); a check without one opens none until an
/// administrator confirms its provision, adds the behaviour to the catalog and names it.
#[tokio::test]
async fn cross_checks_open_cases_through_the_enforcement_rules() {
    each_backend!(|t| {
        let s = &t.store;
        let sys = Actor::system();
        let mut yellow = vehicle("V3", 1, "79B-012.34", "056090001236");
        yellow["colour"] = "yellow".into();
        sync(
            s,
            Kind::Vehicles,
            &[vehicle("V1", 1, "51K-678.90", "056090001234"), yellow],
        )
        .await;
        sync(s, Kind::Inspections, &[serde_json::json!({"record_id":"I1","version":1,"plate":"51K67890","certificate_no":"I1","station":"7901D","inspected_on":"2025-01-10","valid_until":"2026-01-09","result":"pass","bed_length_mm":6200,"bed_width_mm":2350,"bed_height_mm":800})]).await;
        sync(s, Kind::Measurements, &[serde_json::json!({"record_id":"M1","version":1,"plate":"51K-678.90","measured_on":"2025-06-01","place":"Trạm KTTT QL1A","bed_length_mm":6200,"bed_width_mm":2350,"bed_height_mm":1450})]).await;
        let day = date(2025, 6, 2);
        let r = s.hub_check_cases(&sys, day).await.unwrap();
        assert_eq!((r.findings, r.opened, r.unmatched), (1, 1, 0), "{r:?}");
        let (cases, _) = s.cases(&Default::default(), 100, 0).await.unwrap();
        assert_eq!(cases.len(), 1);
        let c = &cases[0];
        assert_eq!(
            (
                c.kind.as_str(),
                c.behaviour.as_str(),
                c.plate_display.as_str()
            ),
            ("hub_check", "bed_extension", "51K-678.90")
        );
        assert_eq!(
            atgt_core::time::local_date(atgt_core::time::from_micros(c.detected_at_us)),
            date(2025, 6, 1)
        );
        assert!(
            c.evidence.contains("Điều 32 khoản 14 điểm h"),
            "{}",
            c.evidence
        );
        assert!(
            c.evidence.contains("\"check\":\"bed_mismatch\""),
            "{}",
            c.evidence
        );
        // Run again, or through the camera rules' run: nothing is opened twice.
        assert_eq!(s.hub_check_cases(&sys, day).await.unwrap().opened, 0);
        let from = atgt_store::events::local_range_us(day, day).0;
        let rep = s.detect(&sys, from, from + 86_400_000_000).await.unwrap();
        assert_eq!((rep.cross_checks.findings, rep.opened), (1, 0), "{rep:?}");
        // A case from the records was not found by a camera: even with its notice long
        // past, it does not block inspection (Circular 73 Art. 24 k5 is about cameras).
        s.db.execute(
            "UPDATE violation_cases SET state = 'notice_sent', notice_at_us = $1 WHERE id = $2",
            &atgt_store::params![us(date(2025, 6, 3)), c.id],
        )
        .await
        .unwrap();
        assert!(
            s.hub_flags("51K67890", date(2025, 8, 1))
                .await
                .unwrap()
                .iter()
                .all(|f| f.code != "inspection_block")
        );

        // The transport badge opens nothing by default. An administrator names a group
        // the catalog lacks: the finding is counted as unmatched, nothing is opened.
        let rules = atgt_core::hub::checks::DEFAULT_RULES.replace(
            "code = \"no_badge\"",
            "code = \"no_badge\"\ncase = \"no_badge\"",
        );
        let check = |src: &str| atgt_core::hub::checks::CheckRules::parse(src).map(|_| ());
        s.rule_file_set(
            &sys,
            atgt_store::hub::checks::RULES_NAME,
            &rules,
            atgt_core::hub::checks::DEFAULT_RULES,
            check,
        )
        .await
        .unwrap();
        let r = s.hub_check_cases(&sys, day).await.unwrap();
        assert_eq!((r.findings, r.opened, r.unmatched), (2, 0, 1), "{r:?}");
        // Then adds the behaviour (article, clause, fine) to the catalog: a case opens.
        let catalog = format!(
            "{}\n[[behaviour]]\ncode = \"badge_missing\"\ngroup = \"no_badge\"\nvehicle = \"truck\"\narticle = 1\nclause = 1\npoint = \"a\"\ntext = \"Thử: xe kinh doanh vận tải không có phù hiệu\"\nmeasure = \"none\"\nfine_min = 1_000\nfine_max = 2_000\npoints = 0\nconfirmed = false\n",
            atgt_core::enforcement::DEFAULT_CATALOG
        );
        s.rule_file_set(
            &sys,
            atgt_store::enforcement::CATALOG_RULES,
            &catalog,
            atgt_core::enforcement::DEFAULT_CATALOG,
            |src: &str| atgt_core::enforcement::Catalog::parse(src).map(|_| ()),
        )
        .await
        .unwrap();
        let r = s.hub_check_cases(&sys, day).await.unwrap();
        assert_eq!((r.findings, r.opened, r.unmatched), (2, 1, 0), "{r:?}");
        let (opened, _) = s.cases(&Default::default(), 100, 0).await.unwrap();
        assert!(
            opened
                .iter()
                .any(|c| c.behaviour == "badge_missing" && c.plate_display == "79B-012.34")
        );
        // A truck the patrol already booked for its bed that day: no second case.
        sync(
            s,
            Kind::Vehicles,
            &[vehicle("V9", 1, "51K-678.99", "056090001239")],
        )
        .await;
        sync(s, Kind::Inspections, &[serde_json::json!({"record_id":"I9","version":1,"plate":"51K67899","certificate_no":"I9","station":"7901D","inspected_on":"2025-01-10","valid_until":"2026-01-09","result":"pass","bed_length_mm":6200,"bed_width_mm":2350,"bed_height_mm":800})]).await;
        sync(s, Kind::Measurements, &[serde_json::json!({"record_id":"M9","version":1,"plate":"51K-678.99","measured_on":"2025-06-01","place":"Trạm KTTT QL1A","bed_length_mm":6200,"bed_width_mm":2350,"bed_height_mm":1400})]).await;
        case(
            s,
            "patrol",
            "51K-678.99",
            us(date(2025, 6, 1)),
            "bed_extension",
            None,
        )
        .await;
        let r = s.hub_check_cases(&sys, day).await.unwrap();
        assert_eq!((r.opened, r.covered), (0, 1), "{r:?}");
    });
}

/// Cases carried over from the previous system keep their dates: a camera case whose
/// notice went out there 30 days ago blocks inspection here, a decided patrol case
/// deducts its points. A refused line writes nothing and names its line and field; a
/// second import skips what is there; the audit chain seals the imported rows.
#[tokio::test]
async fn cases_carried_over_keep_their_dates_and_are_sealed() {
    each_backend!(|t| {
        let s = &t.store;
        let sys = Actor::system();
        sync(
            s,
            Kind::Vehicles,
            &[vehicle("V1", 1, "79A-123.45", "056090001234")],
        )
        .await;
        let now = jiff::Timestamp::now();
        let ago = |days: i64| {
            now.checked_sub(jiff::SignedDuration::from_hours(24 * days))
                .unwrap()
                .to_string()
        };
        let good = [
            serde_json::json!({"ref": "CSGT-2026-0001", "kind": "spot_speed", "plate": "79A12345",
                "camera_id": "CAM-OLD-1", "detected_at": ago(35), "behaviour": "speed_car_10_20",
                "measured": 14.0, "state": "notice_sent", "notice_at": ago(30),
                "source": "Hệ thống xử lý vi phạm cũ, sổ 2026"}),
            serde_json::json!({"ref": "CSGT-2026-0002", "kind": "patrol", "plate": "79B1-234.56",
                "detected_at": ago(60), "behaviour": "red_light_moto", "state": "decided",
                "fine_vnd": 4_000_000, "licence_no": "790100000009",
                "source": "Biên bản 12/BB-CSGT"}),
        ];
        let text: String = good.iter().map(|l| format!("{l}\n")).collect();
        // A notice in the future on the second line: refused, nothing written.
        let mut bad_notice = good[0].clone();
        bad_notice["ref"] = "CSGT-2026-0003".into();
        bad_notice["notice_at"] = now
            .checked_add(jiff::SignedDuration::from_hours(48))
            .unwrap()
            .to_string()
            .into();
        let bad = format!("{}\n{bad_notice}\nnot json\n", good[1]);
        let r = s
            .cases_import(&sys, atgt_store::enforcement::parse_imported_cases(&bad))
            .await
            .unwrap();
        assert_eq!(r.imported, 0);
        let why: Vec<(usize, &str)> = r
            .rejected
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(why, vec![(2, "notice_at"), (3, "line")]);
        assert_eq!(
            s.case_counts()
                .await
                .unwrap()
                .iter()
                .map(|c| c.1)
                .sum::<i64>(),
            0
        );
        // Each rule of the import names its line and field.
        let mut camera_licence = good[0].clone();
        camera_licence["ref"] = "X1".into();
        camera_licence["licence_no"] = "790100000009".into();
        let mut unsent = good[0].clone();
        unsent["ref"] = "X2".into();
        unsent["state"] = "confirmed".into();
        let mut off_band = good[0].clone();
        off_band["ref"] = "X3".into();
        off_band["measured"] = 35.0.into();
        let mut org_fine = good[1].clone();
        org_fine["ref"] = "X4".into();
        org_fine["fine_vnd"] = 10_000_000.into(); // an organisation's: twice 4–6 M đ
        let mut wrong_kind = good[0].clone();
        wrong_kind["ref"] = "X5".into();
        wrong_kind["behaviour"] = "alcohol_car_1".into();
        let mut no_camera = good[0].clone();
        no_camera["ref"] = "X6".into();
        no_camera["camera_id"] = serde_json::Value::Null;
        let file: String = [
            camera_licence,
            unsent,
            off_band,
            org_fine.clone(),
            org_fine,
            wrong_kind,
            no_camera,
        ]
        .iter()
        .map(|l| format!("{l}\n"))
        .collect();
        let r = s
            .cases_import(&sys, atgt_store::enforcement::parse_imported_cases(&file))
            .await
            .unwrap();
        let why: Vec<(usize, &str)> = r
            .rejected
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(
            why,
            vec![
                (1, "licence_no"),
                (2, "notice_at"),
                (3, "measured"),
                (5, "ref"),
                (6, "behaviour"),
                (7, "camera_id")
            ]
        );
        let r = s
            .cases_import(
                &sys,
                atgt_store::enforcement::parse_imported_cases("{\"ref\": 1}\n"),
            )
            .await
            .unwrap();
        assert!(!r.rejected[0].reason.is_empty(), "{r:?}");
        assert_eq!(r.imported, 0);
        // The good file: imported, then skipped on a second run.
        let r = s
            .cases_import(&sys, atgt_store::enforcement::parse_imported_cases(&text))
            .await
            .unwrap();
        assert_eq!(
            (r.imported, r.unchanged, r.rejected.len()),
            (2, 0, 0),
            "{r:?}"
        );
        let r = s
            .cases_import(&sys, atgt_store::enforcement::parse_imported_cases(&text))
            .await
            .unwrap();
        assert_eq!((r.imported, r.unchanged), (0, 2));
        let today = atgt_core::time::local_date(now);
        let flags = s.hub_flags("79A-123.45", today).await.unwrap();
        assert!(
            flags.iter().any(|f| f.code == "inspection_block"),
            "{flags:?}"
        );
        let points = s.licence_deductions("790100000009").await.unwrap();
        assert_eq!(points.iter().map(|p| p.1).sum::<i64>(), 4);
        assert_eq!(s.enforcement_verify().await.unwrap(), None);
        let (cases, _) = s.cases(&Default::default(), 10, 0).await.unwrap();
        let c = cases.iter().find(|c| c.kind == "spot_speed").unwrap();
        assert!(c.evidence.contains("CSGT-2026-0001"), "{}", c.evidence);
        assert_eq!(s.case_events(c.id).await.unwrap()[0].action, "import");
        // The notice date decides the block but is not in a case's hash: it is sealed
        // beside it, and verification finds a row whose date was moved.
        s.db.execute(
            "UPDATE violation_cases SET notice_at_us = notice_at_us + 864000000000 WHERE id = $1",
            &atgt_store::params![c.id],
        )
        .await
        .unwrap();
        assert_eq!(
            s.enforcement_verify().await.unwrap(),
            Some(("violation_case".to_string(), c.id.to_string()))
        );
    });
}
