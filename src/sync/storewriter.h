// StoreWriter: a thread with its own connection to the account's store, where the sync
// engine applies server pages (sync pages, history pages) so that their transactions -
// hundreds of rows, the search index triggers, the commit - never run on the engine's thread
// (the UI thread in chat-desktop). Jobs run one after another in submission order, each
// normally one transaction; what a job returns runs afterwards in the engine's thread, again
// in submission order, where the engine reads what was committed and publishes the change
// batch. Reads in the engine's thread meanwhile see the state before the commit (SQLite WAL:
// readers never wait for the writer).
//
// Not installed: an implementation detail of SyncEngine.
#pragma once

#include "localstore.h"

#include <QObject>
#include <QThread>
#include <functional>
#include <memory>

namespace chat::sync {

class StoreWriter
{
public:
    // Open a second connection to the store at `path` (already opened, checked and migrated
    // by LocalStore::open()) in a new thread. Null, with `error` set, if that fails.
    static std::unique_ptr<StoreWriter> start(const QString &path, QString *error);
    // Runs the jobs already submitted, then closes the connection and ends the thread.
    // Continuations not yet run in the engine's thread are dropped with `context`'s events
    // only if `context` is destroyed; callers check that their state is still current.
    ~StoreWriter();
    StoreWriter(const StoreWriter &) = delete;
    StoreWriter &operator=(const StoreWriter &) = delete;

    // `job` runs in the writer thread with the writer's store; the function it returns (if
    // any) is then queued to `context`'s thread. `context` must outlive this StoreWriter.
    using Job = std::function<std::function<void()>(LocalStore &)>;
    void submit(Job job, QObject *context);
    // After a failed write: a PASSIVE checkpoint on the writer's connection (never waits for
    // a lock), in submission order. The store's checkpoint thread runs only after successful
    // commits, and a WAL that was not copied back cannot restart: every retry would grow it.
    void checkpoint();

private:
    StoreWriter() = default;
    QThread m_thread;
    QObject m_worker;                    // lives in m_thread
    std::unique_ptr<LocalStore> m_store; // created, used and destroyed in m_thread
};

} // namespace chat::sync
