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

# Passwords in every form that leaked before (issue 6) never reach stdout or stderr, with or
# without -v, against a closed port and against the real server. The secret is S3cr3t<sep>XYZ:
# neither half may show, which also covers its percent-encoded, quoted and escaped forms.
# expect_hidden RC URL...: runs `migrate status` with each URL, without and with -v (eight runs at
# a time, to keep the test short); each must exit RC and show no part of the secret.
expect_hidden() {
  local want=$1 url verbose i=0 n=0 got shown
  local -a pids=()
  shift
  for url in "$@"; do
    for verbose in "" -v; do
      (
        status=0
        "$DEVLOGCTL" ${verbose:+"$verbose"} --database-url "$url" migrate status >"$T/hidden.$n" 2>&1 || status=$?
        echo "$status" >"$T/hidden.$n.rc"
      ) &
      pids+=($!)
      n=$((n + 1))
      if [ ${#pids[@]} -ge 8 ]; then
        wait "${pids[@]}"
        pids=()
      fi
    done
  done
  [ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
  for url in "$@"; do
    for verbose in "" -v; do
      got=$(cat "$T/hidden.$i.rc")
      shown=$(cat "$T/hidden.$i")
      [ "$got" = "$want" ] || fail "exit code $got, expected $want (${verbose:-without -v}) for [$url]:
$shown"
      assert_not_contains "$shown" "S3cr3t" "output (${verbose:-without -v}) for [$url]"
      assert_not_contains "$shown" "XYZ" "output (${verbose:-without -v}) for [$url]"
      i=$((i + 1))
    done
  done
}
refused=() failing=()
for endpoint in "127.0.0.1:1" "$admin_host:$admin_port"; do
  host=${endpoint%:*} port=${endpoint##*:}
  refused+=(
    # libpq would read part of the password as host, port or database name
    "postgresql://$role:S3cr3t/XYZ@$endpoint/postgres"
    "postgresql://$role:12/S3cr3t/XYZ@$endpoint/postgres?sslmode=disable"
    "postgresql://$role:S3cr3t@XYZ@$endpoint/postgres"
    # a scheme libpq does not know; strings libpq cannot parse (its messages quote the input)
    "postgresq://$role:S3cr3t-XYZ@$endpoint/postgres"
    "postgresql:/$role:S3cr3t-XYZ@$endpoint/postgres"
    "postgresql://$role:S3cr3t%zzXYZ@$endpoint/postgres"
    "host=$host port=$port user=$role password=S3cr3t XYZ"
    "host=$host port=$port user=$role password='S3cr3t XYZ"
  )
  # well-formed: the server refuses the password, or nothing listens on port 1
  failing+=("POSTGRESQL://$role:S3cr3t-XYZ@$endpoint/postgres")
  for sep in '#' '?' "'" ' ' '"' '%40'; do
    failing+=("postgresql://$role:S3cr3t${sep}XYZ@$endpoint/postgres")
  done
  failing+=(
    "postgresql://$endpoint/postgres?user=$role&password=S3cr3t%26XYZ"
    $'host='"$host"$'\nport='"$port"$'\nuser='"$role"$'\npassword=S3cr3t-XYZ\ndbname=postgres'
    "host=$host port=$port user=$role password='S3cr3t \\' XYZ' dbname=postgres"
    "host=$host port=$port user=$role password=S3cr3t\\ XYZ dbname=postgres"
    "host=$host port=$port user=$role password=S3cr3t'XYZ sslpassword=S3cr3t-XYZ dbname=postgres"
    # libpq repeats option values in its messages: here the port, which is also the password
    "host=$host port=S3cr3tXYZ user=$role password=S3cr3tXYZ"
  )
done
expect_hidden 2 "${refused[@]}"
expect_hidden 3 "${failing[@]}"
run -v --database-url "postgresq://$role:S3cr3t-XYZ@127.0.0.1:1/postgres" migrate status
assert_eq "connecting to postgresq://$role:***@127.0.0.1:1/postgres (from --database-url)
devlogctl: error: invalid connection string from --database-url: unknown URI scheme \"postgresq://\" (libpq knows postgresql:// and postgres://)" \
  "$(head -2 <<<"$err")" "misspelled scheme"
run --database-url "postgresql://$role:S3cr3t/XYZ@127.0.0.1:1/postgres" migrate status
assert_eq "devlogctl: error: invalid connection string from --database-url: a '/' or '@' in the user name or password of a URI must be percent-encoded (%2F, %40)" \
  "$(head -1 <<<"$err")" "raw / in the password"

# The same passwords work, and stay hidden under -v, when the server has them.
for password in "S3cr3t#XYZ" "S3cr3t?XYZ" "S3cr3t'XYZ" "S3cr3t XYZ" "S3cr3t/XYZ"; do
  sql "$DEVLOG_TEST_PG_URL" "ALTER ROLE $role PASSWORD '${password//\'/\'\'}'" >/dev/null
  for url in "postgresql://$role:${password//\//%2F}@$admin_host:$admin_port/postgres" \
    "host=$admin_host port=$admin_port user=$role dbname=postgres password='${password//\'/\\\'}'"; do
    run -v --database-url "$url" migrate status
    assert_rc 0
    assert_not_contains "$out$err" "S3cr3t" "output for the right password in [$url]"
    assert_not_contains "$out$err" "XYZ" "output for the right password in [$url]"
  done
done
run -v --database-url "POSTGRESQL://$role:S3cr3t%2FXYZ@$admin_host:$admin_port/postgres" migrate status
assert_rc 0
assert_eq "connecting to postgresql://$role:***@$admin_host:$admin_port/postgres (from --database-url)" \
  "$(head -1 <<<"$err")" "verbose connect line"

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
