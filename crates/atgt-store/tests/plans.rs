//! Plans and accountability on both backends: the seed plan loaded with its units and
//! deadline, task rules, reports, hand-over, reminders recorded once, conferences,
//! issued reports.

use atgt_core::audit::Actor;
use atgt_core::plans::{
    FixedClock, PlanFile, Recurrence, ReminderKind, TaskStatus, UrgeConfig, reminders,
};
use atgt_store::StoreError;
use atgt_store::files::StoredFile;
use atgt_store::plans::{ReportInput, TaskFilter, TaskInput};
use atgt_store::testkit::{TestDb, backends, plan_units};
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

fn key(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid { field, key, .. } => (field, key),
        other => panic!("not an input error: {other:?}"),
    }
}

async fn org(t: &TestDb, code: &str) -> i64 {
    t.store.org_by_code(code).await.unwrap().id
}

async fn audit_len(t: &TestDb) -> i64 {
    t.store
        .audit_head()
        .await
        .unwrap()
        .map(|h| h.0)
        .unwrap_or(0)
}

fn input(plan_id: i64, lead: Option<i64>, coords: Vec<i64>, due: Option<Date>) -> TaskInput {
    TaskInput {
        plan_id,
        item_id: None,
        title: "Báo cáo kết quả quán triệt".into(),
        lead_org_id: lead,
        coordinator_ids: coords,
        receiver_org_id: None,
        due_on: due,
        recurrence: Recurrence::None,
        note: String::new(),
        created_on: date(2023, 9, 1),
    }
}

#[tokio::test]
async fn the_seed_plan_is_loaded_with_its_units_and_deadline() {
    each_backend!(|t| {
        plan_units(&t.store).await;
        let sys = Actor::system();
        let id = t.store.plan_import(&sys, &PlanFile::seed()).await.unwrap();
        // Loading twice changes nothing.
        assert_eq!(
            t.store.plan_import(&sys, &PlanFile::seed()).await.unwrap(),
            id
        );
        let p = t.store.plan(id).await.unwrap();
        assert_eq!(p.number, "…-KH/HU");
        assert_eq!(p.signer, "Trịnh Minh Hoàng");
        let chain: Vec<String> = t
            .store
            .plan_chain(id)
            .await
            .unwrap()
            .into_iter()
            .map(|p| format!("{} {}", p.number, p.issued_on.unwrap_or_default()))
            .collect();
        assert_eq!(chain, ["23-CT/TW 2023-05-25", "235-KH/TU 2023-08-16"]);
        let items = t.store.plan_items(id).await.unwrap();
        let labels: Vec<String> = items.iter().map(|i| i.label()).collect();
        assert_eq!(
            labels,
            [
                "I.1", "I.2", "I.3", "I.4", "II.1", "II.2", "II.3", "II.4", "II.5", "II.6", "II.7",
                "III.1", "III.2", "III.3", "III.4", "III.5"
            ]
        );
        assert!(items[0].text.starts_with("Huy động cả hệ thống chính trị"));
        let tasks = t
            .store
            .tasks(&TaskFilter {
                plan_id: Some(id),
                ..Default::default()
            })
            .await
            .unwrap();
        // 7 tasks of II, III.1, III.2 (one unit), III.3, III.4 (six units), III.5.
        assert_eq!(tasks.len(), 7 + 1 + 1 + 1 + 6 + 1);
        let iii2: Vec<_> = tasks
            .iter()
            .filter(|t| t.item_label.as_deref() == Some("III.2"))
            .collect();
        assert_eq!(iii2[0].due_on.as_deref(), Some("2023-09-20"));
        assert_eq!(iii2[0].receiver.as_ref().unwrap().code, "DUCA-NH");
        let iii1 = tasks
            .iter()
            .find(|t| t.item_label.as_deref() == Some("III.1"))
            .unwrap();
        assert_eq!(iii1.lead.code, "BTG-HU-NH");
        assert_eq!(iii1.coordinators[0].code, "DUCA-NH");
        let iii5 = tasks
            .iter()
            .find(|t| t.item_label.as_deref() == Some("III.5"))
            .unwrap();
        assert_eq!(
            (iii5.lead.code.as_str(), iii5.recurrence),
            ("DUCA-NH", Recurrence::Quarterly)
        );
        let iii4: Vec<&str> = tasks
            .iter()
            .filter(|t| t.item_label.as_deref() == Some("III.4"))
            .map(|t| t.lead.code.as_str())
            .collect();
        assert!(iii4.contains(&"MTTQ-NH") && iii4.contains(&"LDLD-NH"));
    });
}

#[tokio::test]
async fn bad_tasks_are_refused_whole_with_the_field_named() {
    each_backend!(|t| {
        plan_units(&t.store).await;
        let sys = Actor::system();
        let id = t.store.plan_import(&sys, &PlanFile::seed()).await.unwrap();
        let (lead, other) = (org(&t, "BTG-HU-NH").await, org(&t, "DUCA-NH").await);
        let before = audit_len(&t).await;
        let n = t.store.tasks(&TaskFilter::default()).await.unwrap().len();
        let e = t
            .store
            .task_create(&sys, &input(id, None, vec![other], None))
            .await
            .unwrap_err();
        assert_eq!(
            key(e),
            ("plans.lead".into(), "plans.error_lead_required".into())
        );
        let e = t
            .store
            .task_create(&sys, &input(id, Some(lead), vec![other, lead], None))
            .await
            .unwrap_err();
        assert_eq!(
            key(e),
            (
                "plans.coordinators".into(),
                "plans.error_coordinator_is_lead".into()
            )
        );
        // The district plan has no date in the copy: the floor is 16/8/2023 (235-KH/TU).
        let e = t
            .store
            .task_create(
                &sys,
                &input(id, Some(lead), vec![], Some(date(2023, 8, 10))),
            )
            .await
            .unwrap_err();
        assert_eq!(
            key(e),
            ("plans.due".into(), "plans.error_due_before_issue".into())
        );
        assert_eq!(audit_len(&t).await, before, "nothing written");
        assert_eq!(
            t.store.tasks(&TaskFilter::default()).await.unwrap().len(),
            n
        );
        let ok = t
            .store
            .task_create(
                &sys,
                &input(id, Some(lead), vec![other], Some(date(2023, 9, 20))),
            )
            .await
            .unwrap();
        assert_eq!(ok.coordinators.len(), 1);
        assert_eq!(audit_len(&t).await, before + 1);
    });
}

#[tokio::test]
async fn reports_handover_and_closed_tasks() {
    each_backend!(|t| {
        plan_units(&t.store).await;
        let sys = Actor::system();
        let id = t.store.plan_import(&sys, &PlanFile::seed()).await.unwrap();
        let (lead, coord, stranger) = (
            org(&t, "BTG-HU-NH").await,
            org(&t, "DUCA-NH").await,
            org(&t, "HND-NH").await,
        );
        let task = t
            .store
            .task_create(
                &sys,
                &input(id, Some(lead), vec![coord], Some(date(2023, 9, 20))),
            )
            .await
            .unwrap();
        let rep = |org_id: i64, percent: i64| ReportInput {
            org_id,
            period: String::new(),
            reported_on: date(2023, 9, 15),
            percent,
            text: "Đã tổ chức quán triệt".into(),
            file: None,
        };
        // A unit not on the task cannot report on it.
        let e = t
            .store
            .task_report_add(&sys, task.id, &rep(stranger, 50))
            .await
            .unwrap_err();
        assert_eq!(key(e).1, "plans.error_not_involved");
        // The coordinating unit reports its part; the task stays open.
        let mut part = rep(coord, 100);
        part.file = Some(StoredFile {
            sha256: "a".repeat(64),
            size: 3,
            mime: "application/pdf".into(),
            name: "bien-ban.pdf".into(),
        });
        t.store.task_report_add(&sys, task.id, &part).await.unwrap();
        assert_eq!(
            t.store.task(task.id).await.unwrap().status,
            TaskStatus::Open
        );
        // Hand-over to a new unit, with a trace.
        let new_lead = org(&t, "DU-XH").await;
        let e = t
            .store
            .task_lead_change(&sys, task.id, Some(lead), "x")
            .await
            .unwrap_err();
        assert_eq!(key(e).1, "plans.error_same_lead");
        let moved = t
            .store
            .task_lead_change(
                &sys,
                task.id,
                Some(new_lead),
                "Sắp xếp đơn vị hành chính từ 1/7/2025",
            )
            .await
            .unwrap();
        assert_eq!(moved.lead.code, "DU-XH");
        let hist = t.store.task_lead_changes(task.id).await.unwrap();
        assert_eq!(
            (hist[0].from.code.as_str(), hist[0].to.code.as_str()),
            ("BTG-HU-NH", "DU-XH")
        );
        // The lead's 100% report finishes the task; later reports are refused.
        t.store
            .task_report_add(&sys, task.id, &rep(new_lead, 100))
            .await
            .unwrap();
        let done = t.store.task(task.id).await.unwrap();
        assert_eq!(done.status, TaskStatus::Done);
        assert_eq!(done.done_on.as_deref(), Some("2023-09-15"));
        let before = audit_len(&t).await;
        let e = t
            .store
            .task_report_add(&sys, task.id, &rep(coord, 10))
            .await
            .unwrap_err();
        assert_eq!(
            key(e),
            ("plans.task".into(), "plans.error_task_closed".into())
        );
        assert_eq!(audit_len(&t).await, before);
        assert_eq!(t.store.task_reports(task.id).await.unwrap().len(), 2);
        assert_eq!(
            t.store.plan_file(&"a".repeat(64)).await.unwrap().1,
            "bien-ban.pdf"
        );
    });
}

#[tokio::test]
async fn reminders_with_a_fixed_clock_are_recorded_once() {
    each_backend!(|t| {
        plan_units(&t.store).await;
        let sys = Actor::system();
        let id = t.store.plan_import(&sys, &PlanFile::seed()).await.unwrap();
        let cfg = UrgeConfig {
            due_soon_days: 7,
            escalate_after_days: 5,
        };
        let facts = t.store.task_facts(Some(id)).await.unwrap();
        // 28/9/2023: III.2 (due 20/9) is 8 days late: DUCA-NH is reminded and its
        // superior (the district Standing Board) is told.
        let clock = FixedClock("2023-09-28T03:00:00Z".parse().unwrap());
        let list = reminders(&facts, &clock, &cfg);
        let hu = org(&t, "HU-NH").await;
        let duca = org(&t, "DUCA-NH").await;
        assert!(
            list.iter()
                .any(|r| r.kind == ReminderKind::Overdue && r.org_id == duca && r.days == 8)
        );
        assert!(
            list.iter()
                .any(|r| r.kind == ReminderKind::Escalation && r.org_id == hu)
        );
        // III.5, quarterly: Q3 ends 30/9, due soon.
        assert!(
            list.iter()
                .any(|r| r.kind == ReminderKind::DueSoon && r.key == "2023-Q3")
        );
        let first = t
            .store
            .reminders_record(&sys, &list, "not_configured")
            .await
            .unwrap();
        assert_eq!(first.len(), list.len());
        let again = t
            .store
            .reminders_record(&sys, &list, "not_configured")
            .await
            .unwrap();
        assert!(again.is_empty(), "a reminder is recorded once");
        let recorded = t.store.reminders(None, 100).await.unwrap();
        assert_eq!(recorded.len(), list.len());
        assert!(recorded.iter().all(|r| r.email == "not_configured"));
    });
}

#[tokio::test]
async fn conferences_and_issued_reports() {
    each_backend!(|t| {
        plan_units(&t.store).await;
        let sys = Actor::system();
        let id = t.store.plan_import(&sys, &PlanFile::seed()).await.unwrap();
        let units = [
            (org(&t, "DUCA-NH").await, 12),
            (org(&t, "MTTQ-NH").await, 3),
        ];
        let e = t
            .store
            .plan_event_add(&sys, id, None, "Hội nghị", Some(date(2023, 9, 5)), "", &[])
            .await
            .unwrap_err();
        assert_eq!(key(e).0, "plans.units");
        t.store
            .plan_event_add(
                &sys,
                id,
                None,
                "Hội nghị quán triệt Chỉ thị 23-CT/TW",
                Some(date(2023, 9, 5)),
                "Hội trường Huyện ủy",
                &units,
            )
            .await
            .unwrap();
        let ev = t.store.plan_events(id).await.unwrap();
        assert_eq!(ev[0].units.len(), 2);
        assert_eq!(ev[0].units.iter().map(|u| u.attendees).sum::<i64>(), 15);
        let f = StoredFile {
            sha256: "b".repeat(64),
            size: 10,
            mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document".into(),
            name: "bao-cao.docx".into(),
        };
        let from = date(2023, 9, 1);
        let to = date(2023, 9, 30);
        let v1 = t
            .store
            .plan_report_issue(&sys, id, from, to, "12-BC/HU", "party", "Nội dung", &f)
            .await
            .unwrap();
        let v2 = t
            .store
            .plan_report_issue(&sys, id, from, to, "13-BC/HU", "party", "Nội dung sửa", &f)
            .await
            .unwrap();
        assert_eq!((v1.version, v2.version), (1, 2));
        let all = t.store.plan_reports(id).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            all[1].body, "Nội dung",
            "the first version is kept as issued"
        );
        assert!(t.store.audit_verify().await.is_ok());
    });
}
