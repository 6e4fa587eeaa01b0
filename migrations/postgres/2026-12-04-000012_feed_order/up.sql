-- The event feed's order (docs/audit.md, "Reading the trail incrementally"). Event ids are not
-- in commit order here: an id is drawn from the identity sequence when the event is inserted,
-- or earlier, when a request reserves it before moving packs (`audit::Mark`), and a transaction
-- that drew a smaller id can commit after one that drew a larger. A reader that resumed after
-- the largest id it had seen could therefore miss an event for good.
--
-- Each event now keeps the id of the transaction that wrote it (`pg_current_xact_id()`, 64 bits,
-- never wraps), and the feed is read in (txid, id) order, only below the oldest transaction still
-- running (`pg_snapshot_xmin`): everything there is final, and any event that becomes visible
-- later belongs to a transaction at or above that horizon, so after any cursor it has given.
-- Events written before this migration all get 0: they are committed, and keep their id order.
ALTER TABLE audit_events ADD COLUMN txid BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_events ALTER COLUMN txid SET DEFAULT (pg_current_xact_id()::text)::bigint;
DROP INDEX audit_events_owner;
DROP INDEX audit_events_actor;
CREATE INDEX audit_events_owner ON audit_events(owner_tenant_id, txid, id);
CREATE INDEX audit_events_actor ON audit_events(actor_tenant_id, txid, id);
