// gen-events: realistic agent_events traffic for benchmarks and demos, on stdout or in a file.
// Projects, developers' sessions with an agent (Claude Code, Copilot, Codex, Cursor), and in each
// session what agents do: prompts, model responses with token usage, tool calls on real-looking
// file paths, commands, tests, builds, searches, errors, commits. Deterministic for a seed.
// Standalone (no devlogctl code), so the query and collect benchmarks can use it too.
//
//   gen-events [--events N] [--projects N] [--days D] [--end YYYY-MM-DD] [--seed S]
//              [--format ndjson|csv|json] [--keys camel|snake] [--project-ref id|name|url]
//              [--no-ids] [--projects-sql FILE] [-o FILE]
//
// csv is what `COPY agent_events (id, timestamp, ..., severity) FROM STDIN (FORMAT csv, HEADER)`
// reads (psql's \copy), with the same rows as the ndjson of the same seed; --projects-sql writes
// the INSERTs for the projects the events refer to (ids 1..N).
#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options
{
    std::uint64_t events = 100'000;
    int projects = 20;
    int days = 30;
    std::string end = "2026-01-01";
    std::uint64_t seed = 42;
    std::string format = "ndjson";
    bool snake = false;
    std::string project_ref = "id";
    bool ids = true;
    std::string projects_sql;
    std::string output;
};

// splitmix64: fast, good enough, reproducible everywhere.
struct Random
{
    std::uint64_t state;
    std::uint64_t next()
    {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }
    double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
    bool chance(double p) { return unit() < p; }
    template <typename T, std::size_t N> const T& pick(const std::array<T, N>& items) { return items[below(N)]; }
    std::string uuid()
    {
        const std::uint64_t a = next();
        const std::uint64_t b = next();
        return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xFFFF, a & 0xFFF,
                           0x8000 | ((b >> 48) & 0x3FFF), b & 0xFFFFFFFFFFFFULL);
    }
};

constexpr std::array<std::string_view, 12> k_owners = {"acme", "globex", "initech", "umbrella", "hooli", "stark",
                                                       "wayne", "tyrell", "cyberdyne", "soylent", "aperture", "wonka"};
constexpr std::array<std::string_view, 16> k_repos = {"payments-api", "web-frontend", "mobile-app", "data-pipeline",
                                                      "auth-service", "infra", "devlog", "search", "billing",
                                                      "notifications", "ml-models", "design-system", "cli", "docs",
                                                      "gateway", "analytics"};
constexpr std::array<std::string_view, 14> k_dirs = {"src", "src/api", "src/components", "src/lib", "lib/core",
                                                     "internal/handlers", "pkg/store", "tests", "tests/integration",
                                                     "scripts", "migrations", "app/models", "cmd/server", "docs"};
constexpr std::array<std::string_view, 16> k_files = {"index.ts", "server.go", "handler.py", "store.rs", "App.tsx",
                                                      "utils.ts", "main.cpp", "config.yaml", "schema.sql",
                                                      "auth_test.go", "README.md", "client.py", "router.ts",
                                                      "models.py", "Cargo.toml", "package.json"};
constexpr std::array<std::string_view, 10> k_commands = {
    "npm test", "go test ./...", "pytest -q", "cargo build --release", "make -j8", "git status",
    "git diff --stat", "npm run lint", "docker compose up -d", "ls -la"};
constexpr std::array<std::string_view, 8> k_branches = {"main", "develop", "feature/login", "fix/race-condition",
                                                        "feature/import-speed", "chore/deps", "feature/search",
                                                        "hotfix/payments"};
constexpr std::array<std::string_view, 6> k_searches = {"TODO", "handleRequest", "func main", "import React",
                                                        "SELECT .* FROM", "retry"};

struct Agent
{
    std::string_view id;
    std::string_view version;
    std::array<std::string_view, 3> models;
    double weight;
};
constexpr std::array<Agent, 4> k_agents = {{
    {"claude-code", "2.1.14", {"claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"}, 0.5},
    {"github-copilot", "1.312.0", {"gpt-4.1", "claude-sonnet-4-5", "gpt-5-mini"}, 0.25},
    {"codex", "0.58.0", {"gpt-5-codex", "gpt-5", "gpt-5-mini"}, 0.15},
    {"cursor", "2.0.43", {"cursor-small", "claude-sonnet-4-5", "gpt-5"}, 0.10},
}};
constexpr std::array<std::string_view, 9> k_tools = {"Read", "Edit", "Bash", "Grep", "Glob", "Write", "TodoWrite",
                                                     "WebFetch", "Task"};

struct Project
{
    int id;
    std::string owner;
    std::string repo;
};

struct Event
{
    std::string id;
    std::int64_t micros = 0; // since the epoch
    std::string_view type;
    const Agent* agent = nullptr;
    std::string session;
    const Project* project = nullptr;
    std::string context; // JSON object text
    std::string data;
    std::string metrics; // empty: NULL
    std::vector<std::string_view> tags;
    std::string_view severity; // empty: NULL
};

std::string iso(std::int64_t micros)
{
    const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1'000'000);
}

std::int64_t parse_day(const std::string& day)
{
    std::tm tm{};
    if (std::sscanf(day.c_str(), "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) {
        std::fprintf(stderr, "gen-events: --end wants YYYY-MM-DD\n");
        std::exit(2);
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000;
}

// Writes events in one format to a FILE, buffered.
class Writer
{
public:
    Writer(std::FILE* out, const Options& o) : m_out(out), m_o(o) { m_buffer.reserve(1 << 22); }
    void begin()
    {
        if (m_o.format == "csv") {
            m_buffer += "id,timestamp,event_type,agent_id,agent_version,session_id,project_id,context,data,metrics,"
                        "parent_event_id,related_event_ids,tags,severity\n";
        } else if (m_o.format == "json") {
            m_buffer += "[\n";
        }
    }
    void write(const Event& e)
    {
        if (m_o.format == "csv") {
            csv(e);
        } else {
            if (m_o.format == "json" && m_count > 0) {
                m_buffer += ",\n";
            }
            json(e);
            if (m_o.format == "ndjson") {
                m_buffer += '\n';
            }
        }
        ++m_count;
        if (m_buffer.size() > (1 << 22) - 8192) {
            flush();
        }
    }
    void end()
    {
        if (m_o.format == "json") {
            m_buffer += "\n]\n";
        }
        flush();
    }

private:
    void flush()
    {
        if (std::fwrite(m_buffer.data(), 1, m_buffer.size(), m_out) != m_buffer.size()) {
            std::perror("gen-events: write");
            std::exit(1);
        }
        m_buffer.clear();
    }
    std::string_view key(std::string_view camel, std::string_view snake) const { return m_o.snake ? snake : camel; }
    void json(const Event& e)
    {
        auto out = std::back_inserter(m_buffer);
        m_buffer += '{';
        if (m_o.ids) {
            fmt::format_to(out, "\"id\":\"{}\",", e.id);
        }
        fmt::format_to(out, "\"timestamp\":\"{}\",\"{}\":\"{}\",\"{}\":\"{}\",\"{}\":\"{}\",\"{}\":\"{}\",", iso(e.micros),
                       key("eventType", "event_type"), e.type, key("agentId", "agent_id"), e.agent->id,
                       key("agentVersion", "agent_version"), e.agent->version, key("sessionId", "session_id"), e.session);
        if (m_o.project_ref == "name") {
            fmt::format_to(out, "\"project\":\"{}/{}\",", e.project->owner, e.project->repo);
        } else if (m_o.project_ref == "url") {
            fmt::format_to(out, "\"project\":\"https://github.com/{}/{}\",", e.project->owner, e.project->repo);
        } else {
            fmt::format_to(out, "\"{}\":{},", key("projectId", "project_id"), e.project->id);
        }
        fmt::format_to(out, "\"context\":{},\"data\":{}", e.context, e.data);
        if (!e.metrics.empty()) {
            fmt::format_to(out, ",\"metrics\":{}", e.metrics);
        }
        if (!e.tags.empty()) {
            m_buffer += ",\"tags\":[";
            for (std::size_t i = 0; i < e.tags.size(); ++i) {
                fmt::format_to(out, "{}\"{}\"", i > 0 ? "," : "", e.tags[i]);
            }
            m_buffer += ']';
        }
        if (!e.severity.empty()) {
            fmt::format_to(out, ",\"severity\":\"{}\"", e.severity);
        }
        m_buffer += '}';
    }
    void csv_quoted(std::string_view text)
    {
        m_buffer += '"';
        for (const char c : text) {
            if (c == '"') {
                m_buffer += '"';
            }
            m_buffer += c;
        }
        m_buffer += '"';
    }
    void csv(const Event& e)
    {
        auto out = std::back_inserter(m_buffer);
        fmt::format_to(out, "{},{},{},{},{},{},{},", m_o.ids ? e.id : "", iso(e.micros), e.type, e.agent->id,
                       e.agent->version, e.session, e.project->id);
        csv_quoted(e.context);
        m_buffer += ',';
        csv_quoted(e.data);
        m_buffer += ',';
        if (!e.metrics.empty()) {
            csv_quoted(e.metrics);
        }
        m_buffer += ",,,"; // after metrics: parent_event_id and related_event_ids, NULL
        if (!e.tags.empty()) {
            m_buffer += "\"{";
            for (std::size_t i = 0; i < e.tags.size(); ++i) {
                fmt::format_to(out, "{}{}", i > 0 ? "," : "", e.tags[i]);
            }
            m_buffer += "}\"";
        }
        m_buffer += ',';
        m_buffer += e.severity;
        m_buffer += '\n';
    }

    std::FILE* m_out;
    const Options& m_o;
    std::string m_buffer;
    std::uint64_t m_count = 0;
};

// One developer session with one agent on one project: the events it produces, in time order.
class Session
{
public:
    Session(Random& random, const std::vector<Project>& projects, std::int64_t start)
        : m_random(random), m_time(start), m_length(10 + random.below(100))
    {
        double r = m_random.unit();
        m_agent = &k_agents.back();
        for (const auto& agent : k_agents) {
            if (r < agent.weight) {
                m_agent = &agent;
                break;
            }
            r -= agent.weight;
        }
        m_project = &projects[m_random.below(projects.size())];
        m_id = m_random.uuid();
        m_model = m_random.pick(m_agent->models);
        m_branch = m_random.pick(k_branches);
        m_machine = fmt::format("dev-{:02}", m_random.below(40));
        m_context = fmt::format(R"({{"cwd":"/home/{}/src/{}","branch":"{}","model":"{}","machine":"{}","os":"linux"}})",
                                m_machine, m_project->repo, m_branch, m_model, m_machine);
    }

    // The next event of the session; false after session_end.
    bool next(Event& e)
    {
        if (m_ended) {
            return false;
        }
        e.metrics.clear();
        e.tags.clear();
        e.severity = {};
        e.agent = m_agent;
        e.project = m_project;
        e.session = m_id;
        e.context = m_context;
        e.id = m_random.uuid();
        m_time += static_cast<std::int64_t>(200'000 + m_random.below(20'000'000)); // 0.2 s .. 20 s later
        e.micros = m_time;
        if (m_step == 0) {
            e.type = "session_start";
            e.data = fmt::format(R"({{"source":"startup","permissionMode":"default","gitRemote":"git@github.com:{}/{}.git"}})",
                                 m_project->owner, m_project->repo);
        } else if (m_step >= m_length) {
            e.type = "session_end";
            e.data = fmt::format(R"({{"reason":"exit","turns":{},"durationMs":{}}})", m_turns, m_step * 4200);
            m_ended = true;
        } else {
            activity(e);
        }
        ++m_step;
        return true;
    }

private:
    std::string file()
    {
        return fmt::format("/home/{}/src/{}/{}/{}", m_machine, m_project->repo, m_random.pick(k_dirs), m_random.pick(k_files));
    }

    void activity(Event& e)
    {
        const double r = m_random.unit();
        if (r < 0.12) {
            ++m_turns;
            e.type = "llm_request";
            e.data = fmt::format(R"({{"model":"{}","promptChars":{},"attachments":{},"turn":{}}})", m_model,
                                 100 + m_random.below(4000), m_random.below(4), m_turns);
        } else if (r < 0.30) {
            e.type = "llm_response";
            const std::uint64_t prompt = 50 + m_random.below(3000);
            const std::uint64_t response = 20 + m_random.below(2500);
            const std::uint64_t cache_read = m_random.below(120'000);
            const std::uint64_t cache_creation = m_random.below(8'000);
            const double duration = 400.0 + static_cast<double>(m_random.below(30'000)) / 1.7;
            const double cost = static_cast<double>(prompt * 3 + response * 15) / 1e6 +
                                static_cast<double>(cache_read) * 0.3 / 1e6 + static_cast<double>(cache_creation) * 3.75 / 1e6;
            e.data = fmt::format(R"({{"model":"{}","stopReason":"{}","messageId":"msg_{:016x}","requestId":"req_{:016x}"}})",
                                 m_model, m_random.chance(0.7) ? "tool_use" : "end_turn", m_random.next(), m_random.next());
            e.metrics = fmt::format(R"({{"promptTokens":{},"responseTokens":{},"cacheReadTokens":{},"cacheCreationTokens":{},"tokenCount":{},"durationMs":{:.1f},"cost":{:.6f}}})",
                                    prompt, response, cache_read, cache_creation, prompt + response + cache_read + cache_creation,
                                    duration, cost);
        } else if (r < 0.62) {
            e.type = "tool_use";
            const std::string_view tool = m_random.pick(k_tools);
            std::string input;
            if (tool == "Bash") {
                input = fmt::format(R"("command":"{}")", m_random.pick(k_commands));
            } else if (tool == "Grep") {
                input = fmt::format(R"("pattern":"{}","path":"/home/{}/src/{}")", m_random.pick(k_searches), m_machine, m_project->repo);
            } else if (tool == "WebFetch") {
                input = R"("url":"https://docs.example.com/api/v2/reference")";
            } else if (tool == "Task" || tool == "TodoWrite") {
                input = fmt::format(R"("description":"step {} of the plan")", m_random.below(9) + 1);
            } else {
                input = fmt::format(R"("filePath":"{}")", file());
            }
            e.data = fmt::format(R"({{"toolName":"{}","toolUseId":"toolu_{:020x}",{},"success":{},"durationMs":{}}})", tool,
                                 m_random.next(), input, m_random.chance(0.96) ? "true" : "false", 5 + m_random.below(9000));
            e.metrics = fmt::format(R"({{"durationMs":{}}})", 5 + m_random.below(9000));
        } else if (r < 0.74) {
            e.type = "file_read";
            e.data = fmt::format(R"({{"filePath":"{}","lines":{},"bytes":{}}})", file(), 10 + m_random.below(900),
                                 200 + m_random.below(40'000));
        } else if (r < 0.84) {
            e.type = m_random.chance(0.15) ? "file_create" : "file_write";
            e.data = fmt::format(R"({{"filePath":"{}","linesAdded":{},"linesRemoved":{},"language":"{}"}})", file(),
                                 m_random.below(120), m_random.below(60), m_random.chance(0.5) ? "typescript" : "go");
        } else if (r < 0.90) {
            e.type = "command_execute";
            e.data = fmt::format(R"({{"command":"{}","exitCode":{},"cwd":"/home/{}/src/{}"}})", m_random.pick(k_commands),
                                 m_random.chance(0.9) ? 0 : 1, m_machine, m_project->repo);
            e.metrics = fmt::format(R"({{"durationMs":{}}})", 20 + m_random.below(120'000));
        } else if (r < 0.93) {
            e.type = m_random.chance(0.6) ? "test_run" : "build_trigger";
            const std::uint64_t passed = m_random.below(400);
            const std::uint64_t failed = m_random.chance(0.8) ? 0 : m_random.below(5);
            e.data = fmt::format(R"({{"command":"{}","passed":{},"failed":{},"framework":"{}"}})", m_random.pick(k_commands),
                                 passed, failed, m_random.chance(0.5) ? "jest" : "go test");
            if (failed > 0) {
                e.severity = "warning";
            }
        } else if (r < 0.96) {
            e.type = "search_performed";
            e.data = fmt::format(R"({{"query":"{}","matches":{},"scope":"workspace"}})", m_random.pick(k_searches),
                                 m_random.below(250));
        } else if (r < 0.98) {
            e.type = "error_encountered";
            e.severity = "error";
            e.data = fmt::format(R"({{"errorType":"{}","message":"{}","filePath":"{}"}})",
                                 m_random.chance(0.5) ? "tool_error" : "api_error",
                                 m_random.chance(0.5) ? "File has not been read yet. Read it first before writing to it."
                                                      : "Overloaded: please retry",
                                 file());
            e.tags = {"error"};
        } else if (r < 0.99) {
            e.type = "commit_created";
            e.data = fmt::format(R"({{"sha":"{:040x}","message":"fix: handle empty input","filesChanged":{}}})",
                                 m_random.next(), 1 + m_random.below(12));
        } else {
            e.type = "user_interaction";
            e.data = R"({"kind":"approval","approved":true})";
        }
        if (e.tags.empty() && m_random.chance(0.2)) {
            e.tags = {m_branch == "main" ? "main" : "branch", m_agent->id};
        }
    }

    Random& m_random;
    const Agent* m_agent = nullptr;
    const Project* m_project = nullptr;
    std::string m_id;
    std::string_view m_model;
    std::string_view m_branch;
    std::string m_machine;
    std::string m_context;
    std::int64_t m_time;
    std::uint64_t m_length; // events before session_end
    std::uint64_t m_step = 0;
    std::uint64_t m_turns = 0;
    bool m_ended = false;
};

[[noreturn]] void usage(int code)
{
    std::fprintf(code == 0 ? stdout : stderr,
                 "usage: gen-events [--events N] [--projects N] [--days D] [--end YYYY-MM-DD] [--seed S]\n"
                 "                  [--format ndjson|csv|json] [--keys camel|snake] [--project-ref id|name|url]\n"
                 "                  [--no-ids] [--projects-sql FILE] [-o FILE]\n");
    std::exit(code);
}

Options parse(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage(2);
            }
            return argv[++i];
        };
        if (arg == "--events") {
            o.events = std::strtoull(value().c_str(), nullptr, 10);
        } else if (arg == "--projects") {
            o.projects = std::max(1, std::atoi(value().c_str()));
        } else if (arg == "--days") {
            o.days = std::max(1, std::atoi(value().c_str()));
        } else if (arg == "--end") {
            o.end = value();
        } else if (arg == "--seed") {
            o.seed = std::strtoull(value().c_str(), nullptr, 10);
        } else if (arg == "--format") {
            o.format = value();
        } else if (arg == "--keys") {
            o.snake = value() == "snake";
        } else if (arg == "--project-ref") {
            o.project_ref = value();
        } else if (arg == "--no-ids") {
            o.ids = false;
        } else if (arg == "--projects-sql") {
            o.projects_sql = value();
        } else if (arg == "-o" || arg == "--output") {
            o.output = value();
        } else if (arg == "-h" || arg == "--help") {
            usage(0);
        } else {
            std::fprintf(stderr, "gen-events: unknown argument %s\n", argv[i]);
            usage(2);
        }
    }
    if (o.format != "ndjson" && o.format != "csv" && o.format != "json") {
        usage(2);
    }
    if (o.format == "csv" && o.project_ref != "id") {
        std::fprintf(stderr, "gen-events: csv names projects by id (psql needs the integer)\n");
        std::exit(2);
    }
    return o;
}

} // namespace

int main(int argc, char** argv)
{
    const Options o = parse(argc, argv);
    Random random{o.seed};
    std::vector<Project> projects;
    for (int i = 0; i < o.projects; ++i) {
        projects.push_back({i + 1, std::string(k_owners[static_cast<std::size_t>(i) % k_owners.size()]),
                            fmt::format("{}{}", k_repos[static_cast<std::size_t>(i) % k_repos.size()],
                                        i < static_cast<int>(k_repos.size()) ? "" : fmt::format("-{}", i))});
    }
    if (!o.projects_sql.empty()) {
        std::FILE* sql = std::fopen(o.projects_sql.c_str(), "w");
        if (sql == nullptr) {
            std::perror("gen-events: --projects-sql");
            return 1;
        }
        std::fputs("INSERT INTO projects (id, name, full_name, repo_url, repo_owner, repo_name) VALUES\n", sql);
        for (const auto& p : projects) {
            std::fputs(fmt::format("  ({}, '{}', '{}/{}', 'https://github.com/{}/{}', '{}', '{}'){}\n", p.id, p.repo,
                                   p.owner, p.repo, p.owner, p.repo, p.owner, p.repo, p.id == o.projects ? "" : ",")
                           .c_str(),
                       sql);
        }
        std::fputs("ON CONFLICT DO NOTHING;\nSELECT setval(pg_get_serial_sequence('projects', 'id'), "
                   "(SELECT max(id) FROM projects));\n",
                   sql);
        std::fclose(sql);
    }
    std::FILE* out = stdout;
    if (!o.output.empty()) {
        out = std::fopen(o.output.c_str(), "wb");
        if (out == nullptr) {
            std::perror("gen-events: -o");
            return 1;
        }
    }
    // Sessions start spread over the days before --end, in time order; their events follow.
    const std::int64_t end = parse_day(o.end);
    const std::int64_t span = static_cast<std::int64_t>(o.days) * 86'400'000'000LL;
    const std::uint64_t sessions = std::max<std::uint64_t>(1, o.events / 60);
    Writer writer(out, o);
    writer.begin();
    Event event;
    std::uint64_t written = 0;
    for (std::uint64_t s = 0; written < o.events; ++s) {
        const std::int64_t start = end - span + static_cast<std::int64_t>((s % sessions) * static_cast<std::uint64_t>(span) / sessions) +
                                   static_cast<std::int64_t>(random.below(60'000'000));
        Session session(random, projects, start);
        while (written < o.events && session.next(event)) {
            writer.write(event);
            ++written;
        }
    }
    writer.end();
    if (out != stdout && std::fclose(out) != 0) {
        std::perror("gen-events: close");
        return 1;
    }
    return 0;
}
