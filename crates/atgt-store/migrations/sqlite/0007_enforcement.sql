-- Cameras and violation processing (issue 6): the camera register, plate reads
-- ingested in sealed batches, violation cases with their history, licence points.

CREATE TABLE cameras (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL,
    route             TEXT,
    km                REAL,
    lon               REAL,
    lat               REAL,
    direction         TEXT NOT NULL DEFAULT '',
    owner_org_id      INTEGER REFERENCES orgs (id),
    vendor            TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'active',
    installed_at_us   INTEGER NOT NULL,
    last_seen_us      INTEGER
);

-- A section (average-speed control) from an entry camera to an exit camera.
CREATE TABLE camera_sections (
    id           INTEGER PRIMARY KEY,
    entry_camera TEXT NOT NULL REFERENCES cameras (id),
    exit_camera  TEXT NOT NULL REFERENCES cameras (id),
    length_m     REAL NOT NULL,
    UNIQUE (entry_camera, exit_camera)
);

-- Heartbeats, one row per camera per minute it reported in (reads count too).
CREATE TABLE camera_heartbeats (
    camera_id TEXT NOT NULL REFERENCES cameras (id),
    minute    INTEGER NOT NULL,
    PRIMARY KEY (camera_id, minute)
) WITHOUT ROWID;

-- One row per ingest request that added reads; its hash over the reads is sealed by
-- the audit entry of the same transaction.
CREATE TABLE read_batches (
    id          INTEGER PRIMARY KEY,
    received_us INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    reads       INTEGER NOT NULL,
    first_id    INTEGER NOT NULL,
    last_id     INTEGER NOT NULL,
    hash        TEXT NOT NULL
);

CREATE TABLE plate_reads (
    id            INTEGER PRIMARY KEY,
    event_id      TEXT NOT NULL UNIQUE,
    camera_id     TEXT NOT NULL,
    read_at_us    INTEGER NOT NULL,
    plate_raw     TEXT NOT NULL,
    plate_key     TEXT NOT NULL,
    plate_display TEXT NOT NULL,
    readable      INTEGER NOT NULL,
    confidence    REAL,
    speed_kmh     REAL,
    lane          INTEGER,
    vehicle_class TEXT,
    image_sha256  TEXT,
    batch_id      INTEGER
);
CREATE INDEX plate_reads_time ON plate_reads (read_at_us);

CREATE TABLE violation_cases (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    dedup_key      TEXT NOT NULL UNIQUE,
    plate_key      TEXT NOT NULL,
    plate_display  TEXT NOT NULL,
    camera_id      TEXT,
    detected_at_us INTEGER NOT NULL,
    state          TEXT NOT NULL,
    behaviour      TEXT NOT NULL,
    measured       REAL,
    fine_vnd       INTEGER,
    pending_json   TEXT,
    evidence       TEXT NOT NULL,
    licence_no     TEXT,
    officer_id     INTEGER,
    notice_at_us   INTEGER,
    version        INTEGER NOT NULL,
    row_hash       TEXT NOT NULL,
    updated_at_us  INTEGER NOT NULL
);
CREATE INDEX violation_cases_state ON violation_cases (state, detected_at_us);
CREATE INDEX violation_cases_plate ON violation_cases (plate_key);

-- The history of a case: every action, who and why (append-only).
CREATE TABLE case_events (
    case_id    INTEGER NOT NULL REFERENCES violation_cases (id),
    seq        INTEGER NOT NULL,
    at_us      INTEGER NOT NULL,
    actor_id   INTEGER NOT NULL,
    actor_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (case_id, seq)
);
