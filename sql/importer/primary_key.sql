-- The columns of the primary key of table $1 (a quoted name, resolved through the search_path), in
-- key order; no rows when it has none. The import writer filters rows already present on these
-- columns, so that it never hard-codes the key (a distributed agent_events adds project_id).
SELECT a.attname
FROM pg_constraint c
CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k (attnum, ord)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
WHERE c.conrelid = $1::regclass AND c.contype = 'p'
ORDER BY k.ord
