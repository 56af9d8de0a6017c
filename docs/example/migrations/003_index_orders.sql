CREATE INDEX orders_region_idx ON orders (region);
DROP INDEX orders_created_at_idx;

BEGIN;
CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total_cents);
COMMIT;
