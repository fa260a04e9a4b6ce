#pragma once
// What upload writes besides new events (those go through import's writer, importer::EventWriter):
// corrections, responses whose usage grew after they were uploaded, through
// devlogctl.upload_corrections_v1 (which the writer role may call).

#include "lib/events/event.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace devlog::db {
class Runner;
}

namespace devlog::upload {

// EVENTS as a JSON array of objects with agent_events' column names, for jsonb_to_recordset.
std::string records_json(std::span<const events::Event> events);

// Sends events that the server may hold an older copy of: inserted when absent, a response's
// metrics replaced when its tokenCount grew. Returns how many rows were inserted or corrected.
std::int64_t write_corrections(db::Runner& runner, std::span<const events::Event> events);

} // namespace devlog::upload
