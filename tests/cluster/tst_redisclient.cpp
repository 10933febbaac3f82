// RedisClient against a real redis-server the test starts on a free loopback port: commands,
// errors as values, the context guard, Pub/Sub, and what happens when Redis dies, restarts
// or hangs (reconnect with backoff, re-subscription, failing fast meanwhile).
#include "redisclient.h"
#include "services.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace chat::server::cluster;
using chat::testing::RedisServer;

class TstRedisClient : public QObject
{
    Q_OBJECT

private:
    RedisServer m_redis;

    static RedisClient::Options fast()
    {
        RedisClient::Options o;
        o.backoffMs = {20, 50, 100, 200};
        o.watchdogIntervalMs = 200;
        o.watchdogTimeoutMs = 1000;
        return o;
    }
    RedisEndpoint endpoint() const
    {
        RedisEndpoint e;
        QString err;
        if (!RedisEndpoint::parse(m_redis.url(), &e, &err))
            qFatal("bad url");
        return e;
    }
    // Runs one command and waits for its callback.
    static RedisResult run(RedisClient &c, const QList<QByteArray> &args)
    {
        RedisResult out;
        bool done = false;
        QObject ctx;
        c.command(args, &ctx, [&](const RedisResult &r) {
            out = r;
            done = true;
        });
        if (!QTest::qWaitFor([&] { return done; }, 10000))
            out.error = u"test: no callback within 10 s"_s;
        return out;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString err;
        QVERIFY2(m_redis.start(&err), qPrintable(err));
    }
    void init()
    {
        QString err;
        m_redis.resume();
        QVERIFY2(m_redis.start(&err), qPrintable(err));
    }

    void parsesUrls()
    {
        RedisEndpoint e;
        QString err;
        QVERIFY(RedisEndpoint::parse(QUrl(u"redis://127.0.0.1:7001/2"_s), &e, &err));
        QCOMPARE(e.host, u"127.0.0.1"_s);
        QCOMPARE(e.port, quint16(7001));
        QCOMPARE(e.db, 2);
        QVERIFY(RedisEndpoint::parse(QUrl(u"redis://localhost"_s), &e, &err));
        QCOMPARE(e.port, quint16(6379));
        QVERIFY(!RedisEndpoint::parse(QUrl(u"http://127.0.0.1:7001"_s), &e, &err));
        QVERIFY(err.contains(u"redis://"_s));
        QVERIFY(!RedisEndpoint::parse(QUrl(u"redis://127.0.0.1:7001/x"_s), &e, &err));
    }

    void commandsAndReplies()
    {
        RedisClient c(endpoint(), fast());
        QSignalSpy up(&c, &RedisClient::connected);
        c.open();
        QTRY_VERIFY_WITH_TIMEOUT(c.isConnected(), 10000);
        QCOMPARE(up.size(), 1);

        const QByteArray binary("a\0b\r\nc", 6);
        RedisResult r = run(c, {"SET"_ba, "k1"_ba, binary});
        QVERIFY2(r.ok, qPrintable(r.error));
        QCOMPARE(r.reply.type, RedisReply::Type::Status);
        r = run(c, {"GET"_ba, "k1"_ba});
        QVERIFY(r.ok);
        QCOMPARE(r.reply.str, binary);
        r = run(c, {"GET"_ba, "missing"_ba});
        QVERIFY(r.ok);
        QVERIFY(r.reply.isNil());
        r = run(c, {"INCRBY"_ba, "n"_ba, "41"_ba});
        QCOMPARE(r.reply.integer, 41);
        r = run(c, {"RPUSH"_ba, "l"_ba, "x"_ba, "y"_ba});
        r = run(c, {"LRANGE"_ba, "l"_ba, "0"_ba, "-1"_ba});
        QCOMPARE(r.reply.type, RedisReply::Type::Array);
        QCOMPARE(r.reply.elements.size(), 2);
        QCOMPARE(r.reply.elements.at(1).str, "y"_ba);

        // An error reply is a value, not a crash or a silent success.
        r = run(c, {"INCR"_ba, "k1"_ba});
        QVERIFY(!r.ok);
        QCOMPARE(r.reply.type, RedisReply::Type::Error);
        QVERIFY(!r.error.isEmpty());
        r = run(c, {"NOSUCHCOMMAND"_ba});
        QVERIFY(!r.ok);

        // MULTI/EXEC: EXEC's reply holds every command's reply.
        RedisResult tx;
        bool done = false;
        c.transaction({{"SET"_ba, "t1"_ba, "1"_ba}, {"INCR"_ba, "t1"_ba}}, &c,
                      [&](const RedisResult &x) {
                          tx = x;
                          done = true;
                      });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        QVERIFY2(tx.ok, qPrintable(tx.error));
        QCOMPARE(tx.reply.elements.size(), 2);
        QCOMPARE(tx.reply.elements.at(1).integer, 2);
    }

    void callbackDroppedWithItsContext()
    {
        RedisClient c(endpoint(), fast());
        c.open();
        QTRY_VERIFY_WITH_TIMEOUT(c.isConnected(), 10000);
        int calls = 0;
        auto *ctx = new QObject;
        c.command({"PING"_ba}, ctx, [&](const RedisResult &) { ++calls; });
        delete ctx;
        // A later command on the same link is answered after the first: once it has, the
        // first one's reply has been processed (and dropped).
        QVERIFY(run(c, {"PING"_ba}).ok);
        QCOMPARE(calls, 0);
    }

    void publishSubscribe()
    {
        RedisClient sub(endpoint(), fast()), pub(endpoint(), fast());
        QSignalSpy messages(&sub, &RedisClient::message);
        sub.subscribe("node.a"_ba); // before open: subscribed on connect
        sub.open();
        pub.open();
        QTRY_VERIFY_WITH_TIMEOUT(sub.isConnected() && pub.isConnected(), 10000);
        // SUBSCRIBE is asynchronous: publish until somebody listens.
        QTRY_VERIFY_WITH_TIMEOUT(
            run(pub, {"PUBLISH"_ba, "node.a"_ba, "hello"_ba}).reply.integer == 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!messages.isEmpty(), 10000);
        QCOMPARE(messages.last().at(0).toByteArray(), "node.a"_ba);
        QCOMPARE(messages.last().at(1).toByteArray(), "hello"_ba);

        sub.subscribe("node.b"_ba);
        QTRY_VERIFY_WITH_TIMEOUT(run(pub, {"PUBLISH"_ba, "node.b"_ba, "x"_ba}).reply.integer == 1,
                                 10000);
        sub.unsubscribe("node.a"_ba);
        QTRY_VERIFY_WITH_TIMEOUT(run(pub, {"PUBLISH"_ba, "node.a"_ba, "y"_ba}).reply.integer == 0,
                                 10000);
        QVERIFY(sub.counters().messagesReceived >= 2);
    }

    void redisRestartMidway()
    {
        RedisClient sub(endpoint(), fast()), pub(endpoint(), fast());
        QSignalSpy messages(&sub, &RedisClient::message);
        QSignalSpy down(&sub, &RedisClient::disconnected);
        QSignalSpy up(&sub, &RedisClient::connected);
        sub.subscribe("ch"_ba);
        sub.open();
        pub.open();
        QTRY_VERIFY_WITH_TIMEOUT(sub.isConnected() && pub.isConnected(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(run(pub, {"PUBLISH"_ba, "ch"_ba, "1"_ba}).reply.integer == 1,
                                 10000);

        // A command in flight when Redis dies gets a failure, exactly once.
        int inflight = 0;
        RedisResult inflightResult;
        QObject ctx;
        m_redis.stop();
        sub.command({"BLPOP"_ba, "nothing"_ba, "0"_ba}, &ctx, [&](const RedisResult &r) {
            ++inflight;
            inflightResult = r;
        });
        QTRY_VERIFY_WITH_TIMEOUT(!sub.isConnected(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(inflight, 1, 10000);
        QVERIFY(!inflightResult.ok);
        QVERIFY(!inflightResult.error.isEmpty());
        QCOMPARE(down.size(), 1);
        QCOMPARE(sub.state(), RedisClient::State::Connecting);
        QVERIFY(!sub.lastError().isEmpty());

        // While down, commands fail at once with a reason instead of queueing.
        const RedisResult r = run(pub, {"GET"_ba, "x"_ba});
        QVERIFY(!r.ok);
        QVERIFY2(r.error.contains(u"unavailable"_s), qPrintable(r.error));

        // Stay down a while: the backoff keeps trying without spinning.
        QTest::qWait(500);
        QCOMPARE(up.size(), 1);

        QString err;
        QVERIFY2(m_redis.start(&err), qPrintable(err)); // same port
        QTRY_VERIFY_WITH_TIMEOUT(sub.isConnected() && pub.isConnected(), 15000);
        QCOMPARE(up.size(), 2);
        // The channel was re-subscribed on the new connection.
        QTRY_VERIFY_WITH_TIMEOUT(run(pub, {"PUBLISH"_ba, "ch"_ba, "2"_ba}).reply.integer == 1,
                                 10000);
        QTRY_VERIFY_WITH_TIMEOUT(messages.last().at(1).toByteArray() == "2"_ba, 10000);
        QVERIFY(run(pub, {"SET"_ba, "after"_ba, "1"_ba}).ok);
        QVERIFY(sub.counters().disconnects >= 2);
    }

    void hungRedisIsDetected()
    {
        RedisClient c(endpoint(), fast());
        QSignalSpy down(&c, &RedisClient::disconnected);
        c.open();
        QTRY_VERIFY_WITH_TIMEOUT(c.isConnected(), 10000);
        m_redis.pause(); // sockets stay open, nothing answers
        QTRY_VERIFY_WITH_TIMEOUT(!down.isEmpty(), 15000);
        QVERIFY2(c.lastError().contains(u"PING"_s) || c.lastError().contains(u"timed out"_s),
                 qPrintable(c.lastError()));
        m_redis.resume();
        QTRY_VERIFY_WITH_TIMEOUT(c.isConnected(), 15000);
        QVERIFY(run(c, {"PING"_ba}).ok);
    }

    void closeFailsPendingAndStops()
    {
        RedisClient c(endpoint(), fast());
        c.open();
        QTRY_VERIFY_WITH_TIMEOUT(c.isConnected(), 10000);
        RedisResult res;
        int calls = 0;
        c.command({"BLPOP"_ba, "never"_ba, "0"_ba}, &c, [&](const RedisResult &r) {
            res = r;
            ++calls;
        });
        c.close();
        QCOMPARE(c.state(), RedisClient::State::Disconnected);
        QTRY_COMPARE_WITH_TIMEOUT(calls, 1, 10000);
        QVERIFY(!res.ok);
        QTest::qWait(200);
        QCOMPARE(c.state(), RedisClient::State::Disconnected); // no reconnect after close()
    }

    void unreachableServerKeepsTrying()
    {
        RedisEndpoint e = endpoint();
        e.port = chat::testing::freeLoopbackPort();
        RedisClient c(e, fast());
        c.open();
        QTRY_VERIFY_WITH_TIMEOUT(!c.lastError().isEmpty(), 10000);
        QCOMPARE(c.state(), RedisClient::State::Connecting);
        QVERIFY2(c.lastError().contains(QString::number(e.port)), qPrintable(c.lastError()));
    }
};

QTEST_GUILESS_MAIN(TstRedisClient)
#include "tst_redisclient.moc"
