-- The reminders sent for an overdue invoice, one row per step (days after the due date):
-- the row is taken in the transaction that queues the email, so each step is sent once,
-- whatever runs the scheduler and however often.
CREATE TABLE invoice_reminders (
    invoice_id TEXT NOT NULL REFERENCES invoices (id),
    step_days INTEGER NOT NULL CHECK (step_days > 0),
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (invoice_id, step_days)
);

-- The invoices not paid yet, by due date: what reminders look through.
CREATE INDEX invoices_unpaid_by_due ON invoices (due_on) WHERE paid_at IS NULL;
