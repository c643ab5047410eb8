-- Lookups that must stay fast as tables grow.
--
-- The public plate lookup answers from an in-memory index of open violation cases
-- (atgt-store portal.rs). The index follows the database by reading the cases changed
-- since its last look, by their update time: this index makes that read cheap.
CREATE INDEX violation_cases_updated ON violation_cases (updated_at_us);

-- (On PostgreSQL this migration also re-keys the hub tables (record_id, partner) for
-- the sync's version lookup; SQLite's planner probes the (partner, record_id) key by
-- each id already, and its table constraints cannot be changed in place.)
