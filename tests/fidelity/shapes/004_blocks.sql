-- DDL inside DO blocks, guarded to run once.
CREATE TABLE accounts (id int PRIMARY KEY);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'tier') THEN
        CREATE TYPE tier AS ENUM ('free', 'paid');
    END IF;
    ALTER TABLE accounts ADD COLUMN tier tier NOT NULL DEFAULT 'free';
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'accounts_pkey') THEN
        ALTER TABLE accounts ADD PRIMARY KEY (id);
    END IF;
    BEGIN
        ALTER TABLE accounts ADD COLUMN tier text;
    EXCEPTION WHEN duplicate_column THEN NULL;
    END;
    EXECUTE 'CREATE INDEX accounts_tier ON accounts (tier)';
END
$$;
