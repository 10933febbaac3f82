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
    const qsizetype i = m_dirty.indexOf(t);
    if (i >= 0)
        m_dirty[i] = nullptr;
}

void FlushQueue::flushAll()
{
    m_posted = false;
    // Frames queued while flushing (none are expected) go into a fresh list and a new post.
    const QList<NativeWsTransport *> dirty = std::exchange(m_dirty, {});
    for (NativeWsTransport *t : dirty)
        if (t)
            t->flushOut();
}

} // namespace chat::server::nativews
