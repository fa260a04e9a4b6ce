-- Every chunk of every hypertable (continuous aggregates' materialization hypertables included,
-- named by their view) with its compression numbers: TimescaleDB's snapshot taken when the chunk
-- was compressed ({chunk_stats}: chunk_columnstore_stats on 2.18+, chunk_compression_stats before;
-- the same columns) beside what the chunk occupies now. Status: bit 1 compressed, bit 8 partial
-- (rows added after compression, not yet recompressed). Runs with the extension's schema on the
-- search path.
WITH hypertables AS (
    SELECT ht.id, ht.schema_name, ht.table_name, coalesce(ca.user_view_name, ht.table_name) AS shown_name,
           ht.compression_state = 1 AS compression_enabled
    FROM _timescaledb_catalog.hypertable ht
    LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = ht.id
    WHERE ht.compression_state <> 2
),
snapshot AS (
    SELECT h.id AS hypertable_id, s.*
    FROM hypertables h
    CROSS JOIN LATERAL {chunk_stats}(format('%I.%I', h.schema_name, h.table_name)::regclass) s
    WHERE h.compression_enabled
)
SELECT h.shown_name AS hypertable, h.compression_enabled, ch.table_name AS chunk,
       (extract(epoch FROM i.range_start) * 1000000)::int8 AS range_start,
       (extract(epoch FROM i.range_end) * 1000000)::int8 AS range_end,
       CASE WHEN ch.status & 1 = 0 THEN 'uncompressed' WHEN ch.status & 8 <> 0 THEN 'partial' ELSE 'compressed' END
           AS status,
       cs.numrows_pre_compression AS rows_compressed,
       s.before_compression_total_bytes AS before_bytes,
       s.after_compression_total_bytes AS after_bytes,
       pg_total_relation_size(ccl.oid) AS live_compressed_bytes,
       pg_total_relation_size(chl.oid) AS live_chunk_bytes
FROM hypertables h
JOIN _timescaledb_catalog.chunk ch ON ch.hypertable_id = h.id AND NOT ch.osm_chunk
JOIN pg_namespace chn ON chn.nspname = ch.schema_name
JOIN pg_class chl ON chl.relnamespace = chn.oid AND chl.relname = ch.table_name
LEFT JOIN timescaledb_information.chunks i ON i.chunk_schema = ch.schema_name AND i.chunk_name = ch.table_name
LEFT JOIN _timescaledb_catalog.chunk cc ON cc.id = ch.compressed_chunk_id
LEFT JOIN pg_namespace ccn ON ccn.nspname = cc.schema_name
LEFT JOIN pg_class ccl ON ccl.relnamespace = ccn.oid AND ccl.relname = cc.table_name
LEFT JOIN _timescaledb_catalog.compression_chunk_size cs ON cs.chunk_id = ch.id
LEFT JOIN snapshot s ON s.hypertable_id = h.id AND s.chunk_schema = ch.schema_name AND s.chunk_name = ch.table_name
ORDER BY h.shown_name, i.range_start, ch.table_name
