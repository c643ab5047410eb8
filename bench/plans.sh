#!/usr/bin/env bash
# Plans benchmark (issue 7): the demo locality with the seed plan, N more tasks given
# one by one through the store (transaction + audit entry), reports on a third, then
# the urging at a fixed instant (cold and warm) and the task list; on SQLite and
# PostgreSQL. The peer is the overdue one-off tasks as one plain SQL query.
#
#   bench/plans.sh [TASKS]        (default 2000; localhost only)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tasks=${1:-2000}
out=${BENCH_DIR:-/tmp/atgt-bench}
mkdir -p "$out"
cargo build --release -q -p atgt
bin=${CARGO_TARGET_DIR:-target}/release/atgt
echo "== SQLite (WAL, synchronous=FULL)"
rm -f "$out"/plans.db "$out"/plans.db-*
"$bin" bench plans --database "sqlite://$out/plans.db" --tasks "$tasks"
echo "== PostgreSQL 15 (scripts/pg-test-env.sh cluster)"
source scripts/pg-test-env.sh start >/dev/null
db=atgt_bench_plans_$$
psql "$ATGT_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
pg_url=${ATGT_TEST_PG_URL%/*}/$db
"$bin" bench plans --database "$pg_url" --tasks "$tasks"
psql "$ATGT_TEST_PG_URL" -q -c "DROP DATABASE IF EXISTS $db"
