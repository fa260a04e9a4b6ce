#include "lib/importer/decode.hpp"

#include "lib/core/errors.hpp"

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

struct CsvField
{
    std::string_view text;
    bool quoted = false;
};

} // namespace

struct CsvDecoder::Impl
{
    std::vector<Field> columns;     // per position; Field::unknown: ignored
    std::vector<std::string> keys;  // per position, as the header spells them
    std::string header_line;
    bool snake = false;
    std::vector<CsvField> fields;
    // Unescaped field text and array elements of the current record. Reserved to more than the
    // record can need, so appending never moves what earlier views point to.
    std::string arena;
    std::string padded; // one JSON value with simdjson's padding
    dom::parser parser;
    std::vector<std::string_view> tags;
    std::vector<std::string_view> related;

    // Appends TEXT to the arena and returns its view there.
    std::string_view keep(std::string_view text)
    {
        const std::size_t at = arena.size();
        arena.append(text);
        return {arena.data() + at, text.size()};
    }

    // RFC 4180: fields separated by ',', optionally quoted with '"', a quote inside written "".
    void split(std::string_view text)
    {
        fields.clear();
        arena.clear();
        arena.reserve(2 * text.size() + 64);
        std::size_t pos = 0;
        for (;;) {
            if (pos < text.size() && text[pos] == '"') {
                std::size_t start = ++pos;
                bool doubled = false;
                std::size_t end = 0;
                for (;;) {
                    const auto* q = static_cast<const char*>(std::memchr(text.data() + pos, '"', text.size() - pos));
                    if (q == nullptr) {
                        bad("record", fmt::format("field {} has an opening quote but no closing one", fields.size() + 1));
                    }
                    const auto at = static_cast<std::size_t>(q - text.data());
                    if (at + 1 < text.size() && text[at + 1] == '"') {
                        doubled = true;
                        pos = at + 2;
                        continue;
                    }
                    end = at;
                    pos = at + 1;
                    break;
                }
                std::string_view value = text.substr(start, end - start);
                if (doubled) {
                    const std::size_t at = arena.size();
                    for (std::size_t i = 0; i < value.size(); ++i) {
                        arena.push_back(value[i]);
                        if (value[i] == '"') {
                            ++i; // the second quote of ""
                        }
                    }
                    value = std::string_view(arena.data() + at, arena.size() - at);
                }
                fields.push_back({value, true});
                if (pos < text.size() && text[pos] != ',') {
                    bad("record", fmt::format("field {} has text after its closing quote", fields.size()));
                }
            } else {
                const auto* comma = static_cast<const char*>(std::memchr(text.data() + pos, ',', text.size() - pos));
                const std::size_t end = comma != nullptr ? static_cast<std::size_t>(comma - text.data()) : text.size();
                const std::string_view value = text.substr(pos, end - pos);
                if (value.find('"') != std::string_view::npos) {
                    bad("record", fmt::format("field {} has a quote but does not start with one", fields.size() + 1));
                }
                fields.push_back({value, false});
                pos = end;
            }
            if (pos >= text.size()) {
                return;
            }
            ++pos; // the comma
        }
    }

    // VALUE, JSON text, parsed as a whole; its strings stay valid until the next parse.
    dom::element parse_json(std::string_view key, std::string_view value)
    {
        padded.assign(value);
        padded.append(simdjson::SIMDJSON_PADDING, '\0');
        dom::element root;
        const auto error = parser.parse(padded.data(), value.size(), false).get(root);
        if (error != simdjson::SUCCESS) {
            bad(key, describe_json_error(error));
        }
        return root;
    }

    std::string_view json_object(std::string_view key, std::string_view value)
    {
        if (parse_json(key, value).type() != dom::element_type::OBJECT) {
            bad(key, "expected a JSON object");
        }
        return json_object_text(key, value);
    }

    // A JSON array of strings, or a PostgreSQL array literal ({a,"b c",d}).
    std::span<const std::string_view> strings(std::string_view key, std::string_view value,
                                              std::vector<std::string_view>& out)
    {
        out.clear();
        if (!value.empty() && value.front() == '[') {
            dom::array array;
            if (parse_json(key, value).get_array().get(array) != simdjson::SUCCESS) {
                bad(key, "expected a JSON array of strings");
            }
            for (const dom::element element : array) {
                std::string_view text;
                if (element.get_string().get(text) != simdjson::SUCCESS) {
                    bad(key, fmt::format("element {} is not a string", out.size() + 1));
                }
                out.push_back(keep(text_value(key, text, false)));
            }
            return out;
        }
        if (value.size() < 2 || value.front() != '{' || value.back() != '}') {
            bad(key, "expected a JSON array [\"a\",\"b\"] or a PostgreSQL array {a,b}");
        }
        const std::string_view body = value.substr(1, value.size() - 2);
        std::size_t pos = 0;
        while (pos < body.size()) {
            while (pos < body.size() && body[pos] == ' ') {
                ++pos;
            }
            const std::size_t at = arena.size();
            bool quoted = false;
            if (pos < body.size() && body[pos] == '"') {
                quoted = true;
                ++pos;
                while (pos < body.size() && body[pos] != '"') {
                    if (body[pos] == '\\' && pos + 1 < body.size()) {
                        ++pos;
                    }
                    arena.push_back(body[pos++]);
                }
                if (pos >= body.size()) {
                    bad(key, "a quoted array element is not closed");
                }
                ++pos;
            } else {
                while (pos < body.size() && body[pos] != ',') {
                    if (body[pos] == '\\' && pos + 1 < body.size()) {
                        ++pos;
                    }
                    arena.push_back(body[pos++]);
                }
                while (arena.size() > at && arena.back() == ' ') {
                    arena.pop_back();
                }
            }
            const std::string_view element(arena.data() + at, arena.size() - at);
            if (!quoted && (element == "NULL" || element == "null")) {
                bad(key, fmt::format("element {} is NULL; expected strings", out.size() + 1));
            }
            if (!quoted && element.find_first_of("{}") != std::string_view::npos) {
                bad(key, "nested arrays are not supported");
            }
            out.push_back(text_value(key, element, false));
            while (pos < body.size() && body[pos] == ' ') {
                ++pos;
            }
            if (pos < body.size()) {
                if (body[pos] != ',') {
                    bad(key, "expected ',' between array elements");
                }
                ++pos;
            }
        }
        return out;
    }

    void field(Field f, std::string_view key, std::string_view value, ParsedEvent& out)
    {
        EventRow& row = out.row;
        switch (f) {
        case Field::id:
            row.id = id_value(key, value, "event");
            break;
        case Field::timestamp:
            out.has_timestamp = true;
            row.timestamp = timestamp_text(key, value);
            break;
        case Field::event_type:
            out.has_event_type = true;
            row.event_type = event_type_value(key, value);
            break;
        case Field::agent_id:
            out.has_agent_id = true;
            row.agent_id = text_value(key, value, true);
            break;
        case Field::agent_version:
            out.has_agent_version = true;
            row.agent_version = text_value(key, value, false);
            break;
        case Field::session_id:
            out.has_session_id = true;
            row.session_id = id_value(key, value, "session");
            break;
        case Field::project_id:
        case Field::project:
            project_text_value(key, value, out);
            break;
        case Field::context:
            row.context = json_object(key, value);
            break;
        case Field::data:
            row.data = json_object(key, value);
            break;
        case Field::metrics:
            row.metrics = json_object(key, value);
            break;
        case Field::parent_event_id:
            row.parent_event_id = id_value(key, value, "event");
            break;
        case Field::related_event_ids:
            row.related_event_ids = strings(key, value, related);
            break;
        case Field::tags:
            row.tags = strings(key, value, tags);
            break;
        case Field::severity:
            row.severity = severity_value(key, value);
            break;
        case Field::unknown:
            break;
        }
    }
};

CsvDecoder::CsvDecoder() : m_impl(std::make_unique<Impl>()) {}
CsvDecoder::~CsvDecoder() = default;

const std::string& CsvDecoder::header_text() const
{
    return m_impl->header_line;
}

void CsvDecoder::header(const Record& record, const std::string& name)
{
    auto& impl = *m_impl;
    const auto fail = [&](const std::string& what) {
        throw InputError(fmt::format("{}:{}: CSV header: {}", name, record.line, what));
    };
    if (record.too_long) {
        fail("longer than the record limit");
    }
    try {
        impl.split(record.text);
    } catch (const BadField& e) {
        fail(e.problem);
    }
    impl.header_line.assign(record.text);
    impl.columns.clear();
    impl.keys.clear();
    impl.snake = false;
    for (const auto& f : impl.fields) {
        const Field field = field_of(f.text);
        for (std::size_t i = 0; i < impl.columns.size(); ++i) {
            if (field != Field::unknown && impl.columns[i] == field) {
                fail(fmt::format("columns {} and {} are both {}", importer::quoted(impl.keys[i]), importer::quoted(f.text),
                                 field_key(field, false)));
            }
        }
        impl.columns.push_back(field);
        impl.keys.emplace_back(f.text);
        impl.snake = impl.snake || (field != Field::unknown && is_snake(f.text));
    }
    for (const Field required : {Field::timestamp, Field::event_type, Field::agent_id, Field::agent_version, Field::session_id}) {
        if (std::find(impl.columns.begin(), impl.columns.end(), required) == impl.columns.end()) {
            fail(fmt::format("no {} column", field_key(required, impl.snake)));
        }
    }
}

void CsvDecoder::decode(const Record& record, ParsedEvent& out)
{
    auto& impl = *m_impl;
    out.reset();
    out.snake = impl.snake;
    const std::string_view text = record.text;
    if (const void* nul = std::memchr(text.data(), '\0', text.size()); nul != nullptr) {
        bad("record", fmt::format("contains a NUL byte (at byte {})", static_cast<const char*>(nul) - text.data() + 1));
    }
    if (!simdjson::validate_utf8(text.data(), text.size())) {
        const std::size_t at = invalid_utf8_column(text);
        bad("record", fmt::format("not valid UTF-8 (byte 0x{:02X} at byte {})",
                                  static_cast<unsigned char>(text[at > 0 ? at - 1 : 0]), at));
    }
    impl.split(text);
    if (impl.fields.size() != impl.columns.size()) {
        bad("record", fmt::format("{} fields, but the header has {} columns", impl.fields.size(), impl.columns.size()));
    }
    for (std::size_t i = 0; i < impl.fields.size(); ++i) {
        const Field f = impl.columns[i];
        const CsvField& value = impl.fields[i];
        if (f == Field::unknown || (!value.quoted && value.text.empty())) {
            continue; // ignored column, or NULL
        }
        impl.field(f, impl.keys[i], value.text, out);
    }
    require_fields(out);
}

} // namespace devlog::importer
