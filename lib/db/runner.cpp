#include "lib/db/runner.hpp"

#include "lib/core/interrupt.hpp"
#include "lib/db/database.hpp"
#include "lib/db/pq.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <cerrno>
#include <poll.h>
#include <random>

namespace devlog::db {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Forwards the server's notices to a callback while it lives (pqxx owns the libpq notice hook).
class NoticeForwarder : public pqxx::errorhandler
{
public:
    NoticeForwarder(pqxx::connection_base& conn, std::function<void(const Notice&)> sink)
        : pqxx::errorhandler(conn), m_sink(std::move(sink))
    {
    }
    bool operator()(const char message[]) noexcept override
    {
        if (!m_sink) {
            return true;
        }
        try {
            std::string text(message);
            while (!text.empty() && text.back() == '\n') {
                text.pop_back();
            }
            Notice notice;
            if (const auto colon = text.find(":  "); colon != std::string::npos && colon < 16) {
                notice.severity = text.substr(0, colon);
                notice.message = text.substr(colon + 3);
            } else {
                notice.severity = "NOTICE";
                notice.message = text;
            }
            m_sink(notice);
        } catch (...) { // NOLINT(bugprone-empty-catch): a notice is not worth failing for
        }
        return true;
    }

private:
    std::function<void(const Notice&)> m_sink;
};

std::string field(const PGresult* result, int code)
{
    const char* value = PQresultErrorField(result, code);
    return value != nullptr ? value : "";
}

// Lines of STATEMENT before the (1-based, in characters) error POSITION.
int lines_before(std::string_view statement, int position)
{
    int chars = 0;
    int lines = 0;
    for (char c : statement) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 && ++chars >= position) {
            break;
        }
        if (c == '\n') {
            ++lines;
        }
    }
    return lines;
}

} // namespace

struct Runner::Impl
{
    Impl(pqxx::connection_base& conn, std::function<void(const Notice&)> on_notice)
        : pg(raw_connection(conn)), notices(conn, std::move(on_notice))
    {
    }
    ~Impl()
    {
        if (cancel != nullptr) {
            PQfreeCancel(cancel);
        }
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    PGcancel* cancel_handle()
    {
        if (cancel == nullptr) {
            cancel = PQgetCancel(pg);
        }
        return cancel;
    }

    PGconn* pg;
    PGcancel* cancel = nullptr;
    NoticeForwarder notices;
    std::optional<std::string> saved_lock_timeout; // the session's value before we set ours
    std::unique_ptr<Database> probe;               // second connection that asks who blocks us
    bool probe_failed = false;
    std::string blockers;                          // latest answer of the probe
    std::vector<int> blocker_pids;
    std::string blocker_queries; // their last statements: only in the error's detail (-v)
    std::mt19937 random{std::random_device{}()};
};

Runner::Runner(Database& db, RunnerOptions options)
    : m_db(db), m_options(std::move(options)), m_impl(std::make_unique<Impl>(db.conn(), m_options.on_notice))
{
    if (m_options.lock_timeout) {
        m_impl->saved_lock_timeout = exec("SELECT current_setting('lock_timeout')").get(0, 0);
        apply_lock_timeout(false);
    }
}

Runner::~Runner()
{
    if (m_in_transaction) {
        rollback_quietly();
    }
    if (m_impl->saved_lock_timeout && PQstatus(m_impl->pg) == CONNECTION_OK && interrupt::received() == 0) {
        try {
            run_once("SELECT set_config('lock_timeout', $1, false)", {}, {*m_impl->saved_lock_timeout}, nullptr);
        } catch (...) { // NOLINT(bugprone-empty-catch): the session ends soon; its setting is cosmetic
        }
    }
}

void Runner::apply_lock_timeout(bool local)
{
    if (m_options.lock_timeout) {
        run_once("SELECT set_config('lock_timeout', $1, $2)", {},
                 {std::to_string(m_options.lock_timeout->count()) + "ms", local ? "true" : "false"}, nullptr);
    }
}

Result Runner::exec(std::string_view sql, const Location& where, const std::vector<Param>& params)
{
    return run(sql, where, params, nullptr);
}

std::uint64_t Runner::stream(std::string_view sql, const Location& where, const std::vector<Param>& params,
                             const std::function<void(const Result&)>& on_row, const std::function<void()>& on_wait)
{
    RowStream rows{on_row, on_wait};
    try {
        run_once(sql, where, params, nullptr, &rows);
    } catch (const LockWaitTimedOut& e) {
        if (m_in_transaction) {
            throw; // transaction() decides
        }
        wait_before_retry(1, e, false); // throws LockTimeout
    }
    return rows.rows;
}

Result Runner::copy_in(std::string_view sql, std::string_view data, const Location& where)
{
    const std::span<const std::string_view> pieces(&data, 1);
    return run(sql, where, {}, &pieces);
}

Result Runner::copy_in(std::string_view sql, std::span<const std::string_view> pieces, const Location& where)
{
    return run(sql, where, {}, &pieces);
}

bool Runner::send_copy_data(std::span<const std::string_view> pieces)
{
    // Non-blocking, a chunk at a time, each flushed before the next: libpq's buffer stays small,
    // and a signal is seen even while the server does not read (a lock wait in mid-COPY).
    constexpr std::size_t k_chunk = 256 * 1024;
    PGconn* pg = m_impl->pg;
    PQsetnonblocking(pg, 1);
    const auto wait_writable = [&]() {
        pollfd fds[2] = {{PQsocket(pg), POLLOUT | POLLIN, 0}, {interrupt::wake_fd(), POLLIN, 0}};
        const int ready = ::poll(fds, m_options.interruptible ? 2 : 1, -1);
        if (ready < 0 && errno != EINTR) {
            return false;
        }
        if ((fds[0].revents & POLLIN) != 0) {
            PQconsumeInput(pg); // notices or an early error: read them so the server never blocks on us
        }
        return !(m_options.interruptible && (fds[1].revents & POLLIN) != 0);
    };
    bool ok = true;
    for (const auto piece : pieces) {
        for (std::size_t at = 0; ok && at < piece.size(); at += k_chunk) {
            const auto n = std::min(k_chunk, piece.size() - at);
            if (PQputCopyData(pg, piece.data() + at, static_cast<int>(n)) < 0) {
                PQsetnonblocking(pg, 0);
                return true; // the connection is gone: ending the COPY says so
            }
            int pending = 0;
            while (ok && (pending = PQflush(pg)) == 1) {
                ok = wait_writable();
            }
            if (pending < 0) {
                PQsetnonblocking(pg, 0);
                return true; // the connection is gone: ending the COPY says so
            }
        }
    }
    PQsetnonblocking(pg, 0);
    return ok && !(m_options.interruptible && interrupt::received() != 0);
}

Result Runner::run(std::string_view sql, const Location& where, const std::vector<Param>& params,
                   const std::span<const std::string_view>* copy_data)
{
    if (m_in_transaction) {
        return run_once(sql, where, params, copy_data); // transaction() retries the whole body
    }
    for (int attempt = 1;; ++attempt) {
        try {
            return run_once(sql, where, params, copy_data);
        } catch (const LockWaitTimedOut& e) {
            // Without a transaction around it the statement may have left work behind: give up at
            // once unless the caller said its statements are atomic.
            wait_before_retry(attempt, e, m_options.retry_outside_transaction);
        }
    }
}

Result Runner::begin(std::string_view begin_sql, const Location& where)
{
    if (m_in_transaction) {
        throw std::logic_error("Runner::transaction() does not nest");
    }
    m_in_transaction = true; // set first: a failure below must still roll back
    Result begun = run_once(begin_sql, where, {}, nullptr);
    apply_lock_timeout(true);
    return begun;
}

void Runner::commit()
{
    m_in_transaction = false; // whatever COMMIT answers, the transaction is over
    try {
        run_once("COMMIT", {}, {}, nullptr);
    } catch (const ConnectionLost& e) {
        throw ConnectionLost(e.what(),
                             "the connection broke during COMMIT, so whether the transaction was committed is "
                             "unknown: look before running it again",
                             e.detail());
    }
}

void Runner::rollback_quietly() noexcept
{
    m_in_transaction = false;
    if (PQstatus(m_impl->pg) != CONNECTION_OK || PQtransactionStatus(m_impl->pg) == PQTRANS_IDLE) {
        return;
    }
    // Synchronous on purpose: no cancel, no probe; the server answers a ROLLBACK at once.
    PGresult* result = PQexec(m_impl->pg, "ROLLBACK");
    PQclear(result);
}

bool Runner::abandon_open_transaction() noexcept
{
    if (m_in_transaction || PQstatus(m_impl->pg) != CONNECTION_OK || PQtransactionStatus(m_impl->pg) == PQTRANS_IDLE) {
        return false;
    }
    PGresult* result = PQexec(m_impl->pg, "ROLLBACK");
    PQclear(result);
    return true;
}

void Runner::reset_session()
{
    if (m_in_transaction) {
        throw std::logic_error("Runner::reset_session() inside a transaction");
    }
    // DISCARD ALL would also release the caller's advisory locks: everything else it does, by hand.
    run_once("SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL; UNLISTEN *; DISCARD PLANS; "
             "DISCARD SEQUENCES; DISCARD TEMP",
             {}, {}, nullptr);
    apply_lock_timeout(false);
}

void Runner::wait_before_retry(int attempt, const LockWaitTimedOut& e, bool may_retry)
{
    const std::string timeout = m_options.lock_timeout ? format_duration(*m_options.lock_timeout) : "lock_timeout";
    if (!may_retry || attempt > m_options.lock_retries) {
        std::string message = fmt::format("{}{}could not get a lock within {}{}", e.where(), e.where().empty() ? "" : ": ",
                                          timeout, attempt > 1 ? fmt::format(" in {} attempts", attempt) : "");
        std::string hint;
        if (!e.blocker().empty()) {
            message += "; blocked by " + e.blocker();
            std::string pids;
            for (const int pid : m_impl->blocker_pids) {
                pids += fmt::format("{}pg_terminate_backend({})", pids.empty() ? "" : ", ", pid);
            }
            hint = fmt::format("the blocking session holds a lock this statement needs: wait for it to end, or end it "
                               "(SELECT {}), then run the command again",
                               pids.empty() ? "pg_terminate_backend(PID)" : pids);
        } else {
            hint = "another session held a lock this statement needs; run the command again when it is done";
        }
        std::string detail = e.detail();
        if (!m_impl->blocker_queries.empty()) {
            detail = m_impl->blocker_queries + detail;
        }
        throw LockTimeout(message, hint + " (the wait and the retries are flags: see --help)", detail);
    }
    const auto exponent = std::min(attempt - 1, 16);
    const auto base = std::min(m_options.max_backoff, m_options.retry_backoff * (1 << exponent));
    std::uniform_int_distribution<long long> jitter(base.count() / 2, std::max<long long>(base.count(), 1));
    const milliseconds wait(jitter(m_impl->random));
    if (m_options.on_lock_retry) {
        m_options.on_lock_retry(attempt + 1, e.blocker(), wait);
    }
    if (!interrupt::sleep_for(wait) && m_options.interruptible) {
        interrupt::check("while waiting to retry");
    }
}

std::string Runner::describe_blockers()
{
    if (m_impl->probe_failed) {
        return "";
    }
    try {
        if (!m_impl->probe) {
            ConnectSettings settings = m_db.settings();
            settings.application_name = "devlogctl (lock probe)";
            settings.connect_timeout_s = 5;
            m_impl->probe = std::make_unique<Database>(Database::open(settings));
        }
        pqxx::nontransaction tx(m_impl->probe->conn());
        const auto rows = tx.exec_params(
            "SELECT a.pid, coalesce(a.usename, ''), coalesce(a.application_name, ''), coalesce(a.state, ''), "
            "coalesce(extract(epoch FROM now() - coalesce(a.xact_start, a.query_start))::bigint, -1), "
            "left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 80) "
            "FROM pg_stat_activity a WHERE a.pid = ANY (pg_blocking_pids($1)) ORDER BY a.pid",
            m_db.backend_pid());
        std::vector<std::string> parts;
        std::vector<int> pids;
        for (const auto& row : rows) {
            pids.push_back(row[0].as<int>());
            const auto seconds = row[4].as<long long>();
            std::string query = row[5].as<std::string>();
            std::string lower = query;
            std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
            if (lower.find("password") != std::string::npos) {
                query = "(not shown)";
            }
            std::string text = fmt::format("pid {} (user {}", row[0].as<int>(), row[1].as<std::string>());
            if (!row[2].as<std::string>().empty()) {
                text += ", application " + row[2].as<std::string>();
            }
            if (!row[3].as<std::string>().empty()) {
                text += ", " + row[3].as<std::string>();
                if (seconds >= 0) {
                    text += fmt::format(" for {} s", seconds);
                }
            }
            parts.push_back(text + ")");
            if (!query.empty()) {
                m_impl->blocker_queries += fmt::format("pid {} last ran: {}\n", row[0].as<int>(), query);
            }
        }
        std::string out;
        for (const auto& part : parts) {
            out += (out.empty() ? "" : ", ") + part;
        }
        if (!pids.empty()) { // a probe after the wait ended finds nobody: keep what the last one found
            m_impl->blocker_pids = std::move(pids);
        }
        return out;
    } catch (const std::exception&) {
        m_impl->probe_failed = true; // the message is only less helpful without it
        m_impl->probe.reset();
        return "";
    }
}

Result Runner::run_once(std::string_view sql, const Location& where, const std::vector<Param>& params,
                        const std::span<const std::string_view>* copy_data, RowStream* rows)
{
    if (m_options.interruptible && interrupt::received() != 0) {
        interrupt::check(where.file.empty() ? nullptr : fmt::format("before {}", where.text()).c_str());
    }
    PGconn* pg = m_impl->pg;
    const std::string statement(sql);
    int sent = 0;
    if (params.empty() && rows == nullptr) {
        sent = PQsendQuery(pg, statement.c_str());
    } else {
        std::vector<const char*> values;
        values.reserve(params.size());
        for (const auto& p : params) {
            values.push_back(p ? p->c_str() : nullptr);
        }
        sent = PQsendQueryParams(pg, statement.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                 nullptr, nullptr, 0);
    }
    const auto lost = [&](const std::string& reason) {
        const std::string what = where.text();
        return ConnectionLost(fmt::format("lost the connection to {}{}: {}", m_db.endpoint(),
                                          what.empty() ? "" : " while running " + what, reason),
                              "the server may have restarted or dropped us; an open transaction was rolled back",
                              statement);
    };
    if (sent == 0) {
        throw lost(first_line(PQerrorMessage(pg)));
    }
    if (rows != nullptr && PQsetSingleRowMode(pg) == 0) {
        throw std::logic_error("Runner::stream: single-row mode refused");
    }

    const bool probing = m_options.lock_timeout.has_value();
    const auto started = Clock::now();
    // Ask who blocks us early (opening the probe connection takes a moment), then every half wait.
    const auto probe_every = std::max(milliseconds(100), probing ? *m_options.lock_timeout / 2 : milliseconds(0));
    auto next_probe = started + std::min(probe_every, milliseconds(250));
    m_impl->blockers.clear();
    m_impl->blocker_pids.clear();
    m_impl->blocker_queries.clear();
    bool cancel_sent = false;

    // Waits for the next result, cancelling on a signal and asking who blocks us meanwhile.
    const auto next_result = [&]() -> PGresult* {
        if (rows != nullptr && rows->on_wait && !cancel_sent && PQisBusy(pg) != 0) {
            PQconsumeInput(pg); // what has arrived already
            if (PQisBusy(pg) != 0) {
                rows->on_wait(); // the rows so far go out before we wait for more
            }
        }
        while (PQisBusy(pg) != 0) {
            int timeout = -1;
            if (probing) {
                timeout = static_cast<int>(std::max<long long>(
                    0, std::chrono::duration_cast<milliseconds>(next_probe - Clock::now()).count()));
            }
            pollfd fds[2] = {{PQsocket(pg), POLLIN, 0}, {interrupt::wake_fd(), POLLIN, 0}};
            const int ready = ::poll(fds, (cancel_sent || !m_options.interruptible) ? 1 : 2, timeout);
            if (ready < 0 && errno != EINTR) {
                break;
            }
            if (!cancel_sent && (fds[1].revents & POLLIN) != 0) {
                char error[256];
                PQcancel(m_impl->cancel_handle(), error, sizeof error);
                cancel_sent = true; // the server answers with "canceling statement due to user request"
            }
            if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0 && PQconsumeInput(pg) == 0) {
                break;
            }
            if (probing && Clock::now() >= next_probe) {
                if (auto found = describe_blockers(); !found.empty()) {
                    m_impl->blockers = std::move(found);
                }
                next_probe = Clock::now() + probe_every;
            }
        }
        return PQgetResult(pg);
    };

    Result last;
    std::unique_ptr<PGresult, decltype(&PQclear)> failed(nullptr, &PQclear);
    const auto cancel = [&]() {
        if (!cancel_sent) {
            char error[256];
            PQcancel(m_impl->cancel_handle(), error, sizeof error);
            cancel_sent = true;
        }
    };
    // A stream's consumer failed: stop the statement, read what is left so the connection is
    // usable (a transaction rolls back), pass the exception on.
    const auto abandon = [&]() {
        cancel();
        while (PGresult* rest = PQgetResult(pg)) {
            PQclear(rest);
        }
    };
    for (;;) {
        PGresult* raw = nullptr;
        try {
            raw = next_result();
        } catch (...) { // on_wait threw
            abandon();
            throw;
        }
        if (raw == nullptr) {
            break;
        }
        switch (PQresultStatus(raw)) {
        case PGRES_SINGLE_TUPLE: {
            const Result row(raw);
            if (m_options.interruptible && interrupt::received() != 0) {
                cancel(); // a signal while rows pour in (no wait to notice it in): the rest is skipped
            }
            if (!cancel_sent) {
                ++rows->rows;
                try {
                    rows->on_row(row);
                } catch (...) {
                    abandon();
                    throw;
                }
            }
            break;
        }
        case PGRES_COPY_IN: {
            PQclear(raw);
            int ended = 1;
            if (copy_data != nullptr) {
                if (send_copy_data(*copy_data)) {
                    ended = PQputCopyEnd(pg, nullptr);
                } else { // interrupted: end the COPY with an error, and stop a lock wait that keeps it
                    char error[256];
                    PQcancel(m_impl->cancel_handle(), error, sizeof error);
                    cancel_sent = true;
                    ended = PQputCopyEnd(pg, "interrupted");
                }
            } else {
                ended = PQputCopyEnd(pg, "COPY FROM STDIN needs data: devlogctl has none for this statement");
            }
            if (ended != 1) { // the data did not go out: the connection is gone
                throw lost(first_line(PQerrorMessage(pg)));
            }
            break;
        }
        case PGRES_COPY_OUT: {
            char* buffer = nullptr;
            while (PQgetCopyData(pg, &buffer, 0) > 0) {
                PQfreemem(buffer);
            }
            PQclear(raw);
            break;
        }
        case PGRES_FATAL_ERROR:
        case PGRES_BAD_RESPONSE:
            if (!failed) {
                failed.reset(raw);
            } else {
                PQclear(raw);
            }
            break;
        default:
            last = Result(raw);
            break;
        }
    }
    if (PQstatus(pg) != CONNECTION_OK) {
        throw lost(first_line(failed ? PQresultErrorMessage(failed.get()) : PQerrorMessage(pg)));
    }
    if (!failed) {
        if (rows != nullptr && cancel_sent) { // cancelled too late to fail: rows were skipped all the same
            const std::string what = where.text();
            interrupt::check(what.empty() ? nullptr : what.c_str());
        }
        if (m_in_transaction && PQtransactionStatus(pg) == PQTRANS_IDLE) {
            m_in_transaction = false;
            const std::string what = where.text();
            const std::string tag = last.command();
            throw Error(fmt::format("{}{}this statement ({}) ended the transaction it was to run in: what ran before it "
                                    "in that transaction is {}",
                                    what, what.empty() ? "" : ": ", tag,
                                    tag == "COMMIT" ? "committed" : tag == "ROLLBACK" ? "rolled back" : "committed or rolled back"),
                        "statements run in one transaction must not contain COMMIT, ROLLBACK or END", statement);
        }
        return last;
    }
    throw_error(failed.get(), statement, where, cancel_sent);
}

void Runner::throw_error(const pg_result* result, const std::string& statement, const Location& where,
                         bool cancel_sent)
{
    const std::string sqlstate = field(result, PG_DIAG_SQLSTATE);
    std::string primary = field(result, PG_DIAG_MESSAGE_PRIMARY);
    if (primary.empty()) {
        primary = first_line(PQresultErrorMessage(result));
    }
    if (sqlstate == "57014" && (cancel_sent || interrupt::received() != 0)) {
        const int signal = interrupt::received();
        const std::string what = where.text();
        throw Interrupted(signal, fmt::format("{}{}interrupted by {}: the statement was cancelled on the server",
                                              what, what.empty() ? "" : ": ", interrupt::signal_name(signal)));
    }
    Location at = where;
    if (const std::string position = field(result, PG_DIAG_STATEMENT_POSITION); !position.empty() && at.line > 0) {
        at.line += lines_before(statement, std::stoi(position));
    }
    const std::string prefix = at.text();
    std::string message = prefix.empty() ? primary : prefix + ": " + primary;
    if (!sqlstate.empty()) {
        message += fmt::format(" (SQLSTATE {})", sqlstate);
    }
    std::string detail;
    for (const auto& [code, label] : {std::pair{PG_DIAG_MESSAGE_DETAIL, "DETAIL"}, std::pair{PG_DIAG_CONTEXT, "CONTEXT"}}) {
        if (const std::string text = field(result, code); !text.empty()) {
            detail += fmt::format("{}: {}\n", label, text);
        }
    }
    detail += "statement: " + statement;
    const SqlError error(message, sqlstate, field(result, PG_DIAG_MESSAGE_HINT), detail);
    if (sqlstate == "55P03") {
        throw LockWaitTimedOut(error, where.text(), m_impl->blockers);
    }
    if (sqlstate == "40001" || sqlstate == "40P01") {
        throw RetryableError(message, sqlstate, error.hint(), detail);
    }
    throw error;
}

} // namespace devlog::db
