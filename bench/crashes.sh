#!/usr/bin/env bash
# Crash-registry benchmark (issue: import of 1,000,000 synthetic crashes and the three
# criteria by commune x month with the same period, on SQLite and PostgreSQL; on
# PostgreSQL the same statistics as plain SQL are printed beside ours).
#
#   bench/crashes.sh [ROWS]        (default 1000000; localhost only)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rows=${1:-1000000}
out=${BENCH_DIR:-/tmp/atgt-bench}
mkdir -p "$out"
cargo build --release -q -p atgt
bin=${CARGO_TARGET_DIR:-target}/release/atgt
csv="$out/crashes-$rows.csv"
echo "== SQLite (WAL, synchronous=FULL)"
rm -f "$out"/bench.db "$out"/bench.db-*
"$bin" bench crashes --database "sqlite://$out/bench.db" --rows "$rows" --csv "$csv"
echo "== PostgreSQL 15 (scripts/pg-test-env.sh cluster)"
source scripts/pg-test-env.sh start >/dev/null
db=atgt_bench_$$
psql "$ATGT_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
pg_url=${ATGT_TEST_PG_URL%/*}/$db
"$bin" bench crashes --database "$pg_url" --rows "$rows" --csv "$csv"
psql "$ATGT_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $db"
