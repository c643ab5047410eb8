-- Evidence files (photos, attachments), content-addressed by SHA-256. The bytes live in
-- the file store (a folder by default); the database holds what they are and who added
-- them. Files are never deleted: a record stops linking to one instead.

CREATE TABLE files (
    sha256        TEXT PRIMARY KEY,
    size          INTEGER NOT NULL,
    mime          TEXT NOT NULL,
    original_name TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    created_by    TEXT NOT NULL
);

CREATE TABLE crash_files (
    crash_id    INTEGER NOT NULL REFERENCES crashes (id),
    sha256      TEXT NOT NULL REFERENCES files (sha256),
    caption     TEXT NOT NULL DEFAULT '',
    added_at_us INTEGER NOT NULL,
    added_by    TEXT NOT NULL,
    PRIMARY KEY (crash_id, sha256)
);
