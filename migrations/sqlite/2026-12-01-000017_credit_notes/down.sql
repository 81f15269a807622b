DROP INDEX invoices_unpaid;
DROP TRIGGER credit_notes_are_kept;
DROP TRIGGER credit_notes_are_immutable;
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
DROP TABLE credit_notes;
DROP TABLE credit_note_counters;
ALTER TABLE invoices DROP COLUMN payment_reference;
ALTER TABLE invoices DROP COLUMN cancelled_at;
