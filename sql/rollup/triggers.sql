-- The rollups' invalidation triggers on @table@ (agent_events, or the partitioned table that
-- partition setup is about to rename to it). Statement triggers with transition tables: one
-- INSERT of a batch logs each hour it touched once. PostgreSQL allows transition tables only on
-- single-event triggers, hence four.
CREATE TRIGGER agent_events_rollup_ins AFTER INSERT ON @table@
    REFERENCING NEW TABLE AS rollup_new
    FOR EACH STATEMENT EXECUTE FUNCTION @schema@.agent_events_rollup_invalidate();
CREATE TRIGGER agent_events_rollup_upd AFTER UPDATE ON @table@
    REFERENCING OLD TABLE AS rollup_old NEW TABLE AS rollup_new
    FOR EACH STATEMENT EXECUTE FUNCTION @schema@.agent_events_rollup_invalidate();
CREATE TRIGGER agent_events_rollup_del AFTER DELETE ON @table@
    REFERENCING OLD TABLE AS rollup_old
    FOR EACH STATEMENT EXECUTE FUNCTION @schema@.agent_events_rollup_invalidate();
CREATE TRIGGER agent_events_rollup_trunc AFTER TRUNCATE ON @table@
    FOR EACH STATEMENT EXECUTE FUNCTION @schema@.agent_events_rollup_invalidate();
