-- Audit recipe 2 (docs/audit.md): each event records the recipe it was hashed with. Events
-- written before keep recipe 1 (the default) and verify exactly as before; new events are
-- written with 2, whose hashed object carries "recipe": 2.
ALTER TABLE audit_events ADD COLUMN recipe SMALLINT NOT NULL DEFAULT 1 CHECK (recipe IN (1, 2));
