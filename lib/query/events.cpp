// `query events` and `query events --follow`.
#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/db/database.hpp"
#include "lib/query/query.hpp"
#include "lib/query/reader.hpp"
#include "lib/query/sql.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace devlog::query {
namespace {

// The spec of O with its projects not yet resolved: every usage error before the database is asked.
EventsSpec parse_spec(const EventsOptions& o)
{
    EventsSpec spec;
    spec.filter = parse_filter(o.filter, time::now());
    spec.columns = pick_columns(event_columns(), o.columns, o.default_columns);
    if (o.limit < 0) {
        throw UsageError("--limit: must be 0 (no limit) or more");
    }
    if (o.limit > 0) {
        spec.limit = o.limit;
    }
    if (o.order && *o.order != "asc" && *o.order != "desc") {
        throw UsageError(fmt::format("--order: '{}' is not asc or desc", *o.order));
    }
    spec.order = o.order && *o.order == "asc" ? Order::asc : Order::desc;
    return spec;
}

EventsSpec make_spec(db::Runner& runner, const EventsOptions& o)
{
    EventsSpec spec = parse_spec(o);
    resolve_projects(runner, spec.filter);
    return spec;
}

std::vector<Kind> picked_kinds(const EventsSpec& spec)
{
    std::vector<Kind> kinds;
    for (const auto i : spec.columns) {
        kinds.push_back(event_columns().at(i).kind);
    }
    return kinds;
}

std::vector<std::size_t> first(std::size_t n)
{
    std::vector<std::size_t> out(n);
    std::iota(out.begin(), out.end(), 0);
    return out;
}

// The ids --follow has seen (printed, or known at the start) whose timestamps are recent enough to
// matter, and the newest timestamp printed.
class Seen
{
public:
    void add(std::string id, time::Micros ts)
    {
        m_ids.emplace(std::move(id), ts);
        m_newest = std::max(m_newest.value_or(ts), ts);
    }
    // The lowest timestamp the next poll looks at: the window back from NOW, or the newest seen if
    // that is older (so a quiet stream misses nothing after it).
    time::Micros low(time::Micros now, std::chrono::microseconds window) const
    {
        const time::Micros back = now - window.count();
        return m_newest ? std::min(*m_newest, back) : back;
    }
    // Forgets ids older than LOW; returns the others.
    std::vector<std::string> from(time::Micros low)
    {
        std::vector<std::string> out;
        for (auto it = m_ids.begin(); it != m_ids.end();) {
            if (it->second < low) {
                it = m_ids.erase(it);
            } else {
                out.push_back(it->first);
                ++it;
            }
        }
        std::sort(out.begin(), out.end());
        return out;
    }

private:
    std::unordered_map<std::string, time::Micros> m_ids;
    std::optional<time::Micros> m_newest;
};

// Writes the rows of RESULT (picked columns, then id and timestamp) and records them in SEEN.
void emit_keyed(const db::Result& result, const std::vector<Kind>& kinds, RowWriter& out, Seen& seen)
{
    emit(result, kinds, first(kinds.size()), out);
    const int id = static_cast<int>(kinds.size());
    for (std::size_t r = 0; r < result.rows(); ++r) {
        seen.add(result.get(r, id).value_or(""), std::stoll(result.get(r, id + 1).value_or("0")));
    }
}

} // namespace

std::optional<Explained> events(db::Database& db, const EventsOptions& options, RowWriter& out, Reporter& reporter)
{
    db::Runner runner(db);
    EventsSpec spec = parse_spec(options);
    return measured(runner, options, reporter, [&]() -> std::optional<Explained> {
        resolve_projects(runner, spec.filter);
        const Statement st = events_sql(spec);
        if (options.explain != Explain::no) {
            return explain(runner, st, options.explain, "query events");
        }
        std::vector<std::string> names;
        for (const auto i : spec.columns) {
            names.push_back(event_columns().at(i).name);
        }
        out.begin(names);
        const auto kinds = picked_kinds(spec);
        const auto all = first(kinds.size());
        stream(
            runner, st, "query events", [&](const db::Result& result) { emit(result, kinds, all, out); },
            [&] { out.flush(); });
        return std::nullopt;
    });
}

void follow_events(db::Database& db, const EventsOptions& options, const FollowOptions& follow, RowWriter& out)
{
    if (options.filter.until) {
        throw UsageError("--follow: cannot be combined with --until");
    }
    if (options.order && *options.order == "desc") {
        throw UsageError("--follow: prints events oldest first; --order desc does not apply");
    }
    db::Runner runner(db);
    EventsSpec spec;
    Seen seen;
    try {
        read_only(runner, [&] {
            spec = make_spec(runner, options);
            spec.keys = true;
            spec.order = Order::asc;
            spec.last_ascending = spec.limit.has_value();
            std::vector<std::string> names;
            for (const auto i : spec.columns) {
                names.push_back(event_columns().at(i).name);
            }
            out.begin(names);
            const auto kinds = picked_kinds(spec);
            stream(
                runner, events_sql(spec), "query events --follow",
                [&](const db::Result& result) { emit_keyed(result, kinds, out, seen); }, [&] { out.flush(); });
            // Events in the window that the limit left out count as seen: only new ones follow.
            const Statement ids = known_ids_sql(spec.filter, seen.low(time::now(), follow.window));
            const db::Result known = runner.exec(ids.text, db::Location{"query events --follow"}, ids.params);
            for (std::size_t r = 0; r < known.rows(); ++r) {
                seen.add(known.get(r, 0).value_or(""), std::stoll(known.get(r, 1).value_or("0")));
            }
        });
        out.flush();
        const auto kinds = picked_kinds(spec);
        auto interval = follow.min_interval;
        for (;;) {
            if (!interrupt::sleep_for(interval)) {
                return;
            }
            const time::Micros low = seen.low(time::now(), follow.window);
            const Statement st = follow_sql(spec, low, seen.from(low), follow.batch);
            const db::Result result = runner.exec(st.text, db::Location{"query events --follow"}, st.params);
            emit_keyed(result, kinds, out, seen);
            out.flush();
            if (static_cast<std::int64_t>(result.rows()) >= follow.batch) {
                interval = std::chrono::milliseconds(0);
            } else if (result.rows() > 0) {
                interval = follow.min_interval;
            } else {
                interval = std::min(follow.max_interval, std::max(follow.min_interval, interval * 2));
            }
        }
    } catch (const Interrupted&) {
        return; // Ctrl-C is how --follow ends
    }
}

} // namespace devlog::query
