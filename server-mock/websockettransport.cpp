#include "websockettransport.h"

#include "session.h"

#include <QWebSocket>

namespace chat::server {

WebSocketTransport::WebSocketTransport(QWebSocket *socket) : m_ws(socket)
{ }

WebSocketTransport::~WebSocketTransport()
{
    // Runs inside ~Session; the socket (its child) is deleted right after and must not call
    // back into a half-destroyed session meanwhile.
    if (m_session)
        m_ws->disconnect(m_session);
}

void WebSocketTransport::bind(Session *session)
{
    m_session = session;
    m_ws->setParent(session);
    QObject::connect(m_ws, &QWebSocket::textMessageReceived, session, &Session::receiveText);
    QObject::connect(m_ws, &QWebSocket::binaryMessageReceived, session, &Session::receiveBinary);
    QObject::connect(m_ws, &QWebSocket::disconnected, session, &Session::transportClosed);
}

void WebSocketTransport::sendPrepared(const PreparedFrame &frame)
{
    // QWebSocket frames (and converts) per socket: the shared QString is all it can use.
    m_ws->sendTextMessage(frame.text());
}

qint64 WebSocketTransport::bytesToWrite() const
{
    return m_ws->bytesToWrite();
}

void WebSocketTransport::flush()
{
    m_ws->flush();
}

void WebSocketTransport::close(int code, const QString &reason)
{
    m_ws->close(QWebSocketProtocol::CloseCode(code), reason);
}

void WebSocketTransport::abort()
{
    m_ws->abort();
}

QString WebSocketTransport::peer() const
{
    return m_ws->peerAddress().toString() + u':' + QString::number(m_ws->peerPort());
}

} // namespace chat::server
