DROP TABLE audit_containers;
DROP TABLE audit_items;
DROP TABLE audit_heads;
DROP TABLE audit_events;
DROP FUNCTION serialhub_append_only();
