DROP INDEX items_pooled;
DELETE FROM items WHERE status = 0;
ALTER TABLE items
    DROP CONSTRAINT items_pooled_holder_check,
    DROP CONSTRAINT items_pooled_check,
    DROP CONSTRAINT items_status_check,
    ADD CONSTRAINT items_status_check CHECK (status IN (1, 2, 3)),
    DROP COLUMN holder_id,
    ALTER COLUMN commission_id SET NOT NULL;
DROP INDEX commissions_order;
ALTER TABLE commissions DROP COLUMN order_id;
DROP TABLE pool_holders;
DROP TABLE packaging_orders;
ALTER TABLE products DROP COLUMN external_serials, DROP COLUMN serial_length,
    DROP COLUMN serial_alphabet;
