#include "lib/importer/rejects.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace devlog::importer {

RejectsFile::RejectsFile(const std::string& path) : m_path(path)
{
    m_file = std::fopen(path.c_str(), "wb");
    if (m_file == nullptr) {
        throw InputError(fmt::format("cannot write the rejects file {}: {}", path, std::strerror(errno)));
    }
}

RejectsFile::~RejectsFile()
{
    if (m_file != nullptr) {
        std::fclose(m_file);
    }
}

void RejectsFile::put(std::string_view bytes)
{
    if (std::fwrite(bytes.data(), 1, bytes.size(), m_file) != bytes.size()) {
        throw InputError(fmt::format("cannot write the rejects file {}: {}", m_path, std::strerror(errno)));
    }
}

void RejectsFile::write(InputFormat format, std::string_view csv_header, std::string_view reason,
                        std::optional<std::string_view> text)
{
    const std::lock_guard lock(m_mutex);
    const bool csv = format == InputFormat::csv;
    if (!m_csv) {
        m_csv = csv;
        if (csv) {
            m_csv_header = csv_header;
            put(fmt::format("{},devlogctl_reject_reason\n", csv_header));
        }
    } else if (*m_csv != csv || (csv && csv_header != m_csv_header)) {
        throw UsageError(fmt::format("the rejects file {} already holds {} records; a record of another format or "
                                     "CSV header cannot go there",
                                     m_path, *m_csv ? "CSV" : "JSON"),
                         "import inputs of different formats (or CSV headers) separately, each with its own --rejects");
    }
    if (csv) {
        if (!text) {
            return; // a CSV file has no place for a reason without its record
        }
        std::string quoted = "\"";
        for (const char c : reason) {
            quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
        }
        put(*text);
        put(",");
        put(quoted + "\"\n");
        return;
    }
    std::string comment = "# ";
    for (const char c : reason) {
        comment.push_back(c == '\n' || c == '\r' ? ' ' : c);
    }
    if (!text) {
        comment += " (the record is not copied here)";
    }
    put(comment + "\n");
    if (text) {
        std::string line(*text);
        for (char& c : line) {
            if (c == '\n' || c == '\r') {
                c = ' '; // a multi-line array element: JSON allows no raw line break inside strings
            }
        }
        put(line + "\n");
    }
}

void RejectsFile::close()
{
    const std::lock_guard lock(m_mutex);
    if (m_file == nullptr) {
        return;
    }
    const bool ok = std::fflush(m_file) == 0;
    const bool closed = std::fclose(m_file) == 0;
    m_file = nullptr;
    if (!ok || !closed) {
        throw InputError(fmt::format("cannot write the rejects file {}: {}", m_path, std::strerror(errno)));
    }
}

} // namespace devlog::importer
