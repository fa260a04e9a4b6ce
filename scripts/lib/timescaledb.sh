# shellcheck shell=bash
# TimescaleDB for the throwaway test and demo servers, built from the vendored release sources
# (../shared/vendor, see its README). Sourced by scripts/test and scripts/demo, after
# scripts/install-deps (which installs the build tools and postgresql-server-dev-15 pinned to the
# installed server's version).
#
#   tsdb_ensure   makes sure the cache holds a private copy P of the installed PostgreSQL 15 with
#                 TimescaleDB 2.17.2 and 2.28.3 in it, building it the first time (one line on
#                 stderr; output in a log shown only on failure). Sets TSDB_BINDIR (P's bin
#                 directory, for pg_start), TSDB_SETTINGS (the server settings TimescaleDB needs)
#                 and TSDB_VERSIONS ("2.28.3 2.17.2", newest first: the default first). On failure
#                 prints why and returns non-zero; never exits the calling shell.
#
# The system PostgreSQL stays without TimescaleDB, so plain-PostgreSQL tests stay honest.
# Cache: ${DEVLOG_CACHE_DIR:-/var/cache/devlogctl as root, ${XDG_CACHE_HOME:-~/.cache}/devlogctl
# otherwise}/timescaledb-<key>, where the key hashes both tarballs' sha256, the postgresql-15
# package version and TSDB_RECIPE; reused only when its COMPLETE marker (written last) matches and
# every file matches SHA256SUMS. Builds run in a temp directory renamed into place at the end,
# under flock, so a failed, interrupted or concurrent build never leaves a cache that looks
# complete. DEVLOG_SHARED_DIR overrides where the vendored sources are (default <repo>/../shared).

TSDB_NEW=2.28.3
TSDB_OLD=2.17.2
# shellcheck disable=SC2034 # read by the callers
TSDB_VERSIONS="$TSDB_NEW $TSDB_OLD"
# Bump when the recipe below changes what ends up in the cache.
TSDB_RECIPE=1
declare -A TSDB_SHA256=(
  [$TSDB_NEW]=f26656ff6c3f8bbc59e4e8edef0dcac0ce76498a211b5d1031666be0776120d2
  [$TSDB_OLD]=114fe8a6f7d7a2bdc7ded2e169f9723746b75f9b2be43317cb6b17cc174a439c
)
# shellcheck disable=SC2034 # read by the callers (pg_start arguments)
TSDB_SETTINGS=(
  shared_preload_libraries=timescaledb
  timescaledb.telemetry_level=off
  # Enough workers for one scheduler per test database plus the jobs they start.
  max_worker_processes=32
  timescaledb.max_background_workers=16
)
TSDB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TSDB_PREFIX=${SERVERS_PREFIX:-$(basename "$0")}
TSDB_LOCK_TIMEOUT=${TSDB_LOCK_TIMEOUT:-1800}

_tsdb_say() { echo "$TSDB_PREFIX: $*" >&2; }

_tsdb_cache_base() {
  local base
  if [ -n "${DEVLOG_CACHE_DIR:-}" ]; then
    base=$DEVLOG_CACHE_DIR
  elif [ "$(id -u)" -eq 0 ]; then
    base=/var/cache/devlogctl # the postgres user cannot enter /root
  else
    base=${XDG_CACHE_HOME:-$HOME/.cache}/devlogctl
  fi
  realpath -m -- "$base"
}

# _tsdb_key_text: what the cache entry is built from, one fact a line (also the COMPLETE marker's head).
_tsdb_key_text() {
  printf 'recipe %s\npostgresql-15 %s\n' "$TSDB_RECIPE" "$_tsdb_pg_version"
  printf 'timescaledb-%s-src.tar.xz %s\n' "$TSDB_NEW" "${TSDB_SHA256[$TSDB_NEW]}" "$TSDB_OLD" "${TSDB_SHA256[$TSDB_OLD]}"
}

# _tsdb_verify DIR: true when DIR is a complete build of the current key, every file intact.
_tsdb_verify() {
  local dir=$1 sums
  [ -f "$dir/COMPLETE" ] && [ -f "$dir/SHA256SUMS" ] || return 1
  sums=$(sha256sum <"$dir/SHA256SUMS") || return 1
  [ "$(cat "$dir/COMPLETE")" = "$(_tsdb_key_text)"$'\n'"SHA256SUMS ${sums%% *}" ] || return 1
  (cd "$dir" && sha256sum --quiet --strict -c SHA256SUMS) >/dev/null 2>&1
}

# _tsdb_build BASE NAME: builds into a temp dir in BASE, renamed to BASE/NAME when complete.
# Runs in a subshell: its output goes to the caller's redirection (the log).
_tsdb_build() (
  set -euo pipefail
  umask 022
  base=$1 name=$2
  tmp=$(mktemp -d "$base/.build-$name.XXXXXX") || exit 1
  trap 'rm -rf "$tmp"' EXIT
  # Interrupted: clean up, then die of the signal, so that the caller stops too.
  trap 'rm -rf "$tmp"; trap - EXIT INT; kill -INT $BASHPID' INT
  trap 'rm -rf "$tmp"; trap - EXIT TERM; kill -TERM $BASHPID' TERM
  chmod 755 "$tmp" || exit 1
  # set -e does nothing here: the caller runs this in a `||` context, where bash ignores errexit
  # even in subshells. Every step ends in `|| exit 1` instead.
  # TimescaleDB's CMake asks git about the enclosing repository: let it find none.
  export GIT_CEILING_DIRECTORIES=$tmp
  P=$tmp/prefix
  set -x
  mkdir -p "$P/lib/postgresql" "$P/share/postgresql" "$P/include" "$tmp/src" || exit 1
  cp -a /usr/lib/postgresql/15 "$P/lib/postgresql/" || exit 1
  cp -a /usr/share/postgresql/15 "$P/share/postgresql/" || exit 1
  ln -s /usr/include/postgresql "$P/include/postgresql" || exit 1
  pg_config=$P/lib/postgresql/15/bin/pg_config
  # PostgreSQL finds its files relative to the binary: P's pg_config names P's directories.
  libdir=$("$pg_config" --pkglibdir) || exit 1
  extdir=$("$pg_config" --sharedir)/extension || exit 1
  [ "$libdir" = "$P/lib/postgresql/15/lib" ] || exit 1
  [ -f "$("$pg_config" --includedir-server)/postgres.h" ] || exit 1
  for v in $TSDB_OLD $TSDB_NEW; do
    tar -xJf "$_tsdb_vendor/timescaledb-$v-src.tar.xz" -C "$tmp/src" || exit 1
    cmake -S "$tmp/src/timescaledb-$v" -B "$tmp/build-$v" -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=Release \
      -DPG_CONFIG="$pg_config" -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DWARNINGS_AS_ERRORS=OFF \
      -DLINTER=OFF -DSEND_TELEMETRY_DEFAULT=OFF || exit 1
    # make, not cmake --build: cmake 3.25 returns 0 when make is interrupted.
    make -C "$tmp/build-$v" -j2 || exit 1
  done
  # The old version's versioned files only, so that the newest loader and control file win.
  DESTDIR=$tmp/stage cmake --install "$tmp/build-$TSDB_OLD" || exit 1
  cp -p "$tmp/stage$libdir/timescaledb-$TSDB_OLD.so" "$tmp/stage$libdir/timescaledb-tsl-$TSDB_OLD.so" "$libdir/" || exit 1
  cp -p "$tmp/stage$extdir/timescaledb--$TSDB_OLD.sql" "$extdir/" || exit 1
  cmake --install "$tmp/build-$TSDB_NEW" || exit 1
  for f in "$libdir"/timescaledb{,-tsl}-{$TSDB_OLD,$TSDB_NEW}.so "$extdir"/timescaledb--{$TSDB_OLD,$TSDB_NEW}.sql; do
    [ -f "$f" ] || { echo "missing after the install: $f"; exit 1; }
  done
  grep -qx "default_version = '$TSDB_NEW'" "$extdir/timescaledb.control" || exit 1
  rm -rf "$tmp/src" "$tmp/build-$TSDB_OLD" "$tmp/build-$TSDB_NEW" "$tmp/stage" || exit 1
  (cd "$tmp" && find prefix -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) >"$tmp/SHA256SUMS" || exit 1
  sums=$(sha256sum <"$tmp/SHA256SUMS") || exit 1
  { _tsdb_key_text && echo "SHA256SUMS ${sums%% *}"; } >"$tmp/COMPLETE" || exit 1 # written last
  if [ -e "$base/$name" ]; then # a broken earlier build: out of the way first
    old=$(mktemp -d "$base/.old-$name.XXXXXX") || exit 1
    mv "$base/$name" "$old/" || exit 1
    rm -rf "$old" || exit 1
  fi
  mv "$tmp" "$base/$name" || exit 1
)

# _tsdb_check_inputs: the tarballs are there and are the expected ones; sets _tsdb_pg_version.
_tsdb_check_inputs() {
  local v file sum
  _tsdb_vendor=$(realpath -m -- "${DEVLOG_SHARED_DIR:-$TSDB_ROOT/../shared}/vendor")
  for v in $TSDB_NEW $TSDB_OLD; do
    file=$_tsdb_vendor/timescaledb-$v-src.tar.xz
    if [ ! -f "$file" ]; then
      _tsdb_say "$file is missing: the TimescaleDB sources live in ../shared/vendor beside the repository (or set DEVLOG_SHARED_DIR)"
      return 1
    fi
    sum=$(sha256sum <"$file") || return 1
    if [ "${sum%% *}" != "${TSDB_SHA256[$v]}" ]; then
      _tsdb_say "$file has sha256 ${sum%% *}, expected ${TSDB_SHA256[$v]} (vendor/README.md)"
      return 1
    fi
  done
  _tsdb_pg_version=$(dpkg-query -W -f='${Version}' postgresql-15 2>/dev/null) || _tsdb_pg_version=
  if [ -z "$_tsdb_pg_version" ] || [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
    _tsdb_say "PostgreSQL 15 (postgresql-15) is not installed: run scripts/install-deps"
    return 1
  fi
}

# _tsdb_build_locked BASE NAME: under BASE's lock for NAME, builds it unless a complete build
# appeared meanwhile. Prints the one "building" line; shows the log only on failure.
_tsdb_build_locked() {
  local base=$1 name=$2 lock fd rc=0 log started dev
  lock=$base/.lock-$name
  exec {fd}>>"$lock" || return 1
  if ! flock -n "$fd"; then
    _tsdb_say "waiting for another run that is building TimescaleDB ($lock)"
    if ! flock -w "$TSDB_LOCK_TIMEOUT" "$fd"; then
      _tsdb_say "gave up waiting for $lock after $TSDB_LOCK_TIMEOUT s"
      exec {fd}>&-
      return 1
    fi
  fi
  if ! _tsdb_verify "$base/$name"; then
    dev=$(dpkg-query -W -f='${Version}' postgresql-server-dev-15 2>/dev/null) || dev=
    if [ "$dev" != "$_tsdb_pg_version" ]; then
      _tsdb_say "postgresql-server-dev-15 is at '${dev:-not installed}', the server at $_tsdb_pg_version: run scripts/install-deps"
      exec {fd}>&-
      return 1
    fi
    [ ! -e "$base/$name" ] || _tsdb_say "the TimescaleDB build in $base/$name is incomplete or damaged: rebuilding it"
    rm -rf "$base/.build-$name".* # left by a build that was killed; we hold the lock
    log=$base/.build-$name.log
    started=$SECONDS
    _tsdb_say "building TimescaleDB $TSDB_NEW and $TSDB_OLD into $base (first run only, ~3 min)"
    _tsdb_build "$base" "$name" >"$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ] || ! _tsdb_verify "$base/$name"; then
      _tsdb_say "building TimescaleDB failed (status $rc); last lines of $log:"
      tail -n 40 "$log" | sed 's/^/    /' >&2
      exec {fd}>&-
      return 1
    fi
    echo "built in $((SECONDS - started)) s" >>"$log"
  fi
  exec {fd}>&-
}

tsdb_ensure() {
  local base name dir
  TSDB_BINDIR=
  _tsdb_check_inputs || return 1
  base=$(_tsdb_cache_base) || return 1
  name=timescaledb-$(_tsdb_key_text | sha256sum | cut -c1-16)
  dir=$base/$name
  if ! _tsdb_verify "$dir"; then
    if ! (umask 022 && mkdir -p "$base"); then
      _tsdb_say "cannot create the cache directory $base (set DEVLOG_CACHE_DIR)"
      return 1
    fi
    _tsdb_build_locked "$base" "$name" || return 1
  fi
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$dir/prefix/lib/postgresql/15/bin/postgres"; then
    _tsdb_say "the postgres user cannot reach $dir: make its parent directories searchable (chmod o+x) or set DEVLOG_CACHE_DIR"
    return 1
  fi
  # shellcheck disable=SC2034 # read by the callers
  TSDB_BINDIR=$dir/prefix/lib/postgresql/15/bin
}
