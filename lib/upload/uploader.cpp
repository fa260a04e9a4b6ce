#include "lib/upload/uploader.hpp"

#include "lib/core/crash_point.hpp"
#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/db/database.hpp"
#include "lib/db/pq.hpp"
#include "lib/db/runner.hpp"
#include "lib/importer/writer.hpp"
#include "lib/upload/writer.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>
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

// What a batch came to. REFUSED: rows (index in the batch, the server's message) the server
// would not store; everything else is committed.
struct Written
{
    std::int64_t inserted = 0;
    std::int64_t corrected = 0;
    std::vector<std::pair<std::size_t, std::string>> refused;
};

db::Database open(db::ConnectSettings settings, const std::string& application_name)
{
    settings.application_name = application_name;
    return db::Database::open(settings);
}

class Session
{
public:
    Session(const db::ConnectSettings& settings, queue::Queue& queue, const std::string& application_name)
        : m_db(open(settings, application_name)), m_runner(m_db), m_writer_db(open(settings, application_name)),
          m_queue(queue)
    {
        ensure_schema();
        // New events go through import's writer, on a connection of its own. The writer role may
        // not read agent_events: the staging path asks upload_existing_v1 which keys exist.
        importer::WriterOptions options;
        options.existing_keys_function = "devlogctl.upload_existing_v1";
        m_writer = std::make_unique<importer::EventWriter>(m_writer_db, options);
    }

    // Writes ROWS in this order: the projects, machines and workspaces they refer to, new events
    // (import's writer), grown responses as corrections, their sessions. Rows the server refuses
    // are left out and listed. Throws as the server does for anything else.
    Written write(std::span<const queue::Row> rows)
    {
        Written out;
        std::vector<bool> refused(rows.size(), false);
        const auto refuse = [&](std::size_t i, std::string message) {
            refused[i] = true;
            out.refused.emplace_back(i, std::move(message));
        };
        std::vector<events::Event> events(rows.size());
        std::vector<std::size_t> fresh;       // the row of each row of m_batch
        std::vector<std::size_t> corrections; // rows sent as corrections
        m_batch.clear();
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto& row = rows[i];
            events::Event& e = events[i];
            e = row.item.event;
            try {
                e.project_id = project_id(row.item.project);
                if (!row.item.workspace.empty()) {
                    workspace_id(row.item.workspace, e.project_id);
                }
            } catch (const SqlError& error) {
                if (!row_error(error) || transient(error)) {
                    throw;
                }
                refuse(i, error.what());
                continue;
            }
            if (row.correction) {
                corrections.push_back(i);
            } else {
                m_batch.add(e);
                fresh.push_back(i);
            }
        }
        const auto result = m_writer->write(m_batch, m_batch.rows());
        out.inserted = static_cast<std::int64_t>(result.inserted);
        for (const auto& r : result.refused) {
            refuse(fresh[r.row], r.message);
        }
        out.corrected = correct(events, corrections, refuse);
        write_sessions(events, refused);
        return out;
    }

private:
    // Sends the CORRECTIONS among EVENTS; one by one when the server refuses the lot, so that only
    // the bad ones are refused. Returns how many rows were inserted or corrected.
    template <typename Refuse>
    std::int64_t correct(const std::vector<events::Event>& events, const std::vector<std::size_t>& corrections,
                         const Refuse& refuse)
    {
        std::vector<events::Event> list;
        for (const auto i : corrections) {
            list.push_back(events[i]);
        }
        try {
            return write_corrections(m_runner, list);
        } catch (const SqlError& error) {
            if (!row_error(error) || transient(error)) {
                throw;
            }
        }
        std::int64_t corrected = 0;
        for (const auto i : corrections) {
            try {
                corrected += write_corrections(m_runner, std::span(&events[i], 1));
            } catch (const SqlError& error) {
                if (!row_error(error) || transient(error)) {
                    throw;
                }
                refuse(i, error.what());
            }
        }
        return corrected;
    }

    // The sessions of the EVENTS not REFUSED, created or widened to cover them.
    void write_sessions(const std::vector<events::Event>& events, const std::vector<bool>& refused)
    {
        struct SessionSpan
        {
            std::string agent, version;
            std::int32_t project;
            time::Micros first, last;
        };
        std::map<Uuid, SessionSpan> sessions;
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (refused[i]) {
                continue;
            }
            const auto& e = events[i];
            auto [it, added] = sessions.try_emplace(e.session_id, SessionSpan{e.agent_id, e.agent_version, e.project_id,
                                                                              e.timestamp, e.timestamp});
            if (!added) {
                it->second.first = std::min(it->second.first, e.timestamp);
                it->second.last = std::max(it->second.last, e.timestamp);
                it->second.version = e.agent_version;
            }
        }
        if (sessions.empty()) {
            return;
        }
        auto list = json::array();
        for (const auto& [id, s] : sessions) {
            list.push_back({{"id", id.str()},
                            {"agent_id", s.agent},
                            {"agent_version", s.version},
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
    db::Database m_writer_db;
    std::unique_ptr<importer::EventWriter> m_writer;
    importer::Batch m_batch;
    queue::Queue& m_queue;
    std::map<std::string, std::int32_t> m_projects;
    std::map<std::string, std::int32_t> m_machines;
    std::map<std::string, bool> m_workspaces;
};

class Upload
{
public:
    Upload(queue::Queue& queue, const db::ConnectSettings& settings, const UploadOptions& options, Reporter& reporter)
        : m_queue(queue), m_settings(settings), m_options(options), m_reporter(reporter)
    {
    }

    UploadResult run()
    {
        const auto start = std::chrono::steady_clock::now();
        const auto expired = [&] {
            return m_options.timeout && std::chrono::steady_clock::now() - start >= *m_options.timeout;
        };
        auto backoff = m_options.first_backoff;
        std::mt19937 random{std::random_device{}()};
        Task task(m_reporter, Progress{"uploading", "events", 0, m_queue.status().events, 0, std::nullopt});
        for (;;) {
            interrupt::check("upload stopped; committed batches are acknowledged, the rest stays queued");
            if ((m_options.max_batches > 0 && m_result.batches >= m_options.max_batches) || expired()) {
                break;
            }
            const auto rows = m_queue.claim(m_options.batch_events);
            if (rows.empty()) {
                break;
            }
            try {
                if (!m_session) {
                    m_session = std::make_unique<Session>(m_settings, m_queue, m_options.application_name);
                }
                deliver(rows);
                ++m_result.batches;
                task.add(rows.size());
                backoff = m_options.first_backoff;
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
                                                               std::chrono::steady_clock::now() - start);
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
        m_result.remaining = m_queue.status().events;
        if (m_result.sent > 0) {
            m_queue.set_meta("last_upload_at", time::format_iso8601(time::now()));
            m_queue.set_meta("last_upload_events", std::to_string(m_result.sent));
        }
        return m_result;
    }

private:
    // Writes ROWS, moves those the server refused to the queue's rejected table, acknowledges the rest.
    void deliver(std::span<const queue::Row> rows)
    {
        const auto written = m_session->write(rows);
        crash::point("upload.written");
        for (const auto& [i, message] : written.refused) {
            m_queue.reject(rows[i], message);
            m_reporter.warn(fmt::format("the server refused event {}: {}; it was moved to the queue's rejected table",
                                        rows[i].item.event.id.str(), message));
        }
        m_queue.acknowledge(rows); // the rejected ones are no longer queued
        crash::point("upload.acknowledged");
        const auto refused = static_cast<std::int64_t>(written.refused.size());
        m_result.sent += static_cast<std::int64_t>(rows.size()) - refused;
        m_result.rejected += refused;
        m_result.inserted += written.inserted;
        m_result.corrected += written.corrected;
    }

    queue::Queue& m_queue;
    const db::ConnectSettings& m_settings;
    const UploadOptions& m_options;
    Reporter& m_reporter;
    std::unique_ptr<Session> m_session;
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
