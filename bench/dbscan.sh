#!/usr/bin/env bash
# DBSCAN benchmark against scikit-learn, same run, same points (issue 5).
#
#   bench/dbscan.sh [EPS_M] [MIN_POINTS] [BIG_N]   (defaults 50 5 1000000)
#
# - Creates a venv under $BENCH_DIR (default /tmp/atgt-bench) and pip-installs
#   scikit-learn into it (once).
# - Real points: the 68,936 collisions of road-collisions-ireland 0.0.12
#   (scripts/fetch_test_data.sh; columns lat,lng), rows with invalid coordinates
#   dropped first; written as lon,lat.
# - Big points: the same points replicated with jitter (uniform in a disc of
#   JITTER_M metres, default 100, seed 42; the first copy of each point is exact) to
#   BIG_N rows, so that core, border and noise points all occur.
# - For each file: scikit-learn DBSCAN(metric='haversine', algorithm='ball_tree',
#   eps=eps_m/6371008.8) on [lat, lon] in radians, and `atgt screen dbscan` on the
#   CSV. scikit-learn is timed for the fit only (CSV already in memory); atgt for the
#   whole command (read the CSV, cluster, write the labels) — the conservative way.
# - Checks the labellings agree up to renaming: every core and noise point alike;
#   border points may differ only where a border point is within reach of two
#   clusters (atgt reports how many such points exist; the script prints both).
# - Prints both times, the ratio and atgt's peak memory (/usr/bin/time -v).
# - scikit-learn is bounded by SKLEARN_TIMEOUT seconds (default 600): if the big
#   run does not finish, it is repeated on a 250,000-point replicate instead and the
#   output says so.
# - Finally `atgt bench spots`: the time to screen the demo locality's 5 years by
#   the legal rule and by sliding window.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
eps=${1:-50}
minp=${2:-5}
big=${3:-1000000}
out=${BENCH_DIR:-/tmp/atgt-bench}
mkdir -p "$out"
if [[ ! -x $out/venv/bin/python ]]; then
  python3 -m venv "$out/venv"
fi
"$out/venv/bin/python" -c 'import sklearn' 2>/dev/null || "$out/venv/bin/pip" install -q scikit-learn
py=$out/venv/bin/python
# BENCH_ATGT_BIN: use an already built binary instead of building one.
if [[ -z ${BENCH_ATGT_BIN:-} ]]; then
  cargo build --release -q -p atgt
fi
bin=${BENCH_ATGT_BIN:-${CARGO_TARGET_DIR:-target}/release/atgt}
src=$(scripts/fetch_test_data.sh 2>/dev/null)
jitter=${JITTER_M:-100}
"$py" bench/dbscan_compare.py prepare "$src" "$out/real.csv" "$out/big-$big.csv" "$big" "$jitter"

run() { # name csv
  local name=$1 csv=$2
  echo "== $name: $(($(wc -l <"$csv") - 1)) points, eps $eps m, min_points $minp"
  /usr/bin/time -v "$bin" screen dbscan --eps-m "$eps" --min-points "$minp" "$csv" \
    --output "$out/$name.atgt" 2>"$out/$name.atgt.err"
  local t_atgt rss stats
  t_atgt=$(grep 'Elapsed (wall clock)' "$out/$name.atgt.err" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$out/$name.atgt.err" | awk '{print $NF}')
  stats=$(grep '^dbscan:' "$out/$name.atgt.err")
  echo "atgt: $stats"
  echo "atgt: wall $t_atgt (m:ss), peak memory $((rss / 1024)) MB"
  if timeout "${SKLEARN_TIMEOUT:-600}" "$py" bench/dbscan_compare.py sklearn "$csv" "$eps" "$minp" "$out/$name.sk"; then
    "$py" bench/dbscan_compare.py compare "$out/$name.sk" "$out/$name.atgt" "$out/$name.atgt.err"
    return 0
  fi
  echo "scikit-learn did not finish within ${SKLEARN_TIMEOUT:-600} s on $name"
  return 1
}

run real "$out/real.csv"
if ! run "big-$big" "$out/big-$big.csv"; then
  small=250000
  echo "falling back to a $small-point replicate for scikit-learn (documented bound)"
  "$py" bench/dbscan_compare.py prepare "$src" "$out/real.csv" "$out/big-$small.csv" "$small" "$jitter"
  run "big-$small" "$out/big-$small.csv"
fi

echo "== screening the demo locality (5 years) by the legal rule and by sliding window"
"$bin" bench spots
