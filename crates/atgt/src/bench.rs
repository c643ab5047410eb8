//! `atgt bench crashes`: the crash-registry benchmark (run by `bench/crashes.sh`).
//! Writes N synthetic crashes as a canonical CSV, imports the file through the same path
//! as `atgt import crashes` (parse, check, resolve, one transaction), then times the
//! three-criteria statistics by commune × month with the same period last year, and on
//! PostgreSQL the same statistics as one plain SQL query over the crash table beside ours.

use anyhow::Context;
use atgt_core::audit::Actor;
use atgt_store::Store;
use atgt_store::crashes::CrashFilter;
use atgt_store::crashes::stats::Dim;
use std::io::Write;
use std::time::Instant;

fn write_csv(path: &std::path::Path, n: usize) -> anyhow::Result<()> {
    let records = atgt_core::synth::bench_records(n, 7);
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        w,
        "external_id,occurred_at,admin_scheme,commune_code,route,km,lon,lat,deaths,injured,property_damage_vnd,description,vehicle_types,causes"
    )?;
    for r in &records {
        let o = r.occurred;
        writeln!(
            w,
            "{},{:04}-{:02}-{:02} {:02}:{:02},{},{},{},{},{},{},{},{},{},,{},{}",
            r.external_id.as_deref().unwrap_or(""),
            o.year,
            o.month.unwrap_or(1),
            o.day.unwrap_or(1),
            o.hour.unwrap_or(0),
            o.minute.unwrap_or(0),
            r.admin_scheme.as_deref().unwrap_or(""),
            r.commune_code.as_deref().unwrap_or(""),
            r.road_code.as_deref().unwrap_or(""),
            r.km.map(|k| format!("{k:.3}")).unwrap_or_default(),
            r.lon.map(|v| format!("{v:.6}")).unwrap_or_default(),
            r.lat.map(|v| format!("{v:.6}")).unwrap_or_default(),
            r.deaths,
            r.injured,
            r.property_damage_vnd,
            r.vehicles
                .iter()
                .map(|v| v.kind.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            r.causes.join(";"),
        )?;
    }
    Ok(())
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub async fn crashes(
    url: &str,
    rows: usize,
    runs: usize,
    csv: &std::path::Path,
) -> anyhow::Result<()> {
    if !csv.exists() {
        let t = Instant::now();
        write_csv(csv, rows)?;
        eprintln!(
            "wrote {} ({rows} rows) in {:.1} s",
            csv.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let store = Store::open_migrated(url)
        .await
        .context("open the benchmark database")?;
    let backend = format!("{:?}", store.backend());
    let bytes = std::fs::read(csv)?;
    let t0 = Instant::now();
    let parsed = atgt_web::tabular::parse_crashes_lazily(&bytes, None)
        .map_err(|(k, a)| anyhow::anyhow!("{k}: {a}"))?;
    drop(bytes);
    let t_parse = t0.elapsed().as_secs_f64();
    let report = store
        .crash_import(&Actor::system(), parsed, "bench.csv", false, false, |_| {})
        .await?;
    let t_total = t0.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.rejected.is_empty(),
        "rejected rows: {:?}",
        report.rejected.first()
    );
    println!(
        "[{backend}] import: {} rows in {:.2} s = {:.0} rows/s (file read {:.2} s; rows mapped, checked and written {:.2} s; inserted {}, duplicates {})",
        report.rows,
        t_total,
        report.rows as f64 / t_total,
        t_parse,
        t_total - t_parse,
        report.inserted,
        report.duplicates
    );
    // The statistics a leader opens: 2025 by commune × month against 2024.
    let filter = CrashFilter {
        from: Some("2025-01-01".into()),
        to: Some("2025-12-31".into()),
        ..Default::default()
    };
    let mut times = Vec::with_capacity(runs);
    let mut cells = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let a = store.crash_stats(&filter, Dim::Commune).await?;
        let b = store.crash_stats(&filter, Dim::Month).await?;
        // commune × month: one query per commune, as the UI's drill-down does.
        let mut n = 0;
        for r in &a.rows {
            let f = CrashFilter {
                commune: Some(r.key.clone()),
                ..filter.clone()
            };
            n += store.crash_stats(&f, Dim::Month).await?.rows.len();
        }
        cells = n + b.rows.len();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    println!(
        "[{backend}] three criteria by commune × month with the same period ({cells} cells, {runs} runs): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    // Ours through the records (a period that is not whole months) for comparison.
    let odd = CrashFilter {
        to: Some("2025-12-30".into()),
        ..filter.clone()
    };
    let mut t_rec = Vec::new();
    for _ in 0..runs.min(20) {
        let t = Instant::now();
        store.crash_stats(&odd, Dim::Commune).await?;
        t_rec.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    t_rec.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    println!(
        "[{backend}] same statistics read from the crash records (not whole months): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&t_rec, 0.5),
        percentile(&t_rec, 0.99)
    );
    if store.backend() == atgt_store::Backend::Postgres {
        // The peer: the statistics as one SQL statement straight over the crash table.
        let sql = "SELECT cur_commune_code, month,
                     SUM(CASE WHEN year = 2025 THEN 1 ELSE 0 END) AS crashes,
                     SUM(CASE WHEN year = 2025 THEN deaths ELSE 0 END) AS deaths,
                     SUM(CASE WHEN year = 2025 THEN injured ELSE 0 END) AS injured,
                     SUM(CASE WHEN year = 2024 THEN 1 ELSE 0 END) AS prev_crashes,
                     SUM(CASE WHEN year = 2024 THEN deaths ELSE 0 END) AS prev_deaths,
                     SUM(CASE WHEN year = 2024 THEN injured ELSE 0 END) AS prev_injured
                   FROM crashes WHERE local_date BETWEEN '2024-01-01' AND '2025-12-31' AND class <> 'va_cham'
                   GROUP BY cur_commune_code, month";
        let mut t_sql = Vec::new();
        let mut n = 0;
        for _ in 0..runs.min(50) {
            let t = Instant::now();
            n = store.db.fetch_all(sql, &[]).await?.len();
            t_sql.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        t_sql.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        println!(
            "[{backend}] peer: plain SQL GROUP BY over the crash table ({n} cells): p50 {:.1} ms, p99 {:.1} ms",
            percentile(&t_sql, 0.5),
            percentile(&t_sql, 0.99)
        );
    }
    println!("[{backend}] peak memory (VmHWM): {:.0} MB", peak_rss_mb());
    store.db.close().await;
    Ok(())
}

// plans and accountability (issue 7)
/// `atgt bench plans`: the seed plan in the demo locality plus N more tasks (each given
/// through the store: one transaction with its audit entry), reports on a third of
/// them, then the urging at a fixed instant — cold (every reminder recorded) and warm
/// (nothing new) — and the task list with coordinators. The peer: the overdue one-off
/// tasks as one plain SQL query.
pub async fn plans(url: &str, n: usize, runs: usize) -> anyhow::Result<()> {
    use atgt_core::plans::{FixedClock, Recurrence, UrgeConfig};
    use atgt_store::plans::{ReportInput, TaskFilter, TaskInput};
    let store = Store::open_migrated(url).await?;
    let backend = format!("{:?}", store.backend()).to_lowercase();
    let t = Instant::now();
    crate::demo::seed(&store).await?;
    println!(
        "[{backend}] demo locality with the seed plan: {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let plan = store.plan_by_code("KH-HU-NH-CT23").await?.id;
    let orgs: Vec<i64> = store
        .orgs(None, 1000, 0)
        .await?
        .0
        .iter()
        .map(|o| o.id)
        .collect();
    let sys = Actor::system();
    let start = jiff::civil::date(2023, 9, 1);
    let t = Instant::now();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let lead = orgs[i % orgs.len()];
        let c1 = orgs[(i * 7 + 3) % orgs.len()];
        let c2 = orgs[(i * 13 + 5) % orgs.len()];
        let coords: Vec<i64> = [c1, c2].into_iter().filter(|c| *c != lead).collect();
        let recurrence = if i % 5 == 0 {
            Recurrence::Quarterly
        } else {
            Recurrence::None
        };
        let task = store
            .task_create(
                &sys,
                &TaskInput {
                    plan_id: plan,
                    item_id: None,
                    title: format!("Nhiệm vụ thử nghiệm hiệu năng số {i}"),
                    lead_org_id: Some(lead),
                    coordinator_ids: coords,
                    receiver_org_id: None,
                    due_on: (recurrence == Recurrence::None)
                        .then(|| atgt_core::plans::add_days(start, (i % 480) as i64)),
                    recurrence,
                    note: String::new(),
                    created_on: start,
                },
            )
            .await?;
        ids.push((task.id, lead));
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "[{backend}] {n} tasks given (one transaction and audit entry each): {secs:.1} s, {:.0} tasks/s",
        n as f64 / secs
    );
    let t = Instant::now();
    let mut reports = 0;
    for (i, (id, lead)) in ids.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        store
            .task_report_add(
                &sys,
                *id,
                &ReportInput {
                    org_id: *lead,
                    period: if i % 5 == 0 {
                        "2023-Q3".into()
                    } else {
                        String::new()
                    },
                    reported_on: jiff::civil::date(2023, 9, 28),
                    percent: if i % 2 == 0 { 100 } else { 40 },
                    text: "Báo cáo thử nghiệm hiệu năng".into(),
                    file: None,
                },
            )
            .await?;
        reports += 1;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "[{backend}] {reports} progress reports: {secs:.1} s, {:.0} reports/s",
        reports as f64 / secs
    );
    let cfg = UrgeConfig::default();
    let clock = FixedClock("2024-06-15T02:00:00Z".parse()?);
    let t = Instant::now();
    let sent = store.plans_urge(&sys, &clock, &cfg).await?;
    println!(
        "[{backend}] urging, cold ({} tasks, {} reminders recorded with their audit entries): {:.0} ms",
        n + 17,
        sent.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    let mut warm = Vec::new();
    let mut list = Vec::new();
    let mut peer = Vec::new();
    let mut overdue = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let again = store.plans_urge(&sys, &clock, &cfg).await?;
        warm.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(again.is_empty(), "a reminder was recorded twice");
        let t = Instant::now();
        let all = store.tasks(&TaskFilter::default()).await?;
        list.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(all.len() == n + 17, "task list length");
        let t = Instant::now();
        overdue = store
            .db
            .fetch_all(
                "SELECT id FROM tasks WHERE status = 'open' AND recurrence = 'none' AND due_on < $1",
                &["2024-06-15".into()],
            )
            .await?
            .len();
        peer.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    for v in [&mut warm, &mut list, &mut peer] {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    }
    println!(
        "[{backend}] urging, warm (nothing new; {runs} runs): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&warm, 0.5),
        percentile(&warm, 0.99)
    );
    println!(
        "[{backend}] all tasks with units and coordinators: p50 {:.1} ms, p99 {:.1} ms",
        percentile(&list, 0.5),
        percentile(&list, 0.99)
    );
    println!(
        "[{backend}] peer: overdue one-off tasks as one SQL query ({overdue} rows): p50 {:.2} ms, p99 {:.2} ms",
        percentile(&peer, 0.5),
        percentile(&peer, 0.99)
    );
    println!("[{backend}] peak memory (VmHWM): {:.0} MB", peak_rss_mb());
    store.db.close().await;
    Ok(())
}

// Cameras and violation processing (issue 6)

/// Synthetic reads: ten cameras, plates over a few provinces, one read every 50 ms.
fn synth_line(prefix: &str, i: usize) -> (String, [String; 14]) {
    let cam = format!("CAM-{:02}", i % 10);
    let plate = format!("{}A{:05}", 79 + (i % 7), (i * 7919) % 100_000);
    let p = atgt_core::plates::Plate::parse(&plate);
    let t_us: i64 = 1_795_000_000_000_000 + i as i64 * 50_000;
    let at = jiff::Timestamp::from_microsecond(t_us).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let speed = 40.0 + (i % 60) as f64 + 0.5;
    let line = format!(
        "{{\"event_id\":\"{prefix}-{i}\",\"camera_id\":\"{cam}\",\"read_at\":\"{at}\",\"plate\":\"{plate}\",\"plate_confidence\":91.5,\"speed_kmh\":{speed},\"lane\":{},\"vehicle_class\":\"car\"}}",
        i % 3
    );
    let row = [
        (i + 1).to_string(),
        format!("{prefix}-{i}"),
        cam,
        t_us.to_string(),
        plate,
        p.key(),
        p.display(),
        "1".into(),
        "91.5".into(),
        format!("{speed}"),
        (i % 3).to_string(),
        "car".into(),
        String::new(),
        "1".into(),
    ];
    (line, row)
}

/// `atgt bench ingest`: N reads over HTTP in batches of NDJSON, each answered after
/// commit; prints reads/s. Optionally writes the same rows as CSV for `.import`.
pub async fn ingest(
    url: &str,
    key: &str,
    reads: usize,
    batch: usize,
    clients: usize,
    csv: Option<&std::path::Path>,
    prefix: &str,
) -> anyhow::Result<()> {
    let mut bodies: Vec<String> = Vec::with_capacity(reads / batch + 1);
    let mut w = match csv {
        Some(p) => Some(std::io::BufWriter::new(std::fs::File::create(p)?)),
        None => None,
    };
    let mut body = String::new();
    for i in 0..reads {
        let (line, row) = synth_line(prefix, i);
        body.push_str(&line);
        body.push('\n');
        if let Some(w) = w.as_mut() {
            writeln!(w, "{}", row.join(","))?;
        }
        if (i + 1) % batch == 0 {
            bodies.push(std::mem::take(&mut body));
        }
    }
    if !body.is_empty() {
        bodies.push(body);
    }
    if let Some(mut w) = w {
        w.flush()?;
    }
    let client = reqwest::Client::new();
    let queue = std::sync::Arc::new(std::sync::Mutex::new(bodies));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients.max(1) {
        let (client, queue, url, key) = (
            client.clone(),
            queue.clone(),
            url.to_string(),
            key.to_string(),
        );
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0u64;
            loop {
                let next = queue.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.pop();
                let Some(b) = next else { break };
                let r = client
                    .post(format!("{url}/api/v1/plate-reads"))
                    .bearer_auth(&key)
                    .header("content-type", "application/x-ndjson")
                    .body(b)
                    .send()
                    .await?;
                anyhow::ensure!(r.status().is_success(), "ingest failed: {}", r.status());
                let v: serde_json::Value = r.json().await?;
                accepted += v["accepted"].as_u64().unwrap_or(0);
            }
            anyhow::Ok(accepted)
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += t.await??;
    }
    let s = t0.elapsed().as_secs_f64();
    println!(
        "atgt ingest: {accepted} reads accepted in {s:.2} s = {:.0} reads/s (batches of {batch}, {clients} clients, durable acks)",
        accepted as f64 / s
    );
    Ok(())
}

/// `atgt bench section`: section-speed matching of N reads in memory (two cameras
/// 10 km apart, limit 80 + 5 km/h), printing the time and the hits; writes the reads
/// as CSV (plate,camera,t_us) for the DuckDB comparison.
pub fn section(reads: usize, csv: Option<&std::path::Path>) -> anyhow::Result<()> {
    use atgt_core::enforcement::{Pass, Section, section_speed};
    let vehicles = reads / 2;
    // Vehicle v enters at v * 20 ms and takes 5 to 10 minutes for 10 km.
    let mut passes: Vec<Pass> = Vec::with_capacity(reads);
    for v in 0..vehicles {
        let t0 = v as i64 * 20_000;
        let dt = 300_000_000 + ((v as i64 * 7919) % 300) * 1_000_000;
        passes.push(Pass {
            plate: v as u32,
            camera: 0,
            at_us: t0,
        });
        passes.push(Pass {
            plate: v as u32,
            camera: 1,
            at_us: t0 + dt,
        });
    }
    passes.sort_unstable_by_key(|p| p.at_us);
    if let Some(p) = csv {
        let mut w = std::io::BufWriter::new(std::fs::File::create(p)?);
        writeln!(w, "plate,camera,t_us")?;
        for p in &passes {
            writeln!(w, "{},{},{}", p.plate, p.camera, p.at_us)?;
        }
        w.flush()?;
    }
    let sections = [Section {
        entry: 0,
        exit: 1,
        length_m: 10_000.0,
        limit_kmh: 80.0,
    }];
    let t0 = Instant::now();
    let (hits, pairs) = section_speed(&mut passes, &sections, 5.0, 4 * 3600 * 1_000_000, vehicles);
    let s = t0.elapsed().as_secs_f64();
    println!(
        "atgt section: {} reads, {pairs} pairs, {} over the limit in {s:.3} s = {:.0} reads/s",
        passes.len(),
        hits.len(),
        passes.len() as f64 / s
    );
    Ok(())
}
