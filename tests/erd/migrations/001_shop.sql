-- A small shop with what the pictures must handle: a second schema, composite, optional,
-- one-to-one and identifying foreign keys, types with spaces, commas and brackets, names
-- that need quoting, an enum, a view, partial and expression indexes, a check; comments,
-- one on two lines and with characters the formats quote, one on a column Mermaid renames.
CREATE SCHEMA billing;
CREATE TYPE order_state AS ENUM ('open', 'paid', 'shipped');

CREATE TABLE customers (
    id bigserial PRIMARY KEY,
    email character varying(255) NOT NULL UNIQUE,
    "Display Name" text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE customer_profiles (
    customer_id bigint PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    bio text
);

CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    referrer_id bigint REFERENCES customers (id) ON DELETE SET NULL,
    state order_state NOT NULL DEFAULT 'open',
    total numeric(10,2) NOT NULL CHECK (total >= 0),
    tags text[],
    placed_at timestamp(3) without time zone,
    class text
);
CREATE INDEX orders_open_idx ON orders (customer_id) WHERE state = 'open';
CREATE INDEX orders_lower_class_idx ON orders (lower(class));

CREATE TABLE order_lines (
    order_id bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no integer NOT NULL,
    sku character varying(40) NOT NULL,
    quantity integer NOT NULL DEFAULT 1,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE billing.invoices (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id bigint NOT NULL,
    line_no integer NOT NULL,
    amount double precision,
    pk text,
    FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no)
);

CREATE VIEW open_orders AS SELECT id, customer_id FROM orders WHERE state = 'open';

COMMENT ON TABLE customers IS 'People who buy.';
COMMENT ON COLUMN customers.email IS 'Lower case, "unique": 100% checked | at sign-up';
COMMENT ON COLUMN customers."Display Name" IS 'Shown on invoices';
COMMENT ON TABLE orders IS E'One row per checkout.\n  Never deleted.';
COMMENT ON COLUMN orders.total IS 'Tax included';
COMMENT ON INDEX orders_open_idx IS 'The open orders of a customer';
COMMENT ON VIEW open_orders IS 'Orders not paid yet';

-- Names Mermaid's grammar would read as its own words.
CREATE TABLE "end" (pk integer, "to" text, many text);
