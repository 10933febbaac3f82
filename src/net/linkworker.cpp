#include "linkworker.h"

#include "logging.h"
#include "protocol/codec.h"

#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTimer>
#include <QWebSocket>

using namespace Qt::StringLiterals;
using namespace chat::proto;

namespace chat::net {

LinkWorker::LinkWorker(const QElapsedTimer &clock, std::function<void()> wake)
    : m_clock(clock), m_wake(std::move(wake))
{ }

LinkWorker::~LinkWorker() = default;

void LinkWorker::openLink(quint64 epoch, const QUrl &url, const QString &caFile,
                          const Limits &limits, qsizetype maxFrameBytes)
{
    dropSocket();
    m_epoch = epoch;
    m_limits = limits;
    m_maxFrameBytes = maxFrameBytes;
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    m_socket->setMaxAllowedIncomingFrameSize(quint64(maxFrameBytes));
    m_socket->setMaxAllowedIncomingMessageSize(quint64(maxFrameBytes));
    if (url.scheme() == "wss"_L1 && !caFile.isEmpty()) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        const auto certs = QSslCertificate::fromPath(caFile, QSsl::Pem);
        if (certs.isEmpty())
            qCWarning(lcNetWs) << "no PEM certificate could be read from" << caFile;
        ssl.addCaCertificates(certs);
        m_socket->setSslConfiguration(ssl);
    }
    m_connected = false;
    m_lastError.clear();
    QWebSocket *s = m_socket;
    connect(s, &QWebSocket::connected, this, [this, epoch] {
        m_connected = true;
        m_lastSignOfLife.store(m_clock.elapsed(), std::memory_order_relaxed);
        LinkEvent e;
        e.kind = LinkEvent::Kind::Connected;
        e.epoch = epoch;
        push(std::move(e));
    });
    connect(s, &QWebSocket::disconnected, this, [this, s, epoch] {
        LinkEvent e;
        e.kind = LinkEvent::Kind::Closed;
        e.epoch = epoch;
        if (m_connected) {
            e.closeCode = s->closeCode();
            e.closeReason = s->closeReason();
        } else { // never connected: no close code, the socket's error says why
            e.closeCode = 0;
            e.closeReason = m_lastError.isEmpty() ? s->errorString() : m_lastError;
        }
        if (s == m_socket)
            dropSocket();
        push(std::move(e));
    });
    connect(s, &QWebSocket::textMessageReceived, this, &LinkWorker::onText);
    connect(s, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this, s](QAbstractSocket::SocketError e) {
                m_lastError = s->errorString();
                qCInfo(lcNetWs) << "socket error" << e << m_lastError;
            });
    connect(s, &QWebSocket::sslErrors, this, [](const QList<QSslError> &errors) {
        for (const QSslError &e : errors)
            qCWarning(lcNetWs) << "TLS error:" << e.errorString();
    });
    connect(s, &QWebSocket::pong, this, [this](quint64, const QByteArray &) {
        m_lastSignOfLife.store(m_clock.elapsed(), std::memory_order_relaxed);
    });
    s->open(url);
}

void LinkWorker::send(quint64 epoch, const QByteArray &utf8)
{
    if (epoch != m_epoch || !m_socket)
        return; // the link this frame was meant for is gone; its request fails over there
    m_socket->sendTextMessage(QString::fromUtf8(utf8));
}

void LinkWorker::closeLink(quint64 epoch)
{
    if (epoch != m_epoch || !m_socket)
        return;
    // A clean close: let the close frame (and anything queued before it) go out; the socket
    // deletes itself once closed, or after a grace period.
    QWebSocket *s = std::exchange(m_socket, nullptr);
    s->disconnect(this);
    connect(s, &QWebSocket::disconnected, s, &QObject::deleteLater);
    QTimer::singleShot(2000, s, &QObject::deleteLater);
    s->close(QWebSocketProtocol::CloseCodeNormal);
}

void LinkWorker::abortLink(quint64 epoch)
{
    if (epoch == m_epoch)
        dropSocket();
}

void LinkWorker::shutdown()
{
    dropSocket();
    // Sockets still closing cleanly are children: they go with their timers, on this thread.
    qDeleteAll(findChildren<QWebSocket *>(Qt::FindDirectChildrenOnly));
}

void LinkWorker::dropSocket()
{
    if (!m_socket)
        return;
    QWebSocket *s = std::exchange(m_socket, nullptr);
    s->disconnect(this);
    s->abort();
    s->deleteLater();
}

void LinkWorker::onText(const QString &text)
{
    m_lastSignOfLife.store(m_clock.elapsed(), std::memory_order_relaxed);
    const QByteArray utf8 = text.toUtf8();
    // The protocol's 64 KiB frame limit protects the server; answers to sync and history
    // are bounded by count, not size (20 conversations x 20 recent messages of up to 4000
    // characters exceed it), so the client accepts server frames up to kMaxServerFrameBytes.
    Limits limits = m_limits;
    limits.maxFrameBytes = qMax(limits.maxFrameBytes, m_maxFrameBytes);
    if (utf8.size() > m_limits.maxFrameBytes)
        qCDebug(lcNetProtocol) << "server frame of" << utf8.size() << "bytes exceeds the protocol's"
                               << m_limits.maxFrameBytes << "byte frame limit";
    LinkEvent e;
    e.epoch = m_epoch;
    e.bytes = utf8.size();
    auto decoded = decodeServerFrame(utf8, limits);
    if (decoded) {
        e.kind = LinkEvent::Kind::Frame;
        e.frame = std::move(decoded).value();
    } else {
        qCWarning(lcNetProtocol) << "undecodable frame from server:" << decoded.error().message
                                 << utf8.left(200);
        e.kind = LinkEvent::Kind::BadFrame;
        e.error = decoded.error();
    }
    push(std::move(e));
}

void LinkWorker::push(LinkEvent &&e)
{
    bool wasEmpty;
    {
        QMutexLocker lock(&m_mutex);
        wasEmpty = m_events.empty();
        m_events.push_back(std::move(e));
    }
    if (wasEmpty)
        m_wake();
}

std::vector<LinkEvent> LinkWorker::takeEvents()
{
    QMutexLocker lock(&m_mutex);
    return std::exchange(m_events, {});
}

} // namespace chat::net
