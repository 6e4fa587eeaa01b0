-- The database keeps a pack's product equal to its commission's product, and a serial's pool
-- holder one of the same product (issue 11 item 1: "an invariant stays enforced by the
-- database"): composite foreign keys replace the single-column ones. They cost no index on
-- `items` (the referencing side), and the check per row is the one the old keys made; the parent
-- sides gain a unique (product_id, id) index per commission and per holder, rows of which there
-- is one per request or per tenant, not per pack. MATCH SIMPLE: a pooled serial's NULL commission
-- and an external pack's NULL holder are not checked.
CREATE UNIQUE INDEX commissions_product_key ON commissions(product_id, id);
CREATE UNIQUE INDEX pool_holders_product_key ON pool_holders(product_id, id);
ALTER TABLE items
    DROP CONSTRAINT items_commission_id_fkey,
    ADD CONSTRAINT items_commission_fkey FOREIGN KEY (product_id, commission_id)
        REFERENCES commissions(product_id, id),
    DROP CONSTRAINT items_holder_id_fkey,
    ADD CONSTRAINT items_holder_fkey FOREIGN KEY (product_id, holder_id)
        REFERENCES pool_holders(product_id, id);
