//! The public plate lookup's index of open cases (issue 9) on both backends: it
//! follows this process's case writes at once, another process's within its refresh
//! period, and holds only open cases.

use atgt_core::audit::Actor;
use atgt_core::enforcement::Action;
use atgt_core::plates::Plate;
use atgt_store::Store;
use atgt_store::enforcement::NewCase;
use atgt_store::testkit::{TestDb, backends};
use std::time::Duration;

fn new_case(dedup: &str, plate: &str, place: &str) -> NewCase {
    let p = Plate::parse(plate);
    NewCase {
        kind: "patrol".into(),
        dedup_key: dedup.into(),
        plate_key: p.key(),
        plate_display: p.display(),
        camera_id: None,
        detected_at_us: 1_795_570_200_000_000,
        behaviour: "speed_car_20_35".into(),
        measured: Some(25.0),
        evidence: serde_json::json!({ "place": place, "owner_name": "Nguyễn Văn Chủ Xe" }),
        licence_no: Some("B2-790123456789".into()),
        officer_id: None,
    }
}

async fn case_id(st: &Store, dedup: &str) -> i64 {
    st.db
        .fetch_one(
            "SELECT id FROM violation_cases WHERE dedup_key = $1",
            &atgt_store::params![dedup],
        )
        .await
        .unwrap()
        .i64("id")
        .unwrap()
}

#[tokio::test]
async fn lookup_index_follows_writes_here_and_in_another_process() {
    for backend in backends() {
        eprintln!("backend: {backend:?}");
        let t = TestDb::new(backend).await;
        let st = &t.store;
        let sys = Actor::system();
        let key = Plate::parse("79A-123.45").key();
        // The index is built (empty) by the first lookup.
        assert!(st.portal_lookup(&key).await.unwrap().is_empty());

        // A case opened here shows at once, with the public fields only.
        st.cases_open(&sys, vec![new_case("a1", "79A-123.45", "ĐT704 Km 2")])
            .await
            .unwrap();
        let got = st.portal_lookup(&key).await.unwrap();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].place, "ĐT704 Km 2");
        assert_eq!(got[0].behaviour, "speed_car_20_35");
        assert!(!format!("{got:?}").contains("Chủ Xe"));
        assert_eq!(st.portal_index_size(), (1, 1));

        // Paid: no longer open, gone at once.
        let id = case_id(st, "a1").await;
        let officer = Actor::user(7, "csgt");
        for a in [
            Action::Review,
            Action::Confirm,
            Action::SendNotice,
            Action::Decide {
                fine_vnd: 6_000_000,
            },
            Action::Pay,
        ] {
            st.case_act(&officer, 3, id, &a).await.unwrap();
        }
        assert!(st.portal_lookup(&key).await.unwrap().is_empty());
        assert_eq!(st.portal_index_size(), (0, 0));

        // Another process on the same database (its own index) opens a case; nothing
        // is written here, yet the lookup shows it within the refresh period.
        let other = Store::open_current(&t.url).await.unwrap();
        other
            .cases_open(&sys, vec![new_case("a2", "79A-123.45", "QL1A Km 1530")])
            .await
            .unwrap();
        let mut seen = Vec::new();
        for _ in 0..40 {
            seen = st.portal_lookup(&key).await.unwrap();
            if !seen.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(seen.len(), 1, "shown within the refresh period");
        assert_eq!(seen[0].place, "QL1A Km 1530");
        // And the other process's own first lookup builds its index from the database.
        assert_eq!(other.portal_lookup(&key).await.unwrap().len(), 1);
        other.db.close().await;
    }
}
