ALTER TABLE partnerships DROP COLUMN outcome;
