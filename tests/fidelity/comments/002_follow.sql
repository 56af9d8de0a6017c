-- A comment goes with its object: through renames, a schema move, a type change, a drop and
-- a re-creation; LIKE ... INCLUDING COMMENTS copies the columns' and indexes' comments, not
-- the table's.
ALTER TABLE accounts RENAME TO members;
ALTER TABLE members RENAME COLUMN email TO login;
ALTER INDEX accounts_email_key RENAME TO members_login_key;
ALTER TABLE members ALTER COLUMN note TYPE varchar(500);
ALTER TABLE members DROP COLUMN legacy;
ALTER TABLE members ADD COLUMN legacy int;
CREATE SCHEMA archive;
CREATE TABLE old_members (id int PRIMARY KEY);
COMMENT ON TABLE old_members IS 'Moved to archive';
COMMENT ON COLUMN old_members.id IS 'As it was';
ALTER TABLE old_members SET SCHEMA archive;
CREATE TABLE member_copies (LIKE members INCLUDING COMMENTS INCLUDING INDEXES);
CREATE TABLE member_shapes (LIKE members INCLUDING INDEXES);
DROP TABLE drafts;
CREATE TABLE drafts (id int, body text);
CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
COMMENT ON TABLE events IS 'Partitioned';
COMMENT ON COLUMN events.at IS 'When';
CREATE INDEX events_at_idx ON events (at);
COMMENT ON INDEX events_at_idx IS 'Not copied to the partitions';
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
