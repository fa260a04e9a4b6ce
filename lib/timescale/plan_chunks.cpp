// The on-demand maintenance steps of plan.hpp (compress, decompress, refresh) and the refresh
// windows that setup's materialization shares.
#include "lib/core/errors.hpp"
#include "lib/db/pq.hpp"
#include "lib/timescale/plan.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace devlog::timescale {
namespace {

void need_compression(const State& state)
{
    const auto& t = state.table;
    if (!t.hypertable) {
        throw Error(fmt::format("{} is not a hypertable", t.exists ? t.display() : "agent_events"),
                    "run 'devlogctl timescale setup' first");
    }
    if (!t.compression_enabled) {
        throw Error(fmt::format("{} is off for {}", Api(state.caps).word(), t.display()),
                    "turn it on first: devlogctl timescale compression enable");
    }
}

std::string span(const std::vector<const Chunk*>& chunks)
{
    return fmt::format("{} chunk{} from {} to {}", chunks.size(), chunks.size() == 1 ? "" : "s",
                       time::format_iso8601(chunks.front()->range_start),
                       time::format_iso8601(chunks.back()->range_end));
}

Step chunk_step(std::string name, const std::vector<const Chunk*>& chunks,
                const std::function<Statement(const std::string&)>& make, std::string none)
{
    Step s;
    s.name = std::move(name);
    if (chunks.empty()) {
        s.outcome = Outcome::in_place;
        s.new_value = std::move(none);
        return s;
    }
    s.outcome = Outcome::apply;
    s.work = Work::batches;
    s.new_value = span(chunks);
    for (const auto* c : chunks) {
        s.statements.push_back(make(c->name));
    }
    return s;
}

} // namespace

Step plan_compress(const State& state, microseconds older_than)
{
    need_compression(state);
    const Api api(state.caps);
    const time::Micros cutoff = state.now - older_than.count();
    std::vector<const Chunk*> chunks;
    for (const auto& c : state.table.chunk_list) {
        if (c.range_end <= cutoff && (!c.compressed || c.partial)) {
            chunks.push_back(&c);
        }
    }
    return chunk_step(
        "compress chunks", chunks, [&](const std::string& chunk) { return api.compress_chunk(chunk); },
        fmt::format("no uncompressed chunk older than {}", time::format_interval(older_than)));
}

Step plan_decompress(const State& state, std::optional<microseconds> newer_than)
{
    need_compression(state);
    const Api api(state.caps);
    std::vector<const Chunk*> chunks;
    for (const auto& c : state.table.chunk_list) {
        if (c.compressed && (!newer_than || c.range_end > state.now - newer_than->count())) {
            chunks.push_back(&c);
        }
    }
    return chunk_step(
        "decompress chunks", chunks, [&](const std::string& chunk) { return api.decompress_chunk(chunk); },
        newer_than ? fmt::format("no compressed chunk newer than {}", time::format_interval(*newer_than))
                   : std::string("no compressed chunk"));
}

Step plan_refresh(const State& state, std::size_t index, time::Micros from, time::Micros to)
{
    const auto& a = state.aggregates.at(index);
    if (!a.exists || !a.continuous) {
        throw Error(fmt::format("{} is not a continuous aggregate here", a.name),
                    "create the aggregates first: devlogctl timescale setup (or timescale aggregates create)");
    }
    const auto width = a.width;
    Step s;
    s.name = "refresh " + a.name;
    s.statements = refresh_statements(
        Api(state.caps), db::quote_name(state.table.schema) + "." + db::quote_name(a.name), from, to, width);
    if (s.statements.empty()) {
        s.outcome = Outcome::in_place;
        s.new_value = "no whole bucket in the range";
        return s;
    }
    s.outcome = Outcome::apply;
    s.work = Work::batches;
    s.new_value = fmt::format("{} to {}", s.statements.front().params[1].value_or(""),
                              s.statements.back().params[2].value_or(""));
    s.note = fmt::format("{} batch{}", s.statements.size(), s.statements.size() == 1 ? "" : "es");
    return s;
}

std::vector<Window> refresh_windows(time::Micros from, time::Micros to, microseconds width, microseconds batch)
{
    const auto floor = [](time::Micros t, std::int64_t w) { return t - (((t % w) + w) % w); };
    const std::int64_t w = width.count();
    const std::int64_t step = std::max<std::int64_t>(w, batch.count() / w * w);
    std::vector<Window> windows;
    const time::Micros end = floor(to, w);
    for (time::Micros at = floor(from, w); at < end; at += step) {
        windows.push_back({at, std::min(at + step, end)});
    }
    return windows;
}

std::vector<Statement> refresh_statements(const Api& api, const std::string& relation, time::Micros from,
                                          time::Micros to, microseconds width)
{
    const auto batch = width <= std::chrono::hours(1) ? std::chrono::hours(24 * 7) : std::chrono::hours(24 * 28);
    std::vector<Statement> statements;
    for (const auto& w : refresh_windows(from, to, width, batch)) {
        statements.push_back({fmt::format("CALL {}($1::regclass, $2::timestamptz, $3::timestamptz)",
                                          api.function("refresh_continuous_aggregate")),
                              {relation, time::format_iso8601(w.from), time::format_iso8601(w.to)},
                              true});
    }
    return statements;
}

} // namespace devlog::timescale
