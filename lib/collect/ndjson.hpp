#pragma once
// Generic NDJSON: tools that already write devlog-shaped events, one canonical event per line
// (design.md §4; camelCase or snake_case keys, event-type aliases, ISO-8601 or epoch timestamps).
// Decoded and validated by import's decoder: an event without an id gets the id `import events`
// derives from its content when its project is given by id (otherwise one of its own); the project
// comes from projectId (the server's id), project (owner/repo or a remote URL), or context.cwd.

#include "lib/collect/parser.hpp"

#include <memory>

namespace devlog::collect {

std::unique_ptr<LineParser> make_ndjson_parser();

} // namespace devlog::collect
