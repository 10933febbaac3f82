#include "faultproxy.h"

#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

namespace chat::reliability {

FaultProxy::FaultProxy(QObject *parent) : QObject(parent)
{
    connect(&m_listener, &QTcpServer::newConnection, this, &FaultProxy::onNewConnection);
}

FaultProxy::~FaultProxy()
{
    resetAll();
}

bool FaultProxy::listen(quint16 upstreamPort)
{
    m_upstreamPort = upstreamPort;
    return m_listener.listen(QHostAddress::LocalHost, 0);
}

void FaultProxy::onNewConnection()
{
    while (QTcpSocket *c = m_listener.nextPendingConnection()) {
        auto *p = new Pair;
        p->client = c;
        p->server = new QTcpSocket(this);
        m_pairs.append(p);
        connect(c, &QTcpSocket::readyRead, this, [this, p] { forward(p, true); });
        connect(p->server, &QTcpSocket::readyRead, this, [this, p] { forward(p, false); });
        connect(p->server, &QTcpSocket::connected, this, [this, p] { flush(p); });
        connect(c, &QTcpSocket::disconnected, this, [this, p] { closePair(p); });
        connect(p->server, &QTcpSocket::disconnected, this, [this, p] { closePair(p); });
        connect(p->server, &QTcpSocket::errorOccurred, this, [this, p] { closePair(p); });
        p->server->connectToHost(QHostAddress::LocalHost, m_upstreamPort);
    }
}

void FaultProxy::forward(Pair *p, bool fromClient)
{
    QTcpSocket *from = fromClient ? p->client : p->server;
    const QByteArray data = from->readAll();
    if (data.isEmpty())
        return;
    (fromClient ? p->toServer : p->toClient) += data;
    if (m_blackhole)
        return;
    if (m_delayMs > 0) {
        // Later chunks wait at least as long: order is kept because flush() sends everything.
        QPointer<QTcpSocket> guard(p->client);
        QTimer::singleShot(m_delayMs, this, [this, p, guard] {
            if (guard && m_pairs.contains(p) && !m_blackhole)
                flush(p);
        });
        return;
    }
    flush(p);
}

void FaultProxy::flush(Pair *p)
{
    if (p->server->state() == QAbstractSocket::ConnectedState && !p->toServer.isEmpty()) {
        p->server->write(p->toServer);
        p->toServer.clear();
    }
    if (p->client->state() == QAbstractSocket::ConnectedState && !p->toClient.isEmpty()) {
        p->client->write(p->toClient);
        p->toClient.clear();
    }
}

void FaultProxy::setBlackhole(bool on)
{
    m_blackhole = on;
    if (!on)
        for (Pair *p : std::as_const(m_pairs))
            flush(p);
}

void FaultProxy::closePair(Pair *p)
{
    if (!m_pairs.removeOne(p))
        return;
    // Forward what the closing side still sent before tearing the other side down.
    flush(p);
    p->client->disconnect(this);
    p->server->disconnect(this);
    p->client->disconnectFromHost();
    p->server->disconnectFromHost();
    p->client->deleteLater();
    p->server->deleteLater();
    delete p;
}

void FaultProxy::resetAll()
{
    const QList<Pair *> pairs = std::exchange(m_pairs, {});
    for (Pair *p : pairs) {
        p->client->disconnect(this);
        p->server->disconnect(this);
        p->client->abort();
        p->server->abort();
        p->client->deleteLater();
        p->server->deleteLater();
        delete p;
    }
}

} // namespace chat::reliability
