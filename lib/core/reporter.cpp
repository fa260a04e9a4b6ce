#include "lib/core/reporter.hpp"

#include <utility>

namespace devlog {

Task::Task(Reporter& reporter, Progress initial) : m_reporter(reporter), m_state(std::move(initial))
{
    m_reporter.begin(m_state);
}

Task::~Task()
{
    if (!m_ended) {
        try {
            m_reporter.end(m_state, TaskEnd::stopped);
        } catch (...) { // NOLINT(bugprone-empty-catch): a destructor must not throw while unwinding
        }
    }
}

void Task::add(std::uint64_t units, std::uint64_t bytes)
{
    m_state.done += units;
    m_state.bytes += bytes;
    m_reporter.update(m_state);
}

void Task::set_totals(std::optional<std::uint64_t> units, std::optional<std::uint64_t> bytes)
{
    m_state.total = units;
    m_state.total_bytes = bytes;
    m_reporter.update(m_state);
}

void Task::finish()
{
    if (!m_ended) {
        m_ended = true;
        m_reporter.end(m_state, TaskEnd::finished);
    }
}

} // namespace devlog
