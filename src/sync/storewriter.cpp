#include "storewriter.h"

#include "net/logging.h"

#include <QSqlError>
#include <QSqlQuery>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

using namespace Qt::StringLiterals;

namespace chat::sync {

std::unique_ptr<StoreWriter> StoreWriter::start(const QString &path, QString *error)
{
    std::unique_ptr<StoreWriter> w(new StoreWriter);
    w->m_thread.setObjectName(u"chat-store-writer"_s);
    w->m_worker.moveToThread(&w->m_thread);
    w->m_thread.start();
    QString problem;
    StoreWriter *raw = w.get();
    QMetaObject::invokeMethod(
        &w->m_worker,
        [raw, path, &problem] {
#ifdef Q_OS_LINUX
            // Nice 10 for this thread only: when the cores are contended the engine's (UI)
            // thread gets them first; a page is written a little later instead of a frame
            // being dropped. (QThread priorities do nothing under SCHED_OTHER.)
            setpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)), 10);
#endif
            auto opened = LocalStore::openConnection(path);
            if (opened)
                raw->m_store = std::move(opened).value();
            else
                problem = opened.error().message;
        },
        Qt::BlockingQueuedConnection);
    if (!problem.isEmpty()) {
        if (error)
            *error = problem;
        return nullptr; // the destructor ends the thread
    }
    return w;
}

StoreWriter::~StoreWriter()
{
    // Queued after every submitted job, so those finish (and commit) first.
    QMetaObject::invokeMethod(
        &m_worker, [this] { m_store.reset(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void StoreWriter::submit(Job job, QObject *context)
{
    QMetaObject::invokeMethod(
        &m_worker,
        [this, job = std::move(job), context] {
            if (!m_store)
                return;
            std::function<void()> then = job(*m_store);
            if (then)
                QMetaObject::invokeMethod(context, std::move(then), Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void StoreWriter::checkpoint()
{
    QMetaObject::invokeMethod(
        &m_worker,
        [this] {
            if (!m_store)
                return;
            m_store->refresh(); // no statement of ours may pin an old snapshot
            QSqlQuery q(QSqlDatabase::database(m_store->connectionName(), false));
            if (!q.exec(u"PRAGMA wal_checkpoint(PASSIVE)"_s))
                qCInfo(lcSyncStore) << "checkpoint after a failed write:" << q.lastError().text();
            q.finish();
        },
        Qt::QueuedConnection);
}

} // namespace chat::sync
