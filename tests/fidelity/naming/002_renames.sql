-- An index keeps its name when its table is renamed; the index behind a constraint and the
-- constraint rename together; a renamed column keeps its place.
CREATE TABLE orders (id bigserial PRIMARY KEY, ref text UNIQUE, note text, total int);
ALTER TABLE orders RENAME TO purchases;
ALTER TABLE purchases RENAME COLUMN note TO remark;
ALTER INDEX orders_ref_key RENAME TO purchases_ref_key;
ALTER TABLE purchases RENAME CONSTRAINT orders_pkey TO purchases_pkey;
CREATE TABLE orders (id int);
CREATE INDEX ON orders (id);
ALTER TABLE purchases ADD COLUMN customer_id bigint;
ALTER TABLE purchases DROP COLUMN total;
CREATE SCHEMA archive;
CREATE TABLE moved (id serial PRIMARY KEY, v text);
CREATE INDEX moved_v ON moved (v);
ALTER TABLE moved SET SCHEMA archive;
