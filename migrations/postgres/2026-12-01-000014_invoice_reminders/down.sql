DROP INDEX invoices_unpaid_by_due;
DROP TABLE invoice_reminders;
