#!/usr/bin/env bash
# migrate new (template file, numbering) and migrate baseline (adopting an existing schema).
. "$(dirname "$0")/lib.sh"

# new: numbered after both the built-in migrations and the directory's files.
mkdir "$T/mig"
run migrate new "Add event index" --migrations-dir "$T/mig"
assert_rc 0
builtin_count=$(ls "$DEVLOG_SOURCE_DIR/migrations"/*.sql | wc -l)
expected=$(printf '%04d_add_event_index.sql' $((builtin_count + 1)))
assert_eq "$T/mig/$expected" "$out" "path of the new migration"
grep -q -- "-- migrate:up" "$T/mig/$expected" || fail "template has no up marker"
grep -q -- "-- migrate:down" "$T/mig/$expected" || fail "template has no down marker"
run migrate new "bad/name" --migrations-dir "$T/mig"
assert_rc 2
assert_contains "$err" "invalid migration name 'bad/name'"
(cd "$T" && "$DEVLOGCTL" migrate new x >/dev/null 2>"$T/new.err") && fail "new without a migrations dir succeeded"
assert_contains "$(cat "$T/new.err")" "--migrations-dir"

# The unfilled template (an empty up section) is refused when applied, naming the file and line:
# recording it would make it drift as soon as its SQL is written.
url=$(new_db)
run --database-url "$url" migrate up --migrations-dir "$T/mig"
assert_rc 1
assert_contains "$err" "devlogctl: error: $expected:11: the up section is empty"
assert_eq "" "$(sql "$url" "SELECT to_regclass('devlogctl.schema_migrations')")" "history after the refusal"
# A comment-only migration (golang-migrate ships one) is a deliberate no-op: recorded, with a warning.
printf -- '-- migrate:up\n-- nothing to do for PostgreSQL\n' >"$T/mig/$expected"
run --database-url "$url" migrate up --migrations-dir "$T/mig"
assert_rc 0
assert_contains "$err" "devlogctl: warning: $expected has no SQL statements (comments only)"
assert_eq "t" "$(sql "$url" "SELECT success FROM devlogctl.schema_migrations WHERE name = 'add_event_index'")" "no-op recorded"

# baseline: a database whose schema was made by another tool (here: by running 0001 by hand).
url=$(new_db)
sed -n '/^-- migrate:up/,/^-- migrate:down/p' "$DEVLOG_SOURCE_DIR/migrations/0001_devlog_schema.sql" |
  psql -X -q -v ON_ERROR_STOP=1 -d "$url" >/dev/null
run --database-url "$url" migrate up
assert_rc 1
assert_contains "$err" "already exists"

run --database-url "$url" migrate baseline 1 --dry-run
assert_rc 0
assert_eq "" "$(sql "$url" "SELECT to_regclass('devlogctl.schema_migrations')")" "history table after a dry run"
run --database-url "$url" migrate baseline 1
assert_rc 0
assert_contains "$out" "0001 devlog_schema"
assert_eq "baseline" "$(sql "$url" "SELECT kind FROM devlogctl.schema_migrations WHERE version = 1")" "recorded kind"
run --database-url "$url" migrate verify
assert_rc 0
run --database-url "$url" migrate baseline 1
assert_rc 2
assert_contains "$err" "already has migration history"
pass
