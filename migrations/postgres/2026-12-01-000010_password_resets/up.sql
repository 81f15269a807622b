-- A forgotten password is reset through a link sent to the account's address. Only the
-- link's digest is kept; the link works once, until it expires.
CREATE TABLE password_resets (
    token_hash      TEXT PRIMARY KEY NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    used_at         TIMESTAMP
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);
