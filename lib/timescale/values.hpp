#pragma once
// Typed values out of a db::Result, as lib/timescale's catalog queries return them (instants and
// lengths as microseconds in bigint columns).

#include "lib/db/runner.hpp"
#include "lib/timescale/state.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace devlog::timescale {

// The integer at ROW, COLUMN; nullopt for NULL.
inline std::optional<std::int64_t> int_at(const db::Result& r, std::size_t row, int column)
{
    const auto v = r.get(row, column);
    return v ? std::optional<std::int64_t>(std::stoll(*v)) : std::nullopt;
}

// The interval whose text is at COLUMN and whose length (microseconds) at COLUMN + 1; nullopt when
// either is NULL.
inline std::optional<Interval> interval_at(const db::Result& r, std::size_t row, int column)
{
    const auto text = r.get(row, column);
    const auto length = int_at(r, row, column + 1);
    if (!text || !length) {
        return std::nullopt;
    }
    return Interval{*text, microseconds(*length)};
}

} // namespace devlog::timescale
