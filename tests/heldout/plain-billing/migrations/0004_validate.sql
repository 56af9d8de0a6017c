SET lock_timeout = '2s';
ALTER TABLE billing.invoices VALIDATE CONSTRAINT invoices_number_not_null;
ALTER TABLE billing.invoices VALIDATE CONSTRAINT invoices_status_not_null;
-- The column is renamed after its CHECK was validated: the CHECK follows it.
ALTER TABLE billing.invoices RENAME COLUMN number TO invoice_number;
