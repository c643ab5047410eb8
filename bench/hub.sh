#!/usr/bin/env bash
# Data hub benchmark (issue 8): bulk sync of N vehicle records over HTTP (NDJSON in
# requests of B lines, S requests in flight, idempotent by record id and version, each
# line checked, written with its registration history, change-feed row and one audit
# entry per request),
# the first request re-sent (all unchanged), then plate lookups from C concurrent
# clients in the spellings people type; p50/p99. SQLite, and PostgreSQL.
#
#   bench/hub.sh [VEHICLES] [BATCH] [LOOKUPS] [CLIENTS] [SENDERS]
#                                          (defaults 1000000 10000 20000 8 2)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
vehicles=${1:-1000000}
batch=${2:-10000}
lookups=${3:-20000}
clients=${4:-8}
senders=${5:-2}
out=${BENCH_DIR:-/tmp/atgt-bench}
mkdir -p "$out"
cargo build --release -q -p atgt
bin=${CARGO_TARGET_DIR:-target}/release/atgt
echo "== SQLite (WAL, synchronous=FULL)"
rm -f "$out"/hub.db "$out"/hub.db-*
"$bin" bench hub --database "sqlite://$out/hub.db" --vehicles "$vehicles" --batch "$batch" --lookups "$lookups" --clients "$clients" --senders "$senders"
# PostgreSQL: a cluster of its own (port 55450) with the deployment settings of
# deploy/postgresql.conf; ATGT_BENCH_PG_DEFAULTS=1 uses the test cluster (initdb
# defaults) instead.
if [[ ${ATGT_BENCH_PG_DEFAULTS:-} == 1 ]]; then
    echo "== PostgreSQL (scripts/pg-test-env.sh cluster, initdb defaults)"
    source scripts/pg-test-env.sh start >/dev/null
else
    echo "== PostgreSQL (own cluster with deploy/postgresql.conf)"
    ATGT_PG_PORT=${ATGT_BENCH_PG_PORT:-55450} ATGT_PG_CONF=$PWD/deploy/postgresql.conf \
        source scripts/pg-test-env.sh start >/dev/null
fi
db=atgt_bench_hub_$$
psql "$ATGT_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
pg_url=${ATGT_TEST_PG_URL%/*}/$db
"$bin" bench hub --database "$pg_url" --vehicles "$vehicles" --batch "$batch" --lookups "$lookups" --clients "$clients" --senders "$senders"
psql "$ATGT_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $db"
