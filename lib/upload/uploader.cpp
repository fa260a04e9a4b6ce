#include "lib/upload/uploader.hpp"

#include "lib/core/crash_point.hpp"
#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/db/database.hpp"
#include "lib/db/pq.hpp"
#include "lib/db/runner.hpp"
#include "lib/importer/pipeline.hpp"
#include "lib/importer/writer.hpp"
#include "lib/upload/writer.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <limits>
#include <map>
#include <mutex>
#include <random>

namespace devlog::upload {
namespace {

using nlohmann::json;

constexpr std::array<const char*, 6> k_functions = {"upload_machine_v1",     "upload_project_v1",
                                                    "upload_workspace_v1",   "upload_sessions_v1",
                                                    "upload_corrections_v1", "upload_existing_v1"};

bool starts(const std::string& sqlstate, std::string_view prefix)
{
    return sqlstate.rfind(prefix, 0) == 0;
}

// A failure that a new connection after a pause may cure: the server is down, restarting, overloaded.
bool transient(const Error& e)
{
    if (dynamic_cast<const ConnectError*>(&e) != nullptr || dynamic_cast<const RetryableError*>(&e) != nullptr) {
        return true;
    }
    const auto* sql = dynamic_cast<const SqlError*>(&e);
    if (sql == nullptr) {
        return false;
    }
    const auto& s = sql->sqlstate();
    return starts(s, "08") || starts(s, "53") || starts(s, "57P") || starts(s, "40") || s == "55P03";
}

// The server refused a row (bad data, a constraint, an upload function's RAISE): that row is rejected.
bool row_error(const SqlError& e)
{
    const auto& s = e.sqlstate();
    return starts(s, "22") || starts(s, "23") || s == "P0001";
}

// What a batch keeps of a claimed row once it is encoded: enough to acknowledge it, to widen its
// session and to name it. (The whole rows of every batch in flight would cost ~1 KB per event.)
struct Sent
{
    queue::RowKey key;
    Uuid id;
    Uuid session;
    time::Micros timestamp = 0;
    std::int32_t project = 0;
    std::uint32_t agent = 0; // index into Claimed::agents
};

// One claimed batch on its way to the server.
struct Claimed
{
    std::vector<Sent> rows;
    std::vector<std::pair<std::string, std::string>> agents; // (agent_id, agent_version) of the rows
    std::vector<std::size_t> fresh;                          // the row of each row of the writer's batch
    std::vector<std::pair<std::size_t, events::Event>> corrections; // (row, event) sent as corrections
    std::vector<std::pair<std::size_t, std::string>> refused;       // (row, the server's message)
    std::map<std::size_t, queue::Row> refused_rows; // whole, for the rejected table (others: read again)
};

// What a batch came to: committed, except the refused rows (listed in the Claimed).
struct Written
{
    std::int64_t inserted = 0;
    std::int64_t corrected = 0;
};

db::Database open(db::ConnectSettings settings, const std::string& application_name)
{
    settings.application_name = application_name;
    return db::Database::open(settings);
}

// The main connection of an upload: checks the schema, resolves the projects, machines and
// workspaces of the rows, and after import's writer committed a batch's new events (on a worker's
// connection, see importer::Pipeline), writes its corrections and sessions.
class Session
{
public:
    Session(const db::ConnectSettings& settings, queue::Queue& queue, const std::string& application_name)
        : m_db(open(settings, application_name)), m_runner(m_db), m_queue(queue)
    {
        ensure_schema();
    }

    // Takes ROW into batch C: resolves the project, machine and workspace it refers to (creating
    // them), and adds a new event to BATCH for import's writer. A row whose project the server
    // refuses is left out and listed. Throws as the server does for anything else.
    void add(queue::Row& row, Claimed& c, importer::Batch& batch)
    {
        const std::size_t i = c.rows.size();
        events::Event& e = row.item.event;
        Sent& sent = c.rows.emplace_back(Sent{{row.seq, row.rev}, e.id, e.session_id, e.timestamp, 0, 0});
        try {
            e.project_id = project_id(row.item.project);
            if (!row.item.workspace.empty()) {
                workspace_id(row.item.workspace, e.project_id);
            }
        } catch (const SqlError& error) {
            if (!row_error(error) || transient(error)) {
                throw;
            }
            c.refused.emplace_back(i, error.what());
            c.refused_rows.emplace(i, std::move(row));
            return;
        }
        sent.project = e.project_id;
        sent.agent = agent_index(c, e);
        if (row.correction) {
            c.corrections.emplace_back(i, std::move(e));
        } else {
            batch.add(e);
            c.fresh.push_back(i);
        }
    }

    // After the writer committed C's new events (RESULT): the refused ones are listed in C, then
    // the corrections are sent and the sessions of every event not refused created or widened.
    Written finish(Claimed& c, const importer::WriteResult& result)
    {
        Written out;
        out.inserted = static_cast<std::int64_t>(result.inserted);
        for (const auto& r : result.refused) {
            c.refused.emplace_back(c.fresh[r.row], r.message);
        }
        out.corrected = correct(c);
        write_sessions(c);
        return out;
    }

private:
    // Sends C's corrections; one by one when the server refuses the lot, so that only the bad ones
    // are refused. Returns how many rows were inserted or corrected.
    std::int64_t correct(Claimed& c)
    {
        if (c.corrections.empty()) {
            return 0;
        }
        std::vector<events::Event> list;
        for (const auto& [i, e] : c.corrections) {
            list.push_back(e);
        }
        try {
            return write_corrections(m_runner, list);
        } catch (const SqlError& error) {
            if (!row_error(error) || transient(error)) {
                throw;
            }
        }
        std::int64_t corrected = 0;
        for (const auto& [i, e] : c.corrections) {
            try {
                corrected += write_corrections(m_runner, std::span(&e, 1));
            } catch (const SqlError& error) {
                if (!row_error(error) || transient(error)) {
                    throw;
                }
                c.refused.emplace_back(i, error.what());
            }
        }
        return corrected;
    }

    static std::uint32_t agent_index(Claimed& c, const events::Event& e)
    {
        for (std::size_t i = 0; i < c.agents.size(); ++i) {
            if (c.agents[i].first == e.agent_id && c.agents[i].second == e.agent_version) {
                return static_cast<std::uint32_t>(i);
            }
        }
        c.agents.emplace_back(e.agent_id, e.agent_version);
        return static_cast<std::uint32_t>(c.agents.size() - 1);
    }

    // The sessions of C's events not refused, created or widened to cover them.
    void write_sessions(const Claimed& c)
    {
        std::vector<bool> refused(c.rows.size(), false);
        for (const auto& r : c.refused) {
            refused[r.first] = true;
        }
        struct SessionSpan
        {
            std::uint32_t agent;   // the first event's (its agent_id)
            std::uint32_t version; // the last event's (its agent_version)
            std::int32_t project;
            time::Micros first, last;
        };
        std::map<Uuid, SessionSpan> sessions;
        for (std::size_t i = 0; i < c.rows.size(); ++i) {
            if (refused[i]) {
                continue;
            }
            const auto& e = c.rows[i];
            auto [it, added] =
                sessions.try_emplace(e.session, SessionSpan{e.agent, e.agent, e.project, e.timestamp, e.timestamp});
            if (!added) {
                it->second.first = std::min(it->second.first, e.timestamp);
                it->second.last = std::max(it->second.last, e.timestamp);
                it->second.version = e.agent;
            }
        }
        if (sessions.empty()) {
            return;
        }
        auto list = json::array();
        for (const auto& [id, s] : sessions) {
            list.push_back({{"id", id.str()},
                            {"agent_id", c.agents[s.agent].first},
                            {"agent_version", c.agents[s.version].second},
                            {"project_id", s.project},
                            {"start_time", time::format_iso8601(s.first)},
                            {"end_time", time::format_iso8601(s.last)}});
        }
        m_runner.exec("SELECT devlogctl.upload_sessions_v1($1::jsonb)", {"upload: sessions"}, {list.dump()});
    }

    void ensure_schema()
    {
        std::string list;
        for (const char* f : k_functions) {
            if (!list.empty()) {
                list += ',';
            }
            list += f; // appended piecewise: GCC 12 -O3 warns (-Wrestrict) about "," + std::string
        }
        const auto r = m_runner.exec(
            "SELECT to_regclass('agent_events') IS NOT NULL, (SELECT count(*) FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = 'devlogctl' AND p.proname = ANY (string_to_array($1, ',')))",
            {"upload: checking the schema"}, {list});
        if (r.get(0, 0) != "t") {
            throw Error(fmt::format("the database at {} has no agent_events table", m_db.endpoint()),
                        "create the schema first: devlogctl migrate");
        }
        if (std::stoul(r.get(0, 1).value_or("0")) < k_functions.size()) {
            try {
                install_functions(m_runner);
            } catch (const SqlError& e) {
                if (e.sqlstate() == "42501") {
                    throw Error("the upload functions (schema devlogctl) are missing, and this role may not create them",
                                "the database owner runs 'devlogctl roles setup' once; then upload works with the "
                                "writer role");
                }
                throw;
            }
        }
    }

    std::int32_t project_id(const std::string& key)
    {
        if (auto it = m_projects.find(key); it != m_projects.end()) {
            return it->second;
        }
        std::int32_t id = 0;
        if (key.rfind("id:", 0) == 0) {
            id = static_cast<std::int32_t>(std::stol(key.substr(3)));
        } else {
            const json p = identity(key);
            const auto r = m_runner.exec("SELECT devlogctl.upload_project_v1($1, $2, $3, $4, $5)", {"upload: project"},
                                         {p.value("repoUrl", ""), p.value("fullName", ""), p.value("owner", ""),
                                          p.value("name", ""), p.value("host", "")});
            id = static_cast<std::int32_t>(std::stol(r.get(0, 0).value_or("0")));
        }
        m_projects[key] = id;
        return id;
    }

    void workspace_id(const std::string& key, std::int32_t project)
    {
        const std::string cache_key = key + "#" + std::to_string(project);
        if (m_workspaces.count(cache_key) != 0) {
            return;
        }
        const json w = identity(key);
        const auto machine = machine_id(w.value("machine", ""));
        m_runner.exec("SELECT devlogctl.upload_workspace_v1($1, $2, $3, $4, $5, $6)", {"upload: workspace"},
                      {std::to_string(project), std::to_string(machine), w.value("workspaceId", ""), w.value("path", ""),
                       w.value("type", "folder"), w.value("branch", "")});
        m_workspaces[cache_key] = true;
    }

    std::int32_t machine_id(const std::string& key)
    {
        if (auto it = m_machines.find(key); it != m_machines.end()) {
            return it->second;
        }
        const json m = identity(key);
        const auto r = m_runner.exec("SELECT devlogctl.upload_machine_v1($1, $2, $3, $4, $5, $6)", {"upload: machine"},
                                     {m.value("machineId", ""), m.value("hostname", ""), m.value("username", ""),
                                      m.value("osType", ""), m.value("osVersion", ""), m.value("machineType", "local")});
        const auto id = static_cast<std::int32_t>(std::stol(r.get(0, 0).value_or("0")));
        m_machines[key] = id;
        return id;
    }

    json identity(const std::string& key)
    {
        const auto found = m_queue.identities({key});
        if (found.empty()) {
            throw SqlError(fmt::format("the queue has no description of {}", key), "P0001");
        }
        return json::parse(found.begin()->second.json);
    }

    db::Database m_db;
    db::Runner m_runner;
    queue::Queue& m_queue;
    std::map<std::string, std::int32_t> m_projects;
    std::map<std::string, std::int32_t> m_machines;
    std::map<std::string, bool> m_workspaces;
};

constexpr const char* k_stopped =
    "upload stopped; every event not acknowledged stays queued and is sent again next time (stored once)";

// Drains the queue. The main thread claims batches from the queue (SQLite is used by this thread
// alone), resolves their identities and encodes them; import's pipeline loads them over
// UploadOptions::workers connections of their own, so that claiming, encoding and acknowledging
// overlap the server's work on the batches before. A batch's rows are deleted from the queue only
// after its events, corrections and sessions are committed, in whatever order batches finish.
class Upload
{
public:
    Upload(queue::Queue& queue, const db::ConnectSettings& settings, const UploadOptions& options, Reporter& reporter)
        : m_queue(queue), m_settings(settings), m_options(options), m_reporter(reporter)
    {
    }

    UploadResult run()
    {
        m_start = std::chrono::steady_clock::now();
        auto backoff = m_options.first_backoff;
        std::mt19937 random{std::random_device{}()};
        Task task(m_reporter, Progress{"uploading", "events", 0, m_queue.count(), 0, std::nullopt});
        for (;;) {
            interrupt::check(k_stopped);
            if (done_batches() || expired()) {
                break;
            }
            try {
                const auto before = m_result.batches;
                const bool more = stream(task);
                if (m_result.batches > before) {
                    backoff = m_options.first_backoff;
                }
                if (!more) {
                    break;
                }
            } catch (const Interrupted&) {
                throw;
            } catch (const Error& e) {
                m_session.reset();
                m_result.last_error = e.what();
                m_queue.set_meta("last_error", e.what());
                m_queue.set_meta("last_error_at", time::format_iso8601(time::now()));
                if (!transient(e)) {
                    throw;
                }
                ++m_result.retries;
                const auto cap = std::min(backoff, m_options.max_backoff);
                std::uniform_int_distribution<long long> jitter(cap.count() / 2, cap.count());
                auto wait = std::chrono::milliseconds(jitter(random));
                if (m_options.timeout) {
                    const auto left = *m_options.timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                               std::chrono::steady_clock::now() - m_start);
                    if (left <= wait) {
                        m_result.stopped_unreachable = true;
                        break;
                    }
                }
                m_reporter.warn(fmt::format("upload failed: {}; retrying in {}", e.what(), db::format_duration(wait)));
                interrupt::sleep_for(wait);
                backoff = std::min(backoff * 2, m_options.max_backoff);
            }
        }
        task.finish();
        m_result.remaining = static_cast<std::int64_t>(m_queue.count());
        if (m_result.sent > 0) {
            m_queue.set_meta("last_upload_at", time::format_iso8601(time::now()));
            m_queue.set_meta("last_upload_events", std::to_string(m_result.sent));
        }
        return m_result;
    }

private:
    bool expired() const
    {
        return m_options.timeout && std::chrono::steady_clock::now() - m_start >= *m_options.timeout;
    }

    // --max-batches reached, counting the batches in flight.
    bool done_batches() const
    {
        return m_options.max_batches > 0 &&
               m_result.batches + static_cast<std::int64_t>(m_pending.size()) >= m_options.max_batches;
    }

    // Claims and loads batches from the queue's first row until the queue is empty (returns false)
    // or a bound is reached (returns true when rows stay). Batches that committed before a failure
    // are acknowledged; the failure is thrown after the pipeline stopped.
    bool stream(Task& task)
    {
        const auto queued = m_queue.count(m_options.batch_events + 1);
        if (queued == 0) {
            return false;
        }
        if (!m_session) {
            m_session = std::make_unique<Session>(m_settings, m_queue, m_options.application_name);
        }
        // A queue of one batch (or --max-batches 1) needs one connection, not WORKERS.
        std::int64_t workers = queued <= m_options.batch_events ? 1 : std::max(1, m_options.workers);
        if (m_options.max_batches > 0) {
            workers = std::clamp<std::int64_t>(m_options.max_batches - m_result.batches, 1, workers);
        }
        importer::WriterOptions writer;
        // The writer role may not read agent_events: the staging path asks which keys exist.
        writer.existing_keys_function = "devlogctl.upload_existing_v1";
        db::ConnectSettings settings = m_settings;
        settings.application_name = m_options.application_name;
        importer::Pipeline pipeline(
            settings, static_cast<int>(workers), writer, [] { return std::numeric_limits<std::uint64_t>::max(); },
            [this](const importer::BatchJob& job, const importer::WriteResult& result) {
                const std::lock_guard lock(m_done_mutex);
                m_done.emplace(job.tag, result);
            },
            [](const importer::BatchJob&, std::exception_ptr error) { return error; },
            static_cast<std::size_t>(workers) + 1); // one loading per worker, one being claimed: memory stays small
        std::exception_ptr error;
        bool more = true;
        std::int64_t after = 0; // the last seq claimed
        const auto batches_before = m_result.batches;
        try {
            for (;;) {
                complete(task);
                importer::BatchJob* job = pipeline.acquire();
                if (job == nullptr) {
                    break; // a worker failed: pipeline.error()
                }
                Claimed claimed;
                try {
                    m_queue.claim(m_options.batch_events, after,
                                  [&](queue::Row& row) { m_session->add(row, claimed, job->batch); });
                } catch (...) {
                    pipeline.release(job);
                    throw;
                }
                if (claimed.rows.empty()) {
                    pipeline.release(job);
                    more = false;
                    break;
                }
                after = claimed.rows.back().key.seq;
                job->tag = ++m_tags;
                m_pending.emplace(job->tag, std::move(claimed));
                if (job->batch.empty()) { // only corrections, or nothing the server would take
                    const std::lock_guard lock(m_done_mutex);
                    m_done.emplace(job->tag, importer::WriteResult{});
                }
                pipeline.submit(job); // an empty one goes back unused
                if (done_batches() || expired()) {
                    break;
                }
                interrupt::check(k_stopped);
            }
        } catch (...) {
            error = std::current_exception();
            pipeline.stop(error);
        }
        pipeline.finish();
        if (!error) {
            error = pipeline.error();
        }
        try {
            complete(task); // what committed before a failure is acknowledged all the same
        } catch (...) {
            error = error ? error : std::current_exception();
        }
        m_pending.clear(); // not committed: those rows stay queued and are claimed again
        {
            const std::lock_guard lock(m_done_mutex);
            m_done.clear();
        }
        if (error) {
            std::rethrow_exception(error);
        }
        if (!more && m_result.batches > batches_before) {
            // Rows that changed while they were in flight (a response's usage grew) were not
            // acknowledged and lie before the last seq claimed: another stream from the start
            // sends them, as corrections.
            more = m_queue.count(1) > 0;
        }
        return more;
    }

    // Finishes the batches the workers committed, in the order they were claimed (so that a
    // session's agent_version is its last event's): corrections and sessions, then the queue.
    void complete(Task& task)
    {
        while (!m_pending.empty()) {
            const auto oldest = m_pending.begin();
            importer::WriteResult result;
            {
                const std::lock_guard lock(m_done_mutex);
                const auto done = m_done.find(oldest->first);
                if (done == m_done.end()) {
                    return; // still loading
                }
                result = std::move(done->second);
                m_done.erase(done);
            }
            auto node = m_pending.extract(oldest);
            deliver(node.mapped(), result);
            task.add(node.mapped().rows.size());
        }
    }

    // Writes what remains of C after its new events were committed, moves the rows the server
    // refused to the queue's rejected table, and acknowledges the rest.
    void deliver(Claimed& c, const importer::WriteResult& result)
    {
        const auto written = m_session->finish(c, result);
        crash::point("upload.written");
        for (const auto& [i, message] : c.refused) {
            const auto kept = c.refused_rows.find(i);
            const auto row = kept != c.refused_rows.end() ? std::optional(kept->second) : m_queue.queued(c.rows[i].key.seq);
            if (!row) {
                m_reporter.warn(fmt::format("the server refused event {}: {}", c.rows[i].id.str(), message));
                continue;
            }
            m_queue.reject(*row, message);
            m_reporter.warn(fmt::format("the server refused event {}: {}; it was moved to the queue's rejected table",
                                        c.rows[i].id.str(), message));
        }
        std::vector<queue::RowKey> keys;
        keys.reserve(c.rows.size());
        for (const auto& row : c.rows) {
            keys.push_back(row.key);
        }
        m_queue.acknowledge(keys); // the rejected ones are no longer queued
        crash::point("upload.acknowledged");
        const auto refused = static_cast<std::int64_t>(c.refused.size());
        ++m_result.batches;
        m_result.sent += static_cast<std::int64_t>(c.rows.size()) - refused;
        m_result.rejected += refused;
        m_result.inserted += written.inserted;
        m_result.corrected += written.corrected;
    }

    queue::Queue& m_queue;
    const db::ConnectSettings& m_settings;
    const UploadOptions& m_options;
    Reporter& m_reporter;
    std::chrono::steady_clock::time_point m_start;
    std::unique_ptr<Session> m_session;
    std::map<std::uint64_t, Claimed> m_pending; // claimed batches not yet acknowledged, by tag (claim order)
    std::uint64_t m_tags = 0;
    std::mutex m_done_mutex;
    std::map<std::uint64_t, importer::WriteResult> m_done; // committed by the workers, by tag
    UploadResult m_result;
};

} // namespace

void install_functions(db::Runner& runner)
{
    const auto r = runner.exec("SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                               "WHERE c.oid = to_regclass('agent_events')",
                               {"upload functions: the schema of agent_events"});
    if (r.rows() == 0 || !r.get(0, 0)) {
        throw Error("the database has no agent_events table", "create the schema first: devlogctl migrate");
    }
    std::string sql(embedded_sql("upload/functions.sql"));
    const std::string schema = db::quote_name(*r.get(0, 0));
    for (auto pos = sql.find("@SCHEMA@"); pos != std::string::npos; pos = sql.find("@SCHEMA@", pos)) {
        sql.replace(pos, 8, schema);
    }
    runner.transaction([&] { runner.exec(sql, {"upload/functions.sql"}); });
}

UploadResult upload(queue::Queue& queue, const db::ConnectSettings& settings, const UploadOptions& options,
                    Reporter& reporter)
{
    return Upload(queue, settings, options, reporter).run();
}

} // namespace devlog::upload
