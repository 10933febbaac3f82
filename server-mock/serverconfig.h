// ServerConfig: everything chat-server can be told, mirroring the command line (protocol §14).
// Fields after the documented ones are additions for tests and QA; their defaults are the
// protocol's.
#pragma once

#include "net/protocol/limits.h"

#include <QHostAddress>
#include <QString>
#include <QUrl>

namespace chat::server {

// Which WebSocket implementation serves the connections (--websocket, docs/SERVER.md).
enum class WebSocketImpl {
    Native, // server-mock/nativews: our own RFC 6455 server side on QTcpSocket/QSslSocket
    Qt,     // QWebSocketServer / QWebSocket
};

struct ServerConfig {
    QHostAddress host = QHostAddress::LocalHost;
    quint16 port = 0;        // 0 = pick one
    QString dataDir;         // SQLite store + state; created if missing
    QString fixtureFile;     // optional, loaded at start
    QString adminToken;      // empty = admin frames refused
    QUrl pushUrl;            // empty = record pushes for admin_pushes
    int heartbeatMs = 30000; // presence TTL = 2 x heartbeatMs
    int rateLimit = 20;      // sends/s per connection, burst 2.5x; 0 = off
    QString tlsCert, tlsKey;
    QString storeUrl;
    QString redisUrl;
    QString nodeId;
    chat::proto::Limits limits;
    WebSocketImpl websocket = WebSocketImpl::Native; // --websocket native|qt

    // Additions (not on the command line; defaults are the protocol's).
    int authDeadlineMs = 10000;       // unauthenticated connections are closed (4001) after this
    int maxConnectionsPerUser = 10;   // protocol §12
    int maxBadFramesPerMinute = 20;   // more closes with 4002
    int pushCoalesceMs = 10000;       // at most one push per user and conversation per window
    int tokenLifetimeDays = 30;       // session tokens expire after this many days
    int maxPendingConnections = 1024; // listen backlog (QWebSocketServer's default is 30)
    int groupCommitMaxBatch = 512;    // sends committed together at most
    int handshakeTimeoutMs = 10000;   // TLS + HTTP upgrade must be done by then (slowloris)
};

} // namespace chat::server
