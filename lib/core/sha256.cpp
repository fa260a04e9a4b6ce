#include "lib/core/sha256.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace devlog {

Sha256::Sha256() : m_ctx(EVP_MD_CTX_new())
{
    if (m_ctx == nullptr || EVP_DigestInit_ex(m_ctx, EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(m_ctx);
        throw std::runtime_error("SHA-256 failed");
    }
}

Sha256::~Sha256()
{
    EVP_MD_CTX_free(m_ctx);
}

void Sha256::update(std::string_view data)
{
    if (EVP_DigestUpdate(m_ctx, data.data(), data.size()) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
}

std::string Sha256::hex_digest()
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(m_ctx, digest.data(), &length) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(std::size_t{length} * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(k_hex[digest[i] >> 4]);
        out.push_back(k_hex[digest[i] & 0x0f]);
    }
    return out;
}

std::string sha256_hex(std::string_view data)
{
    Sha256 sha;
    sha.update(data);
    return sha.hex_digest();
}

} // namespace devlog
