//! `atgt screen dbscan` on plain CSV files, with no database.

use crate::support::*;

fn write(s: &Scratch, name: &str, body: &str) -> String {
    let p = s.0.join(name);
    std::fs::write(&p, body).unwrap();
    p.to_str().unwrap().to_string()
}

/// Metres north of (108.99, 11.6) as a latitude.
fn north(m: f64) -> f64 {
    11.6 + (m / 6_371_008.8f64).to_degrees()
}

#[test]
fn screen_dbscan_labels_each_row_in_input_order() {
    let s = Scratch::new("dbscan");
    // Columns in any order, others ignored; a clump of 5 points 10 m apart, a lone
    // point far away, and a second clump of 5 listed after it.
    let mut csv = String::from("id,lat,note,lon\n");
    for i in 0..5 {
        csv.push_str(&format!("a{i},{},x,108.99\n", north(i as f64 * 10.0)));
    }
    csv.push_str(&format!("lone,{},\"far, away\",108.99\n", north(5_000.0)));
    for i in 0..5 {
        csv.push_str(&format!(
            "b{i},{},y,108.99\n",
            north(1_000.0 + i as f64 * 10.0)
        ));
    }
    let f = write(&s, "points.csv", &csv);
    let o = run(&["screen", "dbscan", "--eps-m", "50", "--min-points", "5", &f]);
    assert!(o.status.success(), "{}", text(&o));
    let labels: Vec<&str> = std::str::from_utf8(&o.stdout).unwrap().lines().collect();
    assert_eq!(
        labels,
        ["0", "0", "0", "0", "0", "-1", "1", "1", "1", "1", "1"]
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("11 points, 2 clusters"), "{err}");
    // --output writes the same to a file; a smaller min_points changes the result.
    let out = s.0.join("labels.txt");
    let o = run(&[
        "screen",
        "dbscan",
        "--eps-m",
        "50",
        "--min-points",
        "6",
        &f,
        "--output",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "-1\n".repeat(11));
}

#[test]
fn screen_dbscan_names_the_row_with_bad_coordinates() {
    let s = Scratch::new("dbscan-bad");
    let f = write(
        &s,
        "bad.csv",
        "lon,lat\n108.99,11.6\n108.99,11.7\n191.0,11.6\n",
    );
    let o = run(&["screen", "dbscan", "--eps-m", "50", "--min-points", "2", &f]);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("row 3") && t.contains("191.0"), "{t}");
    assert!(o.stdout.is_empty(), "nothing written before the error");
    let f = write(&s, "empty-cell.csv", "lon,lat\n108.99,\n");
    let t = text(&run(&[
        "screen",
        "dbscan",
        "--eps-m",
        "50",
        "--min-points",
        "2",
        &f,
    ]));
    assert!(t.contains("row 1"), "{t}");
    let f = write(&s, "no-lat.csv", "x,y\n1,2\n");
    let t = text(&run(&[
        "screen",
        "dbscan",
        "--eps-m",
        "50",
        "--min-points",
        "2",
        &f,
    ]));
    assert!(t.contains("lon and lat"), "{t}");
    let f = write(&s, "ok.csv", "lon,lat\n1,2\n");
    let t = text(&run(&[
        "screen",
        "dbscan",
        "--eps-m",
        "0",
        "--min-points",
        "2",
        &f,
    ]));
    assert!(t.contains("--eps-m"), "{t}");
}

#[test]
fn the_demo_seeds_the_rule_spots_in_lifecycle_states() {
    let s = Scratch::new("demo-spots");
    let dir = s.path("data");
    let served = Served::start(&["demo", "--listen", "127.0.0.1:0", "--data-dir", &dir]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = client();
        sign_in(&c, &served.url, "phantich", "demo-atgt-2026").await;
        let spots: serde_json::Value = c
            .get(format!("{}/api/v1/spots", served.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let got: Vec<(&str, &str, &str)> = spots
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["road_code"].as_str().unwrap(),
                    s["status"].as_str().unwrap(),
                    s["kind"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("QL1A", "treatment_proposed", "frequent"),
                ("ĐT704", "monitored", "frequent")
            ]
        );
        // The overdue treatment shows for the leader; the treated spot is evaluated.
        let html = c
            .get(format!("{}/hotspots?overdue=1", served.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("QL1A đoạn Km 1531+200"), "{html}");
        assert!(!html.contains("ĐT704 gần Ninh Chử"), "{html}");
        // The leader sees it on the overview.
        let c2 = client();
        sign_in(&c2, &served.url, "lanhdao", "demo-atgt-2026").await;
        let home = c2
            .get(&served.url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(home.contains("Điểm đen quá hạn xử lý"), "{home}");
        assert!(home.contains("QL1A đoạn Km 1531+200"), "{home}");
        let id = spots[1]["id"].as_i64().unwrap();
        let html = c
            .get(format!("{}/hotspots/{id}", served.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Đánh giá trước và sau xử lý"), "{html}");
    });
    assert!(served.stop().success());
}
