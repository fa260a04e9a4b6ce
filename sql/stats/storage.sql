-- Sizes of every user table as PostgreSQL stores it (a partitioned table summed over its
-- partitions): approximate rows (planner statistics; NULL before the first ANALYZE), heap, index
-- and TOAST bytes. total = table + index + TOAST = pg_total_relation_size.
WITH rels AS (
    SELECT c.oid, c.relkind, n.nspname AS schema_name, c.relname AS table_name,
           CASE c.relkind WHEN 'p' THEN 'partitioned table' WHEN 'm' THEN 'materialized view' ELSE 'table' END AS kind
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition
      AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
),
sizes AS (
    SELECT r.schema_name, r.table_name, r.kind, s.*
    FROM rels r
    CROSS JOIN LATERAL (
        SELECT CASE WHEN bool_and(pc.reltuples < 0) THEN NULL ELSE sum(greatest(pc.reltuples, 0)) END::int8 AS rows,
               coalesce(sum(pg_indexes_size(pc.oid)), 0)::int8 AS index_bytes,
               coalesce(sum(CASE WHEN pc.reltoastrelid <> 0 THEN pg_total_relation_size(pc.reltoastrelid) ELSE 0 END), 0)::int8 AS toast_bytes,
               coalesce(sum(pg_total_relation_size(pc.oid)), 0)::int8 AS total_bytes
        FROM (SELECT r.oid AS relid WHERE r.relkind <> 'p'
              UNION ALL
              SELECT t.relid FROM pg_partition_tree(r.oid) t WHERE r.relkind = 'p' AND t.isleaf) leaves
        JOIN pg_class pc ON pc.oid = leaves.relid
    ) s
)
SELECT schema_name, table_name, kind, rows, total_bytes - index_bytes - toast_bytes AS table_bytes, index_bytes,
       toast_bytes, total_bytes
FROM sizes
ORDER BY total_bytes DESC, schema_name, table_name
