// Qt's own client (QWebSocket) against chat-server's native WebSocket server side, ws:// and
// wss://: text both ways, binary frames (answered bad_request), fragmented messages, a message
// at the frame limit and one of 1 MiB (close 1009), WebSocket ping/pong with a payload, the
// close handshake from either side with the codes the client sees, and a group push that
// reaches every member with the same bytes.
#include "helpers.h"
#include "serverfixture.h"

#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using namespace Qt::StringLiterals;
using chat::server::ServerConfig;
using chat::server::WebSocketImpl;

class TstNativeWsInterop : public QObject
{
    Q_OBJECT
    QTemporaryDir m_certDir;
    QString m_cert, m_key;

    // A fixture on the native transport (or Qt's), plain or TLS.
    bool startServer(ServerFixture &fx, bool tls, ServerConfig cfg = {},
                     WebSocketImpl impl = WebSocketImpl::Native)
    {
        cfg.websocket = impl;
        if (tls) {
            cfg.tlsCert = m_cert;
            cfg.tlsKey = m_key;
        }
        return fx.start(cfg);
    }
    static void trustSelfSigned(TestClient *c)
    {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone); // self-signed
        c->socket().setSslConfiguration(ssl);
    }
    TestClient *connectTo(ServerFixture &fx, bool tls)
    {
        auto *c = new TestClient;
        fx.clients.append(c);
        if (tls)
            trustSelfSigned(c);
        if (!c->open(fx.server->url()))
            qWarning("could not connect to %s", qPrintable(fx.server->url().toString()));
        return c;
    }

private Q_SLOTS:
    void initTestCase()
    {
        const QString openssl = QStandardPaths::findExecutable(u"openssl"_s);
        if (openssl.isEmpty())
            QFAIL("openssl is needed to make a test certificate (apt-get install openssl)");
        m_cert = m_certDir.filePath(u"cert.pem"_s);
        m_key = m_certDir.filePath(u"key.pem"_s);
        QProcess gen;
        gen.start(openssl, {u"req"_s, u"-x509"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                            u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-keyout"_s, m_key,
                            u"-out"_s, m_cert, u"-days"_s, u"1"_s, u"-subj"_s, u"/CN=127.0.0.1"_s});
        QVERIFY(gen.waitForFinished(60000));
        QCOMPARE(gen.exitCode(), 0);
    }

    // (--websocket qt must keep working too: the same checks against it.)
    void messages_data()
    {
        QTest::addColumn<bool>("tls");
        QTest::addColumn<int>("impl");
        QTest::newRow("ws") << false << int(WebSocketImpl::Native);
        QTest::newRow("wss") << true << int(WebSocketImpl::Native);
        QTest::newRow("qt ws") << false << int(WebSocketImpl::Qt);
        QTest::newRow("qt wss") << true << int(WebSocketImpl::Qt);
    }
    void messages()
    {
        QFETCH(bool, tls);
        QFETCH(int, impl);
        ServerFixture fx;
        QVERIFY(startServer(fx, tls, {}, WebSocketImpl(impl)));
        QCOMPARE(fx.server->url().scheme(), tls ? u"wss"_s : u"ws"_s);
        TestClient *c = connectTo(fx, tls);
        QVERIFY(c->isOpen());
        QCOMPARE(typeOf(c->registerUser(uniqueName(u"interop"_s))), u"auth_ok"_s);
        QCOMPARE(typeOf(c->request({{"type"_L1, u"ping"_s}})), u"pong"_s);

        // Binary frames reach the session, which answers that they are not the protocol.
        c->socket().sendBinaryMessage(QByteArray("\x00\x01", 2));
        const QJsonObject err = c->waitForType(u"error"_s);
        QCOMPARE(codeOf(err), u"bad_request"_s);
        QVERIFY(c->isOpen());

        // A message sent in 100-byte fragments is reassembled, non-ASCII included.
        c->socket().setOutgoingFrameSize(100);
        const QString pad = QString(3000, u'\u00e9');
        QJsonObject frag = c->request({{"type"_L1, u"ping"_s}, {"pad"_L1, pad}});
        QCOMPARE(typeOf(frag), u"pong"_s);
        c->socket().setOutgoingFrameSize(512 * 1024);

        // Exactly at the frame limit (64 KiB of UTF-8) is accepted.
        const QString head = u"{\"type\":\"ping\",\"id\":\"edge\",\"pad\":\""_s, tail = u"\"}"_s;
        c->sendRaw(head + QString(64 * 1024 - head.size() - tail.size(), u'y') + tail);
        QCOMPARE(typeOf(c->waitFor([](const QJsonObject &o) {
                     return o.value("id"_L1).toString() == "edge"_L1;
                 })),
                 u"pong"_s);

        // WebSocket ping: a pong with the same payload.
        QSignalSpy pongs(&c->socket(), &QWebSocket::pong);
        c->socket().ping("are you there");
        QTRY_COMPARE_WITH_TIMEOUT(pongs.size(), 1, 20000);
        QCOMPARE(pongs.first().at(1).toByteArray(), QByteArray("are you there"));

        // 1 MiB is over the limit: close 1009, seen by the client.
        c->sendRaw(u"{\"type\":\"ping\",\"pad\":\"%1\"}"_s.arg(QString(1024 * 1024, u'z')));
        QVERIFY(c->waitClosed());
        QCOMPARE(c->closeCode(), 1009);
        QVERIFY(fx.server->isRunning());
    }

    // Close handshakes: the client's (echoed, then the server ends TCP), and the server's
    // (auth deadline 4001, shutdown 1001) with the code the client sees.
    void closeHandshakes_data() { messages_data(); }
    void closeHandshakes()
    {
        QFETCH(bool, tls);
        QFETCH(int, impl);
        ServerConfig cfg;
        cfg.authDeadlineMs = 800;
        ServerFixture fx;
        QVERIFY(startServer(fx, tls, cfg, WebSocketImpl(impl)));

        TestClient *leaving = connectTo(fx, tls);
        leaving->setAutoPing(200);
        QCOMPARE(typeOf(leaving->registerUser(uniqueName(u"leaving"_s))), u"auth_ok"_s);
        QSignalSpy gone(&leaving->socket(), &QWebSocket::disconnected);
        leaving->socket().close(QWebSocketProtocol::CloseCodeNormal, u"bye"_s);
        // QWebSocket only ends once the server answered the close and closed the connection.
        QTRY_COMPARE_WITH_TIMEOUT(gone.size(), 1, 20000);

        TestClient *idle = connectTo(fx, tls); // never authenticates
        QVERIFY(idle->waitClosed());
        QCOMPARE(idle->closeCode(), 4001);
        QCOMPARE(idle->closeReason(), u"not authenticated in time"_s);

        TestClient *staying = connectTo(fx, tls);
        staying->setAutoPing(200);
        QCOMPARE(typeOf(staying->registerUser(uniqueName(u"staying"_s))), u"auth_ok"_s);
        fx.server->stop();
        QVERIFY(staying->waitClosed());
        QCOMPARE(staying->closeCode(), 1001);
    }

    // A group push goes to every member's connection; with the native transport it is framed
    // once (PreparedFrame) and each socket writes the same bytes.
    void groupPush()
    {
        ServerFixture fx;
        QVERIFY(startServer(fx, false));
        QList<TestClient *> members;
        QStringList ids;
        for (int i = 0; i < 5; ++i) {
            TestClient *m = fx.user(u"member"_s);
            QVERIFY(!m->userId().isEmpty());
            members << m;
            ids << m->userId();
        }
        const QString conv = convId(createGroup(members[0], u"interop"_s, ids.mid(1)));
        QVERIFY(!conv.isEmpty());
        QCOMPARE(typeOf(sendMsg(members[0], conv, u"k1"_s, u"h\u00e9llo all"_s)), u"ack"_s);
        for (int i = 1; i < members.size(); ++i) {
            const QJsonObject push = members[i]->waitFor(
                [](const QJsonObject &o) { return o.value("type"_L1).toString() == "message"_L1; });
            QCOMPARE(push.value("message"_L1).toObject().value("content"_L1).toString(),
                     u"h\u00e9llo all"_s);
        }
    }
};

QTEST_MAIN(TstNativeWsInterop)
#include "tst_nativews_interop.moc"
