#include "handshake.h"

#include <QCryptographicHash>
#include <QList>
#include <cstring>

using namespace Qt::StringLiterals;

namespace chat::server::nativews {

namespace {

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 503: return "Service Unavailable";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 426: return "Upgrade Required";
    case 431: return "Request Header Fields Too Large";
    default: return "Error";
    }
}

HandshakeResult reject(int status, const QString &why, const QByteArray &extraHeaders = {})
{
    HandshakeResult r;
    r.status = HandshakeResult::Reject;
    r.httpStatus = status;
    r.why = why;
    r.response = httpErrorResponse(status, why, extraHeaders);
    return r;
}

bool isTokenChar(char c)
{
    // RFC 9110 tchar
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s)
        if (!isTokenChar(c))
            return false;
    return true;
}

// A comma-separated header value contains `token` (case-insensitive).
bool listContains(const QByteArray &value, QByteArrayView token)
{
    for (const QByteArray &part : value.split(','))
        if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    return false;
}

struct Headers {
    QByteArray host, upgrade, connection, version, key;
    int hostCount = 0, keyCount = 0, versionCount = 0;
    bool hasBody = false;
};

} // namespace

QByteArray acceptKeyFor(const QByteArray &secWebSocketKey)
{
    const QByteArray keyAndGuid = secWebSocketKey + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    return QCryptographicHash::hash(keyAndGuid, QCryptographicHash::Sha1).toBase64();
}

QByteArray httpErrorResponse(int status, const QString &sentence, const QByteArray &extraHeaders)
{
    const QByteArray body = sentence.toUtf8() + '\n';
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
           + "\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
           + QByteArray::number(body.size()) + "\r\n" + extraHeaders + "\r\n" + body;
}

QByteArray healthResponse(int status, const QByteArray &jsonBody)
{
    const QByteArray body = jsonBody + '\n';
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status)
           + "\r\nConnection: close\r\nCache-Control: no-store\r\nContent-Type: "
             "application/json\r\nContent-Length: "
           + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

HandshakeResult parseUpgradeRequest(const QByteArray &received, qsizetype maxHeaderBytes)
{
    const qsizetype end = received.indexOf("\r\n\r\n");
    if (end < 0 ? received.size() > maxHeaderBytes : end + 4 > maxHeaderBytes)
        return reject(431, u"the upgrade request's headers exceed %1 bytes"_s.arg(maxHeaderBytes));
    if (end < 0)
        return {};

    const QByteArray head = received.left(end);
    for (char c : head) {
        // Only CRLF line ends, tabs and printable bytes (and UTF-8 in values) in a header.
        if ((quint8(c) < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f)
            return reject(400, u"control character in the upgrade request"_s);
    }
    const QList<QByteArray> lines = head.split('\n');
    // The request line: GET <target> HTTP/1.1
    auto chomp = [](const QByteArray &line, QByteArray *out) {
        if (!line.endsWith('\r') && !line.isEmpty())
            return false; // a bare LF
        *out = line.chopped(line.isEmpty() ? 0 : 1);
        return !out->contains('\r');
    };
    QByteArray requestLine;
    // The last line of `head` has no CR left (the split happened inside "\r\n\r\n").
    const auto lineAt = [&](qsizetype i, QByteArray *out) {
        if (i == lines.size() - 1) {
            *out = lines.at(i);
            return !out->contains('\r');
        }
        return chomp(lines.at(i), out);
    };
    if (!lineAt(0, &requestLine))
        return reject(400, u"malformed line end in the upgrade request"_s);
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || parts.at(1).isEmpty())
        return reject(400, u"malformed request line"_s);
    if (parts.at(2) != "HTTP/1.1")
        return reject(400, u"the upgrade needs HTTP/1.1"_s);
    if (parts.at(0) != "GET")
        return reject(405, u"a WebSocket upgrade is a GET request"_s, "Allow: GET\r\n");
    const QByteArray &target = parts.at(1);
    if (!target.startsWith('/') && !target.startsWith("ws://") && !target.startsWith("wss://")
        && !target.startsWith("http://") && !target.startsWith("https://"))
        return reject(400, u"malformed request target"_s);

    Headers h;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        QByteArray line;
        if (!lineAt(i, &line))
            return reject(400, u"malformed line end in the upgrade request"_s);
        if (line.startsWith(' ') || line.startsWith('\t'))
            return reject(400, u"folded header lines are not allowed"_s);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(QByteArrayView(line).first(colon)))
            return reject(400, u"malformed header line"_s);
        const QByteArray name = line.left(colon).toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        auto appendList = [&value](QByteArray &to) {
            to = to.isEmpty() ? value : to + ", " + value;
        };
        if (name == "host") {
            h.host = value;
            ++h.hostCount;
        } else if (name == "upgrade") {
            appendList(h.upgrade);
        } else if (name == "connection") {
            appendList(h.connection);
        } else if (name == "sec-websocket-version") {
            h.version = value;
            ++h.versionCount;
        } else if (name == "sec-websocket-key") {
            h.key = value;
            ++h.keyCount;
        } else if (name == "transfer-encoding" || (name == "content-length" && value != "0")) {
            h.hasBody = true;
        }
    }
    if (h.hostCount != 1 || h.host.isEmpty())
        return reject(400, u"the upgrade request needs exactly one Host header"_s);
    const qsizetype query = target.indexOf('?');
    const QByteArray path = query < 0 ? target : target.first(query);
    if (path == kHealthPath && h.upgrade.isEmpty() && !h.hasBody) {
        HandshakeResult r;
        r.status = HandshakeResult::HealthCheck;
        r.consumed = end + 4;
        return r;
    }
    if (!listContains(h.upgrade, "websocket"))
        return reject(400, u"not a WebSocket upgrade (Upgrade: websocket is missing)"_s);
    if (!listContains(h.connection, "upgrade"))
        return reject(400, u"not a WebSocket upgrade (Connection: Upgrade is missing)"_s);
    if (h.versionCount != 1 || h.version != "13")
        return reject(426, u"only WebSocket version 13 is spoken"_s,
                      "Sec-WebSocket-Version: 13\r\n");
    if (h.hasBody)
        return reject(400, u"an upgrade request has no body"_s);
    if (h.keyCount != 1)
        return reject(400, u"the upgrade request needs exactly one Sec-WebSocket-Key"_s);
    const auto decoded =
        QByteArray::fromBase64Encoding(h.key, QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() != 16 || h.key.size() != 24)
        return reject(400, u"Sec-WebSocket-Key is not 16 bytes in base64"_s);

    HandshakeResult r;
    r.status = HandshakeResult::Upgrade;
    r.consumed = end + 4;
    r.httpStatus = 101;
    r.response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
                 "Upgrade\r\nSec-WebSocket-Accept: "
                 + acceptKeyFor(h.key) + "\r\n\r\n";
    return r;
}

} // namespace chat::server::nativews
