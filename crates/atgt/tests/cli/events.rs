//! The demo's events (issue 10): a Tết and a summer peak, the diversion plan around
//! Ninh Chữ beach in force on the public page, two parking areas with occupancy,
//! congestion incidents, a training course and response times of demo crashes.

use crate::support::{Scratch, Served, client, sign_in};

#[test]
fn demo_has_peaks_parking_diversions_and_congestion() {
    let s = Scratch::new("demo-events");
    let dir = s.path("data");
    let served = Served::start(&["demo", "--listen", "127.0.0.1:0", "--data-dir", &dir]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // The public page needs no login and shows the active plan with its map.
        let public = reqwest::get(format!("{}/public/diversions", served.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            public.contains("Phân luồng khu vực biển Ninh Chữ"),
            "{public}"
        );
        assert!(
            public.contains("Chốt Công an phường Ninh Chử"),
            "the staff posts on the map"
        );
        let c = client();
        sign_in(&c, &served.url, "lanhdao", "demo-atgt-2026").await;
        let get = |path: &str| {
            let c = c.clone();
            let url = format!("{}{path}", served.url);
            async move { c.get(url).send().await.unwrap().text().await.unwrap() }
        };
        let peaks = get("/events/peaks").await;
        assert!(
            peaks.contains("Tết Nguyên đán Bính Ngọ 2026") && peaks.contains("Mùa du lịch hè 2026")
        );
        let parking = get("/events/parking").await;
        assert!(
            parking.contains("Bãi đỗ xe biển Ninh Chữ") && parking.contains("Bãi đỗ xe Bình Tiên")
        );
        let incidents = get("/events/incidents?from=2026-01-01&to=2026-12-31").await;
        // 25, 45, 40, 95, 30, 55 minutes in 2026: one of at least 60.
        assert!(
            incidents.contains("Số vụ kéo dài từ 60 phút trở lên"),
            "{incidents}"
        );
        assert!(
            incidents.contains("<td class=\"num\">6</td>"),
            "{incidents}"
        );
        let training = get("/events/training").await;
        assert!(training.contains("41"), "participants in total: {training}");
        let response = get("/events/response-times?from=2026-01-01&to=2026-12-31").await;
        assert!(response.contains("/crashes/"), "{response}");
    });
    assert!(served.stop().success());
}
