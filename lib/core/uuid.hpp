#pragma once
// UUIDs as 16 bytes: parsed, printed, and derived deterministically (version 5, RFC 9562), so that
// re-reading a file or re-sending a batch gives every event the id it had before.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace devlog {

struct Uuid
{
    std::array<std::uint8_t, 16> bytes{};

    // "8-4-4-4-12" hex (either case), also with braces or without dashes; nullopt otherwise.
    static std::optional<Uuid> parse(std::string_view text);
    // Lower-case "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
    std::string str() const;
    bool operator==(const Uuid&) const = default;
    auto operator<=>(const Uuid&) const = default;
};

// Version 5 (SHA-1) UUID of NAME in NAMESPACE.
Uuid uuid_v5(const Uuid& name_space, std::string_view name);

// devlogctl's namespace for derived ids: uuid_v5(RFC 9562 URL namespace, "https://devlog/devlogctl").
// Changing it would change every derived event id: never do.
const Uuid& devlog_namespace();

// TEXT when it is a UUID, else the UUIDv5 of TEXT in devlogctl's namespace under KIND ("session:"
// + text, ...): agents' own ids that are not UUIDs still map to one stable UUID.
Uuid uuid_or_derived(std::string_view kind, std::string_view text);

} // namespace devlog
