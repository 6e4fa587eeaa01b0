CREATE TABLE audit_items (
    event_id BIGINT PRIMARY KEY,
    item_ids BIGINT[] NOT NULL
);
CREATE INDEX audit_items_packs ON audit_items USING gin (item_ids);

INSERT INTO audit_items (event_id, item_ids)
SELECT s.event_id, array_agg(DISTINCT i.id)
FROM items i
CROSS JOIN LATERAL (
    SELECT ('x' || encode(substr(i.event_ids, 8 * n + 1, 8), 'hex'))::bit(64)::bigint AS event_id
    FROM generate_series(0, length(i.event_ids) / 8 - 1) AS n) AS s
WHERE i.event_ids IS NOT NULL
GROUP BY s.event_id;

CREATE TRIGGER audit_items_append_only BEFORE UPDATE OR DELETE ON audit_items
    FOR EACH ROW EXECUTE FUNCTION serialhub_append_only();
CREATE TRIGGER audit_items_no_truncate BEFORE TRUNCATE ON audit_items
    FOR EACH STATEMENT EXECUTE FUNCTION serialhub_append_only();

ALTER TABLE items DROP COLUMN event_ids;
