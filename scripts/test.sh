#!/usr/bin/env bash
# The project's single test command:
#
#   scripts/test.sh [extra args for the test runner]
#
# Runs the whole workspace test suite against SQLite and PostgreSQL.
# - If ATGT_TEST_PG_URL is not set, a throwaway PostgreSQL cluster is started (or a
#   running one reused) with scripts/pg-test-env.sh; it is left running so the next
#   run is fast. Stop it with `scripts/pg-test-env.sh stop`.
# - ATGT_TEST_SQLITE_ONLY=1 skips PostgreSQL entirely (ATGT_TEST_PG_URL is unset).
# - Uses `cargo nextest run --workspace --no-fail-fast` when cargo-nextest is
#   installed, `cargo test --workspace --no-fail-fast` otherwise. Extra arguments are
#   passed through unchanged, e.g. `scripts/test.sh -p atgt-store` or
#   `scripts/test.sh -E 'test(pg_)'` (nextest filter syntax).
# Exits with the test runner's exit code.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ ${ATGT_TEST_SQLITE_ONLY:-0} == 1 ]]; then
    echo "[test.sh] ATGT_TEST_SQLITE_ONLY=1: PostgreSQL tests disabled" >&2
    unset ATGT_TEST_PG_URL
elif [[ -z ${ATGT_TEST_PG_URL:-} ]]; then
    # explicit `start`: a bare `source` would hand our own arguments to the script
    source scripts/pg-test-env.sh start
else
    echo "[test.sh] using ATGT_TEST_PG_URL from the environment" >&2
fi

if cargo nextest --version >/dev/null 2>&1; then
    runner=(cargo nextest run --workspace --no-fail-fast)
else
    echo "[test.sh] cargo-nextest not found, falling back to cargo test" >&2
    runner=(cargo test --workspace --no-fail-fast)
fi

echo "[test.sh] ${runner[*]} $*" >&2
exec "${runner[@]}" "$@"
