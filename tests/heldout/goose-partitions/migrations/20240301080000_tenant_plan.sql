-- +goose Up
ALTER TABLE tenants ADD COLUMN plan text NOT NULL DEFAULT 'free';
ALTER TABLE tenants ADD COLUMN "billingEmail" text NOT NULL;
ALTER TABLE tenants ADD COLUMN api_key uuid NOT NULL DEFAULT gen_random_uuid();
CREATE INDEX CONCURRENTLY tenants_plan_idx ON tenants (plan);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'event_kind') THEN
        CREATE TYPE event_kind AS ENUM ('click', 'view');
    END IF;
END
$$;
ALTER TABLE events ALTER COLUMN kind SET NOT NULL;

-- +goose Down
DROP INDEX CONCURRENTLY tenants_plan_idx;
ALTER TABLE tenants DROP COLUMN plan, DROP COLUMN "billingEmail", DROP COLUMN api_key;
