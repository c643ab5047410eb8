-- Cameras and violation processing (issue 6): the camera register, plate reads
-- ingested in sealed batches, violation cases with their history, licence points.

CREATE TABLE cameras (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL,
    route             TEXT,
    km                DOUBLE PRECISION,
    lon               DOUBLE PRECISION,
    lat               DOUBLE PRECISION,
    direction         TEXT NOT NULL DEFAULT '',
    owner_org_id      BIGINT REFERENCES orgs (id),
    vendor            TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'active',
    installed_at_us   BIGINT NOT NULL,
    last_seen_us      BIGINT
);

-- A section (average-speed control) from an entry camera to an exit camera.
CREATE TABLE camera_sections (
    id           BIGSERIAL PRIMARY KEY,
    entry_camera TEXT NOT NULL REFERENCES cameras (id),
    exit_camera  TEXT NOT NULL REFERENCES cameras (id),
    length_m     DOUBLE PRECISION NOT NULL,
    UNIQUE (entry_camera, exit_camera)
);

-- Heartbeats, one row per camera per minute it reported in (reads count too).
CREATE TABLE camera_heartbeats (
    camera_id TEXT NOT NULL REFERENCES cameras (id),
    minute    BIGINT NOT NULL,
    PRIMARY KEY (camera_id, minute)
);

-- One row per ingest request that added reads; its hash over the reads is sealed by
-- the audit entry of the same transaction.
CREATE TABLE read_batches (
    id          BIGSERIAL PRIMARY KEY,
    received_us BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    reads       BIGINT NOT NULL,
    first_id    BIGINT NOT NULL,
    last_id     BIGINT NOT NULL,
    hash        TEXT NOT NULL
);

CREATE TABLE plate_reads (
    id            BIGSERIAL PRIMARY KEY,
    event_id      TEXT NOT NULL UNIQUE,
    camera_id     TEXT NOT NULL,
    read_at_us    BIGINT NOT NULL,
    plate_raw     TEXT NOT NULL,
    plate_key     TEXT NOT NULL,
    plate_display TEXT NOT NULL,
    readable      BIGINT NOT NULL,
    confidence    DOUBLE PRECISION,
    speed_kmh     DOUBLE PRECISION,
    lane          BIGINT,
    vehicle_class TEXT,
    image_sha256  TEXT,
    batch_id      BIGINT
);
CREATE INDEX plate_reads_time ON plate_reads (read_at_us);

CREATE TABLE violation_cases (
    id             BIGSERIAL PRIMARY KEY,
    kind           TEXT NOT NULL,
    dedup_key      TEXT NOT NULL UNIQUE,
    plate_key      TEXT NOT NULL,
    plate_display  TEXT NOT NULL,
    camera_id      TEXT,
    detected_at_us BIGINT NOT NULL,
    state          TEXT NOT NULL,
    behaviour      TEXT NOT NULL,
    measured       DOUBLE PRECISION,
    fine_vnd       BIGINT,
    pending_json   TEXT,
    evidence       TEXT NOT NULL,
    licence_no     TEXT,
    officer_id     BIGINT,
    notice_at_us   BIGINT,
    version        BIGINT NOT NULL,
    row_hash       TEXT NOT NULL,
    updated_at_us  BIGINT NOT NULL
);
CREATE INDEX violation_cases_state ON violation_cases (state, detected_at_us);
CREATE INDEX violation_cases_plate ON violation_cases (plate_key);

-- The history of a case: every action, who and why (append-only).
CREATE TABLE case_events (
    case_id    BIGINT NOT NULL REFERENCES violation_cases (id),
    seq        BIGINT NOT NULL,
    at_us      BIGINT NOT NULL,
    actor_id   BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (case_id, seq)
);
