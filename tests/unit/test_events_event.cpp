#include "lib/events/event.hpp"

#include <doctest/doctest.h>

using devlog::events::canonical_event_type;

TEST_CASE("canonical_event_type")
{
    CHECK(canonical_event_type("tool_use") == "tool_use");
    CHECK(canonical_event_type("Tool-Use") == "tool_use");
    CHECK(canonical_event_type("tool_invocation") == "tool_use");
    CHECK(canonical_event_type("command_execution") == "command_execute");
    CHECK(canonical_event_type("file_modify") == "file_write");
    CHECK_FALSE(canonical_event_type("tool_used").has_value());
    for (const auto type : devlog::events::k_event_types) {
        CHECK(canonical_event_type(type) == type);
    }
}
