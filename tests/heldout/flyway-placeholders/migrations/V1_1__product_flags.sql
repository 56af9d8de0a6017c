ALTER TABLE ${schema}.products ADD COLUMN discontinued boolean NOT NULL DEFAULT false;
ALTER TABLE ${schema}.products ADD COLUMN ${flag_column} text NOT NULL;
ALTER TABLE ${schema}.products ADD COLUMN supplier_id bigint REFERENCES ${schema}.products (id);
ALTER TABLE ${schema}.products ADD COLUMN weight_g int CHECK (weight_g > 0);
CREATE INDEX products_sku_idx ON ${schema}.products (sku);
