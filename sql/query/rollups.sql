-- The relations named as the rollup contract's (DEVELOPERS.md: agent_events_hourly,
-- agent_events_daily, agent_events_totals_5m) that exist on the search path with every measure
-- column of the contract, whatever they are: TimescaleDB continuous aggregates (views), plain
-- tables maintained by devlogctl, ... $1: the names; $2: the contract's columns without the group
-- keys; $3: the group keys. Returns each one's name, relkind, schema and whether it has the group
-- keys too.
SELECT n.name, c.relkind::text, s.nspname,
       (SELECT count(*)
        FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = ANY($3::text[]))
       = cardinality($3::text[]) AS grouped
FROM unnest($1::text[]) AS n(name)
JOIN pg_class c ON c.oid = to_regclass(n.name)
JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE (SELECT count(*)
       FROM pg_attribute a
       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = ANY($2::text[]))
      = cardinality($2::text[])
