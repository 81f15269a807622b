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

-- An invoice keeps the payer's address as it was when issued.
ALTER TABLE invoices ADD COLUMN buyer_address TEXT;
ALTER TABLE invoices ADD COLUMN buyer_vat_number TEXT;

-- The issued invoice's trigger, with the new columns.
DROP TRIGGER invoices_are_immutable;
CREATE TRIGGER invoices_are_immutable BEFORE UPDATE ON invoices
WHEN NEW.id IS NOT OLD.id OR NEW.number IS NOT OLD.number OR NEW.year IS NOT OLD.year
  OR NEW.sequence IS NOT OLD.sequence OR NEW.payer_org_id IS NOT OLD.payer_org_id
  OR NEW.payer_name IS NOT OLD.payer_name OR NEW.order_id IS NOT OLD.order_id
  OR NEW.currency IS NOT OLD.currency OR NEW.issued_at IS NOT OLD.issued_at
  OR NEW.due_on IS NOT OLD.due_on OR NEW.subtotal IS NOT OLD.subtotal
  OR NEW.vat_rate_bp IS NOT OLD.vat_rate_bp OR NEW.vat IS NOT OLD.vat OR NEW.total IS NOT OLD.total
  OR NEW.buyer_address IS NOT OLD.buyer_address OR NEW.buyer_vat_number IS NOT OLD.buyer_vat_number
  OR OLD.paid_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'an issued invoice cannot be changed');
END;
