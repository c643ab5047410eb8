//! `atgt bench hub`: the data hub benchmark (run by `bench/hub.sh`).
//!
//! The app is served on a localhost socket and driven over HTTP, so the figures include
//! everything a partner pays: authentication by API key, body parsing, per-line checks,
//! the idempotency lookup, the writes (record, registration history, change feed, one
//! audit entry per request) and the durable commit.
//!
//! 1. Bulk sync of N synthetic vehicle records as NDJSON (the bodies are built before
//!    the clock starts, as a partner's export file would be), in requests of B lines, S
//!    requests in flight (default 2, as a partner's client sends: one request's lines
//!    are checked while the other's are written; the writes themselves stay one at a
//!    time on SQLite): records/s.
//! 2. The first request re-sent: every line "unchanged" (idempotence), timed.
//! 3. Plate lookups under load: C concurrent clients ask `GET /api/v1/hub/vehicles/{plate}`
//!    for random plates in the spellings people type ("79A12345", "79A-123.45",
//!    "79a 123 45"); p50, p99 and max of the request latency.

use anyhow::{Context, bail};
use atgt_core::audit::Actor;
use atgt_store::Store;
use atgt_web::{AppState, WebConfig};
use std::time::{Duration, Instant};

const SERIES: &[&str] = &["A", "B", "C", "D", "E", "F", "G", "H", "K", "L", "M", "N"];
const NAMES: &[&str] = &[
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Văn Cường",
    "Phạm Thị Dung",
    "Hoàng Văn Em",
    "Công ty TNHH Vận tải Ninh Hải",
];

/// The plate of vehicle `i` (unique for i < 1,200,000): province 79, a series letter,
/// a five-digit serial.
fn plate(i: usize) -> (String, [String; 3]) {
    let s = SERIES[(i / 100_000) % SERIES.len()];
    let n = i % 100_000;
    let key = format!("79{s}{n:05}");
    let spellings = [
        key.clone(),
        format!("79{s}-{:03}.{:02}", n / 100, n % 100),
        format!("79{} {:03} {:02}", s.to_lowercase(), n / 100, n % 100),
    ];
    (key, spellings)
}

fn line(i: usize, version: i64) -> String {
    let (_, sp) = plate(i);
    let org = i % 6 == 5;
    serde_json::json!({
        "record_id": format!("DK{i:08}"),
        "version": version,
        "plate": sp[1],
        "colour": if i.is_multiple_of(10) { "yellow" } else { "white" },
        "kind": if i.is_multiple_of(4) { "truck" } else { "car" },
        "make": "Toyota",
        "seats": 5,
        "owner_kind": if org { "org" } else { "person" },
        "owner_name": NAMES[i % NAMES.len()],
        "owner_id_no": if org { format!("45{:08}", i % 100_000_000) } else { format!("0560{:08}", i % 100_000_000) },
        "owner_address": "Xã Xuân Hải, tỉnh Khánh Hòa",
        "registered_on": format!("20{:02}-{:02}-{:02}", 10 + i % 15, 1 + i % 12, 1 + i % 28),
    })
    .to_string()
}

/// The counts of a sync answer (its per-line list is skipped, not built).
#[derive(serde::Deserialize)]
struct SyncCounts {
    applied: u64,
    errors: u64,
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

/// A small deterministic generator.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n.max(1) as u64) as usize
    }
}

pub async fn hub(
    url: &str,
    vehicles: usize,
    batch: usize,
    lookups: usize,
    clients: usize,
    senders: usize,
) -> anyhow::Result<()> {
    let store = Store::open_migrated(url)
        .await
        .context("open the benchmark database")?;
    let backend = format!("{:?}", store.backend());
    let (key, prefix) = atgt_web::auth::token::new_api_key();
    store
        .apikey_create(
            &Actor::system(),
            &prefix,
            &atgt_web::auth::token::sha256_hex(&key),
            "Cục Cảnh sát giao thông (thử tải)",
            &["hub:vehicles:write".to_string(), "hub:read".to_string()],
            None,
        )
        .await?;
    let files = std::env::temp_dir().join(format!("atgt-bench-hub-{}", std::process::id()));
    let state = AppState::new(
        store.clone(),
        WebConfig {
            secure_cookies: false,
            files_dir: files.display().to_string(),
            ..Default::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(atgt_web::serve(listener, state, async {
        let _ = stop_rx.await;
    }));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients.max(1) * 2)
        .timeout(Duration::from_secs(600))
        .build()?;
    let auth = format!("Bearer {key}");

    // 1. Bulk sync.
    let senders = senders.max(1);
    println!(
        "{backend}: bulk sync of {vehicles} vehicle records, NDJSON requests of {batch} lines, {senders} in flight"
    );
    // The partner's export is ready before the clock starts (as its file would be):
    // the figures are the server's, not the time this process takes to write JSON.
    let bodies: Vec<String> = (0..vehicles)
        .step_by(batch.max(1))
        .map(|i| {
            let n = batch.min(vehicles - i);
            let mut body = String::with_capacity(n * 420);
            for k in i..i + n {
                body.push_str(&line(k, 1));
                body.push('\n');
            }
            body
        })
        .collect();
    let first_body = bodies.first().cloned().unwrap_or_default();
    let t = Instant::now();
    let mut applied = 0u64;
    let mut inflight = tokio::task::JoinSet::new();
    let mut todo = bodies.into_iter();
    loop {
        while inflight.len() < senders {
            let Some(b) = todo.next() else { break };
            let (http, url, auth) = (
                http.clone(),
                format!("{base}/api/v1/hub/vehicles/sync"),
                auth.clone(),
            );
            inflight.spawn(async move {
                let r = http
                    .post(url)
                    .header("authorization", &auth)
                    .header("content-type", "application/x-ndjson")
                    .body(b)
                    .send()
                    .await?;
                if !r.status().is_success() {
                    bail!("sync answered {}: {}", r.status(), r.text().await?);
                }
                let body = r.bytes().await?;
                let v: SyncCounts = serde_json::from_slice(&body)?;
                if v.errors > 0 {
                    bail!("sync refused lines: {}", String::from_utf8_lossy(&body));
                }
                Ok(v.applied)
            });
        }
        let Some(done) = inflight.join_next().await else {
            break;
        };
        applied += done??;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "  applied {applied} in {secs:.1} s: {:.0} records/s (target ≥ 50,000)",
        applied as f64 / secs
    );

    // 2. Re-send: idempotent.
    let t = Instant::now();
    let r = http
        .post(format!("{base}/api/v1/hub/vehicles/sync"))
        .header("authorization", &auth)
        .header("content-type", "application/x-ndjson")
        .body(first_body)
        .send()
        .await?;
    let v: serde_json::Value = r.json().await?;
    println!(
        "  re-sent the first request: {} unchanged, {} applied, in {:.0} ms",
        v["unchanged"],
        v["applied"],
        t.elapsed().as_secs_f64() * 1000.0
    );

    // The server copies SQLite's write-ahead log into the database file in the
    // background (a gigabyte after this sync); the lookups are measured once it has,
    // and how long that took is shown.
    if store.backend() == atgt_store::Backend::Sqlite {
        let t = Instant::now();
        loop {
            let r = store
                .db
                .fetch_one("PRAGMA wal_checkpoint(PASSIVE)", &[])
                .await?;
            if r.i64("log")? == r.i64("checkpointed")? {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        println!(
            "  write-ahead log copied into the database file {:.1} s after the sync",
            t.elapsed().as_secs_f64()
        );
    }

    // 3. Lookups under load.
    let per = lookups / clients.max(1);
    let t = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients.max(1) {
        let http = http.clone();
        let base = base.clone();
        let auth = auth.clone();
        let max = vehicles;
        tasks.push(tokio::spawn(async move {
            let mut rng = Lcg(c as u64 + 11);
            let mut lat = Vec::with_capacity(per);
            for q in 0..per {
                let (_, sp) = plate(rng.below(max));
                let spelling = &sp[q % 3];
                let url = format!("{base}/api/v1/hub/vehicles/{}", urlencode(spelling));
                let t = Instant::now();
                let r = http.get(url).header("authorization", &auth).send().await?;
                let ok = r.status().is_success();
                let _ = r.bytes().await?;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                if !ok {
                    anyhow::bail!("lookup of {spelling} failed");
                }
            }
            Ok::<Vec<f64>, anyhow::Error>(lat)
        }));
    }
    let mut all = Vec::with_capacity(lookups);
    for t in tasks {
        all.extend(t.await??);
    }
    let wall = t.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    println!(
        "  plate lookups over HTTP, {} clients, {} requests: {:.0} req/s; p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (target p99 < 5 ms)",
        clients.max(1),
        all.len(),
        all.len() as f64 / wall,
        pct(&all, 0.5),
        pct(&all, 0.99),
        all.last().copied().unwrap_or(0.0)
    );
    let _ = stop_tx.send(());
    let _ = server.await;
    let _ = std::fs::remove_dir_all(files);
    Ok(())
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
