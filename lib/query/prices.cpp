#include "lib/query/prices.hpp"

#include "lib/core/errors.hpp"
#include "lib/core/time.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace devlog::query {
namespace {

// USD per million tokens from the vendors' public price pages, standard (not batch) rates, prompts
// up to 200k tokens, 5-minute cache writes. OpenAI bills no cache writes: cacheWrite = input there.
constexpr std::string_view k_builtin = R"({
  "taken": "2025-11-30",
  "models": {
    "claude-opus-4-5":   {"input": 5.00,  "output": 25.00, "cacheRead": 0.50,  "cacheWrite": 6.25},
    "claude-opus-4-1":   {"input": 15.00, "output": 75.00, "cacheRead": 1.50,  "cacheWrite": 18.75},
    "claude-opus-4":     {"input": 15.00, "output": 75.00, "cacheRead": 1.50,  "cacheWrite": 18.75},
    "claude-sonnet-4-5": {"input": 3.00,  "output": 15.00, "cacheRead": 0.30,  "cacheWrite": 3.75},
    "claude-sonnet-4":   {"input": 3.00,  "output": 15.00, "cacheRead": 0.30,  "cacheWrite": 3.75},
    "claude-haiku-4-5":  {"input": 1.00,  "output": 5.00,  "cacheRead": 0.10,  "cacheWrite": 1.25},
    "claude-3-7-sonnet": {"input": 3.00,  "output": 15.00, "cacheRead": 0.30,  "cacheWrite": 3.75},
    "claude-3-5-sonnet": {"input": 3.00,  "output": 15.00, "cacheRead": 0.30,  "cacheWrite": 3.75},
    "claude-3-5-haiku":  {"input": 0.80,  "output": 4.00,  "cacheRead": 0.08,  "cacheWrite": 1.00},
    "claude-3-opus":     {"input": 15.00, "output": 75.00, "cacheRead": 1.50,  "cacheWrite": 18.75},
    "claude-3-haiku":    {"input": 0.25,  "output": 1.25,  "cacheRead": 0.03,  "cacheWrite": 0.30},
    "gpt-5.1":           {"input": 1.25,  "output": 10.00, "cacheRead": 0.125, "cacheWrite": 1.25},
    "gpt-5.1-codex-mini": {"input": 0.25, "output": 2.00,  "cacheRead": 0.025, "cacheWrite": 0.25},
    "gpt-5":             {"input": 1.25,  "output": 10.00, "cacheRead": 0.125, "cacheWrite": 1.25},
    "gpt-5-mini":        {"input": 0.25,  "output": 2.00,  "cacheRead": 0.025, "cacheWrite": 0.25},
    "gpt-5-nano":        {"input": 0.05,  "output": 0.40,  "cacheRead": 0.005, "cacheWrite": 0.05},
    "gpt-4.1":           {"input": 2.00,  "output": 8.00,  "cacheRead": 0.50,  "cacheWrite": 2.00},
    "gpt-4.1-mini":      {"input": 0.40,  "output": 1.60,  "cacheRead": 0.10,  "cacheWrite": 0.40},
    "gpt-4.1-nano":      {"input": 0.10,  "output": 0.40,  "cacheRead": 0.025, "cacheWrite": 0.10},
    "gpt-4o":            {"input": 2.50,  "output": 10.00, "cacheRead": 1.25,  "cacheWrite": 2.50},
    "gpt-4o-mini":       {"input": 0.15,  "output": 0.60,  "cacheRead": 0.075, "cacheWrite": 0.15},
    "o3":                {"input": 2.00,  "output": 8.00,  "cacheRead": 0.50,  "cacheWrite": 2.00},
    "o3-mini":           {"input": 1.10,  "output": 4.40,  "cacheRead": 0.55,  "cacheWrite": 1.10},
    "o4-mini":           {"input": 1.10,  "output": 4.40,  "cacheRead": 0.275, "cacheWrite": 1.10},
    "codex-mini-latest": {"input": 1.50,  "output": 6.00,  "cacheRead": 0.375, "cacheWrite": 1.50}
  }
})";

std::string lower(std::string_view text)
{
    std::string out(text);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

double price_of(const nlohmann::json& entry, const char* key, const std::string& where)
{
    const auto it = entry.find(key);
    if (it == entry.end() || !it->is_number() || it->get<double>() < 0) {
        throw InputError(fmt::format("{}: \"{}\" needs a number >= 0 (USD per million tokens)", where, key));
    }
    return it->get<double>();
}

} // namespace

PriceTable parse_prices(std::string_view text, const std::string& source)
{
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        std::string message = e.what();
        if (const auto close = message.find("] "); close != std::string::npos) {
            message.erase(0, close + 2);
        }
        throw InputError(fmt::format("{}: not valid JSON: {}", source, message));
    }
    const auto format_hint = std::string(R"(a price file looks like {"taken": "2025-11-30", "models": )"
                                         R"({"claude-sonnet-4-5": {"input": 3, "output": 15, "cacheRead": 0.3, )"
                                         R"("cacheWrite": 3.75}}} (USD per million tokens; devlogctl-query(1), PRICES))");
    if (!doc.is_object() || !doc.contains("taken") || !doc["taken"].is_string() ||
        !time::parse_iso8601(doc["taken"].get<std::string>(), time::Offset::assume_utc)) {
        throw InputError(fmt::format("{}: needs \"taken\": the date the prices were taken (YYYY-MM-DD)", source),
                         format_hint);
    }
    if (!doc.contains("models") || !doc["models"].is_object() || doc["models"].empty()) {
        throw InputError(fmt::format("{}: needs \"models\": an object of prices per model", source), format_hint);
    }
    PriceTable table{source, doc["taken"].get<std::string>(), {}};
    for (const auto& [name, entry] : doc["models"].items()) {
        const std::string where = fmt::format("{}: model \"{}\"", source, name);
        if (!entry.is_object() || name.empty()) {
            throw InputError(where + ": needs an object {\"input\", \"output\", \"cacheRead\", \"cacheWrite\"}",
                             format_hint);
        }
        table.models.push_back({lower(name), price_of(entry, "input", where), price_of(entry, "output", where),
                                price_of(entry, "cacheRead", where), price_of(entry, "cacheWrite", where)});
    }
    std::sort(table.models.begin(), table.models.end(),
              [](const ModelPrice& a, const ModelPrice& b) { return a.model < b.model; });
    for (std::size_t i = 1; i < table.models.size(); ++i) {
        if (table.models[i].model == table.models[i - 1].model) {
            throw InputError(fmt::format("{}: model \"{}\" is priced twice (names are compared in lower case)",
                                         source, table.models[i].model));
        }
    }
    return table;
}

const PriceTable& builtin_prices()
{
    static const PriceTable k_table = parse_prices(k_builtin, "built-in");
    return k_table;
}

PriceTable load_prices(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw InputError(fmt::format("{}: cannot read the price file", path), "--prices names a JSON file");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_prices(text.str(), path);
}

const ModelPrice* find_price(const PriceTable& table, std::string_view model)
{
    const std::string name = lower(model);
    const ModelPrice* best = nullptr;
    for (const auto& p : table.models) {
        const bool match = name == p.model || (name.size() > p.model.size() && name.starts_with(p.model) &&
                                               (name[p.model.size()] == '-' || name[p.model.size()] == '@'));
        if (match && (best == nullptr || p.model.size() > best->model.size())) {
            best = &p;
        }
    }
    return best;
}

std::string prices_parameter(const PriceTable& table)
{
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : table.models) {
        out.push_back({{"model", p.model},
                       {"input", p.input},
                       {"output", p.output},
                       {"cache_read", p.cache_read},
                       {"cache_write", p.cache_write}});
    }
    return out.dump();
}

std::string describe(const PriceTable& table)
{
    return table.source == "built-in" ? fmt::format("the built-in price table (prices of {})", table.taken)
                                      : fmt::format("prices from {} (prices of {})", table.source, table.taken);
}

} // namespace devlog::query
