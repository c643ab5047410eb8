#!/usr/bin/env bash
# Cameras and violation processing (issue 6) benchmarks, peers in the same run:
#  1. Ingest: N plate reads over HTTP (NDJSON batches, answered after commit) into
#     SQLite (WAL, synchronous=FULL) vs the sqlite3 CLI's `.import` of the same rows
#     into the same table of a fresh database; then PostgreSQL vs psql `\copy`.
#  2. Section-speed matching of M reads in memory vs DuckDB (PyPI duckdb, in a venv
#     under $BENCH_DIR) doing the same self-join on the same reads.
#
#   bench/ingest.sh [READS] [SECTION_READS]     (defaults 1000000 and 10000000)
#   env: BATCH (reads per request, 50000), CLIENTS (concurrent requests, 2),
#        SKIP_PG=1, SKIP_SECTION=1, BENCH_ATGT_BIN (a release binary; skips the build)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
reads=${1:-1000000}
section_reads=${2:-10000000}
batch=${BATCH:-50000}
out=${BENCH_DIR:-/tmp/atgt-bench-ingest}
mkdir -p "$out"
# BENCH_ATGT_BIN=path/to/atgt skips the build (a release binary of this tree).
if [ -z "${BENCH_ATGT_BIN:-}" ]; then cargo build --release -q -p atgt; fi
bin=${BENCH_ATGT_BIN:-${CARGO_TARGET_DIR:-target}/release/atgt}
export RUST_LOG=${RUST_LOG:-warn}
now() { date +%s.%N; }
rate() { python3 -c "import sys; n,a,b=map(float,sys.argv[1:]); print(f'{n/(b-a):.0f}')" "$@"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

setup() { # URL → prints an ingest key
  local url=$1
  "$bin" migrate --database "$url" >/dev/null
  for i in $(seq 0 9); do
    "$bin" camera add --database "$url" --id "CAM-0$i" --name "Camera $i" --kind speed --route QL1A --km "150$i" >/dev/null
  done
  "$bin" apikey create --database "$url" --name bench --scope ingest 2>/dev/null | grep '^atgt_'
}

serve_and_ingest() { # URL KEY CSV → prints the rate line
  local url=$1 key=$2 csv=$3 port
  port=$(free_port)
  RUST_LOG=warn "$bin" serve --database "$url" --listen "127.0.0.1:$port" >"$out/serve.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  "$bin" bench ingest --url "http://127.0.0.1:$port" --key "$key" --reads "$reads" --batch "$batch" --clients "${CLIENTS:-2}" --csv "$csv"
  kill -TERM "$pid"; wait "$pid" || true
}

echo "== Ingest, SQLite (WAL, synchronous=FULL): $reads reads in batches of $batch"
rm -f "$out"/ingest.db* "$out"/import.db*
key=$(setup "sqlite://$out/ingest.db")
line=$(serve_and_ingest "sqlite://$out/ingest.db" "$key" "$out/reads.csv")
echo "$line"
ours=$(echo "$line" | sed -E 's/.* = ([0-9]+) reads\/s.*/\1/')
"$bin" migrate --database "sqlite://$out/import.db" >/dev/null
t0=$(now)
sqlite3 "$out/import.db" "PRAGMA synchronous=FULL;" ".import --csv $out/reads.csv plate_reads"
t1=$(now)
n=$(sqlite3 "$out/import.db" "SELECT COUNT(*) FROM plate_reads")
peer=$(rate "$n" "$t0" "$t1")
echo "sqlite3 .import: $n rows into the same table = $peer rows/s"
python3 -c "print(f'ratio atgt/.import = {$ours/$peer:.2f}x (target >= 0.8x)')"
"$bin" audit verify --database "sqlite://$out/ingest.db"

if [ -z "${SKIP_PG:-}" ]; then
echo "== Ingest, PostgreSQL 15 (scripts/pg-test-env.sh cluster)"
source scripts/pg-test-env.sh start >/dev/null
db=atgt_bench_ingest_$$
peerdb=atgt_bench_copy_$$
psql "$ATGT_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" -c "DROP DATABASE IF EXISTS $peerdb" -c "CREATE DATABASE $peerdb"
pg_url=${ATGT_TEST_PG_URL%/*}/$db
peer_url=${ATGT_TEST_PG_URL%/*}/$peerdb
key=$(setup "$pg_url")
line=$(serve_and_ingest "$pg_url" "$key" "$out/reads-pg.csv")
echo "$line"
ours=$(echo "$line" | sed -E 's/.* = ([0-9]+) reads\/s.*/\1/')
"$bin" migrate --database "$peer_url" >/dev/null
t0=$(now)
psql "$peer_url" -q -c "\\copy plate_reads FROM '$out/reads-pg.csv' WITH (FORMAT csv)"
t1=$(now)
peer=$(rate "$reads" "$t0" "$t1")
echo "psql \\copy: $reads rows into the same table = $peer rows/s"
python3 -c "print(f'ratio atgt/\\\\copy = {$ours/$peer:.2f}x')"
psql "$ATGT_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS $peerdb"
fi
[ -n "${SKIP_SECTION:-}" ] && exit 0

echo "== Section-speed matching: $section_reads reads in memory vs DuckDB"
if [ ! -x "$out/venv/bin/python" ]; then
  python3 -m venv "$out/venv"
  "$out/venv/bin/pip" install -q duckdb
fi
"$bin" bench section --reads "$section_reads" --csv "$out/section.csv"
"$out/venv/bin/python" - "$out/section.csv" <<'PY'
import sys, time, duckdb
con = duckdb.connect()
con.execute(f"CREATE TABLE r AS SELECT * FROM read_csv('{sys.argv[1]}', header=true, columns={{'plate':'UINTEGER','camera':'UINTEGER','t_us':'BIGINT'}})")
n = con.execute("SELECT COUNT(*) FROM r").fetchone()[0]
q = """
SELECT COUNT(*) AS pairs, COUNT(*) FILTER (WHERE 10000.0 / ((b.t_us - a.t_us) / 1e6) * 3.6 > 85) AS hits
FROM r a JOIN r b ON a.plate = b.plate
WHERE a.camera = 0 AND b.camera = 1 AND b.t_us > a.t_us AND b.t_us - a.t_us <= 14400000000::BIGINT
"""
t0 = time.perf_counter()
pairs, hits = con.execute(q).fetchone()
s = time.perf_counter() - t0
threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
print(f"duckdb {duckdb.__version__} self-join: {n} reads, {pairs} pairs, {hits} over the limit in {s:.3f} s = {n/s:.0f} reads/s ({threads} threads)")
PY
