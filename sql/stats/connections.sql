-- The server's client sessions now, grouped by database, application_name, user and state (our
-- own session left out). Sessions of other roles show a NULL state without pg_read_all_stats:
-- they count as '(unknown)'. maintain inserts these rows into connection_pool_stats;
-- stats connections shows them.
SELECT coalesce(a.datname, '') AS database_name,
       coalesce(nullif(a.application_name, ''), '(none)') AS application_name,
       coalesce(a.usename, '') AS user_name,
       coalesce(a.state, '(unknown)') AS state,
       count(*)::integer AS connections,
       (count(*) FILTER (WHERE a.wait_event_type = 'Lock'))::integer AS waiting_connections,
       max(extract(epoch FROM now() - a.state_change))::double precision AS longest_state_seconds,
       max(extract(epoch FROM now() - a.xact_start))::double precision AS longest_transaction_seconds,
       current_setting('max_connections')::integer AS max_connections
FROM pg_catalog.pg_stat_activity a
WHERE a.backend_type = 'client backend' AND a.pid <> pg_catalog.pg_backend_pid()
GROUP BY 1, 2, 3, 4
ORDER BY 5 DESC, 2, 4
