//! Plans follow-up (issue 7): a task linked to a black spot (its status followed
//! through the lifecycle) and to an area (the three criteria against last year).

use crate::each_backend;
use crate::helpers::TestApp;
use atgt_core::audit::Actor;
use atgt_core::auth::Role;
use atgt_core::hotspots::lifecycle::SpotAction;
use atgt_core::plans::PlanFile;
use atgt_store::plans::TaskFilter;
use jiff::civil::date;

async fn task_iii2(app: &TestApp) -> i64 {
    atgt_store::testkit::plan_units(app.store()).await;
    let plan = app
        .store()
        .plan_import(&Actor::system(), &PlanFile::seed())
        .await
        .unwrap();
    app.store()
        .tasks(&TaskFilter {
            plan_id: Some(plan),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.item_label.as_deref() == Some("III.2"))
        .unwrap()
        .id
}

async fn spot(app: &TestApp) -> i64 {
    let n = atgt_store::hotspots::NewSpot {
        name: "Ngã ba Khánh Hải".into(),
        kind: atgt_core::hotspots::rules::SpotKind::Potential,
        method: "inspection".into(),
        candidate: None,
        road_code: None,
        km: None,
        lon: Some(109.03),
        lat: Some(11.63),
    };
    app.store()
        .spot_create(&Actor::system(), &n)
        .await
        .unwrap()
        .id
}

async fn page(app: &TestApp, task: i64) -> String {
    let (status, html) = app
        .get_as(Some(Role::Leader), &format!("/tasks/{task}"))
        .await;
    assert_eq!(status, 200);
    html
}

#[tokio::test]
async fn a_linked_black_spot_shows_its_status_through_the_lifecycle() {
    each_backend!(|app| {
        let task = task_iii2(&app).await;
        let spot = spot(&app).await;
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/tasks/{task}/links"),
                &[("kind", "spot"), ("spot_id", &spot.to_string())],
            )
            .await;
        assert_eq!(resp.status(), 303);
        let html = page(&app, task).await;
        assert!(html.contains("Ngã ba Khánh Hải"), "{html}");
        assert!(html.contains("Ứng viên · chưa xử lý"), "{html}");
        // Twice is refused with the field named, nothing added.
        let again = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/tasks/{task}/links"),
                &[("kind", "spot"), ("spot_id", &spot.to_string())],
            )
            .await;
        assert_eq!(again.status(), 422);
        assert_eq!(
            app.store()
                .task_links(task, date(2026, 1, 1))
                .await
                .unwrap()
                .len(),
            1
        );
        let sys = Actor::system();
        for a in [
            SpotAction::Confirm {
                survey_notes: "Tầm nhìn bị che khuất".into(),
            },
            SpotAction::ProposeTreatment {
                measures: "Cắm biển cảnh báo".into(),
                cost_vnd: 50_000_000,
                responsible_unit: "Sở Xây dựng".into(),
                deadline: date(2025, 12, 31),
                proposal: String::new(),
            },
        ] {
            app.store().spot_act(&sys, spot, &a).await.unwrap();
        }
        assert!(
            page(&app, task)
                .await
                .contains("Đã đề xuất xử lý · chưa xử lý")
        );
        app.store()
            .spot_act(
                &sys,
                spot,
                &SpotAction::MarkTreated {
                    treated_on: date(2025, 12, 20),
                    note: String::new(),
                },
            )
            .await
            .unwrap();
        let html = page(&app, task).await;
        assert!(html.contains("Đã xử lý · đã xử lý (2025-12-20)"), "{html}");
        // The API task detail shows it too.
        let links = app
            .store()
            .task_links(task, date(2026, 1, 1))
            .await
            .unwrap();
        assert!(links[0].spot.as_ref().unwrap().treated);
        // Removing the link is audited and the page no longer lists the spot.
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/tasks/{task}/links/remove"),
                &[("link_id", &links[0].id.to_string())],
            )
            .await;
        assert_eq!(resp.status(), 303);
        let html = page(&app, task).await;
        assert!(!html.contains("đã xử lý (2025-12-20)"), "{html}");
        assert!(html.contains("Chưa liên kết điểm đen hay địa bàn nào."));
        assert!(app.store().audit_verify().await.unwrap().broken.is_none());
    });
}

#[tokio::test]
async fn a_linked_area_shows_the_three_criteria_against_last_year() {
    each_backend!(|app| {
        let task = task_iii2(&app).await;
        let crash = |year: i16, deaths: u32, injured: u32| atgt_core::crashes::CrashRecord {
            occurred: atgt_core::crashes::Occurred {
                year,
                month: Some(9),
                day: Some(10),
                ..Default::default()
            },
            admin_scheme: Some("new".into()),
            commune_code: Some("22861".into()),
            deaths,
            injured,
            ..Default::default()
        };
        for (y, d, i) in [(2023, 2, 3), (2023, 1, 0), (2022, 1, 1)] {
            app.store()
                .crash_create(&Actor::system(), &crash(y, d, i), "test", None)
                .await
                .unwrap();
        }
        let bad = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/tasks/{task}/links"),
                &[("kind", "area"), ("area_code", "99999")],
            )
            .await;
        assert_eq!(bad.status(), 422);
        let body = crate::helpers::body_text(bad).await;
        assert!(body.contains("không có tỉnh hoặc xã mang mã này"), "{body}");
        let resp = app
            .post_form_as(
                Role::FocalOfficer,
                &format!("/tasks/{task}/links"),
                &[("kind", "area"), ("area_code", "22861")],
            )
            .await;
        assert_eq!(resp.status(), 303);
        let links = app
            .store()
            .task_links(task, date(2026, 1, 1))
            .await
            .unwrap();
        let a = links[0].area.clone().unwrap();
        assert_eq!(
            (
                a.crashes,
                a.deaths,
                a.injured,
                a.prev_crashes,
                a.prev_deaths,
                a.prev_injured
            ),
            (2, 3, 3, 1, 1, 1),
            "{a:?}"
        );
        let html = page(&app, task).await;
        assert!(
            html.contains("số vụ 2 (1), số người chết 3 (1), số người bị thương 3 (1)"),
            "{html}"
        );
        // The API task detail carries the link with its figures.
        let (status, json) = app
            .get_as(Some(Role::Leader), &format!("/api/v1/tasks/{task}"))
            .await;
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let area = &v["links"][0]["area"];
        assert_eq!(area["code"], "22861", "{json}");
        assert_eq!(
            (area["deaths"].as_i64(), area["prev_deaths"].as_i64()),
            (Some(3), Some(1))
        );
    });
}
