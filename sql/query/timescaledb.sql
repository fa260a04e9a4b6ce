-- The TimescaleDB extension of this database, if any: its version, the schema of its public API
-- (hypertable_detailed_size, ...) and the schema of its internal functions (_timescaledb_functions
-- since 2.12, _timescaledb_internal before).
SELECT e.extversion,
       n.nspname AS api_schema,
       CASE WHEN to_regnamespace('_timescaledb_functions') IS NOT NULL
            THEN '_timescaledb_functions' ELSE '_timescaledb_internal' END AS functions_schema
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = 'timescaledb'
