-- The crash registry. `crashes` holds the current version of each crash, denormalised
-- for statistics; `crash_versions` keeps every version (append-only): a correction or
-- a later death makes a new version, never an overwrite.

CREATE TABLE crashes (
    id                  BIGSERIAL PRIMARY KEY,
    external_id         TEXT UNIQUE,
    version             BIGINT NOT NULL,
    occurred_at_us      BIGINT NOT NULL,
    time_precision      TEXT NOT NULL,
    local_date          TEXT NOT NULL,
    year                BIGINT NOT NULL,
    month               BIGINT,
    weekday             BIGINT,
    hour                BIGINT,
    hour_band           BIGINT,
    admin_scheme        TEXT,
    commune_code        TEXT,
    cur_commune_code    TEXT,
    cur_province_code   TEXT,
    old_district_code   TEXT,
    road_id             BIGINT REFERENCES roads (id),
    road_code           TEXT,
    km                  DOUBLE PRECISION,
    lon                 DOUBLE PRECISION,
    lat                 DOUBLE PRECISION,
    deaths              BIGINT NOT NULL,
    injured             BIGINT NOT NULL,
    property_damage_vnd BIGINT NOT NULL,
    class               TEXT NOT NULL,
    class_provision     TEXT NOT NULL,
    class_confirmed     BOOLEAN NOT NULL,
    class_provisional   BOOLEAN NOT NULL,
    severity            TEXT,
    description         TEXT NOT NULL DEFAULT '',
    investigating_org_id BIGINT REFERENCES orgs (id),
    weather             TEXT,
    light               TEXT,
    vehicle_types       TEXT NOT NULL DEFAULT '',
    causes              TEXT NOT NULL DEFAULT '',
    synthetic           BOOLEAN NOT NULL DEFAULT FALSE,
    source              TEXT NOT NULL,
    content_hash        TEXT NOT NULL,
    created_at_us       BIGINT NOT NULL,
    updated_at_us       BIGINT NOT NULL
);
CREATE INDEX crashes_date ON crashes (local_date);
CREATE INDEX crashes_commune ON crashes (cur_commune_code, local_date);
CREATE INDEX crashes_road ON crashes (road_code, km);

CREATE TABLE crash_people (
    crash_id        BIGINT NOT NULL REFERENCES crashes (id),
    idx             BIGINT NOT NULL,
    role            TEXT NOT NULL,
    age_group       TEXT,
    sex             TEXT,
    outcome         TEXT NOT NULL,
    injury_rate     DOUBLE PRECISION,
    died_after_days BIGINT,
    alcohol_breath_mg_l DOUBLE PRECISION,
    alcohol_blood_mg_100ml DOUBLE PRECISION,
    vehicle_idx     BIGINT,
    PRIMARY KEY (crash_id, idx)
);

CREATE TABLE crash_vehicles (
    crash_id     BIGINT NOT NULL REFERENCES crashes (id),
    idx          BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    plate        TEXT,
    registration_province TEXT,
    PRIMARY KEY (crash_id, idx)
);
CREATE INDEX crash_vehicles_kind ON crash_vehicles (kind);

CREATE TABLE crash_causes (
    crash_id BIGINT NOT NULL REFERENCES crashes (id),
    cause    TEXT NOT NULL,
    PRIMARY KEY (crash_id, cause)
);

CREATE TABLE crash_versions (
    crash_id BIGINT NOT NULL REFERENCES crashes (id),
    version  BIGINT NOT NULL,
    at_us    BIGINT NOT NULL,
    actor    TEXT NOT NULL,
    reason   TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    PRIMARY KEY (crash_id, version)
);
CREATE FUNCTION crash_versions_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'crash_versions is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER crash_versions_no_update BEFORE UPDATE OR DELETE ON crash_versions
FOR EACH ROW EXECUTE FUNCTION crash_versions_append_only();

-- Rules held as data and editable by an administrator (crash classes now; black-spot
-- criteria and fines later): the current text of each rule file, with who changed it.
CREATE TABLE rule_files (
    name          TEXT PRIMARY KEY,
    content       TEXT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at_us BIGINT NOT NULL
);

-- Monthly totals by area, road and class, kept in the same transaction as every crash
-- change: the three criteria over whole months read this instead of every crash.
-- month is 0 when only the year is known.
CREATE TABLE crash_rollup (
    year              BIGINT NOT NULL,
    month             BIGINT NOT NULL,
    cur_commune_code  TEXT NOT NULL,
    cur_province_code TEXT NOT NULL,
    old_district_code TEXT NOT NULL,
    road_code         TEXT NOT NULL,
    class             TEXT NOT NULL,
    crashes           BIGINT NOT NULL,
    deaths            BIGINT NOT NULL,
    injured           BIGINT NOT NULL,
    PRIMARY KEY (year, month, cur_commune_code, old_district_code, road_code, class)
);
