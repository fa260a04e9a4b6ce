#include "lib/timescale/setup.hpp"

#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/db/database.hpp"
#include "lib/db/pq.hpp"
#include "lib/db/runner.hpp"
#include "lib/stats/perf_metrics.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace devlog::timescale {
namespace {

using Clock = std::chrono::steady_clock;

// Advisory lock key shared by the devlogctl commands that change TimescaleDB objects ("devlogts").
constexpr std::int64_t k_lock_key = 0x6465766c6f677473;

// Holds the setup lock while it lives, so two devlogctl commands never change the same objects at
// once; waiting for it is a lock wait like any other (lock_timeout, retries, LockTimeout).
class SetupLock
{
  public:
    explicit SetupLock(db::Runner& runner) : m_runner(runner)
    {
        m_runner.exec("SELECT pg_catalog.pg_advisory_lock($1)", {"waiting for another devlogctl timescale command"},
                      {std::to_string(k_lock_key)});
    }
    SetupLock(const SetupLock&) = delete;
    SetupLock& operator=(const SetupLock&) = delete;
    ~SetupLock()
    {
        // Also after Ctrl-C (the Runner refuses to start statements then): the session may live on.
        try {
            pqxx::nontransaction tx(m_runner.database().conn());
            tx.exec_params("SELECT pg_catalog.pg_advisory_unlock($1)", k_lock_key);
        } catch (...) { // NOLINT(bugprone-empty-catch): the server drops the lock with the session
        }
    }

  private:
    db::Runner& m_runner;
};

// While a table with rows becomes a hypertable (one long statement that moves every row into
// chunks), estimates its progress from a second connection: the WAL written since it started,
// against the table's size. Best effort: without the second connection there is no progress.
class ConvertProgress
{
  public:
    ConvertProgress(const db::ConnectSettings& settings, Reporter& reporter, const TableState& table)
    {
        m_thread = std::thread([this, settings, &reporter, rows = table.row_estimate, bytes = table.total_bytes] {
            watch(settings, reporter, rows, bytes);
        });
    }
    ConvertProgress(const ConvertProgress&) = delete;
    ConvertProgress& operator=(const ConvertProgress&) = delete;
    ~ConvertProgress()
    {
        {
            std::lock_guard lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        m_thread.join();
    }

  private:
    void watch(db::ConnectSettings settings, Reporter& reporter, std::int64_t rows, std::int64_t bytes)
    {
        Task task(reporter, {fmt::format("moving ~{} rows into chunks (estimated from the WAL written)", rows), "rows",
                             0, static_cast<std::uint64_t>(std::max<std::int64_t>(rows, 1))});
        try {
            settings.application_name = "devlogctl (progress)";
            auto db = db::Database::open(settings);
            pqxx::nontransaction tx(db.conn());
            const auto start = tx.exec("SELECT pg_catalog.pg_current_wal_insert_lsn()::text")[0][0].as<std::string>();
            std::unique_lock lock(m_mutex);
            while (!m_wake.wait_for(lock, std::chrono::milliseconds(500), [this] { return m_stop; })) {
                const auto written =
                    tx.exec_params1("SELECT pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_insert_lsn(), "
                                    "$1::pg_lsn)::bigint",
                                    start)[0]
                        .as<std::int64_t>();
                const double share =
                    bytes > 0 ? std::min(0.99, static_cast<double>(written) / static_cast<double>(bytes)) : 0;
                const auto done = static_cast<std::uint64_t>(share * static_cast<double>(rows));
                if (done > task.state().done) {
                    task.add(done - task.state().done);
                }
            }
        } catch (const std::exception&) { // NOLINT(bugprone-empty-catch): progress is optional
        }
        task.finish();
    }

    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
};

// Runs WORK again when the server rolled it back for a deadlock or a serialization failure (a
// policy job working on the same chunk or aggregate at the same moment), up to RETRIES times.
template <typename F> void retrying(const RunOptions& options, F&& work)
{
    for (int attempt = 1;; ++attempt) {
        try {
            work();
            return;
        } catch (const RetryableError& e) {
            if (attempt > options.ddl_retries) {
                throw;
            }
            if (options.reporter != nullptr) {
                options.reporter->warn(fmt::format("{}; trying again (attempt {})", e.what(), attempt + 1));
            }
            if (!interrupt::sleep_for(std::chrono::milliseconds(200 * attempt))) {
                interrupt::check("while waiting to retry");
            }
        }
    }
}

void run_statements(db::Runner& runner, const Step& step, const db::Location& where, const RunOptions& options)
{
    const auto one = [&](const Statement& s) {
        retrying(options, [&] {
            try {
                runner.exec(s.sql, where, s.params);
            } catch (const SqlError& e) {
                const bool done = !s.done_sqlstate.empty() && e.sqlstate() == s.done_sqlstate &&
                                  std::string_view(e.what()).find(s.done_message) != std::string_view::npos;
                if (!done) {
                    throw;
                }
            }
        });
    };
    const bool alone =
        std::any_of(step.statements.begin(), step.statements.end(), [](const Statement& s) { return s.autocommit; });
    if (step.work == Work::batches) {
        NullReporter none;
        const bool chunks = step.name.find("chunks") != std::string::npos;
        Task task(options.reporter != nullptr ? *options.reporter : none,
                  {step.name, chunks ? "chunks" : "batches", 0, static_cast<std::uint64_t>(step.statements.size())});
        for (const auto& s : step.statements) {
            one(s);
            task.add(1);
        }
        task.finish();
        return;
    }
    if (alone || step.statements.size() == 1) {
        for (const auto& s : step.statements) {
            one(s);
        }
        return;
    }
    retrying(options, [&] {
        runner.transaction([&] {
            for (const auto& s : step.statements) {
                runner.exec(s.sql, where, s.params);
            }
        });
    });
}

// Detects, checks that TimescaleDB is usable for NEED, takes the setup lock (unless a dry run),
// reads the state, plans with PLANNER and applies.
Result execute(db::Database& db, const RunOptions& options, Need need, ReadChunks chunks, const std::string& table,
               const std::function<std::vector<Step>(const State&)>& planner)
{
    db::Runner runner(db, runner_options(options));
    Result result;
    result.dry_run = options.dry_run == DryRun::yes;
    result.caps = detect(runner);
    if (const auto why = unavailable(result.caps, need)) {
        throw UnavailableError(why->message, why->hint);
    }
    std::optional<SetupLock> lock;
    if (!result.dry_run) {
        lock.emplace(runner);
    }
    const State state = read_state(runner, result.caps, table, chunks);
    const auto steps = planner(state);
    NullReporter quiet;
    std::optional<stats::MetricsRecorder> metrics;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const Step& step = steps[i];
        if (result.dry_run || !step.runs()) {
            result.steps.push_back({step, {}});
            continue;
        }
        const auto started = Clock::now();
        try {
            if (options.reporter != nullptr) {
                options.reporter->debug(fmt::format("{}: {}", step.name, to_string(step.outcome)));
            }
            const db::Location where{fmt::format("step '{}'", step.name)};
            if (step.work == Work::convert && options.reporter != nullptr) {
                ConvertProgress progress(db.settings(), *options.reporter, state.table);
                run_statements(runner, step, where, options);
            } else {
                run_statements(runner, step, where, options);
            }
            result.steps.push_back(
                {step, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started)});
        } catch (const std::exception& e) { // Interrupted too: the step was rolled back or stopped between statements
            result.steps.push_back(
                {step, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started)});
            result.failed = result.steps.size() - 1;
            result.not_run.assign(steps.begin() + static_cast<std::ptrdiff_t>(i) + 1, steps.end());
            const auto* sql = dynamic_cast<const SqlError*>(&e);
            if (step.name == "extension" && sql != nullptr && sql->sqlstate() == "42501") {
                result.error = std::make_exception_ptr(UnavailableError(
                    fmt::format("not allowed to create the timescaledb extension here: {}", e.what()),
                    "ask a superuser to run CREATE EXTENSION timescaledb in this database, then run setup again"));
            } else {
                result.error = std::current_exception();
            }
            break;
        }
        if (!metrics) { // devlog.record_metrics is read once, when the first step is done
            metrics.emplace(runner, options.reporter != nullptr ? *options.reporter : quiet, options.record_metrics);
        }
        metrics->record({"setup", step.name, std::chrono::duration<double, std::milli>(Clock::now() - started).count(),
                         std::nullopt, std::nullopt, std::nullopt});
    }
    return result;
}

} // namespace

db::RunnerOptions runner_options(const RunOptions& o)
{
    db::RunnerOptions r;
    r.lock_timeout = o.ddl_lock_timeout;
    r.lock_retries = o.ddl_retries;
    // The statements run outside a transaction (CALL of the columnstore procedures and run_job,
    // refresh_continuous_aggregate) are idempotent: one that timed out on a lock left nothing a
    // second attempt would trip over (a refresh that committed part of its range refreshes the rest).
    r.retry_outside_transaction = true;
    if (Reporter* reporter = o.reporter) {
        r.on_notice = [reporter](const db::Notice& n) {
            reporter->notice(n.severity == "WARNING" ? Level::warning : Level::debug, "server: " + n.message);
        };
        r.on_lock_retry = [reporter](int attempt, const std::string& blocker, std::chrono::milliseconds wait) {
            reporter->warn(fmt::format("a statement timed out waiting for a lock{}; trying again in {} (attempt {})",
                                       blocker.empty() ? "" : " held by " + blocker, db::format_duration(wait),
                                       attempt));
        };
    }
    return r;
}

Result setup(db::Database& db, const Settings& settings, unsigned parts, const RunOptions& options)
{
    const Need need = (parts & part_extension) != 0U ? Need::server : Need::installed;
    return execute(db, options, need, ReadChunks::no, settings.table,
                   [&](const State& state) { return plan(settings, state, parts).steps; });
}

Result compress(db::Database& db, std::optional<microseconds> older_than, const RunOptions& options)
{
    return execute(db, options, Need::installed, ReadChunks::yes, Settings{}.table, [&](const State& state) {
        const auto after = older_than                   ? *older_than
                           : state.table.compress_after ? state.table.compress_after->length
                                                        : Settings{}.compress_after;
        return std::vector<Step>{plan_compress(state, after)};
    });
}

Result decompress(db::Database& db, std::optional<microseconds> newer_than, const RunOptions& options)
{
    return execute(db, options, Need::installed, ReadChunks::yes, Settings{}.table,
                   [&](const State& state) { return std::vector<Step>{plan_decompress(state, newer_than)}; });
}

Result refresh(db::Database& db, std::optional<time::Micros> from, std::optional<time::Micros> to,
               const RunOptions& options)
{
    return execute(db, options, Need::installed, ReadChunks::no, Settings{}.table, [&](const State& state) {
        std::vector<Step> steps;
        const bool any = std::any_of(state.aggregates.begin(), state.aggregates.end(),
                                     [](const AggregateState& a) { return a.exists && a.continuous; });
        for (std::size_t i = 0; i < state.aggregates.size(); ++i) {
            const auto& a = state.aggregates[i];
            if (any && !a.exists) {
                // One a newer devlogctl added (agent_events_totals_5m): the others still refresh.
                Step s;
                s.name = "refresh " + a.name;
                s.outcome = Outcome::skip;
                s.note = "missing: devlogctl timescale setup (or timescale aggregates create) creates it";
                steps.push_back(std::move(s));
                continue;
            }
            const auto end = a.end_offset ? a.end_offset->length : a.width;
            const time::Micros until = to ? *to : state.now - end.count();
            // No rows: an empty range, so the step says there is nothing to refresh.
            steps.push_back(plan_refresh(state, i, from.value_or(state.table.min_time.value_or(until)), until));
        }
        return steps;
    });
}

} // namespace devlog::timescale
