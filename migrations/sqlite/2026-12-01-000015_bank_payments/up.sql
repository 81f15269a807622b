-- Credits read from the bank's notifications (camt.054) and statements (camt.053), each
-- kept once (`bank_ref`, the bank's own reference of the transaction), matched or not:
-- a payment is never dropped. `outcome` says what it did: `settled` its invoice,
-- `partial` (the invoice is not paid in full yet), `over` (more than was due, or an
-- invoice paid already), `currency` (the invoice is in another currency), `unknown` (no
-- invoice of ours has its reference).
CREATE TABLE bank_payments (
    id          TEXT PRIMARY KEY NOT NULL,
    bank_ref    TEXT NOT NULL UNIQUE,
    reference   TEXT,
    invoice_id  TEXT REFERENCES invoices (id),
    currency    TEXT NOT NULL,
    amount      BIGINT NOT NULL CHECK (amount > 0),
    booked_on   DATE NOT NULL,
    debtor      TEXT,
    outcome     TEXT NOT NULL CHECK (outcome IN ('settled', 'partial', 'over', 'currency', 'unknown')),
    file_name   TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL
);
CREATE INDEX bank_payments_by_invoice ON bank_payments (invoice_id);
CREATE INDEX bank_payments_unmatched ON bank_payments (imported_at) WHERE outcome <> 'settled';
