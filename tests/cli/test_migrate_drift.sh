#!/usr/bin/env bash
# Drift: an applied migration whose file (checksum) changed is reported by status and verify,
# and up refuses to run anything past it.
. "$(dirname "$0")/lib.sh"
url=$(new_db)
mkdir "$T/mig"
printf -- '-- migrate:up\nCREATE TABLE one (id int);\n-- migrate:down\nDROP TABLE one;\n' >"$T/mig/0001_one.sql"
run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 0

# Edit the applied file, add a new pending one.
printf -- '-- migrate:up\nCREATE TABLE one (id bigint);\n-- migrate:down\nDROP TABLE one;\n' >"$T/mig/0001_one.sql"
printf -- '-- migrate:up\nCREATE TABLE two (id int);\n' >"$T/mig/0002_two.sql"

run --database-url "$url" migrate --migrations-dir "$T/mig" status
assert_rc 0
assert_contains "$out" "drifted"
assert_contains "$err" "does not match"

run --database-url "$url" migrate --migrations-dir "$T/mig" verify
assert_rc 4
assert_contains "$out" "0001     one   drifted"
assert_contains "$err" "FAILED"

run --database-url "$url" migrate --migrations-dir "$T/mig" up
assert_rc 4
assert_contains "$err" "0001_one.sql was changed after it was applied"
assert_contains "$err" "Never edit an applied migration"
assert_eq "" "$(sql "$url" "SELECT to_regclass('two')")" "table of the migration after the drift"

# Drift recorded the other way: the stored checksum was edited.
printf -- '-- migrate:up\nCREATE TABLE one (id int);\n-- migrate:down\nDROP TABLE one;\n' >"$T/mig/0001_one.sql"
run --database-url "$url" migrate --migrations-dir "$T/mig" verify
assert_rc 0
sql "$url" "UPDATE devlogctl.schema_migrations SET checksum = 'edited' WHERE version = 1" >/dev/null
run --database-url "$url" migrate --migrations-dir "$T/mig" verify --format json
assert_rc 4
assert_contains "$out" '"state": "drifted"'

# A migration applied in the database but unknown to the files is reported too.
sql "$url" "UPDATE devlogctl.schema_migrations SET checksum = (SELECT checksum FROM devlogctl.schema_migrations WHERE version = 1) WHERE version = 1" >/dev/null
sql "$url" "INSERT INTO devlogctl.schema_migrations (version, name, checksum) VALUES (7, 'future', 'x')" >/dev/null
run --database-url "$url" migrate --migrations-dir "$T/mig" verify
assert_rc 4
assert_contains "$out" "missing"
pass
