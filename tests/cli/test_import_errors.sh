#!/usr/bin/env bash
# import events: each kind of bad record with its exact message; the default stop at the first
# one with nothing of its batch loaded; --max-errors with --rejects (exit 9), and the rejects file
# imports once fixed.
. "$(dirname "$0")/lib.sh"

url=$(new_db)
run --database-url "$url" migrate up
assert_rc 0
sql "$url" "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name) VALUES ('api', 'acme/api', 'https://github.com/acme/api', 'acme', 'api')" >/dev/null
count() { sql "$url" "SELECT count(*) FROM agent_events"; }

# good N: a valid event, second N of 2026-01-02 03:00.
good() {
  printf '{"timestamp":"2026-01-02T03:00:%02dZ","eventType":"tool_use","agentId":"a","agentVersion":"1","sessionId":"s","projectId":1,"data":{"n":%d}}\n' "$1" "$1"
}
base='"eventType":"tool_use","agentId":"a","agentVersion":"1","sessionId":"s","projectId":1'
ts='"timestamp":"2026-01-02T03:00:00Z"'
{
  good 1
  echo "{$ts,$base"                                                                     # 2: bad JSON
  echo "{$ts,\"eventType\":\"tool_use\",\"agentId\":\"a\",\"sessionId\":\"s\",\"projectId\":1,\"data\":{\"n\":3}}" # 3: missing
  echo "{$ts,$base,\"data\":{\"n\":4},\"tags\":\"x\"}"                                    # 4: wrong type
  echo "{\"timestamp\":\"2026-01-02 03:00\",$base,\"data\":{\"n\":5}}"                    # 5: no offset
  echo "{$ts,\"eventType\":\"tool_use\",\"agentId\":\"a\",\"agentVersion\":\"1\",\"sessionId\":\"s\",\"project\":\"acme/nope\",\"data\":{\"n\":6}}"
  echo "{$ts,\"eventType\":\"toolUse\",\"agentId\":\"a\",\"agentVersion\":\"1\",\"sessionId\":\"s\",\"projectId\":1,\"data\":{\"n\":7}}"
  printf '{%s,%s,"data":{"n":8,"pad":"%0400d"}}\n' "$ts" "$base" 0                     # 8: oversized
  printf '{%s,%s,"data":{"n":9,"s":"\xff"}}\n' "$ts" "$base"                            # 9: invalid UTF-8
  printf '{%s,%s,"data":{"n":10,"s":"a\x00b"}}\n' "$ts" "$base"                         # 10: NUL byte
  echo "{$ts,$base,\"data\":{\"n\":11,\"s\":\"\\u0000\"}}"                            # 11: \u0000
  echo "{$ts,\"eventType\":\"tool_use\",\"agentId\":\"a\",\"agentVersion\":\"1\",\"sessionId\":\"s\",\"projectId\":99,\"data\":{\"n\":12}}"
  good 2
} >"$T/bad.ndjson"
f="$T/bad.ndjson"
messages="$f:2: record: invalid JSON: missing or extra commas, brackets, braces or quotes
$f:3: agentVersion: missing
$f:4: tags: expected an array of strings, got a string
$f:5: timestamp: '2026-01-02 03:00' has no UTC offset (add Z or +HH:MM)
$f:6: projectId: unknown project 'acme/nope' (create it first, or add --create-projects)
$f:7: eventType: 'toolUse' is not a known event type
$f:8: record: longer than 300 bytes (--max-record-bytes)
$f:9: record: not valid UTF-8 (byte 0xFF at byte 142)
$f:10: record: contains a NUL byte (at byte 144)
$f:11: data: contains \\u0000, which PostgreSQL's jsonb cannot store
$f:12: projectId: there is no project 99"

# Every bad record reported, the good ones loaded, exit 9.
run --database-url "$url" import events --max-errors 20 --max-record-bytes 300 "$f"
assert_rc 9
assert_eq "$messages" "$(grep -o "$f:[0-9].*" <<<"$err")" "bad-record messages"
assert_contains "$err" "11 records were rejected"
assert_contains "$out" "finished"
assert_eq 2 "$(count)" "rows loaded around the bad records"
sql "$url" "TRUNCATE agent_events" >/dev/null

# Default: stop at the first bad record; nothing of its batch is loaded, the batches before it are.
{
  good 1
  good 2
  good 3
  echo '{"timestamp":"nope",'"$base"'}'
  good 5
} >"$T/stop.ndjson"
run --database-url "$url" import events --batch-rows 2 "$T/stop.ndjson"
assert_rc 1
assert_contains "$err" "devlogctl: error: $T/stop.ndjson:4: timestamp: 'nope' is not an ISO-8601 timestamp with a UTC offset or an epoch number"
assert_contains "$err" "hint: nothing of its batch was loaded: the records from $T/stop.ndjson:3 on are not in the database"
read_n=$(awk 'NR == 2 {print $1 "/" $2 "/" $5}' <<<"$out")
assert_eq "4/2/2" "$read_n" "read/inserted/not_loaded"
assert_contains "$out" "stopped at $T/stop.ndjson:3"
assert_eq 2 "$(count)" "rows loaded before the bad record's batch"
# Fixed, the same command completes the load: the first batch counts as duplicates.
sed -i 's/"nope"/"2026-01-02T03:00:04Z"/' "$T/stop.ndjson"
run --database-url "$url" --format csv import events --batch-rows 2 "$T/stop.ndjson"
assert_rc 0
assert_eq "5,3,2,0,0" "$(sed -n 2p <<<"$out" | cut -d, -f1-5)" "summary after the fix"
assert_eq 5 "$(count)"
sql "$url" "TRUNCATE agent_events" >/dev/null

# --max-errors N stops at the N+1st bad record.
run --database-url "$url" import events --max-errors 3 --max-record-bytes 300 "$f"
assert_rc 1
assert_contains "$err" "devlogctl: error: $f:5: timestamp: '2026-01-02 03:00' has no UTC offset"

# --rejects: the bad records with their reasons, as NDJSON that imports again once fixed.
run --database-url "$url" import events --max-errors 20 --max-record-bytes 300 --rejects "$T/rejects.ndjson" "$f"
assert_rc 9
assert_contains "$err" "1 more rejected record, with its reason, in $T/rejects.ndjson"
assert_eq "$(sed 's/^/# /; s/# \(.*:8: record: longer than 300 bytes (--max-record-bytes)\)/# \1 (the record is not copied here)/' <<<"$messages")" \
  "$(grep -a '^#' "$T/rejects.ndjson")" "reasons in the rejects file"
assert_eq "$(sed -n '2,7p;9,12p' "$f")" "$(grep -av '^#' "$T/rejects.ndjson")" "records in the rejects file"
# Fix them (drop the three that cannot be fixed with sed), import the rejects file: they load.
sed -i -e 's/"tags":"x"/"tags":["x"]/' -e 's/"timestamp":"2026-01-02 03:00"/"timestamp":"2026-01-02T03:00:05Z"/' \
  -e 's/"acme\/nope"/"acme\/api"/' -e 's/"toolUse"/"tool_use"/' -e 's/"s":"\\u0000"/"s":"0"/' -e 's/"projectId":99/"projectId":1/' \
  -e 's/"agentId":"a","sessionId"/"agentId":"a","agentVersion":"1","sessionId"/' -e '/"projectId":1$/d' "$T/rejects.ndjson"
LC_ALL=C sed -i -e '/\xff/d' -e '/a\x00b/d' "$T/rejects.ndjson"
run --database-url "$url" --format csv import events "$T/rejects.ndjson"
assert_rc 0
assert_eq "7,7,0,0" "$(sed -n 2p <<<"$out" | cut -d, -f1-4)" "read,inserted,duplicates,rejected of the fixed rejects file"
assert_eq 9 "$(count)" "2 good + 7 fixed"

# CSV rejects: the header plus a reason column, ignored when the file is imported again.
cat >"$T/bad.csv" <<'CSV'
timestamp,event_type,agent_id,agent_version,session_id,project_id
2026-01-02T04:00:00Z,tool_use,a,1,s,1
2026-01-02T04:00:01Z,tool_used,a,1,s,1
CSV
run --database-url "$url" import events --max-errors 1 --rejects "$T/rejects.csv" "$T/bad.csv"
assert_rc 9
assert_eq 'timestamp,event_type,agent_id,agent_version,session_id,project_id,devlogctl_reject_reason
2026-01-02T04:00:01Z,tool_used,a,1,s,1,"'"$T"'/bad.csv:3: event_type: '"'tool_used'"' is not a known event type"' "$(cat "$T/rejects.csv")" "CSV rejects file"
sed -i 's/tool_used/tool_use/' "$T/rejects.csv"
run --database-url "$url" import events "$T/rejects.csv"
assert_rc 0
assert_eq 11 "$(count)"

# Usage errors
run --database-url "$url" import events --project acme/none "$T/bad.csv"
assert_rc 2
assert_contains "$err" "devlogctl: error: --project: unknown project 'acme/none'"
run --database-url "$url" import events "$T/missing.ndjson"
assert_rc 1
assert_contains "$err" "devlogctl: error: cannot open $T/missing.ndjson: No such file or directory"
pass
