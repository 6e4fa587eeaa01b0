-- Brand ownership (issue 12): a GTIN has exactly one owner in the hub, and GS1 Company Prefixes
-- are unique across tenants.
--
-- company_prefixes: who holds each GS1 Company Prefix. The primary key refuses the same prefix
-- twice; that one prefix must not extend another (4012345 vs 40123456) cannot be a key, so the
-- operator's commands check it while they hold the write lock (see src/db/prefixes.rs). The
-- prefixes tenants already have are copied in; a database in which two tenants share a prefix
-- fails here and must be put right by hand first.
CREATE TABLE company_prefixes (
    prefix TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id)
);
CREATE INDEX company_prefixes_tenant ON company_prefixes(tenant_id);
INSERT INTO company_prefixes (prefix, tenant_id)
    SELECT j.value, t.id FROM tenants t, json_each(t.gs1_company_prefixes) j;

-- GTINs the operator gave to a tenant outside its own prefixes (shared national prefixes, NTINs).
CREATE TABLE gtin_assignments (
    product_code TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    assigned_at TIMESTAMP NOT NULL
);

-- One product per GTIN in the whole hub (was: per tenant). Fails on a database where two tenants
-- registered one GTIN: which one is the brand owner is for a person to decide.
CREATE UNIQUE INDEX products_gtin ON products(product_code);

-- The server's own id of the request that recorded an event, beside the caller's `request_id`
-- (which a caller chooses freely, so it can name another tenant's request): hashed when present.
ALTER TABLE audit_events ADD COLUMN server_request_id TEXT;

-- The hub's Ed25519 keys for signed audit checkpoints (docs/audit.md): the 32-byte seed of each;
-- the newest signs, all verify. Created on first start.
CREATE TABLE checkpoint_keys (
    key_id TEXT PRIMARY KEY NOT NULL,
    seed BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
