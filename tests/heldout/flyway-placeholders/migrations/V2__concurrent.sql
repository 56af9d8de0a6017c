-- Flyway runs a file holding CREATE INDEX CONCURRENTLY outside a transaction.
CREATE INDEX CONCURRENTLY product_tags_product_id_idx ON ${schema}.product_tags (product_id);
CREATE INDEX CONCURRENTLY products_supplier_id_idx ON ${schema}.products (supplier_id);
