-- Organizations, people, partner relationships, their timeline, outgoing email and sessions.
-- Ids are opaque text (UUIDs); timestamps are UTC; money, when it comes, is integer minor units.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    currency    TEXT NOT NULL DEFAULT 'CHF' CHECK (currency IN ('CHF', 'EUR')),
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY NOT NULL,
    email               TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    password_changed_at TIMESTAMP NOT NULL
);

CREATE TABLE memberships (
    org_id      TEXT NOT NULL REFERENCES organizations (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    role        TEXT NOT NULL CHECK (role IN ('legal_rep', 'admin', 'billing', 'technical')),
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE partner_profiles (
    org_id      TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id),
    rate_bp     INTEGER NOT NULL DEFAULT 2000 CHECK (rate_bp BETWEEN 0 AND 3500),
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE partnerships (
    id              TEXT PRIMARY KEY NOT NULL,
    customer_org_id TEXT NOT NULL REFERENCES organizations (id),
    partner_org_id  TEXT NOT NULL REFERENCES partner_profiles (org_id),
    access          TEXT NOT NULL CHECK (access IN ('full', 'limited')),
    payment_mode    TEXT CHECK (payment_mode IN ('customer', 'partner')),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'active', 'ended')),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    -- a payment mode exists exactly when access is full
    CHECK ((access = 'full') = (payment_mode IS NOT NULL)),
    CHECK (customer_org_id <> partner_org_id)
);
-- one live relationship per pair; ended ones stay for the record
CREATE UNIQUE INDEX partnerships_live_pair ON partnerships (customer_org_id, partner_org_id)
    WHERE status <> 'ended';
CREATE INDEX partnerships_by_customer ON partnerships (customer_org_id, created_at, id);
CREATE INDEX partnerships_by_partner ON partnerships (partner_org_id, created_at, id);

CREATE TABLE partnership_events (
    id              TEXT PRIMARY KEY NOT NULL,
    partnership_id  TEXT NOT NULL REFERENCES partnerships (id),
    occurred_at     TIMESTAMP NOT NULL,
    actor_user_id   TEXT REFERENCES users (id),
    actor_org_id    TEXT REFERENCES organizations (id),
    kind            TEXT NOT NULL CHECK (kind IN ('invited', 'accepted', 'access_changed', 'payment_mode_changed', 'ended')),
    old_value       TEXT,
    new_value       TEXT
);
CREATE INDEX partnership_events_timeline ON partnership_events (partnership_id, occurred_at, id);

CREATE TABLE outbox_emails (
    id              TEXT PRIMARY KEY NOT NULL,
    message_id      TEXT NOT NULL UNIQUE,
    recipient       TEXT NOT NULL,
    recipient_name  TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    last_error      TEXT
);
CREATE INDEX outbox_emails_due ON outbox_emails (next_attempt_at) WHERE sent_at IS NULL;

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT REFERENCES users (id) ON DELETE CASCADE,
    state       TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
