SET lock_timeout = '2s';
-- PG 12+: the validated CHECKs make these instant.
ALTER TABLE billing.invoices ALTER COLUMN invoice_number SET NOT NULL;
ALTER TABLE billing.invoices ALTER COLUMN status SET NOT NULL;
-- Already NOT NULL since 0001: nothing to scan.
ALTER TABLE app."Users" ALTER COLUMN "AccountId" SET NOT NULL;
-- No CHECK for this one: a full scan under ACCESS EXCLUSIVE.
ALTER TABLE app."Users" ALTER COLUMN "Email" SET NOT NULL;
ALTER TABLE billing.invoices DROP CONSTRAINT invoices_number_not_null,
                             DROP CONSTRAINT invoices_status_not_null;
