#include "lib/core/uuid.hpp"

#include <doctest/doctest.h>

using devlog::Uuid;

TEST_CASE("Uuid")
{
    const auto u = Uuid::parse("6BA7B811-9DAD-11D1-80B4-00C04FD430C8");
    REQUIRE(u.has_value());
    CHECK(u->str() == "6ba7b811-9dad-11d1-80b4-00c04fd430c8");
    CHECK(Uuid::parse("{6ba7b811-9dad-11d1-80b4-00c04fd430c8}") == u);
    CHECK(Uuid::parse("6ba7b8119dad11d180b400c04fd430c8") == u);
    for (const char* bad : {"", "6ba7b811-9dad-11d1-80b4-00c04fd430c", "6ba7b811x9dad-11d1-80b4-00c04fd430c8",
                            "zba7b811-9dad-11d1-80b4-00c04fd430c8"}) {
        CAPTURE(bad);
        CHECK_FALSE(Uuid::parse(bad).has_value());
    }
}

TEST_CASE("uuid_v5")
{
    // RFC 9562 appendix A.4: "www.example.com" in the DNS namespace.
    const auto dns = Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    CHECK(devlog::uuid_v5(*dns, "www.example.com").str() == "2ed6657d-e927-568b-95e1-2665a8aea6a2");
    CHECK(devlog::uuid_or_derived("session", "6ba7b811-9dad-11d1-80b4-00c04fd430c8").str() ==
          "6ba7b811-9dad-11d1-80b4-00c04fd430c8");
    const auto derived = devlog::uuid_or_derived("session", "rollout-abc");
    CHECK(derived == devlog::uuid_or_derived("session", "rollout-abc"));
    CHECK(derived != devlog::uuid_or_derived("event", "rollout-abc"));
    CHECK((derived.bytes[6] >> 4) == 5);
}
