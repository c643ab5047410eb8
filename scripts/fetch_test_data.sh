#!/usr/bin/env bash
# Fetch the real crash data set used to test the crash import (never committed).
#
#   scripts/fetch_test_data.sh
#
# - Downloads the wheel road-collisions-ireland==0.0.12 from PyPI with
#   `pip download --no-deps --require-hashes` (sha256 pinned below) into a temporary
#   directory. Nothing is installed and the package is not imported.
# - Reads road_collisions_ireland/resources/ireland/ireland.csv.tgz out of the wheel
#   and extracts its only member, ireland.csv (already plain ASCII/UTF-8 CSV, LF line
#   ends, comma-separated, no quoting), byte for byte to
#   testdata/cache/ireland/collisions.csv. All 36 columns, original names (the first
#   header is the empty string: it is the pandas row index 0..68935).
# - Writes testdata/cache/ireland/expected.json: counts computed from the CSV (total,
#   by year, by severity, ..., invalid coordinates, lon/lat min/max) and, when Python
#   has tomllib (3.11+), what data/mappings/ireland.toml's value maps accept/reject.
# - Idempotent: the download is skipped when collisions.csv exists with the expected
#   sha256 and 68,936 data rows. expected.json is always rewritten (deterministic).
# - Prints the CSV's absolute path on stdout (progress goes to stderr).
#
# Licence of the data: the wheel is released into the public domain (Unlicense,
# road_collisions_ireland-0.0.12.dist-info/LICENSE). Upstream data: Ireland's Road
# Safety Authority collision map, as collected by the package author.
#
# Environment: PYTHON (default python3) must have pip. Needs only PyPI.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

PYTHON=${PYTHON:-python3}
PKG=road-collisions-ireland
VERSION=0.0.12
WHEEL=road_collisions_ireland-0.0.12-py3-none-any.whl
WHEEL_SHA256=d8ae5726cb35abfc205173e44d2ce92bd8d79bc5ea99e372e842f87201d348f0
MEMBER=road_collisions_ireland/resources/ireland/ireland.csv.tgz
CSV_SHA256=e119cca86b96b40fd6bf0063cb1b739cc5e5a93d37b22fabd8d5ea1346623d3f
ROWS=68936

OUT_DIR=$ROOT/testdata/cache/ireland
CSV=$OUT_DIR/collisions.csv
EXPECTED=$OUT_DIR/expected.json
MAPPING=$ROOT/data/mappings/ireland.toml

log() { echo "[fetch_test_data] $*" >&2; }

mkdir -p "$OUT_DIR"

# 0 when $CSV holds the expected bytes and row count.
csv_ok() {
    [[ -f $CSV ]] || return 1
    CSV="$CSV" CSV_SHA256="$CSV_SHA256" ROWS="$ROWS" "$PYTHON" - <<'PY'
import csv, hashlib, os, sys
path = os.environ["CSV"]
with open(path, "rb") as f:
    if hashlib.sha256(f.read()).hexdigest() != os.environ["CSV_SHA256"]:
        sys.exit(1)
with open(path, newline="", encoding="utf-8") as f:
    n = sum(1 for _ in csv.DictReader(f))
sys.exit(0 if n == int(os.environ["ROWS"]) else 1)
PY
}

if csv_ok; then
    log "$CSV already present ($ROWS rows, sha256 ok); skipping download"
else
    TMP=$(mktemp -d)
    trap 'rm -rf "$TMP"' EXIT
    printf '%s==%s --hash=sha256:%s\n' "$PKG" "$VERSION" "$WHEEL_SHA256" >"$TMP/requirements.txt"
    log "downloading $PKG==$VERSION from PyPI"
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
        -r "$TMP/requirements.txt" -d "$TMP/dl" >&2
    got=$(sha256sum "$TMP/dl/$WHEEL" | cut -d' ' -f1)
    if [[ $got != "$WHEEL_SHA256" ]]; then
        log "sha256 mismatch for $WHEEL: got $got, want $WHEEL_SHA256"
        exit 1
    fi
    WHEEL_PATH="$TMP/dl/$WHEEL" MEMBER="$MEMBER" CSV="$CSV" CSV_SHA256="$CSV_SHA256" \
        ROWS="$ROWS" "$PYTHON" - <<'PY'
import csv, hashlib, io, os, sys, tarfile, zipfile
with zipfile.ZipFile(os.environ["WHEEL_PATH"]) as z:
    tgz = z.read(os.environ["MEMBER"])
with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as t:
    members = [m for m in t.getmembers() if m.isfile()]
    if [m.name for m in members] != ["ireland.csv"]:
        sys.exit(f"unexpected archive members: {[m.name for m in members]}")
    data = t.extractfile(members[0]).read()
if hashlib.sha256(data).hexdigest() != os.environ["CSV_SHA256"]:
    sys.exit("sha256 mismatch for ireland.csv")
text = data.decode("utf-8")  # plain ASCII in 0.0.12; fails loudly otherwise
n = sum(1 for _ in csv.DictReader(io.StringIO(text, newline="")))
if n != int(os.environ["ROWS"]):
    sys.exit(f"expected {os.environ['ROWS']} rows, got {n}")
out = os.environ["CSV"]
tmp = out + ".part"
with open(tmp, "wb") as f:
    f.write(data)
os.replace(tmp, out)
PY
    log "wrote $CSV"
fi

CSV="$CSV" EXPECTED="$EXPECTED" MAPPING="$MAPPING" PKG="$PKG" VERSION="$VERSION" \
    WHEEL="$WHEEL" WHEEL_SHA256="$WHEEL_SHA256" MEMBER="$MEMBER" CSV_SHA256="$CSV_SHA256" \
    "$PYTHON" - <<'PY'
import collections, csv, json, math, os

env = os.environ
with open(env["CSV"], newline="", encoding="utf-8") as f:
    reader = csv.DictReader(f)
    columns = list(reader.fieldnames)
    rows = list(reader)

def counts(key):
    c = collections.Counter(r[key] for r in rows)
    return {k: c[k] for k in sorted(c, key=lambda k: (-c[k], k))}

def coord(r):
    """(lon, lat) as floats, or None when missing/unparsable/non-finite/out of range/(0,0)."""
    try:
        lon, lat = float(r["lng"]), float(r["lat"])
    except ValueError:
        return None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or (lon == 0 and lat == 0):
        return None
    return lon, lat

good = [c for c in map(coord, rows) if c is not None]
lons = [c[0] for c in good]
lats = [c[1] for c in good]
# Island of Ireland, generous box: anything outside is suspicious.
outside = sum(1 for lon, lat in good if not (-11.0 <= lon <= -5.4 and 51.2 <= lat <= 55.5))

rows_by_year = counts("year")
expected = {
    "source": {
        "package": env["PKG"],
        "version": env["VERSION"],
        "wheel": env["WHEEL"],
        "wheel_sha256": env["WHEEL_SHA256"],
        "member": env["MEMBER"] + " -> ireland.csv",
        "csv_sha256": env["CSV_SHA256"],
        "licence": "public domain (Unlicense, dist-info/LICENSE)",
    },
    "columns": columns,
    "total_rows": len(rows),
    "rows_by_year": {k: rows_by_year[k] for k in sorted(rows_by_year)},
    "rows_by_severity": counts("severity"),
    "rows_by_weekday": counts("weekday"),
    "rows_by_hour": counts("hour"),
    "rows_invalid_coordinates": len(rows) - len(good),
    "rows_outside_ireland_bbox": outside,
    "lon_min": min(lons),
    "lon_max": max(lons),
    "lat_min": min(lats),
    "lat_max": max(lats),
    "crs": "EPSG:4326",
    "sum_num_fatal": sum(int(r["num_fatal"]) for r in rows),
    "sum_num_serious": sum(int(r["num_serious"]) for r in rows),
    "sum_num_minor": sum(int(r["num_minor"]) for r in rows),
    "rows_with_num_fatal_gt_0": sum(1 for r in rows if int(r["num_fatal"]) > 0),
    "distinct_row_index": len({r[""] for r in rows}),
}

# What data/mappings/ireland.toml's value maps do to this file (needs tomllib).
try:
    import tomllib
except ImportError:
    tomllib = None
if tomllib is not None and os.path.exists(env["MAPPING"]):
    with open(env["MAPPING"], "rb") as f:
        mapping = tomllib.load(f)
    per_column = {}
    bad_rows = {}
    for canon, spec in mapping["columns"].items():
        if not (isinstance(spec, dict) and "map" in spec):
            continue
        src, vmap = spec["column"], spec["map"]
        mapped = collections.Counter()
        for r in rows:
            v = r[src]
            if v in vmap:
                mapped[vmap[v]] += 1
            else:
                bad_rows.setdefault(r[""], []).append(f"{canon}: unmapped {src}={v!r}")
        per_column[canon] = {k: mapped[k] for k in sorted(mapped)}
    expected["mapping_ireland_toml"] = {
        "value_map_counts": per_column,
        "row_errors": len(bad_rows),
        "rows_importable": len(rows) - len(bad_rows),
        "row_error_details": {k: bad_rows[k] for k in sorted(bad_rows, key=int)},
    }

tmp = env["EXPECTED"] + ".part"
with open(tmp, "w", encoding="utf-8") as f:
    json.dump(expected, f, indent=2, ensure_ascii=False)
    f.write("\n")
os.replace(tmp, env["EXPECTED"])
PY
log "wrote $EXPECTED"

echo "$CSV"
