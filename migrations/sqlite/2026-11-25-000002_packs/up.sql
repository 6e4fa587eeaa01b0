-- Products, packs (commissioned serials) and containers (SSCCs).
-- "A pack is in at most one parent" is structural: a pack has one parent column of each kind and a
-- CHECK forbids both; aggregation is a conditional UPDATE that must touch exactly the expected rows.
CREATE TABLE products (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    product_code TEXT NOT NULL,          -- GTIN-14
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (tenant_id, product_code)
);

CREATE TABLE containers (
    id INTEGER PRIMARY KEY NOT NULL,
    sscc TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),       -- produced by (the aggregating tenant)
    owner_tenant_id TEXT NOT NULL REFERENCES tenants(id), -- MAH of the goods inside
    status TEXT NOT NULL,
    parent_container_id BIGINT REFERENCES containers(id),
    channel_id TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (parent_container_id IS NULL OR parent_container_id <> id)
);
CREATE INDEX containers_parent ON containers(parent_container_id);
CREATE INDEX containers_owner_status ON containers(owner_tenant_id, status);

CREATE TABLE items (
    id INTEGER PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES products(id),
    serial_number TEXT NOT NULL,
    batch TEXT NOT NULL,
    expiry_date TEXT NOT NULL,           -- YYMMDD exactly as printed
    status TEXT NOT NULL,                -- pending_commissioning_approval | released | decommissioned
    decommission_reason TEXT,
    produced_by TEXT NOT NULL REFERENCES tenants(id),
    channel_id TEXT NOT NULL,
    parent_container_id BIGINT REFERENCES containers(id),
    parent_item_id BIGINT REFERENCES items(id),
    commissioned_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (product_id, serial_number),
    CHECK (parent_container_id IS NULL OR parent_item_id IS NULL),
    CHECK (parent_item_id IS NULL OR parent_item_id <> id)
);
CREATE INDEX items_parent_container ON items(parent_container_id) WHERE parent_container_id IS NOT NULL;
CREATE INDEX items_parent_item ON items(parent_item_id) WHERE parent_item_id IS NOT NULL;
CREATE INDEX items_product_status_batch ON items(product_id, status, batch);
