#pragma once
// Migration files (dbmate's format): NNNN_name.sql with '-- migrate:up' and optional
// '-- migrate:down' sections.

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
    std::string sql;           // bytes as in the file (CR LF kept); split with split_statements
    int first_line = 1;        // line of the first SQL line in the file
    bool transactional = true; // false: '-- migrate:up transaction:false'
};

struct Migration
{
    std::int64_t version = 0;
    std::string name;            // "devlog_schema"; "Add-Users" for 20240101120000-Add-Users.sql; may be ""
    std::string filename;        // "0001_devlog_schema.sql"
    std::string checksum;        // SHA-256 of the file, CRLF normalised to LF
    Section up;                  // may hold no statement (comments only): a no-op
    std::optional<Section> down; // absent when the file has no down section or one without statements
};

// Parses one migration file, as dbmate names them: leading digits = version, the rest before
// '.sql' (without a leading '_' or '-') = name. A UTF-8 byte order mark is skipped. Throws
// InputError "FILENAME[:LINE]: ..." for another name, a missing or repeated '-- migrate:up'
// marker, an unknown marker or option, SQL above the first marker, transaction control (BEGIN,
// COMMIT, ...) in a section that runs in a transaction, or COPY ... FROM STDIN data without '\.'.
Migration parse_migration(std::string_view filename, std::string_view content);

// The migrations compiled into the binary, sorted by version.
std::vector<Migration> embedded_migrations();

// The *.sql files of DIR, sorted by version; each file is read once and held once. Ignores hidden
// files and other extensions. Throws InputError for an unreadable or missing directory, one
// without migration files, a near miss (0002_b.SQL, V2__b.sql, seed.sql: the message names the
// fix), a malformed file (see parse_migration), or two files with the same version.
std::vector<Migration> load_migrations(const std::filesystem::path& dir);

// "0001" style display of VERSION (at least four digits).
std::string format_version(std::int64_t version);

// Parses "1", "0001" or "0001_name.sql"-style VERSION (also "0001-name.sql", "0001.sql"). Throws
// UsageError otherwise.
std::int64_t parse_version(std::string_view text);

// Writes DIR/NNNN_NAME.sql from the template, NNNN one past the highest version in DIR and in
// KNOWN. NAME is lower-cased; spaces and '-' become '_'. Returns the new file's path. Throws
// UsageError for an empty or invalid NAME, InputError when DIR does not exist or holds a near miss.
std::filesystem::path create_migration_file(const std::filesystem::path& dir, std::string_view name,
                                            const std::vector<Migration>& known);

} // namespace devlog::migrate
