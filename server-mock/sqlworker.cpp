#include "sqlworker.h"

#include "net/logging.h"

#include <QSqlDatabase>

using namespace Qt::StringLiterals;

namespace chat::server {

namespace {
// Weight of the newest gap in the moving average, and the longest gap it counts (in units of
// the bound): one quiet spell lifts the average past the bound at once.
constexpr double kGapWeight = 0.25;
constexpr double kGapCapFactor = 8.0;
} // namespace

AdaptiveWindow::AdaptiveWindow(std::chrono::microseconds max)
    : m_maxUs(double(std::max<qint64>(max.count(), 0))), m_gapUs(kGapCapFactor * m_maxUs)
{ }

void AdaptiveWindow::arrived(Clock::time_point t)
{
    const double cap = kGapCapFactor * m_maxUs;
    const double gap =
        m_last ? std::chrono::duration<double, std::micro>(t - *m_last).count() : cap;
    m_gapUs += kGapWeight * (std::clamp(gap, 0.0, cap) - m_gapUs);
    m_last = t;
}

std::optional<AdaptiveWindow::Clock::time_point>
AdaptiveWindow::deadline(Clock::time_point oldest) const
{
    const double waitUs = kFactor * m_gapUs;
    if (m_maxUs <= 0 || waitUs > m_maxUs)
        return std::nullopt; // the next job is not expected soon enough to be worth waiting
    return oldest
           + std::chrono::duration_cast<Clock::duration>(
               std::chrono::duration<double, std::micro>(waitUs));
}

std::optional<AdaptiveWindow::Clock::time_point>
AdaptiveWindow::nextBatchAt(Clock::time_point now) const
{
    if (!deadline(now))
        return std::nullopt;
    const double sleepUs = std::min(m_maxUs, (kFactor + 0.5) * m_gapUs);
    return now
           + std::chrono::duration_cast<Clock::duration>(
               std::chrono::duration<double, std::micro>(sleepUs));
}

SqlWorker::SqlWorker(QString name, Opener opener, bool batching, int maxBatch, Deliver deliver,
                     std::chrono::microseconds commitWindow, std::chrono::microseconds adaptiveMax)
    : m_name(std::move(name)),
      m_opener(std::move(opener)),
      m_deliver(std::move(deliver)),
      m_batching(batching),
      m_maxBatch(std::max(1, maxBatch)),
      m_window(batching ? std::max(commitWindow, std::chrono::microseconds(0))
                        : std::chrono::microseconds(0)),
      m_adaptive(batching && m_window.count() == 0 ? adaptiveMax : std::chrono::microseconds(0))
{ }

SqlWorker::~SqlWorker()
{
    stop();
}

bool SqlWorker::start(QString *errorMessage)
{
    m_thread = QThread::create([this] { loop(); });
    m_thread->setObjectName(m_name);
    m_thread->start();
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [this] { return m_openDone; });
    if (!m_opened) {
        *errorMessage = m_openError;
        lock.unlock();
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
        return false;
    }
    return true;
}

void SqlWorker::post(SqlJob job)
{
    bool wake;
    {
        std::lock_guard lock(m_mutex);
        if (m_window.count() > 0) {
            job.queued = std::chrono::steady_clock::now();
        } else if (m_adaptive.enabled()) {
            job.queued = std::chrono::steady_clock::now();
            m_adaptive.arrived(job.queued);
        }
        m_queue.push_back(std::move(job));
        // A busy writer looks at the queue when its batch is done; one inside a window
        // only needs waking when the batch is full.
        wake = m_idle || int(m_queue.size()) >= m_maxBatch;
    }
    if (wake)
        m_cv.notify_all();
}

void SqlWorker::stop()
{
    if (!m_thread)
        return;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_cv.notify_all();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
}

void SqlWorker::failNextCommits(int n)
{
    std::lock_guard lock(m_mutex);
    m_failCommits = n;
}

void SqlWorker::loop()
{
    QString err;
    std::unique_ptr<Db> db = m_opener(&err);
    {
        std::lock_guard lock(m_mutex);
        m_opened = bool(db);
        m_openError = err;
        m_openDone = true;
    }
    m_cv.notify_all();
    if (!db)
        return;
    m_db = std::move(db);
    for (;;) {
        std::deque<SqlJob> batch;
        {
            std::unique_lock lock(m_mutex);
            // Regular arrivals and nothing queued: sleep until the next batch is due, not
            // woken by each job (m_idle stays false), and commit what came meanwhile.
            bool slept = false;
            if (m_queue.empty() && !m_stopping && m_adaptive.enabled()) {
                if (const auto until = m_adaptive.nextBatchAt(std::chrono::steady_clock::now())) {
                    m_cv.wait_until(lock, *until, [this] {
                        return m_stopping || int(m_queue.size()) >= m_maxBatch;
                    });
                    slept = !m_queue.empty();
                }
            }
            if (m_queue.empty()) {
                m_idle = true;
                m_cv.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
                m_idle = false;
            }
            if (m_queue.empty() && m_stopping)
                break;
            if (slept) {
                // the jobs of this batch arrived while the writer slept: no further wait
            } else if (m_window.count() > 0 && !m_stopping && int(m_queue.size()) < m_maxBatch) {
                m_cv.wait_until(lock, m_queue.front().queued + m_window,
                                [this] { return m_stopping || int(m_queue.size()) >= m_maxBatch; });
            } else if (m_adaptive.enabled() && !m_stopping && int(m_queue.size()) < m_maxBatch) {
                if (const auto deadline = m_adaptive.deadline(m_queue.front().queued)) {
                    m_cv.wait_until(lock, *deadline, [this] {
                        return m_stopping || int(m_queue.size()) >= m_maxBatch;
                    });
                }
            }
            const int take = m_batching ? m_maxBatch : 1;
            while (!m_queue.empty() && int(batch.size()) < take) {
                batch.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
        }
        std::vector<SqlCompletion> done;
        done.reserve(batch.size());
        runBatch(batch, done);
        if (!done.empty())
            m_deliver(std::move(done));
    }
    if (m_db) {
        const QString connName = m_db->database().connectionName();
        m_db.reset();
        QSqlDatabase::removeDatabase(connName);
    }
}

// A database server that restarted or went away leaves a dead connection behind: it is
// replaced by a fresh one (SELECT 1 tells; SQLite always answers), so the store recovers
// without a restart. While no connection can be opened every batch fails at once with
// `unavailable`, and the next one tries again.
bool SqlWorker::reopenIfLost()
{
    if (m_db && m_db->exec(u"SELECT 1"_s))
        return true;
    if (m_db) {
        const QString connName = m_db->database().connectionName();
        m_db.reset();
        QSqlDatabase::removeDatabase(connName);
    }
    QString err;
    m_db = m_opener(&err);
    if (!m_db) {
        qCWarning(lcServerStore) << m_name << "cannot reopen the store:" << err;
        return false;
    }
    qCInfo(lcServerStore) << m_name << "reopened the store connection";
    return true;
}

void SqlWorker::abortBatch(std::deque<SqlJob> &batch, const proto::ProtocolError &failure,
                           std::vector<SqlCompletion> &done)
{
    qCWarning(lcServerStore) << m_name << "storage failure, batch of" << batch.size()
                             << "rolled back:" << m_db->lastError();
    m_db->exec(u"ROLLBACK"_s);
    m_db->forgetDeferred();
    for (SqlJob &j : batch)
        done.push_back(j.finish(&failure));
    reopenIfLost();
}

void SqlWorker::runBatch(std::deque<SqlJob> &batch, std::vector<SqlCompletion> &done)
{
    const proto::ProtocolError unavailable{
        proto::ErrorCode::Unavailable,
        {},
        u"storage is unavailable, nothing was stored; retry later"_s,
        {}};
    if (!m_db && !reopenIfLost()) {
        for (SqlJob &j : batch)
            done.push_back(j.finish(&unavailable));
        return;
    }
    Db &db = *m_db;
    const proto::ProtocolError failure = db.storageError();
    const QString begin = m_batching ? db.dialect().beginWrite() : u"BEGIN"_s;
    if (!db.exec(begin)) {
        db.exec(u"ROLLBACK"_s); // a multi-statement BEGIN may have opened the transaction
        db.forgetDeferred();
        for (SqlJob &j : batch)
            done.push_back(j.finish(&failure));
        reopenIfLost();
        return;
    }
    for (SqlJob &j : batch) {
        db.clearFailure();
        if (j.light && m_batching) {
            if (!j.run(db) && db.failed()) {
                abortBatch(batch, failure, done);
                return;
            }
            continue;
        }
        // An ordinary job may change what the fast send path cached: write what it
        // deferred, and read it again afterwards.
        if (!db.flushDeferred()) {
            abortBatch(batch, failure, done);
            return;
        }
        db.forgetDeferred();
        if (m_batching && batch.size() > 1) {
            db.exec(u"SAVEPOINT job"_s);
            const bool keep = j.run(db);
            if (!keep)
                db.exec(u"ROLLBACK TO SAVEPOINT job"_s);
            db.exec(u"RELEASE SAVEPOINT job"_s);
        } else {
            if (!j.run(db) && m_batching) {
                // single job: nothing else to keep, roll back everything it did
                db.exec(u"ROLLBACK"_s);
                db.forgetDeferred();
                done.push_back(j.finish(nullptr));
                reopenIfLost();
                return;
            }
        }
    }
    if (!db.flushDeferred()) {
        abortBatch(batch, failure, done);
        return;
    }
    bool injected = false;
    {
        std::lock_guard lock(m_mutex);
        if (m_failCommits > 0) {
            --m_failCommits;
            injected = true;
        }
    }
    if (injected || !db.exec(u"COMMIT"_s)) {
        qCWarning(lcServerStore) << m_name << "commit failed, batch of" << batch.size()
                                 << "rolled back:" << (injected ? u"injected"_s : db.lastError());
        db.exec(u"ROLLBACK"_s);
        db.forgetDeferred();
        for (SqlJob &j : batch)
            done.push_back(j.finish(&failure));
        if (!injected)
            reopenIfLost();
        return;
    }
    m_transactions.fetch_add(1);
    m_jobs.fetch_add(batch.size());
    for (SqlJob &j : batch)
        done.push_back(j.finish(nullptr));
}

} // namespace chat::server
