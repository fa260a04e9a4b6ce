#include "lib/migrate/migration.hpp"

#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/core/sha256.hpp"
#include "lib/migrate/sql_split.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace devlog::migrate {
namespace {

const std::regex k_filename(R"(^(\d{1,18})_([a-z0-9_]+)\.sql$)");
const std::regex k_marker(R"(^--\s*migrate:(\w+)(.*)$)");

std::string normalise_newlines(std::string_view content)
{
    std::string out;
    out.reserve(content.size());
    for (std::size_t i = 0; i < content.size(); ++i) {
        if (content[i] == '\r' && i + 1 < content.size() && content[i + 1] == '\n') {
            continue;
        }
        out.push_back(content[i]);
    }
    return out;
}

bool has_statements(const Section& section)
{
    return !split_statements(section.sql).empty();
}

} // namespace

std::string format_version(std::int64_t version)
{
    return fmt::format("{:04d}", version);
}

std::int64_t parse_version(std::string_view text)
{
    std::string digits;
    for (char c : text) {
        if (c < '0' || c > '9') {
            break;
        }
        digits.push_back(c);
    }
    const bool rest_ok = digits.size() == text.size() || text[digits.size()] == '_';
    if (digits.empty() || digits.size() > 18 || !rest_ok) {
        throw UsageError(fmt::format("invalid migration version '{}'", text),
                         "give the number of a migration, e.g. 1 or 0001 (see 'devlogctl migrate status')");
    }
    return std::stoll(digits);
}

Migration parse_migration(std::string_view filename, std::string_view raw)
{
    const std::string name(filename);
    std::smatch m;
    if (!std::regex_match(name, m, k_filename)) {
        throw InputError(fmt::format("{}: migration file names must look like 0001_snake_case_name.sql", name));
    }
    const std::string content = normalise_newlines(raw);
    Migration migration;
    migration.version = std::stoll(m[1].str());
    migration.name = m[2].str();
    migration.filename = name;
    migration.checksum = sha256_hex(content);

    Section* current = nullptr;
    bool seen_up = false;
    std::optional<Section> down;
    std::istringstream in(content);
    std::string line;
    int line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        std::smatch marker;
        if (std::regex_match(line, marker, k_marker)) {
            const std::string direction = marker[1].str();
            Section section;
            section.first_line = line_no + 1;
            std::istringstream options(marker[2].str());
            for (std::string option; options >> option;) {
                if (option == "transaction:false") {
                    section.transactional = false;
                } else if (option == "transaction:true") {
                    section.transactional = true;
                } else {
                    throw InputError(fmt::format("{}:{}: unknown migration option '{}' (known: transaction:false)",
                                                 name, line_no, option));
                }
            }
            if (direction == "up") {
                if (seen_up) {
                    throw InputError(fmt::format("{}:{}: second '-- migrate:up' marker", name, line_no));
                }
                seen_up = true;
                migration.up = section;
                current = &migration.up;
            } else if (direction == "down") {
                if (down) {
                    throw InputError(fmt::format("{}:{}: second '-- migrate:down' marker", name, line_no));
                }
                down = section;
                current = &*down;
            } else {
                throw InputError(fmt::format("{}:{}: unknown marker 'migrate:{}' (expected migrate:up or migrate:down)",
                                             name, line_no, direction));
            }
            continue;
        }
        if (current != nullptr) {
            current->sql += line;
            current->sql += '\n';
        }
    }
    if (!seen_up) {
        throw InputError(fmt::format("{}: no '-- migrate:up' marker; put one line '-- migrate:up' before the SQL", name));
    }
    if (down && has_statements(*down)) {
        migration.down = std::move(down);
    }
    return migration;
}

std::vector<Migration> embedded_migrations()
{
    std::vector<Migration> out;
    for (const auto& file : embedded::migrations()) {
        out.push_back(parse_migration(file.path, file.content));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
    return out;
}

std::vector<Migration> load_migrations(const std::filesystem::path& dir)
{
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw InputError(fmt::format("{}: not a directory", dir.string()), "--migrations-dir must name a directory of NNNN_name.sql files");
    }
    std::vector<Migration> out;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".sql") {
            continue;
        }
        std::ifstream in(entry.path(), std::ios::binary);
        if (!in) {
            throw InputError(fmt::format("{}: cannot read", entry.path().string()));
        }
        std::ostringstream content;
        content << in.rdbuf();
        out.push_back(parse_migration(entry.path().filename().string(), content.str()));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (out[i].version == out[i - 1].version) {
            throw InputError(fmt::format("{}: version {} is also used by {}", (dir / out[i].filename).string(),
                                         format_version(out[i].version), out[i - 1].filename));
        }
    }
    return out;
}

std::filesystem::path create_migration_file(const std::filesystem::path& dir, std::string_view raw_name,
                                            const std::vector<Migration>& known)
{
    std::string name;
    for (char c : raw_name) {
        if (c == ' ' || c == '-') {
            c = '_';
        }
        name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (name.empty() || !std::regex_match(name, std::regex("^[a-z0-9_]+$"))) {
        throw UsageError(fmt::format("invalid migration name '{}'", raw_name),
                         "use letters, digits, '_', '-' or spaces, e.g. 'add_event_index'");
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw InputError(fmt::format("{}: no such directory", dir.string()),
                         "run from the source tree (it has migrations/) or pass --migrations-dir");
    }
    std::int64_t highest = 0;
    for (const auto& m : known) {
        highest = std::max(highest, m.version);
    }
    for (const auto& m : load_migrations(dir)) {
        highest = std::max(highest, m.version);
    }
    auto path = dir / fmt::format("{}_{}.sql", format_version(highest + 1), name);
    std::ofstream out(path, std::ios::binary | std::ios::out);
    out << fmt::format(R"(-- {}: describe what this migration changes and why.
--
-- Every statement below runs in one transaction: the migration applies completely or not at all.
-- For statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD
-- VALUE on old servers) write '-- migrate:up transaction:false' instead and make each statement
-- idempotent (IF NOT EXISTS), since a failure partway keeps what ran before it.
-- Never edit this file once it is applied anywhere: write a new migration.

-- migrate:up


-- migrate:down

)",
                       name);
    out.close();
    if (!out) {
        throw InputError(fmt::format("{}: cannot write", path.string()));
    }
    return path;
}

} // namespace devlog::migrate
