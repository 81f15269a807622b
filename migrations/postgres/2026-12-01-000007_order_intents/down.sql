DROP TABLE order_intents;
