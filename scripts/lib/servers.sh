# shellcheck shell=bash
# Throwaway database servers for tests and the demo. Sourced by scripts/test and scripts/demo.
#
#   pg_start DIR [BINDIR [NAME=VALUE...]]
#                    PostgreSQL 15 from BINDIR (default $PG_BINDIR, Debian's) in DIR/data (initdb
#                    on first use), free 127.0.0.1 port, socket and log (DIR/pg.log) in DIR, fsync
#                    off, plus the server settings NAME=VALUE. Reuses a server already running
#                    there with the same BINDIR and settings (restarts it otherwise). Sets PG_URL
#                    (superuser postgres with its password, database postgres). TCP connections
#                    need a password (scram-sha-256), so tests can exercise authentication
#                    failures; the superuser's random password is kept in DIR/password. The Unix
#                    socket in DIR trusts everyone.
#   pg_stop DIR      fast shutdown; fine when nothing runs there.
#   redact_url URL   URL with its password replaced by *** (for messages).
#
# As root (CI), PostgreSQL runs as the `postgres` user, which must be able to reach DIR (every
# parent directory searchable). The functions print their messages to stderr, prefixed with
# $SERVERS_PREFIX (default: the calling script's name), and never exit the calling shell.

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
SERVERS_PREFIX=${SERVERS_PREFIX:-$(basename "$0")}

_srv_say() { echo "$SERVERS_PREFIX: $*" >&2; }

# _srv_abs DIR: DIR as an absolute path (created when missing).
_srv_abs() {
  mkdir -p "$1" && (cd "$1" && pwd)
}

# _srv_port_busy PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
_srv_port_busy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# _srv_free_port: prints a port in 20000-59999 that nothing listens on right now.
_srv_free_port() {
  local port i
  for ((i = 0; i < 100; i++)); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if ! _srv_port_busy "$port"; then
      echo "$port"
      return 0
    fi
  done
  _srv_say "no free port found"
  return 1
}

# _srv_as_pg CMD...: runs CMD as the postgres user when we are root, from a directory it can read.
_srv_as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

_srv_log_tail() { # FILE WHAT
  if [ -s "$1" ]; then
    _srv_say "last lines of $2 ($1):"
    tail -n 25 "$1" | sed 's/^/    /' >&2
  fi
}

# _srv_pg_ready URL: true when the server answers a query (5 s connect timeout).
_srv_pg_ready() {
  PGCONNECT_TIMEOUT=5 psql -X -q -A -t -d "$1" -c 'select 1' >/dev/null 2>&1
}

# _srv_bindir DIR: the bin directory of the server that pg_start last started in DIR.
_srv_bindir() {
  if [ -s "$1/bindir" ]; then cat "$1/bindir"; else echo "$PG_BINDIR"; fi
}

pg_start() {
  local dir data port attempt url password bin options setting
  PG_URL=
  [ $# -ge 1 ] || { _srv_say "usage: pg_start DIR [BINDIR [NAME=VALUE...]]"; return 2; }
  dir=$1
  bin=${2:-$PG_BINDIR}
  shift $(($# < 2 ? $# : 2))
  if [ ! -x "$bin/pg_ctl" ]; then
    _srv_say "PostgreSQL 15 not found in $bin (run scripts/install-deps)"
    return 1
  fi
  options="-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c listen_addresses=127.0.0.1 -c max_connections=200"
  for setting in "$@"; do
    # pg_ctl hands the options to a shell: keep them to characters that need no quoting.
    if ! [[ $setting =~ ^[a-z_.]+=[A-Za-z0-9_.,-]+$ ]]; then
      _srv_say "pg_start: unsupported setting [$setting] (NAME=VALUE, plain characters)"
      return 2
    fi
    options+=" -c $setting"
  done
  dir=$(_srv_abs "$dir") || return 1
  data=$dir/data
  if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
      _srv_say "running as root, but there is no postgres user to run the server as"
      return 1
    fi
    chown postgres: "$dir" || return 1
    if ! runuser -u postgres -- test -w "$dir" -a -x "$dir"; then
      _srv_say "the postgres user cannot reach $dir: make its parent directories searchable (chmod o+x)"
      return 1
    fi
  fi

  # Already running here (the demo reuses its server)? Only as it was asked for now.
  if [ -f "$dir/port" ] && [ -s "$dir/password" ] && _srv_as_pg "$(_srv_bindir "$dir")/pg_ctl" status -D "$data" >/dev/null 2>&1; then
    port=$(cat "$dir/port")
    url="postgresql://postgres:$(cat "$dir/password")@127.0.0.1:$port/postgres"
    if [ "$(_srv_bindir "$dir")" = "$bin" ] && [ "$(cat "$dir/options" 2>/dev/null)" = "$options" ] && _srv_pg_ready "$url"; then
      PG_URL=$url
      return 0
    fi
    _srv_say "restarting the server in $data (it runs with other settings or does not answer on port $port)"
    _srv_as_pg "$(_srv_bindir "$dir")/pg_ctl" stop -D "$data" -m fast -w -t 60 >/dev/null 2>&1 || true
  fi

  if [ ! -f "$data/PG_VERSION" ] || [ ! -s "$dir/password" ]; then
    _srv_as_pg "$(_srv_bindir "$dir")/pg_ctl" stop -D "$data" -m immediate >/dev/null 2>&1 || true
    rm -rf "$data"
    # Hex, so it needs no escaping in a URL.
    (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$dir/password") || return 1
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir/password" || return 1
    if ! _srv_as_pg "$bin/initdb" -D "$data" -U postgres --pwfile="$dir/password" \
      --auth-local=trust --auth-host=scram-sha-256 --no-sync -E UTF8 --locale=C \
      >"$dir/initdb.log" 2>&1; then
      _srv_say "initdb failed"
      _srv_log_tail "$dir/initdb.log" "initdb output"
      return 1
    fi
  fi

  password=$(cat "$dir/password") || return 1
  echo "$bin" >"$dir/bindir"
  echo "$options" >"$dir/options"

  # The port is free when chosen, but something else may take it before the server binds it.
  for attempt in 1 2 3; do
    port=$(_srv_free_port) || return 1
    if _srv_as_pg "$bin/pg_ctl" start -w -t 60 -D "$data" -l "$dir/pg.log" \
      -o "$options -p $port -c unix_socket_directories='$dir'" \
      >/dev/null 2>&1; then
      echo "$port" >"$dir/port"
      PG_URL="postgresql://postgres:$password@127.0.0.1:$port/postgres"
      if _srv_pg_ready "$PG_URL"; then
        return 0
      fi
      _srv_say "PostgreSQL started but does not answer at $(redact_url "$PG_URL")"
      _srv_log_tail "$dir/pg.log" "the server log"
      PG_URL=
      return 1
    fi
    if [ $attempt -lt 3 ] && grep -q 'Address already in use' "$dir/pg.log" 2>/dev/null; then
      _srv_say "port $port was taken meanwhile; trying another"
      continue
    fi
    break
  done
  _srv_say "PostgreSQL failed to start in $data"
  _srv_log_tail "$dir/pg.log" "the server log"
  return 1
}

pg_stop() {
  local dir bin
  [ $# -eq 1 ] || { _srv_say "usage: pg_stop DIR"; return 2; }
  [ -d "$1" ] || return 0
  dir=$(cd "$1" && pwd)
  bin=$(_srv_bindir "$dir")
  if [ -f "$dir/data/postmaster.pid" ] && [ -x "$bin/pg_ctl" ]; then
    _srv_as_pg "$bin/pg_ctl" stop -D "$dir/data" -m fast -w -t 60 >/dev/null 2>&1 || true
  fi
  return 0
}

redact_url() {
  sed -E 's#^([a-z]+://[^:@/]*):[^@/]*@#\1:***@#' <<<"$1"
}
