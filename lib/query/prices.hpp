#pragma once
// Model prices for `query usage` and `query sessions`: events that carry no metrics.cost get a cost
// computed from their tokens and the model's price. A table ships with devlogctl (with the date its
// prices were taken); --prices FILE replaces it. Models without a price are never guessed at.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::query {

// USD per million tokens of each kind (design.md §4's token metrics).
struct ModelPrice
{
    std::string model;        // lower case; matches a model id equal to it or starting with it + '-' or '@'
    double input = 0;         // promptTokens (fresh input)
    double output = 0;        // responseTokens
    double cache_read = 0;    // cacheReadTokens
    double cache_write = 0;   // cacheCreationTokens
};

struct PriceTable
{
    std::string source; // "built-in" or the file's path
    std::string taken;  // the date the prices were taken, YYYY-MM-DD
    std::vector<ModelPrice> models;
};

// The table shipped with devlogctl.
const PriceTable& builtin_prices();

// Reads a price file (the shape of `query prices --format json`'s source, see devlogctl-query(1)):
// {"taken": "YYYY-MM-DD", "models": {"MODEL": {"input": N, "output": N, "cacheRead": N,
// "cacheWrite": N}, ...}}. Throws InputError "PATH: problem" for an unreadable or malformed file.
PriceTable load_prices(const std::string& path);
// The same from TEXT; SOURCE names it in messages.
PriceTable parse_prices(std::string_view text, const std::string& source);

// The price of MODEL: the longest entry equal to it or a prefix of it ending at '-' or '@', case
// ignored ("claude-sonnet-4-5-20250929" takes "claude-sonnet-4-5"). nullptr when none.
const ModelPrice* find_price(const PriceTable& table, std::string_view model);

// TABLE as the JSON array the usage SQL reads (jsonb_to_recordset): [{"model":..,"input":..,...}].
std::string prices_parameter(const PriceTable& table);

// "the built-in price table (prices of 2025-11-30)" / "prices from FILE (prices of DATE)".
std::string describe(const PriceTable& table);

} // namespace devlog::query
