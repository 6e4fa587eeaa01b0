-- serialhub's schema in one baseline (issue 11): integer keys inside, public names (UUIDs,
-- GTINs, SSCCs, serials) at the edge; what every pack of a commissioning shares is stored once.
-- Status codes (db/types.rs): 1 pending_commissioning_approval, 2 released, 3 decommissioned.

-- Identity and access: tenants, API keys, token signing keys, channels, idempotency records.
-- Times are UTC. IDs are UUIDs stored as text so one schema.rs serves both backends.
CREATE TABLE tenants (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    gs1_company_prefixes TEXT NOT NULL DEFAULT '[]', -- JSON array of 6-12 digit strings
    gln TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    api_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    roles TEXT NOT NULL,              -- comma-separated: admin,shopfloor,release,audit
    secret_hash TEXT NOT NULL,        -- argon2id PHC string; the secret itself is never stored
    static_token_id TEXT,             -- jti of the one valid static token, NULL when none
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX api_keys_tenant ON api_keys(tenant_id);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    secret BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE channels (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    channel_key TEXT NOT NULL UNIQUE,
    enabled BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX channels_tenant ON channels(tenant_id);

CREATE TABLE idempotency_keys (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    state TEXT NOT NULL,              -- running | done
    response_status INTEGER,
    response_body TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, idem_key)
);

-- Products: named to the outside by their UUID (`uid`) and GTIN; packs refer to the integer key.
CREATE TABLE products (
    id INTEGER PRIMARY KEY NOT NULL,
    uid TEXT NOT NULL UNIQUE,
    owner_tenant_id TEXT NOT NULL REFERENCES tenants(id),   -- the brand owner (MAH)
    product_code TEXT NOT NULL,                             -- GTIN-14
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (owner_tenant_id, product_code)
);

CREATE TABLE containers (
    id INTEGER PRIMARY KEY NOT NULL,
    sscc TEXT NOT NULL UNIQUE,
    produced_by TEXT NOT NULL REFERENCES tenants(id),       -- the tenant that packed it
    owner_tenant_id TEXT NOT NULL REFERENCES tenants(id),   -- MAH of the goods inside
    status SMALLINT NOT NULL CHECK (status IN (1, 2, 3)),
    parent_container_id BIGINT REFERENCES containers(id),
    channel_id TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (parent_container_id IS NULL OR parent_container_id <> id)
);
CREATE INDEX containers_parent ON containers(parent_container_id);
CREATE INDEX containers_owner_status ON containers(owner_tenant_id, status);

-- One row per commissioning request: what its packs share (batch, expiry as printed, producer,
-- channel, time, and the audit event that recorded it) is stored here once, not on every pack.
CREATE TABLE commissions (
    id INTEGER PRIMARY KEY NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    batch TEXT NOT NULL,
    expiry_date TEXT NOT NULL,                              -- YYMMDD exactly as printed
    produced_by TEXT NOT NULL REFERENCES tenants(id),
    channel_id TEXT NOT NULL,                               -- '' outside a channel
    commissioned_at TIMESTAMP NOT NULL,
    event_id BIGINT                                         -- set in the commissioning transaction
);
CREATE INDEX commissions_product_batch ON commissions(product_id, batch);

-- Packs, narrow: "a serial is unique per GTIN forever" is the UNIQUE key; "a pack is in at most
-- one parent" is structural (one column per parent kind, a CHECK forbids both); aggregation is a
-- conditional UPDATE that must touch exactly the expected rows.
CREATE TABLE items (
    id INTEGER PRIMARY KEY NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    serial_number TEXT NOT NULL,
    commission_id INTEGER NOT NULL REFERENCES commissions(id),
    status SMALLINT NOT NULL CHECK (status IN (1, 2, 3)),
    parent_container_id BIGINT REFERENCES containers(id),
    parent_item_id BIGINT REFERENCES items(id),
    UNIQUE (product_id, serial_number),
    CHECK (parent_container_id IS NULL OR parent_item_id IS NULL),
    CHECK (parent_item_id IS NULL OR parent_item_id <> id)
);
CREATE INDEX items_parent_container ON items(parent_container_id) WHERE parent_container_id IS NOT NULL;
CREATE INDEX items_parent_item ON items(parent_item_id) WHERE parent_item_id IS NOT NULL;
-- The commissioning views list pending packs only: a released or decommissioned pack costs this
-- index nothing.
CREATE INDEX items_pending ON items(product_id, commission_id) WHERE status = 1;

-- The rare decommissioned pack's reason, beside the pack instead of a column on every pack.
CREATE TABLE item_decommissions (
    item_id INTEGER PRIMARY KEY NOT NULL REFERENCES items(id),
    reason TEXT NOT NULL
);

-- CMO/MAH partnerships: which of the MAH's products a CMO may produce.
CREATE TABLE partnerships (
    id TEXT PRIMARY KEY NOT NULL,
    mah_tenant_id TEXT NOT NULL REFERENCES tenants(id),
    cmo_tenant_id TEXT NOT NULL REFERENCES tenants(id),
    status TEXT NOT NULL,                -- pending | active | suspended | ended
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (mah_tenant_id <> cmo_tenant_id)
);
-- At most one partnership per pair that has not ended.
CREATE UNIQUE INDEX partnerships_open_pair ON partnerships(mah_tenant_id, cmo_tenant_id) WHERE status <> 'ended';
CREATE INDEX partnerships_cmo ON partnerships(cmo_tenant_id, status);

CREATE TABLE partnership_products (
    partnership_id TEXT NOT NULL REFERENCES partnerships(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    PRIMARY KEY (partnership_id, product_id)
);
CREATE INDEX partnership_products_product ON partnership_products(product_id);

-- The audit trail: one hash-chained event per state-changing request, in the same transaction as
-- the change, plus the history index. Append-only: triggers refuse every UPDATE and DELETE. The
-- chain of each acting tenant has a gap-free seq; audit_heads holds the newest (seq, hash) of
-- each chain and is the row writers serialise on.
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

-- History index: the packs an event touched (the commissioning event is found through the
-- pack's commission instead). WITHOUT ROWID: the key is the row, no second copy in an index.
CREATE TABLE audit_items (
    item_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (item_id, event_id)
) WITHOUT ROWID;

CREATE TABLE audit_containers (
    container_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (container_id, event_id)
) WITHOUT ROWID;

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
