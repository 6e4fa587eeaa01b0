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
