-- While partition setup copies agent_events into the partitioned table beside it, every change to
-- agent_events is applied to the copy too, in the writer's transaction: inserts are copied,
-- updates upserted (an upsert waits for a batch that is copying the same row, then wins),
-- deletes and truncates repeated. So nothing written during the copy is lost, and the two tables
-- hold the same rows in any one snapshot. Placeholders: @schema@, @old@, @new@ (qualified),
-- @cols@ (the column list), @match@ (the key columns of n and o compared), @set@ (the non-key
-- columns set from EXCLUDED), @key@ (the key column list). Dropped by the swap or --abort.
CREATE FUNCTION @schema@.agent_events_partition_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO @new@ (@cols@) SELECT @cols@ FROM sync_new ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        DELETE FROM @new@ AS n USING sync_old AS o
         WHERE @match@ AND NOT EXISTS (SELECT 1 FROM sync_new AS s WHERE @match_new@);
        INSERT INTO @new@ (@cols@) SELECT @cols@ FROM sync_new
            ON CONFLICT (@key@) DO UPDATE SET @set@;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM @new@ AS n USING sync_old AS o WHERE @match@;
    ELSIF TG_OP = 'TRUNCATE' THEN
        TRUNCATE @new@;
    END IF;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER agent_events_partition_sync_ins AFTER INSERT ON @old@
    REFERENCING NEW TABLE AS sync_new
    FOR EACH STATEMENT EXECUTE FUNCTION @schema@.agent_events_partition_sync();
CREATE TRIGGER agent_events_partition_sync_upd AFTER UPDATE ON @old@
    REFERENCING OLD TABLE AS sync_old NEW TABLE AS sync_new
    FOR EACH STATEMENT EXECUTE FUNCTION @schema@.agent_events_partition_sync();
CREATE TRIGGER agent_events_partition_sync_del AFTER DELETE ON @old@
    REFERENCING OLD TABLE AS sync_old
    FOR EACH STATEMENT EXECUTE FUNCTION @schema@.agent_events_partition_sync();
CREATE TRIGGER agent_events_partition_sync_trunc AFTER TRUNCATE ON @old@
    FOR EACH STATEMENT EXECUTE FUNCTION @schema@.agent_events_partition_sync();
