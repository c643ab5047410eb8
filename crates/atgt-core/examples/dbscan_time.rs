//! Times `hotspots::dbscan` on a lon,lat CSV (header first): `cargo run --release
//! --example dbscan_time -- FILE EPS_M MIN_POINTS`. For profiling the algorithm
//! without building the whole binary.
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let text = std::fs::read_to_string(&a[1]).expect("read the file");
    let (mut lon, mut lat) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let mut it = line.split(',');
        lon.push(it.next().unwrap().parse::<f64>().unwrap());
        lat.push(it.next().unwrap().parse::<f64>().unwrap());
    }
    let t = std::time::Instant::now();
    let r = atgt_core::hotspots::dbscan::dbscan(
        &lon,
        &lat,
        a[2].parse().unwrap(),
        a[3].parse().unwrap(),
    )
    .unwrap();
    println!(
        "{} points, {} clusters in {:.3} s",
        lon.len(),
        r.clusters,
        t.elapsed().as_secs_f64()
    );
}
