-- Foundation: administrative units, organisations, users, sessions, API keys, audit chain.
-- Instants are INTEGER microseconds since the Unix epoch (UTC); legal dates are TEXT 'YYYY-MM-DD'.

CREATE TABLE admin_units (
    id            INTEGER PRIMARY KEY,
    scheme        TEXT NOT NULL CHECK (scheme IN ('old', 'new')),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    name_folded   TEXT NOT NULL,
    short_name    TEXT NOT NULL,
    division_type TEXT NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    parent_code   TEXT,
    province_code TEXT NOT NULL,
    UNIQUE (scheme, code)
);
CREATE INDEX admin_units_parent ON admin_units (scheme, parent_code);
CREATE INDEX admin_units_province ON admin_units (scheme, province_code, level);

-- Old (before 1/7/2025) unit → new unit. An old commune may be split between new ones;
-- is_default marks the part its records are counted under.
CREATE TABLE admin_unit_map (
    old_code    TEXT NOT NULL,
    old_level   TEXT NOT NULL,
    new_code    TEXT NOT NULL,
    is_split    BOOLEAN NOT NULL,
    is_default  BOOLEAN NOT NULL,
    PRIMARY KEY (old_level, old_code, new_code)
);
CREATE INDEX admin_unit_map_new ON admin_unit_map (new_code);

-- Reference data sets loaded from the files embedded in the binary, with their checksums.
CREATE TABLE reference_data (
    name         TEXT PRIMARY KEY,
    checksum     TEXT NOT NULL,
    rows_loaded  INTEGER NOT NULL,
    loaded_at_us INTEGER NOT NULL
);

CREATE TABLE orgs (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    name_folded   TEXT NOT NULL,
    short_name    TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    admin_scheme  TEXT NOT NULL,
    admin_code    TEXT NOT NULL,
    parent_id     INTEGER REFERENCES orgs (id),
    active        BOOLEAN NOT NULL DEFAULT 1,
    created_at_us INTEGER NOT NULL,
    updated_at_us INTEGER NOT NULL,
    FOREIGN KEY (admin_scheme, admin_code) REFERENCES admin_units (scheme, code)
);
CREATE INDEX orgs_parent ON orgs (parent_id);

CREATE TABLE users (
    id                     INTEGER PRIMARY KEY,
    username               TEXT NOT NULL UNIQUE,
    display_name           TEXT NOT NULL,
    display_folded         TEXT NOT NULL,
    password_hash          TEXT NOT NULL,
    role                   TEXT NOT NULL,
    org_id                 INTEGER NOT NULL REFERENCES orgs (id),
    scope_scheme           TEXT,
    scope_code             TEXT,
    locale                 TEXT NOT NULL DEFAULT 'vi',
    active                 BOOLEAN NOT NULL DEFAULT 1,
    created_at_us          INTEGER NOT NULL,
    updated_at_us          INTEGER NOT NULL,
    password_changed_at_us INTEGER NOT NULL,
    last_login_us          INTEGER,
    FOREIGN KEY (scope_scheme, scope_code) REFERENCES admin_units (scheme, code)
);
CREATE INDEX users_org ON users (org_id);

-- Sessions: only the SHA-256 of the cookie token is stored.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id),
    csrf_token    TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    last_seen_us  INTEGER NOT NULL,
    expires_at_us INTEGER NOT NULL,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- API keys for machine clients: the key is shown once; only its SHA-256 is stored.
CREATE TABLE api_keys (
    id            INTEGER PRIMARY KEY,
    prefix        TEXT NOT NULL UNIQUE,
    key_hash      TEXT NOT NULL,
    name          TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    org_id        INTEGER REFERENCES orgs (id),
    created_by    INTEGER REFERENCES users (id),
    created_at_us INTEGER NOT NULL,
    revoked_at_us INTEGER,
    last_used_us  INTEGER
);

-- The audit chain: append-only, each hash over the previous hash and the entry.
CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at_us       INTEGER NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    INTEGER NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before_json TEXT NOT NULL,
    after_json  TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_kind, entity_id);

-- The chain head, updated in the same transaction as each append: removing entries from
-- the end of the log no longer goes unseen.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
