#!/usr/bin/env bash
# Public portal load benchmark (issue 9): Debian's wrk against the plate lookup (JSON
# and HTML, a plate with open violations and one never seen) and the portal's landing
# page, on localhost only, bounded (2 threads, 64 connections, 10 s each by default).
# Prints requests/s and the 99th percentile latency of each run, then shows that a
# client that is not exempt is limited (429 with Retry-After).
#
# The server is the release binary's demo (a fresh seeded SQLite database) on a free
# localhost port. The benchmark client's address (127.0.0.1) is exempted from the
# lookup limiter by configuration, exactly as an operator would do it:
#     ATGT_WEB__PORTAL_EXEMPT='["127.0.0.1"]'     (or [web] portal_exempt in the file)
# The limiter stays on for everyone else: the non-exempt check below connects from
# 127.0.0.2 (another loopback address) and gets 429 after the burst. A last run puts
# the limiter itself under load: 127.0.0.1 is also configured as a trusted proxy, and
# wrk sends every request with a random X-Forwarded-For address (an enumeration
# attempt from many addresses), so each request takes a token from its own bucket.
#
#   bench/portal.sh [DURATION] [CONNECTIONS] [THREADS]    (defaults 10s 64 2)
#
# Needs wrk: `apt-get install -y wrk` (Debian package wrk 4.1). Not part of CI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
duration=${1:-10s}
conns=${2:-64}
threads=${3:-2}
out=${BENCH_DIR:-/tmp/atgt-bench}/portal
if ! command -v wrk >/dev/null; then
    echo "wrk is missing: installing the Debian package (apt-get install -y wrk)" >&2
    sudo_cmd=()
    [[ $EUID -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get install -y wrk >/dev/null
fi
cargo build --release -q -p atgt
bin=${CARGO_TARGET_DIR:-target}/release/atgt
rm -rf "$out"
mkdir -p "$out"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
ATGT_WEB__PORTAL_EXEMPT='["127.0.0.1"]' ATGT_WEB__PORTAL_TRUSTED_PROXIES='["127.0.0.1"]' \
    ATGT_LOG__LEVEL=warn \
    "$bin" demo --listen "127.0.0.1:$port" --data-dir "$out" >"$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$base/healthz" >/dev/null
echo "server: $base (pid $server), demo database in $out; wrk -t$threads -c$conns -d$duration --latency"
echo "machine: $(nproc) cores, $(uname -sr); server and wrk share them"

run() {
    local name=$1 url=$2 script=${3:-}
    # One request first: the answer must be 200 (an exempt client is never limited).
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' "$url")
    [[ $code == 200 ]] || { echo "$name: $url answered $code" >&2; exit 1; }
    local r
    if [[ -n $script ]]; then
        r=$(wrk -t"$threads" -c"$conns" -d"$duration" --latency -s "$script" "$url")
    else
        r=$(wrk -t"$threads" -c"$conns" -d"$duration" --latency "$url")
    fi
    local rps p99 non2xx
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$r")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$r")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$r")
    printf '%-34s %12s req/s   p99 %8s   non-2xx %s\n' "$name" "$rps" "$p99" "${non2xx:-0}"
    local file=${name//[^A-Za-z0-9]/_}
    echo "$r" >"$out/wrk-$file.txt"
}

echo
printf '%-34s %18s   %12s\n' "target" "throughput" "latency"
run "lookup JSON, open violations" "$base/api/public/v1/lookup?plate=79B1-234.56&kind=motorbike"
run "lookup JSON, unknown plate" "$base/api/public/v1/lookup?plate=30K-999.99&kind=car"
# Many different plates, as real citizens send them (no two requests need ask the
# same plate): random plates of the demo's province and series, some with open cases.
cat >"$out/plates.lua" <<'LUA'
math.randomseed(os.time())
local series = { "A", "B", "C", "D", "K" }
request = function()
    local plate = string.format("79%s-%03d.%02d", series[math.random(1, #series)],
        math.random(0, 999), math.random(0, 99))
    return wrk.format(nil, "/api/public/v1/lookup?plate=" .. plate .. "&kind=car")
end
LUA
run "lookup JSON, random plates" "$base/api/public/v1/lookup?plate=79A-123.45&kind=car" "$out/plates.lua"
run "lookup HTML, open violations" "$base/public/lookup?plate=79B1-234.56&kind=motorbike"
run "portal landing /public" "$base/public"
cat >"$out/xff.lua" <<'LUA'
-- Every request claims another client address (random 10.x.y.z) through the trusted
-- proxy 127.0.0.1: the limiter keeps one bucket per address.
math.randomseed(os.time())
request = function()
    local ip = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
    return wrk.format(nil, nil, { ["X-Forwarded-For"] = ip })
end
LUA
run "lookup JSON, limited clients" "$base/api/public/v1/lookup?plate=30K-999.99&kind=car" "$out/xff.lua"

echo
echo "non-exempt client (source 127.0.0.2), 12 lookups in a row:"
codes=()
retry=""
for i in $(seq 1 12); do
    h=$(curl -s --interface 127.0.0.2 -o /dev/null -D - "$base/api/public/v1/lookup?plate=30K-999.99&kind=car")
    codes+=("$(awk 'NR==1 {print $2}' <<<"$h")")
    [[ -z $retry ]] && retry=$(awk 'tolower($1) == "retry-after:" {print $2}' <<<"$h" | tr -d '\r')
done
echo "  statuses: ${codes[*]}"
echo "  first Retry-After: ${retry:-none} s"
n429=$(printf '%s\n' "${codes[@]}" | grep -c '^429$' || true)
if [[ $n429 -eq 0 ]]; then
    echo "  FAIL: the limiter did not answer 429" >&2
    exit 1
fi
echo "  $n429 of 12 refused with 429 (limit: 10 a minute, burst 5, per client)"
