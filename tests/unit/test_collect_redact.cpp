#include "lib/collect/parser.hpp"
#include "lib/collect/redact.hpp"

#include <doctest/doctest.h>

using devlog::collect::redact_secrets;

TEST_CASE("redact_secrets")
{
    CHECK(redact_secrets("plain text stays") == "plain text stays");
    CHECK(redact_secrets("postgresql://app:s3cret@db:5432/x") == "postgresql://app:[REDACTED]@db:5432/x");
    CHECK(redact_secrets("key sk-ant-api03-abcdefghijklmnopqrstuvwx and ghp_abcdefghijklmnopqrstuvwxyz0123") ==
          "key [REDACTED] and [REDACTED]");
    CHECK(redact_secrets("AKIAABCDEFGHIJKLMNOP") == "[REDACTED]");
    CHECK(redact_secrets("Authorization: Bearer abc.def-ghi_jkl") == "Authorization: Bearer [REDACTED]");
    CHECK(redact_secrets("PASSWORD=hunter22; api_key: \"abcd1234\"") == "PASSWORD=[REDACTED]; api_key: \"[REDACTED]\"");
    CHECK(redact_secrets("a -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- b") == "a [REDACTED] b");
    CHECK(redact_secrets("token eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4") == "token [REDACTED]");
}

TEST_CASE("redact_secrets: a private key without its END line is redacted to the end")
{
    CHECK(redact_secrets("a -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nAAAA") == "a [REDACTED]");
}

TEST_CASE("content_text: the whole text is redacted before it is cut")
{
    // ~9 KB of text with a private key starting near byte 8000: the cut at 8 KB falls inside the
    // key, so redacting the kept part alone would miss its END line and keep the key's first lines.
    std::string text(8000, 'x');
    const std::string body = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW";
    text += "\n-----BEGIN OPENSSH PRIVATE KEY-----\n";
    for (int i = 0; i < 12; ++i) {
        text += body + "\n";
    }
    text += "-----END OPENSSH PRIVATE KEY-----\nafter";
    REQUIRE(text.size() > 8800);
    const std::string kept = devlog::collect::content_text(text);
    CHECK(kept.find(body.substr(0, 20)) == std::string::npos);
    CHECK(kept.find("BEGIN OPENSSH") == std::string::npos);
    CHECK(kept == std::string(8000, 'x') + "\n[REDACTED]\nafter");
}
