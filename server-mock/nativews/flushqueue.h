// FlushQueue: the connections of this thread with frames waiting to be written, flushed
// together once the events being handled now are done (one posted call per batch). A push to
// 1000 members and the 63 pushes behind it thus cost each socket one send() for all its
// frames, not one per frame, and no write-notifier round trip (enable, wake up, disable: two
// epoll_ctl and a loop turn per socket) as with QAbstractSocket's own buffering.
#pragma once

#include <QList>
#include <QObject>

namespace chat::server::nativews {

class NativeWsTransport;

class FlushQueue : public QObject
{
public:
    static FlushQueue &forThisThread();
    void add(NativeWsTransport *t);
    void remove(NativeWsTransport *t); // a transport going away before the flush

private:
    void flushAll();
    QList<NativeWsTransport *> m_dirty;
    QList<NativeWsTransport *> m_flushing; // the batch flushAll() is working through
    bool m_posted = false;
};

} // namespace chat::server::nativews
