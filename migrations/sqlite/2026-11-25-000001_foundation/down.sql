DROP TABLE sessions;
DROP TABLE outbox_emails;
DROP TABLE partnership_events;
DROP TABLE partnerships;
DROP TABLE partner_profiles;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE organizations;
