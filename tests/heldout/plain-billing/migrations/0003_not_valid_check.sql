SET lock_timeout = '2s';
-- Step 1 of the NOT NULL recipe: instant.
ALTER TABLE billing.invoices
    ADD CONSTRAINT invoices_number_not_null CHECK (number IS NOT NULL) NOT VALID;
ALTER TABLE billing.invoices
    ADD CONSTRAINT invoices_status_not_null CHECK (NOT (status IS NULL)) NOT VALID;
