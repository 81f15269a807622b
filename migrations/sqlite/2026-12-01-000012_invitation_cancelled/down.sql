ALTER TABLE member_invitations DROP COLUMN cancelled_at;
