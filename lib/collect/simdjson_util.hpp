#pragma once
// Lenient accessors over simdjson's DOM for the log parsers: a missing key or a value of another
// type reads as empty / 0 / false / null, because agents' formats change without notice.

#include <simdjson.h>

#include <cstdint>
#include <string_view>

namespace devlog::collect::json {

// OBJ[KEY] (and deeper: at(obj, "a", "b")), or a null element when absent or OBJ is not an object.
inline simdjson::dom::element null_element()
{
    static simdjson::dom::parser parser;
    static const simdjson::dom::element null = parser.parse("null", 4).value_unsafe();
    return null;
}

inline simdjson::dom::element at(simdjson::dom::element obj, std::string_view key)
{
    simdjson::dom::element value;
    if (!obj.is_object() || obj.get_object().at_key(key).get(value)) {
        return null_element();
    }
    return value;
}

template <typename... Keys> simdjson::dom::element at(simdjson::dom::element obj, std::string_view key, Keys... more)
{
    return at(at(obj, key), more...);
}

// A string value, or "" for anything else.
inline std::string_view text(simdjson::dom::element obj, std::string_view key)
{
    std::string_view value;
    if (at(obj, key).get(value)) {
        return {};
    }
    return value;
}

// A number as an integer (doubles truncated), or 0.
inline std::int64_t integer(simdjson::dom::element value)
{
    std::int64_t i = 0;
    if (!value.get(i)) {
        return i;
    }
    std::uint64_t u = 0;
    if (!value.get(u)) {
        return static_cast<std::int64_t>(u);
    }
    double d = 0;
    if (!value.get(d)) {
        return static_cast<std::int64_t>(d);
    }
    return 0;
}

inline std::int64_t integer(simdjson::dom::element obj, std::string_view key)
{
    return integer(at(obj, key));
}

inline bool flag(simdjson::dom::element obj, std::string_view key)
{
    bool value = false;
    return !at(obj, key).get(value) && value;
}

} // namespace devlog::collect::json
