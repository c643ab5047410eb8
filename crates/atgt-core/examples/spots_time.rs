//! Times the legal-rule screening on synthetic crashes on one road:
//! `cargo run --release --example spots_time -- PER_YEAR`.
use atgt_core::geo::{Chainage, Point};
use atgt_core::hotspots::rules::{Period, SpotCrash, SpotRuleFile, screen};
fn main() {
    let per_year: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(6000);
    let road = atgt_core::synth::demo_road(
        "QL1A",
        Chainage {
            line: vec![
                Point::new(109.100, 11.830),
                Point::new(109.050, 11.760),
                Point::new(108.990, 11.600),
            ],
            km_start: 1520.0,
            ascending: true,
        },
    );
    let (from, to) = (
        jiff::civil::date(2021, 11, 25),
        jiff::civil::date(2026, 11, 24),
    );
    let spec = atgt_core::synth::SynthSpec {
        from,
        to,
        per_year,
        ..atgt_core::synth::demo_spec(vec![road])
    };
    let recs = atgt_core::synth::generate(&spec);
    let rules = SpotRuleFile::default_rules();
    let crashes: Vec<SpotCrash> = recs
        .iter()
        .enumerate()
        .map(|(i, r)| SpotCrash::from_record(i as i64, r, true, &rules.infrastructure_causes))
        .collect();
    let rs = rules.for_date(to);
    let t = std::time::Instant::now();
    let n = screen(rs, &crashes, Period { from, to }).len();
    println!("{} crashes: {n} spots in {:?}", crashes.len(), t.elapsed());
}
