// Acceptor: the native WebSocket listener. Accepts TCP connections (or TLS ones, with a
// QSslSocket per connection once a certificate is configured), sets TCP_NODELAY, reads the
// HTTP upgrade request under a size cap and a deadline (a peer dribbling it is cut: slowloris),
// answers 101 or an HTTP error, and hands each upgraded connection to the server as a
// NativeWsTransport. A GET /healthz is answered from Options::health and closed. Connections still
// in the handshake share one timer: their deadlines sit in a DeadlineQueue, nothing per connection
// but the bytes of its request so far.
#pragma once

#include "deadlinequeue.h"

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QSslConfiguration>
#include <QTimer>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

class QTcpServer;
class QTcpSocket;

namespace chat::server {
class SessionTransport;
}

namespace chat::server::nativews {

class Acceptor : public QObject
{
    Q_OBJECT
public:
    struct Options {
        qint64 maxMessageBytes = 64 * 1024; // larger messages close with 1009
        int handshakeTimeoutMs = 10000;     // TLS + upgrade request must be done by then
        int backlog = 1024;
        qsizetype maxRequestBytes = 8 * 1024;
        std::optional<QSslConfiguration> tls; // set: wss
        // GET /healthz: the HTTP status (200, or 503 to leave a load balancer's rotation)
        // and a JSON body. Unset: the path is refused like any request that is no upgrade.
        std::function<std::pair<int, QByteArray>()> health;
    };
    using Handler = std::function<void(std::unique_ptr<SessionTransport>)>;

    Acceptor(Options options, Handler onUpgraded, QObject *parent = nullptr);
    ~Acceptor() override;

    bool listen(const QHostAddress &host, quint16 port, QString *error);
    void close(); // no new connections; those in the handshake are dropped
    quint16 port() const;
    bool isSecure() const { return m_options.tls.has_value(); }
    int handshakesInProgress() const { return int(m_pending.size()); }

private:
    struct Pending {
        QByteArray received;
        quint64 serial = 0;
        bool rejected = false; // answered with an error, waiting for the bytes to go out
    };
    void onNewConnection();
    void onReadable(QTcpSocket *s);
    void drop(QTcpSocket *s);
    void checkDeadlines();

    Options m_options;
    Handler m_onUpgraded;
    QTcpServer *m_server = nullptr;
    QHash<QTcpSocket *, Pending> m_pending;
    struct Ref {
        QTcpSocket *socket; // valid only while in m_pending with this serial
        quint64 serial;
    };
    DeadlineQueue<Ref> m_deadlines;
    QTimer m_tick;
    QElapsedTimer m_clock;
    quint64 m_serial = 0;
};

} // namespace chat::server::nativews
