-- Billing lives in its own schema; the app schema holds users.
BEGIN;

CREATE SCHEMA IF NOT EXISTS billing;
CREATE SCHEMA IF NOT EXISTS app;

CREATE TABLE billing.accounts (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE billing.invoices (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    account_id  uuid NOT NULL REFERENCES billing.accounts (id) ON DELETE CASCADE,
    number      text,
    status      text,
    legacy_no   integer,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
-- Index on a table created above: nobody reads it yet.
CREATE INDEX invoices_account_id_idx ON billing.invoices (account_id);

CREATE TABLE app."Users" (
    "Id"         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    "AccountId"  uuid NOT NULL REFERENCES billing.accounts (id),
    "Email"      text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

COMMIT;
