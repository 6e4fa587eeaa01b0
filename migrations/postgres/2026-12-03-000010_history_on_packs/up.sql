-- A pack's history moves onto the pack's own row (issue 11 item 2, docs/scaling.md): the ids of
-- the events that touched the pack, 8 bytes each (int8send, big-endian) appended to a bytea in the
-- UPDATE that already rewrites the row for the event. It replaces one row per event with a
-- GIN-indexed id array, whose index cost 72 bytes per pack and a posting-list insert per pack per
-- event. The commissioning event is still found through the pack's commission, a container's
-- events through audit_containers. The index is derived: the hash chain is the record.
ALTER TABLE items ADD COLUMN event_ids BYTEA;

UPDATE items SET event_ids = h.ids
FROM (SELECT k.item_id, string_agg(int8send(a.event_id), ''::bytea ORDER BY a.event_id) AS ids
      FROM audit_items a CROSS JOIN LATERAL unnest(a.item_ids) AS k(item_id)
      GROUP BY k.item_id) AS h
WHERE items.id = h.item_id;

-- Its triggers and its GIN index go with it.
DROP TABLE audit_items;
