-- Every chunk with its time range, compression status and size now (chunks_detailed_size: a
-- compressed chunk's compressed data included). Continuous aggregates' chunks are named by their
-- view. Rows: the count recorded at compression for compressed chunks (plus planner estimates of
-- rows added since), planner statistics otherwise. Runs with the extension's schema on the search path.
WITH hypertables AS (
    SELECT ht.id, ht.schema_name, ht.table_name, coalesce(ca.user_view_name, ht.table_name) AS shown_name
    FROM _timescaledb_catalog.hypertable ht
    LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = ht.id
    WHERE ht.compression_state <> 2
),
sizes AS (
    SELECT h.id AS hypertable_id, d.*
    FROM hypertables h
    CROSS JOIN LATERAL chunks_detailed_size(format('%I.%I', h.schema_name, h.table_name)::regclass) d
)
SELECT h.shown_name AS hypertable, ch.table_name AS chunk,
       (extract(epoch FROM i.range_start) * 1000000)::int8 AS range_start,
       (extract(epoch FROM i.range_end) * 1000000)::int8 AS range_end,
       CASE WHEN ch.status & 1 = 0 THEN 'uncompressed' WHEN ch.status & 8 <> 0 THEN 'partial' ELSE 'compressed' END
           AS status,
       CASE WHEN cs.chunk_id IS NOT NULL THEN cs.numrows_pre_compression + greatest(chl.reltuples, 0)::int8
            WHEN chl.reltuples >= 0 THEN chl.reltuples::int8 END AS rows,
       d.table_bytes, d.index_bytes, d.toast_bytes, d.total_bytes
FROM hypertables h
JOIN _timescaledb_catalog.chunk ch ON ch.hypertable_id = h.id AND NOT ch.osm_chunk
JOIN pg_namespace chn ON chn.nspname = ch.schema_name
JOIN pg_class chl ON chl.relnamespace = chn.oid AND chl.relname = ch.table_name
LEFT JOIN timescaledb_information.chunks i ON i.chunk_schema = ch.schema_name AND i.chunk_name = ch.table_name
LEFT JOIN _timescaledb_catalog.compression_chunk_size cs ON cs.chunk_id = ch.id
LEFT JOIN sizes d ON d.hypertable_id = h.id AND d.chunk_schema = ch.schema_name AND d.chunk_name = ch.table_name
ORDER BY h.shown_name, i.range_start, ch.table_name
