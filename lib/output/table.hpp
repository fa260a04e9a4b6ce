#pragma once
// A small result held whole in memory, and its rendering through a row sink (see sink.hpp).

#include "lib/output/format.hpp"
#include "lib/output/sink.hpp"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace devlog::output {

// Rows of named columns. Cells are JSON values: null renders as empty (table, CSV) or null (JSON).
struct Table
{
    std::vector<std::string> columns;
    std::vector<std::vector<nlohmann::json>> rows;
};

// Writes TABLE to OUT in FORMAT, exactly as make_sink(OUT, FORMAT, OPTIONS) renders it.
void render(std::ostream& out, const Table& table, Format format, const RenderOptions& options = {});

} // namespace devlog::output
