-- The constraints and indexes of table $1 (regclass text) that partition setup recreates on the
-- partitioned table: (kind, name, definition). kind: 'key' (primary key or unique constraint:
-- pg_get_constraintdef), 'fkey' (foreign key: pg_get_constraintdef), 'index' (an index that no
-- constraint owns: pg_get_indexdef). CHECK and NOT NULL constraints come with CREATE TABLE LIKE.
SELECT CASE c.contype WHEN 'f' THEN 'fkey' ELSE 'key' END, c.conname, pg_catalog.pg_get_constraintdef(c.oid)
FROM pg_catalog.pg_constraint c
WHERE c.conrelid = $1::regclass AND c.contype IN ('p', 'u', 'f')
UNION ALL
SELECT 'index', ic.relname, pg_catalog.pg_get_indexdef(x.indexrelid)
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
WHERE x.indrelid = $1::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)
ORDER BY 1, 2
