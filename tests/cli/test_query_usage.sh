#!/usr/bin/env bash
# query usage and query sessions: each API response counted once (copies of one response in
# several records, also across sessions), totals equal to the hand-computed ones of
# tests/fixtures/query/events.sql, cost from metrics.cost else from the price table, tokens of
# unpriced models counted apart; --prices FILE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/query_lib.sh"

url=$(new_db)
load "$url" events.sql

# By hand (events.sql): responses msg_1 (events 03 and 04: the larger copy, 03, counts), msg_2
# (08 and 09: once), 11 (gpt-5-codex, cost 0.05 recorded), 12 (gemini-2.5-pro: no price), 17
# (claude-haiku-4-5, tokenCount only), 18 (junk: no response).
# 2026-01-10: prompt 100+20+1000+10 = 1130, response 50+300+500+5 = 855, cache read 1000+2000+4000
# = 7000, cache creation 200, total 1350+2320+5500+15 = 9185; estimated with claude-sonnet-4-5
# (3, 15, 0.30, 3.75 USD per million): msg_1 (100*3 + 50*15 + 1000*0.3 + 200*3.75)/1e6 = 0.0021,
# msg_2 (20*3 + 300*15 + 2000*0.3)/1e6 = 0.00516; cost 0.05 + 0.00726 = 0.05726; unpriced 15.
run --database-url "$url" query usage --format csv
assert_rc 0
assert_eq "day,responses,prompt_tokens,response_tokens,cache_read_tokens,cache_creation_tokens,total_tokens,cost_usd,recorded_cost_usd,estimated_cost_usd,unpriced_tokens
2026-01-10,4,1130,855,7000,200,9185,0.05726,0.05,0.00726,15
2026-01-11,1,0,0,0,0,400,0.0,0.0,0.0,400" "$(echo "$out" | tr -d '\r')" "usage by day"
assert_contains "$err" "cost: metrics.cost where an event records one, else estimated with the built-in price table (prices of 2025-11-30)"
assert_contains "$err" "warning: 415 tokens are not in cost_usd (see unpriced_tokens): claude-haiku-4-5: 400 tokens, without their prompt/response split; gemini-2.5-pro: 15 tokens, no price; give prices with --prices FILE"

run --database-url "$url" query usage --by model --format csv --columns model,responses,total_tokens,cost_usd,unpriced_tokens
assert_eq "model,responses,total_tokens,cost_usd,unpriced_tokens
claude-haiku-4-5,1,400,0.0,400
claude-sonnet-4-5-20250929,2,3670,0.00726,0
gemini-2.5-pro,1,15,0.0,15
gpt-5-codex,1,5500,0.05,0" "$(echo "$out" | tr -d '\r')" "usage by model"

# msg_2 was copied into session 3: it counts once, for the copy with the lower id (session 1).
run --database-url "$url" query usage --by session --format csv --columns session,responses,total_tokens,cost_usd
assert_eq "session,responses,total_tokens,cost_usd
11111111-1111-1111-1111-111111111111,2,3670,0.00726
22222222-2222-2222-2222-222222222222,2,5515,0.05
33333333-3333-3333-3333-333333333333,1,400,0.0" "$(echo "$out" | tr -d '\r')" "usage by session"

run --database-url "$url" query usage --by project --format csv --columns project,responses,total_tokens
assert_eq "project,responses,total_tokens
acme/api,3,4070
acme/web,2,5515" "$(echo "$out" | tr -d '\r')" "usage by project"
run --database-url "$url" query usage --by agent --format csv --columns agent,total_tokens --project acme/web
assert_eq "agent,total_tokens
codex,5515" "$(echo "$out" | tr -d '\r')" "usage by agent, one project"
run --database-url "$url" query usage --format csv --columns day,total_tokens --since 2026-01-10T10:01:05Z --until 2026-01-10T10:02Z
assert_eq "day,total_tokens
2026-01-10,1350" "$(echo "$out" | tr -d '\r')" "both copies of msg_1 in range: the larger counts"

# --prices replaces the table: gemini priced now, claude-sonnet not.
cat >"$T/prices.json" <<'JSON'
{"taken": "2026-02-01", "models": {"gemini-2.5-pro": {"input": 1.25, "output": 10, "cacheRead": 0.125, "cacheWrite": 1.25}}}
JSON
run --database-url "$url" query usage --by model --prices "$T/prices.json" --format csv --columns model,cost_usd,estimated_cost_usd,unpriced_tokens
assert_rc 0
assert_eq "model,cost_usd,estimated_cost_usd,unpriced_tokens
claude-haiku-4-5,0.0,0.0,400
claude-sonnet-4-5-20250929,0.0,0.0,3670
gemini-2.5-pro,0.000063,0.000063,0
gpt-5-codex,0.05,0.0,0" "$(echo "$out" | tr -d '\r')" "usage with --prices"
assert_contains "$err" "estimated with prices from $T/prices.json (prices of 2026-02-01)"
echo '{"taken": "2026-02-01", "models": {"x": {"input": 1}}}' >"$T/bad.json"
run --database-url "$url" query usage --prices "$T/bad.json"
assert_rc 1
assert_contains "$err" "$T/bad.json: model \"x\": \"output\" needs a number >= 0 (USD per million tokens)"

run query prices --format csv
assert_rc 0
assert_contains "$(echo "$out" | tr -d '\r')" "claude-sonnet-4-5,3.0,15.0,0.3,3.75"
assert_contains "$err" "USD per million tokens; the built-in price table (prices of 2025-11-30)"

# Sessions: agent, project, times from agent_sessions where it has them, events, tokens, cost.
run --database-url "$url" query sessions --format csv
assert_rc 0
assert_eq "session,agent,project,start,end,duration_s,events,errors,tokens,cost_usd,unpriced_tokens,outcome
22222222-2222-2222-2222-222222222222,codex,acme/web,2026-01-10T11:00:00.000000Z,2026-01-11T10:00:00.000000Z,82800,5,0,5515,0.05,15,
33333333-3333-3333-3333-333333333333,claude-code,acme/api,2026-01-10T10:04:00.000000Z,2026-01-11T09:30:00.000000Z,84360,4,0,400,0.0,400,
11111111-1111-1111-1111-111111111111,claude-code,acme/api,2026-01-10T09:59:00.000000Z,2026-01-11T09:00:00.000000Z,82860,9,1,3670,0.00726,0,success" \
  "$(echo "$out" | tr -d '\r')" "sessions"
run --database-url "$url" query sessions --format csv --columns session,events --agent codex --limit 1
assert_eq "session,events
22222222-2222-2222-2222-222222222222,5" "$(echo "$out" | tr -d '\r')" "sessions --agent --limit"
run --database-url "$url" query sessions --format csv --columns session,project --project acme/web
assert_rc 0
assert_eq "session,project
22222222-2222-2222-2222-222222222222,acme/web" "$(echo "$out" | tr -d '\r')" "sessions --project"
run --database-url "$url" query sessions --format csv --columns session,agent --session 33333333-3333-3333-3333-333333333333
assert_eq "session,agent
33333333-3333-3333-3333-333333333333,claude-code" "$(echo "$out" | tr -d '\r')" "sessions --session"
run --database-url "$url" query sessions --format csv --columns session --project acme/api --agent codex
assert_eq "session" "$(echo "$out" | tr -d '\r')" "sessions: filters combine (acme/api has no codex session)"
run --database-url "$url" query sessions --project no/such
assert_rc 2
run --database-url "$url" query usage --explain
assert_rc 0
assert_contains "$out" "jsonb_to_recordset('[{"
pass
