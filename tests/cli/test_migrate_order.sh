#!/usr/bin/env bash
# Out-of-order: a migration added below the newest applied version (a branch merged late) is not
# applied silently; --allow-out-of-order applies it and the database reports the right version.
# Baseline refuses a database that lacks the tables it would vouch for.
. "$(dirname "$0")/lib.sh"
url=$(new_db)
mkdir "$T/mig"
printf -- '-- migrate:up\nCREATE TABLE one (id int);\n' >"$T/mig/0001_one.sql"
printf -- '-- migrate:up\nCREATE TABLE three (id int);\n' >"$T/mig/0003_three.sql"
run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 0
assert_contains "$out" "database is at version 0003"

printf -- '-- migrate:up\nCREATE TABLE two (id int);\n' >"$T/mig/0002_two.sql"
run --database-url "$url" migrate --migrations-dir "$T/mig" status --format csv
assert_rc 0
assert_contains "$out" "0002,two,pending,,,,"
assert_contains "$out" "out of order: 0003 is already applied"
run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 4
assert_contains "$err" "devlogctl: error: migration history does not match the migration files: 0002_two.sql is pending, but a newer migration is already applied (0003 is already applied)"
assert_contains "$err" "--allow-out-of-order"
assert_eq "" "$(sql "$url" "SELECT to_regclass('two')")" "table of the refused migration"
run --database-url "$url" migrate --migrations-dir "$T/mig" verify --strict
assert_rc 5
run --database-url "$url" migrate --migrations-dir "$T/mig" up --allow-out-of-order
assert_rc 0
assert_contains "$out" "applied 1 migration"
assert_contains "$out" "database is at version 0003"
assert_eq "two" "$(sql "$url" "SELECT to_regclass('two')")" "table of the out-of-order migration"

# baseline of the built-in schema on a database without its tables is refused, naming them.
url=$(new_db)
run --database-url "$url" migrate baseline 1
assert_rc 1
assert_contains "$err" "devlogctl: error: cannot baseline at 0001:"
assert_contains "$err" "tables that migrations up to 0001 create are not in the database (projects, machines"
assert_contains "$err" "--force"
assert_eq "" "$(sql "$url" "SELECT to_regclass('devlogctl.schema_migrations')")" "history after the refusal"
run --database-url "$url" migrate baseline 1 --force
assert_rc 0
pass
