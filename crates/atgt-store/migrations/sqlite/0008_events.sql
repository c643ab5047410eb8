-- Events (seed plan II.5–II.6): tourist peaks, parking areas and their occupancy,
-- stretches where stopping causes danger or congestion, diversion plans with their
-- activations, congestion incidents, training courses, rescue response times of crashes.
-- Local dates are 'YYYY-MM-DD' text; instants are UTC microseconds. Every write is
-- audited in the same transaction.

CREATE TABLE event_peaks (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL,
    starts_on         TEXT NOT NULL,
    ends_on           TEXT NOT NULL,
    expected_visitors INTEGER NOT NULL DEFAULT 0,
    measures          TEXT NOT NULL DEFAULT '',
    created_at_us     INTEGER NOT NULL,
    created_by        TEXT NOT NULL
);
CREATE INDEX event_peaks_starts ON event_peaks (starts_on);

CREATE TABLE parking_areas (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    name_fold         TEXT NOT NULL,
    address           TEXT NOT NULL DEFAULT '',
    commune_code      TEXT,
    lon               REAL,
    lat               REAL,
    capacity          INTEGER NOT NULL,
    operator          TEXT NOT NULL DEFAULT '',
    fee_car_vnd       INTEGER NOT NULL DEFAULT 0,
    fee_motorbike_vnd INTEGER NOT NULL DEFAULT 0,
    hours             TEXT NOT NULL DEFAULT '',
    created_at_us     INTEGER NOT NULL,
    created_by        TEXT NOT NULL
);

CREATE TABLE parking_occupancy (
    id            INTEGER PRIMARY KEY,
    area_id       INTEGER NOT NULL REFERENCES parking_areas (id),
    at_us         INTEGER NOT NULL,
    occupied      INTEGER NOT NULL,
    source        TEXT NOT NULL,
    reported_by   TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
);
CREATE INDEX parking_occupancy_area_at ON parking_occupancy (area_id, at_us);

CREATE TABLE stopping_stretches (
    id            INTEGER PRIMARY KEY,
    road_code     TEXT NOT NULL,
    km_from       REAL,
    km_to         REAL,
    place         TEXT NOT NULL,
    risk          TEXT NOT NULL,
    measures      TEXT NOT NULL DEFAULT '',
    created_at_us INTEGER NOT NULL,
    created_by    TEXT NOT NULL
);

CREATE TABLE diversion_plans (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    area          TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    geometry      TEXT NOT NULL,
    peak_id       INTEGER REFERENCES event_peaks (id),
    valid_from    TEXT NOT NULL,
    valid_until   TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    created_by    TEXT NOT NULL
);

CREATE TABLE diversion_activations (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER NOT NULL REFERENCES diversion_plans (id),
    started_at_us INTEGER NOT NULL,
    ended_at_us   INTEGER,
    started_by  TEXT NOT NULL,
    ended_by    TEXT,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX diversion_activations_plan ON diversion_activations (plan_id, started_at_us);

CREATE TABLE congestion_incidents (
    id            INTEGER PRIMARY KEY,
    started_at_us INTEGER NOT NULL,
    ended_at_us   INTEGER,
    place         TEXT NOT NULL,
    road_code     TEXT,
    commune_code  TEXT,
    lon           REAL,
    lat           REAL,
    cause         TEXT NOT NULL,
    queue_m       INTEGER NOT NULL DEFAULT 0,
    handling_unit TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    created_at_us INTEGER NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE INDEX congestion_incidents_started ON congestion_incidents (started_at_us);

CREATE TABLE training_courses (
    id            INTEGER PRIMARY KEY,
    title         TEXT NOT NULL,
    audience      TEXT NOT NULL,
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    place         TEXT NOT NULL DEFAULT '',
    organiser     TEXT NOT NULL DEFAULT '',
    created_at_us INTEGER NOT NULL,
    created_by    TEXT NOT NULL
);

CREATE TABLE training_participants (
    course_id    INTEGER NOT NULL REFERENCES training_courses (id),
    unit         TEXT NOT NULL,
    participants INTEGER NOT NULL,
    PRIMARY KEY (course_id, unit)
);

CREATE TABLE crash_response_times (
    crash_id      INTEGER PRIMARY KEY REFERENCES crashes (id),
    call_at_us    INTEGER NOT NULL,
    police_at_us  INTEGER,
    rescue_at_us  INTEGER,
    updated_at_us INTEGER NOT NULL,
    updated_by    TEXT NOT NULL
);
