#pragma once
// Session-level advisory locks that keep two devlogctl processes from doing the same maintenance
// of one schema at once (maintain, partition setup). The loser is told who holds the lock.

#include "lib/db/runner.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace devlog::partition {

// Lock keys: one per kind of work (the second key is the schema's hash).
inline constexpr std::int32_t k_maintain_lock = 0x646c6d6e;  // "dlmn"
inline constexpr std::int32_t k_setup_lock = 0x646c7073;     // "dlps"

// Who holds a lock: "server pid 1234 (devlogctl, since 2025-01-31T10:00:00.000000Z)".
struct Holder
{
    int pid = 0;
    std::string application;
    std::string since; // when its session started (ISO-8601), "" when not visible
    std::string text() const;
};

// Holds KEY for SCHEMA on the runner's session until destroyed (then unlocks; the server also
// drops it with the session).
class AdvisoryLock
{
public:
    // Takes the lock without waiting; nullptr when another session holds it.
    static std::unique_ptr<AdvisoryLock> try_take(db::Runner& runner, std::int32_t key, std::string_view schema);
    // The session holding KEY for SCHEMA in this database, if any.
    static std::optional<Holder> holder(db::Runner& runner, std::int32_t key, std::string_view schema);
    ~AdvisoryLock();
    AdvisoryLock(const AdvisoryLock&) = delete;
    AdvisoryLock& operator=(const AdvisoryLock&) = delete;

private:
    AdvisoryLock(db::Runner& runner, std::int32_t key, std::string schema);
    db::Runner& m_runner;
    std::int32_t m_key;
    std::string m_schema;
};

} // namespace devlog::partition
