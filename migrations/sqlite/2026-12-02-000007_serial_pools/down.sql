-- Pooled serials have no place in the earlier schema: they are dropped.
PRAGMA defer_foreign_keys = ON;
DELETE FROM items WHERE status = 0;
CREATE TABLE items_packs (
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
INSERT INTO items_packs SELECT id, product_id, serial_number, commission_id, status,
    parent_container_id, parent_item_id FROM items;
DROP TABLE items;
ALTER TABLE items_packs RENAME TO items;
CREATE INDEX items_parent_container ON items(parent_container_id) WHERE parent_container_id IS NOT NULL;
CREATE INDEX items_parent_item ON items(parent_item_id) WHERE parent_item_id IS NOT NULL;
CREATE INDEX items_pending ON items(product_id, commission_id) WHERE status = 1;
DROP INDEX commissions_order;
ALTER TABLE commissions DROP COLUMN order_id;
DROP TABLE pool_holders;
DROP TABLE packaging_orders;
ALTER TABLE products DROP COLUMN external_serials;
ALTER TABLE products DROP COLUMN serial_length;
ALTER TABLE products DROP COLUMN serial_alphabet;
