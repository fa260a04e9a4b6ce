#pragma once
// Loads batches of events into agent_events over one connection, as fast as the server takes
// them and exactly once: the import command runs one per worker, the collector's upload one.
//
//   importer::EventWriter writer(db);            // db: a db::Database of its own
//   importer::Batch batch;                       // reuse it: clear() keeps its memory
//   for (const events::Event& e : events) { batch.add(e); }
//   const auto result = writer.write(batch);     // committed when it returns
//   batch.clear();
//
// Each write() is one transaction: all rows of the batch are in the table when it returns, none
// when it throws. Rows whose primary key is already there count as duplicates, never as errors,
// so sending a batch twice (a retry after a crash, a re-run) inserts nothing the second time.

#include "lib/core/errors.hpp"
#include "lib/importer/batch.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace devlog::db {
class Database;
}

namespace devlog::importer {

struct WriterOptions
{
    // The table, unqualified (the search_path decides, as for the migrations).
    std::string table = "agent_events";
    // How often a batch that hit a deadlock or serialization failure is tried again (whole).
    int retries = 5;
    // For a caller that may insert into the table but not read it (the collector's writer role):
    // a function, schema-qualified, that the staging path asks which keys exist, called as
    // FN(ids uuid[], from timestamptz, to timestamptz) and returning the (id, "timestamp") pairs
    // among IDS already in the table. Empty: the staging path reads the table (its primary key).
    std::string existing_keys_function;
};

// A row of a batch that the server refused (a constraint or a value it cannot store).
struct RefusedRow
{
    std::size_t row = 0;  // index in the batch
    std::string message;  // the server's message with its SQLSTATE
};

struct WriteResult
{
    std::uint64_t inserted = 0;
    std::uint64_t duplicates = 0; // key already in the table, or twice in the batch
    std::vector<RefusedRow> refused;
    bool via_staging = false; // the fast path hit a duplicate or a refused row
};

// More rows of a batch were refused by the server than the caller allowed: nothing of the batch
// was loaded. row() is the index in the batch of the refusal that went over the limit.
class RowRefused : public InputError
{
public:
    RowRefused(std::size_t row, const std::string& message)
        : InputError(message), m_row(row)
    {
    }
    std::size_t row() const noexcept { return m_row; }

private:
    std::size_t m_row;
};

class EventWriter
{
public:
    // Writes through DB (which it uses alone while it lives). Nothing is sent yet.
    explicit EventWriter(db::Database& db, WriterOptions options = {});
    ~EventWriter();
    EventWriter(const EventWriter&) = delete;
    EventWriter& operator=(const EventWriter&) = delete;

    // Loads BATCH in one transaction. Fast path: one binary COPY into the table. When that hits a
    // duplicate key (or a row the server refuses), the batch is redone through a temporary staging
    // table: rows whose primary key exists are left out, the rest inserted with ON CONFLICT DO
    // NOTHING; refused rows are found by bisection and left out, up to MAX_REFUSED of them (then
    // RowRefused, nothing loaded). Deadlocks are retried. Throws SqlError, ConnectionLost,
    // Interrupted (the statement was cancelled on the server; nothing of the batch was loaded).
    WriteResult write(const Batch& batch, std::size_t max_refused = 0);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace devlog::importer
