-- Columns named for what they mean: a container's tenant is the one that produced (packed) it,
-- a product's tenant is its owner, the brand owner (MAH).
ALTER TABLE containers RENAME COLUMN tenant_id TO produced_by;
ALTER TABLE products RENAME COLUMN tenant_id TO owner_tenant_id;
