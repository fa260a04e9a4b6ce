#include "lib/output/table_sink.hpp"

#include "lib/output/json_text.hpp"
#include "lib/output/utf8.hpp"

#include <algorithm>
#include <numeric>

namespace devlog::output {
namespace {
constexpr std::size_t k_min_column = 6;
constexpr std::size_t k_gap = 2;
} // namespace

std::vector<std::size_t> fit_columns(const std::vector<std::size_t>& natural, const std::vector<std::size_t>& header,
                                     std::size_t total)
{
    const std::size_t n = natural.size();
    const std::size_t gaps = n == 0 ? 0 : k_gap * (n - 1);
    if (std::accumulate(natural.begin(), natural.end(), gaps) <= total) {
        return natural;
    }
    std::vector<std::size_t> floor(n);
    for (std::size_t i = 0; i < n; ++i) {
        floor[i] = std::min(natural[i], std::max(header[i], k_min_column));
    }
    const auto widths_at = [&](std::size_t cap) {
        std::vector<std::size_t> widths(n);
        for (std::size_t i = 0; i < n; ++i) {
            widths[i] = std::max(floor[i], std::min(natural[i], cap));
        }
        return widths;
    };
    const auto line_width = [&](const std::vector<std::size_t>& widths) {
        return std::accumulate(widths.begin(), widths.end(), gaps);
    };
    // The largest cap whose lines fit (line width grows with the cap).
    std::size_t low = 0;
    std::size_t high = *std::max_element(natural.begin(), natural.end());
    if (line_width(widths_at(0)) > total) {
        return floor;
    }
    while (low < high) {
        const std::size_t mid = low + (high - low + 1) / 2;
        if (line_width(widths_at(mid)) <= total) {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    auto widths = widths_at(low);
    // Columns still shortened share what is left, one column each, from the left.
    std::size_t spare = total - line_width(widths);
    for (std::size_t i = 0; i < n && spare > 0; ++i) {
        if (widths[i] < natural[i]) {
            ++widths[i];
            --spare;
        }
    }
    return widths;
}

TableSink::TableSink(std::ostream& out, RenderOptions options) : RowSink(out), m_options(options) {}

std::string TableSink::text_of(std::string text) const
{
    return m_options.terminal_width ? terminal_safe(text) : text;
}

void TableSink::on_begin()
{
    for (const auto& column : columns()) {
        m_header.push_back(text_of(column));
        m_widths.push_back(display_width(m_header.back()));
    }
}

void TableSink::on_row(std::span<const nlohmann::json> values)
{
    auto& line = m_rows.emplace_back();
    line.reserve(m_header.size());
    for (std::size_t i = 0; i < m_header.size(); ++i) {
        line.push_back(text_of(cell_text(cell(values, i))));
        m_widths[i] = std::max(m_widths[i], display_width(line.back()));
    }
}

void TableSink::on_end()
{
    auto widths = m_widths;
    if (m_options.terminal_width) {
        std::vector<std::size_t> header(m_header.size());
        std::transform(m_header.begin(), m_header.end(), header.begin(),
                       [](const std::string& h) { return display_width(h); });
        widths = fit_columns(m_widths, header, *m_options.terminal_width);
    }
    write_line(m_header, widths, true);
    for (const auto& line : m_rows) {
        write_line(line, widths, false);
    }
    m_rows.clear();
}

void TableSink::write_line(const std::vector<std::string>& cells, const std::vector<std::size_t>& widths, bool header)
{
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const bool fits = widths[i] >= m_widths[i];
        const std::string shown = fits ? cells[i] : fit_width(cells[i], widths[i]);
        text += shown;
        if (i + 1 < cells.size()) {
            text.append(widths[i] - display_width(shown) + k_gap, ' ');
        }
    }
    if (header && m_options.color) {
        text = "\033[1m" + text + "\033[0m";
    }
    text += '\n';
    write(text);
}

} // namespace devlog::output
