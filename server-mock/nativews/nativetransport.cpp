#include "nativetransport.h"

#include "flushqueue.h"
#include "net/logging.h"
#include "preparedframe.h"
#include "session.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>

using namespace Qt::StringLiterals;

namespace chat::server::nativews {

NativeWsTransport::NativeWsTransport(QTcpSocket *socket, QByteArray early, qint64 maxMessageBytes)
    : m_socket(socket),
      m_early(std::move(early)),
      m_fd(qobject_cast<QSslSocket *>(socket) ? -1 : int(socket->socketDescriptor())),
      m_decoder(maxMessageBytes)
{ }

void NativeWsTransport::queue(const QByteArray &frame)
{
    m_out.append(frame);
    m_outBytes += frame.size();
    if (!m_flushQueued) {
        m_flushQueued = true;
        FlushQueue::forThisThread().add(this);
    }
}

void NativeWsTransport::flushOut()
{
    m_flushQueued = false;
    if (m_out.isEmpty())
        return;
    const QList<QByteArray> out = std::exchange(m_out, {});
    m_outBytes = 0;
    if (m_ended && m_socket->state() == QAbstractSocket::UnconnectedState)
        return;
    // Plain TCP with nothing queued in Qt: straight to the kernel, every frame in one call.
    // QAbstractSocket would enable its write notifier (an epoll_ctl), write on a later loop
    // turn and disable it again (another). What the kernel does not take goes through Qt's
    // buffer, and while that holds anything every write does, so the order of bytes never
    // changes and bytesToWrite() stays the send-buffer cap's measure. (TLS: QSslSocket must
    // encrypt, always through Qt.)
    qsizetype i = 0, offset = 0; // first byte not written yet: out[i] at offset
    if (m_fd >= 0 && m_socket->bytesToWrite() == 0
        && m_socket->state() == QAbstractSocket::ConnectedState) {
        constexpr int kMaxIov = 64;
        while (i < out.size()) {
            iovec iov[kMaxIov];
            int n = 0;
            size_t total = 0;
            for (qsizetype j = i; j < out.size() && n < kMaxIov; ++j, ++n) {
                const qsizetype skip = j == i ? offset : 0;
                iov[n].iov_base = const_cast<char *>(out.at(j).constData() + skip);
                iov[n].iov_len = size_t(out.at(j).size() - skip);
                total += iov[n].iov_len;
            }
            msghdr msg{};
            msg.msg_iov = iov;
            msg.msg_iovlen = size_t(n);
            ssize_t w;
            do {
                w = ::sendmsg(m_fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
            } while (w < 0 && errno == EINTR);
            if (w <= 0)
                break; // full (EAGAIN) or an error, which Qt's write below reports
            for (ssize_t left = w; left > 0;) {
                const qsizetype rest = out.at(i).size() - offset;
                if (left >= rest) {
                    left -= rest;
                    ++i;
                    offset = 0;
                } else {
                    offset += qsizetype(left);
                    left = 0;
                }
            }
            if (size_t(w) < total)
                break; // the kernel's buffer is full
        }
    }
    for (; i < out.size(); ++i, offset = 0)
        m_socket->write(offset ? out.at(i).mid(offset) : out.at(i));
}

NativeWsTransport::~NativeWsTransport()
{
    if (m_flushQueued)
        FlushQueue::forThisThread().remove(this);
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
    // readAll() takes the socket's read buffer over whole (no copy) and leaves the socket
    // without a retained chunk: an idle connection keeps no read buffer (read(buf, n) into a
    // stack buffer would keep Qt's 16 KiB chunk allocated per connection).
    while (!m_ended && m_socket->bytesAvailable() > 0) {
        const QByteArray data = m_socket->readAll();
        feed(data.constData(), data.size());
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
        queue(encodeFrame(Pong, payload));
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
        queue(encodeClose(code, {}));
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
            queue(encodeClose(code, reason));
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
    queue(encodeClose(code, reason));
    // A peer that never answers our close frame must not hold the socket: abort after a while
    // (a timer only for connections that are closing).
    QTimer::singleShot(kCloseTimeoutMs, m_socket, [s = m_socket] { s->abort(); });
}

void NativeWsTransport::flushNow()
{
    // Outside the FlushQueue's batch: leave it, or it would call a transport that may be gone
    // by then (flushOut() clears m_flushQueued, so the destructor would not take it out).
    if (m_flushQueued)
        FlushQueue::forThisThread().remove(this);
    flushOut();
}

void NativeWsTransport::endConnection()
{
    flushNow();
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
    queue(frame.wireFrame());
}

qint64 NativeWsTransport::bytesToWrite() const
{
    return m_socket->bytesToWrite() + m_outBytes;
}

void NativeWsTransport::flush()
{
    flushNow();
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
    m_out.clear();
    m_outBytes = 0;
    m_socket->abort();
}

QString NativeWsTransport::peer() const
{
    return m_socket->peerAddress().toString() + u':' + QString::number(m_socket->peerPort());
}

} // namespace chat::server::nativews
