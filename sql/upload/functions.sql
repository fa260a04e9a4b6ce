-- The functions `devlogctl upload` calls to create or refresh the rows events refer to, and to
-- correct the usage of responses already uploaded. SECURITY DEFINER: the collector's writer role
-- (`devlogctl roles setup`) may call them without being able to read or change anything else.
-- @SCHEMA@ is replaced by the quoted schema of agent_events. Names carry a version: a change
-- makes a new function, so an older devlogctl keeps working.
CREATE SCHEMA IF NOT EXISTS devlogctl;

CREATE OR REPLACE FUNCTION devlogctl.upload_machine_v1(p_machine_id text, p_hostname text, p_username text,
                                                       p_os_type text, p_os_version text, p_machine_type text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = @SCHEMA@, pg_temp AS $fn$
DECLARE
    v_id integer;
BEGIN
    INSERT INTO machines (machine_id, hostname, username, os_type, os_version, machine_type)
    VALUES (p_machine_id, p_hostname, p_username, p_os_type, p_os_version, p_machine_type)
    ON CONFLICT ON CONSTRAINT machines_machine_id_key DO UPDATE
        SET hostname = EXCLUDED.hostname, os_version = EXCLUDED.os_version,
            machine_type = EXCLUDED.machine_type, last_seen_at = now()
    RETURNING id INTO v_id;
    RETURN v_id;
END
$fn$;

-- A project by repository URL (normalised, https://HOST/OWNER/REPO), found as `import events` finds
-- one (sql/importer/project_find.sql): by that URL with or without ".git", or by FULL_NAME, a URL
-- match first. A new one takes FULL_NAME.
CREATE OR REPLACE FUNCTION devlogctl.upload_project_v1(p_repo_url text, p_full_name text, p_owner text,
                                                       p_name text, p_host text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = @SCHEMA@, pg_temp AS $fn$
DECLARE
    v_id integer;
    v_urls text[] := ARRAY[p_repo_url, p_repo_url || '.git'];
BEGIN
    FOR attempt IN 1..2 LOOP
        SELECT id INTO v_id FROM projects
        WHERE repo_url = ANY (v_urls) OR full_name = p_full_name
        ORDER BY repo_url = ANY (v_urls) DESC, id
        LIMIT 1;
        IF v_id IS NOT NULL THEN
            UPDATE projects SET updated_at = now() WHERE id = v_id AND updated_at < now() - interval '1 hour';
            RETURN v_id;
        END IF;
        INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name)
        VALUES (p_name, p_full_name, p_repo_url, p_owner, p_name)
        ON CONFLICT DO NOTHING
        RETURNING id INTO v_id;
        IF v_id IS NOT NULL THEN
            RETURN v_id;
        END IF;
        -- Another session created it meanwhile: look it up again.
    END LOOP;
    RAISE EXCEPTION 'cannot create project % (%): the name is taken', p_full_name, p_repo_url;
END
$fn$;

CREATE OR REPLACE FUNCTION devlogctl.upload_workspace_v1(p_project_id integer, p_machine_id integer,
                                                         p_workspace_id text, p_path text, p_type text,
                                                         p_branch text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = @SCHEMA@, pg_temp AS $fn$
DECLARE
    v_id integer;
BEGIN
    INSERT INTO workspaces (project_id, machine_id, workspace_id, workspace_path, workspace_type, branch)
    VALUES (p_project_id, p_machine_id, p_workspace_id, p_path, p_type, nullif(p_branch, ''))
    ON CONFLICT ON CONSTRAINT workspaces_workspace_id_key DO UPDATE
        SET project_id = EXCLUDED.project_id, branch = coalesce(EXCLUDED.branch, workspaces.branch),
            last_seen_at = now()
    RETURNING id INTO v_id;
    INSERT INTO machine_projects (machine_id, project_id) VALUES (p_machine_id, p_project_id)
    ON CONFLICT DO NOTHING;
    RETURN v_id;
END
$fn$;

-- Sessions seen in a batch: [{id, agent_id, agent_version, project_id, start_time, end_time}];
-- an existing session (of the same agent) widens to cover them.
CREATE OR REPLACE FUNCTION devlogctl.upload_sessions_v1(p_sessions jsonb)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = @SCHEMA@, pg_temp AS $fn$
DECLARE
    v_count integer;
BEGIN
    INSERT INTO agent_sessions (id, agent_id, agent_version, project_id, start_time, end_time, duration)
    SELECT s.id, s.agent_id, s.agent_version, s.project_id, s.start_time, s.end_time,
           greatest(0, extract(epoch FROM s.end_time - s.start_time))::integer
    FROM jsonb_to_recordset(p_sessions) AS s(id uuid, agent_id text, agent_version text, project_id integer,
                                             start_time timestamptz, end_time timestamptz)
    ON CONFLICT ON CONSTRAINT agent_sessions_pkey DO UPDATE
        SET start_time = least(agent_sessions.start_time, EXCLUDED.start_time),
            end_time = greatest(agent_sessions.end_time, EXCLUDED.end_time),
            duration = greatest(0, extract(epoch FROM greatest(agent_sessions.end_time, EXCLUDED.end_time)
                                                    - least(agent_sessions.start_time, EXCLUDED.start_time)))::integer,
            agent_version = EXCLUDED.agent_version
        WHERE agent_sessions.agent_id = EXCLUDED.agent_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$fn$;

-- Events the server may hold an older copy of (the canonical event shape, snake_case): inserted
-- when absent, whatever their type (a first upload that failed after the queue saw the event);
-- an llm_response already there gets the new metrics when its tokenCount grew, and only when it
-- is of the same agent and session. Nothing else of a stored event can be changed through it.
CREATE OR REPLACE FUNCTION devlogctl.upload_corrections_v1(p_events jsonb)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = @SCHEMA@, pg_temp AS $fn$
DECLARE
    v_count integer;
BEGIN
    INSERT INTO agent_events (id, "timestamp", event_type, agent_id, agent_version, session_id, project_id,
                              context, data, metrics, parent_event_id, related_event_ids, tags, severity)
    SELECT e.id, e."timestamp", e.event_type, e.agent_id, e.agent_version, e.session_id, e.project_id,
           coalesce(e.context, '{}'), coalesce(e.data, '{}'), e.metrics, e.parent_event_id,
           e.related_event_ids, e.tags, e.severity
    FROM jsonb_to_recordset(p_events) AS e(id uuid, "timestamp" timestamptz, event_type text, agent_id text,
                                           agent_version text, session_id uuid, project_id integer,
                                           context jsonb, data jsonb, metrics jsonb, parent_event_id uuid,
                                           related_event_ids text[], tags text[], severity text)
    ON CONFLICT ON CONSTRAINT agent_events_pkey DO UPDATE
        SET metrics = EXCLUDED.metrics
        WHERE agent_events.event_type = 'llm_response'
          AND EXCLUDED.event_type = 'llm_response'
          AND agent_events.agent_id = EXCLUDED.agent_id
          AND agent_events.session_id = EXCLUDED.session_id
          AND CASE WHEN jsonb_typeof(agent_events.metrics -> 'tokenCount') = 'number'
                   THEN (agent_events.metrics ->> 'tokenCount')::numeric ELSE 0 END
            < CASE WHEN jsonb_typeof(EXCLUDED.metrics -> 'tokenCount') = 'number'
                   THEN (EXCLUDED.metrics ->> 'tokenCount')::numeric ELSE 0 END;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$fn$;

-- Which of the events P_IDS (between P_FROM and P_TO) are already in agent_events: the import
-- writer's staging path (lib/importer/writer.cpp) leaves those out before its INSERT … ON CONFLICT
-- DO NOTHING (timescaledb#7672). Tells the writer role only whether ids it holds exist.
CREATE OR REPLACE FUNCTION devlogctl.upload_existing_v1(p_ids uuid[], p_from timestamptz, p_to timestamptz)
RETURNS TABLE (id uuid, "timestamp" timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = @SCHEMA@, pg_temp AS $fn$
    SELECT e.id, e."timestamp" FROM agent_events e
    WHERE e.id = ANY (p_ids) AND e."timestamp" BETWEEN p_from AND p_to
$fn$;

REVOKE ALL ON FUNCTION devlogctl.upload_machine_v1(text, text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION devlogctl.upload_project_v1(text, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION devlogctl.upload_workspace_v1(integer, integer, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION devlogctl.upload_sessions_v1(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION devlogctl.upload_corrections_v1(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION devlogctl.upload_existing_v1(uuid[], timestamptz, timestamptz) FROM PUBLIC;
