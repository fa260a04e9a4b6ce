#pragma once
// A statement to run: SQL text with $n placeholders and its parameters, built piece by piece so that
// no value is ever spliced into the text. Builders of lib/query return these; tests compare them
// with golden files.

#include "lib/db/runner.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace devlog::query {

struct Statement
{
    std::string text;
    std::vector<db::Param> params;

    // Adds VALUE as the next parameter and returns its placeholder ("$3").
    std::string bind(db::Param value);
    // Appends SQL to the text.
    Statement& operator<<(std::string_view sql)
    {
        text += sql;
        return *this;
    }
    // The text with each $n replaced by its value as a SQL literal (NULL for null): for people and
    // psql (--explain prints it), never run by devlogctl.
    std::string inlined() const;
    // The golden-file form: the text, then one "-- $n = value" line per parameter.
    std::string describe() const;
};

// VALUES as a PostgreSQL array literal ({"a","b"}), for a text[] / uuid[] / int[] parameter.
std::string array_literal(const std::vector<std::string>& values);

} // namespace devlog::query
