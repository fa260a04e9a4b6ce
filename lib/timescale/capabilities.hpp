#pragma once
// What the server offers for TimescaleDB, detected once per command, and the one place that knows
// which API names each version has: the compression API (2.13 - 2.17) or the columnstore API
// (2.18+, where add_columnstore_policy, convert_to_columnstore and friends are procedures called
// with CALL that return nothing). The planner asks Api for SQL; nothing else branches on versions.

#include "lib/db/runner.hpp"

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::timescale {

struct Version
{
    int major = 0;
    int minor = 0;
    int patch = 0;
    // "2.17.2", "2.18.0-dev", "2.28": nullopt for anything else.
    static std::optional<Version> parse(std::string_view text);
    std::string str() const;
    auto operator<=>(const Version&) const = default;
};

// The oldest version devlogctl drives (finalized continuous aggregates, _timescaledb_functions).
inline constexpr Version k_oldest_supported{2, 13, 0};
// The first version with the columnstore API.
inline constexpr Version k_columnstore_api{2, 18, 0};

struct Capabilities
{
    std::string server_version;              // "15.18"
    int server_version_num = 0;              // 150018
    std::optional<Version> available;        // default_version in pg_available_extensions: on the server
    std::optional<Version> installed;        // extversion in pg_extension: created in this database
    std::string extension_schema = "public"; // where its API functions live
    std::string shared_preload_libraries;
    bool superuser = false;
    // Read from pg_proc when installed, predicted from `available` otherwise.
    bool columnstore_api = false; // add_columnstore_policy exists (2.18+)
    bool job_errors_view = false; // timescaledb_information.job_errors exists

    // shared_preload_libraries lists timescaledb, so the extension can load.
    bool preloaded() const;
    // The version whose API a command uses: installed, else the one CREATE EXTENSION would install.
    std::optional<Version> effective() const;
};

// True when the comma-separated SETTING (shared_preload_libraries) names timescaledb, however it
// is quoted or spaced.
bool lists_timescaledb(std::string_view setting);

// Why TimescaleDB cannot be used on this server or database, and what an operator does about it.
struct Unavailable
{
    std::string message;
    std::string hint;
};

enum class Need
{
    server,    // the server must offer it (setup creates the extension)
    installed, // the extension must exist in this database
};

// nullopt when TimescaleDB is usable for NEED; otherwise the reason (not on the server, not in
// shared_preload_libraries, not created in the database, older than k_oldest_supported).
std::optional<Unavailable> unavailable(const Capabilities& caps, Need need);

// Reads the capabilities of the database RUNNER is connected to. Works without TimescaleDB.
Capabilities detect(db::Runner& runner);

// One statement as the planner produces it and the applier runs it.
struct Statement
{
    std::string sql;
    std::vector<db::Param> params;
    bool autocommit = false; // cannot run in a transaction block (CALL of a procedure, refresh)
    // An error with this SQLSTATE whose message contains `done_message` means the work is done
    // already (a policy compressed the chunk meanwhile): not a failure. Empty: none.
    std::string done_sqlstate = {};
    std::string done_message = {};
};

// SQL with each $N replaced by its value as a literal: what --dry-run shows (never run).
std::string render(const Statement& statement);

// The version-dependent SQL. TABLE and CHUNK are regclass texts (quoted, schema-qualified); values
// are bound parameters.
class Api
{
  public:
    explicit Api(const Capabilities& caps);

    bool columnstore() const { return m_columnstore; }
    // "columnstore" (2.18+) or "compression", for step names and messages.
    std::string_view word() const { return m_columnstore ? "columnstore" : "compression"; }
    // ALTER TABLE ... SET: compression on with SEGMENT_BY and ORDER_BY (the option values as they
    // go into the string literal), or off.
    Statement enable_compression(const std::string& table, const std::string& segment_by,
                                 const std::string& order_by) const;
    Statement disable_compression(const std::string& table) const;
    Statement add_compression_policy(const std::string& table, const std::string& after) const;
    Statement remove_compression_policy(const std::string& table) const;
    Statement compress_chunk(const std::string& chunk) const;
    Statement decompress_chunk(const std::string& chunk) const;
    // public.add_retention_policy etc.: NAME qualified with the extension's schema.
    std::string function(std::string_view name) const;

  private:
    bool m_columnstore;
    std::string m_schema;
};

} // namespace devlog::timescale
