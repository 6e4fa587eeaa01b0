-- The audit trail: one hash-chained event per state-changing request, in the same transaction as
-- the change, plus per-object index rows for history lookups. Append-only: triggers refuse every
-- UPDATE and DELETE. The chain of each acting tenant has a gap-free seq; audit_heads holds the
-- newest (seq, hash) of each chain and is the row writers serialise on.
CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY NOT NULL,
    chain_tenant_id TEXT NOT NULL REFERENCES tenants(id),   -- the acting tenant
    seq BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    action TEXT NOT NULL,
    actor_tenant_id TEXT NOT NULL,
    api_key_id TEXT,
    channel_id TEXT,
    owner_tenant_id TEXT NOT NULL,                          -- on whose behalf (the MAH)
    request_id TEXT,
    reason TEXT,
    payload TEXT NOT NULL,                                  -- canonical JSON
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (chain_tenant_id, seq)
);
CREATE INDEX audit_events_owner ON audit_events(owner_tenant_id, id);
CREATE INDEX audit_events_actor ON audit_events(actor_tenant_id, id);

CREATE TABLE audit_heads (
    chain_tenant_id TEXT PRIMARY KEY NOT NULL REFERENCES tenants(id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE audit_items (
    item_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (item_id, event_id)
);

CREATE TABLE audit_containers (
    container_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (container_id, event_id)
);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_items_no_update BEFORE UPDATE ON audit_items
BEGIN SELECT RAISE(ABORT, 'audit_items is append-only'); END;
CREATE TRIGGER audit_items_no_delete BEFORE DELETE ON audit_items
BEGIN SELECT RAISE(ABORT, 'audit_items is append-only'); END;
CREATE TRIGGER audit_containers_no_update BEFORE UPDATE ON audit_containers
BEGIN SELECT RAISE(ABORT, 'audit_containers is append-only'); END;
CREATE TRIGGER audit_containers_no_delete BEFORE DELETE ON audit_containers
BEGIN SELECT RAISE(ABORT, 'audit_containers is append-only'); END;
