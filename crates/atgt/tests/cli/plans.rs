//! `atgt plans remind`: the urging run from the command line with a fixed instant.

use crate::support::{Scratch, run, text};

#[test]
fn plans_remind_with_a_fixed_instant_escalates_once() {
    let s = Scratch::new("plans-remind");
    let url = format!("sqlite://{}", s.path("atgt.db"));
    let o = run(&["migrate", "--database", &url]);
    assert!(o.status.success(), "{}", text(&o));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = atgt_store::Store::open_current(&url).await.unwrap();
        atgt_store::testkit::plan_units(&store).await;
        store
            .plan_import(
                &atgt_core::audit::Actor::system(),
                &atgt_core::plans::PlanFile::seed(),
            )
            .await
            .unwrap();
        store.db.close().await;
    });
    // 28/9/2023, 10:00 in Vietnam: III.2 (due 20/9/2023) is 8 days late.
    let args = [
        "plans",
        "remind",
        "--database",
        &url,
        "--now",
        "2023-09-28T10:00:00+07:00",
        "--escalate-after-days",
        "5",
    ];
    let o = run(&args);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("Quá hạn: #") && out.contains("→ Đảng ủy Công an huyện Ninh Hải"),
        "{out}"
    );
    assert!(
        out.contains("Báo cáo cấp trên: #") && out.contains("→ Ban Thường vụ Huyện ủy Ninh Hải"),
        "{out}"
    );
    assert!(out.contains("2023-09-20, 8 ngày"), "{out}");
    assert!(out.contains("ngày 28/09/2023"), "{out}");
    // The same day again: nothing new.
    let again = text(&run(&args));
    assert!(again.contains("0 nhắc việc mới"), "{again}");
    let bad = run(&["plans", "remind", "--database", &url, "--now", "hôm qua"]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("--now"), "{}", text(&bad));
}

#[test]
fn the_demo_holds_the_seed_plan_with_its_units_and_deadline() {
    use crate::support::{Served, client, sign_in};
    let s = Scratch::new("plans-demo");
    let dir = s.path("data");
    let served = Served::start(&["demo", "--listen", "127.0.0.1:0", "--data-dir", &dir]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = client();
        sign_in(&c, &served.url, "lanhdao", "demo-atgt-2026").await;
        let get = |path: String| {
            let c = c.clone();
            async move { c.get(path).send().await.unwrap().text().await.unwrap() }
        };
        let plans: serde_json::Value =
            serde_json::from_str(&get(format!("{}/api/v1/plans", served.url)).await).unwrap();
        let district = plans
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["number"] == "…-KH/HU")
            .expect("the seed plan");
        let id = district["id"].as_i64().unwrap();
        let detail: serde_json::Value =
            serde_json::from_str(&get(format!("{}/api/v1/plans/{id}", served.url)).await).unwrap();
        let labels: Vec<String> = detail["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| format!("{}.{}", i["section"].as_str().unwrap(), i["number"]))
            .collect();
        assert_eq!(labels.len(), 16, "I.1–4, II.1–7, III.1–5: {labels:?}");
        let tasks = detail["tasks"].as_array().unwrap();
        let iii2 = tasks.iter().find(|t| t["item_label"] == "III.2").unwrap();
        assert_eq!(iii2["due_on"], "2023-09-20");
        assert_eq!(iii2["lead"]["code"], "DUCA-NH");
        assert_eq!(detail["chain"][1]["number"], "235-KH/TU");
        assert_eq!(detail["children"][0]["kind"], "action_plan");
        let leader = get(format!(
            "{}/plans/leader?plan={id}&from=2023-01-01&to=2023-12-31",
            served.url
        ))
        .await;
        assert!(
            leader.contains("Ủy ban nhân dân xã Xuân Hải"),
            "the hand-over shows"
        );
        assert!(
            leader.contains("05/10/2023"),
            "the last report of DUCA-NH (III.5, Q3)"
        );
    });
    served.stop();
}
