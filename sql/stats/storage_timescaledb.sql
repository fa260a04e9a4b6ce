-- storage.sql with TimescaleDB: a hypertable or continuous aggregate is summed over its chunks,
-- compressed ones included (hypertable_detailed_size); its rows are those counted when its chunks
-- were compressed plus planner statistics of the rest (NULL while a chunk was never analyzed).
-- Chunks and TimescaleDB's internal tables are not listed on their own. Runs with the extension's
-- schema on the search path.
WITH rels AS (
    SELECT c.oid, c.relkind, n.nspname AS schema_name, c.relname AS table_name,
           coalesce(ht.id, ca.mat_hypertable_id) AS hypertable_id,
           CASE WHEN ht.id IS NOT NULL THEN 'hypertable'
                WHEN ca.mat_hypertable_id IS NOT NULL THEN 'continuous aggregate'
                WHEN c.relkind = 'p' THEN 'partitioned table'
                WHEN c.relkind = 'm' THEN 'materialized view'
                ELSE 'table' END AS kind
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN _timescaledb_catalog.hypertable ht ON ht.schema_name = n.nspname AND ht.table_name = c.relname
    LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.user_view_schema = n.nspname AND ca.user_view_name = c.relname
    WHERE (c.relkind IN ('r', 'p', 'm') OR ca.mat_hypertable_id IS NOT NULL) AND NOT c.relispartition
      AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
      AND n.nspname NOT LIKE '\_timescaledb%' AND n.nspname NOT LIKE 'timescaledb\_%'
),
sizes AS (
    SELECT r.schema_name, r.table_name, r.kind, s.*
    FROM rels r
    CROSS JOIN LATERAL (
        SELECT (SELECT CASE WHEN bool_or(cs.chunk_id IS NULL AND cl.reltuples < 0) THEN NULL
                            ELSE coalesce(sum(coalesce(cs.numrows_pre_compression, 0) + greatest(cl.reltuples, 0)), 0)
                       END::int8
                FROM _timescaledb_catalog.chunk ch
                JOIN pg_namespace cn ON cn.nspname = ch.schema_name
                JOIN pg_class cl ON cl.relnamespace = cn.oid AND cl.relname = ch.table_name
                LEFT JOIN _timescaledb_catalog.compression_chunk_size cs ON cs.chunk_id = ch.id
                WHERE ch.hypertable_id = r.hypertable_id AND NOT ch.osm_chunk) AS rows,
               d.index_bytes, d.toast_bytes, d.total_bytes
        FROM hypertable_detailed_size(r.oid) d
        WHERE r.kind IN ('hypertable', 'continuous aggregate')
        UNION ALL
        SELECT CASE WHEN bool_and(pc.reltuples < 0) THEN NULL ELSE sum(greatest(pc.reltuples, 0)) END::int8,
               coalesce(sum(pg_indexes_size(pc.oid)), 0)::int8,
               coalesce(sum(CASE WHEN pc.reltoastrelid <> 0 THEN pg_total_relation_size(pc.reltoastrelid) ELSE 0 END), 0)::int8,
               coalesce(sum(pg_total_relation_size(pc.oid)), 0)::int8
        FROM (SELECT r.oid AS relid WHERE r.relkind <> 'p'
              UNION ALL
              SELECT t.relid FROM pg_partition_tree(r.oid) t WHERE r.relkind = 'p' AND t.isleaf) leaves
        JOIN pg_class pc ON pc.oid = leaves.relid
        HAVING r.kind NOT IN ('hypertable', 'continuous aggregate')
    ) s
)
SELECT schema_name, table_name, kind, rows, total_bytes - index_bytes - toast_bytes AS table_bytes, index_bytes,
       toast_bytes, total_bytes
FROM sizes
ORDER BY total_bytes DESC, schema_name, table_name
