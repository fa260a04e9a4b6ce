#include "lib/queue/queue.hpp"

#include "lib/core/crash_point.hpp"
#include "lib/core/errors.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <filesystem>
#include <malloc.h>
#include <sys/stat.h>

namespace devlog::queue {

namespace {

// 1: project, workspace and context on every queued row. 2: in places, stored once.
constexpr int k_schema_version = 2;

// The queued events' columns (k_schema and k_upgrade_1_to_2 name them {events}).
constexpr const char* k_events_table = R"sql(
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id BLOB NOT NULL, rev INTEGER NOT NULL DEFAULT 0,
    attempted INTEGER NOT NULL DEFAULT 0, correction INTEGER NOT NULL DEFAULT 0,
    ts INTEGER NOT NULL, event_type TEXT NOT NULL, agent_id TEXT NOT NULL, agent_version TEXT NOT NULL,
    session_id BLOB NOT NULL, place INTEGER NOT NULL,
    data TEXT NOT NULL, metrics TEXT, parent_id BLOB, related TEXT, tags TEXT, severity TEXT,
    tokens INTEGER NOT NULL, bytes INTEGER NOT NULL)sql";

constexpr const char* k_schema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, source TEXT NOT NULL, dev INTEGER NOT NULL, inode INTEGER NOT NULL,
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, offset INTEGER NOT NULL, line INTEGER NOT NULL,
    head_hash TEXT NOT NULL, content_hash TEXT NOT NULL, state TEXT NOT NULL, updated_at INTEGER NOT NULL);
-- Every event id collected: its first timestamp, its largest usage, and its queued row (seq) if any.
CREATE TABLE IF NOT EXISTS ledger (id BLOB PRIMARY KEY, ts INTEGER NOT NULL, tokens INTEGER NOT NULL, seq INTEGER)
    WITHOUT ROWID;
-- What many queued events share (identity keys of their project and workspace, their context
-- object), stored once: half a Claude Code event's size. Emptied when the queue is.
CREATE TABLE IF NOT EXISTS places (
    id INTEGER PRIMARY KEY, project TEXT NOT NULL, workspace TEXT NOT NULL, context TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events ({events});
CREATE TABLE IF NOT EXISTS rejected (
    id BLOB PRIMARY KEY, rejected_at INTEGER NOT NULL, reason TEXT NOT NULL, event TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS identities (key TEXT PRIMARY KEY, kind TEXT NOT NULL, json TEXT NOT NULL);
)sql";

// Format 1 to 2: the places of the queued rows, the rows rewritten to refer to them. The
// AUTOINCREMENT counter is carried over by the caller (a seq is never given twice: the ledger
// refers to queued rows by seq).
constexpr const char* k_upgrade_1_to_2 = R"sql(
CREATE TABLE places (
    id INTEGER PRIMARY KEY, project TEXT NOT NULL, workspace TEXT NOT NULL, context TEXT NOT NULL);
INSERT INTO places (project, workspace, context) SELECT DISTINCT project, workspace, context FROM events;
CREATE UNIQUE INDEX places_upgrade ON places (project, workspace, context);
CREATE TABLE events_2 ({events});
INSERT INTO events_2 (seq, id, rev, attempted, correction, ts, event_type, agent_id, agent_version, session_id,
                      place, data, metrics, parent_id, related, tags, severity, tokens, bytes)
    SELECT e.seq, e.id, e.rev, e.attempted, e.correction, e.ts, e.event_type, e.agent_id, e.agent_version,
           e.session_id, p.id, e.data, e.metrics, e.parent_id, e.related, e.tags, e.severity, e.tokens, e.bytes
    FROM events e JOIN places p ON p.project = e.project AND p.workspace = e.workspace AND p.context = e.context;
DROP INDEX places_upgrade;
DROP TABLE events;
ALTER TABLE events_2 RENAME TO events;
)sql";

// The columns of a queued row that commit() binds (bind_event), after seq, id and correction.
constexpr const char* k_event_columns = "ts, event_type, agent_id, agent_version, session_id, place, data, metrics, "
                                        "parent_id, related, tags, severity, tokens, bytes";

std::optional<std::string> json_array(const std::optional<std::vector<std::string>>& values)
{
    if (!values) {
        return std::nullopt;
    }
    return nlohmann::json(*values).dump();
}

std::optional<std::vector<std::string>> parse_array(const std::optional<std::string>& text)
{
    if (!text) {
        return std::nullopt;
    }
    return nlohmann::json::parse(*text).get<std::vector<std::string>>();
}

Uuid uuid_of(std::string_view blob)
{
    Uuid id;
    if (blob.size() == 16) {
        std::copy(blob.begin(), blob.end(), id.bytes.begin());
    }
    return id;
}

std::int64_t size_of(const Item& item)
{
    const auto& e = item.event;
    return static_cast<std::int64_t>(64 + e.event_type.size() + e.agent_id.size() + e.agent_version.size() +
                                     item.project.size() + item.workspace.size() + e.context.size() + e.data.size() +
                                     (e.metrics ? e.metrics->size() : 0));
}

// Binds the event columns of ITEM, of place PLACE, from index FIRST on (k_event_columns order), by
// reference: ITEM must outlive the statement's run.
void bind_event(Statement& st, int first, const Item& item, std::int64_t place)
{
    const auto& e = item.event;
    st.bind(first, e.timestamp);
    st.bind_ref(first + 1, std::string_view(e.event_type));
    st.bind_ref(first + 2, std::string_view(e.agent_id));
    st.bind_ref(first + 3, std::string_view(e.agent_version));
    st.bind_blob_ref(first + 4, e.session_id.bytes.data(), 16);
    st.bind(first + 5, place);
    st.bind_ref(first + 6, std::string_view(e.data));
    st.bind_ref(first + 7, e.metrics);
    if (e.parent_event_id) {
        st.bind_blob_ref(first + 8, e.parent_event_id->bytes.data(), 16);
    } else {
        st.bind_null(first + 8);
    }
    st.bind(first + 9, json_array(e.related_event_ids)); // copied: a temporary
    st.bind(first + 10, json_array(e.tags));
    st.bind_ref(first + 11, e.severity);
    st.bind(first + 12, item.tokens);
    st.bind(first + 13, size_of(item));
}

std::string xdg_state_home()
{
    if (const char* state = std::getenv("XDG_STATE_HOME"); state != nullptr && *state == '/') {
        return state;
    }
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') {
        throw UsageError("cannot find the queue: neither XDG_STATE_HOME nor HOME is set", "give one with --queue PATH");
    }
    return std::string(home) + "/.local/state";
}

} // namespace

struct Statements
{
    Statement get_checkpoint, put_checkpoint, ledger_insert, ledger_get, ledger_update, update_queued,
        insert_queued, put_identity, next_seq, insert_place, any_queued;
};

std::string Queue::default_path()
{
    return xdg_state_home() + "/devlogctl/queue.db";
}

Queue::Queue(const std::string& path)
    : m_db([&] {
          const auto dir = std::filesystem::path(path).parent_path();
          if (!dir.empty() && !std::filesystem::exists(dir)) {
              std::error_code ec;
              std::filesystem::create_directories(dir, ec);
              if (ec) {
                  throw Error(fmt::format("cannot create the queue's directory {}: {}", dir.string(), ec.message()),
                              "choose another place with --queue PATH");
              }
              ::chmod(dir.c_str(), 0700);
          }
          return path;
      }())
{
    // 16 MB of page cache: a pass writes many pages, and reading them back from the WAL costs more.
    m_db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=4000;");
    migrate();
    m_st.reset(new Statements{
        m_db.prepare("SELECT path, source, dev, inode, size, mtime_ns, offset, line, head_hash, content_hash, state "
                     "FROM files WHERE path = ?"),
        m_db.prepare("INSERT INTO files (path, source, dev, inode, size, mtime_ns, offset, line, head_hash, "
                     "content_hash, state, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(path) DO UPDATE "
                     "SET source=excluded.source, dev=excluded.dev, inode=excluded.inode, size=excluded.size, "
                     "mtime_ns=excluded.mtime_ns, offset=excluded.offset, line=excluded.line, "
                     "head_hash=excluded.head_hash, content_hash=excluded.content_hash, state=excluded.state, "
                     "updated_at=excluded.updated_at"),
        m_db.prepare("INSERT INTO ledger (id, ts, tokens, seq) VALUES (?,?,?,?) ON CONFLICT(id) DO NOTHING"),
        m_db.prepare("SELECT ts, tokens, seq FROM ledger WHERE id = ?"),
        m_db.prepare("UPDATE ledger SET tokens = ?, seq = ? WHERE id = ?"),
        m_db.prepare("UPDATE events SET ts=?, event_type=?, agent_id=?, agent_version=?, session_id=?, place=?, "
                     "data=?, metrics=?, parent_id=?, related=?, tags=?, severity=?, tokens=?, bytes=?, "
                     "rev = rev + 1, correction = (correction OR attempted) WHERE seq = ?"),
        m_db.prepare(fmt::format("INSERT INTO events (seq, id, correction, {}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                 k_event_columns)),
        m_db.prepare("INSERT INTO identities (key, kind, json) VALUES (?,?,?) ON CONFLICT(key) DO UPDATE SET "
                     "kind=excluded.kind, json=excluded.json WHERE json <> excluded.json"),
        m_db.prepare("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0), "
                     "coalesce((SELECT max(seq) FROM events), 0))"),
        m_db.prepare("INSERT INTO places (project, workspace, context) VALUES (?,?,?)"),
        m_db.prepare("SELECT EXISTS (SELECT 1 FROM events)"),
    });
}

Queue::~Queue()
{
    abort_group();
}

void Queue::migrate()
{
    auto version = m_db.prepare("PRAGMA user_version");
    version.step();
    const auto current = version.int64(0);
    version.reset();
    if (current > k_schema_version) {
        throw Error(fmt::format("the queue {} was written by a newer devlogctl (queue format {}, this one knows {})",
                                m_db.path(), current, k_schema_version),
                    "upgrade devlogctl, or use another queue with --queue");
    }
    if (current == k_schema_version) {
        return;
    }
    m_db.transaction([&] {
        // Read again under the write lock: another process may have upgraded it meanwhile.
        auto again = m_db.prepare("PRAGMA user_version");
        again.step();
        const auto now = again.int64(0);
        again.reset();
        if (now == k_schema_version) {
            return;
        }
        if (now == 1) {
            auto read = m_db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'events'");
            const std::int64_t counter = read.step() ? read.int64(0) : 0;
            read.reset();
            m_db.exec(fmt::format(fmt::runtime(k_upgrade_1_to_2), fmt::arg("events", k_events_table)));
            auto keep = m_db.prepare("INSERT INTO sqlite_sequence (name, seq) SELECT 'events', ? WHERE NOT EXISTS "
                                     "(SELECT 1 FROM sqlite_sequence WHERE name = 'events')");
            keep.bind(1, counter).run();
            auto raise = m_db.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'events'");
            raise.bind(1, counter).run();
        }
        m_db.exec(fmt::format(fmt::runtime(k_schema), fmt::arg("events", k_events_table)));
        m_db.exec(fmt::format("PRAGMA user_version = {}", k_schema_version));
    });
}

std::int64_t Queue::place_of(const Item& item)
{
    const auto& e = item.event;
    if (m_last_place && m_last_place->project == item.project && m_last_place->workspace == item.workspace &&
        m_last_place->context == e.context) {
        return m_last_place->id;
    }
    std::string key;
    key.reserve(item.project.size() + item.workspace.size() + e.context.size() + 2);
    key.append(item.project).append(1, '\0').append(item.workspace).append(1, '\0').append(e.context);
    auto it = m_places.find(key);
    if (it == m_places.end()) {
        if (m_places.size() >= k_places_cached) {
            m_last_place = nullptr;
            m_places.clear(); // a source with a context per event (NDJSON): one place each, never looked up again
        }
        m_st->insert_place.bind_ref(1, std::string_view(item.project))
            .bind_ref(2, std::string_view(item.workspace))
            .bind_ref(3, std::string_view(e.context))
            .run();
        const std::int64_t id = sqlite3_last_insert_rowid(m_db.handle());
        it = m_places.emplace(std::move(key), Place{id, item.project, item.workspace, e.context}).first;
    }
    m_last_place = &it->second;
    return it->second.id;
}

void Queue::forget_places() noexcept
{
    m_last_place = nullptr;
    m_places.clear();
}

std::optional<Checkpoint> Queue::checkpoint(const std::string& file)
{
    auto& st = m_st->get_checkpoint;
    st.bind(1, std::string_view(file));
    std::optional<Checkpoint> out;
    if (st.step()) {
        out = Checkpoint{st.text(0),  st.text(1),  st.int64(2), st.int64(3), st.int64(4), st.int64(5),
                         st.int64(6), st.int64(7), st.text(8),  st.text(9),  st.text(10)};
    }
    st.reset();
    return out;
}

std::vector<Checkpoint> Queue::checkpoints()
{
    auto st = m_db.prepare("SELECT path, source, dev, inode, size, mtime_ns, offset, line, head_hash, content_hash, "
                           "state FROM files ORDER BY path");
    std::vector<Checkpoint> out;
    while (st.step()) {
        out.push_back(Checkpoint{st.text(0), st.text(1), st.int64(2), st.int64(3), st.int64(4), st.int64(5),
                                 st.int64(6), st.int64(7), st.text(8), st.text(9), st.text(10)});
    }
    return out;
}

template <typename F> void Queue::write(F&& body)
{
    if (!m_group) {
        try {
            m_db.transaction(body);
        } catch (...) {
            forget_places(); // places inserted by the rolled-back transaction are gone
            throw;
        }
        crash::point("queue.committed");
        return;
    }
    try {
        body();
    } catch (...) {
        abort_group();
        throw;
    }
    crash::point("queue.grouped");
}

void Queue::begin_group()
{
    if (!m_group) {
        m_db.exec("BEGIN IMMEDIATE");
        m_group = true;
    }
}

void Queue::end_group()
{
    if (m_group) {
        try {
            m_db.exec("COMMIT");
        } catch (...) {
            abort_group();
            throw;
        }
        m_group = false;
        crash::point("queue.committed");
    }
}

void Queue::abort_group() noexcept
{
    if (m_group) {
        m_group = false;
        m_db.rollback_quietly();
        forget_places(); // places inserted by the rolled-back transaction are gone
    }
}

CommitStats Queue::commit(std::span<Item> items, const Checkpoint& cp, std::span<const Identity> identities)
{
    CommitStats stats;
    write([&] {
        stats = {};
        for (const auto& identity : identities) {
            m_st->put_identity.bind(1, std::string_view(identity.key))
                .bind(2, std::string_view(identity.kind))
                .bind(3, std::string_view(identity.json))
                .run();
        }
        // An empty queue needs no places: they are dropped (the ones remembered with them) before
        // they pile up. Only a collector writes places, one at a time (collect's lock).
        m_st->any_queued.step();
        const bool queued = m_st->any_queued.int64(0) != 0;
        m_st->any_queued.reset();
        if (!queued) {
            m_db.exec("DELETE FROM places");
            forget_places();
        }

        // The seqs of this commit's rows: item I, when it is a new id's first copy, queues with seq
        // BASE + I (AUTOINCREMENT's next values; this transaction holds the write lock; gaps are
        // harmless), so that a new id costs one ledger insert instead of a lookup and an insert;
        // corrections follow from BASE + N.
        m_st->next_seq.step();
        const std::int64_t base = m_st->next_seq.int64(0) + 1;
        m_st->next_seq.reset();
        m_next_seq = base + static_cast<std::int64_t>(items.size());

        // Pass 1, in id order (each ledger page is visited once per commit, not once per event, on a
        // ledger whose keys are random): one ledger insert per id. The copies of a new id in this
        // batch (a streaming response's snapshots, the records of one message) end as one queued
        // row: the copy with the largest usage, the first copy's timestamp. NEW_ROW[I] names the
        // copy item I (a first copy) queues; KNOWN ids are handled one copy at a time below.
        std::vector<std::uint32_t> order(items.size());
        for (std::size_t i = 0; i < items.size(); ++i) {
            order[i] = static_cast<std::uint32_t>(i);
        }
        std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
            const auto c = std::memcmp(items[a].event.id.bytes.data(), items[b].event.id.bytes.data(), 16);
            return c != 0 ? c < 0 : a < b;
        });
        constexpr std::uint32_t k_known = std::numeric_limits<std::uint32_t>::max();
        constexpr std::uint32_t k_copy = k_known - 1; // a later copy of a new id: counted, not queued
        std::vector<std::uint32_t> new_row(items.size(), k_copy);
        for (std::size_t g = 0; g < order.size();) {
            std::size_t end = g + 1;
            while (end < order.size() && items[order[end]].event.id.bytes == items[order[g]].event.id.bytes) {
                ++end;
            }
            const std::uint32_t first = order[g];
            std::uint32_t final_index = first;
            for (std::size_t k = g + 1; k < end; ++k) {
                if (items[order[k]].tokens > items[final_index].tokens) {
                    final_index = order[k];
                }
            }
            auto& item = items[first];
            m_st->ledger_insert.bind_blob_ref(1, item.event.id.bytes.data(), 16)
                .bind(2, item.event.timestamp)
                .bind(3, items[final_index].tokens)
                .bind(4, base + first)
                .run();
            if (m_db.changes() == 1) { // a new id: counted as the one-at-a-time path counts them
                ++stats.inserted;
                new_row[first] = final_index;
                std::int64_t seen = item.tokens;
                for (std::size_t k = g + 1; k < end; ++k) {
                    auto& copy = items[order[k]];
                    if (copy.tokens > seen) {
                        seen = copy.tokens;
                        copy.event.timestamp = item.event.timestamp;
                        ++stats.updated;
                    } else {
                        ++stats.duplicates;
                    }
                }
            } else {
                for (std::size_t k = g; k < end; ++k) {
                    new_row[order[k]] = k_known;
                }
            }
            g = end;
        }

        // Pass 2, in the order read: new rows (ascending seqs: appended to the events table) and
        // the copies of known ids. Only a new row's rev differs from the one-at-a-time path (0, not
        // one per update): rev matters between claim and acknowledge, and no row of this batch is
        // claimed yet.
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (new_row[i] == k_copy) {
                continue;
            }
            auto& item = items[i];
            if (new_row[i] != k_known) {
                insert_queued(items[new_row[i]], false, base + static_cast<std::int64_t>(i));
                continue;
            }
            const auto& id = item.event.id.bytes;
            auto& get = m_st->ledger_get;
            get.bind_blob_ref(1, id.data(), 16);
            get.step();
            const auto first_ts = get.int64(0);
            const auto known_tokens = get.int64(1);
            const std::optional<std::int64_t> queued_seq = !get.is_null(2) ? std::optional(get.int64(2)) : std::nullopt;
            get.reset();
            if (item.tokens <= known_tokens) {
                ++stats.duplicates;
                continue;
            }
            item.event.timestamp = first_ts; // an event keeps the timestamp it was first queued with
            std::int64_t seq = 0;
            if (queued_seq) {
                auto& upd = m_st->update_queued;
                bind_event(upd, 1, item, place_of(item));
                upd.bind(15, *queued_seq);
                upd.run();
            }
            if (queued_seq && m_db.changes() == 1) {
                seq = *queued_seq;
                ++stats.updated;
            } else {
                seq = m_next_seq++;
                insert_queued(item, true, seq); // uploaded already: the server gets a correction
                ++stats.corrections;
            }
            m_st->ledger_update.bind(1, item.tokens).bind(2, seq).bind_blob(3, id.data(), 16).run();
        }
        m_st->put_checkpoint.bind(1, std::string_view(cp.path))
            .bind(2, std::string_view(cp.source))
            .bind(3, cp.dev)
            .bind(4, cp.inode)
            .bind(5, cp.size)
            .bind(6, cp.mtime_ns)
            .bind(7, cp.offset)
            .bind(8, cp.line)
            .bind(9, std::string_view(cp.head_hash))
            .bind(10, std::string_view(cp.content_hash))
            .bind(11, std::string_view(cp.state))
            .bind(12, time::now())
            .run();
    });
    return stats;
}

void Queue::insert_queued(const Item& item, bool correction, std::int64_t seq)
{
    auto& ins = m_st->insert_queued;
    ins.bind(1, seq).bind_blob_ref(2, item.event.id.bytes.data(), 16).bind(3, std::int64_t{correction ? 1 : 0});
    bind_event(ins, 4, item, place_of(item));
    ins.run();
}

void Queue::forget(const std::string& file)
{
    write([&] {
        auto st = m_db.prepare("DELETE FROM files WHERE path = ?");
        st.bind(1, std::string_view(file)).run();
    });
}

namespace {

constexpr const char* k_select_rows =
    "SELECT e.seq, e.rev, e.correction, e.id, e.ts, e.event_type, e.agent_id, e.agent_version, e.session_id, "
    "p.project, p.workspace, p.context, e.data, e.metrics, e.parent_id, e.related, e.tags, e.severity, e.tokens "
    "FROM events e LEFT JOIN places p ON p.id = e.place WHERE {}";

// The row ST (a k_select_rows statement of the queue at PATH) is on.
Row read_row(Statement& st, const std::string& path)
{
    Row row;
    row.seq = st.int64(0);
    if (st.is_null(9)) { // never written so: a row is queued in the transaction that stores its place
        throw Error(fmt::format("the queue {} is damaged: its event {} has lost its project and context", path,
                                row.seq),
                    "move the queue aside and collect again: events already uploaded are not duplicated");
    }
    row.rev = st.int64(1);
    row.correction = st.int64(2) != 0;
    auto& item = row.item;
    auto& e = item.event;
    e.id = uuid_of(st.blob(3));
    e.timestamp = st.int64(4);
    e.event_type = st.text(5);
    e.agent_id = st.text(6);
    e.agent_version = st.text(7);
    e.session_id = uuid_of(st.blob(8));
    item.project = st.text(9);
    item.workspace = st.text(10);
    e.context = st.text(11);
    e.data = st.text(12);
    e.metrics = st.opt_text(13);
    if (!st.is_null(14)) {
        e.parent_event_id = uuid_of(st.blob(14));
    }
    e.related_event_ids = parse_array(st.opt_text(15));
    e.tags = parse_array(st.opt_text(16));
    e.severity = st.opt_text(17);
    item.tokens = st.int64(18);
    return row;
}

} // namespace

std::vector<Row> Queue::claim(std::size_t max, std::int64_t after)
{
    std::vector<Row> rows;
    claim(max, after, [&](Row& row) { rows.push_back(std::move(row)); });
    return rows;
}

std::size_t Queue::claim(std::size_t max, std::int64_t after, const std::function<void(Row&)>& each)
{
    // Marked first, in a short write transaction; read after, without the write lock (the caller
    // may talk to a server for each row, and a collector must not wait for that). A row changed in
    // between is read as changed, already a correction.
    std::int64_t last = 0;
    m_db.transaction([&] {
        auto range = m_db.prepare("SELECT max(seq) FROM (SELECT seq FROM events WHERE seq > ? ORDER BY seq LIMIT ?)");
        range.bind(1, after).bind(2, static_cast<std::int64_t>(max));
        range.step();
        last = range.is_null(0) ? 0 : range.int64(0);
        range.reset();
        if (last > 0) {
            auto mark = m_db.prepare("UPDATE events SET attempted = 1 WHERE seq > ? AND seq <= ? AND attempted = 0");
            mark.bind(1, after).bind(2, last).run();
        }
    });
    if (last == 0) {
        return 0;
    }
    std::size_t claimed = 0;
    auto st = m_db.prepare(fmt::format(k_select_rows, "e.seq > ? AND e.seq <= ? ORDER BY e.seq"));
    st.bind(1, after).bind(2, last);
    while (st.step()) {
        Row row = read_row(st, m_db.path());
        each(row);
        ++claimed;
    }
    return claimed;
}

std::size_t Queue::count(std::size_t max)
{
    auto st = m_db.prepare("SELECT count(*) FROM (SELECT 1 FROM events LIMIT ?)");
    st.bind(1, max == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(max)); // LIMIT -1: none
    st.step();
    return static_cast<std::size_t>(st.int64(0));
}

std::optional<Row> Queue::queued(std::int64_t seq)
{
    auto st = m_db.prepare(fmt::format(k_select_rows, "e.seq = ?"));
    st.bind(1, seq);
    if (!st.step()) {
        return std::nullopt;
    }
    return read_row(st, m_db.path());
}

void Queue::acknowledge(std::span<const Row> rows)
{
    std::vector<RowKey> keys;
    keys.reserve(rows.size());
    for (const auto& row : rows) {
        keys.push_back({row.seq, row.rev});
    }
    acknowledge(keys);
}

void Queue::acknowledge(std::span<const RowKey> rows)
{
    m_db.transaction([&] {
        auto st = m_db.prepare("DELETE FROM events WHERE seq = ? AND rev = ?");
        for (const auto& row : rows) {
            st.bind(1, row.seq).bind(2, row.rev).run();
        }
    });
}

void Queue::reject(const Row& row, const std::string& reason)
{
    const auto& e = row.item.event;
    nlohmann::json event = {{"id", e.id.str()},
                            {"timestamp", time::format_iso8601(e.timestamp)},
                            {"eventType", e.event_type},
                            {"agentId", e.agent_id},
                            {"agentVersion", e.agent_version},
                            {"sessionId", e.session_id.str()},
                            {"project", row.item.project},
                            {"context", nlohmann::json::parse(e.context, nullptr, false)},
                            {"data", nlohmann::json::parse(e.data, nullptr, false)}};
    if (e.metrics) {
        event["metrics"] = nlohmann::json::parse(*e.metrics, nullptr, false);
    }
    m_db.transaction([&] {
        auto ins = m_db.prepare("INSERT OR REPLACE INTO rejected (id, rejected_at, reason, event) VALUES (?,?,?,?)");
        ins.bind_blob(1, e.id.bytes.data(), 16).bind(2, time::now()).bind(3, std::string_view(reason));
        ins.bind(4, std::string_view(event.dump())).run();
        auto del = m_db.prepare("DELETE FROM events WHERE seq = ?");
        del.bind(1, row.seq).run();
    });
}

std::map<std::string, Identity> Queue::identities(const std::vector<std::string>& keys)
{
    std::map<std::string, Identity> out;
    auto st = m_db.prepare("SELECT key, kind, json FROM identities WHERE key = ?");
    for (const auto& key : keys) {
        st.bind(1, std::string_view(key));
        if (st.step()) {
            out[key] = Identity{st.text(0), st.text(1), st.text(2)};
        }
        st.reset();
    }
    return out;
}

void Queue::release_memory() noexcept
{
    sqlite3_db_release_memory(m_db.handle());
    ::malloc_trim(0);
}

std::int64_t Queue::queued_bytes()
{
    auto st = m_db.prepare("SELECT coalesce(sum(bytes), 0) FROM events");
    st.step();
    return st.int64(0);
}

Status Queue::status()
{
    Status s;
    auto q = m_db.prepare("SELECT count(*), coalesce(sum(correction), 0), coalesce(sum(bytes), 0), min(ts) FROM events");
    q.step();
    s.events = q.int64(0);
    s.corrections = q.int64(1);
    s.bytes = q.int64(2);
    if (!q.is_null(3)) {
        s.oldest = q.int64(3);
    }
    auto count = [&](const char* sql) {
        auto st = m_db.prepare(sql);
        st.step();
        return st.int64(0);
    };
    s.rejected = count("SELECT count(*) FROM rejected");
    s.ledger = count("SELECT count(*) FROM ledger");
    s.files = count("SELECT count(*) FROM files");
    for (const char* suffix : {"", "-wal"}) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(path() + suffix, ec);
        s.file_bytes += ec ? 0 : static_cast<std::int64_t>(size);
    }
    auto meta = m_db.prepare("SELECT key, value FROM meta ORDER BY key");
    while (meta.step()) {
        s.meta[meta.text(0)] = meta.text(1);
    }
    return s;
}

void Queue::set_meta(const std::string& key, const std::string& value)
{
    auto st = m_db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    st.bind(1, std::string_view(key)).bind(2, std::string_view(value)).run();
}

std::optional<std::string> Queue::meta(const std::string& key)
{
    auto st = m_db.prepare("SELECT value FROM meta WHERE key = ?");
    st.bind(1, std::string_view(key));
    if (st.step()) {
        return st.text(0);
    }
    return std::nullopt;
}

} // namespace devlog::queue
