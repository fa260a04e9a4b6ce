-- One snapshot of the sessions (the SELECT of stats/connections.sql goes in the FROM below) into
-- connection_pool_stats; returns the groups and the sessions recorded.
WITH snapshot AS (
    INSERT INTO @table@ (recorded_at, database_name, application_name, user_name, state, connections,
                         waiting_connections, longest_state_seconds, longest_transaction_seconds, max_connections)
    SELECT now(), s.* FROM (@select@) AS s
    RETURNING connections
)
SELECT count(*), coalesce(sum(connections), 0) FROM snapshot
