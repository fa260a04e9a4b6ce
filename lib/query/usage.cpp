// `query usage` and `query sessions`: tokens and cost, each API response counted once.
#include "lib/core/errors.hpp"
#include "lib/db/database.hpp"
#include "lib/query/query.hpp"
#include "lib/query/reader.hpp"
#include "lib/query/sql.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace devlog::query {
namespace {

PriceTable prices_of(const PricedOptions& o)
{
    return o.prices_file ? load_prices(*o.prices_file) : builtin_prices();
}

std::size_t index_of(const std::vector<Column>& columns, std::string_view name)
{
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i].name == name) {
            return i;
        }
    }
    throw std::logic_error("no column " + std::string(name));
}

std::vector<std::string> picked_names(const std::vector<Column>& columns, const std::vector<std::size_t>& picked)
{
    std::vector<std::string> names;
    for (const auto i : picked) {
        names.push_back(columns[i].name);
    }
    return names;
}

// Streams ST's rows (columns COLUMNS, PICKED shown; at most AT_MOST when known) to OUT; returns the
// sum of column UNPRICED.
std::int64_t run_priced(db::Runner& runner, const Statement& st, const std::string& what,
                        const std::vector<Column>& columns, const std::vector<std::size_t>& picked,
                        std::size_t unpriced, RowWriter& out)
{
    out.begin(picked_names(columns, picked));
    const auto kinds = kinds_of(columns);
    std::int64_t total = 0;
    stream(
        runner, st, what,
        [&](const db::Result& result) {
            emit(result, kinds, picked, out);
            for (std::size_t r = 0; r < result.rows(); ++r) {
                total += std::stoll(result.get(r, static_cast<int>(unpriced)).value_or("0"));
            }
        },
        [&] { out.flush(); });
    return total;
}

// Tells REPORTER which prices were used, and which models' tokens no price covers.
void report_prices(db::Runner& runner, const EventFilter& filter, const PriceTable& prices, std::int64_t unpriced,
                   Reporter& reporter)
{
    reporter.info("cost: metrics.cost where an event records one, else estimated with " + describe(prices));
    if (unpriced == 0) {
        return;
    }
    const auto columns = usage_columns(UsageBy::model);
    const Statement st = usage_sql(filter, UsageBy::model, prices);
    const db::Result r = runner.exec(st.text, db::Location{"query usage"}, st.params);
    std::string models;
    for (std::size_t i = 0; i < r.rows(); ++i) {
        const auto tokens =
            std::stoll(r.get(i, static_cast<int>(index_of(columns, "unpriced_tokens"))).value_or("0"));
        if (tokens > 0) {
            const auto model = r.get(i, 0);
            models += fmt::format("{}{}: {} tokens, {}", models.empty() ? "" : "; ", model.value_or("(no model)"),
                                  tokens,
                                  model && find_price(prices, *model) ? "without their prompt/response split"
                                                                      : "no price");
        }
    }
    reporter.warn(fmt::format("{} tokens are not in cost_usd (see unpriced_tokens): {}; give prices with --prices "
                              "FILE",
                              unpriced, models));
}

} // namespace

std::optional<Explained> usage(db::Database& db, const UsageOptions& o, RowWriter& out, Reporter& reporter)
{
    const UsageBy by = parse_usage_by(o.by);
    EventFilter filter = parse_filter(o.filter, time::now());
    const PriceTable prices = prices_of(o);
    const auto columns = usage_columns(by);
    const auto picked = pick_columns(columns, o.columns, o.default_columns);
    db::Runner runner(db);
    return measured(runner, o, reporter, [&]() -> std::optional<Explained> {
        resolve_projects(runner, filter);
        const Statement st = usage_sql(filter, by, prices);
        if (o.explain != Explain::no) {
            return explain(runner, st, o.explain, "query usage");
        }
        const auto unpriced = run_priced(runner, st, "query usage", columns, picked, index_of(columns, "unpriced_tokens"), out);
        report_prices(runner, filter, prices, unpriced, reporter);
        return std::nullopt;
    });
}

std::optional<Explained> sessions(db::Database& db, const SessionsOptions& o, RowWriter& out, Reporter& reporter)
{
    EventFilter filter = parse_filter(o.filter, time::now());
    if (o.limit < 0) {
        throw UsageError("--limit: must be 0 (no limit) or more");
    }
    const PriceTable prices = prices_of(o);
    const auto& columns = session_columns();
    const auto picked = pick_columns(columns, o.columns, o.default_columns);
    db::Runner runner(db);
    return measured(runner, o, reporter, [&]() -> std::optional<Explained> {
        resolve_projects(runner, filter);
        const Statement st =
            sessions_sql(filter, prices, o.limit > 0 ? std::optional<std::int64_t>(o.limit) : std::nullopt);
        if (o.explain != Explain::no) {
            return explain(runner, st, o.explain, "query sessions");
        }
        const auto unpriced =
            run_priced(runner, st, "query sessions", columns, picked, index_of(columns, "unpriced_tokens"), out);
        report_prices(runner, filter, prices, unpriced, reporter);
        return std::nullopt;
    });
}

} // namespace devlog::query
