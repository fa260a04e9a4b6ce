#include "lib/collect/collector.hpp"

#include "lib/collect/claude_code.hpp"
#include "lib/collect/codex.hpp"
#include "lib/collect/copilot.hpp"
#include "lib/collect/ndjson.hpp"
#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/core/sha256.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace devlog::collect {
namespace {

constexpr std::size_t k_head_bytes = 4096;
constexpr std::size_t k_chunk = std::size_t{1} << 20;
constexpr auto k_transaction_time = std::chrono::seconds(2);

class File
{
public:
    explicit File(const std::string& path) : m_fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
    ~File()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    bool ok() const { return m_fd >= 0; }
    int fd() const { return m_fd; }
    // Up to SIZE bytes at OFFSET into TO; returns how many (fewer at the end of the file).
    std::size_t read_into(std::int64_t offset, char* to, std::size_t size) const
    {
        std::size_t got = 0;
        while (got < size) {
            const auto n = ::pread(m_fd, to + got, size - got, static_cast<off_t>(offset + static_cast<std::int64_t>(got)));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            got += static_cast<std::size_t>(n);
        }
        return got;
    }
    // Up to SIZE bytes at OFFSET.
    std::string read_at(std::int64_t offset, std::size_t size) const
    {
        std::string out(size, '\0');
        out.resize(read_into(offset, out.data(), size));
        return out;
    }

private:
    int m_fd;
};

std::string head_hash(const File& file, std::int64_t offset)
{
    return sha256_hex(file.read_at(0, static_cast<std::size_t>(std::min<std::int64_t>(offset, k_head_bytes))));
}

class Pass
{
public:
    Pass(queue::Queue& queue, Identities& identities, const CollectOptions& options, Reporter& reporter)
        : m_queue(queue), m_identities(identities), m_options(options), m_reporter(reporter)
    {
        m_queued_bytes = m_queue.queued_bytes();
    }

    CollectResult run()
    {
        std::vector<SourceFile> files;
        std::set<std::string> seen;
        for (const auto& root : m_options.roots) {
            for (auto& f : find_files(root)) {
                if (seen.insert(f.path).second) {
                    files.push_back(std::move(f));
                }
            }
        }
        m_result.files = static_cast<std::int64_t>(files.size());
        std::map<std::string, queue::Checkpoint> checkpoints;
        for (auto& cp : m_queue.checkpoints()) {
            checkpoints.emplace(cp.path, std::move(cp));
        }
        std::vector<const SourceFile*> changed;
        std::uint64_t total_bytes = 0;
        for (const auto& f : files) {
            const auto it = checkpoints.find(f.path);
            if (it != checkpoints.end() && it->second.size == f.size && it->second.mtime_ns == f.mtime_ns) {
                continue; // unchanged since the last pass (identity is checked when reading)
            }
            changed.push_back(&f);
            total_bytes += static_cast<std::uint64_t>(f.size - (it != checkpoints.end() ? std::min(it->second.offset, f.size) : 0));
        }
        Progress progress{"collecting agent logs", "events", 0, std::nullopt, 0, total_bytes};
        Task task(m_reporter, progress);
        m_task = &task;
        begin_transaction();
        try {
            for (const auto* f : changed) {
                stop_point("collection stopped between files; what was read is queued");
                const auto it = checkpoints.find(f->path);
                const queue::Checkpoint* cp = it != checkpoints.end() ? &it->second : nullptr;
                if (!read_file(*f, cp)) {
                    break; // paused: the queue is full
                }
            }
            forget_missing(files, checkpoints);
            m_queue.end_group();
        } catch (...) {
            m_queue.abort_group(); // what was committed before stays, with its checkpoints
            throw;
        }
        task.finish();
        m_task = nullptr;
        return std::move(m_result);
    }

private:
    void begin_transaction()
    {
        m_queue.begin_group();
        m_transaction_events = 0;
        m_transaction_start = std::chrono::steady_clock::now();
    }

    // Commits the open transaction when it is large or old enough (so that a concurrent upload
    // never waits long for the queue), and starts the next.
    void maybe_commit_transaction()
    {
        if (m_transaction_events >= m_options.transaction_events ||
            std::chrono::steady_clock::now() - m_transaction_start >= k_transaction_time) {
            m_queue.end_group();
            begin_transaction();
        }
    }

    // Throws Interrupted after a signal, once what was read is committed.
    void stop_point(const char* what)
    {
        if (interrupt::received() != 0) {
            m_queue.end_group();
        }
        interrupt::check(what);
    }

    // Returns false when collection must pause (queue full).
    bool read_file(const SourceFile& f, const queue::Checkpoint* cp)
    {
        File file(f.path);
        struct stat st{};
        if (!file.ok() || ::fstat(file.fd(), &st) != 0) {
            if (errno != ENOENT) {
                m_reporter.warn(fmt::format("cannot read {}: {}", f.path, std::strerror(errno)));
            }
            return true;
        }
        queue::Checkpoint next;
        next.path = f.path;
        next.source = std::string(kind_name(f.kind));
        next.dev = static_cast<std::int64_t>(st.st_dev);
        next.inode = static_cast<std::int64_t>(st.st_ino);
        next.size = st.st_size;
        next.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
        ++m_result.files_read;
        const bool settled = time::now() - next.mtime_ns / 1000 >
                             std::chrono::duration_cast<std::chrono::microseconds>(m_options.settle).count();
        if (f.format == Format::jsonl) {
            return read_lines(f, file, cp, next, settled);
        }
        return read_document(f, file, cp, next, settled);
    }

    bool read_lines(const SourceFile& f, const File& file, const queue::Checkpoint* cp, queue::Checkpoint next,
                    bool settled)
    {
        std::int64_t offset = 0;
        std::int64_t line_no = 0;
        std::string state;
        if (cp != nullptr) {
            const bool same_file = cp->dev == next.dev && cp->inode == next.inode;
            if (same_file && next.size >= cp->offset && head_hash(file, cp->offset) == cp->head_hash) {
                offset = cp->offset;
                line_no = cp->line;
                state = cp->state;
            } else {
                ++m_result.restarted;
                m_reporter.debug(fmt::format("{} was {}: reading it again from the start", f.path,
                                             !same_file ? "replaced" : next.size < cp->offset ? "truncated" : "rewritten"));
            }
        }
        auto parser = make_line_parser(f.kind, f.path);
        parser->restore(state);
        Emitter out(f.path, m_identities, m_options.parse);
        // BUFFER holds LENGTH bytes read and not consumed yet (the start of a line), then the next chunk.
        std::unique_ptr<char[]> buffer;
        std::size_t capacity = 0;
        std::size_t length = 0;
        std::int64_t read_pos = offset;
        for (;;) {
            if (capacity - length < k_chunk) {
                capacity = std::max(capacity * 2, length + k_chunk);
                std::unique_ptr<char[]> bigger(new char[capacity]);
                if (length > 0) {
                    std::memcpy(bigger.get(), buffer.get(), length);
                }
                buffer = std::move(bigger);
            }
            const std::size_t got = file.read_into(read_pos, buffer.get() + length, k_chunk);
            if (got == 0) {
                break;
            }
            read_pos += static_cast<std::int64_t>(got);
            length += got;
            const std::string_view pending(buffer.get(), length);
            std::size_t start = 0;
            for (;;) {
                const auto nl = pending.find('\n', start);
                if (nl == std::string::npos) {
                    break;
                }
                std::string_view line(pending.data() + start, nl - start);
                ++line_no;
                if (!line.empty() && line.back() == '\r') {
                    line.remove_suffix(1);
                }
                if (line.find_first_not_of(" \t") != std::string_view::npos) {
                    parser->parse_line(line, line_no, out);
                }
                offset += static_cast<std::int64_t>(nl - start + 1);
                m_result.bytes += static_cast<std::int64_t>(nl - start + 1);
                ++m_result.lines;
                start = nl + 1;
                if (out.items.size() >= m_options.batch_events) {
                    next.offset = offset;
                    next.line = line_no;
                    if (!commit(f, file, out, *parser, next)) {
                        return false;
                    }
                    stop_point("collection stopped between batches; what was read is queued");
                }
            }
            std::memmove(buffer.get(), buffer.get() + start, length - start);
            length -= start;
        }
        const std::string pending(buffer.get(), length);
        // A last line without its newline: consumed once the file has settled and it is complete JSON.
        [[maybe_unused]] bool tail_left = false;
        if (!pending.empty() && pending.find_first_not_of(" \t\r") != std::string::npos) {
            if (settled && nlohmann::json::accept(pending)) {
                ++line_no;
                parser->parse_line(pending, line_no, out);
                offset += static_cast<std::int64_t>(pending.size());
                m_result.bytes += static_cast<std::int64_t>(pending.size());
                ++m_result.lines;
            } else {
                tail_left = true;
            }
        }
        next.offset = offset;
        next.line = line_no;
        return commit(f, file, out, *parser, next);
    }

    bool read_document(const SourceFile& f, const File& file, const queue::Checkpoint* cp, queue::Checkpoint next,
                       bool settled)
    {
        const std::string content = file.read_at(0, static_cast<std::size_t>(next.size));
        next.content_hash = sha256_hex(content);
        next.offset = static_cast<std::int64_t>(content.size());
        Emitter out(f.path, m_identities, m_options.parse);
        if (cp == nullptr || cp->content_hash != next.content_hash) {
            if (f.format == Format::document && !settled && !nlohmann::json::accept(content)) {
                m_reporter.debug(fmt::format("{} is being written: reading it on the next pass", f.path));
                return true; // VS Code is saving it: wait for the complete document
            }
            make_copilot_parser(copilot_workspace_folder(f.path), f.format == Format::mutation_log)->parse(content, out);
            m_result.bytes += static_cast<std::int64_t>(content.size());
        }
        struct NoState : LineParser
        {
            void parse_line(std::string_view, std::int64_t, Emitter&) override {}
        } none;
        return commit(f, file, out, none, next);
    }

    // Commits OUT's events with checkpoint NEXT; false (nothing committed) when the queue is full.
    bool commit(const SourceFile& f, const File& file, Emitter& out, const LineParser& parser, queue::Checkpoint& next)
    {
        std::int64_t bytes = 0;
        for (const auto& item : out.items) {
            bytes += static_cast<std::int64_t>(item.event.data.size() + item.event.context.size() + 64);
        }
        if (m_options.max_queue_bytes > 0 && m_queued_bytes > 0 && m_queued_bytes + bytes > m_options.max_queue_bytes) {
            m_result.paused = true;
            return false;
        }
        if (f.format == Format::jsonl) {
            next.head_hash = head_hash(file, next.offset);
            next.state = parser.state();
        }
        queue::Checkpoint stored = next;
        if (f.format == Format::jsonl) {
            // The size read up to: a file not read to its end (a batch, a half-written last line)
            // never looks unchanged to the next pass.
            stored.size = next.offset;
        }
        const auto identities = m_identities.referenced(out.items);
        const auto stats = m_queue.commit(out.items, stored, identities);
        m_transaction_events += out.items.size();
        m_queued_bytes += bytes;
        m_result.events.inserted += stats.inserted;
        m_result.events.updated += stats.updated;
        m_result.events.corrections += stats.corrections;
        m_result.events.duplicates += stats.duplicates;
        for (const auto& [kind, n] : out.unknown_kinds) {
            m_result.unknown_kinds[fmt::format("{}: {}", kind_name(f.kind), kind)] += n;
        }
        m_result.malformed += out.malformed_count;
        for (auto& line : out.malformed_lines) {
            if (m_result.malformed_lines.size() < 20) {
                m_result.malformed_lines.push_back(std::move(line));
            }
        }
        if (m_task != nullptr) {
            m_task->add(static_cast<std::uint64_t>(stats.inserted),
                        static_cast<std::uint64_t>(m_result.bytes - m_bytes_reported));
            m_bytes_reported = m_result.bytes;
        }
        out.items.clear();
        out.unknown_kinds.clear();
        out.malformed_lines.clear();
        out.malformed_count = 0;
        maybe_commit_transaction();
        return true;
    }

    void forget_missing(const std::vector<SourceFile>& files, const std::map<std::string, queue::Checkpoint>& checkpoints)
    {
        std::set<std::string_view> present;
        for (const auto& f : files) {
            present.insert(f.path);
        }
        for (const auto& [path, cp] : checkpoints) {
            if (present.count(path) != 0) {
                continue;
            }
            struct stat st{};
            const bool under_root = std::any_of(m_options.roots.begin(), m_options.roots.end(), [&](const SourceRoot& r) {
                return path == r.path || path.starts_with(r.path + "/");
            });
            if (under_root && ::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
                m_queue.forget(path);
                ++m_result.forgotten;
            }
        }
    }

    queue::Queue& m_queue;
    Identities& m_identities;
    const CollectOptions& m_options;
    Reporter& m_reporter;
    Task* m_task = nullptr;
    std::int64_t m_queued_bytes = 0;
    std::int64_t m_bytes_reported = 0;
    std::size_t m_transaction_events = 0;
    std::chrono::steady_clock::time_point m_transaction_start;
    CollectResult m_result;
};

} // namespace

std::unique_ptr<LineParser> make_line_parser(Kind kind, const std::string& path)
{
    switch (kind) {
    case Kind::claude_code:
        return make_claude_code_parser();
    case Kind::codex:
        return make_codex_parser(path);
    case Kind::ndjson:
        return make_ndjson_parser();
    case Kind::copilot:
        break;
    }
    throw std::logic_error("no line parser for Copilot chat sessions");
}

CollectResult collect_once(queue::Queue& queue, Identities& identities, const CollectOptions& options, Reporter& reporter)
{
    return Pass(queue, identities, options, reporter).run();
}

} // namespace devlog::collect
