#pragma once
// Obvious secrets in text that --content keeps (prompts, responses, tool inputs): API keys and
// tokens of the usual providers, private keys, passwords in URLs and "password=…" assignments,
// bearer tokens and JWTs are replaced by "[REDACTED]". A safety net, not a guarantee.

#include <string>
#include <string_view>

namespace devlog::collect {

// TEXT with obvious secrets replaced by "[REDACTED]" (a URL keeps its user: "https://u:[REDACTED]@host").
std::string redact_secrets(std::string_view text);

// TEXT with its private key blocks replaced by "[REDACTED]" (a block without its END line to the
// end of TEXT). Linear in the size of TEXT, so it can run over any text before it is cut.
std::string redact_private_keys(std::string_view text);

} // namespace devlog::collect
