"""Helper of bench/dbscan.sh: prepare the point files, run scikit-learn, compare."""
import csv
import math
import sys
import time

import numpy as np

R = 6371008.8


def prepare(src, real_out, big_out, big_n, jitter_m="100"):
    lon, lat = [], []
    bad = 0
    with open(src, newline="") as f:
        for row in csv.DictReader(f):
            try:
                x, y = float(row["lng"]), float(row["lat"])
            except (KeyError, ValueError):
                bad += 1
                continue
            if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
                bad += 1
                continue
            lon.append(x)
            lat.append(y)
    lon, lat = np.array(lon), np.array(lat)
    print(f"real points: {len(lon)} (dropped {bad} with invalid coordinates)")
    np.savetxt(real_out, np.column_stack([lon, lat]), delimiter=",", header="lon,lat", comments="", fmt="%.9f")
    rng = np.random.default_rng(42)
    n = int(big_n)
    idx = np.arange(n) % len(lon)
    r = float(jitter_m) * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * np.pi
    blat = lat[idx] + np.degrees(r * np.sin(a) / R)
    blon = lon[idx] + np.degrees(r * np.cos(a) / (R * np.cos(np.radians(lat[idx]))))
    # The first copy of each real point stays exact.
    first = np.arange(n) < len(lon)
    blat[first], blon[first] = lat[idx[first]], lon[idx[first]]
    np.savetxt(big_out, np.column_stack([blon, blat]), delimiter=",", header="lon,lat", comments="", fmt="%.9f")
    print(f"big points: {n} (replicated with jitter in a {float(jitter_m):g} m disc)")


def sklearn_run(path, eps_m, minp, out):
    from sklearn.cluster import DBSCAN

    xy = np.loadtxt(path, delimiter=",", skiprows=1)
    X = np.radians(xy[:, [1, 0]])  # haversine wants [lat, lon]
    t = time.perf_counter()
    db = DBSCAN(eps=float(eps_m) / R, min_samples=int(minp), metric="haversine", algorithm="ball_tree").fit(X)
    dt = time.perf_counter() - t
    core = np.zeros(len(X), dtype=np.int8)
    core[db.core_sample_indices_] = 1
    np.save(out + ".labels.npy", db.labels_)
    np.save(out + ".core.npy", core)
    with open(out + ".time", "w") as f:
        f.write(f"{dt}\n")
    print(f"scikit-learn: fit {dt:.2f} s, {db.labels_.max() + 1} clusters, {len(db.core_sample_indices_)} core")


def compare(sk, atgt_labels, atgt_err):
    sl = np.load(sk + ".labels.npy")
    core = np.load(sk + ".core.npy").astype(bool)
    al = np.loadtxt(atgt_labels, dtype=np.int64)
    assert len(al) == len(sl), f"{len(al)} atgt labels vs {len(sl)} points"
    err = open(atgt_err).read()
    stats = [l for l in err.splitlines() if l.startswith("dbscan:")][0]
    atgt_core = int(stats.split(" core,")[0].split()[-1])
    ambiguous = int(stats.split(" border points within reach")[0].split()[-1])
    problems = []
    if atgt_core != core.sum():
        problems.append(f"core points: atgt {atgt_core}, scikit-learn {core.sum()}")
    if not np.array_equal(sl == -1, al == -1):
        problems.append(f"noise differs at {(np.not_equal(sl == -1, al == -1)).sum()} points")
    # Renaming from scikit-learn's labels to atgt's, on core points: a bijection.
    pairs = set(zip(sl[core].tolist(), al[core].tolist()))
    fwd, back = {}, {}
    for s, a in pairs:
        if fwd.setdefault(s, a) != a or back.setdefault(a, s) != s:
            problems.append(f"cluster {s} (scikit-learn) and {a} (atgt) do not correspond")
            break
    border = (~core) & (sl != -1)
    differ = int(sum(1 for s, a in zip(sl[border].tolist(), al[border].tolist()) if fwd.get(s) != a))
    identical = bool(np.array_equal(sl, al))
    t_sk = float(open(sk + ".time").read())
    t_line = [l for l in err.splitlines() if "Elapsed (wall clock)" in l][0].split()[-1]
    m, s = t_line.split(":")[-2:]
    t_atgt = float(m) * 60 + float(s)
    print(f"agreement: {len(sl)} points, {int(core.sum())} core, {int(border.sum())} border, {int((sl == -1).sum())} noise; "
          f"labels identical (not only up to renaming): {identical}; border points labelled differently: {differ}; "
          f"border points within reach of 2+ clusters: {ambiguous}")
    print(f"times: scikit-learn fit {t_sk:.2f} s, atgt whole command {t_atgt:.2f} s, ratio {t_sk / max(t_atgt, 1e-3):.1f}x")
    if problems or differ > ambiguous:
        print("MISMATCH: " + "; ".join(problems or [f"{differ} border points differ"]))
        sys.exit(1)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "prepare":
        prepare(*sys.argv[2:])
    elif cmd == "sklearn":
        sklearn_run(*sys.argv[2:])
    elif cmd == "compare":
        compare(*sys.argv[2:])
