#pragma once
// A fresh, uniquely named database on the PostgreSQL test server (DEVLOG_TEST_PG_URL), dropped at
// the end of the test. Tests using it can run in parallel.

#include "lib/db/database.hpp"

#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <pqxx/pqxx>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace devlog::test {

inline std::string admin_url()
{
    const char* url = std::getenv("DEVLOG_TEST_PG_URL");
    if (url == nullptr || *url == '\0') {
        FAIL("DEVLOG_TEST_PG_URL is not set: run the suite through scripts/test");
    }
    return url;
}

class TempDatabase
{
public:
    TempDatabase()
    {
        static std::atomic<int> counter{0};
        m_name = "t_lib_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        pqxx::connection admin(admin_url());
        pqxx::nontransaction tx(admin);
        tx.exec("CREATE DATABASE " + tx.quote_name(m_name));
    }
    TempDatabase(const TempDatabase&) = delete;
    TempDatabase& operator=(const TempDatabase&) = delete;
    ~TempDatabase()
    {
        try {
            pqxx::connection admin(admin_url());
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
        PQconninfoOption* opts = PQconninfoParse(admin_url().c_str(), &err);
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

private:
    std::string m_name;
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

} // namespace devlog::test
