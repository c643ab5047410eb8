//! Black spots on both backends: screening input from the crash registry, the
//! lifecycle with its events and audit entries, refusals, overdue treatments.

use atgt_core::audit::Actor;
use atgt_core::crashes::{CrashRecord, Occurred};
use atgt_core::hotspots::lifecycle::{SpotAction, SpotStatus};
use atgt_core::hotspots::rules::{Period, SpotKind, screen};
use atgt_store::StoreError;
use atgt_store::audit::AuditFilter;
use atgt_store::hotspots::{NewSpot, SpotFilter};
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

fn rec(ext: &str, m: i8, km: f64, deaths: u32, injured: u32, causes: &[&str]) -> CrashRecord {
    CrashRecord {
        external_id: Some(ext.into()),
        occurred: Occurred {
            year: 2025,
            month: Some(m),
            day: Some(10),
            hour: Some(18),
            minute: Some(5),
            ..Default::default()
        },
        commune_code: Some("22861".into()),
        admin_scheme: Some("new".into()),
        road_code: Some("QL1A".into()),
        km: Some(km),
        deaths,
        injured,
        causes: causes.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn screening_reads_the_registry_and_a_spot_lives_through_its_audited_lifecycle() {
    each_backend!(|t| {
        let s = &t.store;
        let actor = Actor::user(1, "phantich");
        let rows = vec![
            rec("A1", 2, 1531.1, 1, 0, &["road_design"]),
            rec("A2", 6, 1531.3, 1, 1, &["speeding"]),
            rec("B1", 3, 1540.0, 0, 1, &["speeding"]),
        ];
        let report = s
            .crash_import(
                &Actor::system(),
                rows.into_iter().enumerate().map(|(i, r)| (i + 1, Ok(r))),
                "test",
                false,
                true,
                |_| {},
            )
            .await
            .unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        let rules = s.spot_rules().await.unwrap();
        let crashes = s
            .spot_crashes(
                date(2025, 1, 1),
                date(2025, 12, 31),
                &rules.infrastructure_causes,
            )
            .await
            .unwrap();
        assert_eq!(crashes.len(), 3);
        assert_eq!(crashes.iter().filter(|c| c.infrastructure).count(), 1);
        let rs = rules.for_date(date(2025, 12, 31));
        let found = screen(rs, &crashes, Period::window_ending(date(2025, 12, 31), 12));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].kind, found[0].clause.as_str()),
            (SpotKind::Frequent, "k1a")
        );

        // Coordinates with every digit (a mean of points) keep the audit chain whole.
        let mut cand = found[0].clone();
        cand.place.lon = Some(109.012_345_678_901_23);
        cand.place.lat = Some(11.680_000_000_000_01);
        cand.place.km = Some(1_531.200_000_000_000_3);
        let spot = s
            .spot_create(&actor, &NewSpot::from_candidate("QL1A Km1531+200", &cand))
            .await
            .unwrap();
        assert_eq!(spot.status, SpotStatus::Candidate);
        assert_eq!(
            (spot.lon, spot.lat, spot.km),
            (Some(109.012346), Some(11.68), Some(1531.2))
        );
        assert!(s.audit_verify().await.unwrap().broken.is_none());
        assert_eq!(spot.crash_ids.len(), 2);
        assert_eq!((spot.fatal, spot.clause.as_str()), (2, "k1a"));

        // Skipping the survey is refused, with the status named, and nothing changes.
        let propose = SpotAction::ProposeTreatment {
            measures: "Cắm biển cảnh báo, sơn gờ giảm tốc".into(),
            cost_vnd: 180_000_000,
            responsible_unit: "Sở Xây dựng".into(),
            deadline: date(2025, 12, 31),
            proposal: "Mở rộng Tỉnh lộ 704".into(),
        };
        match s.spot_act(&actor, spot.id, &propose).await {
            Err(StoreError::Invalid { field, key, arg }) => {
                assert_eq!(
                    (field.as_str(), key.as_str(), arg.as_str()),
                    ("action", "hotspots.error.transition", "candidate")
                );
            }
            other => panic!("{other:?}"),
        }
        let empty = SpotAction::Confirm {
            survey_notes: "  ".into(),
        };
        assert!(matches!(
            s.spot_act(&actor, spot.id, &empty).await,
            Err(StoreError::Invalid { ref field, .. }) if field == "survey_notes"
        ));
        assert_eq!(s.spot(spot.id).await.unwrap().status, SpotStatus::Candidate);

        let confirmed = s
            .spot_act(
                &actor,
                spot.id,
                &SpotAction::Confirm {
                    survey_notes: "Đường cong che khuất tầm nhìn".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(confirmed.status, SpotStatus::Confirmed);
        assert_eq!(confirmed.confirmed_by.as_deref(), Some("phantich"));
        let proposed = s.spot_act(&actor, spot.id, &propose).await.unwrap();
        assert_eq!(
            (proposed.cost_vnd, proposed.deadline.as_deref()),
            (Some(180_000_000), Some("2025-12-31"))
        );

        // Overdue the day after the deadline, not on it.
        assert!(
            s.spots_overdue(date(2025, 12, 31))
                .await
                .unwrap()
                .is_empty()
        );
        let overdue = s.spots_overdue(date(2026, 1, 1)).await.unwrap();
        assert_eq!(
            overdue.iter().map(|x| x.id).collect::<Vec<_>>(),
            vec![spot.id]
        );

        s.spot_act(
            &actor,
            spot.id,
            &SpotAction::MarkTreated {
                treated_on: date(2025, 12, 20),
                note: String::new(),
            },
        )
        .await
        .unwrap();
        assert!(s.spots_overdue(date(2026, 1, 1)).await.unwrap().is_empty());
        s.spot_act(
            &actor,
            spot.id,
            &SpotAction::StartMonitoring {
                note: String::new(),
            },
        )
        .await
        .unwrap();
        s.spot_act(
            &actor,
            spot.id,
            &SpotAction::Close {
                note: "Không còn tai nạn".into(),
            },
        )
        .await
        .unwrap();
        let reopened = s
            .spot_act(
                &actor,
                spot.id,
                &SpotAction::Reopen {
                    note: "Tai nạn lặp lại".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(reopened.status, SpotStatus::Reopened);

        // Every transition is an event and an audit entry; the chain holds.
        let events = s.spot_events(spot.id).await.unwrap();
        let path: Vec<(&str, SpotStatus)> = events
            .iter()
            .map(|e| (e.action.as_str(), e.to_status))
            .collect();
        assert_eq!(
            path,
            vec![
                ("confirm", SpotStatus::Confirmed),
                ("propose_treatment", SpotStatus::TreatmentProposed),
                ("mark_treated", SpotStatus::Treated),
                ("start_monitoring", SpotStatus::Monitored),
                ("close", SpotStatus::Closed),
                ("reopen", SpotStatus::Reopened),
            ]
        );
        let audit = s
            .audit_list(&AuditFilter {
                entity_kind: Some("spot".into()),
                entity_id: Some(spot.id.to_string()),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        let mut actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
        actions.sort();
        assert_eq!(
            actions,
            vec![
                "spot.close",
                "spot.confirm",
                "spot.create",
                "spot.mark_treated",
                "spot.propose_treatment",
                "spot.reopen",
                "spot.start_monitoring"
            ]
        );
        assert!(audit.iter().all(|e| e.actor_name == "phantich"));
        assert!(s.audit_verify().await.unwrap().broken.is_none());
        let listed = s
            .spots(&SpotFilter {
                status: Some(SpotStatus::Reopened),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        assert!(matches!(s.spot(9999).await, Err(StoreError::NotFound)));
    });
}
