-- A product changes hands between partners only in the open: the partnership that
-- loses it and the one that takes it over each record it in their timeline.
-- (SQLite changes a CHECK constraint by rebuilding the table.)
CREATE TABLE partnership_events_new (
    id              TEXT PRIMARY KEY NOT NULL,
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id),
    occurred_at     TIMESTAMP NOT NULL,
    actor_user_id   TEXT REFERENCES users (id),
    actor_org_id    TEXT REFERENCES organizations (id),
    kind            TEXT NOT NULL CHECK (kind IN ('invited', 'accepted', 'refused', 'withdrawn', 'resent', 'expired',
                                                  'access_changed', 'payment_mode_changed', 'ended',
                                                  'product_taken_over', 'product_moved_away')),
    old_value       TEXT,
    new_value       TEXT
);
INSERT INTO partnership_events_new SELECT id, partnership_id, occurred_at, actor_user_id, actor_org_id, kind, old_value, new_value
    FROM partnership_events;
DROP TABLE partnership_events;
ALTER TABLE partnership_events_new RENAME TO partnership_events;
CREATE INDEX partnership_events_timeline ON partnership_events (partnership_id, occurred_at, id);
