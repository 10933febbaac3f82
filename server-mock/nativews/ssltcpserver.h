// SslTcpServer: a QTcpServer whose connections are QSslSockets (wss). The caller configures
// each one and starts server encryption when it takes it; the native Acceptor and the Qt
// WebSockets path (which hands the sockets to QWebSocketServer::handleConnection, so that
// it can set TCP_NODELAY and its listen backlog on them) both use it.
#pragma once

#include <QSslSocket>
#include <QTcpServer>

namespace chat::server::nativews {

class SslTcpServer final : public QTcpServer
{
public:
    using QTcpServer::QTcpServer;

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *s = new QSslSocket(this);
        if (!s->setSocketDescriptor(descriptor)) {
            delete s;
            return;
        }
        addPendingConnection(s);
    }
};

} // namespace chat::server::nativews
