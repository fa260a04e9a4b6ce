#pragma once
// Fresh, uniquely named databases on the test servers that scripts/test starts: plain PostgreSQL
// (DEVLOG_TEST_PG_URL) and PostgreSQL with TimescaleDB (DEVLOG_TEST_TSDB_URL, with the versions
// in DEVLOG_TEST_TSDB_VERSIONS), dropped at the end of the test. Tests using them run in parallel.

#include "lib/db/database.hpp"

#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace devlog::test {

// The test servers.
enum class Server { postgres, timescaledb };

// A required environment variable; fails the test when scripts/test did not set it.
inline std::string harness_env(const char* name)
{
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        FAIL(name << " is not set: run the suite through scripts/test");
    }
    return value;
}

// The superuser URL (database postgres) of a test server.
inline std::string admin_url(Server server = Server::postgres)
{
    return harness_env(server == Server::postgres ? "DEVLOG_TEST_PG_URL" : "DEVLOG_TEST_TSDB_URL");
}

// The TimescaleDB versions of the TimescaleDB test server, newest (the default) first.
inline std::vector<std::string> timescaledb_versions()
{
    std::istringstream in(harness_env("DEVLOG_TEST_TSDB_VERSIONS"));
    std::vector<std::string> versions;
    for (std::string v; in >> v;) {
        versions.push_back(v);
    }
    return versions;
}

// A fresh database on the plain PostgreSQL test server (base of TimescaleDatabase).
class TempDatabase
{
public:
    TempDatabase()
        : TempDatabase(Server::postgres)
    {
    }
    TempDatabase(const TempDatabase&) = delete;
    TempDatabase& operator=(const TempDatabase&) = delete;
    ~TempDatabase()
    {
        try {
            pqxx::connection admin(admin_url(m_server));
            pqxx::nontransaction tx(admin);
            tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(m_name) + " WITH (FORCE)");
        } catch (...) { // NOLINT(bugprone-empty-catch): best effort
        }
    }

    // Settings that connect to this database.
    db::ConnectSettings settings() const
    {
        db::ConnectSettings s;
        s.source = {url(), "test"};
        return s;
    }
    db::Database open() const { return db::Database::open(settings()); }
    // A plain pqxx connection to this database, for checks.
    std::unique_ptr<pqxx::connection> raw() const { return std::make_unique<pqxx::connection>(url()); }
    // The admin URL's server and credentials with this database, in key=value form.
    std::string url() const
    {
        char* err = nullptr;
        PQconninfoOption* opts = PQconninfoParse(admin_url(m_server).c_str(), &err);
        PQfreemem(err);
        std::string out;
        for (auto* o = opts; o != nullptr && o->keyword != nullptr; ++o) {
            if (o->val != nullptr && std::string(o->keyword) != "dbname") {
                out += std::string(o->keyword) + "='" + o->val + "' ";
            }
        }
        PQconninfoFree(opts);
        return out + "dbname='" + m_name + "'";
    }

protected:
    explicit TempDatabase(Server server)
        : m_server(server)
    {
        static std::atomic<int> counter{0};
        m_name = "t_lib_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        pqxx::connection admin(admin_url(m_server));
        pqxx::nontransaction tx(admin);
        tx.exec("CREATE DATABASE " + tx.quote_name(m_name));
    }

private:
    Server m_server;
    std::string m_name;
};

// A fresh database on the TimescaleDB test server with `CREATE EXTENSION timescaledb VERSION
// version` done (default: the newest the server has). Fails the test for a version the server
// does not have.
class TimescaleDatabase : public TempDatabase
{
public:
    explicit TimescaleDatabase(std::string version = timescaledb_versions().at(0))
        : TempDatabase(Server::timescaledb)
        , m_version(std::move(version))
    {
        const auto versions = timescaledb_versions();
        if (std::find(versions.begin(), versions.end(), m_version) == versions.end()) {
            FAIL("TimescaleDB " << m_version << " is not on the test server (DEVLOG_TEST_TSDB_VERSIONS)");
        }
        auto conn = raw();
        pqxx::nontransaction tx(*conn);
        tx.exec("CREATE EXTENSION timescaledb VERSION " + tx.quote(m_version));
    }

    const std::string& version() const { return m_version; }

private:
    std::string m_version;
};

// A temporary directory of migration files, removed at the end.
class MigrationDir
{
public:
    MigrationDir()
    {
        static std::atomic<int> counter{0};
        m_path = std::filesystem::temp_directory_path() /
                 ("devlog-mig-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::create_directories(m_path);
    }
    ~MigrationDir() { std::filesystem::remove_all(m_path); }
    MigrationDir(const MigrationDir&) = delete;
    MigrationDir& operator=(const MigrationDir&) = delete;
    void write(const std::string& name, const std::string& content) const { std::ofstream(m_path / name) << content; }
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

// The first column of the first row QUERY returns on C, as text; "" for NULL or no rows.
inline std::string scalar(pqxx::connection& c, const std::string& query)
{
    pqxx::nontransaction tx(c);
    const auto r = tx.exec(query);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
}

} // namespace devlog::test
