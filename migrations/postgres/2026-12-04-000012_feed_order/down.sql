DROP INDEX audit_events_owner;
DROP INDEX audit_events_actor;
ALTER TABLE audit_events DROP COLUMN txid;
CREATE INDEX audit_events_owner ON audit_events(owner_tenant_id, id);
CREATE INDEX audit_events_actor ON audit_events(actor_tenant_id, id);
