// The native WebSocket upgrade (server-mock/nativews/handshake, acceptor): the request parser
// on its own (every accepted and refused form, with its HTTP status), then on real sockets
// against chat-server in process: 101 with the right Sec-WebSocket-Accept, 400/426/431 answers
// followed by the end of the connection, the handshake deadline (slowloris, silence), frames
// pipelined right behind the request, and TCP_NODELAY on accepted sockets in both modes.
#include "nativews/handshake.h"
#include "serverfixture.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTest>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

using namespace Qt::StringLiterals;
using namespace chat::server::nativews;
using chat::server::ServerConfig;
using chat::server::WebSocketImpl;

namespace {

const QByteArray kKey = "dGhlIHNhbXBsZSBub25jZQ=="; // RFC 6455 §1.3's example
const QByteArray kAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

QByteArray request(const QByteArray &extra = {}, const QByteArray &skip = {},
                   const QByteArray &requestLine = "GET / HTTP/1.1")
{
    QList<QByteArray> lines{"Host: 127.0.0.1:9", "Upgrade: websocket", "Connection: Upgrade",
                            "Sec-WebSocket-Key: " + kKey, "Sec-WebSocket-Version: 13"};
    QByteArray r = requestLine + "\r\n";
    for (const QByteArray &l : lines)
        if (skip.isEmpty() || !l.startsWith(skip))
            r += l + "\r\n";
    return r + extra + "\r\n";
}

// A masked client text frame.
QByteArray textFrame(const QByteArray &payload)
{
    QByteArray f;
    f.append(char(0x81));
    f.append(char(0x80 | payload.size())); // < 126 in these tests
    const char mask[4] = {1, 2, 3, 4};
    f.append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        f.append(char(payload.at(i) ^ mask[i % 4]));
    return f;
}

// Writes `bytes`, then collects what the server answers until it closes or `timeoutMs`.
struct Raw {
    QTcpSocket s;
    QByteArray in;
    bool connectTo(quint16 port)
    {
        s.connectToHost(QHostAddress::LocalHost, port);
        return s.waitForConnected(10000);
    }
    void write(const QByteArray &b)
    {
        s.write(b);
        s.flush();
    }
    // Waits until `pred` holds on what arrived (or the connection ends); true if it held.
    bool waitFor(const std::function<bool()> &pred, int timeoutMs = 15000)
    {
        return QTest::qWaitFor(
                   [&] {
                       in += s.readAll();
                       return pred() || s.state() == QAbstractSocket::UnconnectedState;
                   },
                   timeoutMs)
               && (in += s.readAll(), pred());
    }
    bool waitHead()
    {
        return waitFor([this] { return in.contains("\r\n\r\n"); });
    }
    bool waitClosed(int timeoutMs = 15000)
    {
        return QTest::qWaitFor(
            [&] {
                in += s.readAll();
                return s.state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
    }
};

// TCP_NODELAY of the server's end of every TCP connection to `port` in this process (the
// server runs in process: its accepted sockets are among our file descriptors).
QList<int> serverSideNoDelay(quint16 port)
{
    QList<int> values;
    const QStringList fds =
        QDir(u"/proc/self/fd"_s)
            .entryList(QDir::NoDotAndDotDot | QDir::System | QDir::Files | QDir::Dirs);
    for (const QString &name : fds) {
        const int fd = name.toInt();
        sockaddr_in local{};
        socklen_t len = sizeof local;
        if (::getsockname(fd, reinterpret_cast<sockaddr *>(&local), &len) != 0
            || local.sin_family != AF_INET || ntohs(local.sin_port) != port)
            continue;
        sockaddr_in remote{};
        len = sizeof remote;
        if (::getpeername(fd, reinterpret_cast<sockaddr *>(&remote), &len) != 0)
            continue; // the listening socket
        int v = -1;
        len = sizeof v;
        if (::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0)
            values << v;
    }
    return values;
}

} // namespace

class TstNativeWsHandshake : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data()
    {
        QTest::addColumn<QByteArray>("req");
        QTest::addColumn<int>("status"); // 0 = incomplete
        QTest::newRow("valid") << request() << 101;
        QTest::newRow("incomplete") << request().chopped(2) << 0;
        QTest::newRow("path and query") << request({}, {}, "GET /chat?v=1 HTTP/1.1") << 101;
        QTest::newRow("absolute form") << request({}, {}, "GET ws://127.0.0.1:9/ HTTP/1.1") << 101;
        QTest::newRow("header case, token lists")
            << request("uPgRaDe: foo, WebSocket\r\nconnection: keep-alive, UPGRADE\r\n", "Upgrade")
                   .replace("Connection: Upgrade\r\n", "")
            << 101;
        QTest::newRow("connection list over two headers")
            << request("Connection: Upgrade\r\n", "Connection")
                   .replace("Host:", "Connection: keep-alive\r\nHost:")
            << 101;
        QTest::newRow("extensions and protocols offered, not negotiated")
            << request("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                       "Sec-WebSocket-Protocol: chat\r\nOrigin: http://example.org\r\n")
            << 101;
        QTest::newRow("missing key") << request({}, "Sec-WebSocket-Key") << 400;
        QTest::newRow("short key")
            << request("Sec-WebSocket-Key: AAAA\r\n", "Sec-WebSocket-Key") << 400;
        QTest::newRow("key not base64")
            << request("Sec-WebSocket-Key: !!!!!!!!!!!!!!!!!!!!!!==\r\n", "Sec-WebSocket-Key")
            << 400;
        QTest::newRow("two keys") << request("Sec-WebSocket-Key: " + kKey + "\r\n") << 400;
        QTest::newRow("version 8")
            << request("Sec-WebSocket-Version: 8\r\n", "Sec-WebSocket-Version") << 426;
        QTest::newRow("no version") << request({}, "Sec-WebSocket-Version") << 426;
        QTest::newRow("no upgrade header") << request({}, "Upgrade") << 400;
        QTest::newRow("upgrade to something else") << request("Upgrade: h2c\r\n", "Upgrade") << 400;
        QTest::newRow("no connection: upgrade")
            << request("Connection: keep-alive\r\n", "Connection") << 400;
        QTest::newRow("no host") << request({}, "Host") << 400;
        QTest::newRow("two hosts") << request("Host: other\r\n") << 400;
        QTest::newRow("POST") << request({}, {}, "POST / HTTP/1.1") << 405;
        QTest::newRow("HTTP/1.0") << request({}, {}, "GET / HTTP/1.0") << 400;
        QTest::newRow("garbage request line") << request({}, {}, "HELLO") << 400;
        QTest::newRow("target not a path") << request({}, {}, "GET * HTTP/1.1") << 400;
        QTest::newRow("folded header") << request(" continued\r\n") << 400;
        QTest::newRow("header without colon") << request("Nonsense\r\n") << 400;
        QTest::newRow("bare LF") << request("X-A: 1\nX-B: 2\r\n") << 400;
        QTest::newRow("control character") << request("X-A: \x01\r\n") << 400;
        QTest::newRow("a body") << request("Content-Length: 5\r\n") << 400;
        QTest::newRow("headers over 8 KiB")
            << request("X-Pad: " + QByteArray(9000, 'p') + "\r\n") << 431;
        QTest::newRow("unfinished headers over 8 KiB")
            << QByteArray("GET / HTTP/1.1\r\nX-Pad: " + QByteArray(9000, 'p')) << 431;
    }
    void parse()
    {
        QFETCH(QByteArray, req);
        QFETCH(int, status);
        const HandshakeResult r = parseUpgradeRequest(req);
        QCOMPARE(r.httpStatus, status);
        if (status == 0) {
            QCOMPARE(r.status, HandshakeResult::Incomplete);
            return;
        }
        QVERIFY(r.response.startsWith(QByteArray("HTTP/1.1 " + QByteArray::number(status) + ' ')));
        if (status == 101) {
            QCOMPARE(r.status, HandshakeResult::Upgrade);
            QCOMPARE(r.consumed, req.size());
            QVERIFY(
                r.response.contains(QByteArray("\r\nSec-WebSocket-Accept: " + kAccept + "\r\n")));
            QVERIFY(r.response.contains("\r\nUpgrade: websocket\r\n"));
            QVERIFY(!r.response.contains("Sec-WebSocket-Extensions"));
            QVERIFY(!r.response.contains("Sec-WebSocket-Protocol"));
        } else {
            QCOMPARE(r.status, HandshakeResult::Reject);
            QVERIFY(r.response.contains("\r\nConnection: close\r\n"));
            QVERIFY(!r.why.isEmpty());
        }
        if (status == 426)
            QVERIFY(r.response.contains("\r\nSec-WebSocket-Version: 13\r\n"));
    }

    void acceptKey() { QCOMPARE(acceptKeyFor(kKey), kAccept); }

    // GET /healthz without an Upgrade header is a load balancer's check, not a refusal; with
    // one it is an upgrade like any path; a near miss is still refused.
    void healthCheckRequest()
    {
        const QByteArray plain("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        HandshakeResult r = parseUpgradeRequest(plain);
        QCOMPARE(r.status, HandshakeResult::HealthCheck);
        QCOMPARE(r.consumed, plain.size());
        r = parseUpgradeRequest("GET /healthz?verbose=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: "
                                "HAProxy\r\n\r\n");
        QCOMPARE(r.status, HandshakeResult::HealthCheck);
        QCOMPARE(parseUpgradeRequest(request({}, {}, "GET /healthz HTTP/1.1")).status,
                 HandshakeResult::Upgrade);
        QCOMPARE(parseUpgradeRequest("GET /healthzz HTTP/1.1\r\nHost: x\r\n\r\n").httpStatus, 400);
        QCOMPARE(parseUpgradeRequest("POST /healthz HTTP/1.1\r\nHost: x\r\n\r\n").httpStatus, 405);
        QCOMPARE(parseUpgradeRequest("GET /healthz HTTP/1.1\r\n\r\n").httpStatus, 400); // no Host
        QCOMPARE(
            parseUpgradeRequest("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n")
                .status,
            HandshakeResult::Reject);
        QCOMPARE(parseUpgradeRequest("GET /healthz HTTP/1.1\r\nHost: x\r\n").status,
                 HandshakeResult::Incomplete);
        const QByteArray answer = healthResponse(503, R"({"status":"stopping"})");
        QVERIFY(answer.startsWith("HTTP/1.1 503 Service Unavailable\r\n"));
        QVERIFY(answer.contains("\r\nConnection: close\r\n"));
        QVERIFY(answer.endsWith("\r\n\r\n{\"status\":\"stopping\"}\n"));
    }

    // The running server answers the check (200, JSON with its connection count) and closes;
    // the next connection still upgrades.
    void healthEndpoint()
    {
        ServerFixture fx;
        QVERIFY(fx.start());
        Raw ws;
        QVERIFY(ws.connectTo(fx.server->port()));
        ws.write(request());
        QVERIFY(ws.waitHead());
        QVERIFY(ws.in.startsWith("HTTP/1.1 101 "));
        Raw check;
        QVERIFY(check.connectTo(fx.server->port()));
        check.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QVERIFY2(check.waitClosed(), "the connection ends after the answer");
        QVERIFY2(check.in.startsWith("HTTP/1.1 200 OK\r\n"), check.in.left(200).constData());
        QVERIFY(check.in.contains("\r\nContent-Type: application/json\r\n"));
        const QByteArray body = check.in.mid(check.in.indexOf("\r\n\r\n") + 4);
        const QJsonObject o = QJsonDocument::fromJson(body).object();
        QCOMPARE(o.value(u"status"_s).toString(), u"ok"_s);
        QCOMPARE(o.value(u"connections"_s).toInt(), 1); // the upgraded one
        Raw ok;
        QVERIFY(ok.connectTo(fx.server->port()));
        ok.write(request());
        QVERIFY(ok.waitHead());
        QVERIFY(ok.in.startsWith("HTTP/1.1 101 "));
    }

    // Bytes after the request are frames, not part of it.
    void consumedStopsAtTheBlankLine()
    {
        const QByteArray req = request();
        const HandshakeResult r = parseUpgradeRequest(req + "\x81\x80xxxx");
        QCOMPARE(r.status, HandshakeResult::Upgrade);
        QCOMPARE(r.consumed, req.size());
    }

    // On the wire, against chat-server.
    void upgradeThenFrames()
    {
        ServerFixture fx;
        QVERIFY(fx.start());
        Raw raw;
        QVERIFY(raw.connectTo(fx.server->port()));
        // A frame pipelined right behind the request is answered after the 101 (a ping before
        // logging in: an error carrying its id).
        raw.write(request() + textFrame(R"({"type":"ping","id":"p1"})"));
        QVERIFY(raw.waitFor([&] { return raw.in.contains(R"("id":"p1")"); }));
        QVERIFY2(raw.in.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), raw.in.constData());
        QVERIFY(raw.in.contains(QByteArray("Sec-WebSocket-Accept: " + kAccept + "\r\n")));
        const qsizetype body = raw.in.indexOf("\r\n\r\n") + 4;
        QCOMPARE(quint8(raw.in.at(body)), quint8(0x81)); // an unmasked text frame
        QVERIFY(raw.in.contains(R"("type":"error")"));
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("req");
        QTest::addColumn<QByteArray>("statusLine");
        QTest::newRow("missing key")
            << request({}, "Sec-WebSocket-Key") << QByteArray("HTTP/1.1 400 Bad Request");
        QTest::newRow("bad version")
            << request("Sec-WebSocket-Version: 7\r\n", "Sec-WebSocket-Version")
            << QByteArray("HTTP/1.1 426 Upgrade Required");
        QTest::newRow("plain GET") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                                   << QByteArray("HTTP/1.1 400 Bad Request");
        QTest::newRow("oversize headers")
            << request("X-Pad: " + QByteArray(20000, 'p') + "\r\n")
            << QByteArray("HTTP/1.1 431 Request Header Fields Too Large");
    }
    void refusals()
    {
        QFETCH(QByteArray, req);
        QFETCH(QByteArray, statusLine);
        ServerFixture fx;
        QVERIFY(fx.start());
        Raw raw;
        QVERIFY(raw.connectTo(fx.server->port()));
        raw.write(req);
        QVERIFY(raw.waitHead());
        QVERIFY2(raw.in.startsWith(QByteArray(statusLine + "\r\n")), raw.in.left(200).constData());
        if (statusLine.contains("426"))
            QVERIFY(raw.in.contains("\r\nSec-WebSocket-Version: 13\r\n"));
        QVERIFY2(raw.waitClosed(), "the connection ends after a refusal");
        // The server still upgrades the next one.
        Raw ok;
        QVERIFY(ok.connectTo(fx.server->port()));
        ok.write(request());
        QVERIFY(ok.waitHead());
        QVERIFY(ok.in.startsWith("HTTP/1.1 101 "));
    }

    // Slowloris: a request dribbled slower than the deadline, and a peer that sends nothing,
    // are both cut; a request completed in time is served.
    void handshakeDeadline()
    {
        ServerConfig cfg;
        cfg.handshakeTimeoutMs = 1500;
        ServerFixture fx;
        QVERIFY(fx.start(cfg));
        Raw silent, dribbler;
        QVERIFY(silent.connectTo(fx.server->port()));
        QVERIFY(dribbler.connectTo(fx.server->port()));
        const QByteArray req = request();
        int sent = 0;
        QElapsedTimer t;
        t.start();
        while (dribbler.s.state() == QAbstractSocket::ConnectedState && sent < req.size() - 2
               && t.elapsed() < 20000) {
            dribbler.write(req.mid(sent++, 1));
            QTest::qWait(100);
        }
        QVERIFY2(dribbler.waitClosed(), "the dribbled handshake is cut");
        QVERIFY(sent < req.size() - 2);
        QVERIFY(!dribbler.in.startsWith("HTTP/1.1 101"));
        QVERIFY2(silent.waitClosed(), "a connection that never sends a request is cut");
        Raw ok;
        QVERIFY(ok.connectTo(fx.server->port()));
        ok.write(request());
        QVERIFY(ok.waitHead());
        QVERIFY(ok.in.startsWith("HTTP/1.1 101 "));
    }

    // Frames out are whole messages: Nagle must not hold them behind an unacknowledged one.
    void tcpNoDelay_data()
    {
        QTest::addColumn<int>("impl");
        QTest::addColumn<bool>("tls");
        QTest::newRow("native ws") << int(WebSocketImpl::Native) << false;
        QTest::newRow("qt ws") << int(WebSocketImpl::Qt) << false;
        QTest::newRow("native wss") << int(WebSocketImpl::Native) << true;
        QTest::newRow("qt wss") << int(WebSocketImpl::Qt) << true;
    }
    void tcpNoDelay()
    {
        QFETCH(int, impl);
        QFETCH(bool, tls);
        ServerConfig cfg;
        cfg.websocket = WebSocketImpl(impl);
        QTemporaryDir certDir;
        if (tls) {
            const QString openssl = QStandardPaths::findExecutable(u"openssl"_s);
            if (openssl.isEmpty())
                QFAIL("openssl is needed to make a test certificate (apt-get install openssl)");
            cfg.tlsCert = certDir.filePath(u"cert.pem"_s);
            cfg.tlsKey = certDir.filePath(u"key.pem"_s);
            QProcess gen;
            gen.start(openssl,
                      {u"req"_s, u"-x509"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                       u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-keyout"_s, cfg.tlsKey,
                       u"-out"_s, cfg.tlsCert, u"-days"_s, u"1"_s, u"-subj"_s, u"/CN=127.0.0.1"_s});
            QVERIFY(gen.waitForFinished(60000));
            QCOMPARE(gen.exitCode(), 0);
        }
        ServerFixture fx;
        QVERIFY(fx.start(cfg));
        QCOMPARE(fx.server->url().scheme(), tls ? u"wss"_s : u"ws"_s);
        auto *c = new TestClient;
        fx.clients.append(c);
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone); // self-signed
        c->socket().setSslConfiguration(ssl);
        QVERIFY(c->open(fx.server->url()));
        QCOMPARE(c->request({{"type"_L1, u"ping"_s}}).value("type"_L1).toString(), u"error"_s);
        const QList<int> values = serverSideNoDelay(fx.server->port());
        QCOMPARE(values.size(), 1);
        QVERIFY(values.first() != 0);
    }
};

QTEST_MAIN(TstNativeWsHandshake)
#include "tst_nativews_handshake.moc"
