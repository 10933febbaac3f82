#include "flushqueue.h"

#include "nativetransport.h"

namespace chat::server::nativews {

FlushQueue &FlushQueue::forThisThread()
{
    // One per thread for the thread's lifetime (a few bytes): transports of every server in
    // the thread share it, whichever is deleted first.
    static thread_local FlushQueue *q = new FlushQueue;
    return *q;
}

void FlushQueue::add(NativeWsTransport *t)
{
    m_dirty.append(t);
    if (!m_posted) {
        m_posted = true;
        QMetaObject::invokeMethod(this, &FlushQueue::flushAll, Qt::QueuedConnection);
    }
}

void FlushQueue::remove(NativeWsTransport *t)
{
    // Also from the batch being flushed: a write there may end another connection of it.
    for (QList<NativeWsTransport *> *list : {&m_dirty, &m_flushing}) {
        const qsizetype i = list->indexOf(t);
        if (i >= 0)
            (*list)[i] = nullptr;
    }
}

void FlushQueue::flushAll()
{
    m_posted = false;
    // Frames queued while flushing (none are expected) go into a fresh list and a new post.
    m_flushing = std::exchange(m_dirty, {});
    for (qsizetype i = 0; i < m_flushing.size(); ++i)
        if (NativeWsTransport *t = std::exchange(m_flushing[i], nullptr))
            t->flushOut();
    m_flushing.clear();
}

} // namespace chat::server::nativews
