#include "lib/migrate/migration.hpp"

#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/core/sha256.hpp"
#include "lib/migrate/sql_split.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <sstream>
#include <tuple>
#include <utility>

namespace devlog::migrate {
namespace {

constexpr std::string_view k_bom = "\xEF\xBB\xBF";
constexpr std::string_view k_example = "0001_create_users.sql";

// Number of ASCII digits in TEXT from FROM on.
std::size_t count_digits(std::string_view text, std::size_t from = 0)
{
    std::size_t i = from;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        ++i;
    }
    return i - from;
}

// Version and name from a file name as dbmate reads it: ^\d+.*\.sql$, the name without a leading
// '_' or '-'. Throws InputError otherwise.
std::pair<std::int64_t, std::string> parse_file_name(std::string_view filename)
{
    const std::size_t digits = count_digits(filename);
    if (digits == 0 || !filename.ends_with(".sql") || filename.size() < digits + 4) {
        throw InputError(fmt::format("{}: a migration file name starts with its version number and ends in '.sql', "
                                     "e.g. {}",
                                     filename, k_example));
    }
    if (digits > 18) {
        throw InputError(fmt::format("{}: the version number has more than 18 digits", filename));
    }
    std::string_view name = filename.substr(digits, filename.size() - 4 - digits);
    if (!name.empty() && (name.front() == '_' || name.front() == '-')) {
        name.remove_prefix(1);
    }
    return {std::stoll(std::string(filename.substr(0, digits))), std::string(name)};
}

// SHA-256 of CONTENT with every CR LF read as LF: the checksum devlogctl has always recorded.
std::string file_checksum(std::string_view content)
{
    Sha256 sha;
    std::size_t from = 0;
    for (std::size_t cr = content.find("\r\n"); cr != std::string_view::npos; cr = content.find("\r\n", cr + 2)) {
        sha.update(content.substr(from, cr - from));
        from = cr + 1;
    }
    sha.update(content.substr(from));
    return sha.hex_digest();
}

// A section of a migration file: its marker's options and where its SQL lies in the file.
struct Part
{
    std::string_view direction; // "up" or "down"
    Section section;            // without sql
    std::size_t begin = 0;      // offset of its SQL
    std::size_t end = 0;        // offset just past it
    std::size_t count = 0;      // statements
};

struct Layout
{
    std::optional<Part> up;
    std::optional<Part> down;
    std::size_t first_marker = std::string_view::npos; // offset of the first marker line
};

// The '-- migrate:DIRECTION options' marker on LINE (without its line end), if it is one.
std::optional<Part> parse_marker(std::string_view filename, std::string_view line, int line_no)
{
    std::size_t i = 2;
    if (!line.starts_with("--")) {
        return std::nullopt;
    }
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])) != 0) {
        ++i;
    }
    if (line.substr(i, 8) != "migrate:") {
        return std::nullopt;
    }
    i += 8;
    const std::size_t direction_start = i;
    while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) != 0 || line[i] == '_')) {
        ++i;
    }
    const std::string_view direction = line.substr(direction_start, i - direction_start);
    if (direction.empty()) {
        return std::nullopt;
    }
    if (direction != "up" && direction != "down") {
        throw InputError(fmt::format("{}:{}: unknown marker 'migrate:{}' (expected migrate:up or migrate:down)",
                                     filename, line_no, direction));
    }
    Part part;
    part.direction = direction == "up" ? "up" : "down";
    part.section.first_line = line_no + 1;
    std::istringstream options{std::string(line.substr(i))};
    for (std::string option; options >> option;) {
        if (option == "transaction:false") {
            part.section.transactional = false;
        } else if (option == "transaction:true") {
            part.section.transactional = true;
        } else {
            throw InputError(fmt::format("{}:{}: unknown migration option '{}' (known: transaction:false)", filename,
                                         line_no, option));
        }
    }
    return part;
}

// Finds the markers of CONTENT (after a byte order mark) and the sections they open.
Layout find_sections(std::string_view filename, std::string_view content, std::size_t body)
{
    Layout layout;
    std::optional<Part>* current = nullptr;
    int line_no = 0;
    for (std::size_t begin = body; begin < content.size();) {
        ++line_no;
        const std::size_t eol = std::min(content.find('\n', begin), content.size());
        const std::size_t next = std::min(eol + 1, content.size());
        std::string_view line = content.substr(begin, eol - begin);
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        if (auto part = parse_marker(filename, line, line_no)) {
            std::optional<Part>& slot = part->direction == "up" ? layout.up : layout.down;
            if (slot) {
                throw InputError(
                    fmt::format("{}:{}: second '-- migrate:{}' marker", filename, line_no, part->direction));
            }
            if (current != nullptr) {
                (*current)->end = begin;
            }
            layout.first_marker = std::min(layout.first_marker, begin);
            part->begin = next;
            part->end = content.size();
            slot = std::move(part);
            current = &slot;
        }
        begin = next;
    }
    return layout;
}

// Counts the statements of PART and checks them: no transaction control in a transaction, COPY
// data complete. Throws InputError "FILENAME:LINE: ...".
void check_statements(std::string_view filename, std::string_view content, Part& part)
{
    const Section& section = part.section;
    try {
        for_each_statement(
            content.substr(part.begin, part.end - part.begin), section.first_line, [&](const StatementView& s) {
                ++part.count;
                if (!section.transactional) {
                    return;
                }
                if (const auto command = transaction_control(s.text)) {
                    throw InputError(
                        fmt::format("{}:{}: {} is transaction control, but this migration runs in one transaction "
                                    "already: remove it, or write '-- migrate:{} transaction:false' to run the section "
                                    "as written",
                                    filename, s.line, *command, part.direction),
                        "with transaction:false each statement runs on its own: a failure keeps what ran before it");
                }
            });
    } catch (const SplitError& e) {
        throw InputError(fmt::format("{}:{}: {}", filename, e.line(), e.what()));
    }
}

// Comments and blank lines may precede the first marker; SQL there would be dropped (dbmate
// refuses it too).
void check_preamble(std::string_view filename, std::string_view preamble)
{
    const auto refuse = [&](int line) {
        return InputError(fmt::format("{}:{}: SQL above the '-- migrate:up' marker would never run: move it below the "
                                      "marker (only comments may come before it)",
                                      filename, line));
    };
    try {
        for_each_statement(preamble, 1, [&](const StatementView& s) { throw refuse(s.line); });
    } catch (const SplitError& e) {
        throw InputError(fmt::format("{}:{}: {}", filename, e.line(), e.what()));
    }
}

// Parses CONTENT, reusing its buffer for the bigger section so a big file is held once.
Migration parse(std::string_view filename, std::string content)
{
    Migration migration;
    std::tie(migration.version, migration.name) = parse_file_name(filename);
    migration.filename = std::string(filename);
    migration.checksum = file_checksum(content);

    const std::size_t body = std::string_view(content).starts_with(k_bom) ? k_bom.size() : 0;
    Layout layout = find_sections(filename, content, body);
    if (!layout.up) {
        throw InputError(
            fmt::format("{}: no '-- migrate:up' marker; put one line '-- migrate:up' before the SQL", filename));
    }
    check_preamble(filename, std::string_view(content).substr(body, layout.first_marker - body));
    check_statements(filename, content, *layout.up);
    if (layout.down) {
        check_statements(filename, content, *layout.down);
    }

    Part& up = *layout.up;
    const bool keep_down = layout.down && layout.down->count > 0;
    const bool down_is_bigger = keep_down && layout.down->end - layout.down->begin > up.end - up.begin;
    const auto take = [&](Part& part, bool reuse_buffer) {
        Section section = part.section;
        if (reuse_buffer) {
            content.erase(part.end);
            content.erase(0, part.begin);
            section.sql = std::move(content);
        } else {
            section.sql = content.substr(part.begin, part.end - part.begin);
        }
        return section;
    };
    if (down_is_bigger) {
        migration.up = take(up, false);
        migration.down = take(*layout.down, true);
    } else {
        if (keep_down) {
            migration.down = take(*layout.down, false);
        }
        migration.up = take(up, true);
    }
    return migration;
}

// The file's bytes, read once into a buffer of its size (stdio: libstdc++'s inlined streambuf code
// trips GCC 12's -Wnull-dereference at -O3).
std::string read_file(const std::filesystem::path& path)
{
    const auto fail = [&] {
        return InputError(fmt::format("{}: cannot read: {}", path.string(), std::strerror(errno)));
    };
    std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) {
        throw fail();
    }
    std::string content;
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    content.resize(ec ? 65536 : static_cast<std::size_t>(size) + 1); // +1: notice growth without a 2nd read
    std::size_t used = 0;
    for (;;) {
        used += std::fread(content.data() + used, 1, content.size() - used, file.get());
        if (used < content.size()) {
            break;
        }
        content.resize(content.size() * 2); // the file grew since file_size()
    }
    if (std::ferror(file.get()) != 0) {
        throw fail();
    }
    content.resize(used);
    return content;
}

// Refuses the *.sql (any case) file PATH of DIR when it would not be loaded as a migration,
// saying how to rename it.
void check_file_name(const std::filesystem::path& path, const std::filesystem::path& dir)
{
    const std::string name = path.filename().string();
    const std::string stem = path.stem().string();
    if (count_digits(name) == 0) {
        const std::size_t digits = count_digits(stem, 1);
        if ((name.front() == 'V' || name.front() == 'v') && digits > 0) { // Flyway: V2__add_users.sql
            std::string_view rest = std::string_view(stem).substr(1 + digits);
            rest.remove_prefix(rest.starts_with("__") ? 2 : rest.starts_with('_') ? 1 : 0);
            throw InputError(fmt::format("{}: a migration file name starts with its version number: rename it to "
                                         "{}{}{}.sql",
                                         path.string(), stem.substr(1, digits), rest.empty() ? "" : "_", rest));
        }
        throw InputError(fmt::format("{}: a migration file name starts with its version number, e.g. {}: rename it, "
                                     "or move it out of {}",
                                     path.string(), k_example, dir.string()));
    }
    if (!name.ends_with(".sql")) {
        throw InputError(fmt::format("{}: a migration file name ends in '.sql' in lower case: rename it to {}.sql",
                                     path.string(), stem));
    }
}

// The migration files of DIR, sorted by name. Ignores hidden files and files not ending in .sql
// in any case; throws InputError for the near misses a user would expect to run.
std::vector<std::filesystem::path> migration_files(const std::filesystem::path& dir)
{
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        throw InputError(fmt::format("{}: not a directory", dir.string()),
                         "--migrations-dir must name a directory of migration files such as 0001_create_users.sql");
    }
    std::vector<std::filesystem::path> out;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::string extension = it->path().extension().string();
        std::transform(extension.begin(), extension.end(), extension.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (name.starts_with('.') || extension != ".sql") {
            continue;
        }
        std::error_code type_ec;
        if (!it->is_regular_file(type_ec)) {
            throw InputError(fmt::format("{}: not a regular file", it->path().string()),
                             "a migration must be a file (or a link to one) in the migrations directory");
        }
        out.push_back(it->path());
    }
    if (ec) {
        throw InputError(fmt::format("{}: cannot read the directory: {}", dir.string(), ec.message()));
    }
    std::sort(out.begin(), out.end());
    for (const auto& path : out) {
        check_file_name(path, dir);
    }
    return out;
}

} // namespace

std::string format_version(std::int64_t version)
{
    return fmt::format("{:04d}", version);
}

std::int64_t parse_version(std::string_view text)
{
    const std::size_t digits = count_digits(text);
    const bool rest_ok = digits == text.size() || text[digits] == '_' || text[digits] == '-' || text[digits] == '.';
    if (digits == 0 || digits > 18 || !rest_ok) {
        throw UsageError(fmt::format("invalid migration version '{}'", text),
                         "give the number of a migration, e.g. 1 or 0001 (see 'devlogctl migrate status')");
    }
    return std::stoll(std::string(text.substr(0, digits)));
}

Migration parse_migration(std::string_view filename, std::string_view content)
{
    return parse(filename, std::string(content));
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
    const auto files = migration_files(dir);
    if (files.empty()) {
        throw InputError(fmt::format("{}: no migration files (names like {})", dir.string(), k_example),
                         "--migrations-dir must name the directory that holds the migration files");
    }
    std::vector<Migration> out;
    out.reserve(files.size());
    for (const auto& path : files) {
        out.push_back(parse(path.filename().string(), read_file(path)));
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
    for (const auto& path : migration_files(dir)) {
        highest = std::max(highest, parse_file_name(path.filename().string()).first);
    }
    auto path = dir / fmt::format("{}_{}.sql", format_version(highest + 1), name);
    std::ofstream out(path, std::ios::binary | std::ios::out);
    out << fmt::format(R"(-- {}: describe what this migration changes and why.
--
-- Every statement below runs in one transaction: the migration applies completely or not at all.
-- For statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD
-- VALUE on old servers) write '-- migrate:up transaction:false' instead and make each statement
-- safe to run again, since a failure partway keeps what ran before it: before CREATE INDEX
-- CONCURRENTLY x, write DROP INDEX CONCURRENTLY IF EXISTS x (a failed build leaves an invalid
-- index that IF NOT EXISTS would skip).
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
