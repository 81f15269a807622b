-- The locale a person reads partnerdesk in (language, and Swiss numbers or not); their emails follow it.
ALTER TABLE users ADD COLUMN locale TEXT CHECK (locale IN ('en', 'en-CH', 'fr', 'fr-CH'));
