-- A pack's product exists without its own foreign key (issue 11 item 1: a key is dropped only
-- where its invariant stays enforced another way): every row of `items` references a row of the
-- same product through a composite key (migration 000009) — a pack its commission,
-- `(product_id, commission_id) -> commissions(product_id, id)`, a pooled serial its holder,
-- `(product_id, holder_id) -> pool_holders(product_id, id)` — and the CHECKs of 000007 make one
-- of the two non-NULL on every row (`(status = 0) = (commission_id IS NULL)`, a pooled row has a
-- holder). Both referenced tables reference `products` themselves. The dropped key cost a
-- lookup per inserted pack: 100 000 packs commissioned in 3.0 s with it, 2.2 s without the two
-- keys, 2.5-3.0 s with the composite one alone (docs/benchmarks.md).
ALTER TABLE items DROP CONSTRAINT items_product_id_fkey;
