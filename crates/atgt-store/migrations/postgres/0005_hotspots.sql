-- Black spots and potential spots (issue 5): the spots found by screening or by a site
-- inspection, their lifecycle (every transition is an event here and an entry in the
-- audit chain) and their survey photos (files of the evidence store).

CREATE TABLE spots (
    id                BIGSERIAL PRIMARY KEY,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL,
    method            TEXT NOT NULL,
    status            TEXT NOT NULL,
    road_code         TEXT,
    km_from           DOUBLE PRECISION,
    km_to             DOUBLE PRECISION,
    km                DOUBLE PRECISION,
    lon               DOUBLE PRECISION,
    lat               DOUBLE PRECISION,
    rule_set          TEXT NOT NULL DEFAULT '',
    clause            TEXT NOT NULL DEFAULT '',
    provision         TEXT NOT NULL DEFAULT '',
    window_from       TEXT,
    window_to         TEXT,
    crash_ids         TEXT NOT NULL DEFAULT '',
    crashes           BIGINT NOT NULL DEFAULT 0,
    fatal             BIGINT NOT NULL DEFAULT 0,
    injury            BIGINT NOT NULL DEFAULT 0,
    confirmed_by      TEXT,
    confirmed_at_us   BIGINT,
    survey_notes      TEXT NOT NULL DEFAULT '',
    measures          TEXT NOT NULL DEFAULT '',
    cost_vnd          BIGINT,
    responsible_unit  TEXT NOT NULL DEFAULT '',
    deadline          TEXT,
    proposal          TEXT NOT NULL DEFAULT '',
    treated_on        TEXT,
    created_at_us     BIGINT NOT NULL,
    created_by        TEXT NOT NULL,
    updated_at_us     BIGINT NOT NULL
);
CREATE INDEX spots_status ON spots (status, deadline);
CREATE INDEX spots_road ON spots (road_code, km);

CREATE TABLE spot_events (
    spot_id     BIGINT NOT NULL REFERENCES spots (id),
    seq         BIGINT NOT NULL,
    at_us       BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (spot_id, seq)
);

CREATE TABLE spot_files (
    spot_id     BIGINT NOT NULL REFERENCES spots (id),
    sha256      TEXT NOT NULL REFERENCES files (sha256),
    caption     TEXT NOT NULL DEFAULT '',
    added_at_us BIGINT NOT NULL,
    added_by    TEXT NOT NULL,
    PRIMARY KEY (spot_id, sha256)
);
