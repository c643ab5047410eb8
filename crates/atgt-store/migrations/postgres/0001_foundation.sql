-- Foundation: administrative units, organisations, users, sessions, API keys, audit chain.
-- Instants are BIGINT microseconds since the Unix epoch (UTC), as on SQLite, so both
-- backends share their SQL; legal dates are TEXT 'YYYY-MM-DD'.
-- to_timestamp(x / 1e6) shows an instant in psql.

CREATE TABLE admin_units (
    id            BIGSERIAL PRIMARY KEY,
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

CREATE TABLE admin_unit_map (
    old_code    TEXT NOT NULL,
    old_level   TEXT NOT NULL,
    new_code    TEXT NOT NULL,
    is_split    BOOLEAN NOT NULL,
    is_default  BOOLEAN NOT NULL,
    PRIMARY KEY (old_level, old_code, new_code)
);
CREATE INDEX admin_unit_map_new ON admin_unit_map (new_code);

CREATE TABLE reference_data (
    name         TEXT PRIMARY KEY,
    checksum     TEXT NOT NULL,
    rows_loaded  BIGINT NOT NULL,
    loaded_at_us BIGINT NOT NULL
);

CREATE TABLE orgs (
    id            BIGSERIAL PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    name_folded   TEXT NOT NULL,
    short_name    TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    admin_scheme  TEXT NOT NULL,
    admin_code    TEXT NOT NULL,
    parent_id     BIGINT REFERENCES orgs (id),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at_us BIGINT NOT NULL,
    updated_at_us BIGINT NOT NULL,
    FOREIGN KEY (admin_scheme, admin_code) REFERENCES admin_units (scheme, code)
);
CREATE INDEX orgs_parent ON orgs (parent_id);

CREATE TABLE users (
    id                     BIGSERIAL PRIMARY KEY,
    username               TEXT NOT NULL UNIQUE,
    display_name           TEXT NOT NULL,
    display_folded         TEXT NOT NULL,
    password_hash          TEXT NOT NULL,
    role                   TEXT NOT NULL,
    org_id                 BIGINT NOT NULL REFERENCES orgs (id),
    scope_scheme           TEXT,
    scope_code             TEXT,
    locale                 TEXT NOT NULL DEFAULT 'vi',
    active                 BOOLEAN NOT NULL DEFAULT TRUE,
    created_at_us          BIGINT NOT NULL,
    updated_at_us          BIGINT NOT NULL,
    password_changed_at_us BIGINT NOT NULL,
    last_login_us          BIGINT,
    FOREIGN KEY (scope_scheme, scope_code) REFERENCES admin_units (scheme, code)
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    csrf_token    TEXT NOT NULL,
    created_at_us BIGINT NOT NULL,
    last_seen_us  BIGINT NOT NULL,
    expires_at_us BIGINT NOT NULL,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
    id            BIGSERIAL PRIMARY KEY,
    prefix        TEXT NOT NULL UNIQUE,
    key_hash      TEXT NOT NULL,
    name          TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    org_id        BIGINT REFERENCES orgs (id),
    created_by    BIGINT REFERENCES users (id),
    created_at_us BIGINT NOT NULL,
    revoked_at_us BIGINT,
    last_used_us  BIGINT
);

CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY,
    at_us       BIGINT NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    BIGINT NOT NULL,
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

CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
