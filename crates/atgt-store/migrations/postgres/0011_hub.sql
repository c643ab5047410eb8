-- Shared data hub (issue 8): records partner agencies sync (vehicles and their
-- registration history, inspection certificates, driver licences, training and test
-- results, transport businesses, badges, truck-bed measurements), the change feed
-- partners pull, and the log of every read of personal data.
--
-- Every record is identified by the partner that sent it and the partner's own record
-- id, with the partner's version: a re-sent version changes nothing, an older one is
-- refused. Local dates are 'YYYY-MM-DD' text; instants are UTC microseconds.
-- Owners' and holders' names, ID numbers and addresses are personal data (Law
-- 91/2025/QH15): the web layer shows them only to roles that need them, and logs reads.

CREATE TABLE hub_vehicles (
    id              BIGSERIAL PRIMARY KEY,
    partner         TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    version         BIGINT NOT NULL,
    plate_key       TEXT NOT NULL,
    plate_display   TEXT NOT NULL,
    colour          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    make            TEXT NOT NULL,
    seats           BIGINT,
    load_kg         BIGINT,
    owner_kind      TEXT NOT NULL,
    owner_name      TEXT NOT NULL,
    owner_name_fold TEXT NOT NULL,
    owner_id_no     TEXT NOT NULL,
    owner_address   TEXT NOT NULL,
    registered_on   TEXT NOT NULL,
    business_id     TEXT,
    gps_status      TEXT,
    updated_at_us   BIGINT NOT NULL,
    UNIQUE (partner, record_id)
);
CREATE INDEX hub_vehicles_plate ON hub_vehicles (plate_key);
CREATE INDEX hub_vehicles_owner ON hub_vehicles (owner_id_no);

-- Registration history: every applied version of a vehicle record (transfers show as
-- a change of owner). Append-only.
CREATE TABLE hub_vehicle_history (
    partner       TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    version       BIGINT NOT NULL,
    at_us         BIGINT NOT NULL,
    plate_key     TEXT NOT NULL,
    plate_display TEXT NOT NULL,
    owner_kind    TEXT NOT NULL,
    owner_name    TEXT NOT NULL,
    owner_id_no   TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    PRIMARY KEY (partner, record_id, version)
);
CREATE INDEX hub_vehicle_history_plate ON hub_vehicle_history (plate_key);

CREATE TABLE hub_inspections (
    id             BIGSERIAL PRIMARY KEY,
    partner        TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    version        BIGINT NOT NULL,
    plate_key      TEXT NOT NULL,
    plate_display  TEXT NOT NULL,
    certificate_no TEXT NOT NULL,
    station        TEXT NOT NULL,
    inspected_on   TEXT NOT NULL,
    valid_until    TEXT NOT NULL,
    result         TEXT NOT NULL,
    bed_length_mm  BIGINT,
    bed_width_mm   BIGINT,
    bed_height_mm  BIGINT,
    updated_at_us  BIGINT NOT NULL,
    UNIQUE (partner, record_id)
);
CREATE INDEX hub_inspections_plate ON hub_inspections (plate_key, inspected_on);

CREATE TABLE hub_licences (
    id               BIGSERIAL PRIMARY KEY,
    partner          TEXT NOT NULL,
    record_id        TEXT NOT NULL,
    version          BIGINT NOT NULL,
    licence_no       TEXT NOT NULL,
    class            TEXT NOT NULL,
    holder_name      TEXT NOT NULL,
    holder_name_fold TEXT NOT NULL,
    holder_id_no     TEXT NOT NULL,
    holder_address   TEXT NOT NULL,
    birth_date       TEXT,
    issued_on        TEXT NOT NULL,
    expires_on       TEXT,
    suspended_until  TEXT,
    updated_at_us    BIGINT NOT NULL,
    UNIQUE (partner, record_id)
);
CREATE INDEX hub_licences_no ON hub_licences (licence_no);
CREATE INDEX hub_licences_holder ON hub_licences (holder_id_no);

CREATE TABLE hub_training (
    id            BIGSERIAL PRIMARY KEY,
    partner       TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    version       BIGINT NOT NULL,
    holder_id_no  TEXT NOT NULL,
    centre        TEXT NOT NULL,
    course        TEXT NOT NULL,
    class         TEXT NOT NULL,
    test_on       TEXT NOT NULL,
    result        TEXT NOT NULL,
    updated_at_us BIGINT NOT NULL,
    UNIQUE (partner, record_id)
);
CREATE INDEX hub_training_holder ON hub_training (holder_id_no);

CREATE TABLE hub_businesses (
    id            BIGSERIAL PRIMARY KEY,
    partner       TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    version       BIGINT NOT NULL,
    name          TEXT NOT NULL,
    name_fold     TEXT NOT NULL,
    tax_code      TEXT NOT NULL,
    licence_no    TEXT NOT NULL,
    address       TEXT NOT NULL,
    updated_at_us BIGINT NOT NULL,
    UNIQUE (partner, record_id)
);

CREATE TABLE hub_badges (
    id            BIGSERIAL PRIMARY KEY,
    partner       TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    version       BIGINT NOT NULL,
    plate_key     TEXT NOT NULL,
    plate_display TEXT NOT NULL,
    business_id   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    valid_from    TEXT NOT NULL,
    valid_until   TEXT NOT NULL,
    updated_at_us BIGINT NOT NULL,
    UNIQUE (partner, record_id)
);
CREATE INDEX hub_badges_plate ON hub_badges (plate_key);

CREATE TABLE hub_measurements (
    id            BIGSERIAL PRIMARY KEY,
    partner       TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    version       BIGINT NOT NULL,
    plate_key     TEXT NOT NULL,
    plate_display TEXT NOT NULL,
    measured_on   TEXT NOT NULL,
    place         TEXT NOT NULL,
    bed_length_mm BIGINT NOT NULL,
    bed_width_mm  BIGINT NOT NULL,
    bed_height_mm BIGINT NOT NULL,
    updated_at_us BIGINT NOT NULL,
    UNIQUE (partner, record_id)
);
CREATE INDEX hub_measurements_plate ON hub_measurements (plate_key);

-- Crash vehicles by the plate's match key (the vehicle page gathers a plate's crashes).
CREATE INDEX crash_vehicles_plate_key ON crash_vehicles
    (REPLACE(REPLACE(REPLACE(UPPER(plate), '-', ''), '.', ''), ' ', ''));

-- The change feed: one row per applied record version; partners pull with
-- `since` = the last seq they saw.
CREATE TABLE hub_changes (
    seq         BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL,
    partner     TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    version     BIGINT NOT NULL,
    subject_key TEXT NOT NULL,
    at_us       BIGINT NOT NULL
);

-- Every read of personal data (owners, licence holders, people of a crash): who, whose,
-- what, why, when and how. Append-only.
CREATE TABLE pd_access_log (
    id           BIGSERIAL PRIMARY KEY,
    at_us        BIGINT NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     BIGINT NOT NULL,
    actor_name   TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    record       TEXT NOT NULL,
    fields       TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    via          TEXT NOT NULL
);
CREATE INDEX pd_access_log_subject ON pd_access_log (subject_id, at_us);
CREATE FUNCTION hub_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER pd_access_log_append_only BEFORE UPDATE OR DELETE ON pd_access_log
FOR EACH ROW EXECUTE FUNCTION hub_append_only();
CREATE TRIGGER hub_vehicle_history_append_only BEFORE UPDATE OR DELETE ON hub_vehicle_history
FOR EACH ROW EXECUTE FUNCTION hub_append_only();
