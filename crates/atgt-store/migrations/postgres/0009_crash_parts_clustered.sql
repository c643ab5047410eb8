-- SQLite stores the crash parts and versions WITHOUT ROWID from this migration on.
-- PostgreSQL has no rowid: its tables already are a heap plus the primary-key index,
-- so nothing changes here; the migration exists to keep both backends' versions equal.
SELECT 1;
