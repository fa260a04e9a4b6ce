#include "lib/db/connection_string.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <optional>

namespace devlog::db {
namespace {

using Options = std::map<std::string, std::string>;
using Span = std::pair<std::size_t, std::size_t>; // [begin, end) in a string

constexpr std::size_t k_npos = std::string_view::npos;
constexpr std::string_view k_mask = "***";
constexpr std::array<std::string_view, 2> k_secret_keywords{"password", "sslpassword"};
// A secret shorter than this is hidden only where it stands alone (between white space or quotes,
// as libpq quotes values): a password "ab" or "/" must not turn every "ab" or "/" into "***".
constexpr std::size_t k_min_embedded_secret = 4;

bool is_secret_keyword(std::string_view keyword)
{
    return std::ranges::find(k_secret_keywords, keyword) != k_secret_keywords.end();
}

bool is_space(char c)
{
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool is_alnum(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// Parses CONNINFO with libpq's own parser (URI or key=value). Returns nullopt and sets ERROR
// (libpq's message, which may quote the input) on failure. Only options with a value are returned.
std::optional<Options> libpq_parse(const std::string& conninfo, std::string& error)
{
    char* errmsg = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(PQconninfoParse(conninfo.c_str(), &errmsg),
                                                                         &PQconninfoFree);
    if (!options) {
        error = errmsg != nullptr ? errmsg : "out of memory";
        PQfreemem(errmsg);
        while (!error.empty() && is_space(error.back())) {
            error.pop_back();
        }
        return std::nullopt;
    }
    Options result;
    for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val != nullptr) {
            result[o->keyword] = o->val;
        }
    }
    return result;
}

// Length of a leading "scheme:" (RFC 3986 3.1), 0 when there is none.
std::size_t scheme_length(std::string_view s)
{
    if (s.empty() || std::isalpha(static_cast<unsigned char>(s[0])) == 0) {
        return 0;
    }
    std::size_t i = 1;
    while (i < s.size() && (is_alnum(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')) {
        ++i;
    }
    return i < s.size() && s[i] == ':' ? i + 1 : 0;
}

// Length of a leading "scheme://", 0 when there is none.
std::size_t uri_prefix_length(std::string_view s)
{
    const auto scheme = scheme_length(s);
    return scheme != 0 && s.substr(scheme).starts_with("//") ? scheme + 2 : 0;
}

// RAW without surrounding white space, a postgresql:// or postgres:// scheme in lower case: schemes
// are case-insensitive (RFC 3986 3.1) but libpq knows them in lower case only.
std::string normalize(std::string_view raw)
{
    while (!raw.empty() && is_space(raw.front())) {
        raw.remove_prefix(1);
    }
    while (!raw.empty() && is_space(raw.back())) {
        raw.remove_suffix(1);
    }
    std::string text(raw);
    const auto prefix = uri_prefix_length(text);
    std::string scheme = text.substr(0, prefix);
    std::ranges::transform(scheme, scheme.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
    if (scheme == "postgresql://" || scheme == "postgres://") {
        text.replace(0, prefix, scheme);
    }
    return text;
}

std::optional<std::string> percent_decode(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size() || std::isxdigit(static_cast<unsigned char>(s[i + 1])) == 0 ||
            std::isxdigit(static_cast<unsigned char>(s[i + 2])) == 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
        i += 2;
    }
    return out;
}

std::string percent_encode(std::string_view s)
{
    std::string out;
    for (char c : s) {
        if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(c);
        } else {
            out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
        }
    }
    return out;
}

// A key=value value as libpq reads it: without its quotes, a backslash taking the next character.
std::string unescape_keyword_value(std::string_view raw)
{
    if (raw.size() >= 2 && raw.front() == '\'' && raw.back() == '\'') {
        raw = raw.substr(1, raw.size() - 2);
    }
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) {
            ++i;
        }
        out.push_back(raw[i]);
    }
    return out;
}

std::string quote_value(std::string_view value)
{
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    out.push_back('\'');
    return out;
}

// End of the key=value value starting at BEGIN, as libpq's conninfo_parse reads it: a quoted value
// through its closing quote (or to the end when unterminated), another to the next white space.
std::size_t keyword_value_end(std::string_view s, std::size_t begin)
{
    std::size_t i = begin;
    if (i < s.size() && s[i] == '\'') {
        ++i;
        while (i < s.size() && s[i] != '\'') {
            i += s[i] == '\\' ? 2 : 1;
        }
        return std::min(i + 1, s.size());
    }
    while (i < s.size() && !is_space(s[i])) {
        i += s[i] == '\\' ? 2 : 1;
    }
    return std::min(i, s.size());
}

// Where the password and sslpassword values are in S, which libpq read as key=value pairs.
std::vector<Span> keyword_secret_spans(std::string_view s)
{
    std::vector<Span> spans;
    std::size_t i = 0;
    while (true) {
        while (i < s.size() && is_space(s[i])) {
            ++i;
        }
        const auto name_begin = i;
        while (i < s.size() && s[i] != '=' && !is_space(s[i])) {
            ++i;
        }
        const auto name = s.substr(name_begin, i - name_begin);
        while (i < s.size() && is_space(s[i])) {
            ++i;
        }
        if (i >= s.size() || s[i] != '=') {
            return spans;
        }
        ++i;
        while (i < s.size() && is_space(s[i])) {
            ++i;
        }
        const auto value_begin = i;
        i = keyword_value_end(s, i);
        if (is_secret_keyword(name) && value_begin < i) {
            spans.emplace_back(value_begin, i);
        }
    }
}

// Where libpq's URI parser (conninfo_uri_parse_options) finds the password of the user-info and
// the values of password and sslpassword query parameters in URI; "scheme://" is PREFIX long.
std::vector<Span> uri_secret_spans(std::string_view uri, std::size_t prefix)
{
    std::vector<Span> spans;
    std::size_t p = prefix;
    const auto designator = uri.find_first_of("@/", prefix);
    if (designator != k_npos && uri[designator] == '@') {
        const auto colon = uri.find(':', prefix);
        if (colon < designator && colon + 1 < designator) {
            spans.emplace_back(colon + 1, designator);
        }
        p = designator + 1;
    }
    while (true) { // netloc[:port], several separated by commas; IPv6 addresses in brackets
        if (p < uri.size() && uri[p] == '[') {
            p = uri.find(']', p);
        }
        p = uri.find_first_of(":/?,", p);
        if (p != k_npos && uri[p] == ':') {
            p = uri.find_first_of("/?,", p);
        }
        if (p == k_npos || uri[p] != ',') {
            break;
        }
        ++p;
    }
    if (p != k_npos && uri[p] == '/') {
        p = uri.find('?', p);
    }
    for (auto param = p == k_npos ? uri.size() : p + 1; param < uri.size();) {
        const auto end = std::min(uri.find('&', param), uri.size());
        const auto equals = uri.find('=', param);
        if (equals < end) {
            auto key = percent_decode(uri.substr(param, equals - param)).value_or("");
            std::erase(key, ' '); // libpq 17 ignores spaces around keywords
            if (is_secret_keyword(key) && equals + 1 < end) {
                spans.emplace_back(equals + 1, end);
            }
        }
        param = end + 1;
    }
    return spans;
}

// Whether URI holds a raw '/' or '@' that libpq reads otherwise than a person would (its user-info
// ends at the first '@' before any '/'): then part of what reads as a password (or a query
// parameter) becomes user, host, port or database name, and shows in messages.
bool credentials_ambiguous(std::string_view uri, std::size_t prefix)
{
    const auto slash = uri.find('/', prefix);
    const auto authority = uri.substr(prefix, slash == k_npos ? k_npos : slash - prefix);
    const auto ats = std::ranges::count(authority, '@');
    if (ats > 1 || (ats == 1 && authority.substr(0, authority.find_first_of(":@")).find('?') != k_npos)) {
        return true; // "u:a@b@h", or "h?password=a@b" (no path), where libpq's user name is "h?password=a"
    }
    if (slash == k_npos || (ats == 0 && authority.find(':') == k_npos)) {
        return false;
    }
    const auto query = uri.find('?', slash); // "u:a/b@h/db": libpq's port is "a", its database "b@h/db"
    return uri.substr(slash, query == k_npos ? k_npos : query - slash).find('@') != k_npos;
}

// The next "&keyword=" of a URI's query at or after FROM (or the end): where a password ends that
// has a raw '&' or white space in it.
std::size_t next_uri_parameter(std::string_view uri, std::size_t from)
{
    for (auto amp = uri.find('&', from); amp != k_npos; amp = uri.find('&', amp + 1)) {
        auto i = amp + 1;
        while (i < uri.size() && (is_alnum(uri[i]) || uri[i] == '_')) {
            ++i;
        }
        if (i > amp + 1 && i < uri.size() && uri[i] == '=') {
            return amp;
        }
    }
    return uri.size();
}

// Whether S starts with "keyword=" or "keyword =" (a keyword: letters, digits, '_').
bool starts_pair(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size() && (is_alnum(s[i]) || s[i] == '_')) {
        ++i;
    }
    if (i == 0) {
        return false;
    }
    while (i < s.size() && is_space(s[i])) {
        ++i;
    }
    return i < s.size() && s[i] == '=';
}

// SPANS sorted, overlapping and adjacent ones merged.
std::vector<Span> merged(std::vector<Span> spans)
{
    std::ranges::sort(spans);
    std::vector<Span> out;
    for (const auto& span : spans) {
        if (!out.empty() && span.first <= out.back().second) {
            out.back().second = std::max(out.back().second, span.second);
        } else {
            out.push_back(span);
        }
    }
    return out;
}

std::string masked(std::string_view text, const std::vector<Span>& spans)
{
    std::string out;
    std::size_t done = 0;
    for (const auto& [begin, end] : spans) {
        out += text.substr(done, begin - done);
        out += k_mask;
        done = end;
    }
    out += text.substr(done);
    return out;
}

// Whether REDACTED, read by libpq, has the options of ORIGINAL with every secret as "***".
bool redaction_verified(const std::string& redacted, const Options& original)
{
    std::string error;
    const auto reread = libpq_parse(redacted, error);
    if (!reread) {
        return false;
    }
    for (const auto& [key, value] : original) {
        if (!is_secret_keyword(key) && (!reread->contains(key) || reread->at(key) != value)) {
            return false;
        }
    }
    for (const auto& [key, value] : *reread) {
        if (is_secret_keyword(key) ? value != k_mask && !value.empty() : !original.contains(key)) {
            return false;
        }
    }
    return true;
}

// Whether WORD, quoted in a message of libpq about TEXT, may be shown: a plain word (a keyword)
// that occurs in TEXT, never inside one of the SECRETS spans.
bool may_show(std::string_view word, std::string_view text, const std::vector<Span>& secrets)
{
    if (word.empty() || !std::ranges::all_of(word, [](char c) { return is_alnum(c) || c == '_'; })) {
        return false;
    }
    bool found = false;
    for (auto pos = text.find(word); pos != k_npos; pos = text.find(word, pos + 1)) {
        found = true;
        for (const auto& [begin, end] : secrets) {
            if (pos < end && begin < pos + word.size()) {
                return false;
            }
        }
    }
    return found;
}

} // namespace

ConnectionString::ConnectionString(std::string_view raw) : m_text(normalize(raw))
{
    const auto prefix = uri_prefix_length(m_text);
    const std::string_view scheme = std::string_view(m_text).substr(0, prefix);
    std::optional<std::string> libpq_error;
    if (prefix != 0 && scheme != "postgresql://" && scheme != "postgres://") {
        m_error = fmt::format("unknown URI scheme \"{}\" (libpq knows postgresql:// and postgres://)", scheme);
    } else if (std::string error; auto parsed = libpq_parse(m_text, error)) {
        if (prefix != 0 && credentials_ambiguous(m_text, prefix)) {
            m_error = "a '/' or '@' in the user name or password of a URI must be percent-encoded (%2F, %40)";
        } else {
            m_options = std::move(*parsed);
        }
    } else {
        libpq_error = error.empty() ? "malformed" : error;
    }
    const bool read = m_error.empty() && !libpq_error;
    if (read) {
        mark_secrets(prefix);
    } else {
        mark_possible_secrets();
    }
    m_spans = merged(std::move(m_spans));
    collect_secrets();
    m_redacted = masked(m_text, m_spans);
    if (read && !redaction_verified(m_redacted, m_options)) {
        Options shown = m_options;
        for (auto keyword : k_secret_keywords) {
            if (auto it = shown.find(std::string(keyword)); it != shown.end()) {
                it->second = k_mask;
            }
        }
        m_redacted = keyword_form(shown);
    }
    m_redacted = scrub(m_redacted);
    m_error = scrub(libpq_error ? hide_parse_error(*libpq_error) : m_error);
}

void ConnectionString::mark_secrets(std::size_t uri_prefix)
{
    m_spans = uri_prefix != 0 ? uri_secret_spans(m_text, uri_prefix) : keyword_secret_spans(m_text);
}

// For a string libpq could not read (or read otherwise than a person would): everything that could
// be a password. In user:password@ shapes (a URI, misspelled or quoted in text) from the first ':'
// not followed by '/' to the last '@'; after password= or sslpassword=, in a URI up to the next
// "&keyword=", elsewhere the value and the words after it up to the next "keyword=" (the rest of
// a password that needed quotes).
void ConnectionString::mark_possible_secrets()
{
    const std::string_view s = m_text;
    auto mark_user_info = [&](std::size_t begin, std::size_t end) {
        const auto at = s.substr(0, end).rfind('@');
        if (at == k_npos || at < begin) {
            return;
        }
        for (auto colon = s.find(':', begin); colon < at; colon = s.find(':', colon + 1)) {
            if (s[colon + 1] != '/') {
                m_spans.emplace_back(colon + 1, at);
                return;
            }
        }
    };
    const bool one_uri = scheme_length(s) != 0;
    if (one_uri) {
        mark_user_info(0, s.size());
    } else {
        auto is_break = [](char c) { return is_space(c) || c == '"' || c == '\''; };
        for (std::size_t begin = 0; begin < s.size();) {
            auto end = begin;
            while (end < s.size() && !is_break(s[end])) {
                ++end;
            }
            mark_user_info(begin, end);
            begin = end + 1;
        }
    }
    for (auto pos = s.find("password"); pos != k_npos; pos = s.find("password", pos + 1)) {
        const auto keyword = pos >= 3 && s.substr(pos - 3, 3) == "ssl" ? pos - 3 : pos;
        if (keyword > 0 && !is_space(s[keyword - 1]) && s[keyword - 1] != '?' && s[keyword - 1] != '&') {
            continue;
        }
        auto i = pos + 8;
        while (i < s.size() && is_space(s[i])) {
            ++i;
        }
        if (i >= s.size() || s[i] != '=') {
            continue;
        }
        do {
            ++i;
        } while (i < s.size() && is_space(s[i]));
        auto end = one_uri ? next_uri_parameter(s, i) : keyword_value_end(s, i);
        for (auto next = end; !one_uri && next < s.size();) {
            while (next < s.size() && is_space(s[next])) {
                ++next;
            }
            auto word_end = next;
            while (word_end < s.size() && !is_space(s[word_end])) {
                ++word_end;
            }
            if (next == word_end || starts_pair(s.substr(next)) ||
                s.substr(next, word_end - next).find("://") != k_npos) {
                break;
            }
            end = next = word_end;
        }
        if (i < end) {
            m_spans.emplace_back(i, end);
        }
    }
}

// Every form a secret may take in a message: as written (quoted, escaped, percent-encoded), as
// libpq read it, and as build_conninfo() or a URI would write it.
void ConnectionString::collect_secrets()
{
    auto add = [this](std::string secret) {
        if (!secret.empty() && secret != k_mask) {
            m_secrets.push_back(std::move(secret));
        }
    };
    for (const auto& [begin, end] : m_spans) {
        const std::string_view raw = std::string_view(m_text).substr(begin, end - begin);
        add(std::string(raw));
        if (raw.size() >= 2 && raw.front() == '\'' && raw.back() == '\'') {
            add(std::string(raw.substr(1, raw.size() - 2)));
        }
        add(unescape_keyword_value(raw));
        add(percent_decode(raw).value_or(""));
    }
    for (auto keyword : k_secret_keywords) {
        if (auto it = m_options.find(std::string(keyword)); it != m_options.end()) {
            add(it->second);
            add(percent_encode(it->second));
            add(quote_value(it->second));
        }
    }
    std::ranges::sort(m_secrets,
                      [](const auto& a, const auto& b) { return a.size() != b.size() ? a.size() > b.size() : a < b; });
    m_secrets.erase(std::unique(m_secrets.begin(), m_secrets.end()), m_secrets.end());
}

// libpq's parse error with its quoted part (some of the input) kept only when it is the whole input
// (shown redacted) or a word that is no part of a secret.
std::string ConnectionString::hide_parse_error(std::string_view message) const
{
    struct Format
    {
        std::string_view prefix;
        std::string_view suffix;
    };
    static constexpr std::array k_formats{
        Format{"missing \"=\" after \"", "\" in connection info string"},
        Format{"invalid connection option \"", "\""},
        Format{"invalid URI query parameter: \"", "\""},
        Format{"extra key/value separator \"=\" in URI query parameter: \"", "\""},
        Format{"missing key/value separator \"=\" in URI query parameter: \"", "\""},
        Format{"invalid percent-encoded token: \"", "\""},
        Format{"forbidden value %00 in percent-encoded value: \"", "\""},
        Format{"unexpected spaces found in \"", "\", use percent-encoded spaces (%20) instead"},
        Format{"end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"", "\""},
        Format{"IPv6 host address may not be empty in URI: \"", "\""},
    };
    for (const auto& [prefix, suffix] : k_formats) {
        if (message.size() >= prefix.size() + suffix.size() && message.starts_with(prefix) &&
            message.ends_with(suffix)) {
            const auto quoted = message.substr(prefix.size(), message.size() - prefix.size() - suffix.size());
            const std::string shown = quoted == m_text                    ? m_redacted
                                      : may_show(quoted, m_text, m_spans) ? std::string(quoted)
                                                                          : std::string(k_mask);
            return fmt::format("{}{}{}", prefix, shown, suffix);
        }
    }
    // 'unexpected character "x" at position 9 in URI (expected ":" or "/"): "URI"' (the position
    // would tell the length of the password)
    const auto expected = message.find(" in URI (expected ");
    const auto uri = message.find(": \"", expected);
    if (message.starts_with("unexpected character \"") && uri != k_npos) {
        return fmt::format("unexpected character{}: \"{}\"", message.substr(expected, uri - expected), m_redacted);
    }
    // Another message: what comes before its first quoted part.
    auto head = message.substr(0, message.find('"'));
    while (!head.empty() && (head.back() == ' ' || head.back() == ':')) {
        head.remove_suffix(1);
    }
    return std::string(head);
}

std::string ConnectionString::scrub(std::string_view text) const
{
    std::string out(text);
    for (const auto& secret : m_secrets) {
        for (auto pos = out.find(secret); pos != k_npos; pos = out.find(secret, pos)) {
            const auto after = pos + secret.size();
            auto is_edge = [](char c) { return is_space(c) || c == '"' || c == '\''; };
            const bool alone = (pos == 0 || is_edge(out[pos - 1])) && (after >= out.size() || is_edge(out[after]));
            if (secret.size() < k_min_embedded_secret && !alone) {
                ++pos;
                continue;
            }
            out.replace(pos, secret.size(), k_mask);
            pos += k_mask.size();
        }
    }
    return out;
}

std::string keyword_form(const std::map<std::string, std::string>& options)
{
    std::string out;
    for (const auto& [key, value] : options) {
        if (!out.empty()) {
            out.push_back(' ');
        }
        out += key + "=" + quote_value(value);
    }
    return out;
}

} // namespace devlog::db
