-- What the server offers for TimescaleDB (lib/timescale/capabilities.cpp). One row; works without
-- the extension. Columns: server_version, server_version_num, available (default_version on the
-- server), installed (extversion here), extension schema, shared_preload_libraries, superuser,
-- add_columnstore_policy exists, timescaledb_information.job_errors exists.
SELECT pg_catalog.split_part(pg_catalog.current_setting('server_version'), ' ', 1),
       pg_catalog.current_setting('server_version_num')::int,
       (SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name = 'timescaledb'),
       e.extversion,
       n.nspname,
       pg_catalog.current_setting('shared_preload_libraries'),
       (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user),
       EXISTS (SELECT 1 FROM pg_catalog.pg_proc p
               WHERE p.proname = 'add_columnstore_policy' AND p.pronamespace = e.extnamespace),
       pg_catalog.to_regclass('timescaledb_information.job_errors') IS NOT NULL
FROM (SELECT 1) AS one
LEFT JOIN pg_catalog.pg_extension e ON e.extname = 'timescaledb'
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
