-- Nobody becomes a member without accepting, and an invitation creates no account.
-- An invitation is addressed to an email: its owner accepts it from the email's link or
-- in the app (an existing account), or chooses a password through the link (a new one).
ALTER TABLE member_invitations ADD COLUMN email TEXT;
ALTER TABLE member_invitations ADD COLUMN name TEXT;
ALTER TABLE member_invitations ADD COLUMN declined_at TIMESTAMP;
UPDATE member_invitations i SET email = u.email, name = u.name FROM users u WHERE u.id = i.user_id;
ALTER TABLE member_invitations ALTER COLUMN email SET NOT NULL;
ALTER TABLE member_invitations ALTER COLUMN name SET NOT NULL;
ALTER TABLE member_invitations DROP COLUMN user_id;
ALTER TABLE member_invitations ADD CHECK (accepted_at IS NULL OR declined_at IS NULL);
CREATE INDEX member_invitations_by_email ON member_invitations (email, created_at);
-- The password-less accounts earlier invitations made, that nobody claimed.
DELETE FROM users WHERE password_hash = ''
    AND id NOT IN (SELECT user_id FROM memberships);

-- A partner asks for a client by the email of its legal representative or
-- administrator; the answer is the same whether the address is anyone's. Its owner
-- answers it for one of their organizations, which then becomes the partnership.
CREATE TABLE client_requests (
    id                      TEXT PRIMARY KEY NOT NULL,
    partner_org_id          TEXT NOT NULL REFERENCES partner_profiles (org_id),
    email                   TEXT NOT NULL,
    access                  TEXT NOT NULL CHECK (access IN ('full', 'limited')),
    requested_by_user_id    TEXT NOT NULL REFERENCES users (id),
    created_at              TIMESTAMP NOT NULL,
    expires_at              TIMESTAMP NOT NULL,
    answered_at             TIMESTAMP,
    outcome                 TEXT CHECK (outcome IN ('accepted', 'refused', 'withdrawn')),
    partnership_id          TEXT REFERENCES partnerships (id),
    CHECK ((answered_at IS NULL) = (outcome IS NULL))
);
CREATE INDEX client_requests_by_partner ON client_requests (partner_org_id, created_at);
CREATE INDEX client_requests_by_email ON client_requests (email, created_at);
