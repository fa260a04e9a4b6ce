#!/usr/bin/env bash
# bench/collect.sh [CLAUDE_SESSIONS [TURNS]]: the collector's speed on generated agent homes
# (bench/collect-corpus.sh), on a throwaway PostgreSQL 15:
#   - collect (parse + enqueue) of a Claude Code corpus (default 250 sessions x 1000 turns =
#     1,000,000 lines) and of a Codex corpus (100 x 1000): events/s, lines/s, MB/s
#   - upload of the queued Claude events into migration 0001's agent_events: events/s (default
#     --workers 2, and --workers 1), side by side with psql \copy of the same rows as CSV into an
#     identical fresh database (the ratio, of the default)
#   - the daemon: peak RSS while it collects and uploads the Codex corpus, RSS and CPU time over 10 s idle.
# Use a Release build: cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEVLOG_BUILD_TESTS=OFF
# && cmake --build build-release && DEVLOGCTL=build-release/devlogctl bench/collect.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
sessions=${1:-250}
turns=${2:-1000}
bin=$(realpath "${DEVLOGCTL:-build-release/devlogctl}")
[ -x "$bin" ] || { echo "bench: build first (see the header) or set DEVLOGCTL" >&2; exit 1; }

SERVERS_PREFIX=bench
# shellcheck source=../scripts/lib/servers.sh
. "$root/scripts/lib/servers.sh"
state=$(mktemp -d "${TMPDIR:-/tmp}/devlogctl-bench-collect.XXXXXX")
chmod 755 "$state"
daemon=""
trap '[ -z "$daemon" ] || kill "$daemon" 2>/dev/null; pg_stop "$state/pg" >/dev/null 2>&1; rm -rf "$state"' EXIT
pg_start "$state/pg"
now_ms() { date +%s%3N; }
rate() { awk -v n="$1" -v ms="$2" 'BEGIN { printf "%.0f", (ms > 0 ? n * 1000 / ms : 0) }'; }

mkdir -p "$state/claude" "$state/codex"
read -r c_lines c_events c_tokens < <(bash bench/collect-corpus.sh "$state/claude" claude-code "$sessions" "$turns")
read -r x_lines x_events x_tokens < <(bash bench/collect-corpus.sh "$state/codex" codex 100 "$turns")
c_bytes=$(du -sb "$state/claude/.claude" | cut -f1)
x_bytes=$(du -sb "$state/codex/.codex" | cut -f1)
printf 'corpus: Claude Code %s lines (%s MB, %s events), Codex %s lines (%s MB, %s events)\n' \
  "$c_lines" "$((c_bytes / 1048576))" "$c_events" "$x_lines" "$((x_bytes / 1048576))" "$x_events"

collect() { # NAME HOME QUEUE EVENTS LINES BYTES
  local start ms
  start=$(now_ms)
  HOME=$2 "$bin" -q collect --no-default-sources --source "claude-code:$2/.claude" --source "codex:$2/.codex" \
    --queue "$3" --max-queue-size 0 >/dev/null
  ms=$(($(now_ms) - start))
  printf '  collect %-12s: %6.1f s  %8s events/s  %8s lines/s  %6.1f MB/s\n' "$1" "$(awk -v m="$ms" 'BEGIN { print m / 1000 }')" \
    "$(rate "$4" "$ms")" "$(rate "$5" "$ms")" "$(awk -v b="$6" -v m="$ms" 'BEGIN { print b / 1048576 / (m / 1000) }')"
}
echo "parse + enqueue (one pass, fresh queue):"
collect "Claude Code" "$state/claude" "$state/claude.db" "$c_events" "$c_lines" "$c_bytes"
collect "Codex" "$state/codex" "$state/codex.db" "$x_events" "$x_lines" "$x_bytes"
queued=$("$bin" queue --queue "$state/claude.db" status --format csv | awk -F, '$1 == "events" { print $2 }' | tr -d '\r')
[ "$queued" = "$c_events" ] || { echo "bench: expected $c_events queued events, found $queued" >&2; exit 1; }

psql -X -q -d "$PG_URL" -c "CREATE DATABASE up" -c "CREATE DATABASE up1" -c "CREATE DATABASE peer" >/dev/null
for db in up up1 peer; do "$bin" -q --database-url "${PG_URL%/*}/$db" migrate up; done
for f in "$state"/claude.db*; do cp "$f" "$state/claude1.db${f#"$state/claude.db"}"; done # the same queue, for --workers 1
upload() { # DB QUEUE ARGS...: prints the milliseconds taken; checks the events and tokens
  local db=$1 queue=$2 start got
  shift 2
  start=$(now_ms)
  "$bin" -q --database-url "${PG_URL%/*}/$db" upload --queue "$queue" "$@" >/dev/null
  echo $(($(now_ms) - start))
  got=$(psql -X -A -t -d "${PG_URL%/*}/$db" -c "SELECT count(*) || ' ' || sum((metrics->>'tokenCount')::bigint) FROM agent_events")
  [ "$got" = "$c_events $c_tokens" ] || { echo "bench: uploaded [$got] into $db, expected [$c_events $c_tokens]" >&2; exit 1; }
}
up_ms=$(upload up "$state/claude.db" --batch-size 5000)
up1_ms=$(upload up1 "$state/claude1.db" --batch-size 5000 --workers 1)
# The peer: the same rows as CSV, psql \copy into an identical table (projects row first, for the key).
psql -X -q -d "${PG_URL%/*}/up" -c "\copy agent_events TO '$state/events.csv' CSV"
psql -X -q -d "${PG_URL%/*}/up" -c "\copy projects TO '$state/projects.csv' CSV"
psql -X -q -d "${PG_URL%/*}/peer" -c "\copy projects FROM '$state/projects.csv' CSV"
start=$(now_ms)
psql -X -q -d "${PG_URL%/*}/peer" -c "\copy agent_events FROM '$state/events.csv' CSV"
peer_ms=$(($(now_ms) - start))
echo "upload into agent_events (migration 0001, all indexes), $c_events events:"
printf '  devlogctl upload     : %6.1f s  %8s events/s\n' "$(awk -v m="$up_ms" 'BEGIN { print m / 1000 }')" "$(rate "$c_events" "$up_ms")"
printf '    --workers 1        : %6.1f s  %8s events/s\n' "$(awk -v m="$up1_ms" 'BEGIN { print m / 1000 }')" "$(rate "$c_events" "$up1_ms")"
printf '  psql \\copy (peer)    : %6.1f s  %8s events/s\n' "$(awk -v m="$peer_ms" 'BEGIN { print m / 1000 }')" "$(rate "$c_events" "$peer_ms")"
awk -v d="$up_ms" -v p="$peer_ms" 'BEGIN { printf "  ratio upload/\\copy  : %.2f (of \\copy'"'"'s rate; higher is faster)\n", (d > 0 ? p / d : 0) }'

echo "daemon (collect --daemon --upload on the Codex corpus, fresh queue, fresh database):"
psql -X -q -d "$PG_URL" -c "CREATE DATABASE daemon" >/dev/null
"$bin" -q --database-url "${PG_URL%/*}/daemon" migrate up
HOME=$state/codex "$bin" --database-url "${PG_URL%/*}/daemon" collect --daemon --upload --upload-interval 1s \
  --no-default-sources --source "codex:$state/codex/.codex" --queue "$state/daemon.db" --max-queue-size 0 \
  >"$state/daemon.log" 2>&1 &
daemon=$!
until [ "$(psql -X -A -t -d "${PG_URL%/*}/daemon" -c "SELECT count(*) FROM agent_events")" = "$x_events" ]; do
  kill -0 "$daemon" || { echo "bench: the daemon stopped: $(cat "$state/daemon.log")" >&2; exit 1; }
  sleep 0.5
done
sleep 2
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$daemon/status")
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$daemon/status")
t0=$(awk '{ print $14 + $15 }' "/proc/$daemon/stat")
sleep 10
t1=$(awk '{ print $14 + $15 }' "/proc/$daemon/stat")
printf '  peak RSS while collecting and uploading %s events: %s MB; RSS idle: %s MB; CPU over 10 s idle: %s ms\n' \
  "$x_events" "$((hwm / 1024))" "$((rss / 1024))" "$(((t1 - t0) * 1000 / $(getconf CLK_TCK)))"
