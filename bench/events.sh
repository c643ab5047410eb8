#!/usr/bin/env bash
# Events benchmark (issue 10): occupancy reports as counting devices send them (one
# audited transaction each; 1 and 8 senders), N audited congestion incidents, then the
# duration statistics of a year beside a plain SQL aggregate of the same rows (the peer,
# which must agree on count, total and longest), and parking occupancy statistics; on
# SQLite and PostgreSQL.
#
#   bench/events.sh [INCIDENTS] [REPORTS]     (defaults 20000 4000; localhost only)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
incidents=${1:-20000}
reports=${2:-4000}
out=${BENCH_DIR:-/tmp/atgt-bench}
mkdir -p "$out"
cargo build --release -q -p atgt
bin=${CARGO_TARGET_DIR:-target}/release/atgt
echo "== SQLite (WAL, synchronous=FULL)"
rm -f "$out"/events.db "$out"/events.db-*
"$bin" bench events --database "sqlite://$out/events.db" --incidents "$incidents" --reports "$reports"
echo "== PostgreSQL 15 (scripts/pg-test-env.sh cluster)"
source scripts/pg-test-env.sh start >/dev/null
db=atgt_bench_events_$$
psql "$ATGT_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
pg_url=${ATGT_TEST_PG_URL%/*}/$db
"$bin" bench events --database "$pg_url" --incidents "$incidents" --reports "$reports"
psql "$ATGT_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $db"
