-- The relation $1.$2 (a rollup): relkind, its comment, its columns ("name type, ..."), whether it
-- is a continuous aggregate and materialized only, its watermark (microseconds since the epoch;
-- NULL when nothing is materialized). No row: it does not exist. Needs TimescaleDB.
SELECT c.relkind::text,
       pg_catalog.obj_description(c.oid, 'pg_class'),
       (SELECT pg_catalog.string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', '
                                     ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
       ca.view_name IS NOT NULL,
       coalesce(ca.materialized_only, true),
       (SELECT CASE WHEN w.at > '0001-01-01' THEN (EXTRACT(epoch FROM w.at) * 1000000)::bigint END
        FROM (SELECT _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(k.mat_hypertable_id)) AS at
              FROM _timescaledb_catalog.continuous_agg k
              WHERE k.user_view_schema = n.nspname AND k.user_view_name = c.relname) w)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN timescaledb_information.continuous_aggregates ca ON ca.view_schema = n.nspname AND ca.view_name = c.relname
WHERE n.nspname = $1 AND c.relname = $2
