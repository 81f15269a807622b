-- A product's own name, given when it is ordered (a domain name, a site's address):
-- empty for a product given none, which is then known by its offer's name.
ALTER TABLE products ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE order_intents ADD COLUMN label TEXT NOT NULL DEFAULT '';
