#pragma once
// The table renderer: columns aligned under a header, so it keeps its rows until end().

#include "lib/output/sink.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace devlog::output {

// Renders rows as left-aligned columns separated by two spaces, header first (bold with
// options.color). On a terminal (options.terminal_width), the widest columns are narrowed until
// lines fit its width, never below their header or 6 columns, and cells that do not fit end in "…".
class TableSink final : public RowSink
{
public:
    TableSink(std::ostream& out, RenderOptions options);

protected:
    void on_begin() override;
    void on_row(std::span<const nlohmann::json> values) override;
    void on_end() override;

private:
    std::string text_of(std::string text) const;
    void write_line(const std::vector<std::string>& cells, const std::vector<std::size_t>& widths, bool header);

    RenderOptions m_options;
    std::vector<std::string> m_header;
    std::vector<std::vector<std::string>> m_rows; // rendered cells, kept for alignment
    std::vector<std::size_t> m_widths;            // widest cell per column, in display columns
};

// Column widths for a table whose columns are NATURAL wide (headers HEADER wide), separated by two
// spaces, to fit TOTAL columns: NATURAL when it fits; otherwise the widest columns are capped at one
// width, each column keeping at least min(natural, max(header, 6)). The result may still exceed
// TOTAL when even those minimums do not fit.
std::vector<std::size_t> fit_columns(const std::vector<std::size_t>& natural, const std::vector<std::size_t>& header,
                                     std::size_t total);

} // namespace devlog::output
