// MemoryTransport: a Session without a socket, for tests and the dispatch fuzzer. The test
// plays the peer: deliverText()/deliverBinary() hand frames to the session as a QWebSocket
// would (with the same incoming size limit: a bigger frame closes with 1009), and every frame
// the session sends, its close and its abort are reported through the callbacks. A close is
// answered like a well-behaved peer does, by ending the connection on the next event-loop
// turn. The peer takes every frame at once: nothing is ever left unsent.
#pragma once

#include "sessiontransport.h"

#include <QPointer>
#include <functional>

namespace chat::server {

class MemoryTransport final : public SessionTransport
{
public:
    struct Callbacks {
        std::function<void(const QString &frame)> frameOut;
        // code: the WebSocket close code, or 0 for an abort (no close frame)
        std::function<void(int code, const QString &reason)> closed;
    };
    MemoryTransport(QString peer, qint64 maxIncomingBytes, Callbacks callbacks);

    // The peer's side. Ignored once the connection ended.
    void deliverText(const QString &frame);
    void deliverBinary(const QByteArray &data);
    void disconnectPeer(); // the peer goes away without a close handshake
    bool isOpen() const { return !m_ended; }

    void bind(Session *session) override;
    void sendPrepared(const PreparedFrame &frame) override;
    qint64 bytesToWrite() const override { return 0; }
    void flush() override { }
    void close(int code, const QString &reason) override;
    void abort() override;
    QString peer() const override { return m_peer; }

private:
    void end(int code, const QString &reason);

    QString m_peer;
    qint64 m_maxIncoming;
    Callbacks m_cb;
    QPointer<Session> m_session;
    bool m_ended = false;
};

} // namespace chat::server
