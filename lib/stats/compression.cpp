// `stats compression`: TimescaleDB's compression-time figures beside the live sizes.
#include "lib/stats/snapshot.hpp"

#include <fmt/format.h>

#include <cmath>

namespace devlog::stats {
namespace {

// The columns of sql/stats/compression.sql's rows.
enum Input : std::size_t
{
    hypertable,
    enabled,
    chunk,
    range_start,
    range_end,
    status,
    rows_compressed,
    before_bytes,
    after_bytes,
    live_compressed,
    live_chunk
};

std::string text(const nlohmann::json& cell)
{
    return cell.is_string() ? cell.get<std::string>() : "";
}

nlohmann::json ratio(std::int64_t before, std::int64_t after)
{
    if (after <= 0) {
        return nullptr;
    }
    return std::round(static_cast<double>(before) / static_cast<double>(after) * 100) / 100;
}

nlohmann::json per_event(std::int64_t bytes, std::int64_t rows)
{
    return rows > 0 ? nlohmann::json(std::llround(static_cast<double>(bytes) / static_cast<double>(rows)))
                    : nlohmann::json();
}

std::string plural(std::int64_t n, const char* what)
{
    return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
}

// The figures of one hypertable (or one chunk).
struct Sums
{
    std::int64_t chunks = 0;
    std::int64_t compressed = 0;
    std::int64_t partial = 0;
    std::int64_t changed = 0; // compressed data whose size differs from the recorded one
    std::int64_t rows = 0;
    std::int64_t before = 0;
    std::int64_t after = 0;
    std::int64_t live = 0; // of the compressed chunks: compressed data + the chunk's own heap and indexes

    void add(const std::vector<nlohmann::json>& row)
    {
        ++chunks;
        const std::string state = text(row[status]);
        if (state == "uncompressed") {
            return;
        }
        ++compressed;
        partial += state == "partial" ? 1 : 0;
        changed += integer(row[live_compressed]) != integer(row[after_bytes]) ? 1 : 0;
        rows += integer(row[rows_compressed]);
        before += integer(row[before_bytes]);
        after += integer(row[after_bytes]);
        live += integer(row[live_compressed]) + integer(row[live_chunk]);
    }

    std::string note(bool enabled, bool one_chunk) const
    {
        if (!enabled) {
            return "compression is not enabled";
        }
        if (compressed == 0) {
            return one_chunk ? "" : "no chunk is compressed yet";
        }
        std::vector<std::string> parts;
        if (partial > 0) {
            parts.push_back(one_chunk ? "rows were added after compression: the recorded sizes are stale until it "
                                        "is recompressed"
                                      : fmt::format("{} got rows after compression: the recorded sizes are stale "
                                                    "until they are recompressed",
                                                    plural(partial, "chunk")));
        }
        if (changed > 0) {
            parts.push_back(one_chunk ? "the compressed data changed since it was recorded"
                                      : fmt::format("the compressed data of {} changed since it was recorded",
                                                    plural(changed, "chunk")));
        }
        std::string out;
        for (const auto& p : parts) {
            out += (out.empty() ? "" : "; ") + p;
        }
        return out;
    }
};

} // namespace

Report summarize_compression(const output::Table& chunks, bool per_chunk)
{
    Report report;
    if (per_chunk) {
        report.table.columns = {"hypertable", "chunk",       "range_start", "range_end",  "status", "rows_compressed",
                                "before_bytes", "after_bytes", "ratio",     "bytes_per_event", "live_bytes", "note"};
        for (const auto& row : chunks.rows) {
            Sums s;
            s.add(row);
            const bool compressed = s.compressed > 0;
            report.table.rows.push_back(
                {row[hypertable], row[chunk], row[range_start], row[range_end], row[status],
                 compressed ? nlohmann::json(s.rows) : nlohmann::json(), row[before_bytes], row[after_bytes],
                 ratio(s.before, s.after), per_event(s.after, s.rows),
                 compressed ? s.live : integer(row[live_chunk]), s.note(row[enabled] == true, true)});
        }
    } else {
        report.table.columns = {"hypertable",   "chunks",      "compressed_chunks", "partial_chunks",
                                "rows_compressed", "before_bytes", "after_bytes", "ratio",
                                "bytes_per_event", "live_bytes", "note"};
        for (std::size_t i = 0; i < chunks.rows.size();) {
            Sums s;
            const auto& first = chunks.rows[i];
            for (; i < chunks.rows.size() && chunks.rows[i][hypertable] == first[hypertable]; ++i) {
                s.add(chunks.rows[i]);
            }
            report.table.rows.push_back({first[hypertable], s.chunks, s.compressed, s.partial, s.rows, s.before,
                                         s.after, ratio(s.before, s.after), per_event(s.after, s.rows), s.live,
                                         s.note(first[enabled] == true, false)});
        }
    }
    if (chunks.rows.empty()) {
        report.notes.emplace_back("no hypertable has chunks yet");
    }
    report.notes.emplace_back("before_bytes and after_bytes are what TimescaleDB recorded when each chunk was "
                              "compressed; live_bytes is what the compressed chunks take now (compressed data, rows "
                              "added since, the chunks' own indexes)");
    return report;
}

} // namespace devlog::stats
