ALTER TABLE items ADD CONSTRAINT items_product_id_fkey FOREIGN KEY (product_id) REFERENCES products(id);
