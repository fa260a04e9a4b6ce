#pragma once
// The rejects file of `import --rejects FILE`: every refused record with its reason, in a form the
// importer reads back once the records are fixed.
//   NDJSON (for NDJSON and JSON-array input): a comment line "# SOURCE:LINE: field: problem",
//   then the record as it was (an array element on one line). Comment lines are skipped on import.
//   CSV: the input's header plus a column devlogctl_reject_reason (ignored on import), then each
//   record as it was with its reason in that column.

#include "lib/importer/records.hpp"

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace devlog::importer {

class RejectsFile
{
public:
    // Creates (or empties) PATH. Throws InputError when it cannot.
    explicit RejectsFile(const std::string& path);
    ~RejectsFile();
    RejectsFile(const RejectsFile&) = delete;
    RejectsFile& operator=(const RejectsFile&) = delete;

    // Writes one refused record: REASON is "SOURCE:LINE: field: problem"; TEXT the record (nullopt
    // when it was not kept, e.g. longer than the record limit: then only the reason is written).
    // CSV_HEADER is the header of the CSV input it came from. Thread-safe. Throws UsageError when
    // FORMAT or the CSV header differs from the first record written (one rejects file holds one
    // format), InputError when writing fails.
    void write(InputFormat format, std::string_view csv_header, std::string_view reason,
               std::optional<std::string_view> text);
    // Flushes and closes; throws InputError when that fails (disk full).
    void close();
    const std::string& path() const { return m_path; }

private:
    void put(std::string_view bytes);

    std::string m_path;
    std::FILE* m_file = nullptr;
    std::mutex m_mutex;
    std::optional<bool> m_csv;  // the format written, once one was
    std::string m_csv_header;
};

} // namespace devlog::importer
