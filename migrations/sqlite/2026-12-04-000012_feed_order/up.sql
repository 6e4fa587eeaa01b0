-- The event feed's order is (txid, id) on both backends (docs/audit.md, "Reading the trail
-- incrementally"). SQLite has one writer at a time, and an event's id is taken inside the write
-- transaction that inserts it, so ids are already in commit order: txid is always 0 here, and
-- (txid, id) is the id order. The column and the indexes are those of PostgreSQL (one byte more
-- per entry), so that both backends keep one schema.
ALTER TABLE audit_events ADD COLUMN txid BIGINT NOT NULL DEFAULT 0;
DROP INDEX audit_events_owner;
DROP INDEX audit_events_actor;
CREATE INDEX audit_events_owner ON audit_events(owner_tenant_id, txid, id);
CREATE INDEX audit_events_actor ON audit_events(actor_tenant_id, txid, id);
