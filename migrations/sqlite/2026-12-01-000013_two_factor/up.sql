-- Two-factor authentication: the account's TOTP secret (base32) once it is confirmed,
-- since when it is on, and the last time step a code was accepted for (a code is
-- accepted once).
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN two_factor_since TIMESTAMP;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- An organization whose members must all sign in with two-factor.
ALTER TABLE organizations ADD COLUMN requires_two_factor BOOLEAN NOT NULL DEFAULT FALSE;

-- Single-use recovery codes, kept as digests.
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    used_at TIMESTAMP,
    PRIMARY KEY (user_id, digest)
);
