#include "acceptor.h"

#include "handshake.h"
#include "nativetransport.h"
#include "net/logging.h"
#include "ssltcpserver.h"

#include <QSslSocket>
#include <QTcpServer>

#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace chat::server::nativews {

Acceptor::Acceptor(Options options, Handler onUpgraded, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_onUpgraded(std::move(onUpgraded))
{
    m_clock.start();
    m_tick.setInterval(std::clamp(m_options.handshakeTimeoutMs / 10, 20, 500));
    connect(&m_tick, &QTimer::timeout, this, &Acceptor::checkDeadlines);
}

Acceptor::~Acceptor()
{
    close();
}

bool Acceptor::listen(const QHostAddress &host, quint16 port, QString *error)
{
    m_server = m_options.tls ? new SslTcpServer(this) : new QTcpServer(this);
    // A real listen backlog: connection storms are queued by the kernel, not refused.
    m_server->setListenBacklogSize(m_options.backlog);
    m_server->setMaxPendingConnections(m_options.backlog);
    connect(m_server, &QTcpServer::newConnection, this, &Acceptor::onNewConnection);
    if (!m_server->listen(host, port)) {
        if (error)
            *error = m_server->errorString();
        delete m_server;
        m_server = nullptr;
        return false;
    }
    return true;
}

quint16 Acceptor::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

void Acceptor::close()
{
    if (m_server)
        m_server->close();
    const QList<QTcpSocket *> pending = m_pending.keys();
    for (QTcpSocket *s : pending)
        drop(s);
    m_deadlines.clear();
    m_tick.stop();
}

void Acceptor::onNewConnection()
{
    while (QTcpSocket *s = m_server->nextPendingConnection()) {
        // Every frame out is a complete message: send it now, not after the peer's ACK of the
        // previous one (Nagle + delayed ACK held acks back by up to 40 ms).
        s->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        const quint64 serial = ++m_serial;
        m_pending.insert(s, Pending{{}, serial, false});
        m_deadlines.schedule(m_clock.elapsed() + m_options.handshakeTimeoutMs, {s, serial});
        if (!m_tick.isActive())
            m_tick.start();
        connect(s, &QIODevice::readyRead, this, [this, s] { onReadable(s); });
        connect(s, &QAbstractSocket::disconnected, this, [this, s] { drop(s); });
        if (auto *ssl = qobject_cast<QSslSocket *>(s)) {
            connect(ssl, &QAbstractSocket::errorOccurred, this, [this, s] { drop(s); });
            ssl->setSslConfiguration(*m_options.tls);
            ssl->startServerEncryption();
        } else {
            connect(s, &QAbstractSocket::errorOccurred, this, [this, s] { drop(s); });
        }
    }
}

void Acceptor::onReadable(QTcpSocket *s)
{
    auto it = m_pending.find(s);
    if (it == m_pending.end())
        return;
    if (it->rejected) {
        s->readAll(); // the answer is on its way; what else comes is ignored
        return;
    }
    // readAll(): Qt's read buffer is handed over, none is kept per connection (what the socket
    // holds is in memory already; past the cap the request is refused at once).
    it->received += s->readAll();
    const HandshakeResult r = parseUpgradeRequest(it->received, m_options.maxRequestBytes);
    if (r.status == HandshakeResult::Incomplete)
        return;
    QByteArray answer = r.response;
    if (r.status == HandshakeResult::HealthCheck) {
        if (m_options.health) {
            const auto [status, body] = m_options.health();
            answer = healthResponse(status, body);
        } else {
            answer = httpErrorResponse(404, u"no health check here"_s);
        }
    } else if (r.status == HandshakeResult::Reject) {
        qCDebug(lcServer) << "upgrade refused" << r.httpStatus << r.why;
    }
    if (r.status != HandshakeResult::Upgrade) {
        it->rejected = true;
        it->received.clear();
        s->write(answer);
        s->disconnectFromHost(); // after the answer went out; the deadline covers a stall
        return;
    }
    QByteArray early = it->received.mid(r.consumed);
    m_pending.erase(it);
    if (m_pending.isEmpty())
        m_tick.stop();
    s->disconnect(this);
    // Plain TCP: the 101 straight to the kernel (a fresh connection takes its 130 bytes), so
    // the socket never allocates a write buffer it would keep per connection; else via Qt.
    qsizetype sent = 0;
    if (!qobject_cast<QSslSocket *>(s)) {
        const ssize_t n = ::send(int(s->socketDescriptor()), r.response.constData(),
                                 size_t(r.response.size()), MSG_DONTWAIT | MSG_NOSIGNAL);
        sent = n > 0 ? qsizetype(n) : 0;
    }
    if (sent < r.response.size())
        s->write(r.response.mid(sent));
    m_onUpgraded(
        std::make_unique<NativeWsTransport>(s, std::move(early), m_options.maxMessageBytes));
}

void Acceptor::drop(QTcpSocket *s)
{
    if (m_pending.remove(s) == 0)
        return;
    s->disconnect(this);
    s->abort();
    s->deleteLater();
    if (m_pending.isEmpty())
        m_tick.stop();
}

void Acceptor::checkDeadlines()
{
    m_deadlines.takeDue(m_clock.elapsed(), [this](const Ref &r) {
        auto it = m_pending.constFind(r.socket);
        if (it == m_pending.cend() || it->serial != r.serial)
            return; // upgraded or gone (the address may have been reused)
        qCDebug(lcServer) << "handshake deadline passed for" << r.socket->peerAddress();
        drop(r.socket);
    });
    if (m_pending.isEmpty()) {
        m_tick.stop();
        m_deadlines.clear();
    }
}

} // namespace chat::server::nativews
