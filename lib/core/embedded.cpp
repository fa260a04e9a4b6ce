#include "lib/core/embedded.hpp"

#include <stdexcept>
#include <string>

namespace devlog {

std::string_view embedded_sql(std::string_view path)
{
    for (const auto& file : embedded::sql_files()) {
        if (file.path == path) {
            return file.content;
        }
    }
    throw std::logic_error("embedded SQL file not found: " + std::string(path));
}

} // namespace devlog
