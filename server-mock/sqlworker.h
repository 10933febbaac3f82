// SqlWorker: one thread owning one database connection, running jobs in FIFO order.
// In batching (writer) mode it takes every job queued at that moment (up to maxBatch) and
// runs them in ONE transaction: group commit. While one batch waits for its fsync the next
// batch accumulates, so the added delay is bounded by one commit and the commit cost is
// shared by the whole batch. A job's completion runs only after COMMIT returned (or with an
// error if it failed). A job that fails rolls back alone: an ordinary job runs inside a
// savepoint; a light job (a send, a receipt) runs without one: it writes nothing before it
// can fail on a logic error, and a storage failure in it rolls the whole batch back (every
// job of the batch then reports `unavailable`: nothing is acked that was not committed).
// Writes the store's fast send path defers (Db::flushDeferred) are flushed before COMMIT
// and before any ordinary job, which may change what that path has cached.
// The completions of one batch are handed to the deliver hook together, in job order: one
// cross-thread post and one wake-up of the store's thread per batch, not per job.
// Commit window (writer only, 0 = off): when the oldest queued job is younger than the
// window, the writer waits until it is that old (or the batch is full) before it begins, so
// at low rates several jobs share one commit (one fdatasync, one wake-up each way) instead
// of each paying its own. No job waits longer than the window for that; under load the
// queue is older than the window when the previous commit returns and nothing waits. While
// the writer is busy or inside a window, post() does not wake it.
// Adaptive window (writer only, used when the fixed window is 0): see AdaptiveWindow. While
// arrivals are regular the writer, after a commit with nothing queued, sleeps until the next
// batch is due (AdaptiveWindow::nextBatchAt) instead of until the next job: post() then wakes
// it only when the batch is full, so a commit costs the writer one wake-up, not two.
#pragma once

#include "sqldb.h"

#include <QThread>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

namespace chat::server {

// The writer's adaptive commit window. It keeps a moving average of the gaps between job
// arrivals and, when that predicts the next job within max / kFactor, lets a batch wait until
// its oldest job is kFactor average gaps old (so that about one more joins it), never longer
// than max. A job that arrives after a quiet spell finds a long average gap and commits at
// once: on an idle server nothing waits. At 1k sends/s it halves the commits (and the
// fdatasyncs and thread wake-ups each one costs); at 5k sends/s a batch waits a few hundred
// microseconds. max 0 = off.
class AdaptiveWindow
{
public:
    using Clock = std::chrono::steady_clock;
    static constexpr double kFactor = 1.5;
    explicit AdaptiveWindow(std::chrono::microseconds max);
    bool enabled() const { return m_maxUs > 0; }
    void arrived(Clock::time_point t);
    // Until when a batch whose oldest job arrived at `oldest` may wait; nullopt: commit now.
    std::optional<Clock::time_point> deadline(Clock::time_point oldest) const;
    // With nothing queued at `now` (a batch just committed): until when the writer may sleep
    // without being woken by each new job, so that the jobs arriving meanwhile share the next
    // commit: about kFactor + 0.5 average gaps (the first of them then waits about as long
    // as deadline() would let it), never past max. nullopt: arrivals are not regular enough;
    // sleep until a job comes. It saves the wake-up per commit that a job arriving at an
    // idle writer costs (on this VM a sleep and wake is 15-25 µs of CPU).
    std::optional<Clock::time_point> nextBatchAt(Clock::time_point now) const;
    double averageGapUs() const { return m_gapUs; }

private:
    double m_maxUs;
    double m_gapUs;
    std::optional<Clock::time_point> m_last;
};

// What a finished job runs on the store's thread (its callback, already bound to its result).
using SqlCompletion = std::function<void()>;

struct SqlJob {
    // Runs on the worker thread inside the transaction; false = roll this job back.
    std::function<bool(Db &)> run;
    // Runs on the worker thread after the transaction ended; commitError non-null when
    // the whole transaction failed (the job's own result must then be discarded). Returns
    // the completion to run on the store's thread.
    std::function<SqlCompletion(const proto::ProtocolError *commitError)> finish;
    // No savepoint: run() writes nothing when it returns false unless a statement failed
    // (Db::failed()), and then the batch is rolled back.
    bool light = false;
    std::chrono::steady_clock::time_point queued; // set by post()
};

class SqlWorker
{
public:
    using Opener = std::function<std::unique_ptr<Db>(QString *errorMessage)>;
    // Called on the worker thread once per batch with its jobs' completions, in order.
    using Deliver = std::function<void(std::vector<SqlCompletion> completions)>;
    SqlWorker(QString name, Opener opener, bool batching, int maxBatch, Deliver deliver,
              std::chrono::microseconds commitWindow = {},
              std::chrono::microseconds adaptiveMax = {});

    ~SqlWorker();

    bool start(QString *errorMessage); // opens the connection on the thread; waits for it
    void post(SqlJob job);
    void stop(); // runs every queued job, closes the connection, joins
    // Test hook: make the next n transactions fail at COMMIT (storage failure injection).
    void failNextCommits(int n);
    // Transactions committed and jobs run in them (group commit: jobs / transactions).
    quint64 transactions() const { return m_transactions.load(); }
    quint64 jobs() const { return m_jobs.load(); }

private:
    void loop();

    void runBatch(std::deque<SqlJob> &batch, std::vector<SqlCompletion> &done);
    // Rolls the open transaction back and fails every job of the batch.
    void abortBatch(std::deque<SqlJob> &batch, const proto::ProtocolError &failure,
                    std::vector<SqlCompletion> &done);
    bool reopenIfLost(); // false: no usable connection now (the next batch tries again)

    QString m_name;
    Opener m_opener;
    Deliver m_deliver;
    bool m_batching;
    int m_maxBatch;
    QThread *m_thread = nullptr;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<SqlJob> m_queue;
    bool m_stopping = false;
    bool m_idle = false; // waiting for a first job: post() must wake the thread
    std::chrono::microseconds m_window;
    AdaptiveWindow m_adaptive; // guarded by m_mutex
    int m_failCommits = 0;
    std::atomic<quint64> m_transactions{0}, m_jobs{0};
    // start() handshake
    bool m_opened = false, m_openDone = false;
    QString m_openError;
    std::unique_ptr<Db> m_db;
};

} // namespace chat::server
