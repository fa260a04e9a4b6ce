-- The hypertable $1.$2: its chunk interval (text, microseconds), whether compression is on, its
-- chunks and compressed chunks. No row: not a hypertable.
SELECT d.time_interval::text,
       (EXTRACT(epoch FROM d.time_interval) * 1000000)::bigint,
       h.compression_enabled,
       (SELECT pg_catalog.count(*) FROM timescaledb_information.chunks ch
        WHERE ch.hypertable_schema = h.hypertable_schema AND ch.hypertable_name = h.hypertable_name),
       (SELECT pg_catalog.count(*) FROM timescaledb_information.chunks ch
        WHERE ch.hypertable_schema = h.hypertable_schema AND ch.hypertable_name = h.hypertable_name AND ch.is_compressed)
FROM timescaledb_information.hypertables h
LEFT JOIN timescaledb_information.dimensions d
       ON d.hypertable_schema = h.hypertable_schema AND d.hypertable_name = h.hypertable_name AND d.dimension_number = 1
WHERE h.hypertable_schema = $1 AND h.hypertable_name = $2
