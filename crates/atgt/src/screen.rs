//! `atgt screen dbscan`: DBSCAN in metres on any CSV with `lon` and `lat` columns, with
//! no database. Reads the file as a stream into two compact arrays of numbers, writes
//! one label per input row in input order (−1 for noise) and a summary on stderr.

use anyhow::{Context, bail};
use atgt_core::hotspots::dbscan::{DbscanError, dbscan};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

/// Header names accepted for each coordinate (case-insensitive).
const LON: &[&str] = &["lon", "lng", "long", "longitude"];
const LAT: &[&str] = &["lat", "latitude"];

/// Reads the `lon` and `lat` columns; a row with missing or invalid coordinates is an
/// error naming its row number (data rows from 1) and line.
pub fn read_points(path: &Path) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(file);
    let headers = rdr
        .byte_headers()
        .context("cannot read the header row")?
        .clone();
    let find = |names: &[&str]| {
        headers.iter().position(|h| {
            let h = String::from_utf8_lossy(h);
            let h = h.trim().trim_start_matches('\u{feff}');
            names.iter().any(|n| h.eq_ignore_ascii_case(n))
        })
    };
    let (Some(ilon), Some(ilat)) = (find(LON), find(LAT)) else {
        bail!(
            "{}: the header row needs columns named lon and lat",
            path.display()
        );
    };
    let mut lon = Vec::new();
    let mut lat = Vec::new();
    let mut rec = csv::ByteRecord::new();
    let mut row = 0usize;
    while rdr
        .read_byte_record(&mut rec)
        .with_context(|| format!("{}: row {}", path.display(), row + 1))?
    {
        row += 1;
        let get = |i: usize| -> Option<f64> {
            let s = std::str::from_utf8(rec.get(i)?).ok()?.trim();
            s.parse::<f64>().ok()
        };
        let (x, y) = (get(ilon), get(ilat));
        match (x, y) {
            (Some(x), Some(y))
                if x.is_finite()
                    && y.is_finite()
                    && (-180.0..=180.0).contains(&x)
                    && (-90.0..=90.0).contains(&y) =>
            {
                lon.push(x);
                lat.push(y);
            }
            _ => {
                let line = rec.position().map_or(0, |p| p.line());
                let show =
                    |i: usize| String::from_utf8_lossy(rec.get(i).unwrap_or_default()).into_owned();
                bail!(
                    "{}: row {row} (line {line}): invalid coordinates lon={:?} lat={:?} (need −180 ≤ lon ≤ 180 and −90 ≤ lat ≤ 90)",
                    path.display(),
                    show(ilon),
                    show(ilat)
                );
            }
        }
    }
    Ok((lon, lat))
}

pub fn dbscan_cmd(
    eps_m: f64,
    min_points: usize,
    file: &Path,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    let t0 = Instant::now();
    let (lon, lat) = read_points(file)?;
    let t_read = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let r = dbscan(&lon, &lat, eps_m, min_points).map_err(|e| match e {
        DbscanError::BadEps => anyhow::anyhow!("--eps-m must be a positive number of metres"),
        DbscanError::BadMinPoints => anyhow::anyhow!("--min-points must be at least 1"),
        DbscanError::BadPoint(i) => anyhow::anyhow!("row {}: invalid coordinates", i + 1),
    })?;
    let t_cluster = t1.elapsed().as_secs_f64();
    drop((lon, lat));
    let t2 = Instant::now();
    let out: Box<dyn Write> = match output {
        Some(p) => Box::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = BufWriter::with_capacity(1 << 20, out);
    for l in &r.labels {
        writeln!(w, "{l}")?;
    }
    w.flush()?;
    let noise = r.labels.iter().filter(|&&l| l < 0).count();
    let core = r.core.iter().filter(|&&c| c).count();
    eprintln!(
        "dbscan: {} points, {} clusters, {core} core, {} border, {noise} noise; {} border points within reach of 2+ clusters; read {:.3} s, cluster {:.3} s, write {:.3} s",
        r.labels.len(),
        r.clusters,
        r.labels.len() - core - noise,
        r.ambiguous_border,
        t_read,
        t_cluster,
        t2.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `atgt bench spots`: screens the demo locality's last 5 years (synthetic crashes at
/// the demo's rate, and at `scale` times that rate) by the legal rule over every
/// 12-month window and by the sliding-window ranking, and prints the times.
pub fn bench_spots(scale: u32, runs: usize) -> anyhow::Result<()> {
    use atgt_core::hotspots::rank::{Epdo, RankBy, sliding_window};
    use atgt_core::hotspots::rules::{Period, SpotCrash, SpotRuleFile, screen};
    let rules = SpotRuleFile::default_rules();
    let classes = atgt_core::crashes::ClassRuleFile::default_rules();
    let to = jiff::civil::date(2026, 11, 24);
    let from = jiff::civil::date(2021, 11, 25);
    for per_year in [120, 120 * scale.max(1)] {
        let spec = atgt_core::synth::SynthSpec {
            from,
            to,
            per_year,
            ..atgt_core::synth::demo_spec(crate::demo::synth_roads())
        };
        let recs = atgt_core::synth::generate(&spec);
        let crashes: Vec<SpotCrash> = recs
            .iter()
            .enumerate()
            .map(|(i, r)| {
                SpotCrash::from_record(
                    i as i64 + 1,
                    r,
                    r.classify(&classes).class.is_crash(),
                    &rules.infrastructure_causes,
                )
            })
            .collect();
        let rs = rules.for_date(to);
        let cfg = &rules.ranking;
        let epdo = Epdo {
            fatal: cfg.epdo_fatal,
            injury: cfg.epdo_injury,
            pdo: cfg.epdo_pdo,
        };
        let mut t_rule = Vec::new();
        let mut t_win = Vec::new();
        let (mut found, mut windows) = (0, 0);
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            found = screen(rs, &crashes, Period { from, to }).len();
            t_rule.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            windows = sliding_window(
                &crashes,
                cfg.window_m,
                cfg.step_m,
                cfg.min_crashes,
                epdo,
                RankBy::Epdo,
                5.0,
                &|_| None,
            )
            .len();
            t_win.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        t_rule.sort_by(f64::total_cmp);
        t_win.sort_by(f64::total_cmp);
        println!(
            "spots: {} crashes over 5 years ({per_year}/year): legal rule {} over every 12-month window: median {:.2} ms ({found} spots); sliding window {} m / {} m + peaks: median {:.2} ms ({windows} peaks); {} runs",
            crashes.len(),
            rs.id,
            t_rule[t_rule.len() / 2],
            cfg.window_m,
            cfg.step_m,
            t_win[t_win.len() / 2],
            runs.max(1)
        );
    }
    Ok(())
}
