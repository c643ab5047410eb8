-- Plans follow-up (issue 7): the e-mail address a unit's reminders are mailed to,
-- and a task's links to other capabilities' outcomes (a black spot, an area).
ALTER TABLE orgs ADD COLUMN email TEXT NOT NULL DEFAULT '';

CREATE TABLE task_links (
    id            BIGSERIAL PRIMARY KEY,
    task_id       BIGINT NOT NULL REFERENCES tasks (id),
    kind          TEXT NOT NULL CHECK (kind IN ('spot', 'area')),
    spot_id       BIGINT REFERENCES spots (id),
    area_scheme   TEXT,
    area_code     TEXT,
    created_at_us BIGINT NOT NULL
);
CREATE INDEX task_links_task ON task_links (task_id);
