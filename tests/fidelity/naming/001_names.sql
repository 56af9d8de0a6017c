-- The names PostgreSQL gives what a statement does not name, truncated to 63 bytes, with
-- a number when the name is taken.
CREATE TABLE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (
    id serial PRIMARY KEY,
    b int UNIQUE,
    c int CHECK (c > 0),
    CHECK (b > c),
    d int REFERENCES aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
);
CREATE TABLE t (a int, b int);
CREATE INDEX ON t (a);
CREATE INDEX ON t (a);
CREATE INDEX ON t (lower(b::text));
CREATE INDEX ON t ((a + b)) INCLUDE (b);
CREATE TABLE t_a_idx2 (x int);
CREATE INDEX ON t (a);
CREATE TABLE u (id int GENERATED ALWAYS AS IDENTITY, CONSTRAINT u_pkey CHECK (id > 0), PRIMARY KEY (id));
CREATE TABLE "MixedCase" ("Id" bigserial PRIMARY KEY, "Email" text UNIQUE);
CREATE TABLE long_names_here_and_there_and_everywhere (
    a_rather_long_column_name_for_a_key bigint,
    another_quite_long_column_name int,
    UNIQUE (a_rather_long_column_name_for_a_key, another_quite_long_column_name)
);
CREATE TABLE v_t_id_key (x int);
CREATE TABLE v (t_id int, UNIQUE (t_id));
CREATE TABLE w (t_id int, UNIQUE (t_id), UNIQUE (t_id));
