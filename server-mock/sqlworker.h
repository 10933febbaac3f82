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
#pragma once

#include "sqldb.h"

#include <QThread>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace chat::server {

struct SqlJob {
    // Runs on the worker thread inside the transaction; false = roll this job back.
    std::function<bool(Db &)> run;
    // Runs on the worker thread after the transaction ended; commitError non-null when
    // the whole transaction failed (the job's own result must then be discarded).
    std::function<void(const proto::ProtocolError *commitError)> finish;
    // No savepoint: run() writes nothing when it returns false unless a statement failed
    // (Db::failed()), and then the batch is rolled back.
    bool light = false;
};

class SqlWorker
{
public:
    using Opener = std::function<std::unique_ptr<Db>(QString *errorMessage)>;
    SqlWorker(QString name, Opener opener, bool batching, int maxBatch);
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
    void runBatch(std::deque<SqlJob> &batch);
    // Rolls the open transaction back and fails every job of the batch.
    void abortBatch(std::deque<SqlJob> &batch, const proto::ProtocolError &failure);
    bool reopenIfLost(); // false: no usable connection now (the next batch tries again)

    QString m_name;
    Opener m_opener;
    bool m_batching;
    int m_maxBatch;
    QThread *m_thread = nullptr;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<SqlJob> m_queue;
    bool m_stopping = false;
    int m_failCommits = 0;
    std::atomic<quint64> m_transactions{0}, m_jobs{0};
    // start() handshake
    bool m_opened = false, m_openDone = false;
    QString m_openError;
    std::unique_ptr<Db> m_db;
};

} // namespace chat::server
