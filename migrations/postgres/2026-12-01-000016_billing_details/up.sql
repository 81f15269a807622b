-- Who an organization's invoices are addressed to. Its legal representatives,
-- administrators and billing staff keep it; an order waits for the payer's.
CREATE TABLE billing_details (
    org_id        TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id),
    legal_name    TEXT NOT NULL,
    street        TEXT NOT NULL,
    house_number  TEXT NOT NULL DEFAULT '',
    postcode      TEXT NOT NULL,
    town          TEXT NOT NULL,
    country       TEXT NOT NULL CHECK (length(country) = 2),
    vat_number    TEXT,
    billing_email TEXT NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

-- An invoice keeps the payer's address as it was when issued (the trigger of
-- 000002 already refuses any change to any column of an issued invoice).
ALTER TABLE invoices ADD COLUMN buyer_address TEXT;
ALTER TABLE invoices ADD COLUMN buyer_vat_number TEXT;
