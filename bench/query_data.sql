-- bench/query.sh's events: :n events spread evenly over the 30 days before :'end' (psql variables),
-- 20 projects, 5 agents, sessions of 400 events, a realistic mix of event types, JSON payloads with
-- file paths and tool names, token metrics on LLM responses (one in twenty stored twice, as agents
-- do), some errors and tags. Deterministic: the same rows in every database.
INSERT INTO projects (id, name, full_name, repo_url, repo_owner, repo_name)
SELECT p, 'p' || lpad(p::text, 2, '0'), 'bench/p' || lpad(p::text, 2, '0'),
       'https://github.com/bench/p' || lpad(p::text, 2, '0'), 'bench', 'p' || lpad(p::text, 2, '0')
FROM generate_series(1, 20) p;

INSERT INTO agent_events (id, timestamp, event_type, agent_id, agent_version, session_id, project_id, context, data,
                          metrics, tags, severity)
SELECT md5('bench' || g)::uuid,
       :'end'::timestamptz - interval '30 days' + g * (interval '30 days' / :n),
       t.type,
       (ARRAY['claude-code', 'codex', 'github-copilot', 'cursor', 'aider'])[1 + (g / 400) % 5],
       '1.' || (g / 500000),
       md5('session' || g / 400)::uuid,
       1 + ((g / 400) * 7919) % 20,
       jsonb_build_object('cwd', '/home/dev/p' || (1 + ((g / 400) * 7919) % 20), 'branch', 'main'),
       CASE t.type
           WHEN 'llm_response' THEN jsonb_build_object('model', (ARRAY['claude-sonnet-4-5-20250929', 'gpt-5-codex', 'claude-haiku-4-5', 'gpt-4.1', 'claude-opus-4-1'])[1 + (g / 400) % 5],
                                                      'messageId', 'msg_' || (g - (g % 20 = 1)::int), 'requestId', 'req_' || (g - (g % 20 = 1)::int),
                                                      'stopReason', 'end_turn')
           WHEN 'llm_request' THEN jsonb_build_object('promptLength', 200 + g % 4000)
           WHEN 'tool_use' THEN jsonb_build_object('toolName', (ARRAY['Read', 'Edit', 'Bash', 'Grep', 'Glob', 'Write'])[1 + g % 6],
                                                  'filePath', 'src/module' || (g % 50) || '/file' || (g % 37) || '.ts')
           WHEN 'command_execute' THEN jsonb_build_object('command', (ARRAY['npm test', 'cargo build', 'git status', 'make'])[1 + g % 4], 'exitCode', (g % 9 = 0)::int)
           ELSE jsonb_build_object('filePath', 'src/module' || (g % 50) || '/file' || (g % 37) || '.ts', 'lines', g % 400)
       END,
       CASE t.type
           WHEN 'llm_response' THEN jsonb_build_object('promptTokens', 20 + g % 3000, 'responseTokens', 50 + g % 1500,
                                                      'cacheReadTokens', 5000 + g % 60000, 'cacheCreationTokens', g % 4000,
                                                      'tokenCount', 5070 + g % 3000 + g % 1500 + g % 60000 + g % 4000,
                                                      'durationMs', 500 + g % 20000)
           WHEN 'tool_use' THEN jsonb_build_object('durationMs', 5 + g % 3000)
           WHEN 'command_execute' THEN jsonb_build_object('durationMs', 100 + g % 60000)
       END,
       CASE WHEN g % 11 = 0 THEN ARRAY['ci'] WHEN g % 13 = 0 THEN ARRAY['review', 'ci'] END,
       CASE WHEN t.type = 'error_encountered' THEN 'error' WHEN g % 97 = 0 THEN 'warning' END
FROM generate_series(0, :n - 1) g
CROSS JOIN LATERAL (
    SELECT (ARRAY['session_start', 'llm_request', 'llm_response', 'tool_use', 'tool_use', 'file_read', 'tool_use',
                  'llm_request', 'llm_response', 'file_write', 'tool_use', 'file_read', 'command_execute', 'tool_use',
                  'llm_response', 'file_read', 'search_performed', 'error_encountered', 'tool_use', 'file_write'])
           [1 + (g * 7) % 20] AS type) t;
