#include "lib/core/uuid.hpp"

#include <openssl/evp.h>

#include <array>

#include <stdexcept>

namespace devlog {
namespace {

// Hex digit values by byte, -1 for the rest: a table, as ids are parsed for every imported event.
constexpr std::array<std::int8_t, 256> k_hex_values = [] {
    std::array<std::int8_t, 256> table{};
    table.fill(-1);
    for (int i = 0; i < 10; ++i) {
        table[static_cast<std::size_t>('0' + i)] = static_cast<std::int8_t>(i);
    }
    for (int i = 0; i < 6; ++i) {
        table[static_cast<std::size_t>('a' + i)] = static_cast<std::int8_t>(10 + i);
        table[static_cast<std::size_t>('A' + i)] = static_cast<std::int8_t>(10 + i);
    }
    return table;
}();

int hex_value(char c)
{
    return k_hex_values[static_cast<unsigned char>(c)];
}

} // namespace

std::optional<Uuid> Uuid::parse(std::string_view text)
{
    if (text.size() == 38 && text.front() == '{' && text.back() == '}') {
        text = text.substr(1, 36);
    }
    const bool dashed = text.size() == 36;
    if (!dashed && text.size() != 32) {
        return std::nullopt;
    }
    Uuid out;
    std::size_t pos = 0;
    for (std::size_t i = 0; i < 16; ++i) {
        if (dashed && (pos == 8 || pos == 13 || pos == 18 || pos == 23)) {
            if (text[pos] != '-') {
                return std::nullopt;
            }
            ++pos;
        }
        const int hi = hex_value(text[pos]);
        const int lo = hex_value(text[pos + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out.bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
        pos += 2;
    }
    return out;
}

std::string Uuid::str() const
{
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out.push_back('-');
        }
        out.push_back(k_hex[bytes[i] >> 4]);
        out.push_back(k_hex[bytes[i] & 0xF]);
    }
    return out;
}

Uuid uuid_v5(const Uuid& name_space, std::string_view name)
{
    // Importers derive an id per event: the digest and a context per thread are set up once
    // (OpenSSL 3 looks the algorithm up on every EVP_sha1() init otherwise: half the cost).
    static EVP_MD* const k_sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    struct Context
    {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        ~Context() { EVP_MD_CTX_free(ctx); }
    };
    thread_local const Context context;
    EVP_MD_CTX* ctx = context.ctx;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    const bool ok = ctx != nullptr && k_sha1 != nullptr && EVP_DigestInit_ex(ctx, k_sha1, nullptr) == 1 &&
                    EVP_DigestUpdate(ctx, name_space.bytes.data(), name_space.bytes.size()) == 1 &&
                    EVP_DigestUpdate(ctx, name.data(), name.size()) == 1 &&
                    EVP_DigestFinal_ex(ctx, digest, &length) == 1;
    if (!ok || length < 16) {
        throw std::runtime_error("SHA-1 (OpenSSL) failed while deriving a UUID");
    }
    Uuid out;
    for (std::size_t i = 0; i < 16; ++i) {
        out.bytes[i] = digest[i];
    }
    out.bytes[6] = static_cast<std::uint8_t>((out.bytes[6] & 0x0F) | 0x50); // version 5
    out.bytes[8] = static_cast<std::uint8_t>((out.bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
    return out;
}

const Uuid& devlog_namespace()
{
    static const Uuid k_namespace = uuid_v5(*Uuid::parse("6ba7b811-9dad-11d1-80b4-00c04fd430c8"),
                                            "https://devlog/devlogctl");
    return k_namespace;
}

Uuid uuid_or_derived(std::string_view kind, std::string_view text)
{
    if (auto parsed = Uuid::parse(text)) {
        return *parsed;
    }
    std::string name(kind);
    name += ':';
    name += text;
    return uuid_v5(devlog_namespace(), name);
}

} // namespace devlog
