-- Later migrations change tables that already hold data.
ALTER TABLE orders ADD COLUMN region text NOT NULL;
ALTER TABLE orders ADD COLUMN tracking_token uuid DEFAULT gen_random_uuid();
ALTER TABLE orders ADD COLUMN shipped_at timestamptz DEFAULT now();
ALTER TABLE customers ALTER COLUMN email SET NOT NULL;
