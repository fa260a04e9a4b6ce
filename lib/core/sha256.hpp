#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace devlog {

// SHA-256 of data given in pieces, so a big input need not be copied into one buffer first.
class Sha256
{
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(std::string_view data);
    // Lower-case hex digest of everything given to update(). Call once.
    std::string hex_digest();

  private:
    evp_md_ctx_st* m_ctx;
};

// Lower-case hex SHA-256 of DATA.
std::string sha256_hex(std::string_view data);

} // namespace devlog
