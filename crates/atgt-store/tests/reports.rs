//! Hazards and citizen reports on both backends: re-encroachment at the configured
//! distance (counted against the place), the triage of reports into cases with their
//! history, refused input leaving nothing behind.

use atgt_core::audit::Actor;
use atgt_store::StoreError;
use atgt_store::hazards::{CrossingInput, EncroachmentInput};
use atgt_store::reports::{NewReport, ReportFilter, Triage};
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

/// `m` metres north of (109.03, 11.63).
fn north(m: f64) -> (f64, f64) {
    (
        109.03,
        11.63 + m / atgt_core::geo::EARTH_RADIUS_M.to_radians(),
    )
}

fn case(m: f64) -> EncroachmentInput {
    let (lon, lat) = north(m);
    EncroachmentInput {
        place: "Vỉa hè chợ Khánh Hải, đường 16/4".into(),
        kind: "sidewalk".into(),
        responsible: "UBND xã Xuân Hải".into(),
        lon,
        lat,
        deadline: Some("15/12/2026".into()),
        ..Default::default()
    }
}

fn invalid(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid { field, key, .. } => (field, key),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn reencroachment_is_flagged_within_the_distance_and_counted_against_the_place() {
    each_backend!(|t| {
        let s = &t.store;
        let a = Actor::system();
        let first = s.encroachment_create(&a, &case(0.0), 50.0).await.unwrap();
        assert_eq!(first.place_id, first.id);
        assert_eq!(first.recurrence_of, None);
        // Open cases do not count: only a resolved place can be re-encroached.
        let open_near = s.encroachment_create(&a, &case(10.0), 50.0).await.unwrap();
        assert_eq!(open_near.recurrence_of, None);
        s.encroachment_resolve(
            &a,
            first.id,
            "Đã giải tỏa, thu hồi vật dụng",
            &Some("01/11/2026".into()),
        )
        .await
        .unwrap();
        let inside = s.encroachment_create(&a, &case(49.5), 50.0).await.unwrap();
        assert_eq!(inside.recurrence_of, Some(first.id));
        assert_eq!(inside.place_id, first.id);
        assert!((inside.recurrence_m.unwrap() - 49.5).abs() < 0.2);
        let outside = s.encroachment_create(&a, &case(50.5), 50.0).await.unwrap();
        assert_eq!(outside.recurrence_of, None);
        // The same point with a wider configured distance is caught.
        let wider = s.encroachment_create(&a, &case(50.5), 80.0).await.unwrap();
        assert_eq!(wider.recurrence_of, Some(first.id));
        let again = s.encroachment(first.id).await.unwrap();
        assert_eq!(again.place_recurrences, 2);
        assert_eq!(again.status, "resolved");
        let e = s
            .encroachment_resolve(&a, first.id, "lần hai", &None)
            .await
            .unwrap_err();
        assert_eq!(invalid(e).1, "hazards.error.already_resolved");
        // Refused input stores nothing.
        let n = s.encroachments(None).await.unwrap().len();
        let mut bad = case(0.0);
        bad.lon = 2.35;
        bad.lat = 48.85;
        assert_eq!(
            invalid(s.encroachment_create(&a, &bad, 50.0).await.unwrap_err()).1,
            "hazards.error.outside_vietnam"
        );
        let mut bad = case(0.0);
        bad.kind = "garden".into();
        assert_eq!(
            invalid(s.encroachment_create(&a, &bad, 50.0).await.unwrap_err()).0,
            "kind"
        );
        assert_eq!(s.encroachments(None).await.unwrap().len(), n);
        // Every change is in the audit chain, which verifies (points 49.5 m away have
        // long decimals: they are rounded so the stored JSON hashes the same).
        assert!(s.audit_verify().await.unwrap().broken.is_none());
        assert!(s.audit_head().await.unwrap().unwrap().0 >= 6);
    });
}

fn report(code: &str, token: &str) -> NewReport {
    let (lon, lat) = north(5.0);
    NewReport {
        token: token.into(),
        service_code: code.into(),
        description: "Hàng quán bày bán lấn hết vỉa hè <script>alert(1)</script>".into(),
        lon: Some(lon),
        lat: Some(lat),
        email: "dan@example.vn".into(),
        first_name: "An".into(),
        channel: "portal".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn reports_are_triaged_into_cases_and_the_history_flows_back() {
    each_backend!(|t| {
        let s = &t.store;
        let a = Actor::system();
        let r = s
            .report_create(&a, &report("ENC-SIDEWALK", "PA-AAAAAAAAAA"), &[])
            .await
            .unwrap();
        assert_eq!(r.status, "received");
        assert_eq!(r.open311_status(), "open");
        assert!(
            r.description.contains("<script>"),
            "text is stored as given"
        );
        let r = s
            .report_triage(&a, r.id, &Triage::Encroachment(case(5.0)), 50.0)
            .await
            .unwrap();
        assert_eq!(r.status, "accepted");
        assert_eq!(r.case_kind.as_deref(), Some("encroachment"));
        let cid = r.case_id.unwrap();
        s.encroachment_resolve(&a, cid, "Đã giải tỏa", &None)
            .await
            .unwrap();
        let r = s.report_by_token("PA-AAAAAAAAAA").await.unwrap();
        assert_eq!(r.open311_status(), "closed");
        let ev = s.report_events(r.id).await.unwrap();
        assert_eq!(
            ev.iter().map(|e| e.status.as_str()).collect::<Vec<_>>(),
            ["received", "accepted", "case_update"]
        );
        assert_eq!(ev[2].note, "encroachment:resolved");
        // Triaged once only.
        let e = s
            .report_triage(&a, r.id, &Triage::Reject("x".into()), 50.0)
            .await
            .unwrap_err();
        assert_eq!(invalid(e).1, "reports.error.already_triaged");

        // A duplicate, an abusive one, a violation forwarded, a crossing measure.
        let d = s
            .report_create(&a, &report("ENC-SIDEWALK", "PA-BBBBBBBBBB"), &[])
            .await
            .unwrap();
        let d = s
            .report_triage(&a, d.id, &Triage::Duplicate(r.id), 50.0)
            .await
            .unwrap();
        assert_eq!(
            (d.status.as_str(), d.duplicate_of),
            ("duplicate", Some(r.id))
        );
        let x = s
            .report_create(&a, &report("HAZ-SIGN", "PA-CCCCCCCCCC"), &[])
            .await
            .unwrap();
        let e = s
            .report_triage(&a, x.id, &Triage::Reject("  ".into()), 50.0)
            .await
            .unwrap_err();
        assert_eq!(invalid(e).0, "reason");
        let e = s
            .report_triage(&a, x.id, &Triage::Forward(String::new()), 50.0)
            .await
            .unwrap_err();
        assert_eq!(invalid(e).1, "reports.error.not_a_violation");
        s.report_triage(&a, x.id, &Triage::Reject("Nội dung xúc phạm".into()), 50.0)
            .await
            .unwrap();
        let mut v = report("VIOLATION", "PA-DDDDDDDDDD");
        v.attributes = vec![("violation_kind".into(), "speeding".into())];
        let v = s.report_create(&a, &v, &[]).await.unwrap();
        let v = s
            .report_triage(&a, v.id, &Triage::Forward("Chuyển CSGT".into()), 50.0)
            .await
            .unwrap();
        assert_eq!(v.status, "forwarded");
        assert_eq!(v.attributes["violation_kind"], "speeding");
        let c = s
            .crossing_create(
                &a,
                &CrossingInput {
                    name: "Lối đi tự mở thôn Tân An".into(),
                    km: 1342.6,
                    kind: "unauthorised".into(),
                    status: "open".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(c.line, atgt_store::hazards::NORTH_SOUTH);
        let rc = s
            .report_create(&a, &report("RAIL-CROSSING", "PA-EEEEEEEEEE"), &[])
            .await
            .unwrap();
        let rc = s
            .report_triage(
                &a,
                rc.id,
                &Triage::CrossingMeasure {
                    crossing_id: c.id,
                    on_date: "20/11/2026".into(),
                    measure: "Rào chắn, cắm biển cấm".into(),
                    status: "closed".into(),
                },
                50.0,
            )
            .await
            .unwrap();
        assert_eq!(rc.case_status.as_deref(), Some("closed"));
        assert_eq!(rc.open311_status(), "closed");
        assert_eq!(s.crossing_measures(c.id).await.unwrap().len(), 1);
        // The public list leaves out what waits and what was rejected.
        let public = s
            .reports(&ReportFilter {
                public_only: true,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(public.len(), 4);
        assert!(public.iter().all(|p| p.status != "rejected"));
        let forwarded = s
            .reports(&ReportFilter {
                status: Some("forwarded".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(forwarded.len(), 1);
        assert!(s.audit_verify().await.unwrap().broken.is_none());
    });
}

#[tokio::test]
async fn bad_reports_store_nothing() {
    each_backend!(|t| {
        let s = &t.store;
        let a = Actor::system();
        let mut v = report("VIOLATION", "PA-FFFFFFFFFF");
        assert_eq!(
            invalid(s.report_create(&a, &v, &[]).await.unwrap_err()).0,
            "attribute[violation_kind]"
        );
        v.attributes = vec![("violation_kind".into(), "speeding".into())];
        v.lon = Some(105.0);
        v.lat = Some(40.0);
        assert_eq!(
            invalid(s.report_create(&a, &v, &[]).await.unwrap_err()).1,
            "hazards.error.outside_vietnam"
        );
        v.lon = None;
        v.lat = None;
        assert_eq!(
            invalid(s.report_create(&a, &v, &[]).await.unwrap_err()).1,
            "open311.error.location_required"
        );
        let mut u = report("NOPE", "PA-GGGGGGGGGG");
        assert_eq!(
            invalid(s.report_create(&a, &u, &[]).await.unwrap_err()).0,
            "service_code"
        );
        u.service_code = "HAZ-POTHOLE".into();
        u.email = "not an email".into();
        assert_eq!(
            invalid(s.report_create(&a, &u, &[]).await.unwrap_err()).0,
            "email"
        );
        assert!(
            s.reports(&ReportFilter::default())
                .await
                .unwrap()
                .is_empty()
        );
    });
}
