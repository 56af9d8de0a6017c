ALTER TABLE ${schema}.products ALTER COLUMN sku TYPE varchar(128);
ALTER TABLE ${schema}.products ALTER COLUMN price_cents TYPE numeric(12, 0);
DROP INDEX ${schema}.products_sku_idx;
