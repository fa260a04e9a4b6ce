#include "lib/upload/writer.hpp"

#include "lib/db/runner.hpp"

#include <nlohmann/json.hpp>

namespace devlog::upload {

std::string records_json(std::span<const events::Event> events)
{
    auto list = nlohmann::json::array();
    for (const auto& e : events) {
        nlohmann::json r = {{"id", e.id.str()},
                            {"timestamp", time::format_iso8601(e.timestamp)},
                            {"event_type", e.event_type},
                            {"agent_id", e.agent_id},
                            {"agent_version", e.agent_version},
                            {"session_id", e.session_id.str()},
                            {"project_id", e.project_id},
                            {"context", nlohmann::json::parse(e.context)},
                            {"data", nlohmann::json::parse(e.data)},
                            {"metrics", e.metrics ? nlohmann::json::parse(*e.metrics) : nlohmann::json()},
                            {"parent_event_id", e.parent_event_id ? nlohmann::json(e.parent_event_id->str()) : nlohmann::json()},
                            {"related_event_ids", e.related_event_ids ? nlohmann::json(*e.related_event_ids) : nlohmann::json()},
                            {"tags", e.tags ? nlohmann::json(*e.tags) : nlohmann::json()},
                            {"severity", e.severity ? nlohmann::json(*e.severity) : nlohmann::json()}};
        list.push_back(std::move(r));
    }
    return list.dump();
}

std::int64_t write_corrections(db::Runner& runner, std::span<const events::Event> events)
{
    if (events.empty()) {
        return 0;
    }
    const auto result = runner.exec("SELECT devlogctl.upload_corrections_v1($1::jsonb)", {"upload: corrections"},
                                    {records_json(events)});
    return std::stoll(result.get(0, 0).value_or("0"));
}

} // namespace devlog::upload
