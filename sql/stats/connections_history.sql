-- connection_pool_stats (@table@) since $1: per database, application, user and state, how many
-- snapshots saw it, its average and largest number of sessions, the most that waited for a lock
-- and the longest open transaction, and when it was last seen.
SELECT database_name, application_name, user_name, state,
       count(*) AS snapshots,
       round(avg(connections)::numeric, 1)::double precision AS avg_connections,
       max(connections) AS max_connections,
       max(waiting_connections) AS max_waiting,
       max(longest_transaction_seconds) AS longest_transaction_seconds,
       to_char(max(recorded_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_seen
FROM @table@
WHERE recorded_at >= $1::timestamptz
GROUP BY 1, 2, 3, 4
ORDER BY max(connections) DESC, 2, 4
