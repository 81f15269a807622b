-- An invitation its organization took back before it was answered.
ALTER TABLE member_invitations ADD COLUMN cancelled_at TIMESTAMP;
