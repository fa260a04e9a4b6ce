#pragma once
// One collection pass (`devlogctl collect`): every log file of the sources is read from its
// checkpoint, only complete lines are consumed, and the events go to the queue in the same SQLite
// transaction that advances the file's checkpoint. Rewritten, truncated, replaced and deleted
// files are recognised; the queue's size limit pauses collection instead of dropping anything.

#include "lib/collect/identity.hpp"
#include "lib/collect/parser.hpp"
#include "lib/collect/sources.hpp"
#include "lib/core/reporter.hpp"
#include "lib/queue/queue.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace devlog::collect {

struct CollectOptions
{
    std::vector<SourceRoot> roots;
    ParseOptions parse;
    // Collection pauses before the queued events would pass this size (bytes); 0: no limit.
    std::int64_t max_queue_bytes = std::int64_t{1} << 30;
    // A last line without its newline is consumed only once the file has not changed for this long
    // (and the line is complete JSON); until then it is left for the next pass.
    std::chrono::seconds settle{60};
    std::size_t batch_events = 5000; // events parsed before they are written to the queue
    // Batches (of one or more files) share one SQLite transaction until it holds this many events
    // or is 2 s old: a pass over many small files writes each page of the queue's ledger
    // once per transaction, not once per file.
    std::size_t transaction_events = 100000;
};

struct CollectResult
{
    std::int64_t files = 0;      // log files found
    std::int64_t files_read = 0; // of which new or changed, and read
    std::int64_t lines = 0;      // complete lines consumed
    std::int64_t bytes = 0;      // bytes consumed
    queue::CommitStats events;
    std::map<std::string, std::int64_t> unknown_kinds; // "claude-code: foo" → count
    std::int64_t malformed = 0;
    std::vector<std::string> malformed_lines; // "FILE:LINE: problem", the first ones
    std::int64_t forgotten = 0;               // checkpoints of files that disappeared
    std::int64_t restarted = 0;               // files rewritten, truncated or replaced: read again from the start
    bool paused = false;                      // the queue reached max_queue_bytes
};

// Runs one pass over OPTIONS.roots into QUEUE. Throws Interrupted between files or batches (what was
// committed stays), devlog::Error when the queue cannot be written (disk full: nothing half-written).
CollectResult collect_once(queue::Queue& queue, Identities& identities, const CollectOptions& options,
                           Reporter& reporter);

// A parser for files of KIND at PATH.
std::unique_ptr<LineParser> make_line_parser(Kind kind, const std::string& path);

} // namespace devlog::collect
