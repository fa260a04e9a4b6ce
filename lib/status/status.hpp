#pragma once
// `devlogctl status`: a health check of the devlog database for people and monitors. Each check
// (server, migrations, TimescaleDB, and later plain-PostgreSQL partitions and rollups) looks at
// one area and adds items to the report; an item that is a problem makes the database unhealthy
// and carries a one-line reason and what to do. Add a check: implement Check, list it in
// default_checks().

#include "lib/core/time.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::db {
class Database;
class Runner;
} // namespace devlog::db

namespace devlog::status {

enum class Health
{
    ok,
    info,    // worth knowing, nothing wrong
    warning, // worth acting on, still healthy
    problem, // unhealthy: `status` exits 7
};
const char* to_string(Health health);

struct Item
{
    std::string check;   // the area: "server", "migrations", "timescaledb", "job", "aggregate", ...
    std::string subject; // what in it: "agent_events", "job 1000", ...
    Health health = Health::ok;
    std::string detail; // the state, one line
    std::string reason; // warning/problem: what is wrong, one line
    std::string hint;   // warning/problem: what to do about it
};

class Report
{
  public:
    void add(Item item) { m_items.push_back(std::move(item)); }
    const std::vector<Item>& items() const { return m_items; }
    std::size_t count(Health health) const;
    bool healthy() const { return count(Health::problem) == 0; }

  private:
    std::vector<Item> m_items;
};

// What a check looks with: one connection, a Runner on it, the server's clock.
struct Probe
{
    db::Database& db;
    db::Runner& runner;
    time::Micros now = 0;
};

class Check
{
  public:
    virtual ~Check() = default;
    virtual std::string_view name() const = 0;
    // Adds this area's items to REPORT. A failing query may throw: the report then gets a problem
    // item "could not check NAME" and the other checks still run.
    virtual void run(Probe& probe, Report& report) const = 0;
};

// The checks `status` runs, in order.
std::vector<std::unique_ptr<Check>> default_checks();

// Runs CHECKS against DB. Throws only when the connection is lost or the command is interrupted.
Report run(db::Database& db, const std::vector<std::unique_ptr<Check>>& checks);

} // namespace devlog::status
