SET lock_timeout = '2s';
SET search_path TO billing, public;

-- `invoices` resolves to billing.invoices (0001): an existing table.
ALTER TABLE invoices ADD COLUMN due_on date NOT NULL;
ALTER TABLE invoices ADD COLUMN memo text DEFAULT NULL;
ALTER TABLE invoices ADD COLUMN paid boolean NOT NULL DEFAULT false;
CREATE INDEX invoices_status_idx ON invoices (status);

-- A table created in this file, then indexed: fine whatever the schema.
CREATE TABLE payments (id uuid PRIMARY KEY, invoice_id uuid REFERENCES invoices (id),
                       created_at timestamptz, updated_at timestamptz);
CREATE INDEX payments_invoice_id_idx ON billing.payments (invoice_id);

-- Created in public (qualified), then found through the search_path's second schema.
CREATE TABLE public.import_batches (id uuid PRIMARY KEY, created_at timestamptz, updated_at timestamptz);
CREATE INDEX import_batches_created_at_idx ON import_batches (created_at);
-- SELECT ... INTO creates a table too; its columns come from invoices.
SELECT * INTO public.invoice_snapshots FROM billing.invoices;
CREATE INDEX invoice_snapshots_account_id_idx ON invoice_snapshots (account_id);
