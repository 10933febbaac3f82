#include "nativetransport.h"

#include "net/logging.h"
#include "preparedframe.h"
#include "session.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <cerrno>
#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace chat::server::nativews {

NativeWsTransport::NativeWsTransport(QTcpSocket *socket, QByteArray early, qint64 maxMessageBytes)
    : m_socket(socket),
      m_early(std::move(early)),
      m_fd(qobject_cast<QSslSocket *>(socket) ? -1 : int(socket->socketDescriptor())),
      m_decoder(maxMessageBytes)
{ }

void NativeWsTransport::write(const QByteArray &bytes)
{
    // Plain TCP with nothing queued in Qt: straight to the kernel. QAbstractSocket would queue
    // the bytes, enable the write notifier (an epoll_ctl), write on the next loop turn and
    // disable it again (another): per recipient of a push that was most of the cost. What the
    // kernel does not take goes through Qt's buffer, and while that holds anything every
    // write does, so the order of bytes never changes and bytesToWrite() stays the cap's
    // measure. (TLS: QSslSocket must encrypt, always through Qt.)
    qsizetype done = 0;
    if (m_fd >= 0 && m_socket->bytesToWrite() == 0
        && m_socket->state() == QAbstractSocket::ConnectedState) {
        ssize_t n;
        do {
            n = ::send(m_fd, bytes.constData(), size_t(bytes.size()), MSG_DONTWAIT | MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        if (n == bytes.size())
            return;
        done = n > 0 ? qsizetype(n) : 0; // errors other than EAGAIN: Qt's write reports them
    }
    m_socket->write(done ? bytes.mid(done) : bytes);
}

NativeWsTransport::~NativeWsTransport()
{
    // Runs inside ~Session; the socket (its child) is deleted right after and must not call
    // back into a half-destroyed session meanwhile.
    if (m_session)
        m_socket->disconnect(m_session);
}

void NativeWsTransport::bind(Session *session)
{
    m_session = session;
    m_socket->setParent(session);
    QObject::connect(m_socket, &QIODevice::readyRead, session, [this] { onReadyRead(); });
    QObject::connect(m_socket, &QAbstractSocket::disconnected, session, &Session::transportClosed);
    // Frames that came with the upgrade request, and whatever arrived since: after the
    // Session's constructor, on the next event-loop turn (never into a half-built session).
    if (!m_early.isEmpty() || m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(
            session, [this] { onReadyRead(); }, Qt::QueuedConnection);
    if (m_socket->state() != QAbstractSocket::ConnectedState)
        QMetaObject::invokeMethod(session, &Session::transportClosed, Qt::QueuedConnection);
}

void NativeWsTransport::onReadyRead()
{
    if (!m_early.isEmpty()) {
        const QByteArray early = std::exchange(m_early, {});
        feed(early.constData(), early.size());
    }
    // A stack buffer: nothing per connection stays allocated between reads.
    char buf[16 * 1024];
    while (!m_ended) {
        const qint64 n = m_socket->read(buf, sizeof buf);
        if (n <= 0)
            break;
        feed(buf, qsizetype(n));
    }
}

void NativeWsTransport::feed(const char *data, qsizetype size)
{
    if (m_ended || m_decoder.finished())
        return; // after the close frame: nothing the peer sends matters
    m_decoder.feed(data, size, *this);
}

void NativeWsTransport::onText(const QString &text)
{
    if (!m_closeSent && !m_ended && m_session)
        m_session->receiveText(text);
}

void NativeWsTransport::onBinary(const QByteArray &data)
{
    if (!m_closeSent && !m_ended && m_session)
        m_session->receiveBinary(data);
}

void NativeWsTransport::onPing(const QByteArray &payload)
{
    if (!m_closeSent && !m_ended)
        write(encodeFrame(Pong, payload));
}

void NativeWsTransport::onPong(const QByteArray &)
{
    // We never ping (the protocol's heartbeat is a JSON frame); an unsolicited pong is allowed.
}

void NativeWsTransport::onClose(int code, const QString &)
{
    if (m_ended)
        return;
    // Echo the peer's close (its code, or none if it sent none), then end the TCP connection:
    // the server closes first (RFC 6455 §7.1.1). disconnected() finishes the Session.
    if (!m_closeSent) {
        m_closeSent = true;
        write(encodeClose(code, {}));
    }
    endConnection();
}

void NativeWsTransport::onError(int code, const QString &reason)
{
    qCInfo(lcServerSession) << peer() << "WebSocket protocol error, closing with" << code << reason;
    if (m_decoder.finished()) {
        // It was the peer's (malformed) close frame: answer it and end.
        if (!m_closeSent) {
            m_closeSent = true;
            write(encodeClose(code, reason));
        }
        endConnection();
        return;
    }
    sendClose(code, reason);
}

void NativeWsTransport::sendClose(int code, const QString &reason)
{
    if (m_closeSent || m_ended)
        return;
    m_closeSent = true;
    m_decoder.discardUntilClose();
    write(encodeClose(code, reason));
    // A peer that never answers our close frame must not hold the socket: abort after a while
    // (a timer only for connections that are closing).
    QTimer::singleShot(kCloseTimeoutMs, m_socket, [s = m_socket] { s->abort(); });
}

void NativeWsTransport::endConnection()
{
    m_ended = true;
    // Sends what is queued (the close frame), then FIN; a peer that does not take it is cut.
    m_socket->disconnectFromHost();
    if (m_socket->state() != QAbstractSocket::UnconnectedState)
        QTimer::singleShot(kCloseTimeoutMs, m_socket, [s = m_socket] { s->abort(); });
}

void NativeWsTransport::sendPrepared(const PreparedFrame &frame)
{
    if (m_closeSent || m_ended)
        return;
    // The same implicitly shared bytes for every recipient: QIODevice keeps a reference.
    write(frame.wireFrame());
}

qint64 NativeWsTransport::bytesToWrite() const
{
    return m_socket->bytesToWrite();
}

void NativeWsTransport::flush()
{
    m_socket->flush();
}

void NativeWsTransport::close(int code, const QString &reason)
{
    sendClose(code, reason);
}

void NativeWsTransport::abort()
{
    if (m_ended && m_socket->state() == QAbstractSocket::UnconnectedState)
        return;
    m_ended = true;
    m_socket->abort();
}

QString NativeWsTransport::peer() const
{
    return m_socket->peerAddress().toString() + u':' + QString::number(m_socket->peerPort());
}

} // namespace chat::server::nativews
