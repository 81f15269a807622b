DROP TABLE recovery_codes;
ALTER TABLE organizations DROP COLUMN requires_two_factor;
ALTER TABLE users DROP COLUMN totp_last_step;
ALTER TABLE users DROP COLUMN two_factor_since;
ALTER TABLE users DROP COLUMN totp_secret;
