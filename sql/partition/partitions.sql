-- The partitions of the partitioned table $1 (a regclass text): name, whether it is the DEFAULT
-- partition, and the bounds of a range partition as microseconds since the epoch (NULL for the
-- default partition and for bounds that are not plain timestamps, e.g. MINVALUE).
SELECT c.relname,
       pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT',
       (extract(epoch FROM b[1]::timestamptz) * 1000000)::bigint,
       (extract(epoch FROM b[2]::timestamptz) * 1000000)::bigint
FROM pg_catalog.pg_inherits i
JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
LEFT JOIN LATERAL pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                                          '^FOR VALUES FROM \(''([^'']+)''\) TO \(''([^'']+)''\)$') AS b ON true
WHERE i.inhparent = $1::regclass
ORDER BY 3 NULLS FIRST, 1
