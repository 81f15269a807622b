ALTER TABLE order_intents DROP COLUMN label;
ALTER TABLE products DROP COLUMN label;
