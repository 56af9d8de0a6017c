-- +goose NO TRANSACTION
-- +goose Up
-- CONCURRENTLY is not supported on a partitioned parent: build per partition, then attach.
CREATE INDEX events_kind_idx ON ONLY events (kind);
CREATE INDEX CONCURRENTLY events_2024_01_kind_idx ON events_2024_01 (kind);
CREATE INDEX CONCURRENTLY events_2024_02_kind_idx ON events_2024_02 (kind);
ALTER INDEX events_kind_idx ATTACH PARTITION events_2024_01_kind_idx;
ALTER INDEX events_kind_idx ATTACH PARTITION events_2024_02_kind_idx;

-- +goose Down
DROP INDEX events_kind_idx;
