#!/usr/bin/env bash
# A failing migration is rolled back: the database is exactly as before it, and the message names
# the file, the line of the statement and the server's error.
. "$(dirname "$0")/lib.sh"
url=$(new_db)
mkdir "$T/mig"
printf -- '-- migrate:up\nCREATE TABLE good (id int);\n' >"$T/mig/0001_good.sql"
cat >"$T/mig/0002_broken.sql" <<'SQL'
-- A migration whose third statement fails.
-- migrate:up
CREATE TABLE half (id int);
INSERT INTO half VALUES (1);
INSERT INTO no_such_table VALUES (1);
-- migrate:down
DROP TABLE half;
SQL
snapshot() {
  sql "$url" "SELECT string_agg(c.relname || ':' || c.relkind::text, ',' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'" || return 1
  sql "$url" "SELECT string_agg(version::text, ',' ORDER BY version) FROM devlogctl.schema_migrations"
}
run --database-url "$url" migrate --migrations-dir "$T/mig" up --to 1
assert_rc 0
before=$(snapshot) || fail "snapshot query failed"
assert_contains "$before" "good:r"

run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 1
assert_contains "$err" "devlogctl: error: 0002_broken.sql:5: relation \"no_such_table\" does not exist (SQLSTATE 42P01)"
assert_contains "$err" "0002_broken.sql was rolled back"
assert_not_contains "$err" "INSERT INTO no_such_table" "stderr without -v"
assert_eq "$before" "$(snapshot)" "database after the failed migration"

# -v adds the failing statement.
run -v --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 1
assert_contains "$err" "INSERT INTO no_such_table VALUES (1)"

# A transaction:false migration that fails partway is recorded as failed; up refuses until
# --retry-failed.
rm "$T/mig/0002_broken.sql"
cat >"$T/mig/0002_concurrent.sql" <<'SQL'
-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY IF NOT EXISTS good_id ON good (id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS bad_id ON missing_table (id);
SQL
run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 1
assert_contains "$err" "0002_concurrent.sql:3: relation \"missing_table\" does not exist"
assert_contains "$err" "runs outside a transaction"
run --database-url "$url" migrate --migrations-dir "$T/mig" status
assert_contains "$out" "failed"
run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 4
assert_contains "$err" "--retry-failed"
sql "$url" "CREATE TABLE missing_table (id int)" >/dev/null
run --database-url "$url" migrate --migrations-dir "$T/mig" up --retry-failed
assert_rc 0
assert_eq "t" "$(sql "$url" "SELECT success FROM devlogctl.schema_migrations WHERE version = 2")" "retried migration"

# Server warnings reach stderr; notices only with -v.
cat >"$T/mig/0003_noisy.sql" <<'SQL'
-- migrate:up
CREATE TABLE IF NOT EXISTS good (id int);
DO $$ BEGIN RAISE WARNING 'check the data'; END $$;
SQL
run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 0
assert_contains "$err" "devlogctl: warning: server: check the data"
assert_not_contains "$err" "already exists, skipping"
printf -- '-- migrate:up\nCREATE TABLE IF NOT EXISTS good (id int);\n' >"$T/mig/0004_quiet.sql"
run -v --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 0
assert_contains "$err" "server NOTICE: relation \"good\" already exists, skipping"

# A malformed migration file is named with its line.
printf -- '-- migrate:up wat\nSELECT 1;\n' >"$T/mig/0005_bad.sql"
run --database-url "$url" migrate --migrations-dir "$T/mig" status
assert_rc 1
assert_contains "$err" "0005_bad.sql:1: unknown migration option 'wat'"

# A user without CREATE on the database (for devlogctl's own schema): the message says what failed
# and what to do; nothing changes.
url=$(new_db)
role="weak_$$"
sql "$DEVLOG_TEST_PG_URL" "CREATE ROLE $role LOGIN PASSWORD 'weak-pw'" >/dev/null
trap 'sql "$DEVLOG_TEST_PG_URL" "DROP ROLE IF EXISTS $role" >/dev/null 2>&1; _cleanup' EXIT
sql "$url" "REVOKE CREATE ON SCHEMA public FROM PUBLIC" >/dev/null
weak_url=$(sed -E "s#//[^@]*@#//$role:weak-pw@#" <<<"$url")
run --database-url "$weak_url" migrate up
assert_rc 1
assert_contains "$err" "devlogctl: error: cannot create the migration history table devlogctl.schema_migrations: permission denied for database"
assert_contains "$err" "(SQLSTATE 42501)"
assert_contains "$err" "GRANT CREATE ON DATABASE"
assert_eq "" "$(sql "$url" "SELECT to_regnamespace('devlogctl')")" "history schema"
# A deadlock (40P01) or serialization failure keeps its file, line and SQLSTATE (libpqxx 6.4 does not
# class them as SQL errors; devlogctl reads the server's error fields itself).
url=$(new_db)
rm -f "$T/mig"/*.sql
cat >"$T/mig/0001_deadlock.sql" <<'SQL'
-- migrate:up
CREATE TABLE d (id int);
DO $$ BEGIN RAISE EXCEPTION 'boom' USING ERRCODE = '40P01'; END $$;
SQL
run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 1
assert_contains "$err" "devlogctl: error: 0001_deadlock.sql:3: boom (SQLSTATE 40P01)"
assert_contains "$err" "0001_deadlock.sql was rolled back"

# Parse errors take the same path as every other error and point at the right --help.
run migrate up --bogus
assert_rc 2
assert_eq "devlogctl: error: The following argument was not expected: --bogus
  hint: see 'devlogctl migrate up --help'" "$err" "unknown flag"
run migrate bogus
assert_rc 2
assert_contains "$err" "devlogctl: error: unknown command 'bogus' (commands: up, status, down, verify, new, baseline)"
run nosuch
assert_rc 2
# The list grows with every command group: its ends are enough.
assert_contains "$err" "devlogctl: error: unknown command 'nosuch' (commands: migrate, "
assert_contains "$err" ", completion)"
# The error names the failing line also below comment lines, and in a CR LF file.
url=$(new_db)
rm -f "$T/mig"/*.sql
printf -- '-- migrate:up\nCREATE TABLE a (id int);\n-- one\n-- two\n/* three */\nSELECT id,\n  nosuchcol FROM a;\n' >"$T/mig/0001_lines.sql"
run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 1
assert_contains "$err" "devlogctl: error: 0001_lines.sql:7: column \"nosuchcol\" does not exist"
printf -- '-- migrate:up\r\nCREATE TABLE a (id int);\r\n-- one\r\n-- two\r\nSELECT id,\r\n  nosuchcol FROM a;\r\n' >"$T/mig/0001_lines.sql"
run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 1
assert_contains "$err" "devlogctl: error: 0001_lines.sql:6: column \"nosuchcol\" does not exist"

# An empty section anywhere in the run is refused before anything runs (and by --dry-run).
printf -- '-- migrate:up\nCREATE TABLE a (id int);\n' >"$T/mig/0001_lines.sql"
printf -- '-- migrate:up\n\n' >"$T/mig/0002_empty.sql"
run --database-url "$url" migrate --migrations-dir "$T/mig" up --dry-run
assert_rc 1
assert_contains "$err" "0002_empty.sql:1: the up section is empty"
run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 1
assert_eq "" "$(sql "$url" "SELECT to_regclass('a')")" "0001 must not run when 0002 is refused"

# A transaction:false down section that stops midway: status says so; nothing claims it reverted.
rm -f "$T/mig"/*.sql
cat >"$T/mig/0001_two.sql" <<'SQL'
-- migrate:up
CREATE TABLE a (id int);
CREATE TABLE b (id int);
-- migrate:down transaction:false
DROP TABLE a;
DROP TABLE nosuch;
DROP TABLE b;
SQL
run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 0
run --database-url "$url" migrate --migrations-dir "$T/mig" down
assert_rc 1
assert_contains "$err" "0001_two.sql:6: table \"nosuch\" does not exist"
assert_contains "$err" "its statements before line 6 stay applied"
run --database-url "$url" migrate --migrations-dir "$T/mig" status --format csv
assert_contains "$out" "0001,two,failed,"
assert_contains "$out" "its down section (revert) stopped after 1 of 3 statements (statement 1 stays applied)"
run --database-url "$url" migrate --migrations-dir "$T/mig" verify
assert_rc 4

# A database whose devlogctl schema a DBA created beforehand: no CREATE on the database needed.
url=$(new_db)
role="owner_$$"
sql "$DEVLOG_TEST_PG_URL" "CREATE ROLE $role LOGIN PASSWORD 'owner-pw'" >/dev/null
trap 'sql "$DEVLOG_TEST_PG_URL" "DROP ROLE IF EXISTS $role" >/dev/null 2>&1; _cleanup' EXIT
sql "$url" "CREATE SCHEMA devlogctl AUTHORIZATION $role; GRANT CREATE ON SCHEMA public TO $role;
  REVOKE CREATE ON DATABASE \"$(basename "${url%%\?*}")\" FROM PUBLIC" >/dev/null
owner_url=$(sed -E "s#//[^@]*@#//$role:owner-pw@#" <<<"$url")
printf -- '-- migrate:up\nCREATE TABLE a (id int);\n' >"$T/mig/0001_two.sql"
run --database-url "$owner_url" migrate --migrations-dir "$T/mig" up
assert_rc 0
assert_eq 1 "$(sql "$url" "SELECT count(*) FROM devlogctl.schema_migrations")" "history in the pre-created schema"
sql "$url" "DROP OWNED BY $role CASCADE" >/dev/null
pass
