-- COMMENT ON: set, replaced, removed (NULL and ''), on tables, views, materialized views,
-- columns and indexes.
CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, note text, legacy int);
COMMENT ON TABLE accounts IS 'People who sign in.';
COMMENT ON COLUMN accounts.email IS 'Unique, lower case.';
COMMENT ON COLUMN accounts.note IS 'Free text';
COMMENT ON COLUMN accounts.note IS 'Free text, shown to staff only';
COMMENT ON COLUMN accounts.legacy IS 'Goes away';
CREATE UNIQUE INDEX accounts_email_key ON accounts (email);
COMMENT ON INDEX accounts_email_key IS 'Sign-in lookup';
COMMENT ON INDEX accounts_pkey IS 'The key''s own index';
CREATE TABLE drafts (id int, body text);
COMMENT ON TABLE drafts IS 'Removed with NULL';
COMMENT ON TABLE drafts IS NULL;
COMMENT ON COLUMN drafts.body IS 'Removed with an empty string';
COMMENT ON COLUMN drafts.body IS '';
CREATE VIEW active_accounts AS SELECT id, email FROM accounts;
COMMENT ON VIEW active_accounts IS 'Accounts in use';
CREATE OR REPLACE VIEW active_accounts AS SELECT id, email FROM accounts WHERE id > 0;
CREATE MATERIALIZED VIEW account_counts AS SELECT count(*) AS n FROM accounts;
COMMENT ON MATERIALIZED VIEW account_counts IS 'Refreshed nightly';
ALTER TABLE accounts ADD CONSTRAINT accounts_email_check CHECK (email = lower(email));
COMMENT ON CONSTRAINT accounts_email_check ON accounts IS 'Stored lower case';
