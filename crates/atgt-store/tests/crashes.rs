//! The crash registry on both backends: classification, versions, import, statistics.

use atgt_core::audit::Actor;
use atgt_core::crashes::{CrashClass, CrashRecord, Occurred, Person, Vehicle};
use atgt_store::StoreError;
use atgt_store::crashes::stats::Dim;
use atgt_store::crashes::{CrashFilter, RowError};
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

fn rec(ext: &str, y: i16, m: i8, d: i8, commune: &str, deaths: u32, injured: u32) -> CrashRecord {
    CrashRecord {
        external_id: Some(ext.into()),
        occurred: Occurred {
            year: y,
            month: Some(m),
            day: Some(d),
            hour: Some(18),
            minute: Some(5),
            ..Default::default()
        },
        commune_code: Some(commune.into()),
        deaths,
        injured,
        ..Default::default()
    }
}

async fn road(t: &TestDb) {
    t.store
        .road_create(
            &Actor::system(),
            &atgt_store::roads::RoadInput {
                code: "QL1A".into(),
                name: "Quốc lộ 1A".into(),
                kind: "national".into(),
                province_code: "56".into(),
                managing_org_code: None,
                km_start: 1520.0,
                ascending: true,
                line: vec![[109.100, 11.830], [109.050, 11.760], [108.990, 11.600]],
                note: String::new(),
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_later_death_is_a_new_version() {
    each_backend!(|t| {
        let s = &t.store;
        road(&t).await;
        let mut r = rec("CA-2025-001", 2025, 9, 2, "22861", 0, 2);
        r.road_code = Some("ql1a".into());
        r.km = Some(1530.25);
        r.people = vec![
            Person {
                role: "driver".into(),
                outcome: "injured".into(),
                injury_rate: Some(45.0),
                vehicle_idx: Some(0),
                age_group: Some("18-24".into()),
                ..Default::default()
            },
            Person {
                role: "passenger".into(),
                outcome: "injured".into(),
                injury_rate: Some(20.0),
                vehicle_idx: Some(0),
                ..Default::default()
            },
        ];
        r.vehicles = vec![Vehicle {
            kind: "motorbike".into(),
            plate: Some("85C1-234.56".into()),
            registration_province: Some("56".into()),
        }];
        r.causes = vec!["speeding".into(), "alcohol".into()];
        let c = s
            .crash_create(&Actor::user(1, "csgt"), &r, "ui", None)
            .await
            .unwrap();
        assert_eq!(c.class, CrashClass::NghiemTrong, "two people totalling 65%");
        assert_eq!(c.road_code.as_deref(), Some("QL1A"));
        assert!(
            c.lon.is_some() && c.lat.is_some(),
            "the km post gives the point"
        );
        assert_eq!(c.cur_province_code.as_deref(), Some("56"));
        assert_eq!(c.old_district_code.as_deref(), Some("586"));
        // The driver dies on day 3: a new version, class rises, the first stays.
        let mut r2 = r.clone();
        r2.people[0].outcome = "dead".into();
        r2.people[0].died_after_days = Some(3);
        r2.deaths = 1;
        r2.injured = 1;
        assert!(
            matches!(s.crash_update(&Actor::user(1, "csgt"), c.id, &r2, " ", None).await, Err(StoreError::Invalid { ref field, .. }) if field == "reason")
        );
        let c2 = s
            .crash_update(
                &Actor::user(1, "csgt"),
                c.id,
                &r2,
                "Nạn nhân tử vong ngày thứ 3",
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            (c2.version, c2.deaths, c2.class),
            (2, 1, CrashClass::NghiemTrong)
        );
        let versions = s.crash_versions(c.id).await.unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[0].record["record"]["deaths"], 0);
        assert_eq!(versions[1].record["record"]["deaths"], 1);
        assert_eq!(versions[1].reason, "Nạn nhân tử vong ngày thứ 3");
        assert_eq!(
            versions[0].record["class"]["class"],
            serde_json::to_value(c.class).unwrap()
        );
        assert_eq!(versions[1].record["class"]["class"], "nghiem_trong");
        assert!(
            t.store
                .db
                .execute("UPDATE crash_versions SET reason = 'x'", &[])
                .await
                .is_err(),
            "versions are append-only"
        );
        // The totals moved with it.
        let f = CrashFilter {
            from: Some("2025-09-01".into()),
            to: Some("2025-09-30".into()),
            ..Default::default()
        };
        let st = s.crash_stats(&f, Dim::Total).await.unwrap();
        assert_eq!(
            (st.total.crashes, st.total.deaths, st.total.injured),
            (1, 1, 1)
        );
        assert_eq!(st.source, "rollup");
        assert!(s.audit_verify().await.unwrap().broken.is_none());
    });
}

#[tokio::test]
async fn bad_records_name_their_field() {
    each_backend!(|t| {
        let s = &t.store;
        let a = Actor::system();
        let bad = |f: fn(&mut CrashRecord)| {
            let mut r = rec("X-1", 2025, 9, 2, "22861", 0, 1);
            f(&mut r);
            r
        };
        let cases: Vec<(CrashRecord, &str)> = vec![
            (
                bad(|r| r.commune_code = Some("99999".into())),
                "commune_code",
            ),
            (bad(|r| r.occurred.day = Some(31)), "day"),
            (bad(|r| r.km = Some(3.0)), "route"),
            (bad(|r| r.lat = Some(11.6)), "lon"),
            (bad(|r| r.causes = vec!["xyz".into()]), "causes"),
        ];
        for (r, f) in cases {
            match s.crash_create(&a, &r, "ui", None).await {
                Err(StoreError::Invalid { field, .. }) => assert_eq!(field, f),
                other => panic!("{f}: {other:?}"),
            }
        }
        assert_eq!(
            s.crashes(
                &CrashFilter {
                    include_collisions: true,
                    ..Default::default()
                },
                10,
                0
            )
            .await
            .unwrap()
            .1,
            0
        );
    });
}

#[tokio::test]
async fn import_is_idempotent_and_reports_rows() {
    each_backend!(|t| {
        let s = &t.store;
        let a = Actor::system();
        let rows = |extra: Option<CrashRecord>| {
            let mut v: Vec<(usize, Result<CrashRecord, RowError>)> = vec![
                (1, Ok(rec("A1", 2025, 1, 5, "22861", 1, 0))),
                (2, Ok(rec("A2", 2025, 1, 6, "22855", 0, 2))), // old-map commune (Tân Hải) in 2025 given explicitly below
                (
                    3,
                    Err(RowError {
                        row: 3,
                        column: "deaths".into(),
                        key: "error.bad_number".into(),
                        arg: String::new(),
                    }),
                ),
                (4, Ok(rec("A4", 2025, 2, 30, "22861", 0, 1))),
                (5, Ok(rec("A1", 2025, 1, 5, "22861", 1, 0))),
            ];
            if let Some(e) = extra {
                v.push((6, Ok(e)));
            }
            v
        };
        let mut r2 = rec("A2", 2025, 1, 6, "22855", 0, 2);
        r2.admin_scheme = Some("old".into());
        let mut first = rows(None);
        first[1] = (2, Ok(r2.clone()));
        // Strict: one bad row rejects the file.
        let rep = s
            .crash_import(&a, first.clone(), "test.csv", false, true, |_| {})
            .await
            .unwrap();
        assert!(!rep.written);
        assert_eq!(
            s.crashes(&CrashFilter::default(), 10, 0).await.unwrap().1,
            0
        );
        // Dry run: the report, nothing written.
        let rep = s
            .crash_import(&a, first.clone(), "test.csv", true, false, |_| {})
            .await
            .unwrap();
        assert_eq!(
            (rep.inserted, rep.rejected.len(), rep.written),
            (2, 3, false)
        );
        let rep = s
            .crash_import(&a, first.clone(), "test.csv", false, false, |_| {})
            .await
            .unwrap();
        assert_eq!((rep.inserted, rep.duplicates, rep.updated), (2, 0, 0));
        let rejected: Vec<(usize, &str)> = rep
            .rejected
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(
            rejected,
            vec![(3, "deaths"), (4, "day"), (5, "external_id")]
        );
        // Again: duplicates only.
        let rep = s
            .crash_import(&a, first.clone(), "test.csv", false, false, |_| {})
            .await
            .unwrap();
        assert_eq!((rep.inserted, rep.duplicates, rep.updated), (0, 2, 0));
        // A changed row becomes a new version.
        let mut changed = first.clone();
        changed[0] = (1, Ok(rec("A1", 2025, 1, 5, "22861", 2, 0)));
        let rep = s
            .crash_import(&a, changed, "test-v2.csv", false, false, |_| {})
            .await
            .unwrap();
        assert_eq!((rep.inserted, rep.duplicates, rep.updated), (0, 1, 1));
        let (list, n) = s.crashes(&CrashFilter::default(), 10, 0).await.unwrap();
        assert_eq!(n, 2);
        let a1 = list
            .iter()
            .find(|c| c.external_id.as_deref() == Some("A1"))
            .unwrap();
        assert_eq!(
            (a1.version, a1.deaths, a1.class),
            (2, 2, CrashClass::RatNghiemTrong)
        );
        // The old-map record is counted under its new commune (Xuân Hải).
        let a2 = list
            .iter()
            .find(|c| c.external_id.as_deref() == Some("A2"))
            .unwrap();
        assert_eq!(
            (a2.commune_code.as_deref(), a2.cur_commune_code.as_deref()),
            (Some("22855"), Some("22861"))
        );
        assert!(s.audit_verify().await.unwrap().broken.is_none());
    });
}

/// A small fixture counted by hand.
fn fixture() -> Vec<CrashRecord> {
    let mut v = vec![
        // 2025: three crashes in Xuân Hải, one in Vĩnh Hải, one collision (not counted).
        rec("F1", 2025, 1, 10, "22861", 1, 0),
        rec("F2", 2025, 2, 11, "22861", 0, 2),
        rec("F3", 2025, 3, 12, "22861", 2, 1),
        rec("F4", 2025, 3, 20, "22846", 0, 1),
        rec("F5", 2025, 3, 21, "22846", 0, 0),
        // 2024: two crashes in Xuân Hải (old-map communes), one in Vĩnh Hải, one outside the period.
        rec("P1", 2024, 1, 15, "22858", 1, 1),
        rec("P2", 2024, 3, 1, "22855", 0, 3),
        rec("P3", 2024, 2, 29, "22867", 1, 0),
        rec("P4", 2024, 4, 2, "22858", 5, 0),
    ];
    for r in v.iter_mut().skip(5) {
        r.admin_scheme = Some("old".into());
    }
    v[1].vehicles = vec![
        Vehicle {
            kind: "motorbike".into(),
            ..Default::default()
        },
        Vehicle {
            kind: "car".into(),
            ..Default::default()
        },
    ];
    v[2].vehicles = vec![
        Vehicle {
            kind: "motorbike".into(),
            ..Default::default()
        },
        Vehicle {
            kind: "motorbike".into(),
            ..Default::default()
        },
    ];
    v[2].causes = vec!["alcohol".into()];
    v[3].property_damage_vnd = 20_000_000;
    v
}

#[tokio::test]
async fn statistics_match_a_hand_count() {
    each_backend!(|t| {
        let s = &t.store;
        let rows: Vec<(usize, Result<CrashRecord, RowError>)> = fixture()
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i + 1, Ok(r)))
            .collect();
        let rep = s
            .crash_import(&Actor::system(), rows, "fixture", false, false, |_| {})
            .await
            .unwrap();
        assert_eq!(rep.inserted, 9, "{:?}", rep.rejected);
        // Q1 2025 against Q1 2024.
        let f = CrashFilter {
            from: Some("2025-01-01".into()),
            to: Some("2025-03-31".into()),
            ..Default::default()
        };
        let by_commune = s.crash_stats(&f, Dim::Commune).await.unwrap();
        assert_eq!(by_commune.source, "rollup");
        let row = |st: &atgt_store::crashes::stats::Stats, k: &str| {
            st.rows
                .iter()
                .find(|r| r.key == k)
                .cloned()
                .unwrap_or_default()
        };
        let xh = row(&by_commune, "22861");
        assert_eq!(
            (
                xh.crashes,
                xh.deaths,
                xh.injured,
                xh.prev_crashes,
                xh.prev_deaths,
                xh.prev_injured
            ),
            (3, 3, 3, 2, 1, 4)
        );
        let vh = row(&by_commune, "22846");
        assert_eq!(
            (
                vh.crashes,
                vh.deaths,
                vh.injured,
                vh.prev_crashes,
                vh.prev_deaths,
                vh.prev_injured
            ),
            (1, 0, 1, 1, 1, 0),
            "the collision F5 is not counted"
        );
        assert_eq!(
            (by_commune.total.crashes, by_commune.total.prev_crashes),
            (4, 3)
        );
        assert_eq!(by_commune.prev_from, "2024-01-01");
        // The same through the records (a period that is not whole months) agrees.
        let f2 = CrashFilter {
            from: Some("2025-01-01".into()),
            to: Some("2025-03-30".into()),
            ..Default::default()
        };
        let rec_stats = s.crash_stats(&f2, Dim::Commune).await.unwrap();
        assert_eq!(rec_stats.source, "records");
        assert_eq!(row(&rec_stats, "22861").crashes, 3);
        // By month, keys line up with the year before.
        let by_month = s.crash_stats(&f, Dim::Month).await.unwrap();
        let m3 = row(&by_month, "2025-03");
        assert_eq!((m3.crashes, m3.prev_crashes), (2, 1));
        let m2 = row(&by_month, "2025-02");
        assert_eq!(
            (m2.crashes, m2.prev_crashes),
            (1, 1),
            "29/2/2024 is in the same period"
        );
        // By vehicle type: a crash counts once per kind; the total once per crash.
        let by_vehicle = s.crash_stats(&f, Dim::VehicleType).await.unwrap();
        assert_eq!(row(&by_vehicle, "motorbike").crashes, 2);
        assert_eq!(row(&by_vehicle, "car").crashes, 1);
        assert_eq!(by_vehicle.total.crashes, 4);
        let by_cause = s.crash_stats(&f, Dim::Cause).await.unwrap();
        assert_eq!(row(&by_cause, "alcohol").deaths, 2);
        // Collisions count when asked.
        let all = s
            .crash_stats(
                &CrashFilter {
                    include_collisions: true,
                    ..f.clone()
                },
                Dim::Class,
            )
            .await
            .unwrap();
        assert_eq!(row(&all, "va_cham").crashes, 1);
        assert_eq!(
            row(&all, "it_nghiem_trong").crashes,
            2,
            "F2 (injured, no rates) and F4 (20 M damage)"
        );
        // The old district covers both maps.
        let od = s
            .crash_stats(
                &CrashFilter {
                    old_district: Some("586".into()),
                    ..f.clone()
                },
                Dim::Total,
            )
            .await
            .unwrap();
        assert_eq!((od.total.crashes, od.total.prev_crashes), (4, 3));
        // Bad periods are refused by field.
        assert!(
            matches!(s.crash_stats(&CrashFilter { from: Some("2025-03-01".into()), to: Some("2025-01-01".into()), ..Default::default() }, Dim::Total).await, Err(StoreError::Invalid { ref field, .. }) if field == "to")
        );
    });
}

/// A large first import rebuilds the secondary indexes instead of inserting into them
/// row by row (SQLite): afterwards the same indexes exist, the database is sound, the
/// statistics agree with the records, and a re-import finds every row as a duplicate.
#[tokio::test]
async fn large_import_keeps_indexes_and_totals() {
    each_backend!(|t| {
        let s = &t.store;
        let a = Actor::system();
        let indexes = || async {
            if s.backend() != atgt_store::Backend::Sqlite {
                return Vec::new();
            }
            s.db.fetch_all(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.text("name").unwrap(), r.opt_text("sql").unwrap()))
            .collect::<Vec<_>>()
        };
        let before = indexes().await;
        let n = 12_000;
        let rows = |recs: Vec<CrashRecord>| {
            recs.into_iter()
                .enumerate()
                .map(|(i, r)| (i + 2, Ok(r)))
                .collect::<Vec<(usize, Result<CrashRecord, RowError>)>>()
        };
        let recs = atgt_core::synth::bench_records(n, 3);
        let rep = s
            .crash_import(&a, rows(recs.clone()), "big.csv", false, false, |_| {})
            .await
            .unwrap();
        assert_eq!((rep.inserted, rep.rejected.len()), (n, 0), "{rep:?}");
        assert_eq!(indexes().await, before);
        if s.backend() == atgt_store::Backend::Sqlite {
            let ok =
                s.db.fetch_one("PRAGMA integrity_check", &[])
                    .await
                    .unwrap()
                    .text("integrity_check")
                    .unwrap();
            assert_eq!(ok, "ok");
        }
        // The indexes answer: a filter by commune and the totals agree with the records.
        let commune = recs[0].commune_code.clone().unwrap();
        let expected = recs
            .iter()
            .filter(|r| r.commune_code.as_deref() == Some(commune.as_str()))
            .count();
        let total =
            s.db.fetch_one(
                "SELECT COUNT(*) AS n FROM crashes WHERE commune_code = $1",
                &[commune.clone().into()],
            )
            .await
            .unwrap()
            .i64("n")
            .unwrap();
        assert_eq!(total as usize, expected);
        let (deaths, rollup_deaths) = (
            s.db.fetch_one("SELECT CAST(SUM(deaths) AS BIGINT) AS n FROM crashes", &[])
                .await
                .unwrap()
                .i64("n")
                .unwrap(),
            s.db.fetch_one(
                "SELECT CAST(SUM(deaths) AS BIGINT) AS n FROM crash_rollup",
                &[],
            )
            .await
            .unwrap()
            .i64("n")
            .unwrap(),
        );
        assert_eq!(deaths, recs.iter().map(|r| r.deaths as i64).sum::<i64>());
        assert_eq!(rollup_deaths, deaths);
        // Each version refers to one of the few distinct classifications, stored once,
        // and reads it back as the crash's class.
        let distinct =
            s.db.fetch_one("SELECT COUNT(*) AS n FROM crash_classifications", &[])
                .await
                .unwrap()
                .i64("n")
                .unwrap();
        assert!((1..=40).contains(&distinct), "{distinct} classifications");
        let first =
            s.db.fetch_one("SELECT id, class FROM crashes ORDER BY id LIMIT 1", &[])
                .await
                .unwrap();
        let versions = s.crash_versions(first.i64("id").unwrap()).await.unwrap();
        assert_eq!(
            versions[0].record["class"]["class"],
            first.text("class").unwrap()
        );
        assert!(versions[0].record["class"]["rule_set"].is_string());
        let rep = s
            .crash_import(&a, rows(recs), "big.csv", false, false, |_| {})
            .await
            .unwrap();
        assert_eq!((rep.inserted, rep.duplicates), (0, n));
    });
}

/// The crash list's count comes from the monthly totals when the filter allows it,
/// and must equal a count over the records, including crashes known only by the year
/// (dated 1 January) and only by the month.
#[tokio::test]
async fn list_count_from_totals_equals_the_records() {
    each_backend!(|t| {
        let s = &t.store;
        let a = Actor::system();
        let mut recs = atgt_core::synth::bench_records(600, 11);
        let base = recs[0].clone();
        for (i, (m, d)) in [(None, None), (Some(3), None), (None, None)]
            .iter()
            .enumerate()
        {
            let mut r = base.clone();
            r.external_id = Some(format!("Y{i}"));
            r.occurred = Occurred {
                year: 2025,
                month: *m,
                day: *d,
                ..Default::default()
            };
            recs.push(r);
        }
        let rows = recs
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i + 2, Ok(r)))
            .collect::<Vec<(usize, Result<CrashRecord, RowError>)>>();
        let rep = s
            .crash_import(&a, rows, "mix.csv", false, false, |_| {})
            .await
            .unwrap();
        assert!(rep.rejected.is_empty(), "{:?}", rep.rejected);
        let commune = base.commune_code.clone();
        let periods = [
            (None, None),
            (Some("2025-01-01"), Some("2025-12-31")),
            (Some("2025-01-01"), Some("2025-03-31")),
            (Some("2025-02-01"), Some("2025-03-31")),
            (Some("2024-12-01"), Some("2025-01-31")),
            (Some("2025-02-01"), None),
            (None, Some("2024-12-31")),
        ];
        let mut from_totals = 0;
        for (from, to) in periods {
            for commune in [None, commune.clone()] {
                for include_collisions in [false, true] {
                    let f = CrashFilter {
                        from: from.map(str::to_string),
                        to: to.map(str::to_string),
                        commune: commune.clone(),
                        include_collisions,
                        ..Default::default()
                    };
                    let (w, args) = f.where_clause();
                    let records =
                        s.db.fetch_one(
                            &format!("SELECT COUNT(*) AS n FROM crashes WHERE {w}"),
                            &args,
                        )
                        .await
                        .unwrap()
                        .i64("n")
                        .unwrap();
                    let via = s.crash_count_from_rollup(&f).await.unwrap();
                    assert!(via.is_some(), "{f:?}");
                    from_totals += 1;
                    assert_eq!(via, Some(records), "{f:?}");
                    assert_eq!(s.crashes(&f, 5, 0).await.unwrap().1, records);
                }
            }
        }
        assert_eq!(from_totals, 28);
        // A period that is not whole months is counted from the records.
        let f = CrashFilter {
            from: Some("2025-01-15".into()),
            ..Default::default()
        };
        assert_eq!(s.crash_count_from_rollup(&f).await.unwrap(), None);
    });
}
