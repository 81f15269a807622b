DROP INDEX invoices_unpaid;
DROP TRIGGER credit_notes_are_immutable ON credit_notes;
CREATE OR REPLACE FUNCTION refuse_invoice_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'invoices' AND OLD.paid_at IS NULL
       AND (to_jsonb(NEW) - 'paid_at') = (to_jsonb(OLD) - 'paid_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'an issued invoice cannot be changed';
END;
$$;
DROP TABLE credit_notes;
DROP TABLE credit_note_counters;
ALTER TABLE invoices DROP COLUMN payment_reference;
ALTER TABLE invoices DROP COLUMN cancelled_at;
