DROP TABLE income_entries;
DROP TABLE invoice_lines;
DROP TABLE invoices;
DROP TABLE invoice_counters;
DROP TABLE orders;
DROP TABLE products;
DROP TABLE offers;
