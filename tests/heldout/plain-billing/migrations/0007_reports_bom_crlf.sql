-- Миграция 7: отчёты — индексы «по-новому»
SET lock_timeout = '2s';

	CREATE INDEX CONCURRENTLY invoices_due_on_idx ON billing.invoices (due_on);
CREATE INDEX "Users_Email_idx" ON app."Users" ("Email"); -- ☃ non-ASCII after
/* «комментарий» */ DROP INDEX billing.invoices_status_idx;
CREATE INDEX invoices_paid ON billing.invoices (paid) WHERE;
ALTER TABLE billing.invoices ADD COLUMN réf text NOT NULL;
