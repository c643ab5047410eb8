-- Plans and accountability: plans as documents in their cascade, sections and passages,
-- tasks with one lead unit and coordinating units, progress reports, comments, lead
-- changes (hand-overs), reminders, conferences with attendees, consolidated reports.
-- Nothing here is deleted: tasks close, leads change with a trace, reports are issued
-- in new versions.

CREATE TABLE plans (
    id              BIGSERIAL PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    number          TEXT NOT NULL,
    title           TEXT NOT NULL,
    title_folded    TEXT NOT NULL,
    issuer_name     TEXT NOT NULL,
    issuer_org_id   BIGINT REFERENCES orgs (id),
    issued_on       TEXT,
    signer          TEXT NOT NULL DEFAULT '',
    signer_title    TEXT NOT NULL DEFAULT '',
    preamble        TEXT NOT NULL DEFAULT '',
    recipients_json TEXT NOT NULL DEFAULT '[]',
    parent_id       BIGINT REFERENCES plans (id),
    source_task_id  BIGINT,
    original_sha256 TEXT REFERENCES files (sha256),
    created_at_us   BIGINT NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX plans_parent ON plans (parent_id);

CREATE TABLE plan_sections (
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    number  TEXT NOT NULL,
    heading TEXT NOT NULL,
    kind    TEXT NOT NULL,
    ord     BIGINT NOT NULL,
    PRIMARY KEY (plan_id, number)
);

CREATE TABLE plan_items (
    id      BIGSERIAL PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    section TEXT NOT NULL,
    number  BIGINT NOT NULL,
    short   TEXT NOT NULL,
    text    TEXT NOT NULL,
    UNIQUE (plan_id, section, number)
);

CREATE TABLE tasks (
    id            BIGSERIAL PRIMARY KEY,
    plan_id       BIGINT NOT NULL REFERENCES plans (id),
    item_id       BIGINT REFERENCES plan_items (id),
    title         TEXT NOT NULL,
    title_folded  TEXT NOT NULL,
    lead_org_id   BIGINT NOT NULL REFERENCES orgs (id),
    receiver_org_id BIGINT REFERENCES orgs (id),
    due_on        TEXT,
    recurrence    TEXT NOT NULL CHECK (recurrence IN ('none', 'monthly', 'quarterly', 'yearly')),
    status        TEXT NOT NULL CHECK (status IN ('open', 'done', 'closed')),
    done_on       TEXT,
    note          TEXT NOT NULL DEFAULT '',
    created_on    TEXT NOT NULL,
    created_at_us BIGINT NOT NULL,
    created_by    TEXT NOT NULL,
    updated_at_us BIGINT NOT NULL
);
CREATE INDEX tasks_plan ON tasks (plan_id);
CREATE INDEX tasks_lead ON tasks (lead_org_id);

CREATE TABLE task_coordinators (
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    org_id  BIGINT NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (task_id, org_id)
);
CREATE INDEX task_coordinators_org ON task_coordinators (org_id);

CREATE TABLE task_reports (
    id          BIGSERIAL PRIMARY KEY,
    task_id     BIGINT NOT NULL REFERENCES tasks (id),
    org_id      BIGINT NOT NULL REFERENCES orgs (id),
    period      TEXT NOT NULL DEFAULT '',
    reported_on TEXT NOT NULL,
    percent     BIGINT NOT NULL CHECK (percent BETWEEN 0 AND 100),
    text        TEXT NOT NULL,
    sha256      TEXT REFERENCES files (sha256),
    file_name   TEXT NOT NULL DEFAULT '',
    at_us       BIGINT NOT NULL,
    by_name     TEXT NOT NULL
);
CREATE INDEX task_reports_task ON task_reports (task_id, at_us);
CREATE INDEX task_reports_org ON task_reports (org_id, reported_on);

CREATE TABLE task_comments (
    id      BIGSERIAL PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    text    TEXT NOT NULL,
    at_us   BIGINT NOT NULL,
    by_name TEXT NOT NULL
);
CREATE INDEX task_comments_task ON task_comments (task_id, at_us);

CREATE TABLE task_lead_changes (
    id          BIGSERIAL PRIMARY KEY,
    task_id     BIGINT NOT NULL REFERENCES tasks (id),
    from_org_id BIGINT NOT NULL REFERENCES orgs (id),
    to_org_id   BIGINT NOT NULL REFERENCES orgs (id),
    reason      TEXT NOT NULL,
    at_us       BIGINT NOT NULL,
    by_name     TEXT NOT NULL
);
CREATE INDEX task_lead_changes_task ON task_lead_changes (task_id, at_us);

CREATE TABLE task_reminders (
    id         BIGSERIAL PRIMARY KEY,
    task_id    BIGINT NOT NULL REFERENCES tasks (id),
    org_id     BIGINT NOT NULL REFERENCES orgs (id),
    kind       TEXT NOT NULL CHECK (kind IN ('due_soon', 'overdue', 'escalation')),
    due_key    TEXT NOT NULL,
    due_on     TEXT NOT NULL,
    days       BIGINT NOT NULL,
    email      TEXT NOT NULL,
    at_us      BIGINT NOT NULL,
    UNIQUE (task_id, org_id, kind, due_key)
);
CREATE INDEX task_reminders_at ON task_reminders (at_us);

CREATE TABLE plan_events (
    id         BIGSERIAL PRIMARY KEY,
    plan_id    BIGINT NOT NULL REFERENCES plans (id),
    item_id    BIGINT REFERENCES plan_items (id),
    title      TEXT NOT NULL,
    held_on    TEXT NOT NULL,
    place      TEXT NOT NULL DEFAULT '',
    at_us      BIGINT NOT NULL,
    by_name    TEXT NOT NULL
);

CREATE TABLE plan_event_units (
    event_id  BIGINT NOT NULL REFERENCES plan_events (id),
    org_id    BIGINT NOT NULL REFERENCES orgs (id),
    attendees BIGINT NOT NULL CHECK (attendees >= 0),
    PRIMARY KEY (event_id, org_id)
);

CREATE TABLE plan_reports (
    id          BIGSERIAL PRIMARY KEY,
    plan_id     BIGINT NOT NULL REFERENCES plans (id),
    period_from TEXT NOT NULL,
    period_to   TEXT NOT NULL,
    version     BIGINT NOT NULL,
    number      TEXT NOT NULL,
    layout      TEXT NOT NULL CHECK (layout IN ('state', 'party')),
    body        TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES files (sha256),
    issued_at_us BIGINT NOT NULL,
    issued_by   TEXT NOT NULL,
    UNIQUE (plan_id, version)
);
