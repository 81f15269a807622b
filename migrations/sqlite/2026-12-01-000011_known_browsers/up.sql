-- The browsers each account signed in from, by the digest of a long-lived cookie of
-- their own: a sign-in from one not seen before is told to the account's address.
CREATE TABLE known_browsers (
    user_id         TEXT NOT NULL REFERENCES users (id),
    browser_hash    TEXT NOT NULL,
    first_seen_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, browser_hash)
);
