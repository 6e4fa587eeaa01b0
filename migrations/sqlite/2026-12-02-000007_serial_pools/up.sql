-- Serial pools and packaging orders (issue 13, docs/pools.md).
--
-- A pooled serial is a row of `items` with status 0 and no commission: the table's one UNIQUE
-- (product_id, serial_number) key then makes "a serial is never generated twice for a GTIN" and
-- "an external serial cannot collide with a pooled one" the database's decision, whatever the
-- order of concurrent generations and commissionings. Commissioning a pooled serial is an UPDATE
-- of its row (status 0 -> 1), not a second row. Pack queries all join `commissions`, so a pooled
-- row (commission_id NULL) is never mistaken for a pack.
--
-- Who holds a pooled serial is one small integer (`holder_id`) into `pool_holders`: a tenant's
-- stock (kind 1: the owner's available serials, or those its MAH gave a CMO), the serials a
-- tenant took for a line (kind 2, serials/request), or a packaging order (kind 3).

PRAGMA defer_foreign_keys = ON;

ALTER TABLE products ADD COLUMN serial_alphabet TEXT NOT NULL DEFAULT 'numeric'
    CHECK (serial_alphabet IN ('numeric', 'alphanumeric'));
ALTER TABLE products ADD COLUMN serial_length SMALLINT NOT NULL DEFAULT 16
    CHECK (serial_length BETWEEN 1 AND 20);
ALTER TABLE products ADD COLUMN external_serials BOOLEAN NOT NULL DEFAULT TRUE;

-- Status codes: 1 open, 2 pending_release, 3 in_progress, 4 suspended, 5 finished.
-- The reconciliation columns are written once, by `finish`.
CREATE TABLE packaging_orders (
    id INTEGER PRIMARY KEY NOT NULL,
    uid TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),     -- the tenant that runs it (MAH or CMO)
    order_id TEXT NOT NULL,                             -- the caller's name for it
    product_id INTEGER NOT NULL REFERENCES products(id),
    batch TEXT NOT NULL,
    expiry_date TEXT NOT NULL,                          -- YYMMDD exactly as printed
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    line TEXT,
    status SMALLINT NOT NULL CHECK (status IN (1, 2, 3, 4, 5)),
    assigned BIGINT NOT NULL DEFAULT 0,
    rec_commissioned BIGINT,
    rec_aggregated BIGINT,
    rec_decommissioned BIGINT,
    rec_returned BIGINT,
    created_at TIMESTAMP NOT NULL,               -- changes are in the audit trail
    UNIQUE (tenant_id, order_id)
);
CREATE INDEX packaging_orders_product ON packaging_orders(product_id, batch);

CREATE TABLE pool_holders (
    id INTEGER PRIMARY KEY NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    kind SMALLINT NOT NULL CHECK (kind IN (1, 2, 3)),
    order_id INTEGER REFERENCES packaging_orders(id),
    CHECK ((kind = 3) = (order_id IS NOT NULL))
);
CREATE UNIQUE INDEX pool_holders_tenant ON pool_holders(product_id, tenant_id, kind) WHERE kind <> 3;
CREATE UNIQUE INDEX pool_holders_order ON pool_holders(order_id) WHERE kind = 3;

ALTER TABLE commissions ADD COLUMN order_id INTEGER REFERENCES packaging_orders(id);
CREATE INDEX commissions_order ON commissions(order_id) WHERE order_id IS NOT NULL;

-- SQLite cannot relax NOT NULL or a CHECK in place: `items` is rebuilt (empty on every database
-- this can meet: serialhub has no deployments before the baseline; the copy keeps a developer's).
CREATE TABLE items_pooled (
    id INTEGER PRIMARY KEY NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    serial_number TEXT NOT NULL,
    commission_id INTEGER REFERENCES commissions(id),
    status SMALLINT NOT NULL CHECK (status IN (0, 1, 2, 3)),
    parent_container_id BIGINT REFERENCES containers(id),
    parent_item_id BIGINT REFERENCES items(id),
    holder_id INTEGER REFERENCES pool_holders(id),
    UNIQUE (product_id, serial_number),
    CHECK ((status = 0) = (commission_id IS NULL)),
    CHECK (status <> 0 OR (holder_id IS NOT NULL AND parent_container_id IS NULL
                           AND parent_item_id IS NULL)),
    CHECK (parent_container_id IS NULL OR parent_item_id IS NULL),
    CHECK (parent_item_id IS NULL OR parent_item_id <> id)
);
INSERT INTO items_pooled (id, product_id, serial_number, commission_id, status,
                          parent_container_id, parent_item_id)
    SELECT id, product_id, serial_number, commission_id, status, parent_container_id,
           parent_item_id FROM items;
DROP TABLE items;
ALTER TABLE items_pooled RENAME TO items;
CREATE INDEX items_parent_container ON items(parent_container_id) WHERE parent_container_id IS NOT NULL;
CREATE INDEX items_parent_item ON items(parent_item_id) WHERE parent_item_id IS NOT NULL;
CREATE INDEX items_pending ON items(product_id, commission_id) WHERE status = 1;
-- A holder's unused serials, in serial order (taking, returning, the pool view). Commissioned
-- packs leave this index: it costs only what is still in a pool.
CREATE INDEX items_pooled ON items(holder_id, serial_number) WHERE status = 0;
