-- The SSCC pool (issue 13 item 5; docs/pools.md "SSCC pool").
--
-- sscc_counters: the next serial reference of each (company prefix, extension digit). A request
-- advances it in one conditional UPDATE … RETURNING, so a reference is handed out once, ever,
-- whatever runs in parallel (the row lock on PostgreSQL, the single writer on SQLite). The
-- prefix is a held one (the foreign key); prefixes never move between tenants, so no tenant
-- column is needed. A few rows per tenant: WITHOUT ROWID, the key is the table.
CREATE TABLE sscc_counters (
    company_prefix TEXT NOT NULL REFERENCES company_prefixes(prefix),
    extension_digit SMALLINT NOT NULL CHECK (extension_digit BETWEEN 0 AND 9),
    next_reference BIGINT NOT NULL CHECK (next_reference >= 0),
    PRIMARY KEY (company_prefix, extension_digit)
) WITHOUT ROWID;

-- sscc_pool: every SSCC the pool handed out, with its status: 1 available (returned with
-- ssccs/release, handed out again before any new reference), 2 assigned (handed out, unused),
-- 3 used (a container was created on it; it can no longer be returned). The unique key on
-- sscc is what makes "handed out twice" impossible even if the counter were wrong.
CREATE TABLE sscc_pool (
    id INTEGER PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    sscc TEXT NOT NULL UNIQUE,
    extension_digit SMALLINT NOT NULL CHECK (extension_digit BETWEEN 0 AND 9),
    status SMALLINT NOT NULL CHECK (status IN (1, 2, 3)),
    requested_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The returned SSCCs a request hands out first, oldest first; partial, so the assigned and
-- used rows (nearly all of them) cost this index nothing.
CREATE INDEX sscc_pool_available ON sscc_pool(tenant_id, extension_digit, id) WHERE status = 1;
