#include "lib/output/table.hpp"

namespace devlog::output {

void render(std::ostream& out, const Table& table, Format format, const RenderOptions& options)
{
    const auto sink = make_sink(out, format, options);
    sink->begin(table.columns);
    for (const auto& row : table.rows) {
        sink->row(row);
    }
    sink->end();
}

} // namespace devlog::output
