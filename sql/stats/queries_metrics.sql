-- What devlogctl recorded in performance_metrics (@table@) since $1, per kind, name and query
-- hash: calls, total, mean, exact p95 (percentile_cont) and largest duration, rows. $2: how many;
-- $3: 'total' or 'p95', the order.
SELECT 'performance_metrics' AS source,
       metric_type || ' ' || metric_name AS query,
       count(*) AS calls,
       sum(duration_ms) AS total,
       avg(duration_ms) AS mean,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95,
       true AS p95_exact,
       max(duration_ms) AS max,
       sum(row_count) AS rows,
       coalesce(query_hash, '') AS id
FROM @table@
WHERE timestamp >= $1::timestamptz
GROUP BY metric_type, metric_name, coalesce(query_hash, '')
ORDER BY CASE WHEN $3 = 'p95' THEN percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
              ELSE sum(duration_ms) END DESC
LIMIT $2
