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

CREATE OR REPLACE FUNCTION refuse_invoice_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'invoices'
       AND OLD.paid_at IS NULL AND OLD.cancelled_at IS NULL
       AND (NEW.paid_at IS NULL OR NEW.cancelled_at IS NULL)
       AND (to_jsonb(NEW) - 'paid_at' - 'cancelled_at') = (to_jsonb(OLD) - 'paid_at' - 'cancelled_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'an issued invoice cannot be changed';
END;
$$;
CREATE TRIGGER credit_notes_are_immutable BEFORE UPDATE OR DELETE ON credit_notes
    FOR EACH ROW EXECUTE FUNCTION refuse_invoice_change();

-- The invoices waiting for payment, by payer and due date (the dashboard counts them).
CREATE INDEX invoices_unpaid ON invoices (payer_org_id, due_on)
    WHERE paid_at IS NULL AND cancelled_at IS NULL;
