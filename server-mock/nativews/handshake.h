// The server side of the WebSocket opening handshake (RFC 6455 §4.2): reads the client's
// HTTP/1.1 upgrade request from the bytes received so far and produces the response, either
// "101 Switching Protocols" with Sec-WebSocket-Accept or an HTTP error after which the
// connection is closed. One plain request is not an upgrade and not an error: GET /healthz
// (kHealthPath, no Upgrade header) is a load balancer's health check, answered by the
// acceptor (healthResponse) from the server's state. Neither subprotocols nor extensions are
// negotiated (a client offering permessage-deflate gets plain frames, as the RFC allows).
#pragma once

#include <QByteArray>
#include <QString>

namespace chat::server::nativews {

struct HandshakeResult {
    enum Status { Incomplete, Upgrade, Reject, HealthCheck };
    Status status = Incomplete;
    qsizetype consumed = 0; // Upgrade: bytes of the request; what follows are frames
    int httpStatus = 0;     // 101, or the error status (400, 405, 426, 431); 0 for HealthCheck
    QByteArray response;    // what to write back (Upgrade, Reject; HealthCheck: the acceptor's)
    QString why;            // Reject: a sentence for the log
};

// The default cap on the request line and headers together.
inline constexpr qsizetype kMaxRequestHeaderBytes = 8 * 1024;

// Looks at everything received so far. Incomplete: wait for more (never once the bytes
// exceed maxHeaderBytes: that is a Reject with 431).
HandshakeResult parseUpgradeRequest(const QByteArray &received,
                                    qsizetype maxHeaderBytes = kMaxRequestHeaderBytes);

// The path of the health check (a query string is allowed and ignored).
inline constexpr char kHealthPath[] = "/healthz";

// A complete HTTP response to a health check: `status` (200, or 503 when the node should
// leave rotation) with a JSON body; the connection is closed after it.
QByteArray healthResponse(int status, const QByteArray &jsonBody);

// base64(SHA-1(key + the RFC's GUID)).
QByteArray acceptKeyFor(const QByteArray &secWebSocketKey);

// A complete HTTP error response with a plain-text sentence; `extraHeaders` end in CRLF each.
QByteArray httpErrorResponse(int status, const QString &sentence,
                             const QByteArray &extraHeaders = {});

} // namespace chat::server::nativews
