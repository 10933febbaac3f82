// Connection alone, against a tiny scripted WebSocket server in the test: auth fallback,
// request/response correlation, per-request timeouts, heartbeat dead-link detection,
// reconnect with backoff, connect/handshake timeout.
#include "net/connection.h"
#include "net/protocol/codec.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslKey>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace Qt::StringLiterals;
using namespace chat::net;
using namespace chat::proto;

namespace {

// Answers login/auth per its flags; "users" requests are answered unless `ignoreRequests`.
class FakeServer : public QObject
{
public:
    QWebSocketServer server{u"fake"_s, QWebSocketServer::NonSecureMode};
    QList<QWebSocket *> sockets;
    int connections = 0;
    QStringList received; // frame types in arrival order
    bool acceptToken = true;
    bool acceptPassword = true;
    bool answerPings = true;
    bool ignoreRequests = false;
    bool closeOnConnect = false;
    bool bareCloseOnToken = false; // close 4001 on `auth` without an error frame
    qint64 heartbeatMs = 30000;

    explicit FakeServer(const std::optional<QSslConfiguration> &tls = std::nullopt)
        : server(u"fake"_s, tls ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode)
    {
        if (tls)
            server.setSslConfiguration(*tls);
        server.listen(QHostAddress::LocalHost, 0);
        connect(&server, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *s = server.nextPendingConnection()) {
                ++connections;
                if (closeOnConnect) {
                    s->abort();
                    s->deleteLater();
                    continue;
                }
                sockets.append(s);
                connect(s, &QWebSocket::textMessageReceived, this,
                        [this, s](const QString &t) { onText(s, t); });
                connect(s, &QWebSocket::disconnected, this, [this, s] {
                    sockets.removeAll(s);
                    s->deleteLater();
                });
            }
        });
    }
    ~FakeServer() override
    {
        // The sockets die with `server`, after `sockets`: they must not call back.
        for (QWebSocket *s : server.findChildren<QWebSocket *>())
            s->disconnect(this);
        for (QWebSocket *s : std::as_const(sockets)) {
            s->disconnect(this);
            delete s; // accepted sockets have no parent
        }
    }
    QUrl url() const
    {
        const QString scheme =
            server.secureMode() == QWebSocketServer::SecureMode ? u"wss"_s : u"ws"_s;
        return QUrl(scheme + u"://127.0.0.1:"_s + QString::number(server.serverPort()));
    }
    // `n` typing pushes, user ids u0, u1, ... in order, written in one go.
    void burst(int n)
    {
        for (QWebSocket *s : std::as_const(sockets))
            for (int i = 0; i < n; ++i)
                send(s, {{"type"_L1, u"typing"_s},
                         {"conversation_id"_L1, u"c"_s},
                         {"user_id"_L1, QString(u"u"_s + QString::number(i))},
                         {"active"_L1, true}});
    }
    void send(QWebSocket *s, const QJsonObject &o)
    {
        s->sendTextMessage(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)));
    }
    void onText(QWebSocket *s, const QString &text)
    {
        const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
        const QString type = o.value("type"_L1).toString();
        const QString id = o.value("id"_L1).toString();
        received.append(type);
        auto authOk = [&] {
            send(s, {{"type"_L1, u"auth_ok"_s},
                     {"id"_L1, id},
                     {"user"_L1, QJsonObject{{"user_id"_L1, u"u1"_s},
                                             {"username"_L1, u"alice"_s},
                                             {"display_name"_L1, u"Alice"_s}}},
                     {"token"_L1, u"tok-new"_s},
                     {"heartbeat_ms"_L1, heartbeatMs},
                     {"server_time"_L1, 1},
                     {"protocol"_L1, 1}});
        };
        auto refuse = [&] {
            send(s, {{"type"_L1, u"error"_s},
                     {"id"_L1, id},
                     {"code"_L1, u"unauthorized"_s},
                     {"message"_L1, u"bad credentials"_s}});
        };
        if (type == "auth"_L1 && bareCloseOnToken)
            s->close(QWebSocketProtocol::CloseCode(4001), u"unauthorized"_s);
        else if (type == "auth"_L1)
            acceptToken ? authOk() : refuse();
        else if (type == "login"_L1)
            acceptPassword ? authOk() : refuse();
        else if (type == "ping"_L1 && answerPings)
            send(s, {{"type"_L1, u"pong"_s}, {"ts"_L1, o.value("ts"_L1)}});
        else if (type == "users"_L1 && !ignoreRequests)
            send(s, {{"type"_L1, u"users"_s}, {"id"_L1, id}, {"users"_L1, QJsonArray()}});
    }
};

ConnectionOptions options(const QUrl &url)
{
    ConnectionOptions o;
    o.url = url;
    o.credentials.username = u"alice"_s;
    o.credentials.password = u"alice-pw"_s;
    o.policy = RetryPolicy::fastForTests();
    return o;
}

} // namespace

class TestConnection : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void tokenRefusedFallsBackToLogin()
    {
        FakeServer fake;
        fake.acceptToken = false;
        Connection c;
        QSignalSpy tokens(&c, &Connection::tokenChanged);
        QSignalSpy auths(&c, &Connection::authenticated);
        auto o = options(fake.url());
        o.credentials.token = u"old-token"_s;
        c.open(o);
        QTRY_COMPARE_WITH_TIMEOUT(auths.size(), 1, 10000);
        QCOMPARE(fake.received.mid(0, 2), (QStringList{u"auth"_s, u"login"_s}));
        QCOMPARE(tokens.size(), 1);
        QCOMPARE(c.token(), u"tok-new"_s);
        QCOMPARE(c.user().username, u"alice"_s);
        QCOMPARE(c.state(), Connection::State::Online);
    }

    void bareCloseOnTokenFallsBackToLogin()
    {
        FakeServer fake;
        fake.bareCloseOnToken = true;
        Connection c;
        QSignalSpy auths(&c, &Connection::authenticated);
        auto o = options(fake.url());
        o.credentials.token = u"revoked"_s;
        c.open(o);
        QTRY_COMPARE_WITH_TIMEOUT(auths.size(), 1, 10000);
        QCOMPARE(fake.received, (QStringList{u"auth"_s, u"login"_s}));
        QCOMPARE(fake.connections, 2);
        // Without a password there is nothing left to try: a permanent failure, no loop.
        FakeServer strict;
        strict.bareCloseOnToken = true;
        Connection t;
        QSignalSpy failed(&t, &Connection::authFailed);
        auto tokenOnly = options(strict.url());
        tokenOnly.credentials.password.clear();
        tokenOnly.credentials.token = u"revoked"_s;
        t.open(tokenOnly);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
        QVERIFY(!t.reconnectPending());
        QCOMPARE(strict.connections, 1);
    }

    void badPasswordIsPermanent()
    {
        FakeServer fake;
        fake.acceptPassword = false;
        Connection c;
        QSignalSpy failed(&c, &Connection::authFailed);
        c.open(options(fake.url()));
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
        QCOMPARE(c.state(), Connection::State::Offline);
        QVERIFY(!c.reconnectPending());
        // No retry with refused credentials.
        QCOMPARE(fake.connections, 1);
    }

    void requestsAreCorrelatedById()
    {
        FakeServer fake;
        Connection c;
        c.open(options(fake.url()));
        QTRY_VERIFY_WITH_TIMEOUT(c.isOnline(), 10000);
        int answered = 0;
        QStringList ids;
        for (int i = 0; i < 5; ++i)
            ids.append(c.request(UsersRequest{{}, u"a"_s, 5}, this, [&](const Reply &r) {
                QVERIFY(r.ok());
                QVERIFY(std::holds_alternative<UsersResult>(*r.frame));
                ++answered;
            }));
        QCOMPARE(QSet<QString>(ids.cbegin(), ids.cend()).size(), 5);
        QTRY_COMPARE_WITH_TIMEOUT(answered, 5, 10000);
    }

    void requestTimesOutButLinkStays()
    {
        FakeServer fake;
        fake.ignoreRequests = true;
        Connection c;
        c.open(options(fake.url()));
        QTRY_VERIFY_WITH_TIMEOUT(c.isOnline(), 10000);
        std::optional<Reply::Status> status;
        c.request(
            UsersRequest{{}, u"a"_s, 5}, this, [&](const Reply &r) { status = r.status; }, 200);
        QTRY_VERIFY_WITH_TIMEOUT(status.has_value(), 10000);
        QCOMPARE(*status, Reply::Status::Timeout);
        QVERIFY(c.isOnline());
    }

    void requestWhileOfflineFailsAsynchronously()
    {
        Connection c;
        bool called = false;
        c.request(UsersRequest{{}, u"a"_s, 5}, this, [&](const Reply &r) {
            called = true;
            QCOMPARE(r.status, Reply::Status::Disconnected);
        });
        QVERIFY(!called); // never re-entrant
        QTRY_VERIFY(called);
    }

    void pendingRequestsFailOnDrop()
    {
        FakeServer fake;
        fake.ignoreRequests = true;
        Connection c;
        c.open(options(fake.url()));
        QTRY_VERIFY_WITH_TIMEOUT(c.isOnline(), 10000);
        std::optional<Reply::Status> status;
        c.request(UsersRequest{{}, u"a"_s, 5}, this, [&](const Reply &r) { status = r.status; });
        c.dropLink();
        QVERIFY(status.has_value());
        QCOMPARE(*status, Reply::Status::Disconnected);
        // ... and it comes back by itself.
        QTRY_VERIFY_WITH_TIMEOUT(c.isOnline(), 10000);
        QCOMPARE(fake.connections, 2);
    }

    void missingPongMeansDeadLink()
    {
        FakeServer fake;
        fake.heartbeatMs = 100;
        fake.answerPings = false;
        Connection c;
        QSignalSpy lost(&c, &Connection::linkLost);
        c.open(options(fake.url()));
        QTRY_VERIFY_WITH_TIMEOUT(c.isOnline(), 10000);
        QCOMPARE(c.heartbeatMs(), 100);
        QTRY_VERIFY_WITH_TIMEOUT(!lost.isEmpty(), 10000);
        QVERIFY(lost.constFirst().at(0).toString().contains(u"heartbeat"_s));
        QVERIFY(fake.received.contains(u"ping"_s));
        // It reconnects on its own.
        QTRY_VERIFY_WITH_TIMEOUT(fake.connections >= 2, 10000);
    }

    void answeredPingsKeepTheLink()
    {
        FakeServer fake;
        // Long enough that a loaded machine stalling the test for a moment does not look
        // like a dead link (that takes 2 silent periods).
        fake.heartbeatMs = 500;
        Connection c;
        QSignalSpy lost(&c, &Connection::linkLost);
        c.open(options(fake.url()));
        QTRY_VERIFY_WITH_TIMEOUT(c.isOnline(), 10000);
        // Several heartbeat periods pass with pongs: no drop.
        QTRY_VERIFY_WITH_TIMEOUT(fake.received.count(u"ping"_s) >= 4, 20000);
        QCOMPARE(lost.size(), 0);
        QCOMPARE(fake.connections, 1);
    }

    void reconnectsWithBackoffUntilServerAccepts()
    {
        FakeServer fake;
        fake.closeOnConnect = true;
        Connection c;
        c.open(options(fake.url()));
        QTRY_VERIFY_WITH_TIMEOUT(fake.connections >= 3, 10000);
        QVERIFY(!c.isOnline());
        fake.closeOnConnect = false;
        QTRY_VERIFY_WITH_TIMEOUT(c.isOnline(), 10000);
    }

    // Nothing listening: the reason says the connection could not be made and why, not
    // that a server closed it.
    void refusedConnectionSaysWhy()
    {
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        Connection c;
        QSignalSpy lost(&c, &Connection::linkLost);
        c.open(options(QUrl(u"ws://127.0.0.1:%1"_s.arg(port))));
        QTRY_VERIFY_WITH_TIMEOUT(!lost.isEmpty(), 10000);
        const QString why = lost.constFirst().at(0).toString();
        QVERIFY2(why.startsWith(u"cannot connect: "_s), qPrintable(why));
        QVERIFY2(why.contains(u"refused"_s, Qt::CaseInsensitive), qPrintable(why));
        c.close();
    }

    void backoffTableWithJitter()
    {
        RetryPolicy p;
        p.backoffMs = {100, 1000, 10000};
        p.jitter = 0.25;
        for (int i = 0; i < 200; ++i) {
            const int first = p.backoffFor(0), second = p.backoffFor(1), late = p.backoffFor(50);
            QVERIFY(first >= 75 && first <= 125);
            QVERIFY(second >= 750 && second <= 1250);
            QVERIFY(late >= 7500 && late <= 12500); // the table's last entry caps the delay
        }
        p.jitter = 0;
        QCOMPARE(p.backoffFor(1), 1000);
    }

    void handshakeTimeout()
    {
        // Accepts TCP but never answers the HTTP upgrade.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        int accepted = 0;
        connect(&silent, &QTcpServer::newConnection, this, [&] {
            while (silent.nextPendingConnection())
                ++accepted;
        });
        Connection c;
        QSignalSpy lost(&c, &Connection::linkLost);
        auto o = options(QUrl(u"ws://127.0.0.1:"_s + QString::number(silent.serverPort())));
        o.policy.connectTimeoutMs = 200;
        c.open(o);
        QTRY_VERIFY_WITH_TIMEOUT(!lost.isEmpty(), 10000);
        QVERIFY(lost.constFirst().at(0).toString().contains(u"timed out"_s));
        QTRY_VERIFY_WITH_TIMEOUT(accepted >= 2, 10000); // and it tried again
        c.close();
        QVERIFY(!c.reconnectPending());
    }

    void wssWithCaFile()
    {
        // A self-signed certificate for 127.0.0.1, made here.
        QTemporaryDir dir;
        QProcess openssl;
        openssl.start(u"openssl"_s,
                      {u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-days"_s,
                       u"1"_s, u"-subj"_s, u"/CN=127.0.0.1"_s, u"-addext"_s,
                       u"subjectAltName=IP:127.0.0.1"_s, u"-keyout"_s, dir.filePath(u"key.pem"_s),
                       u"-out"_s, dir.filePath(u"cert.pem"_s)});
        QVERIFY2(openssl.waitForFinished(60000) && openssl.exitCode() == 0,
                 "openssl (a test dependency) could not make a certificate");
        QFile certFile(dir.filePath(u"cert.pem"_s)), keyFile(dir.filePath(u"key.pem"_s));
        QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(QSslCertificate(&certFile, QSsl::Pem));
        tls.setPrivateKey(QSslKey(&keyFile, QSsl::Rsa, QSsl::Pem));
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        FakeServer fake(tls);
        QVERIFY(fake.url().toString().startsWith(u"wss://"_s));

        // Without the CA file the certificate is not trusted: no session.
        {
            Connection c;
            QSignalSpy lost(&c, &Connection::linkLost);
            QSignalSpy auths(&c, &Connection::authenticated);
            c.open(options(fake.url()));
            QTRY_VERIFY_WITH_TIMEOUT(!lost.isEmpty(), 20000);
            QCOMPARE(auths.size(), 0);
            c.close();
        }
        // With it, the session comes up.
        Connection c;
        auto o = options(fake.url());
        o.caFile = dir.filePath(u"cert.pem"_s);
        c.open(o);
        QTRY_VERIFY_WITH_TIMEOUT(c.isOnline(), 20000);
    }

    void closeStopsReconnecting()
    {
        FakeServer fake;
        Connection c;
        c.open(options(fake.url()));
        QTRY_VERIFY_WITH_TIMEOUT(c.isOnline(), 10000);
        c.close();
        QCOMPARE(c.state(), Connection::State::Offline);
        QVERIFY(!c.reconnectPending());
        QCOMPARE(fake.connections, 1);
    }

    // The socket and the decoding live on the connection's own thread; a burst that costs
    // the owner ~1 s to handle arrives complete and in order, a few milliseconds per
    // event-loop turn, so the owner's other events (painting, input, timers) keep running.
    void burstIsHandledInOrderInSlices()
    {
        FakeServer fake;
        Connection c;
        QVERIFY(c.ioThread() != QThread::currentThread());
        QVERIFY(c.ioThread()->isRunning());
        c.open(options(fake.url()));
        QTRY_VERIFY_WITH_TIMEOUT(c.isOnline(), 10000);
        constexpr int n = 3000;
        QStringList order;
        connect(&c, &Connection::pushReceived, this, [&](const ServerFrame &f) {
            if (const auto *t = std::get_if<TypingPush>(&f))
                order.append(t->userId);
            QElapsedTimer spin; // what a slow consumer costs per frame
            spin.start();
            while (spin.nsecsElapsed() < 500'000) { }
        });
        QElapsedTimer clock;
        clock.start();
        qint64 lastTick = 0, longestGap = 0;
        int ticksDuring = 0;
        // A 1 ms timer, like a frame timer (a 0 ms one is an idle-priority source under the
        // glib dispatcher: any pending posted event, such as the next slice, starves it).
        QTimer ticker;
        ticker.setTimerType(Qt::PreciseTimer);
        ticker.setInterval(1);
        connect(&ticker, &QTimer::timeout, this, [&] {
            const qint64 now = clock.elapsed();
            if (!order.isEmpty() && order.size() < n) {
                longestGap = qMax(longestGap, now - lastTick);
                ++ticksDuring;
            }
            lastTick = now;
        });
        ticker.start();
        fake.burst(n);
        QTRY_COMPARE_WITH_TIMEOUT(order.size(), n, 30000);
        for (int i = 0; i < n; ++i)
            QCOMPARE(order.at(i), u"u"_s + QString::number(i));
        // Handled in one go it would be ~1.5 s with a handful of ticks; sliced, each turn is
        // ~4 ms and the timer fires between them (~300 times; a loaded machine preempting the
        // test lowers that, never to a handful).
        qInfo("during the burst: %d ticks of a 1 ms timer, the longest gap %lld ms", ticksDuring,
              longestGap);
        QVERIFY2(ticksDuring >= 60, qPrintable(QString::number(ticksDuring)));
    }

    // Frames of a link that was dropped are never delivered, even those already decoded.
    void framesOfADroppedLinkAreDropped()
    {
        FakeServer fake;
        Connection c;
        c.open(options(fake.url()));
        QTRY_VERIFY_WITH_TIMEOUT(c.isOnline(), 10000);
        int pushes = 0, afterLoss = 0;
        bool lost = false;
        connect(&c, &Connection::linkLost, this, [&] { lost = true; });
        connect(&c, &Connection::pushReceived, this, [&](const ServerFrame &) {
            ++pushes;
            if (lost)
                ++afterLoss;
            else if (pushes == 10)
                c.dropLink();
        });
        fake.burst(3000);
        QTRY_VERIFY_WITH_TIMEOUT(lost, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(c.isOnline(), 10000); // reconnected
        QTest::qWait(200);
        QCOMPARE(pushes, 10);
        QCOMPARE(afterLoss, 0);
    }

    // Destroyed by a handler in the middle of a burst, or while frames are still being
    // decoded: no callback into the dead object, no crash (ASan runs this too).
    void destroyedDuringABurst()
    {
        FakeServer fake;
        auto *c = new Connection;
        c->open(options(fake.url()));
        QTRY_VERIFY_WITH_TIMEOUT(c->isOnline(), 10000);
        int pushes = 0;
        connect(c, &Connection::pushReceived, this, [&](const ServerFrame &) {
            if (++pushes == 5)
                delete c;
        });
        fake.burst(3000);
        QTRY_COMPARE_WITH_TIMEOUT(pushes, 5, 10000);
        QTest::qWait(100);
        QCOMPARE(pushes, 5);

        auto *d = new Connection;
        d->open(options(fake.url()));
        QTRY_VERIFY_WITH_TIMEOUT(d->isOnline(), 10000);
        fake.burst(3000);
        QTest::qWait(5); // frames are arriving and being decoded
        delete d;
        QTest::qWait(100);
    }
};

QTEST_GUILESS_MAIN(TestConnection)
#include "tst_connection.moc"
