#include "lib/importer/decode.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <cstring>

namespace devlog::importer {
namespace {

namespace dom = simdjson::dom;

[[noreturn]] void bad(std::string_view key, std::string problem)
{
    throw BadField{std::string(key), std::move(problem)};
}

const char* type_name(dom::element_type type)
{
    switch (type) {
    case dom::element_type::ARRAY:
        return "an array";
    case dom::element_type::OBJECT:
        return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
        return "a number";
    case dom::element_type::STRING:
        return "a string";
    case dom::element_type::BOOL:
        return "true or false";
    case dom::element_type::NULL_VALUE:
        return "null";
    }
    return "a value";
}

[[noreturn]] void wrong_type(std::string_view key, const char* expected, dom::element value)
{
    bad(key, fmt::format("expected {}, got {}", expected, type_name(value.type())));
}

} // namespace

std::string describe_json_error(int code)
{
    switch (static_cast<simdjson::error_code>(code)) {
    case simdjson::UNESCAPED_CHARS:
        return "invalid JSON: a control character inside a string is not escaped";
    case simdjson::UNCLOSED_STRING:
        return "invalid JSON: a string is not closed";
    case simdjson::STRING_ERROR:
        return "invalid JSON: a bad escape sequence in a string";
    case simdjson::NUMBER_ERROR:
        return "invalid JSON: a malformed number, or one beyond 64-bit range";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
        return "invalid JSON: a misspelled true, false or null";
    case simdjson::DEPTH_ERROR:
        return "invalid JSON: nested too deeply";
    case simdjson::EMPTY:
        return "invalid JSON: empty";
    default:
        return "invalid JSON: missing or extra commas, brackets, braces or quotes";
    }
}

namespace {

// The raw text of the values of a valid JSON object's members, in order (simdjson's DOM keeps
// the order but not the text, and context/data/metrics go to the server as written).
class RawMembers
{
public:
    explicit RawMembers(std::string_view text) : m_text(text)
    {
        m_pos = m_text.find('{') + 1;
    }
    std::string_view next_value()
    {
        skip_blanks();
        if (m_pos < m_text.size() && m_text[m_pos] == ',') {
            ++m_pos;
            skip_blanks();
        }
        skip_string(); // the key
        skip_blanks();
        ++m_pos; // ':'
        skip_blanks();
        const std::size_t start = m_pos;
        skip_value();
        return m_text.substr(start, m_pos - start);
    }

private:
    void skip_blanks()
    {
        while (m_pos < m_text.size() &&
               (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' || m_text[m_pos] == '\n' || m_text[m_pos] == '\r')) {
            ++m_pos;
        }
    }
    void skip_string()
    {
        ++m_pos; // opening quote; the text is valid JSON, so a closing one follows
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos];
            if (c == '"') {
                ++m_pos;
                return;
            }
            m_pos += c == '\\' ? 2 : 1;
        }
    }
    void skip_value()
    {
        const char c = m_text[m_pos];
        if (c == '"') {
            skip_string();
            return;
        }
        if (c != '{' && c != '[') {
            while (m_pos < m_text.size() && std::strchr(",} \t\r\n", m_text[m_pos]) == nullptr) {
                ++m_pos;
            }
            return;
        }
        int depth = 0;
        while (m_pos < m_text.size()) {
            const char ch = m_text[m_pos];
            if (ch == '"') {
                skip_string();
                continue;
            }
            ++m_pos;
            if (ch == '{' || ch == '[') {
                ++depth;
            } else if ((ch == '}' || ch == ']') && --depth == 0) {
                return;
            }
        }
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
};

} // namespace

std::size_t invalid_utf8_column(std::string_view text)
{
    std::size_t i = 0;
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    while (i < text.size()) {
        const unsigned char c = byte(i);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i + 1;
        }
        if (i + n >= text.size()) {
            return i + 1; // cut short
        }
        for (std::size_t k = 1; k <= n; ++k) {
            if ((byte(i + k) & 0xC0) != 0x80) {
                return i + 1;
            }
            cp = (cp << 6) | (byte(i + k) & 0x3F);
        }
        const bool overlong = (n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
        if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return i + 1;
        }
        i += n + 1;
    }
    return 0;
}

struct JsonDecoder::Impl
{
    dom::parser parser;
    std::vector<std::string_view> tags;
    std::vector<std::string_view> related;

    // An array of strings, into OUT.
    static std::span<const std::string_view> strings(std::string_view key, dom::element value,
                                                     std::vector<std::string_view>& out)
    {
        dom::array array;
        if (value.get_array().get(array) != simdjson::SUCCESS) {
            wrong_type(key, "an array of strings", value);
        }
        out.clear();
        for (const dom::element element : array) {
            std::string_view text;
            if (element.get_string().get(text) != simdjson::SUCCESS) {
                bad(key, fmt::format("element {} is {}; expected strings", out.size() + 1, type_name(element.type())));
            }
            out.push_back(text_value(key, text, false));
        }
        return out;
    }

    static std::string_view string(std::string_view key, dom::element value, const char* expected)
    {
        std::string_view text;
        if (value.get_string().get(text) != simdjson::SUCCESS) {
            wrong_type(key, expected, value);
        }
        return text;
    }

    static void project(std::string_view key, dom::element value, ParsedEvent& out)
    {
        out.has_project = true;
        switch (value.type()) {
        case dom::element_type::INT64:
            out.project_number = project_number(key, value.get_int64().value_unsafe());
            return;
        case dom::element_type::STRING:
            project_text_value(key, value.get_string().value_unsafe(), out);
            return;
        default:
            wrong_type(key, "a project id, full name (owner/repo) or repository URL", value);
        }
    }

    void field(Field f, std::string_view key, dom::element value, std::string_view raw, ParsedEvent& out)
    {
        EventRow& row = out.row;
        switch (f) {
        case Field::id:
            row.id = id_value(key, string(key, value, "a string (a UUID)"), "event");
            break;
        case Field::timestamp:
            out.has_timestamp = true;
            switch (value.type()) {
            case dom::element_type::STRING:
                row.timestamp = timestamp_text(key, value.get_string().value_unsafe());
                break;
            case dom::element_type::INT64:
                row.timestamp = timestamp_number(key, value.get_int64().value_unsafe());
                break;
            case dom::element_type::DOUBLE:
                row.timestamp = timestamp_number(key, value.get_double().value_unsafe());
                break;
            default:
                wrong_type(key, "an ISO-8601 string or an epoch number", value);
            }
            break;
        case Field::event_type:
            out.has_event_type = true;
            row.event_type = event_type_value(key, string(key, value, "a string"));
            break;
        case Field::agent_id:
            out.has_agent_id = true;
            row.agent_id = text_value(key, string(key, value, "a string"), true);
            break;
        case Field::agent_version:
            out.has_agent_version = true;
            row.agent_version = text_value(key, string(key, value, "a string"), false);
            break;
        case Field::session_id:
            out.has_session_id = true;
            row.session_id = id_value(key, string(key, value, "a string (a UUID)"), "session");
            break;
        case Field::project_id:
        case Field::project:
            project(key, value, out);
            break;
        case Field::context:
        case Field::data:
        case Field::metrics: {
            if (value.type() != dom::element_type::OBJECT) {
                wrong_type(key, "a JSON object", value);
            }
            const std::string_view json = json_object_text(key, raw);
            if (f == Field::context) {
                row.context = json;
            } else if (f == Field::data) {
                row.data = json;
            } else {
                row.metrics = json;
            }
            break;
        }
        case Field::parent_event_id:
            row.parent_event_id = id_value(key, string(key, value, "a string (a UUID)"), "event");
            break;
        case Field::related_event_ids:
            row.related_event_ids = strings(key, value, related);
            break;
        case Field::tags:
            row.tags = strings(key, value, tags);
            break;
        case Field::severity:
            row.severity = severity_value(key, string(key, value, "a string"));
            break;
        case Field::unknown:
            break;
        }
    }
};

JsonDecoder::JsonDecoder() : m_impl(std::make_unique<Impl>()) {}
JsonDecoder::~JsonDecoder() = default;

void JsonDecoder::decode(const Record& record, ParsedEvent& out)
{
    out.reset();
    const std::string_view text = record.text;
    if (const void* nul = std::memchr(text.data(), '\0', text.size()); nul != nullptr) {
        bad("record", fmt::format("contains a NUL byte (at byte {})", static_cast<const char*>(nul) - text.data() + 1));
    }
    dom::element root;
    if (const auto error = m_impl->parser.parse(text.data(), text.size(), false).get(root); error != simdjson::SUCCESS) {
        if (error == simdjson::UTF8_ERROR) {
            const std::size_t at = invalid_utf8_column(text);
            bad("record", fmt::format("not valid UTF-8 (byte 0x{:02X} at byte {})",
                                      static_cast<unsigned char>(text[at > 0 ? at - 1 : 0]), at));
        }
        bad("record", describe_json_error(error));
    }
    dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS) {
        bad("record", fmt::format("expected a JSON object, got {}", type_name(root.type())));
    }
    RawMembers raw(text);
    for (const dom::key_value_pair member : object) {
        const std::string_view value_text = raw.next_value();
        const Field f = field_of(member.key);
        if (f == Field::unknown) {
            continue;
        }
        out.snake = out.snake || is_snake(member.key);
        if (member.value.is_null()) {
            continue; // null is as good as missing
        }
        m_impl->field(f, member.key, member.value, value_text, out);
    }
    require_fields(out);
}

} // namespace devlog::importer
