-- The language a person reads partnerdesk in; their emails follow it.
ALTER TABLE users ADD COLUMN locale TEXT CHECK (locale IN ('en', 'fr'));
