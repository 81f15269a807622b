ALTER TABLE invoice_lines DROP COLUMN words;
