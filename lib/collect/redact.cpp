#include "lib/collect/redact.hpp"

#include <array>
#include <regex>

namespace devlog::collect {

std::string redact_private_keys(std::string_view text)
{
    // Private key blocks, by hand: a regex over a long block recurses per character. A block
    // without its END line (cut short, pasted in part) is redacted to the end of the text.
    std::string out;
    out.reserve(text.size());
    for (std::size_t pos = 0;;) {
        const auto begin = text.find("-----BEGIN ", pos);
        const auto key = begin == std::string_view::npos ? begin : text.find("PRIVATE KEY-----", begin);
        if (key == std::string_view::npos) {
            out.append(text.substr(pos));
            break;
        }
        out.append(text.substr(pos, begin - pos)).append("[REDACTED]");
        const auto end = text.find("-----END ", key);
        const auto close = end == std::string_view::npos ? end : text.find("PRIVATE KEY-----", end);
        if (close == std::string_view::npos) {
            break;
        }
        pos = close + 16;
    }
    return out;
}

std::string redact_secrets(std::string_view text)
{
    struct Rule
    {
        std::regex pattern;
        const char* replacement;
    };
    static const std::array<Rule, 4> k_rules = {{
        // scheme://user:password@host
        {std::regex(R"(([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@)"), "$1[REDACTED]@"},
        // provider keys and tokens
        {std::regex(R"(\b(sk-(ant-)?[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|glpat-[A-Za-z0-9_-]{20,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})\b)"),
         "[REDACTED]"},
        // Authorization: Bearer xxx
        {std::regex(R"((\b[Bb]earer\s+)[A-Za-z0-9._~+/=-]{8,})"), "$1[REDACTED]"},
        // password=..., api_key: "...", secret = '...', token=...
        {std::regex(R"(((?:password|passwd|pwd|secret|api[_-]?key|access[_-]?key|token|auth)["']?\s*[:=]\s*["']?)[^\s"',;&]{4,})",
                    std::regex::icase),
         "$1[REDACTED]"},
    }};
    std::string out = redact_private_keys(text);
    for (const auto& rule : k_rules) {
        out = std::regex_replace(out, rule.pattern, rule.replacement);
    }
    return out;
}

} // namespace devlog::collect
