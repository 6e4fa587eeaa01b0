PRAGMA defer_foreign_keys = ON;
CREATE TABLE items_single (
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
INSERT INTO items_single (id, product_id, serial_number, commission_id, status,
                          parent_container_id, parent_item_id, holder_id)
    SELECT id, product_id, serial_number, commission_id, status, parent_container_id,
           parent_item_id, holder_id FROM items;
DROP TABLE items;
ALTER TABLE items_single RENAME TO items;
CREATE INDEX items_parent_container ON items(parent_container_id) WHERE parent_container_id IS NOT NULL;
CREATE INDEX items_parent_item ON items(parent_item_id) WHERE parent_item_id IS NOT NULL;
CREATE INDEX items_pending ON items(product_id, commission_id) WHERE status = 1;
-- A holder's unused serials, in serial order (taking, returning, the pool view). Commissioned
-- packs leave this index: it costs only what is still in a pool.
CREATE INDEX items_pooled ON items(holder_id, serial_number) WHERE status = 0;
DROP INDEX pool_holders_product_key;
DROP INDEX commissions_product_key;
