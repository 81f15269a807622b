-- Partnerships from invitation to end, and people invited into organizations.

ALTER TABLE partnerships ADD COLUMN initiated_by TEXT NOT NULL DEFAULT 'customer'
    CHECK (initiated_by IN ('customer', 'partner'));
-- When the pending invitation was (last) sent; it expires 30 days later.
ALTER TABLE partnerships ADD COLUMN invited_at TIMESTAMP;
ALTER TABLE partnerships ADD COLUMN ended_at TIMESTAMP;
CREATE INDEX partnerships_pending ON partnerships (invited_at) WHERE status = 'pending';

-- The products a customer lists for a partner with limited access, until the partner
-- accepts; from then on the products themselves name their managing partnership.
CREATE TABLE requested_products (
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id),
    product_id      TEXT NOT NULL REFERENCES products (id),
    PRIMARY KEY (partnership_id, product_id)
);

-- A colleague invited into an organization, until they set their password.
CREATE TABLE member_invitations (
    id                  TEXT PRIMARY KEY NOT NULL,
    org_id              TEXT NOT NULL REFERENCES organizations (id),
    user_id             TEXT NOT NULL REFERENCES users (id),
    role                TEXT NOT NULL CHECK (role IN ('legal_rep', 'admin', 'billing', 'technical')),
    token_hash          TEXT NOT NULL UNIQUE,
    invited_by_user_id  TEXT NOT NULL REFERENCES users (id),
    created_at          TIMESTAMP NOT NULL,
    expires_at          TIMESTAMP NOT NULL,
    accepted_at         TIMESTAMP
);
CREATE INDEX member_invitations_by_org ON member_invitations (org_id, created_at);

-- New kinds of timeline events: SQLite cannot alter a CHECK, so the table is rebuilt.
CREATE TABLE partnership_events_new (
    id              TEXT PRIMARY KEY NOT NULL,
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id),
    occurred_at     TIMESTAMP NOT NULL,
    actor_user_id   TEXT REFERENCES users (id),
    actor_org_id    TEXT REFERENCES organizations (id),
    kind            TEXT NOT NULL CHECK (kind IN ('invited', 'accepted', 'refused', 'withdrawn', 'resent', 'expired',
                                                  'access_changed', 'payment_mode_changed', 'ended')),
    old_value       TEXT,
    new_value       TEXT
);
INSERT INTO partnership_events_new SELECT id, partnership_id, occurred_at, actor_user_id, actor_org_id, kind, old_value, new_value
    FROM partnership_events;
DROP TABLE partnership_events;
ALTER TABLE partnership_events_new RENAME TO partnership_events;
CREATE INDEX partnership_events_timeline ON partnership_events (partnership_id, occurred_at, id);
