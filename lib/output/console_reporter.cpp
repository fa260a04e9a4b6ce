#include "lib/output/console_reporter.hpp"

#include "lib/output/progress.hpp"
#include "lib/output/utf8.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace devlog::output {
namespace {
constexpr std::string_view k_clear_line = "\r\033[K";
} // namespace

ConsoleReporter::ConsoleReporter(std::ostream& out, ConsoleOptions options, Clocks clocks)
    : m_out(out), m_options(options), m_clocks(std::move(clocks))
{
}

ConsoleReporter::~ConsoleReporter()
{
    clear_line();
}

void ConsoleReporter::begin(const Progress&)
{
    const std::lock_guard lock(m_mutex);
    m_start = m_last_shown = m_clocks.steady();
}

void ConsoleReporter::update(const Progress& state)
{
    if (m_options.quiet) {
        return;
    }
    const std::lock_guard lock(m_mutex);
    const auto now = m_clocks.steady();
    if (m_options.terminal) {
        if (now - m_last_shown >= m_options.redraw_interval) {
            m_last_shown = now;
            draw(format_progress(state, now - m_start));
        }
    } else if (now - m_last_shown >= m_options.log_interval) {
        m_last_shown = now;
        log_line(format_progress(state, now - m_start), m_options.timestamps);
    }
}

void ConsoleReporter::end(const Progress& state, TaskEnd how)
{
    const std::lock_guard lock(m_mutex);
    if (m_options.terminal) {
        clear_line();
    } else if (!m_options.quiet) {
        log_line(format_summary(state, m_clocks.steady() - m_start, how), m_options.timestamps);
    }
}

void ConsoleReporter::notice(Level level, std::string_view message)
{
    const bool show =
        level >= Level::warning || (!m_options.quiet && (level == Level::info || m_options.verbosity > 0));
    if (!show) {
        return;
    }
    std::string line;
    if (level >= Level::warning) {
        const char* prefix = level == Level::error ? "devlogctl: error:" : "devlogctl: warning:";
        const char* color = level == Level::error ? "\033[31m" : "\033[33m";
        line = m_options.color ? fmt::format("{}{}\033[0m ", color, prefix) : fmt::format("{} ", prefix);
    }
    line += message;
    const std::lock_guard lock(m_mutex);
    const std::string progress = m_shown;
    clear_line();
    log_line(line, m_options.stamp_notices && !m_options.terminal && m_options.timestamps);
    if (!progress.empty()) {
        draw(progress);
    }
}

void ConsoleReporter::draw(const std::string& line)
{
    // One column short of the width: writing the last column makes some terminals wrap.
    m_shown = fit_width(terminal_safe(line), m_options.width > 1 ? m_options.width - 1 : 1);
    m_out << '\r' << m_shown << "\033[K" << std::flush;
}

void ConsoleReporter::clear_line()
{
    if (!m_shown.empty()) {
        m_out << k_clear_line << std::flush;
        m_shown.clear();
    }
}

void ConsoleReporter::log_line(const std::string& line, bool stamp)
{
    std::string text;
    if (stamp) {
        const auto t = std::chrono::system_clock::to_time_t(m_clocks.wall());
        text = fmt::format("{:%Y-%m-%dT%H:%M:%SZ} ", fmt::gmtime(t));
    }
    text += line;
    text += '\n';
    m_out << text << std::flush;
}

} // namespace devlog::output
