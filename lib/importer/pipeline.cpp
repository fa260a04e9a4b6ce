#include "lib/importer/pipeline.hpp"

#include "lib/db/database.hpp"

namespace devlog::importer {

Pipeline::Pipeline(const db::ConnectSettings& settings, int workers, WriterOptions writer,
                   std::function<std::uint64_t()> max_refused, OnLoaded on_loaded, OnFailed on_failed,
                   std::size_t jobs)
    : m_settings(settings), m_writer(std::move(writer)), m_max_refused(std::move(max_refused)),
      m_on_loaded(std::move(on_loaded)), m_on_failed(std::move(on_failed))
{
    if (jobs == 0) {
        jobs = 2 * static_cast<std::size_t>(workers) + 1;
    }
    for (std::size_t i = 0; i < jobs; ++i) {
        m_jobs.push_back(std::make_unique<BatchJob>());
        m_free.push_back(m_jobs.back().get());
    }
    for (int i = 0; i < workers; ++i) {
        m_threads.emplace_back([this] { work(); });
    }
}

Pipeline::~Pipeline()
{
    stop();
    for (auto& thread : m_threads) {
        if (thread.joinable()) {
            thread.join();
        }
    }
}

BatchJob* Pipeline::acquire()
{
    std::unique_lock lock(m_mutex);
    m_job_free.wait(lock, [&] { return !m_free.empty() || m_stopped; });
    if (m_stopped) {
        return nullptr;
    }
    BatchJob* job = m_free.back();
    m_free.pop_back();
    job->clear();
    return job;
}

void Pipeline::submit(BatchJob* job)
{
    if (job->batch.empty()) {
        release(job);
        return;
    }
    {
        const std::lock_guard lock(m_mutex);
        if (m_stopped) {
            m_not_loaded += job->batch.rows();
            m_free.push_back(job);
            m_job_free.notify_one();
            return;
        }
        m_queue.push_back(job);
    }
    m_work_ready.notify_one();
}

void Pipeline::release(BatchJob* job)
{
    {
        const std::lock_guard lock(m_mutex);
        m_free.push_back(job);
    }
    m_job_free.notify_one();
}

void Pipeline::stop(std::exception_ptr error)
{
    {
        const std::lock_guard lock(m_mutex);
        if (error && !m_error) {
            m_error = error;
        }
        m_stopped = true;
        m_closed = true;
        for (BatchJob* job : m_queue) {
            m_not_loaded += job->batch.rows();
            m_free.push_back(job);
        }
        m_queue.clear();
    }
    m_work_ready.notify_all();
    m_job_free.notify_all();
}

void Pipeline::finish()
{
    {
        const std::lock_guard lock(m_mutex);
        m_closed = true;
    }
    m_work_ready.notify_all();
    for (auto& thread : m_threads) {
        if (thread.joinable()) {
            thread.join();
        }
    }
}

std::exception_ptr Pipeline::error() const
{
    const std::lock_guard lock(m_mutex);
    return m_error;
}

BatchJob* Pipeline::next_job()
{
    std::unique_lock lock(m_mutex);
    m_work_ready.wait(lock, [&] { return !m_queue.empty() || m_closed; });
    if (m_queue.empty()) {
        return nullptr;
    }
    BatchJob* job = m_queue.front();
    m_queue.pop_front();
    return job;
}

void Pipeline::work()
{
    std::unique_ptr<db::Database> db;
    std::unique_ptr<EventWriter> writer;
    try {
        db = std::make_unique<db::Database>(db::Database::open(m_settings));
        writer = std::make_unique<EventWriter>(*db, m_writer);
    } catch (...) {
        stop(std::current_exception());
        return;
    }
    while (BatchJob* job = next_job()) {
        WriteResult result;
        try {
            result = writer->write(job->batch, m_max_refused());
        } catch (...) {
            m_not_loaded += job->batch.rows();
            stop(m_on_failed(*job, std::current_exception()));
            release(job);
            continue;
        }
        try {
            m_on_loaded(*job, result);
        } catch (...) { // the batch is in; telling about it failed (the rejects file)
            stop(std::current_exception());
        }
        release(job);
    }
}

} // namespace devlog::importer
