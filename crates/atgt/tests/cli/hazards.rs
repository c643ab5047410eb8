//! The demo's hazards (issue 9, part A): encroachment cases with a re-encroachment,
//! crossings of the North–South railway by km, the ĐT704 widening proposal linked to
//! the black spots and crashes, citizen reports in the queue, a violation forwarded to
//! traffic police, the Open311 service list, and a sound audit chain.

use crate::support::{Scratch, Served, client, run, sign_in, text};

#[test]
fn the_demo_has_encroachment_crossings_proposals_and_reports() {
    let s = Scratch::new("demo-hazards");
    let dir = s.path("data");
    let served = Served::start(&["demo", "--listen", "127.0.0.1:0", "--data-dir", &dir]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let services = reqwest::get(format!("{}/open311/v2/services.json", served.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            services.contains("RAIL-CROSSING") && services.contains("VIOLATION"),
            "{services}"
        );
        let requests = reqwest::get(format!("{}/open311/v2/requests.json", served.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&requests).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2, "{requests}");
        assert!(!requests.contains("0900000000"));

        let c = client();
        sign_in(&c, &served.url, "daumoi", "demo-atgt-2026").await;
        let get = |path: &str| {
            let c = c.clone();
            let url = format!("{}{path}", served.url);
            async move { c.get(url).send().await.unwrap().text().await.unwrap() }
        };
        let page = get("/hazards").await;
        assert!(page.contains("Tái lấn chiếm #"), "{page}");
        assert!(page.contains("1401+250") && page.contains("Lối đi tự mở thôn Tri Thủy"));
        assert!(
            page.contains("Quá hạn"),
            "the Gò Đền crossing is past its deadline"
        );
        assert!(
            page.contains("Đã thu hẹp, xóa bỏ")
                && page.contains("Đã hợp pháp hóa thành đường ngang")
        );
        assert!(page.contains("Mở rộng Tỉnh lộ 704") && page.contains("185.000.000.000"));
        assert!(
            page.contains("/hotspots/") && page.contains("/crashes/"),
            "the proposal links its evidence"
        );
        let queue = get("/reports").await;
        assert!(
            queue.contains("Sáng nay chợ lại họp") && queue.contains("Tái lấn chiếm #"),
            "{queue}"
        );
        assert!(queue.contains("Ổ gà sâu") && queue.contains("phá hàng rào"));
    });
    let rt2 = tokio::runtime::Runtime::new().unwrap();
    rt2.block_on(async {
        let c = client();
        sign_in(&c, &served.url, "csgt", "demo-atgt-2026").await;
        let v = c
            .get(format!("{}/reports/violations", served.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            v.contains("79C-123.45") && v.contains("Đề nghị Đội CSGT kiểm tra"),
            "{v}"
        );
    });
    assert!(served.stop().success());
    let db = format!("sqlite://{dir}/demo.db");
    let out = run(&["audit", "verify", "--database", &db]);
    assert!(out.status.success(), "{}", text(&out));
}
