#pragma once
// JSON values as text, written into a reusable buffer: exact numbers (every int64 and uint64 as is,
// doubles in the shortest form that reads back to the same double), strings always valid UTF-8.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace devlog::output {

// Appends VALUE as JSON. INDENT < 0: compact, as nlohmann's dump(); INDENT >= 0: one member per
// line, as dump(INDENT), LEVEL levels deep. Floats: shortest round-trip digits, fixed notation for
// 1e-7 <= |x| < 1e21 (with ".0" when integral) and exponent notation otherwise; NaN and infinities
// are null. Invalid UTF-8 in strings becomes U+FFFD.
void append_json(std::string& out, const nlohmann::json& value, int indent = -1, int level = 0);

// Appends TEXT as a JSON string literal (quotes included), escaped as nlohmann's dump() does.
void append_json_string(std::string& out, std::string_view text);

// VALUE as one table or CSV cell: null is "", a string is itself, numbers and booleans as in JSON
// (NaN and infinities as NaN, Infinity, -Infinity, PostgreSQL's spelling), objects and arrays as
// compact JSON.
std::string cell_text(const nlohmann::json& value);
// Appends cell_text(VALUE) to OUT.
void append_cell_text(std::string& out, const nlohmann::json& value);

} // namespace devlog::output
