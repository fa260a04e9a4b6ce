#pragma once
// maintain's partition steps: create ahead, rescue strays from default partitions, retention.
// Internal to lib/maintain.

#include "lib/db/runner.hpp"
#include "lib/maintain/maintain.hpp"
#include "lib/maintain/tables.hpp"
#include "lib/partition/catalog.hpp"

#include <vector>

namespace devlog::maintain::detail {

// A managed table as it is now, with the period maintain uses for it.
struct Managed
{
    ManagedTable spec;
    partition::TableInfo info;
    partition::Period period = partition::Period::day;
};

// The managed tables that are natively range-partitioned (hypertables and plain tables are not);
// NOTES gets one line per table left out, and why.
std::vector<Managed> managed_tables(db::Runner& runner, std::vector<std::string>& notes);

void create_ahead(db::Runner& runner, const Options& options, StepReport& report);
void rescue_strays(db::Runner& runner, const Options& options, StepReport& report);
void apply_retention(db::Runner& runner, const Options& options, StepReport& report);

// "a, b, c" or "7 (a .. g)": names for a one-line detail.
std::string name_list(const std::vector<std::string>& names);

} // namespace devlog::maintain::detail
