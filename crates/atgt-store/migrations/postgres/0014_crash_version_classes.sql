-- Each crash version records how the crash was classified (class, rule set, provision,
-- document, condition, flags). A million imported crashes share a handful of distinct
-- classifications, so each distinct one is stored once here and a version refers to it
-- by class_id; its snapshot then holds only the record. Versions written before this
-- migration keep the classification inside their snapshot (class_id NULL). Both tables
-- stay append-only.
CREATE TABLE crash_classifications (
    id      BIGSERIAL PRIMARY KEY,
    content TEXT NOT NULL UNIQUE
);
CREATE FUNCTION crash_classifications_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'crash_classifications is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER crash_classifications_no_update BEFORE UPDATE OR DELETE ON crash_classifications
FOR EACH ROW EXECUTE FUNCTION crash_classifications_append_only();

ALTER TABLE crash_versions ADD COLUMN class_id BIGINT REFERENCES crash_classifications (id);

-- No query filters crash vehicles by kind alone (the statistics by vehicle type read
-- every crash's vehicles through the primary key); the index only slowed imports.
DROP INDEX crash_vehicles_kind;
