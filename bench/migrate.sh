#!/usr/bin/env bash
# bench/migrate.sh [RUNS]: 'devlogctl migrate up' of the built-in migrations on an empty database,
# side by side with psql applying the same up sections in one transaction (psql -1 -f), on a
# throwaway PostgreSQL 15. Prints the median wall time of each and the ratio devlogctl / psql.
# devlogctl does more (advisory lock, history table, checksums, one round trip per statement so
# errors can name their line); the ratio shows what that costs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
runs=${1:-7}
bin=${DEVLOGCTL:-build/devlogctl}
[ -x "$bin" ] || { echo "bench: build first (cmake --build build) or set DEVLOGCTL" >&2; exit 1; }

SERVERS_PREFIX=bench
# shellcheck source=../scripts/lib/servers.sh
. "$root/scripts/lib/servers.sh"
state=$(mktemp -d "${TMPDIR:-/tmp}/devlogctl-bench.XXXXXX")
chmod 755 "$state"
trap 'pg_stop "$state/pg" >/dev/null 2>&1; rm -rf "$state"' EXIT
pg_start "$state/pg"

# The up sections of every built-in migration, in order, as one script for psql.
for f in migrations/*.sql; do
  sed -n '/^-- migrate:up/,/^-- migrate:down/p' "$f" | grep -v '^-- migrate:'
done >"$state/up.sql"

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for ((i = 0; i < runs; i++)); do
  for tool in devlogctl psql; do
    db="bench_${tool}_$i"
    psql -X -q -d "$PG_URL" -c "CREATE DATABASE $db" >/dev/null
    url="${PG_URL%/*}/$db"
    start=$(now_ms)
    if [ "$tool" = devlogctl ]; then
      "$bin" -q --database-url "$url" migrate up >/dev/null
    else
      psql -X -q -v ON_ERROR_STOP=1 -1 -d "$url" -f "$state/up.sql" >/dev/null
    fi
    echo $(($(now_ms) - start)) >>"$state/$tool.ms"
    psql -X -q -d "$PG_URL" -c "DROP DATABASE $db" >/dev/null
  done
done

d=$(median <"$state/devlogctl.ms")
p=$(median <"$state/psql.ms")
printf 'migrate up on an empty database (%s runs, %s migration file(s))\n' "$runs" "$(find migrations -name '*.sql' | wc -l)"
printf '  devlogctl migrate up : median %s ms\n' "$d"
printf '  psql -1 -f (peer)    : median %s ms\n' "$p"
awk -v d="$d" -v p="$p" 'BEGIN { printf "  ratio devlogctl/psql: %.2f (lower is faster)\n", (p > 0 ? d / p : 0) }'
