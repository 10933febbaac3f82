#include "memorytransport.h"

#include "net/protocol/errors.h"
#include "session.h"

using namespace Qt::StringLiterals;

namespace chat::server {

MemoryTransport::MemoryTransport(QString peer, qint64 maxIncomingBytes, Callbacks callbacks)
    : m_peer(std::move(peer)), m_maxIncoming(maxIncomingBytes), m_cb(std::move(callbacks))
{ }

void MemoryTransport::bind(Session *session)
{
    m_session = session;
}

void MemoryTransport::deliverText(const QString &frame)
{
    if (m_ended || !m_session)
        return;
    // QWebSocket counts the UTF-8 payload against setMaxAllowedIncomingMessageSize.
    if (m_maxIncoming > 0 && frame.size() * 3 > m_maxIncoming
        && frame.toUtf8().size() > m_maxIncoming) {
        close(proto::CloseCode::TooLarge, u"frame too large"_s);
        return;
    }
    m_session->receiveText(frame);
}

void MemoryTransport::deliverBinary(const QByteArray &data)
{
    if (m_ended || !m_session)
        return;
    if (m_maxIncoming > 0 && data.size() > m_maxIncoming) {
        close(proto::CloseCode::TooLarge, u"frame too large"_s);
        return;
    }
    m_session->receiveBinary(data);
}

void MemoryTransport::disconnectPeer()
{
    if (m_ended)
        return;
    end(0, u"peer gone"_s);
}

void MemoryTransport::sendPrepared(const PreparedFrame &frame)
{
    if (m_ended)
        return;
    if (m_cb.frameOut)
        m_cb.frameOut(frame.text());
}

void MemoryTransport::close(int code, const QString &reason)
{
    if (m_ended)
        return;
    end(code, reason);
}

void MemoryTransport::abort()
{
    if (m_ended)
        return;
    end(0, u"aborted"_s);
}

void MemoryTransport::end(int code, const QString &reason)
{
    m_ended = true;
    if (m_cb.closed)
        m_cb.closed(code, reason);
    // Like QWebSocket::disconnected after the close handshake: on a later event-loop turn, and
    // not at all if the session is deleted first (posted calls die with their context).
    if (Session *s = m_session)
        QMetaObject::invokeMethod(s, &Session::transportClosed, Qt::QueuedConnection);
}

} // namespace chat::server
