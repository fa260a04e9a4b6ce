#pragma once
// Files compiled into the binary at build time (cmake/Embed.cmake).

#include <span>
#include <string_view>

namespace devlog {

struct EmbeddedFile
{
    std::string_view path; // relative to its source folder, e.g. "0001_devlog_schema.sql"
    std::string_view content;
};

namespace embedded {
// migrations/*.sql, sorted by path.
std::span<const EmbeddedFile> migrations();
// sql/**/*.sql, sorted by path.
std::span<const EmbeddedFile> sql_files();
} // namespace embedded

// The embedded sql/ file at PATH (e.g. "migrate/bookkeeping.sql"). Throws std::logic_error when
// absent: that is a build bug, not a user error.
std::string_view embedded_sql(std::string_view path);

} // namespace devlog
