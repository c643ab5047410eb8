//! `atgt bench events`: the events benchmark (run by `bench/events.sh`).
//!
//! 1. Occupancy reports as counting devices send them: one audited transaction per
//!    report (the path of `POST /api/v1/parking/{id}/occupancy`), sequential and from
//!    8 concurrent senders.
//! 2. Congestion incidents: N audited inserts, then the duration statistics of a year
//!    (count, total, mean, median, p90, longest, prolonged) timed over R runs, beside a
//!    plain SQL aggregate of the same rows as the peer (count, total and longest must
//!    agree).
//! 3. Parking occupancy statistics of a year over every area.

use anyhow::Context;
use atgt_core::audit::Actor;
use atgt_store::Store;
use atgt_store::events::{IncidentInput, ParkingInput, local_range_us};
use jiff::civil::date;
use std::time::Instant;

const MIN: i64 = 60_000_000;

/// A small deterministic generator (the figures are the same on every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n.max(1)) as i64
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

fn summary(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    (pct(&v, 0.5), pct(&v, 0.99))
}

pub async fn events(
    url: &str,
    incidents: usize,
    reports: usize,
    runs: usize,
) -> anyhow::Result<()> {
    let store = Store::open_migrated(url)
        .await
        .context("open the benchmark database")?;
    let backend = format!("{:?}", store.backend());
    let a = Actor::system();
    let (year_start, _) = local_range_us(date(2025, 1, 1), date(2025, 1, 1));
    let mut rng = Lcg(7);

    // Parking areas and device reports.
    let mut areas = Vec::new();
    for i in 0..10 {
        let p = store
            .parking_create(
                &a,
                &ParkingInput {
                    name: format!("Bãi xe thử nghiệm {i}"),
                    capacity: 100 + 50 * i,
                    ..Default::default()
                },
            )
            .await?;
        areas.push((p.id, p.capacity));
    }
    let half = reports / 2;
    let t = Instant::now();
    for k in 0..half {
        let (id, cap) = areas[k % areas.len()];
        let at = year_start + rng.below(365 * 24 * 60) * MIN;
        store
            .parking_report(&a, id, at, rng.below(cap as u64 + 1), "api")
            .await?;
    }
    let seq = t.elapsed().as_secs_f64();
    println!(
        "[{backend}] occupancy reports, 1 sender: {half} in {seq:.2} s = {:.0} reports/s (each one audited transaction)",
        half as f64 / seq
    );
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..8u64 {
        let store = store.clone();
        let areas = areas.clone();
        let n = (reports - half) / 8;
        tasks.push(tokio::spawn(async move {
            let mut rng = Lcg(100 + w);
            for k in 0..n {
                let (id, cap) = areas[k % areas.len()];
                let at = year_start + rng.below(365 * 24 * 60) * MIN;
                store
                    .parking_report(&Actor::system(), id, at, rng.below(cap as u64 + 1), "api")
                    .await?;
            }
            Ok::<usize, atgt_store::StoreError>(n)
        }));
    }
    let mut sent = 0;
    for task in tasks {
        sent += task.await??;
    }
    let conc = t.elapsed().as_secs_f64();
    println!(
        "[{backend}] occupancy reports, 8 senders: {sent} in {conc:.2} s = {:.0} reports/s",
        sent as f64 / conc
    );

    // Congestion incidents.
    let t = Instant::now();
    for _ in 0..incidents {
        let start = year_start + rng.below(364 * 24 * 60) * MIN;
        let ongoing = rng.below(50) == 0;
        store
            .incident_create(
                &a,
                &IncidentInput {
                    started_at_us: start,
                    ended_at_us: (!ongoing).then(|| start + (5 + rng.below(235)) * MIN),
                    place: "Nút giao thử nghiệm".into(),
                    cause: "tourist_traffic".into(),
                    queue_m: rng.below(2000),
                    ..Default::default()
                },
            )
            .await?;
    }
    let ins = t.elapsed().as_secs_f64();
    println!(
        "[{backend}] congestion incidents: {incidents} audited inserts in {ins:.2} s = {:.0}/s",
        incidents as f64 / ins
    );
    let (from, to) = (date(2025, 1, 1), date(2025, 12, 31));
    let mut ours = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let s = store.congestion_stats(from, to).await?;
        ours.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(s);
    }
    let s = last.context("at least one run")?;
    let (a50, a99) = summary(ours);
    println!(
        "[{backend}] congestion statistics of a year ({} ended, {} ongoing; mean {:.1} min, median {:.1}, p90 {}, longest {}, prolonged {}), {runs} runs: p50 {a50:.1} ms, p99 {a99:.1} ms",
        s.durations.count,
        s.ongoing,
        s.durations.mean_min,
        s.durations.median_min,
        s.durations.p90_min,
        s.durations.longest_min,
        s.durations.over_threshold
    );
    // The peer: what one plain SQL aggregate gives (no median or percentile).
    let (lo, hi) = local_range_us(from, to);
    let sql = "SELECT COUNT(*) AS n, CAST(COALESCE(SUM((ended_at_us - started_at_us) / 60000000), 0) AS BIGINT) AS total,
                 CAST(COALESCE(MAX((ended_at_us - started_at_us) / 60000000), 0) AS BIGINT) AS longest
               FROM congestion_incidents WHERE ended_at_us IS NOT NULL AND started_at_us BETWEEN $1 AND $2";
    let mut peer = Vec::new();
    let mut row = (0, 0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let r = store
            .db
            .fetch_one(sql, &atgt_store::params![lo, hi])
            .await?;
        peer.push(t.elapsed().as_secs_f64() * 1000.0);
        row = (r.i64("n")?, r.i64("total")?, r.i64("longest")?);
    }
    anyhow::ensure!(
        row == (
            s.durations.count,
            s.durations.total_min,
            s.durations.longest_min
        ),
        "plain SQL disagrees: {row:?}"
    );
    let (p50, p99) = summary(peer);
    println!(
        "[{backend}] peer: plain SQL count/sum/max of the same rows (agrees), {runs} runs: p50 {p50:.1} ms, p99 {p99:.1} ms"
    );
    let mut occ = Vec::new();
    let mut n = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let o = store.parking_occupancy(from, to).await?;
        occ.push(t.elapsed().as_secs_f64() * 1000.0);
        n = o.iter().map(|x| x.stats.reports).sum();
    }
    let (o50, o99) = summary(occ);
    println!(
        "[{backend}] parking occupancy of a year ({} areas, {n} reports), {runs} runs: p50 {o50:.1} ms, p99 {o99:.1} ms",
        areas.len()
    );
    Ok(())
}
