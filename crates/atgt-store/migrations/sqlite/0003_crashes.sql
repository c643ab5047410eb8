-- The crash registry. `crashes` holds the current version of each crash, denormalised
-- for statistics; `crash_versions` keeps every version (append-only): a correction or
-- a later death makes a new version, never an overwrite.

CREATE TABLE crashes (
    id                  INTEGER PRIMARY KEY,
    external_id         TEXT UNIQUE,
    version             INTEGER NOT NULL,
    occurred_at_us      INTEGER NOT NULL,
    time_precision      TEXT NOT NULL,
    local_date          TEXT NOT NULL,
    year                INTEGER NOT NULL,
    month               INTEGER,
    weekday             INTEGER,
    hour                INTEGER,
    hour_band           INTEGER,
    admin_scheme        TEXT,
    commune_code        TEXT,
    cur_commune_code    TEXT,
    cur_province_code   TEXT,
    old_district_code   TEXT,
    road_id             INTEGER REFERENCES roads (id),
    road_code           TEXT,
    km                  REAL,
    lon                 REAL,
    lat                 REAL,
    deaths              INTEGER NOT NULL,
    injured             INTEGER NOT NULL,
    property_damage_vnd INTEGER NOT NULL,
    class               TEXT NOT NULL,
    class_provision     TEXT NOT NULL,
    class_confirmed     BOOLEAN NOT NULL,
    class_provisional   BOOLEAN NOT NULL,
    severity            TEXT,
    description         TEXT NOT NULL DEFAULT '',
    investigating_org_id INTEGER REFERENCES orgs (id),
    weather             TEXT,
    light               TEXT,
    vehicle_types       TEXT NOT NULL DEFAULT '',
    causes              TEXT NOT NULL DEFAULT '',
    synthetic           BOOLEAN NOT NULL DEFAULT 0,
    source              TEXT NOT NULL,
    content_hash        TEXT NOT NULL,
    created_at_us       INTEGER NOT NULL,
    updated_at_us       INTEGER NOT NULL
);
CREATE INDEX crashes_date ON crashes (local_date);
CREATE INDEX crashes_commune ON crashes (cur_commune_code, local_date);
CREATE INDEX crashes_road ON crashes (road_code, km);

CREATE TABLE crash_people (
    crash_id        INTEGER NOT NULL REFERENCES crashes (id),
    idx             INTEGER NOT NULL,
    role            TEXT NOT NULL,
    age_group       TEXT,
    sex             TEXT,
    outcome         TEXT NOT NULL,
    injury_rate     REAL,
    died_after_days INTEGER,
    alcohol_breath_mg_l REAL,
    alcohol_blood_mg_100ml REAL,
    vehicle_idx     INTEGER,
    PRIMARY KEY (crash_id, idx)
);

CREATE TABLE crash_vehicles (
    crash_id     INTEGER NOT NULL REFERENCES crashes (id),
    idx          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    plate        TEXT,
    registration_province TEXT,
    PRIMARY KEY (crash_id, idx)
);
CREATE INDEX crash_vehicles_kind ON crash_vehicles (kind);

CREATE TABLE crash_causes (
    crash_id INTEGER NOT NULL REFERENCES crashes (id),
    cause    TEXT NOT NULL,
    PRIMARY KEY (crash_id, cause)
);

CREATE TABLE crash_versions (
    crash_id INTEGER NOT NULL REFERENCES crashes (id),
    version  INTEGER NOT NULL,
    at_us    INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    reason   TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (crash_id, version)
);
CREATE TRIGGER crash_versions_no_update BEFORE UPDATE ON crash_versions
BEGIN SELECT RAISE(ABORT, 'crash_versions is append-only'); END;
CREATE TRIGGER crash_versions_no_delete BEFORE DELETE ON crash_versions
BEGIN SELECT RAISE(ABORT, 'crash_versions is append-only'); END;

-- Rules held as data and editable by an administrator (crash classes now; black-spot
-- criteria and fines later): the current text of each rule file, with who changed it.
CREATE TABLE rule_files (
    name          TEXT PRIMARY KEY,
    content       TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at_us INTEGER NOT NULL
);

-- Monthly totals by area, road and class, kept in the same transaction as every crash
-- change: the three criteria over whole months read this instead of every crash.
-- month is 0 when only the year is known.
CREATE TABLE crash_rollup (
    year              INTEGER NOT NULL,
    month             INTEGER NOT NULL,
    cur_commune_code  TEXT NOT NULL,
    cur_province_code TEXT NOT NULL,
    old_district_code TEXT NOT NULL,
    road_code         TEXT NOT NULL,
    class             TEXT NOT NULL,
    crashes           INTEGER NOT NULL,
    deaths            INTEGER NOT NULL,
    injured           INTEGER NOT NULL,
    PRIMARY KEY (year, month, cur_commune_code, old_district_code, road_code, class)
);
