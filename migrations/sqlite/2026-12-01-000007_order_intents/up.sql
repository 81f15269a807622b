-- What a member reviewed before confirming an order or a renewal: the confirmation
-- carries the intent's id, and placing the order consumes it in the same transaction.
-- A replayed or doubled confirmation finds it consumed and shows the order it made.
CREATE TABLE order_intents (
    id              TEXT PRIMARY KEY NOT NULL,
    org_id          TEXT NOT NULL REFERENCES organizations (id),
    user_id         TEXT NOT NULL REFERENCES users (id),
    kind            TEXT NOT NULL CHECK (kind IN ('new', 'renewal')),
    customer_org_id TEXT NOT NULL REFERENCES organizations (id),
    offer_code      TEXT NOT NULL REFERENCES offers (code),
    product_id      TEXT REFERENCES products (id),
    partnership_id  TEXT REFERENCES partnerships (id),
    payer_org_id    TEXT NOT NULL REFERENCES organizations (id),
    currency        TEXT NOT NULL,
    public_price    BIGINT NOT NULL,
    discount        BIGINT NOT NULL,
    total           BIGINT NOT NULL,
    income_kind     TEXT CHECK (income_kind IN ('cashback', 'refund')),
    income_amount   BIGINT,
    period_start    DATE NOT NULL,
    period_end      DATE NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    order_id        TEXT UNIQUE REFERENCES orders (id),
    CHECK ((kind = 'renewal') = (product_id IS NOT NULL)),
    CHECK ((income_kind IS NULL) = (income_amount IS NULL))
);
CREATE INDEX order_intents_by_expiry ON order_intents (expires_at);
