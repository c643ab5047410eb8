//! Events on both backends: congestion durations and parking occupancy on hand-computed
//! fixtures, refused input leaving nothing behind, the audited activation history of a
//! diversion plan, response times by area.

use atgt_core::audit::Actor;
use atgt_core::crashes::{CrashRecord, Occurred};
use atgt_store::StoreError;
use atgt_store::events::{
    CourseInput, DiversionInput, IncidentInput, ParkingInput, Participants, PeakInput,
    local_range_us,
};
use atgt_store::testkit::{TestDb, backends};
use jiff::civil::date;

macro_rules! each_backend {
    (|$t:ident| $body:block) => {
        for backend in backends() {
            let $t = TestDb::new(backend).await;
            eprintln!("backend: {backend:?}");
            $body
        }
    };
}

const MIN: i64 = 60_000_000;

/// 08:00 Vietnam time on 30/4/2026, in UTC microseconds.
fn t0() -> i64 {
    local_range_us(date(2026, 4, 30), date(2026, 4, 30)).0 + 8 * 60 * MIN
}

fn invalid_field(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid { field, key, .. } => (field, key),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn incident(start: i64, minutes: Option<i64>, queue: i64) -> IncidentInput {
    IncidentInput {
        started_at_us: start,
        ended_at_us: minutes.map(|m| start + m * MIN),
        place: "Ngã ba vào bãi biển Ninh Chữ".into(),
        road_code: Some("ĐT704".into()),
        cause: "tourist_traffic".into(),
        queue_m: queue,
        handling_unit: "Công an phường Ninh Chử".into(),
        ..Default::default()
    }
}

async fn audit_len(t: &TestDb) -> i64 {
    t.store
        .audit_head()
        .await
        .unwrap()
        .map(|h| h.0)
        .unwrap_or(0)
}

#[tokio::test]
async fn congestion_durations_on_a_fixture() {
    each_backend!(|t| {
        let a = Actor::system();
        for (i, (m, q)) in [(15, 100), (30, 200), (45, 150), (70, 800), (120, 1200)]
            .into_iter()
            .enumerate()
        {
            t.store
                .incident_create(&a, &incident(t0() + i as i64 * 90 * MIN, Some(m), q))
                .await
                .unwrap();
        }
        // Still going: not in the durations, counted apart.
        t.store
            .incident_create(&a, &incident(t0(), None, 50))
            .await
            .unwrap();
        // Another day: outside the period.
        t.store
            .incident_create(&a, &incident(t0() - 3 * 24 * 60 * MIN, Some(500), 10))
            .await
            .unwrap();
        let s = t
            .store
            .congestion_stats(date(2026, 4, 30), date(2026, 5, 1))
            .await
            .unwrap();
        let list = t
            .store
            .incidents(date(2026, 4, 30), date(2026, 5, 1), 100)
            .await
            .unwrap();
        assert_eq!(list.len(), 6);
        assert_eq!(list[0].duration_min, Some(120), "newest first");
        let d = &s.durations;
        // 15, 30, 45, 70, 120: total 280, mean 56, median 45, p90 (5th of 5) 120,
        // two of at least 60 minutes (the shipped threshold).
        assert_eq!(
            (
                d.count,
                d.total_min,
                d.mean_min,
                d.median_min,
                d.p90_min,
                d.longest_min
            ),
            (5, 280, 56.0, 45.0, 120, 120)
        );
        assert_eq!((d.over_threshold, d.threshold_min), (2, 60));
        assert_eq!(s.ongoing, 1);
        assert_eq!((s.total_queue_m, s.longest_queue_m), (2500, 1200));

        // The threshold is data: an administrator raises it to 100 minutes.
        let edited = atgt_core::events::DEFAULT_EVENT_RULES
            .replace("prolonged_minutes = 60", "prolonged_minutes = 100");
        t.store
            .rule_file_set(
                &a,
                atgt_store::events::RULES_NAME,
                &edited,
                atgt_core::events::DEFAULT_EVENT_RULES,
                |s| atgt_core::events::EventRuleFile::parse(s).map(|_| ()),
            )
            .await
            .unwrap();
        let s = t
            .store
            .congestion_stats(date(2026, 4, 30), date(2026, 5, 1))
            .await
            .unwrap();
        assert_eq!(
            (s.durations.over_threshold, s.durations.threshold_min),
            (1, 100)
        );
    });
}

#[tokio::test]
async fn an_incident_ending_before_it_started_is_refused() {
    each_backend!(|t| {
        let before = audit_len(&t).await;
        let mut bad = incident(t0(), None, 10);
        bad.ended_at_us = Some(t0() - MIN);
        let e = t
            .store
            .incident_create(&Actor::system(), &bad)
            .await
            .unwrap_err();
        assert_eq!(
            invalid_field(e),
            ("ended_at".into(), "events.error.end_before_start".into())
        );
        let mut neg = incident(t0(), Some(5), 10);
        neg.queue_m = -5;
        let e = t
            .store
            .incident_create(&Actor::system(), &neg)
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e).0, "queue_m");
        assert!(
            t.store
                .incidents(date(2026, 4, 1), date(2026, 5, 31), 100)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(audit_len(&t).await, before);
    });
}

#[tokio::test]
async fn parking_occupancy_on_a_fixture_and_bad_reports() {
    each_backend!(|t| {
        let a = Actor::system();
        let p = t
            .store
            .parking_create(
                &a,
                &ParkingInput {
                    name: "Bãi xe biển Ninh Chữ".into(),
                    capacity: 200,
                    operator: "UBND phường Ninh Chử".into(),
                    fee_car_vnd: 30_000,
                    fee_motorbike_vnd: 5_000,
                    hours: "05:00–22:00".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        for (h, occ) in [(8, 50), (10, 180), (12, 200)] {
            t.store
                .parking_report(&a, p.id, t0() + (h - 8) * 60 * MIN, occ, "form")
                .await
                .unwrap();
        }
        // Outside the period.
        t.store
            .parking_report(&a, p.id, t0() - 10 * 24 * 60 * MIN, 10, "api")
            .await
            .unwrap();
        let before = audit_len(&t).await;
        let e = t
            .store
            .parking_report(&a, p.id, t0(), 201, "api")
            .await
            .unwrap_err();
        assert_eq!(
            invalid_field(e),
            ("occupied".into(), "events.error.over_capacity".into())
        );
        let e = t
            .store
            .parking_report(&a, p.id, t0(), -1, "form")
            .await
            .unwrap_err();
        assert_eq!(
            invalid_field(e),
            ("occupied".into(), "events.error.negative".into())
        );
        assert_eq!(audit_len(&t).await, before);
        assert_eq!(t.store.parking_reports(p.id, 100).await.unwrap().len(), 4);

        let occ = t
            .store
            .parking_occupancy(date(2026, 4, 30), date(2026, 5, 1))
            .await
            .unwrap();
        assert_eq!(occ.len(), 1);
        let s = &occ[0].stats;
        // 50, 180, 200 of 200: peak 200 (100%), mean 430/600 = 71.7%, two at ≥ 90%.
        assert_eq!(
            (
                s.reports,
                s.peak_occupied,
                s.peak_pct,
                s.mean_pct,
                s.full_reports
            ),
            (3, 200, 100.0, 71.7, 2)
        );
        assert_eq!(
            t.store.parking_area(p.id).await.unwrap().last_occupied,
            Some(200)
        );

        let e = t
            .store
            .parking_create(
                &a,
                &ParkingInput {
                    name: "Sai".into(),
                    capacity: 0,
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e).0, "capacity");
    });
}

fn plan(geometry: &str) -> DiversionInput {
    DiversionInput {
        name: "Phân luồng khu vực biển Ninh Chữ".into(),
        area: "Phường Ninh Chử".into(),
        geometry: geometry.into(),
        valid_from: "30/04/2026".into(),
        valid_until: "01/05/2026".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn diversion_activations_never_overlap_and_are_audited() {
    each_backend!(|t| {
        let a = Actor::system();
        let before = audit_len(&t).await;
        let e = t.store.diversion_create(&a, &plan("")).await.unwrap_err();
        assert_eq!(
            invalid_field(e),
            ("geometry".into(), "events.error.geometry_required".into())
        );
        let e = t
            .store
            .diversion_create(&a, &plan(r#"{"type":"FeatureCollection","features":[]}"#))
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e).0, "geometry");
        assert!(t.store.diversions(false).await.unwrap().is_empty());
        assert_eq!(audit_len(&t).await, before);

        let d = t
            .store
            .diversion_create(
                &a,
                &plan(r#"{"type":"LineString","coordinates":[[109.02,11.59],[109.03,11.6]]}"#),
            )
            .await
            .unwrap();
        let one = t
            .store
            .diversion_activate(&a, d.id, t0(), "Sáng 30/4")
            .await
            .unwrap();
        assert_eq!(t.store.diversions(true).await.unwrap().len(), 1);
        let e = t
            .store
            .diversion_activate(&a, d.id, t0() + MIN, "")
            .await
            .unwrap_err();
        assert_eq!(
            invalid_field(e),
            ("started_at".into(), "events.error.already_active".into())
        );
        let e = t
            .store
            .diversion_end(&a, d.id, t0() - MIN)
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e).1, "events.error.end_before_start");
        t.store
            .diversion_end(&a, d.id, t0() + 240 * MIN)
            .await
            .unwrap();
        assert!(t.store.diversions(true).await.unwrap().is_empty());
        let e = t
            .store
            .diversion_end(&a, d.id, t0() + 250 * MIN)
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e).1, "events.error.not_active");
        // A start inside the finished activation overlaps it.
        let e = t
            .store
            .diversion_activate(&a, d.id, t0() + 60 * MIN, "")
            .await
            .unwrap_err();
        assert_eq!(
            invalid_field(e),
            (
                "started_at".into(),
                "events.error.activation_overlap".into()
            )
        );
        t.store
            .diversion_activate(&a, d.id, t0() + 600 * MIN, "Chiều")
            .await
            .unwrap();

        let hist = t.store.diversion_activations(d.id).await.unwrap();
        assert_eq!(hist.len(), 2);
        assert_eq!(hist[0].id, one.id);
        assert_eq!(hist[0].ended_at_us, Some(t0() + 240 * MIN));
        let log = t
            .store
            .audit_list(&atgt_store::audit::AuditFilter {
                entity_kind: Some("diversion_plan".into()),
                entity_id: Some(d.id.to_string()),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            vec![
                "diversion.create",
                "diversion.activate",
                "diversion.end",
                "diversion.activate"
            ]
        );
        assert_eq!(log[1].after["ended_at_us"], t0() + 240 * MIN);
        assert!(t.store.audit_verify().await.unwrap().broken.is_none());
    });
}

#[tokio::test]
async fn peaks_training_and_response_times() {
    each_backend!(|t| {
        let a = Actor::system();
        let e = t
            .store
            .peak_create(
                &a,
                &PeakInput {
                    name: "Lễ 30/4".into(),
                    kind: "holiday".into(),
                    starts_on: "01/05/2026".into(),
                    ends_on: "30/04/2026".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e).0, "ends_on");
        t.store
            .peak_create(
                &a,
                &PeakInput {
                    name: "Lễ 30/4 – 1/5".into(),
                    kind: "holiday".into(),
                    starts_on: "30/04/2026".into(),
                    ends_on: "03/05/2026".into(),
                    expected_visitors: 45_000,
                    measures: "Phân luồng ĐT704".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(t.store.peaks().await.unwrap()[0].expected_visitors, 45_000);

        let c = t
            .store
            .course_create(
                &a,
                &CourseInput {
                    title: "Tập huấn cứu hộ, cứu nạn".into(),
                    audience: "rescue".into(),
                    starts_on: "2026-03-10".into(),
                    ends_on: "2026-03-11".into(),
                    participants: vec![
                        Participants {
                            unit: "Công an xã Ninh Hải".into(),
                            participants: 12,
                        },
                        Participants {
                            unit: "Trạm Y tế phường Ninh Chử".into(),
                            participants: 8,
                        },
                    ],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(c.total, 20);
        assert_eq!(t.store.courses().await.unwrap()[0].participants.len(), 2);

        // Two crashes in two communes.
        let mk = |ext: &str, commune: &str| CrashRecord {
            external_id: Some(ext.into()),
            occurred: Occurred {
                year: 2026,
                month: Some(4),
                day: Some(30),
                hour: Some(9),
                minute: Some(0),
                ..Default::default()
            },
            commune_code: Some(commune.into()),
            injured: 1,
            ..Default::default()
        };
        let c1 = t
            .store
            .crash_create(&a, &mk("RT-1", "22861"), "test", None)
            .await
            .unwrap();
        let c2 = t
            .store
            .crash_create(&a, &mk("RT-2", "22852"), "test", None)
            .await
            .unwrap();
        let call = t0();
        let e = t
            .store
            .response_time_set(&a, c1.id, call, Some(call - MIN), None)
            .await
            .unwrap_err();
        assert_eq!(
            invalid_field(e),
            ("police_at".into(), "events.error.before_call".into())
        );
        let e = t
            .store
            .response_time_set(&a, 999_999, call, Some(call), None)
            .await
            .unwrap_err();
        assert_eq!(invalid_field(e).0, "crash_id");
        t.store
            .response_time_set(
                &a,
                c1.id,
                call,
                Some(call + 10 * MIN),
                Some(call + 20 * MIN),
            )
            .await
            .unwrap();
        t.store
            .response_time_set(
                &a,
                c2.id,
                call,
                Some(call + 30 * MIN),
                Some(call + 40 * MIN),
            )
            .await
            .unwrap();
        // A correction replaces the times (audited with before and after).
        t.store
            .response_time_set(
                &a,
                c2.id,
                call,
                Some(call + 20 * MIN),
                Some(call + 40 * MIN),
            )
            .await
            .unwrap();
        let all = atgt_store::crashes::CrashFilter::default();
        let (by_area, total) = t
            .store
            .response_stats(date(2026, 4, 1), date(2026, 4, 30), &all)
            .await
            .unwrap();
        assert_eq!(by_area.len(), 2);
        assert_eq!(total.police.count, 2);
        assert_eq!(total.police.mean_min, 15.0);
        assert_eq!(total.rescue.mean_min, 30.0);
        assert_eq!(total.rescue.longest_min, 40);
        // Within one commune's scope only its crash counts.
        let one = atgt_store::crashes::CrashFilter {
            commune: Some("22861".into()),
            ..Default::default()
        };
        let (by_area, total) = t
            .store
            .response_stats(date(2026, 4, 1), date(2026, 4, 30), &one)
            .await
            .unwrap();
        assert_eq!(
            (by_area.len(), total.police.count, total.police.mean_min),
            (1, 1, 10.0)
        );
    });
}
