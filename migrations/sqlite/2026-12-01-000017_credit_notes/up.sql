-- A mistaken invoice is never edited: a credit note, numbered in its own series per
-- year without gap, cancels it. The invoice records when (the only other change it
-- accepts besides its payment, once: a paid invoice is not cancelled, a cancelled one
-- is not paid).
ALTER TABLE invoices ADD COLUMN cancelled_at TIMESTAMP;
-- The reference a payment of the invoice carries, fixed when issued (a creditor
-- reference, or a QR reference when the provider's account was a QR-IBAN).
ALTER TABLE invoices ADD COLUMN payment_reference TEXT;

CREATE TABLE credit_note_counters (
    year        INTEGER PRIMARY KEY NOT NULL,
    last_number INTEGER NOT NULL
);

CREATE TABLE credit_notes (
    id         TEXT PRIMARY KEY NOT NULL,
    number     TEXT NOT NULL UNIQUE,
    year       INTEGER NOT NULL,
    sequence   INTEGER NOT NULL,
    invoice_id TEXT NOT NULL UNIQUE REFERENCES invoices (id),
    issued_at  TIMESTAMP NOT NULL,
    reason     TEXT NOT NULL,
    UNIQUE (year, sequence)
);

DROP TRIGGER invoices_are_immutable;
CREATE TRIGGER invoices_are_immutable BEFORE UPDATE ON invoices
WHEN NEW.id IS NOT OLD.id OR NEW.number IS NOT OLD.number OR NEW.year IS NOT OLD.year
  OR NEW.sequence IS NOT OLD.sequence OR NEW.payer_org_id IS NOT OLD.payer_org_id
  OR NEW.payer_name IS NOT OLD.payer_name OR NEW.order_id IS NOT OLD.order_id
  OR NEW.currency IS NOT OLD.currency OR NEW.issued_at IS NOT OLD.issued_at
  OR NEW.due_on IS NOT OLD.due_on OR NEW.subtotal IS NOT OLD.subtotal
  OR NEW.vat_rate_bp IS NOT OLD.vat_rate_bp OR NEW.vat IS NOT OLD.vat OR NEW.total IS NOT OLD.total
  OR NEW.buyer_address IS NOT OLD.buyer_address OR NEW.buyer_vat_number IS NOT OLD.buyer_vat_number
  OR NEW.payment_reference IS NOT OLD.payment_reference
  OR OLD.paid_at IS NOT NULL OR OLD.cancelled_at IS NOT NULL
  OR (NEW.paid_at IS NOT NULL AND NEW.cancelled_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'an issued invoice cannot be changed');
END;
CREATE TRIGGER credit_notes_are_immutable BEFORE UPDATE ON credit_notes
BEGIN
    SELECT RAISE(ABORT, 'an issued credit note cannot be changed');
END;
CREATE TRIGGER credit_notes_are_kept BEFORE DELETE ON credit_notes
BEGIN
    SELECT RAISE(ABORT, 'an issued credit note cannot be deleted');
END;

-- The invoices waiting for payment, by payer and due date (the dashboard counts them).
CREATE INDEX invoices_unpaid ON invoices (payer_org_id, due_on)
    WHERE paid_at IS NULL AND cancelled_at IS NULL;
