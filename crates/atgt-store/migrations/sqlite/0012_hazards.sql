-- Hazards (seed plan II.4) and citizen reports: encroachment cases with their
-- recurrence at a place, railway crossings and their measures, proposals to the
-- competent authority, citizen reports (portal and Open311) with their photos and the
-- status history the reporter sees. Instants are UTC microseconds; legal dates are
-- 'YYYY-MM-DD' text; money is whole đồng. Every write is audited in its transaction.

CREATE TABLE encroachments (
    id                  INTEGER PRIMARY KEY,
    place               TEXT NOT NULL,
    kind                TEXT NOT NULL,
    commune_code        TEXT,
    responsible         TEXT NOT NULL DEFAULT '',
    lon                 REAL NOT NULL,
    lat                 REAL NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    deadline            TEXT,
    status              TEXT NOT NULL DEFAULT 'open',
    resolution          TEXT NOT NULL DEFAULT '',
    resolved_on         TEXT,
    -- The first case at this place; a re-encroachment carries its place's id.
    place_id            INTEGER,
    recurrence_of       INTEGER REFERENCES encroachments (id),
    recurrence_m        REAL,
    created_at_us       INTEGER NOT NULL,
    created_by          TEXT NOT NULL,
    updated_at_us       INTEGER NOT NULL
);
CREATE INDEX encroachments_status ON encroachments (status);
CREATE INDEX encroachments_place ON encroachments (place_id);

-- Photos of an encroachment case taken by staff (survey, after clearance).
CREATE TABLE encroachment_files (
    encroachment_id INTEGER NOT NULL REFERENCES encroachments (id),
    sha256          TEXT NOT NULL REFERENCES files (sha256),
    caption         TEXT NOT NULL DEFAULT '',
    added_at_us     INTEGER NOT NULL,
    added_by        TEXT NOT NULL,
    PRIMARY KEY (encroachment_id, sha256)
);

CREATE TABLE rail_crossings (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    line            TEXT NOT NULL,
    km              REAL NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    commune_code    TEXT,
    lon             REAL,
    lat             REAL,
    deadline        TEXT,
    created_at_us   INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at_us   INTEGER NOT NULL
);

-- Measures taken at a crossing, each with its date and the status it led to.
CREATE TABLE rail_crossing_measures (
    id              INTEGER PRIMARY KEY,
    crossing_id     INTEGER NOT NULL REFERENCES rail_crossings (id),
    on_date         TEXT NOT NULL,
    measure         TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at_us   INTEGER NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX rail_crossing_measures_crossing ON rail_crossing_measures (crossing_id);

CREATE TABLE proposals (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    road_code       TEXT,
    justification   TEXT NOT NULL,
    -- Black spots and crashes the justification rests on: comma-separated ids.
    spot_ids        TEXT NOT NULL DEFAULT '',
    crash_ids       TEXT NOT NULL DEFAULT '',
    cost_vnd        INTEGER NOT NULL DEFAULT 0,
    authority       TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    status_on       TEXT,
    status_note     TEXT NOT NULL DEFAULT '',
    lon             REAL,
    lat             REAL,
    created_at_us   INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    updated_at_us   INTEGER NOT NULL
);

CREATE TABLE citizen_reports (
    id              INTEGER PRIMARY KEY,
    token           TEXT NOT NULL UNIQUE,
    service_code    TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    attributes      TEXT NOT NULL DEFAULT '{}',
    lon             REAL,
    lat             REAL,
    address         TEXT NOT NULL DEFAULT '',
    -- Contact of the reporter: personal data, shown to triage staff only.
    email           TEXT NOT NULL DEFAULT '',
    first_name      TEXT NOT NULL DEFAULT '',
    last_name       TEXT NOT NULL DEFAULT '',
    phone           TEXT NOT NULL DEFAULT '',
    media_url       TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'received',
    status_note     TEXT NOT NULL DEFAULT '',
    duplicate_of    INTEGER REFERENCES citizen_reports (id),
    case_kind       TEXT,
    case_id         INTEGER,
    created_at_us   INTEGER NOT NULL,
    updated_at_us   INTEGER NOT NULL
);
CREATE INDEX citizen_reports_status ON citizen_reports (status, created_at_us);

-- Photos and videos of a report, cleaned of metadata; the time and place the photo
-- was taken are kept here, not in the file.
CREATE TABLE report_files (
    report_id       INTEGER NOT NULL REFERENCES citizen_reports (id),
    sha256          TEXT NOT NULL REFERENCES files (sha256),
    caption         TEXT NOT NULL DEFAULT '',
    taken_at_us     INTEGER,
    lon             REAL,
    lat             REAL,
    added_at_us     INTEGER NOT NULL,
    added_by        TEXT NOT NULL,
    PRIMARY KEY (report_id, sha256)
);

-- What the reporter sees by the tracking code: every status the report went through.
CREATE TABLE report_events (
    id              INTEGER PRIMARY KEY,
    report_id       INTEGER NOT NULL REFERENCES citizen_reports (id),
    at_us           INTEGER NOT NULL,
    status          TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_events_report ON report_events (report_id, at_us);
