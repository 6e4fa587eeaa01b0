-- The database keeps a pack's product equal to its commission's product, and a serial's pool
-- holder one of the same product (issue 11 item 1: "an invariant stays enforced by the
-- database"): composite foreign keys replace the single-column ones. They cost no index on
-- `items` (the referencing side), and the check per row is the one the old keys made; the parent
-- sides gain a unique (product_id, id) index per commission and per holder, rows of which there
-- is one per request or per tenant, not per pack. NULL commission (pooled) or holder (external)
-- is not checked. SQLite cannot change a table's keys in place: `items` is rebuilt.

PRAGMA defer_foreign_keys = ON;

CREATE UNIQUE INDEX commissions_product_key ON commissions(product_id, id);
CREATE UNIQUE INDEX pool_holders_product_key ON pool_holders(product_id, id);

CREATE TABLE items_keyed (
    id INTEGER PRIMARY KEY NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    serial_number TEXT NOT NULL,
    commission_id INTEGER,
    status SMALLINT NOT NULL CHECK (status IN (0, 1, 2, 3)),
    parent_container_id BIGINT REFERENCES containers(id),
    parent_item_id BIGINT REFERENCES items(id),
    holder_id INTEGER,
    UNIQUE (product_id, serial_number),
    CHECK ((status = 0) = (commission_id IS NULL)),
    CHECK (status <> 0 OR (holder_id IS NOT NULL AND parent_container_id IS NULL
                           AND parent_item_id IS NULL)),
    CHECK (parent_container_id IS NULL OR parent_item_id IS NULL),
    CHECK (parent_item_id IS NULL OR parent_item_id <> id),
    FOREIGN KEY (product_id, commission_id) REFERENCES commissions(product_id, id),
    FOREIGN KEY (product_id, holder_id) REFERENCES pool_holders(product_id, id)
);
INSERT INTO items_keyed (id, product_id, serial_number, commission_id, status,
                          parent_container_id, parent_item_id, holder_id)
    SELECT id, product_id, serial_number, commission_id, status, parent_container_id,
           parent_item_id, holder_id FROM items;
DROP TABLE items;
ALTER TABLE items_keyed RENAME TO items;
CREATE INDEX items_parent_container ON items(parent_container_id) WHERE parent_container_id IS NOT NULL;
CREATE INDEX items_parent_item ON items(parent_item_id) WHERE parent_item_id IS NOT NULL;
CREATE INDEX items_pending ON items(product_id, commission_id) WHERE status = 1;
-- A holder's unused serials, in serial order (taking, returning, the pool view). Commissioned
-- packs leave this index: it costs only what is still in a pool.
CREATE INDEX items_pooled ON items(holder_id, serial_number) WHERE status = 0;
