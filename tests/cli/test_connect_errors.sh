#!/usr/bin/env bash
# Bad URL, closed port, wrong password, unknown database, silent server: a clear one-line message
# naming host and port, the documented exit code, and never the password.
. "$(dirname "$0")/lib.sh"
need_pg
secret="Sup3r-s3cret-pw"

# Closed port (nothing listens on port 1).
run --database-url "postgresql://bob:$secret@127.0.0.1:1/devlog" migrate status
assert_rc 3
assert_eq "devlogctl: error: cannot connect to 127.0.0.1:1: connection refused (is the server running and listening on that port?)" \
  "$(head -1 <<<"$err")" "closed port message"
assert_not_contains "$out$err" "$secret" "output"

# Malformed URL: usage error naming where it came from; the password stays hidden.
DEVLOG_DATABASE_URL="postgresql://bob:$secret@127.0.0.1:5432/x?nonsense=1" run migrate status
assert_rc 2
assert_contains "$err" "invalid connection string from DEVLOG_DATABASE_URL"
assert_not_contains "$out$err" "$secret" "output"
run --database-url "postgresql://bob:$secret@[::1/x" migrate status
assert_rc 2
assert_not_contains "$out$err" "$secret" "output"

# Wrong password against the real server (the harness requires passwords on TCP connections).
admin_host=$(sql "$DEVLOG_TEST_PG_URL" "SELECT inet_server_addr()")
admin_port=$(sql "$DEVLOG_TEST_PG_URL" "SELECT inet_server_port()")
[ "$(sql "$DEVLOG_TEST_PG_URL" "SELECT count(*) FROM pg_hba_file_rules WHERE type = 'host' AND auth_method = 'trust'")" = 0 ] ||
  fail "the test server trusts TCP connections; scripts/test must start it with password authentication"
role="bob_$$"
sql "$DEVLOG_TEST_PG_URL" "CREATE ROLE $role LOGIN PASSWORD 'right-password'" >/dev/null
trap 'sql "$DEVLOG_TEST_PG_URL" "DROP ROLE IF EXISTS $role" >/dev/null 2>&1; _cleanup' EXIT
run -v --database-url "postgresql://$role:$secret@$admin_host:$admin_port/postgres" migrate status
assert_rc 3
assert_contains "$err" "cannot connect to $admin_host:$admin_port: password authentication failed for user \"$role\""
assert_contains "$err" "check the user and password"
assert_not_contains "$out$err" "$secret" "output (even with -v)"

# The same through the key=value form and DATABASE_URL.
DATABASE_URL="host=$admin_host port=$admin_port user=$role password=$secret dbname=postgres" run -v migrate status
assert_rc 3
assert_contains "$err" "the connection string came from DATABASE_URL"
assert_not_contains "$out$err" "$secret" "output (key=value form)"

# Right password works (sanity: the failure above was about the password).
run --database-url "postgresql://$role:right-password@$admin_host:$admin_port/postgres" migrate status
assert_rc 0

# Unknown database.
run --database-url "postgresql://$role:right-password@$admin_host:$admin_port/no_such_db_$$" migrate status
assert_rc 3
assert_contains "$err" "database \"no_such_db_$$\" does not exist"

# A server that accepts the connection but never answers: bounded by --connect-timeout. (perl is
# essential on Debian: always there.)
perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(Listen => 5, LocalAddr => "127.0.0.1", LocalPort => 0) or die;
  $| = 1; print $s->sockport, "\n"; sleep 20' >"$T/port" &
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
port=$(cat "$T/port")
start=$(date +%s)
run --connect-timeout 2 --database-url "postgresql://$role:$secret@127.0.0.1:$port/postgres" migrate status
elapsed=$(($(date +%s) - start))
assert_rc 3
assert_contains "$err" "cannot connect to 127.0.0.1:$port: timed out"
[ "$elapsed" -lt 15 ] || fail "connect timeout not honoured: took ${elapsed}s"
kill %1 2>/dev/null || true

# Commands that need no database work without one.
DEVLOG_DATABASE_URL="postgresql://nobody@127.0.0.1:1/x" run --help
assert_rc 0
run completion bash
assert_rc 0

# Usage errors.
run migrate sideways
assert_rc 2
run --format xml migrate status
assert_rc 2
run
assert_rc 2
pass
