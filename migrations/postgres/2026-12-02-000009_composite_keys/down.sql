ALTER TABLE items
    DROP CONSTRAINT items_holder_fkey,
    ADD CONSTRAINT items_holder_id_fkey FOREIGN KEY (holder_id) REFERENCES pool_holders(id),
    DROP CONSTRAINT items_commission_fkey,
    ADD CONSTRAINT items_commission_id_fkey FOREIGN KEY (commission_id) REFERENCES commissions(id);
DROP INDEX pool_holders_product_key;
DROP INDEX commissions_product_key;
