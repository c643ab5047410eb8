//! Cameras and violation processing (issue 6) through the real binary: the ingest
//! survives `kill -9` of the server (every acknowledged read is there exactly once, a
//! re-sent batch comes back as duplicates), and `atgt audit verify` finds a direct edit
//! of a case row or a read.

use crate::support::*;
use std::process::Command;

fn migrated(s: &Scratch) -> String {
    let url = format!("sqlite://{}", s.path("atgt.db"));
    let o = run(&["migrate", "--database", &url]);
    assert!(o.status.success(), "{}", text(&o));
    url
}

fn camera(url: &str, id: &str, kind: &str, km: &str) {
    let o = run(&[
        "camera",
        "add",
        "--database",
        url,
        "--id",
        id,
        "--name",
        &format!("Camera {id}"),
        "--kind",
        kind,
        "--route",
        "QL1A",
        "--km",
        km,
        "--lon",
        "109.1",
        "--lat",
        "12.2",
    ]);
    assert!(o.status.success(), "{}", text(&o));
}

fn ingest_key(url: &str) -> String {
    let o = run(&[
        "apikey",
        "create",
        "--database",
        url,
        "--name",
        "Camera vendor",
        "--scope",
        "ingest",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find(|l| l.starts_with("atgt_"))
        .expect("the key is printed")
        .to_string()
}

fn batch(b: usize, n: usize) -> (String, Vec<String>) {
    let mut body = String::new();
    let mut ids = Vec::new();
    for i in 0..n {
        let id = format!("evt-{b}-{i}");
        body.push_str(&format!(
            "{{\"event_id\":\"{id}\",\"camera_id\":\"CAM-A\",\"read_at\":\"2026-11-25T0{}:{:02}:{:02}+07:00\",\"plate\":\"79A-{:03}.{:02}\",\"speed_kmh\":{}}}\n",
            b % 10,
            (i / 60) % 60,
            i % 60,
            i % 1000,
            b % 100,
            60 + i % 40
        ));
        ids.push(id);
    }
    (body, ids)
}

async fn post(
    c: &reqwest::Client,
    base: &str,
    key: &str,
    body: String,
) -> reqwest::Result<serde_json::Value> {
    c.post(format!("{base}/api/v1/plate-reads"))
        .bearer_auth(key)
        .body(body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

async fn counts(url: &str) -> (i64, i64) {
    let db = atgt_store::Db::connect(url).await.unwrap();
    let r = db
        .fetch_one(
            "SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM plate_reads",
            &[],
        )
        .await
        .unwrap();
    let out = (r.i64("n").unwrap(), r.i64("d").unwrap());
    db.close().await;
    out
}

#[test]
fn acknowledged_reads_survive_kill_9_exactly_once_and_a_resent_batch_is_duplicates() {
    let s = Scratch::new("ingest-kill");
    let url = migrated(&s);
    camera(&url, "CAM-A", "speed", "1500");
    let key = ingest_key(&url);
    let served = Served::start(&["serve", "--database", &url, "--listen", "127.0.0.1:0"]);
    let base = served.url.trim_end_matches('/').to_string();
    let pid = served.child.id().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    const N: usize = 400;
    let (acked, unacked) = rt.block_on(async {
        let c = reqwest::Client::new();
        let mut acked: Vec<String> = Vec::new();
        for b in 0..5 {
            let (body, ids) = batch(b, N);
            let v = post(&c, &base, &key, body).await.unwrap();
            assert_eq!(v["accepted"], N as i64, "{v}");
            acked.extend(ids);
        }
        // Stream more batches and kill the server while they are in flight.
        let mut unacked: Vec<(String, Vec<String>)> = Vec::new();
        let mut inflight = Vec::new();
        for b in 5..12 {
            let (body, ids) = batch(b, N);
            let (c, base, key, body2) = (c.clone(), base.clone(), key.clone(), body.clone());
            inflight.push((
                tokio::spawn(async move { post(&c, &base, &key, body2).await }),
                body,
                ids,
            ));
        }
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        assert!(
            Command::new("kill")
                .args(["-9", &pid])
                .status()
                .unwrap()
                .success()
        );
        for (h, body, ids) in inflight {
            match h.await.unwrap() {
                Ok(v)
                    if v["accepted"].as_i64().unwrap_or(0)
                        + v["duplicates"].as_i64().unwrap_or(0)
                        == N as i64 =>
                {
                    acked.extend(ids)
                }
                _ => unacked.push((body, ids)),
            }
        }
        (acked, unacked)
    });
    drop(served);
    // Every acknowledged read is there, exactly once.
    let (n, distinct) = rt.block_on(counts(&url));
    assert_eq!(n, distinct, "no read is stored twice");
    assert!(
        n as usize >= acked.len(),
        "{n} stored < {} acknowledged",
        acked.len()
    );
    let db_ids: std::collections::HashSet<String> = rt.block_on(async {
        let db = atgt_store::Db::connect(&url).await.unwrap();
        let rows = db
            .fetch_all("SELECT event_id FROM plate_reads", &[])
            .await
            .unwrap();
        db.close().await;
        rows.iter().map(|r| r.text("event_id").unwrap()).collect()
    });
    for id in &acked {
        assert!(db_ids.contains(id), "acknowledged read {id} was lost");
    }
    // Restart; the client re-sends what was not acknowledged, and the first batch
    // again: duplicates, not double rows.
    let served = Served::start(&["serve", "--database", &url, "--listen", "127.0.0.1:0"]);
    let base = served.url.trim_end_matches('/').to_string();
    let (resent_dups, first_again) = rt.block_on(async {
        let c = reqwest::Client::new();
        let mut dups = 0;
        for (body, ids) in &unacked {
            let v = post(&c, &base, &key, body.clone()).await.unwrap();
            let (a, d) = (
                v["accepted"].as_i64().unwrap(),
                v["duplicates"].as_i64().unwrap(),
            );
            assert_eq!(a + d, N as i64, "{v}");
            // A batch is one transaction: all of it was committed or none.
            assert!(d == 0 || d == N as i64, "half a batch was stored: {v}");
            dups += d;
            for id in ids {
                assert!(!id.is_empty());
            }
        }
        let v = post(&c, &base, &key, batch(0, N).0).await.unwrap();
        (dups, v)
    });
    assert_eq!(first_again["accepted"], 0, "{first_again}");
    assert_eq!(first_again["duplicates"], N as i64, "{first_again}");
    let _ = resent_dups;
    let (n, distinct) = rt.block_on(counts(&url));
    assert_eq!(n, distinct);
    assert_eq!(
        n as usize,
        12 * N,
        "every batch stored exactly once after the re-send"
    );
    served.stop();
    let o = run(&["audit", "verify", "--database", &url]);
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn bad_lines_get_numbered_reasons_and_the_good_ones_are_kept() {
    let s = Scratch::new("ingest-bad");
    let url = migrated(&s);
    camera(&url, "CAM-A", "speed", "1500");
    let key = ingest_key(&url);
    let served = Served::start(&["serve", "--database", &url, "--listen", "127.0.0.1:0"]);
    let base = served.url.trim_end_matches('/').to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let v = rt.block_on(async {
        let body = [
            r#"{"event_id":"a1","camera_id":"CAM-A","read_at":"2026-11-25T08:00:00+07:00","plate":"79A-123.45","speed_kmh":95}"#,
            "not json",
            "",
            r#"{"event_id":"a2","camera_id":"CAM-X","read_at":"2026-11-25T08:00:01+07:00","plate":"79A12346"}"#,
            r#"{"event_id":"a3","camera_id":"CAM-A","read_at":"yesterday","plate":"79A12347"}"#,
            r#"{"event_id":"a4","camera_id":"CAM-A","read_at":"2026-11-25T08:00:02+07:00","plate":"???"}"#,
            r#"{"event_id":"a1","camera_id":"CAM-A","read_at":"2026-11-25T08:00:00+07:00","plate":"79A-123.45"}"#,
        ]
        .join("\n");
        let c = reqwest::Client::new();
        c.post(format!("{base}/api/v1/plate-reads"))
            .bearer_auth(&key)
            .header("accept-language", "vi")
            .body(body)
            .send()
            .await
            .unwrap()
            .json::<serde_json::Value>()
            .await
            .unwrap()
    });
    assert_eq!(v["accepted"], 2, "{v}");
    assert_eq!(v["duplicates"], 1, "{v}");
    let rej = v["rejected"].as_array().unwrap();
    let lines: Vec<i64> = rej.iter().map(|r| r["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, vec![2, 4, 5], "{v}");
    assert_eq!(rej[1]["field"], "camera_id");
    assert_eq!(rej[2]["field"], "read_at");
    assert!(
        rej[2]["reason"].as_str().unwrap().contains("RFC 3339"),
        "{v}"
    );
    served.stop();
}

fn tamper(path: &str, sql: &str) {
    let o = Command::new("sqlite3").arg(path).arg(sql).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn audit_verify_fails_after_a_direct_edit_of_a_case_or_a_read() {
    if Command::new("sqlite3").arg("-version").output().is_err() {
        assert!(std::env::var("CI").is_err(), "CI installs sqlite3");
        return;
    }
    for (sql, expected) in [
        (
            "UPDATE violation_cases SET state = 'dismissed' WHERE id = 1",
            "violation_case 1 was altered",
        ),
        (
            "UPDATE violation_cases SET behaviour = 'speed_car_5_10', row_hash = 'x' WHERE id = 1",
            "violation_case 1 was altered",
        ),
        (
            "DELETE FROM case_events; DELETE FROM violation_cases WHERE id = 1",
            "violation_case 1 was altered",
        ),
        (
            "UPDATE plate_reads SET speed_kmh = 61 WHERE id = 1",
            "read_batch 1 was altered",
        ),
        (
            "INSERT INTO plate_reads (event_id, camera_id, read_at_us, plate_raw, plate_key, plate_display, readable) VALUES ('fake', 'CAM-A', 0, 'x', 'x', 'x', 1)",
            "plate_read",
        ),
        (
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET after_json = '{}' WHERE action = 'case.open'",
            "was altered (hash mismatch)",
        ),
    ] {
        let s = Scratch::new("case-tamper");
        let url = migrated(&s);
        camera(&url, "CAM-A", "speed", "1500");
        let key = ingest_key(&url);
        let served = Served::start(&["serve", "--database", &url, "--listen", "127.0.0.1:0"]);
        let base = served.url.trim_end_matches('/').to_string();
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let c = reqwest::Client::new();
            let v = post(&c, &base, &key, r#"{"event_id":"s1","camera_id":"CAM-A","read_at":"2026-11-25T08:00:00+07:00","plate":"79A-123.45","speed_kmh":112,"vehicle_class":"car"}"#.into()).await.unwrap();
            assert_eq!(v["accepted"], 1);
        });
        served.stop();
        // Detection through the store opens one spot-speed case (112 in an 80 zone).
        rt.block_on(async {
            let st = atgt_store::Store::open_current(&url).await.unwrap();
            let r = st
                .detect(&atgt_core::audit::Actor::system(), 0, i64::MAX / 2)
                .await
                .unwrap();
            assert_eq!(r.spot_speed, 1, "{r:?}");
            let c = st.case(1).await.unwrap();
            assert_eq!(c.behaviour, "speed_car_20_35");
            st.db.close().await;
        });
        let o = run(&["audit", "verify", "--database", &url]);
        assert!(o.status.success(), "{}", text(&o));
        tamper(&s.path("atgt.db"), sql);
        let o = run(&["audit", "verify", "--database", &url]);
        assert_eq!(o.status.code(), Some(2), "{sql}: {}", text(&o));
        assert!(text(&o).contains(expected), "{sql}: {}", text(&o));
    }
}

#[test]
fn the_demo_has_cameras_section_speed_and_patrol_cases_and_a_sound_chain() {
    let s = Scratch::new("enf-demo");
    let dir = s.path("data");
    let served = Served::start(&["demo", "--listen", "127.0.0.1:0", "--data-dir", &dir]);
    let base = served.url.trim_end_matches('/').to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let c = client();
        sign_in(&c, &base, "csgt", "demo-atgt-2026").await;
        let html = c
            .get(format!("{base}/enforcement"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for needle in [
            "CAM-QL1A-1525",
            "CAM-DT704-03",
            "Quá tốc độ trung bình (đoạn)",
            "8?C-1??",
        ] {
            assert!(html.contains(needle), "{needle} missing from the dashboard");
        }
        let html = c
            .get(format!("{base}/enforcement?plate=79b1%2023456"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("Tuần tra phát hiện") && html.contains("79B1-234.56"),
            "{html}"
        );
        let cases: serde_json::Value = c
            .get(format!("{base}/api/v1/cases?limit=1000"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let behaviours: Vec<&str> = cases["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["behaviour"].as_str().unwrap())
            .collect();
        for b in [
            "alcohol_moto_2",
            "alcohol_car_3",
            "bed_extension",
            "overload_30_50",
        ] {
            assert!(behaviours.contains(&b), "{b} not among {behaviours:?}");
        }
        let kinds: std::collections::HashSet<&str> = cases["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        for k in ["spot_speed", "section_speed", "red_light", "patrol"] {
            assert!(kinds.contains(k), "no {k} case in the demo: {kinds:?}");
        }
        let geo: serde_json::Value = c
            .get(format!("{base}/enforcement/cameras.geojson"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(geo["features"].as_array().unwrap().len(), 5);
    });
    served.stop();
    let o = run(&[
        "audit",
        "verify",
        "--database",
        &format!("sqlite://{dir}/demo.db"),
    ]);
    assert!(o.status.success(), "{}", text(&o));
}

/// `atgt import cases`: a file with a refused line writes nothing, exits 2 and names
/// the line and field in Vietnamese; the corrected file is taken, a second run skips
/// it, and `atgt audit verify` finds the imported cases sealed.
#[test]
fn cases_carried_over_from_the_previous_system() {
    let s = Scratch::new("import-cases");
    let url = migrated(&s);
    let now = jiff::Timestamp::now();
    let ago = |d: i64| {
        now.checked_sub(jiff::SignedDuration::from_hours(24 * d))
            .unwrap()
            .to_string()
    };
    let line = |notice: &str| {
        serde_json::json!({"ref": "PC08-2026-00412", "kind": "spot_speed", "plate": "51C-789.01",
            "camera_id": "CAM-OLD-1", "detected_at": ago(40), "behaviour": "speed_car_10_20", "measured": 13.0,
            "state": "notice_sent", "notice_at": notice, "source": "Hệ thống cũ"})
        .to_string()
    };
    let bad = s.path("bad.ndjson");
    std::fs::write(&bad, format!("{}\n", line(&ago(50)))).unwrap();
    let o = run(&["import", "cases", "--database", &url, &bad]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("dòng 1, trường notice_at"),
        "{}",
        text(&o)
    );
    let good = s.path("good.ndjson");
    std::fs::write(&good, format!("{}\n", line(&ago(33)))).unwrap();
    let o = run(&["import", "cases", "--database", &url, &good]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 vụ việc đã chuyển"), "{}", text(&o));
    let o = run(&["import", "cases", "--database", &url, &good, "--json"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (r["imported"].as_i64(), r["unchanged"].as_i64()),
        (Some(0), Some(1))
    );
    let o = run(&["audit", "verify", "--database", &url]);
    assert!(o.status.success(), "{}", text(&o));
}
