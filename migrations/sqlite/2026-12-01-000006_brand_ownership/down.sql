DROP TABLE checkpoint_keys;
ALTER TABLE audit_events DROP COLUMN server_request_id;
DROP INDEX products_gtin;
DROP TABLE gtin_assignments;
DROP TABLE company_prefixes;
