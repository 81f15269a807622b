-- An invoice line's words as a message and its values (JSON), so that each reader reads
-- it in their own language; `description` keeps it as written in the orderer's. Lines
-- issued before have none and are shown as written.
ALTER TABLE invoice_lines ADD COLUMN words TEXT;
