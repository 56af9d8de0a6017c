-- Partitions get the indexes of their partitioned table.
CREATE TABLE events (id bigint NOT NULL, at date NOT NULL, kind text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE INDEX events_kind ON events (kind);
CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE TABLE events_2021 (id bigint NOT NULL, at date NOT NULL, kind text);
CREATE INDEX events_2021_kind_own ON events_2021 (kind);
ALTER TABLE events ATTACH PARTITION events_2021 FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
CREATE UNIQUE INDEX events_id_at ON events (id, at);
CREATE TABLE events_2022 PARTITION OF events FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
CREATE INDEX events_at ON events (at);
DROP INDEX events_at;
CREATE TABLE parent_t (id serial PRIMARY KEY, v text DEFAULT 'x');
CREATE TABLE child_t (extra int) INHERITS (parent_t);
CREATE TABLE kinds_of_events (id int PRIMARY KEY);
CREATE TABLE tagged (id bigint NOT NULL, at date NOT NULL, kind_id int REFERENCES kinds_of_events, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE tagged_2020 PARTITION OF tagged FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
ALTER TABLE tagged ADD CONSTRAINT tagged_event_fkey FOREIGN KEY (id, at) REFERENCES events (id, at);
CREATE TABLE tagged_2021 (id bigint NOT NULL, at date NOT NULL, kind_id int);
ALTER TABLE tagged ATTACH PARTITION tagged_2021 FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
