-- Each crash version records how the crash was classified (class, rule set, provision,
-- document, condition, flags). A million imported crashes share a handful of distinct
-- classifications, so each distinct one is stored once here and a version refers to it
-- by class_id; its snapshot then holds only the record. Versions written before this
-- migration keep the classification inside their snapshot (class_id NULL). Both tables
-- stay append-only.
CREATE TABLE crash_classifications (
    id      INTEGER PRIMARY KEY,
    content TEXT NOT NULL UNIQUE
);
CREATE TRIGGER crash_classifications_no_update BEFORE UPDATE ON crash_classifications
BEGIN SELECT RAISE(ABORT, 'crash_classifications is append-only'); END;
CREATE TRIGGER crash_classifications_no_delete BEFORE DELETE ON crash_classifications
BEGIN SELECT RAISE(ABORT, 'crash_classifications is append-only'); END;

ALTER TABLE crash_versions ADD COLUMN class_id INTEGER REFERENCES crash_classifications (id);

-- No query filters crash vehicles by kind alone (the statistics by vehicle type read
-- every crash's vehicles through the primary key); the index only slowed imports.
DROP INDEX crash_vehicles_kind;
