#!/usr/bin/env bash
# 'migrate up' builds the devlog schema of shared/design.md section 4: the catalog must hold
# exactly the tables, columns, keys, constraints and indexes of tests/fixtures/schema/*.txt
# (written by hand from the design, not dumped from a database), and the CHECKs must reject
# what the design rules out. A migration that changes the schema updates those fixtures.
. "$(dirname "$0")/lib.sh"
fixtures="$(cd "$(dirname "$0")/../fixtures/schema" && pwd)"
url=$(new_db)

run --database-url "$url" migrate up
assert_rc 0

# The relations this test looks at: tables of the connection's schema, minus the tool's own.
rel="c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'"

# expect WHAT FIXTURE_LINES CATALOG_LINES: both sides sorted; fails with a diff on any difference.
expect() {
  local what=$1
  printf '%s\n' "$2" | grep -v -e '^#' -e '^$' | LC_ALL=C sort >"$T/$what.expected" || true
  printf '%s\n' "$3" | grep -v -e '^$' | LC_ALL=C sort >"$T/$what.actual" || true
  diff -u "$T/$what.expected" "$T/$what.actual" >"$T/$what.diff" ||
    fail "$what differ from the expectation (- expected, + catalog):
$(cat "$T/$what.diff")"
}
fixture() { cat "$fixtures/$1"; }

# Tables: exactly the ones the column fixture names.
expect tables "$(fixture columns.txt | grep -v '^#' | cut -d'|' -f1 | sort -u)" \
  "$(sql "$url" "SELECT c.relname FROM pg_class c WHERE $rel")"

# Columns: name, type, nullability and default of every column.
expect columns "$(fixture columns.txt)" "$(sql "$url" "
  SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
         CASE WHEN a.attnotnull THEN 'not null' ELSE 'null' END,
         CASE a.attidentity WHEN 'd' THEN 'identity by default' WHEN 'a' THEN 'identity always'
              ELSE coalesce(pg_get_expr(d.adbin, d.adrelid), '') END
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  WHERE $rel")"

# Primary keys, unique constraints, foreign keys (with actions) and CHECKs, columns in key order.
expect constraints "$(fixture constraints.txt)" "$(sql "$url" "
  WITH k AS (
    SELECT con.oid,
           (SELECT string_agg(a.attname, ',' ORDER BY u.ord)
              FROM unnest(con.conkey) WITH ORDINALITY u(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = u.attnum) AS cols,
           (SELECT string_agg(a.attname, ',' ORDER BY u.ord)
              FROM unnest(con.confkey) WITH ORDINALITY u(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = u.attnum) AS refcols
    FROM pg_constraint con)
  SELECT CASE con.contype WHEN 'p' THEN 'pkey' WHEN 'u' THEN 'unique' WHEN 'f' THEN 'fkey'
                          WHEN 'c' THEN 'check' ELSE con.contype::text END
         || '|' || c.relname || '|' || con.conname || '|' || k.cols
         || CASE WHEN con.contype = 'f' THEN
              '|' || con.confrelid::regclass::text || '|' || k.refcols || '|'
              || (SELECT x.v FROM (VALUES ('a', 'no action'), ('r', 'restrict'), ('c', 'cascade'),
                                          ('n', 'set null'), ('d', 'set default')) x(k, v)
                  WHERE x.k = con.confdeltype::text) || '|'
              || (SELECT x.v FROM (VALUES ('a', 'no action'), ('r', 'restrict'), ('c', 'cascade'),
                                          ('n', 'set null'), ('d', 'set default')) x(k, v)
                  WHERE x.k = con.confupdtype::text)
            ELSE '' END
  FROM pg_constraint con
  JOIN pg_class c ON c.oid = con.conrelid
  JOIN k ON k.oid = con.oid
  WHERE $rel AND con.contype IN ('p', 'u', 'f', 'c')")"

# Indexes: access method, uniqueness, key columns with their sort direction. No partial or
# expression indexes are expected: such an index shows up here with a '?' column and fails.
expect indexes "$(fixture indexes.txt)" "$(sql "$url" "
  SELECT c.relname, ic.relname, am.amname,
         CASE WHEN i.indisunique THEN 'unique' ELSE 'plain' END
         || CASE WHEN i.indpred IS NOT NULL THEN ' partial' ELSE '' END,
         (SELECT string_agg(coalesce(a.attname, '?')
                            || CASE WHEN i.indoption[k.n - 1] & 1 = 1 THEN ' DESC' ELSE '' END,
                            ',' ORDER BY k.n)
            FROM generate_series(1, i.indnkeyatts) k(n)
            LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n - 1])
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indrelid
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_am am ON am.oid = ic.relam
  WHERE $rel")"

# No btree index on a jsonb column (a btree entry over a big document fails the insert).
assert_eq "" "$(sql "$url" "
  SELECT string_agg(ic.relname || '(' || a.attname || ')', ', ')
  FROM pg_index i
  JOIN pg_class c ON c.oid = i.indrelid
  JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_am am ON am.oid = ic.relam
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
  WHERE $rel AND am.amname = 'btree' AND a.atttypid = 'jsonb'::regtype")" "btree indexes on jsonb columns"

# --- Behaviour: plain SQL inserts work with the defaults, CHECKs reject what the design rules out.

# rejected CONSTRAINT SQL: SQL must fail, and because of CONSTRAINT.
rejected() {
  if sql "$url" "$2" >"$T/rejected.out" 2>"$T/rejected.err"; then
    fail "accepted, expected a violation of $1: $2"
  fi
  assert_contains "$(cat "$T/rejected.err")" "\"$1\"" "error of: $2"
}

# Ids come from the identity columns (RETURNING), never given explicitly: an explicit id would
# leave the sequence behind and make a later insert fail on the primary key instead of the CHECK.
p=$(sql "$url" "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name)
                VALUES ('devlog', 'codervisor/devlog', 'git@github.com:codervisor/devlog.git', 'codervisor', 'devlog')
                RETURNING id")
m=$(sql "$url" "INSERT INTO machines (machine_id, hostname, username, os_type, machine_type)
                VALUES ('m1', 'h', 'u', 'linux', 'local') RETURNING id")
w=$(sql "$url" "INSERT INTO workspaces (project_id, machine_id, workspace_id, workspace_path, workspace_type)
                VALUES ($p, $m, 'w1', '/src/devlog', 'folder') RETURNING id")
assert_eq "t|t" "$(sql "$url" "SELECT updated_at IS NOT NULL, created_at IS NOT NULL FROM projects")" "timestamp defaults"
assert_eq "{}" "$(sql "$url" "SELECT metadata FROM machines")" "jsonb default"
# Identity columns hand out ids without an explicit value.
sql "$url" "INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x')" >/dev/null

ev="INSERT INTO agent_events (id, timestamp, event_type, agent_id, agent_version, session_id, project_id"
ids="'00000000-0000-0000-0000-000000000001'"
sess="'10000000-0000-0000-0000-000000000001'"

# Primary key (id, timestamp): the same id at another time is a different row; the same pair is not.
sql "$url" "$ev) VALUES ($ids, '2025-01-01T00:00:00Z', 'tool_use', 'claude-code', '1', $sess, $p),
                        ($ids, '2025-01-02T00:00:00Z', 'tool_use', 'claude-code', '1', $sess, $p)" >/dev/null
assert_eq 2 "$(sql "$url" "SELECT count(*) FROM agent_events WHERE id = $ids")" "events sharing an id"
rejected agent_events_pkey "$ev) VALUES ($ids, '2025-01-01T00:00:00Z', 'tool_use', 'claude-code', '1', $sess, $p)"

# session_id is not a foreign key (a session without a chat_sessions row is normal, see 0001).
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM chat_sessions")" "chat sessions"
# NULL severity and a canonical event type are fine; aliases and unknown values are not.
sql "$url" "$ev, severity) VALUES (gen_random_uuid(), now(), 'llm_response', 'codex', '1', $sess, $p, NULL)" >/dev/null
sql "$url" "$ev, severity) VALUES (gen_random_uuid(), now(), 'context_switch', 'codex', '1', $sess, $p, 'warning')" >/dev/null
rejected agent_events_event_type_check "$ev) VALUES (gen_random_uuid(), now(), 'tool_invocation', 'x', '1', $sess, $p)"
rejected agent_events_event_type_check "$ev) VALUES (gen_random_uuid(), now(), 'moonwalk', 'x', '1', $sess, $p)"
rejected agent_events_severity_check "$ev, severity) VALUES (gen_random_uuid(), now(), 'tool_use', 'x', '1', $sess, $p, 'fatal')"
rejected agent_events_project_id_fkey "$ev) VALUES (gen_random_uuid(), now(), 'tool_use', 'x', '1', $sess, $((p + 1000)))"
# Deleting a project that still has events is refused (RESTRICT), not cascaded into the events.
rejected agent_events_project_id_fkey "DELETE FROM projects WHERE id = $p"

rejected machines_machine_type_check "INSERT INTO machines (machine_id, hostname, username, os_type, machine_type)
                                      VALUES ('m2', 'h', 'u', 'linux', 'moon')"
rejected workspaces_workspace_type_check "INSERT INTO workspaces (project_id, machine_id, workspace_id, workspace_path, workspace_type)
                                          VALUES ($p, $m, 'w2', '/x', 'file')"
as="INSERT INTO agent_sessions (agent_id, agent_version, project_id, start_time"
sql "$url" "$as, outcome, quality_score, duration) VALUES ('claude-code', '1', $p, now(), 'success', 100, 0)" >/dev/null
sql "$url" "$as, outcome, quality_score) VALUES ('claude-code', '1', $p, now(), NULL, NULL)" >/dev/null
rejected agent_sessions_outcome_check "$as, outcome) VALUES ('x', '1', $p, now(), 'won')"
rejected agent_sessions_quality_score_check "$as, quality_score) VALUES ('x', '1', $p, now(), 100.01)"
rejected agent_sessions_quality_score_check "$as, quality_score) VALUES ('x', '1', $p, now(), -1)"
rejected agent_sessions_duration_check "$as, duration) VALUES ('x', '1', $p, now(), -5)"
cs="INSERT INTO chat_sessions (session_id, workspace_id, agent_type, started_at"
sql "$url" "$cs) VALUES ($sess, $w, 'copilot', now())" >/dev/null
rejected chat_sessions_message_count_check "$cs, message_count) VALUES (gen_random_uuid(), $w, 'copilot', now(), -1)"
rejected chat_sessions_total_tokens_check "$cs, total_tokens) VALUES (gen_random_uuid(), $w, 'copilot', now(), -1)"
cm="INSERT INTO chat_messages (session_id, role, content, timestamp, sequence)"
sql "$url" "$cm VALUES ($sess, 'assistant', 'hi', now(), 0)" >/dev/null
rejected chat_messages_role_check "$cm VALUES ($sess, 'robot', 'hi', now(), 1)"
rejected chat_messages_sequence_check "$cm VALUES ($sess, 'user', 'hi', now(), -1)"
d=$(sql "$url" "INSERT INTO devlog_entries (key_field, title, description, project_id) VALUES ('k1', 't', 'd', $p) RETURNING id")
rejected devlog_documents_size_check "INSERT INTO devlog_documents (devlog_id, filename, original_name, mime_type, size, type)
                                      VALUES ($d, 'f', 'f', 'text/plain', -1, 'text')"

# A second 'migrate up' changes nothing and says so.
run --database-url "$url" migrate up
assert_rc 0
assert_contains "${out,,}${err,,}" "up to date"

pass
