-- Flyway: ${schema} is a placeholder with no value here; it renders as an identifier.
CREATE TABLE ${schema}.products (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku         varchar(64) NOT NULL,
    price_cents bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE ${schema}.product_tags (
    product_id bigint NOT NULL REFERENCES ${schema}.products (id),
    tag        text   NOT NULL,
    PRIMARY KEY (tag, product_id)
);
CREATE TABLE ${schema}.staging_products (LIKE ${schema}.products INCLUDING ALL);
