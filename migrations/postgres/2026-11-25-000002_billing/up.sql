-- Offers, products, orders, invoices and partner income. Money is integer minor units
-- (centimes, cents) in the currency of the customer's organization.

CREATE TABLE offers (
    code        TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    price_chf   BIGINT NOT NULL CHECK (price_chf >= 0),
    price_eur   BIGINT NOT NULL CHECK (price_eur >= 0),
    position    INTEGER NOT NULL DEFAULT 0
);

-- A product is always installed in the customer's organization. `partnership_id` is the
-- partnership under which a partner manages it (full access: orders it placed or was
-- given; limited access: the products listed for it), or NULL.
CREATE TABLE products (
    id              TEXT PRIMARY KEY NOT NULL,
    customer_org_id TEXT NOT NULL REFERENCES organizations (id),
    offer_code      TEXT NOT NULL REFERENCES offers (code),
    partnership_id  TEXT REFERENCES partnerships (id),
    renews_on       DATE NOT NULL,
    auto_renew      INTEGER NOT NULL DEFAULT 1 CHECK (auto_renew IN (0, 1)),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX products_by_customer ON products (customer_org_id, created_at, id);
CREATE INDEX products_by_partnership ON products (partnership_id, renews_on);
CREATE INDEX products_due ON products (renews_on) WHERE auto_renew = 1;

CREATE TABLE orders (
    id                  TEXT PRIMARY KEY NOT NULL,
    customer_org_id     TEXT NOT NULL REFERENCES organizations (id),
    product_id          TEXT NOT NULL REFERENCES products (id),
    kind                TEXT NOT NULL CHECK (kind IN ('new', 'renewal')),
    placed_by           TEXT NOT NULL CHECK (placed_by IN ('customer', 'partner', 'scheduler')),
    placed_by_user_id   TEXT REFERENCES users (id),
    partnership_id      TEXT REFERENCES partnerships (id),
    payer_org_id        TEXT NOT NULL REFERENCES organizations (id),
    currency            TEXT NOT NULL,
    public_price        BIGINT NOT NULL,
    discount            BIGINT NOT NULL,
    price               BIGINT NOT NULL,
    period_start        DATE NOT NULL,
    period_end          DATE NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    CHECK (price = public_price - discount),
    -- a period of a product is billed once, whoever asks and however often
    UNIQUE (product_id, period_start)
);
CREATE INDEX orders_by_customer ON orders (customer_org_id, created_at, id);

-- Invoice numbers: one counter row per year, taken under the row lock of the order's
-- transaction, so numbers have no gap and no duplicate.
CREATE TABLE invoice_counters (
    year        INTEGER PRIMARY KEY NOT NULL,
    last_number INTEGER NOT NULL
);

CREATE TABLE invoices (
    id              TEXT PRIMARY KEY NOT NULL,
    number          TEXT NOT NULL UNIQUE,
    year            INTEGER NOT NULL,
    sequence        INTEGER NOT NULL,
    payer_org_id    TEXT NOT NULL REFERENCES organizations (id),
    payer_name      TEXT NOT NULL,
    order_id        TEXT NOT NULL UNIQUE REFERENCES orders (id),
    currency        TEXT NOT NULL,
    issued_at       TIMESTAMP NOT NULL,
    due_on          DATE NOT NULL,
    paid_at         TIMESTAMP,
    subtotal        BIGINT NOT NULL,
    vat_rate_bp     INTEGER NOT NULL,
    vat             BIGINT NOT NULL,
    total           BIGINT NOT NULL,
    UNIQUE (year, sequence),
    CHECK (total = subtotal + vat)
);
CREATE INDEX invoices_by_payer ON invoices (payer_org_id, issued_at, id);

CREATE TABLE invoice_lines (
    id          TEXT PRIMARY KEY NOT NULL,
    invoice_id  TEXT NOT NULL REFERENCES invoices (id),
    position    INTEGER NOT NULL,
    description TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    UNIQUE (invoice_id, position)
);

CREATE TABLE income_entries (
    id              TEXT PRIMARY KEY NOT NULL,
    partner_org_id  TEXT NOT NULL REFERENCES organizations (id),
    customer_org_id TEXT NOT NULL REFERENCES organizations (id),
    order_id        TEXT NOT NULL UNIQUE REFERENCES orders (id),
    kind            TEXT NOT NULL CHECK (kind IN ('cashback', 'refund')),
    currency        TEXT NOT NULL,
    amount          BIGINT NOT NULL CHECK (amount >= 0),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX income_by_partner ON income_entries (partner_org_id, created_at, id);
CREATE INDEX income_by_partner_customer ON income_entries (partner_org_id, customer_org_id, created_at, id);

INSERT INTO offers (code, name, price_chf, price_eur, position) VALUES
    ('web-hosting', 'Web Hosting', 15000, 14000, 1),
    ('domain-ch', 'Domain name .ch', 1500, 1400, 2),
    ('mail-service', 'Mail Service (10 addresses)', 6000, 5600, 3),
    ('kdrive', 'kDrive 1 TB', 12000, 11200, 4),
    ('cloud-server', 'Cloud Server', 48000, 44900, 5);

-- Issued invoices never change: only their payment may be recorded, once.
CREATE FUNCTION refuse_invoice_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'invoices' AND OLD.paid_at IS NULL
       AND (to_jsonb(NEW) - 'paid_at') = (to_jsonb(OLD) - 'paid_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'an issued invoice cannot be changed';
END;
$$;
CREATE TRIGGER invoices_are_immutable BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION refuse_invoice_change();
CREATE TRIGGER invoice_lines_are_immutable BEFORE UPDATE OR DELETE ON invoice_lines
    FOR EACH ROW EXECUTE FUNCTION refuse_invoice_change();
