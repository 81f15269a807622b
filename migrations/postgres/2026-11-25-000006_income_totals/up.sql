-- What each partner has earned from each client, per currency and kind, kept up to date
-- in the transaction of every income entry: the income page reads totals and balances
-- here instead of adding up every entry.
CREATE TABLE income_totals (
    partner_org_id  TEXT NOT NULL REFERENCES organizations (id),
    customer_org_id TEXT NOT NULL REFERENCES organizations (id),
    currency        TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('cashback', 'refund')),
    amount          BIGINT NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (partner_org_id, customer_org_id, currency, kind)
);

INSERT INTO income_totals (partner_org_id, customer_org_id, currency, kind, amount)
SELECT partner_org_id, customer_org_id, currency, kind, CAST(SUM(amount) AS BIGINT)
FROM income_entries
GROUP BY partner_org_id, customer_org_id, currency, kind;
