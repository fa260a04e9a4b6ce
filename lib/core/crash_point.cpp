#include "lib/core/crash_point.hpp"

#include <csignal>
#include <cstdlib>
#include <string>

#include <unistd.h>

namespace devlog::crash {

namespace {

struct Target {
    std::string name; // empty: no crash point armed
    long remaining = 0;
};

Target& target() noexcept
{
    static Target t = [] {
        Target parsed;
        const char* spec = std::getenv("DEVLOG_CRASH_AT");
        if (spec == nullptr || *spec == '\0') {
            return parsed;
        }
        const std::string_view s(spec);
        const auto colon = s.rfind(':');
        parsed.name = std::string(s.substr(0, colon));
        parsed.remaining = colon == std::string_view::npos ? 1 : std::strtol(spec + colon + 1, nullptr, 10);
        if (parsed.remaining < 1) {
            parsed.remaining = 1;
        }
        return parsed;
    }();
    return t;
}

} // namespace

void point(std::string_view name) noexcept
{
    auto& t = target();
    if (t.name.empty() || t.name != name) {
        return;
    }
    if (--t.remaining == 0) {
        ::kill(::getpid(), SIGKILL);
    }
}

} // namespace devlog::crash
