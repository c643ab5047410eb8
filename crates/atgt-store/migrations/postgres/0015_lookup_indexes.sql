-- Lookups that must stay fast as tables grow.
--
-- The public plate lookup answers from an in-memory index of open violation cases
-- (atgt-store portal.rs). The index follows the database by reading the cases changed
-- since its last look, by their update time: this index makes that read cheap.
CREATE INDEX violation_cases_updated ON violation_cases (updated_at_us);

-- A partner's sync looks up the versions it already holds with
-- `partner = $1 AND record_id IN (…)`. With the key in (partner, record_id) order,
-- PostgreSQL — before its statistics know that one partner may hold a million rows —
-- planned a scan of the partner's whole range filtered by the list, and each sync of
-- 10,000 records took seconds. Keyed (record_id, partner), the lookup can only probe
-- each id. ON CONFLICT (partner, record_id) infers the same unique index (column order
-- does not matter there).
ALTER TABLE hub_vehicles DROP CONSTRAINT hub_vehicles_partner_record_id_key,
    ADD CONSTRAINT hub_vehicles_record_id_partner_key UNIQUE (record_id, partner);
ALTER TABLE hub_inspections DROP CONSTRAINT hub_inspections_partner_record_id_key,
    ADD CONSTRAINT hub_inspections_record_id_partner_key UNIQUE (record_id, partner);
ALTER TABLE hub_licences DROP CONSTRAINT hub_licences_partner_record_id_key,
    ADD CONSTRAINT hub_licences_record_id_partner_key UNIQUE (record_id, partner);
ALTER TABLE hub_training DROP CONSTRAINT hub_training_partner_record_id_key,
    ADD CONSTRAINT hub_training_record_id_partner_key UNIQUE (record_id, partner);
ALTER TABLE hub_businesses DROP CONSTRAINT hub_businesses_partner_record_id_key,
    ADD CONSTRAINT hub_businesses_record_id_partner_key UNIQUE (record_id, partner);
ALTER TABLE hub_badges DROP CONSTRAINT hub_badges_partner_record_id_key,
    ADD CONSTRAINT hub_badges_record_id_partner_key UNIQUE (record_id, partner);
ALTER TABLE hub_measurements DROP CONSTRAINT hub_measurements_partner_record_id_key,
    ADD CONSTRAINT hub_measurements_record_id_partner_key UNIQUE (record_id, partner);
