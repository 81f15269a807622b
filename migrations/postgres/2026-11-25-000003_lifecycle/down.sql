DROP TABLE member_invitations;
DROP TABLE requested_products;
DROP INDEX partnerships_pending;
ALTER TABLE partnerships DROP COLUMN ended_at;
ALTER TABLE partnerships DROP COLUMN invited_at;
ALTER TABLE partnerships DROP COLUMN initiated_by;
