ALTER TABLE products RENAME COLUMN owner_tenant_id TO tenant_id;
ALTER TABLE containers RENAME COLUMN produced_by TO tenant_id;
