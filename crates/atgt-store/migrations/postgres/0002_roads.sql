-- Roads and railways of the locality, with their kilometre reference (linear referencing):
-- km_start at the first vertex, increasing or decreasing along the line.

CREATE TABLE roads (
    id            BIGSERIAL PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    name_folded   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('expressway', 'national', 'provincial', 'urban', 'commune', 'other', 'railway')),
    province_code TEXT NOT NULL,
    managing_org_id BIGINT REFERENCES orgs (id),
    km_start      DOUBLE PRECISION NOT NULL,
    ascending     BOOLEAN NOT NULL,
    geometry      TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    created_at_us BIGINT NOT NULL,
    updated_at_us BIGINT NOT NULL
);
