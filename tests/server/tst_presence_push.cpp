// Presence (TTL, no flapping on brief reconnects, silent links expire) and push
// notifications (recorded for admin_pushes, coalesced; POSTed to a gateway with retry).
#include "helpers.h"
#include "serverfixture.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using chat::server::ServerConfig;

namespace {
// Keeps the listed clients alive (pings) while waiting `ms`.
void waitPinging(const QList<TestClient *> &clients, int ms)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        for (TestClient *c : clients)
            if (c->isOpen())
                c->sendJson({{"type"_L1, u"ping"_s}, {"ts"_L1, t.elapsed()}});
        QTest::qWait(100);
    }
}

QJsonObject presenceOf(TestClient *c, const QString &userId, bool online, int timeoutMs = 20000)
{
    return c->waitFor(
        [&](const QJsonObject &f) {
            return typeOf(f) == "presence"_L1 && f.value("user_id"_L1).toString() == userId
                   && f.value("online"_L1).toBool() == online;
        },
        timeoutMs);
}

// A minimal HTTP/1.1 sink: answers each request with the next status from `statuses`
// (then 200), and records the bodies.
class HttpSink : public QObject
{
public:
    QTcpServer server;
    QList<int> statuses;
    QList<QByteArray> bodies;
    QList<QByteArray> heads;

    HttpSink()
    {
        server.listen(QHostAddress::LocalHost, 0);
        connect(&server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = server.nextPendingConnection()) {
                auto buf = std::make_shared<QByteArray>();
                connect(s, &QTcpSocket::readyRead, s, [this, s, buf] {
                    buf->append(s->readAll());
                    const qsizetype end = buf->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    const QByteArray head = buf->left(end);
                    qsizetype len = 0;
                    for (const QByteArray &line : head.split('\n'))
                        if (line.toLower().startsWith("content-length:"))
                            len = line.mid(15).trimmed().toLongLong();
                    if (buf->size() < end + 4 + len)
                        return;
                    heads.append(head);
                    bodies.append(buf->mid(end + 4, len));
                    buf->remove(0, end + 4 + len);
                    const int status = statuses.isEmpty() ? 200 : statuses.takeFirst();
                    s->write("HTTP/1.1 " + QByteArray::number(status)
                             + " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    s->disconnectFromHost();
                });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
            }
        });
    }
    QUrl url() const { return QUrl(u"http://127.0.0.1:%1/push"_s.arg(server.serverPort())); }
};
} // namespace

class TstPresencePush : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void presenceAfterAuthAndOnChange()
    {
        ServerFixture fx;
        ServerConfig cfg;
        cfg.heartbeatMs = 400; // TTL 800 ms
        fx.autoPingMs = 100;
        QVERIFY(fx.start(cfg));
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s),
                   *carol = fx.user(u"carol"_s);
        createDirect(alice, bob->userId());
        createDirect(alice, carol->userId());
        // New co-members learn each other's presence at once.
        QVERIFY(!presenceOf(bob, alice->userId(), true).isEmpty());
        const QString carolToken = carol->token();
        carol->socket().close();
        QVERIFY(carol->waitClosed());
        QVERIFY(!presenceOf(alice, carol->userId(), false).isEmpty());
        const QJsonObject off = alice->frames(u"presence"_s).constLast();
        QVERIFY(off.value("last_seen"_L1).toInteger() > 1700000000000LL);

        // A fresh connection of alice: presence of every user sharing a conversation.
        TestClient *alice2 = fx.sameUser(alice);
        QVERIFY(!presenceOf(alice2, bob->userId(), true).isEmpty());
        QVERIFY(!presenceOf(alice2, carol->userId(), false).isEmpty());
        QCOMPARE(alice2->count(u"presence"_s), 2);
        // Carol returns: pushed to everyone who shares a conversation with her.
        TestClient *carol2 = fx.connect();
        carol2->auth(carolToken);
        QVERIFY(!presenceOf(alice2, carol->userId(), true).isEmpty());
        QTest::qWait(300);
        for (const QJsonObject &p : bob->frames(u"presence"_s))
            QVERIFY(p.value("user_id"_L1).toString()
                    != carol->userId()); // bob shares nothing with carol
    }

    void briefReconnectDoesNotFlap()
    {
        ServerFixture fx;
        ServerConfig cfg;
        cfg.heartbeatMs = 1500; // TTL 3 s
        fx.autoPingMs = 200;
        QVERIFY(fx.start(cfg));
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s);
        createDirect(alice, bob->userId());
        QVERIFY(!presenceOf(alice, bob->userId(), true).isEmpty());
        alice->clearFrames();
        const QString token = bob->token();
        bob->socket().close();
        QVERIFY(bob->waitClosed());
        TestClient *bob2 = fx.connect();
        QCOMPARE(typeOf(bob2->auth(token)), u"auth_ok"_s);
        waitPinging({alice, bob2}, 4500);         // well past the TTL
        QCOMPARE(alice->count(u"presence"_s), 0); // neither offline nor a second online
    }

    void silentLinkExpiresByItself()
    {
        ServerFixture fx;
        ServerConfig cfg;
        cfg.heartbeatMs = 300;
        fx.autoPingMs = 75;
        QVERIFY(fx.start(cfg));
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s);
        createDirect(alice, bob->userId());
        QVERIFY(!presenceOf(alice, bob->userId(), true).isEmpty());
        // Bob goes silent (no close): the server closes him (4000) and he turns offline.
        bob->setAutoPing(0);
        QVERIFY(!presenceOf(alice, bob->userId(), false).isEmpty());
        QVERIFY(alice->isOpen());
        QVERIFY(bob->closed());
        QCOMPARE(bob->closeCode(), 4000);
    }

    void pushesRecordedAndCoalesced()
    {
        ServerFixture fx;
        ServerConfig cfg;
        cfg.adminToken = u"qa"_s;
        cfg.pushCoalesceMs = 1500;
        QVERIFY(fx.start(cfg));
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s),
                   *carol = fx.user(u"carol"_s);
        const QString cid = convId(createGroup(alice, u"Trip"_s, {bob->userId(), carol->userId()}));
        bob->socket().close();
        QVERIFY(bob->waitClosed());
        QTest::qWait(100);
        TestClient *admin = fx.connect();
        QCOMPARE(typeOf(admin->request({{"type"_L1, u"admin"_s}, {"token"_L1, u"qa"_s}})), u"ok"_s);
        for (int i = 1; i <= 3; ++i)
            QCOMPARE(
                typeOf(sendMsg(alice, cid, u"push-%1"_s.arg(i), u"message number %1"_s.arg(i))),
                u"ack"_s);
        QJsonArray pushes =
            admin->request({{"type"_L1, u"admin_pushes"_s}}).value("pushes"_L1).toArray();
        QCOMPARE(pushes.size(), 1); // carol is online; bob's next two are coalesced
        QJsonObject p = pushes.at(0).toObject();
        QCOMPARE(p.value("user_id"_L1).toString(), bob->userId());
        QCOMPARE(p.value("conversation_id"_L1).toString(), cid);
        QCOMPARE(p.value("seq"_L1).toInteger(), 1);
        QCOMPARE(p.value("unread"_L1).toInteger(), 1);
        QCOMPARE(p.value("sender_id"_L1).toString(), alice->userId());
        QCOMPARE(p.value("sender_name"_L1).toString(), alice->frames(u"auth_ok"_s)
                                                           .value(0)
                                                           .value("user"_L1)
                                                           .toObject()
                                                           .value("display_name"_L1)
                                                           .toString());
        QCOMPARE(p.value("preview"_L1).toString(), u"message number 1"_s);
        QVERIFY(!p.value("message_id"_L1).toString().isEmpty());
        // The trailing one at the end of the window: the latest message, the unread count.
        QTRY_COMPARE_WITH_TIMEOUT(admin
                                      ->request({{"type"_L1, u"admin_pushes"_s},
                                                 {"user_id"_L1, bob->frames(u"auth_ok"_s)
                                                                    .value(0)
                                                                    .value("user"_L1)
                                                                    .toObject()
                                                                    .value("username"_L1)
                                                                    .toString()}})
                                      .value("pushes"_L1)
                                      .toArray()
                                      .size(),
                                  2, 20000);
        pushes = admin->request({{"type"_L1, u"admin_pushes"_s}, {"clear"_L1, true}})
                     .value("pushes"_L1)
                     .toArray();
        p = pushes.at(1).toObject();
        QCOMPARE(p.value("seq"_L1).toInteger(), 3);
        QCOMPARE(p.value("unread"_L1).toInteger(), 3);
        QCOMPARE(
            admin->request({{"type"_L1, u"admin_pushes"_s}}).value("pushes"_L1).toArray().size(),
            0);
    }

    void pushPostedToGatewayWithRetry()
    {
        HttpSink sink;
        sink.statuses = {503, 500}; // two failures, then 200
        ServerFixture fx;
        ServerConfig cfg;
        cfg.pushUrl = sink.url();
        cfg.adminToken = u"qa"_s;
        QVERIFY(fx.start(cfg));
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s);
        const QString cid = convId(createDirect(alice, bob->userId()));
        bob->socket().close();
        QVERIFY(bob->waitClosed());
        QTest::qWait(100);
        QCOMPARE(typeOf(sendMsg(alice, cid, u"gw-1"_s, u"are you there?"_s)), u"ack"_s);
        QTRY_COMPARE_WITH_TIMEOUT(sink.bodies.size(), 3, 20000);
        QCOMPARE(sink.bodies.at(0), sink.bodies.at(2)); // the same notification, retried
        QVERIFY(sink.heads.at(0).startsWith("POST /push "));
        QVERIFY(sink.heads.at(0).toLower().contains("content-type: application/json"));
        const QJsonObject n = QJsonDocument::fromJson(sink.bodies.at(2)).object();
        QCOMPARE(n.value("user_id"_L1).toString(), bob->userId());
        QCOMPARE(n.value("conversation_id"_L1).toString(), cid);
        QCOMPARE(n.value("seq"_L1).toInteger(), 1);
        QCOMPARE(n.value("unread"_L1).toInteger(), 1);
        QCOMPARE(n.value("preview"_L1).toString(), u"are you there?"_s);
        for (const char *k : {"message_id", "sender_id", "sender_name"})
            QVERIFY(!n.value(QLatin1StringView(k)).toString().isEmpty());
        TestClient *admin = fx.connect();
        admin->request({{"type"_L1, u"admin"_s}, {"token"_L1, u"qa"_s}});
        const QJsonObject stats = admin->request({{"type"_L1, u"admin_stats"_s}});
        QCOMPARE(stats.value("push_posted"_L1).toInteger(), 1);
        // With a gateway configured nothing is recorded.
        QCOMPARE(
            admin->request({{"type"_L1, u"admin_pushes"_s}}).value("pushes"_L1).toArray().size(),
            0);
    }
};

QTEST_GUILESS_MAIN(TstPresencePush)
#include "tst_presence_push.moc"
