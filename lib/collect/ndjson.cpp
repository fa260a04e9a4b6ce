#include "lib/collect/ndjson.hpp"

#include "lib/importer/batch.hpp"
#include "lib/importer/decode.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace devlog::collect {
namespace {

using nlohmann::json;

std::optional<std::vector<std::string>> strings(const std::optional<std::span<const std::string_view>>& values)
{
    if (!values) {
        return std::nullopt;
    }
    return std::vector<std::string>(values->begin(), values->end());
}

// Records are decoded by import's decoder, so a file gives the same events, ids and refusals
// through `collect --source ndjson:` as through `import events`.
class NdjsonParser final : public LineParser
{
public:
    void parse_line(std::string_view line, std::int64_t line_no, Emitter& out) override
    {
        // simdjson reads up to k_record_padding bytes past the record.
        m_buffer.assign(line);
        m_buffer.append(importer::k_record_padding, '\0');
        importer::Record record;
        record.text = std::string_view(m_buffer.data(), line.size());
        record.capacity = m_buffer.size();
        record.line = static_cast<std::uint64_t>(line_no);
        importer::ParsedEvent parsed;
        try {
            m_decoder.decode(record, parsed);
        } catch (const importer::BadField& bad) {
            out.malformed(line_no, bad.field + ": " + bad.problem);
            return;
        }
        importer::EventRow& row = parsed.row;
        queue::Item item;
        auto& e = item.event;
        e.timestamp = row.timestamp;
        e.event_type = std::string(row.event_type);
        e.agent_id = std::string(row.agent_id);
        e.agent_version = std::string(row.agent_version);
        e.session_id = row.session_id;
        e.context = std::string(row.context);
        e.data = std::string(row.data);
        if (row.metrics) {
            e.metrics = std::string(*row.metrics);
        }
        e.parent_event_id = row.parent_event_id;
        e.related_event_ids = strings(row.related_event_ids);
        e.tags = strings(row.tags);
        if (row.severity) {
            e.severity = std::string(*row.severity);
        }
        e.id = id(parsed);
        if (e.event_type == "llm_response" && e.metrics) {
            // The usage size, by which the ledger keeps the largest copy of a response.
            const json metrics = json::parse(*e.metrics, nullptr, false);
            if (const auto it = metrics.find("tokenCount"); it != metrics.end() && it->is_number()) {
                item.tokens = it->get<std::int64_t>();
            }
        }
        place(parsed, item, out);
        out.emit(std::move(item));
    }

private:
    // The record's id, or the one `import events` derives for it (importer::derive_event_id). That
    // id covers the project id, which is known here only when the record gives it as a number; a
    // project named otherwise is resolved on upload, so the id derived with project 0 is made
    // distinct per project name (and differs from import's).
    Uuid id(importer::ParsedEvent& parsed)
    {
        importer::EventRow& row = parsed.row;
        if (row.id) {
            return *row.id;
        }
        row.project_id = parsed.project_number ? static_cast<std::int32_t>(*parsed.project_number) : 0;
        const Uuid derived = importer::derive_event_id(row, m_scratch);
        if (parsed.project_number) {
            return derived;
        }
        return event_id("ndjson", "project", derived.str() + ":" + std::string(parsed.project_text));
    }

    static void place(const importer::ParsedEvent& parsed, queue::Item& item, Emitter& out)
    {
        if (parsed.project_number) {
            item.project = "id:" + std::to_string(*parsed.project_number);
            return;
        }
        std::string cwd;
        std::string hint(parsed.project_text);
        if (hint.empty()) {
            const json context = json::parse(parsed.row.context, nullptr, false);
            for (const char* key : {"cwd", "workspacePath", "workingDirectory"}) {
                if (auto it = context.find(key); it != context.end() && it->is_string()) {
                    cwd = it->get<std::string>();
                    break;
                }
            }
        } else if (hint.find("://") == std::string::npos && hint.find('@') == std::string::npos &&
                   std::count(hint.begin(), hint.end(), '/') == 1) {
            hint = "https://github.com/" + hint; // owner/repo
        }
        const Place& place = out.identities().for_directory(hint.empty() ? cwd : std::string(), hint);
        item.project = place.project;
        item.workspace = hint.empty() ? place.workspace : std::string();
    }

    importer::JsonDecoder m_decoder;
    std::string m_buffer;
    std::string m_scratch;
};

} // namespace

std::unique_ptr<LineParser> make_ndjson_parser()
{
    return std::make_unique<NdjsonParser>();
}

} // namespace devlog::collect
