-- Links sent to an address to act on an account: resetting a forgotten password, or
-- confirming a new email address (`detail` holds it). Only the link's digest is kept; a
-- link works once, until it expires.
CREATE TABLE account_links (
    token_hash      TEXT PRIMARY KEY NOT NULL,
    purpose         TEXT NOT NULL CHECK (purpose IN ('password_reset', 'email_change')),
    user_id         TEXT NOT NULL REFERENCES users (id),
    detail          TEXT,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    used_at         TIMESTAMP
);
CREATE INDEX account_links_by_user ON account_links (user_id, purpose);
