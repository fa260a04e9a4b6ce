#pragma once
// The collector's local queue: one SQLite database (WAL) holding the events waiting for upload, a
// checkpoint per agent log file, a ledger of every event id collected (so copies and re-reads never
// enqueue an event twice, and a response whose usage grows keeps its id and first timestamp), and
// the identities (projects, workspaces, machine) the events refer to. No PostgreSQL here.

#include "lib/events/event.hpp"
#include "lib/queue/sqlite.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace devlog::queue {

struct Statements;

// One collected event and where it belongs. PROJECT and WORKSPACE are identity keys (see
// Identity); the server's integer project id is looked up on upload.
struct Item
{
    events::Event event;
    std::string project;
    std::string workspace; // empty: none
    // The size of the event's usage: the ledger keeps the copy with the largest (llm_response).
    std::int64_t tokens = 0;
};

// A project, workspace or machine description, as JSON, under a stable key.
struct Identity
{
    std::string key;
    std::string kind; // "project", "workspace", "machine"
    std::string json;
};

// Where reading a file stopped. For append-only logs OFFSET is the byte after the last complete
// line consumed and HEAD_HASH the hash of the file's first bytes (a rewrite changes it); for
// documents rewritten whole CONTENT_HASH is the hash of what was parsed. STATE is the parser's own
// JSON (Codex's cumulative totals).
struct Checkpoint
{
    std::string path;
    std::string source;
    std::int64_t dev = 0;
    std::int64_t inode = 0;
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t offset = 0;
    std::int64_t line = 0;
    std::string head_hash;
    std::string content_hash;
    std::string state;
};

struct CommitStats
{
    std::int64_t inserted = 0;    // new events queued
    std::int64_t updated = 0;     // queued events whose usage grew (updated in place)
    std::int64_t corrections = 0; // uploaded events whose usage grew (queued as corrections)
    std::int64_t duplicates = 0;  // copies of events already collected
};

// Where a claimed row is, and which version of it was claimed.
struct RowKey
{
    std::int64_t seq = 0;
    std::int64_t rev = 0;
};

// A queued event as upload takes it.
struct Row
{
    std::int64_t seq = 0;
    std::int64_t rev = 0;
    bool correction = false; // the server may hold an older copy: upsert when larger
    Item item;
};

struct Status
{
    std::int64_t events = 0;
    std::int64_t corrections = 0;
    std::int64_t bytes = 0; // of queued events
    std::optional<time::Micros> oldest;
    std::int64_t rejected = 0;
    std::int64_t ledger = 0;
    std::int64_t files = 0;
    std::int64_t file_bytes = 0; // the SQLite file and its WAL on disk
    std::map<std::string, std::string> meta; // last_upload_at, last_error, ...
};

class Queue
{
public:
    // $XDG_STATE_HOME/devlogctl/queue.db, or ~/.local/state/devlogctl/queue.db.
    static std::string default_path();

    // Opens or creates the queue at PATH (its directory is created, mode 0700). Throws Error naming
    // the file when it cannot be opened or was written by a newer devlogctl.
    explicit Queue(const std::string& path);
    ~Queue();
    Queue(const Queue&) = delete;
    Queue& operator=(const Queue&) = delete;

    const std::string& path() const { return m_db.path(); }

    std::optional<Checkpoint> checkpoint(const std::string& file);
    std::vector<Checkpoint> checkpoints();

    // In one transaction: records IDENTITIES, queues ITEMS through the ledger (a new id is queued;
    // a known id with larger tokens updates the queued copy in place, or is queued as a correction
    // once uploaded, keeping its first timestamp; anything else is a duplicate), and stores CP.
    // Items are changed in place (timestamp of the first copy).
    CommitStats commit(std::span<Item> items, const Checkpoint& cp, std::span<const Identity> identities);

    // Drops the checkpoint of a file that no longer exists (its events stay).
    void forget(const std::string& file);

    // Makes the next commit() and forget() calls join one SQLite transaction until end_group()
    // commits them together: a pass over many small files then writes each page of the ledger
    // once, not once per file. When one of them throws, the whole group is rolled back.
    void begin_group();
    // Commits the open group, if any.
    void end_group();
    // Rolls back the open group, if any (never throws: for error paths).
    void abort_group() noexcept;

    // Up to MAX queued events after seq AFTER, oldest first, marked as attempted (a later change to
    // one of them turns it into a correction). An upload that keeps batches in flight claims the
    // next ones after the last seq it holds.
    std::vector<Row> claim(std::size_t max, std::int64_t after = 0);
    // The same, each row given to EACH as it is read (one in memory at a time; EACH may keep it by
    // moving it), without holding the queue's write lock while EACH runs. The rows are marked
    // before EACH sees them (when EACH throws, they stay marked: a later change makes them a
    // correction, which the server also takes as a new event). Returns how many rows there were.
    std::size_t claim(std::size_t max, std::int64_t after, const std::function<void(Row&)>& each);
    // How many events are queued, counting up to MAX (0: all; cheap for a small MAX). Cheaper than
    // status(), which also counts the ledger.
    std::size_t count(std::size_t max = 0);
    // Deletes ROWS that the server committed, unless they changed since claim().
    void acknowledge(std::span<const Row> rows);
    void acknowledge(std::span<const RowKey> rows);
    // The queued row SEQ as it is now, if it is still queued.
    std::optional<Row> queued(std::int64_t seq);
    // Moves ROW out of the queue into the rejected table with REASON (kept for people to see).
    void reject(const Row& row, const std::string& reason);

    // The identities with these KEYS (missing ones are left out).
    std::map<std::string, Identity> identities(const std::vector<std::string>& keys);

    // Gives back the memory SQLite's page cache and freed heap hold (a daemon between passes).
    void release_memory() noexcept;

    std::int64_t queued_bytes();
    Status status();
    void set_meta(const std::string& key, const std::string& value);
    std::optional<std::string> meta(const std::string& key);

private:
    void migrate();
    // Runs BODY in the open group, or in a transaction of its own.
    template <typename F> void write(F&& body);
    // Queues ITEM as a new row with SEQ.
    void insert_queued(const Item& item, bool correction, std::int64_t seq);
    // The id of ITEM's row in places, inserted when this queue does not know it yet.
    std::int64_t place_of(const Item& item);
    // Forgets the places known (after a rollback, or when they were deleted).
    void forget_places() noexcept;

    struct Place
    {
        std::int64_t id = 0;
        std::string project, workspace, context;
    };
    static constexpr std::size_t k_places_cached = 256;
    Connection m_db;
    std::unique_ptr<Statements> m_st;
    bool m_group = false;
    std::int64_t m_next_seq = 0; // during commit(): the seq of the next correction
    // The places this queue inserted or found, by project NUL workspace NUL context (valid while
    // no transaction that inserted one was rolled back), and the last one used.
    std::unordered_map<std::string, Place> m_places;
    const Place* m_last_place = nullptr;
};

} // namespace devlog::queue
