DROP INDEX items_produced_by;
ALTER TABLE containers DROP COLUMN released_at;
ALTER TABLE items DROP COLUMN released_at;
DROP TABLE partnership_products;
DROP TABLE partnerships;
