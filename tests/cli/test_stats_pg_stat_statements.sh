#!/usr/bin/env bash
# stats queries with pg_stat_statements: on a throwaway PostgreSQL 15 started with it in
# shared_preload_libraries (the shared test servers do not load it), the statements this
# database ran show up, by total time and by (estimated) p95, beside devlogctl's own metrics.
. "$(dirname "$0")/lib.sh"
src=${DEVLOG_SOURCE_DIR:?DEVLOG_SOURCE_DIR must name the source tree}
SERVERS_PREFIX=test_stats_pg_stat_statements
# shellcheck source=../../scripts/lib/servers.sh
. "$src/scripts/lib/servers.sh"
chmod 755 "$T" # PostgreSQL runs as the postgres user when we are root
trap 'status=$?; set +e; pg_stop "$T/pgss" >/dev/null 2>&1; (exit $status); _cleanup' EXIT
pg_start "$T/pgss" "$PG_BINDIR" shared_preload_libraries=pg_stat_statements pg_stat_statements.track=all ||
  fail "could not start PostgreSQL with pg_stat_statements"
url=$PG_URL

# Installed but created in no database: a note, and devlogctl's own metrics only.
run --database-url "$url" migrate
assert_rc 0
run --database-url "$url" --record-metrics maintain
assert_rc 0
run --database-url "$url" stats queries --format csv
assert_rc 0
assert_contains "$err" "pg_stat_statements is not installed in this database"
assert_contains "$out" "performance_metrics,maintain rollups,1,"

sql "$url" "CREATE EXTENSION pg_stat_statements; SELECT pg_stat_statements_reset()" >/dev/null
for i in 1 2 3 4 5; do
  sql "$url" "SELECT count(*) FROM generate_series(1, 200000 * $i) AS devlog_marker_series" >/dev/null
done
run --database-url "$url" stats queries --format ndjson --limit 50
assert_rc 0
assert_not_contains "$err" "pg_stat_statements is not"
line=$(grep 'devlog_marker_series' <<<"$out") || fail "the marker statement is not among the top statements:
$out"
assert_contains "$line" '"source":"pg_stat_statements"'
assert_contains "$line" '"calls":5'
assert_contains "$line" '"p95_exact":false'
assert_contains "$out" '"source":"performance_metrics"'

# Utility statements are stored verbatim: the passwords in them are shown as '***'.
sql "$url" "CREATE ROLE devlog_pw_test LOGIN ENCRYPTED PASSWORD 'hunter2-created';
            ALTER ROLE devlog_pw_test PASSWORD 'hunter2-it''s';
            ALTER ROLE devlog_pw_test WITH PASSWORD E'hunter2-e\\'scaped' VALID UNTIL 'infinity';
            ALTER ROLE devlog_pw_test PASSWORD \$pw\$hunter2-dollar\$pw\$;
            DROP ROLE devlog_pw_test" >/dev/null
run --database-url "$url" stats queries --format csv --limit 10000
assert_rc 0
assert_not_contains "$out" "hunter2"
assert_contains "$out" "CREATE ROLE devlog_pw_test LOGIN ENCRYPTED PASSWORD '***'"
assert_contains "$out" "ALTER ROLE devlog_pw_test PASSWORD '***'"
assert_contains "$out" "ALTER ROLE devlog_pw_test WITH PASSWORD '***' VALID UNTIL 'infinity'"
run --database-url "$url" stats queries --sort p95 --limit 1 --format csv
assert_rc 0
assert_eq 2 "$(wc -l <<<"$out")" "lines with --limit 1 (header and one row)"
pass
