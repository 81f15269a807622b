ALTER TABLE invoices DROP COLUMN buyer_vat_number;
ALTER TABLE invoices DROP COLUMN buyer_address;
DROP TABLE billing_details;
