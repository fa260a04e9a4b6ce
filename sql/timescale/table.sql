-- The table to set up ($1, resolved through the search_path): schema, name, relkind, estimated
-- rows (-1: never analyzed), total bytes, and the server's clock in microseconds since the epoch.
SELECT n.nspname, c.relname, c.relkind::text, c.reltuples::bigint,
       pg_catalog.pg_total_relation_size(c.oid),
       (EXTRACT(epoch FROM pg_catalog.now()) * 1000000)::bigint
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = pg_catalog.to_regclass($1)
