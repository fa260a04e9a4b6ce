-- Top statements of this database from pg_stat_statements (@view@), by total execution time.
-- pg_stat_statements keeps no percentiles: p95 is estimated as mean + 1.645 standard deviations
-- (a normal distribution's 95th percentile), capped at the largest time seen. $1: how many;
-- $2: 'total' or 'p95', the order.
-- Utility statements are kept verbatim, not normalised: the string after PASSWORD (ALTER ROLE ...
-- [ENCRYPTED] PASSWORD '...', CREATE USER MAPPING ... OPTIONS (password '...')), quoted '...',
-- E'...' or dollar-quoted, is shown as '***'.
SELECT 'pg_stat_statements' AS source,
       left(regexp_replace(
                regexp_replace(
                    regexp_replace(s.query, $re$(\mpassword\s+)([eE]'([^'\\]|''|\\.)*'|'([^']|'')*')$re$, '\1''***''', 'gi'),
                    $re$(\mpassword\s+)\$([a-z_][a-z_0-9]*|)\$.*?\$\2\$$re$, '\1''***''', 'gi'),
                '\s+', ' ', 'g'), 200) AS query,
       s.calls,
       s.total_exec_time,
       s.mean_exec_time,
       least(s.max_exec_time, s.mean_exec_time + 1.645 * s.stddev_exec_time) AS p95,
       false AS p95_exact,
       s.max_exec_time,
       s.rows,
       s.queryid::text AS id
FROM @view@ AS s
WHERE s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
ORDER BY CASE WHEN $2 = 'p95' THEN least(s.max_exec_time, s.mean_exec_time + 1.645 * s.stddev_exec_time)
              ELSE s.total_exec_time END DESC
LIMIT $1
