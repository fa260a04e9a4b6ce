-- Without TimescaleDB, the partitions of partitioned tables stand in for chunks: each leaf with
-- its bounds (FOR VALUES ...) and sizes.
SELECT pn.nspname || '.' || p.relname AS parent, c.relname AS partition,
       pg_get_expr(c.relpartbound, c.oid) AS bounds,
       CASE WHEN c.reltuples >= 0 THEN c.reltuples::int8 END AS rows,
       pg_total_relation_size(c.oid) - pg_indexes_size(c.oid)
         - CASE WHEN c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) ELSE 0 END AS table_bytes,
       pg_indexes_size(c.oid) AS index_bytes,
       CASE WHEN c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) ELSE 0 END AS toast_bytes,
       pg_total_relation_size(c.oid) AS total_bytes
FROM pg_class p
JOIN pg_namespace pn ON pn.oid = p.relnamespace
CROSS JOIN LATERAL pg_partition_tree(p.oid) t
JOIN pg_class c ON c.oid = t.relid
WHERE p.relkind = 'p' AND NOT p.relispartition AND t.isleaf
  AND pn.nspname <> 'information_schema' AND pn.nspname NOT LIKE 'pg\_%'
ORDER BY parent, partition
