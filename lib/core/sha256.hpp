#pragma once

#include <string>
#include <string_view>

namespace devlog {

// Lower-case hex SHA-256 of DATA.
std::string sha256_hex(std::string_view data);

} // namespace devlog
