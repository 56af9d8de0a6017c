-- Primary keys, unique constraints and the indexes they imply; foreign keys.
CREATE TABLE customers (id uuid PRIMARY KEY UNIQUE, email text NOT NULL, CONSTRAINT customers_email_key UNIQUE (email));
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY,
    customer_id uuid REFERENCES customers ON DELETE CASCADE,
    parent_id bigint,
    placed_at date NOT NULL,
    total numeric CHECK (total >= 0),
    CHECK (placed_at > '2000-01-01' AND total < 1e9),
    PRIMARY KEY (id),
    UNIQUE (customer_id, placed_at) INCLUDE (total),
    FOREIGN KEY (parent_id) REFERENCES orders (id) ON DELETE SET NULL
);
CREATE INDEX ON orders (customer_id) WHERE customer_id IS NOT NULL;
CREATE UNIQUE INDEX orders_lower_idx ON orders (lower(total::text));
CREATE INDEX orders_brin ON orders USING brin (placed_at);
CREATE TABLE lines (order_id bigint NOT NULL, n int NOT NULL);
CREATE UNIQUE INDEX CONCURRENTLY lines_key ON lines (order_id, n);
ALTER TABLE lines ADD CONSTRAINT lines_pkey PRIMARY KEY USING INDEX lines_key;
ALTER TABLE lines ADD FOREIGN KEY (order_id) REFERENCES orders;
ALTER TABLE lines ADD COLUMN note text, ADD COLUMN sku text;
CREATE INDEX lines_note ON lines (upper(note));
CREATE INDEX lines_sku_partial ON lines (n) WHERE sku IS NOT NULL;
ALTER TABLE lines DROP COLUMN note, DROP COLUMN sku;
CREATE TABLE copies (LIKE orders INCLUDING ALL);
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE rooms (room int, during tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&));
