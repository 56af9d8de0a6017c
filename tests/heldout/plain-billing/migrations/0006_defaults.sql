SET lock_timeout = '2s';
ALTER TABLE app."Users"
    ADD COLUMN "Token" uuid DEFAULT gen_random_uuid(),
    ADD COLUMN seen_at timestamptz DEFAULT CURRENT_TIMESTAMP,
    ADD COLUMN "Locale" text DEFAULT replace(lower('EN-us'), '-', '_'),
    ADD COLUMN score numeric DEFAULT round(pi()::numeric, 2),
    ADD COLUMN touched_at timestamptz DEFAULT clock_timestamp();
ALTER TABLE billing.invoices ALTER COLUMN legacy_no TYPE integer;
ALTER TABLE billing.invoices ALTER COLUMN legacy_no TYPE bigint;
