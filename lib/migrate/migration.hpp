#pragma once
// Migration files: NNNN_name.sql with '-- migrate:up' and optional '-- migrate:down' sections.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::migrate {

// One direction of a migration: its SQL and where that SQL starts in the file.
struct Section
{
    std::string sql;
    int first_line = 1;        // line of the first SQL line in the file
    bool transactional = true; // false: '-- migrate:up transaction:false'
};

struct Migration
{
    std::int64_t version = 0;
    std::string name;     // "devlog_schema"
    std::string filename; // "0001_devlog_schema.sql"
    std::string checksum; // SHA-256 of the file, CRLF normalised to LF
    Section up;
    std::optional<Section> down; // absent when the file has no (or an empty) down section
};

// Parses one migration file. Throws InputError naming FILENAME (and the line) when the name is not
// NNNN_name.sql, the '-- migrate:up' marker is missing or repeated, or a marker has an unknown option.
Migration parse_migration(std::string_view filename, std::string_view content);

// The migrations compiled into the binary, sorted by version.
std::vector<Migration> embedded_migrations();

// The *.sql files of DIR, sorted by version. Throws InputError for an unreadable or missing
// directory, a malformed file, or two files with the same version.
std::vector<Migration> load_migrations(const std::filesystem::path& dir);

// "0001" style display of VERSION (at least four digits).
std::string format_version(std::int64_t version);

// Parses "1", "0001" or "0001_name.sql"-style VERSION. Throws UsageError otherwise.
std::int64_t parse_version(std::string_view text);

// Writes DIR/NNNN_NAME.sql from the template, NNNN one past the highest version in DIR and in
// KNOWN. NAME is lower-cased; spaces and '-' become '_'. Returns the new file's path. Throws
// UsageError for an empty or invalid NAME, InputError when DIR does not exist.
std::filesystem::path create_migration_file(const std::filesystem::path& dir, std::string_view name,
                                            const std::vector<Migration>& known);

} // namespace devlog::migrate
