-- What would stop partition setup from replacing the table $1 (regclass text) by a partitioned
-- one, one row per problem: (kind, object). Views and foreign keys that depend on it, triggers
-- that are not devlogctl's own, row-level security, inheritance children, and unique indexes
-- without the partition column (a partitioned table's unique keys must include it).
SELECT 'view', v.oid::regclass::text
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
JOIN pg_catalog.pg_class v ON v.oid = r.ev_class
WHERE d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.refobjid = $1::regclass AND v.oid <> $1::regclass
UNION
SELECT 'foreign key', c.conname || ' on ' || c.conrelid::regclass::text
FROM pg_catalog.pg_constraint c
WHERE c.contype = 'f' AND c.confrelid = $1::regclass
UNION
SELECT 'trigger', t.tgname
FROM pg_catalog.pg_trigger t
WHERE t.tgrelid = $1::regclass AND NOT t.tgisinternal
  AND t.tgname NOT LIKE 'agent\_events\_rollup\_%' AND t.tgname NOT LIKE 'agent\_events\_partition\_sync\_%'
UNION
SELECT 'row-level security', c.relname
FROM pg_catalog.pg_class c
WHERE c.oid = $1::regclass AND (c.relrowsecurity OR EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid))
UNION
SELECT 'inheritance child', i.inhrelid::regclass::text
FROM pg_catalog.pg_inherits i
WHERE i.inhparent = $1::regclass
UNION
SELECT 'unique index without "timestamp"', ic.relname
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
WHERE x.indrelid = $1::regclass AND x.indisunique
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = x.indrelid AND a.attname = 'timestamp' AND a.attnum = ANY (x.indkey::int2[]))
ORDER BY 1, 2
