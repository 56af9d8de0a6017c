CREATE OR REPLACE VIEW ${schema}.product_prices AS
    SELECT id, sku, price_cents / 100.0 AS price FROM ${schema}.products;
