-- Public portal (issue 9 part B): traffic-safety education (II.3) — lessons and news,
-- a short quiz with anonymous aggregate counts (no answer of any person is kept),
-- campaigns with their reach, and rewards (khen thưởng). Local dates are 'YYYY-MM-DD'
-- text; instants are UTC microseconds. Every staff write is audited in the same
-- transaction. The plate lookup needs no table of its own: it reads violation_cases
-- through the existing index violation_cases_plate (plate_key).

CREATE TABLE edu_articles (
    id            BIGSERIAL PRIMARY KEY,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL,
    body          TEXT NOT NULL,
    audience      TEXT NOT NULL,
    published_on  TEXT NOT NULL,
    published     BOOLEAN NOT NULL,
    created_at_us BIGINT NOT NULL,
    updated_at_us BIGINT NOT NULL
);
CREATE INDEX edu_articles_list ON edu_articles (kind, published, published_on);

CREATE TABLE edu_questions (
    id            BIGSERIAL PRIMARY KEY,
    position      BIGINT NOT NULL,
    question      TEXT NOT NULL,
    options_json  TEXT NOT NULL,
    correct       BIGINT NOT NULL,
    explanation   TEXT NOT NULL,
    active        BOOLEAN NOT NULL,
    answered      BIGINT NOT NULL DEFAULT 0,
    answered_right BIGINT NOT NULL DEFAULT 0,
    updated_at_us BIGINT NOT NULL
);

-- Quiz submissions per local day: how many and the total score; nothing else.
CREATE TABLE edu_quiz_days (
    day         TEXT PRIMARY KEY,
    submissions BIGINT NOT NULL,
    score_total BIGINT NOT NULL
);

CREATE TABLE edu_campaigns (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL,
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    units         TEXT NOT NULL,
    audience      TEXT NOT NULL,
    schools       BIGINT NOT NULL,
    students      BIGINT NOT NULL,
    participants  BIGINT NOT NULL,
    published     BOOLEAN NOT NULL,
    created_at_us BIGINT NOT NULL,
    updated_at_us BIGINT NOT NULL
);
CREATE INDEX edu_campaigns_starts ON edu_campaigns (starts_on);

CREATE TABLE edu_rewards (
    id             BIGSERIAL PRIMARY KEY,
    recipient_kind TEXT NOT NULL,
    recipient      TEXT NOT NULL,
    form           TEXT NOT NULL,
    decision_no    TEXT NOT NULL,
    decided_on     TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    reason         TEXT NOT NULL,
    campaign_id    BIGINT REFERENCES edu_campaigns (id),
    created_at_us  BIGINT NOT NULL
);
CREATE INDEX edu_rewards_decided ON edu_rewards (decided_on);
