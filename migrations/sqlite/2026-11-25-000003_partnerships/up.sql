-- CMO/MAH partnerships: which of the MAH's products a CMO may produce.
CREATE TABLE partnerships (
    id TEXT PRIMARY KEY NOT NULL,
    mah_tenant_id TEXT NOT NULL REFERENCES tenants(id),
    cmo_tenant_id TEXT NOT NULL REFERENCES tenants(id),
    status TEXT NOT NULL,                -- pending | active | suspended | ended
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (mah_tenant_id <> cmo_tenant_id)
);
-- At most one partnership per pair that has not ended.
CREATE UNIQUE INDEX partnerships_open_pair ON partnerships(mah_tenant_id, cmo_tenant_id) WHERE status <> 'ended';
CREATE INDEX partnerships_cmo ON partnerships(cmo_tenant_id, status);

CREATE TABLE partnership_products (
    partnership_id TEXT NOT NULL REFERENCES partnerships(id),
    product_id TEXT NOT NULL REFERENCES products(id),
    PRIMARY KEY (partnership_id, product_id)
);
CREATE INDEX partnership_products_product ON partnership_products(product_id);

-- Release to market.
ALTER TABLE items ADD COLUMN released_at TIMESTAMP;
ALTER TABLE containers ADD COLUMN released_at TIMESTAMP;
CREATE INDEX items_produced_by ON items(produced_by);
