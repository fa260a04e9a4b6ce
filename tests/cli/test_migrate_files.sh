#!/usr/bin/env bash
# Migration files written for dbmate and psql load as they read them: dbmate's names, a byte order
# mark, CR LF kept inside literals, BEGIN ATOMIC bodies, CREATE RULE ... (;); and what they refuse
# is refused loudly: an empty directory, near-miss names, SQL above the marker, BEGIN/COMMIT.
. "$(dirname "$0")/lib.sh"
url=$(new_db)
mkdir "$T/mig"

run --database-url "$url" migrate status --migrations-dir "$T/mig"
assert_rc 1
assert_contains "$err" "devlogctl: error: $T/mig: no migration files (names like 0001_create_users.sql)"

printf '\xef\xbb\xbf-- migrate:up\r\nCREATE TABLE notes (id int, body text);\r\nINSERT INTO notes VALUES (1, '"'"'a\r\nb'"'"');\r\n' \
  >"$T/mig/20240101120000-Add-Notes.sql"
cat >"$T/mig/20240101120001_functions.sql" <<'SQL'
-- migrate:up
CREATE FUNCTION note_count() RETURNS bigint LANGUAGE sql
BEGIN ATOMIC
  SELECT count(*) FROM notes;
END;
CREATE TABLE note_log (id int);
CREATE RULE log_notes AS ON INSERT TO notes DO ALSO (INSERT INTO note_log VALUES (NEW.id); INSERT INTO note_log VALUES (-NEW.id));
-- migrate:down
DROP RULE log_notes ON notes;
DROP TABLE note_log;
DROP FUNCTION note_count();
SQL
run --database-url "$url" migrate up --migrations-dir "$T/mig"
assert_rc 0
assert_eq "610d0a62" "$(sql "$url" "SELECT encode(convert_to(body, 'UTF8'), 'hex') FROM notes")" "CR LF inside a literal"
sql "$url" "INSERT INTO notes VALUES (2, 'x')" >/dev/null
assert_eq "2|2" "$(sql "$url" "SELECT note_count(), (SELECT count(*) FROM note_log)")" "function and rule"
expected=$(sed 's/\r$//' "$T/mig/20240101120000-Add-Notes.sql" | sha256sum | cut -d' ' -f1)
assert_eq "$expected" "$(sql "$url" "SELECT checksum FROM devlogctl.schema_migrations WHERE version = 20240101120000")" \
  "checksum: SHA-256 of the file with CR LF as LF"
run --database-url "$url" migrate status --migrations-dir "$T/mig" --format csv
assert_contains "$out" "20240101120000,Add-Notes,applied"

cp "$T/mig/20240101120001_functions.sql" "$T/mig/20240101120002_more.SQL"
run --database-url "$url" migrate status --migrations-dir "$T/mig"
assert_rc 1
assert_contains "$err" "$T/mig/20240101120002_more.SQL: a migration file name ends in '.sql' in lower case: rename it to 20240101120002_more.sql"
rm "$T/mig/20240101120002_more.SQL"

printf -- '-- Flyway style\n-- migrate:up\nBEGIN;\nCREATE TABLE wrapped (x int);\nCOMMIT;\n' >"$T/mig/20240101120003_wrapped.sql"
run --database-url "$url" migrate up --migrations-dir "$T/mig"
assert_rc 1
assert_contains "$err" "devlogctl: error: 20240101120003_wrapped.sql:3: BEGIN is transaction control, but this migration runs in one transaction already: remove it, or write '-- migrate:up transaction:false'"
sed -i 's/^-- migrate:up$/-- migrate:up transaction:false/' "$T/mig/20240101120003_wrapped.sql"
run --database-url "$url" migrate up --migrations-dir "$T/mig"
assert_rc 0
assert_eq "wrapped" "$(sql "$url" "SELECT to_regclass('wrapped')")" "table of the transaction:false migration"

printf -- '-- migrate:down\nDROP TABLE lost;\n' >"$T/mig/20240101120004_lost.sql"
sed -i '1i CREATE TABLE lost (x int);' "$T/mig/20240101120004_lost.sql"
printf -- '-- migrate:up\nCREATE TABLE lost (x int);\n' >>"$T/mig/20240101120004_lost.sql"
run --database-url "$url" migrate status --migrations-dir "$T/mig"
assert_rc 1
assert_contains "$err" "20240101120004_lost.sql:1: SQL above the '-- migrate:up' marker would never run"
rm "$T/mig/20240101120004_lost.sql"

# COPY ... FROM stdin with its data in the file (pg_dump and Flyway write these): the data is sent
# as COPY input, in the migration's transaction, and later statements keep their line numbers.
cat >"$T/mig/20240101120005_seed.sql" <<'SQL'
-- migrate:up
CREATE TABLE seed (id int, label text);
COPY seed (id, label) FROM stdin;
1	one
2	\N
3	tab\there
\.
SELECT no_such_column FROM seed;
SQL
run --database-url "$url" migrate up --migrations-dir "$T/mig"
assert_rc 1
assert_contains "$err" "devlogctl: error: 20240101120005_seed.sql:8: column \"no_such_column\" does not exist"
assert_eq "" "$(sql "$url" "SELECT to_regclass('seed')")" "table of the rolled back COPY migration"
sed -i 's/^SELECT no_such_column FROM seed;$/SELECT count(*) FROM seed;/' "$T/mig/20240101120005_seed.sql"
run --database-url "$url" migrate up --migrations-dir "$T/mig"
assert_rc 0
assert_eq "1:one|2:NULL|3:tab	here" "$(sql "$url" "SELECT string_agg(id || ':' || coalesce(label, 'NULL'), '|' ORDER BY id) FROM seed")" "rows loaded by COPY"
pass
