// The Redis registry, cluster-wide presence and cross-node routing, with several "nodes"
// (RedisClient + ClusterPresence + RedisRouter each) in one process against a real
// redis-server the test starts, kills and restarts. No chat sessions here: routing is
// observed at the envelope level (tst_cluster_e2e covers real clients through HAProxy).
#include "clusterpresence.h"
#include "redisclient.h"
#include "redisrouter.h"
#include "services.h"

#include <QSignalSpy>
#include <QTest>
#include <memory>

using namespace Qt::StringLiterals;
using namespace chat::server;
using namespace chat::server::cluster;

namespace {
constexpr int kHeartbeatMs = 300; // claims live 600 ms, refreshed every 150 ms

struct Node {
    std::unique_ptr<RedisClient> redis;
    std::unique_ptr<RedisRouter> router;
    std::unique_ptr<ClusterPresence> presence;
    std::unique_ptr<QSignalSpy> changes, envelopes;

    Node(const QUrl &url, const QString &id)
    {
        RedisEndpoint e;
        QString err;
        RedisEndpoint::parse(url, &e, &err);
        RedisClient::Options o;
        o.backoffMs = {20, 50, 100};
        o.watchdogIntervalMs = 200;
        redis = std::make_unique<RedisClient>(e, o);
        router = std::make_unique<RedisRouter>(redis.get(), id);
        presence = std::make_unique<ClusterPresence>(redis.get(), id, kHeartbeatMs);
        presence->setRouter(router.get());
        router->setRemoteOnline(
            [p = presence.get()](const QString &u) { return p->isOnlineElsewhere(u); });
        changes = std::make_unique<QSignalSpy>(presence.get(), &ClusterPresence::changed);
        envelopes = std::make_unique<QSignalSpy>(router.get(), &RedisRouter::envelopeReceived);
        redis->open();
        presence->start();
    }
    // A crash: no release, no goodbye; the claims stay in Redis until they expire.
    void crash()
    {
        presence.reset();
        router.reset();
        redis.reset();
    }
    // How often this node announced `online` for user.
    int announced(const QString &user, bool online) const
    {
        int n = 0;
        for (const auto &c : *changes)
            n += (c.at(0).toString() == user && c.at(1).toBool() == online) ? 1 : 0;
        return n;
    }
};

const QString kFrame =
    uR"({"type":"typing","conversation_id":"c1","user_id":"u9","active":true})"_s;
} // namespace

class TstRegistry : public QObject
{
    Q_OBJECT

private:
    chat::testing::RedisServer m_redis;

    RedisResult run(RedisClient &c, const QList<QByteArray> &args)
    {
        RedisResult out;
        bool done = false;
        QObject ctx;
        c.command(args, &ctx, [&](const RedisResult &r) {
            out = r;
            done = true;
        });
        QTest::qWaitFor([&] { return done; }, 10000);
        return out;
    }
    // Subscriptions are asynchronous: a node is routable once its channel has a listener.
    bool subscribed(RedisClient &probe, const QString &nodeId)
    {
        const RedisResult r =
            run(probe, {"PUBSUB"_ba, "NUMSUB"_ba, RedisRouter::channelOf(nodeId)});
        return r.ok && r.reply.elements.size() == 2 && r.reply.elements.at(1).integer == 1;
    }

private Q_SLOTS:
    void init()
    {
        QString err;
        m_redis.stop();
        QVERIFY2(m_redis.start(&err), qPrintable(err)); // empty Redis for every test
    }

    void presenceIsClusterWideAndAnnouncedOnce()
    {
        Node a(m_redis.url(), u"a"_s), b(m_redis.url(), u"b"_s);
        QTRY_VERIFY_WITH_TIMEOUT(a.redis->isConnected() && b.redis->isConnected(), 10000);
        a.presence->localChanged(u"u1"_s, true, 1000);
        QTRY_COMPARE_WITH_TIMEOUT(a.announced(u"u1"_s, true), 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(b.presence->isOnline(u"u1"_s), 10000);
        QVERIFY(b.presence->isOnlineElsewhere(u"u1"_s));
        QVERIFY(!a.presence->isOnlineElsewhere(u"u1"_s));
        // Remote connections count for "needs a mobile push?" on the other node.
        QCOMPARE(b.router->connectionCount(u"u1"_s), 1);
        QCOMPARE(b.router->localConnectionCount(u"u1"_s), 0);

        // The same user also online on b: already online cluster-wide, nobody announces.
        b.presence->localChanged(u"u1"_s, true, 1100);
        QTest::qWait(4 * kHeartbeatMs);
        QCOMPARE(b.announced(u"u1"_s, true), 0);
        QCOMPARE(a.announced(u"u1"_s, true), 1);

        // Offline on a but still on b: no offline announcement.
        a.presence->localChanged(u"u1"_s, false, 1200);
        QTest::qWait(4 * kHeartbeatMs);
        QCOMPARE(a.announced(u"u1"_s, false) + b.announced(u"u1"_s, false), 0);
        QVERIFY(a.presence->isOnline(u"u1"_s));

        // Offline on b too: exactly one announcement, and both caches agree.
        b.presence->localChanged(u"u1"_s, false, 1300);
        QTRY_COMPARE_WITH_TIMEOUT(b.announced(u"u1"_s, false), 1, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!a.presence->isOnline(u"u1"_s), 10000);
        QCOMPARE(a.presence->lastSeen(u"u1"_s), 1300);
        QTest::qWait(4 * kHeartbeatMs);
        QCOMPARE(a.announced(u"u1"_s, false) + b.announced(u"u1"_s, false), 1);
        const RedisResult seen = run(*a.redis, {"GET"_ba, "chat:seen:u1"_ba});
        QCOMPARE(seen.reply.str, "1300"_ba);
    }

    void routesOnlyToNodesHoldingTheUsers()
    {
        Node a(m_redis.url(), u"a"_s), b(m_redis.url(), u"b"_s), c(m_redis.url(), u"c"_s);
        QTRY_VERIFY_WITH_TIMEOUT(subscribed(*a.redis, u"a"_s) && subscribed(*a.redis, u"b"_s)
                                     && subscribed(*a.redis, u"c"_s),
                                 10000);
        a.presence->localChanged(u"ua"_s, true, 1);
        b.presence->localChanged(u"ub"_s, true, 1);
        QTRY_VERIFY_WITH_TIMEOUT(c.presence->isOnline(u"ua"_s) && c.presence->isOnline(u"ub"_s),
                                 10000);

        // From c to ua and ub: one envelope each to a and b; c itself gets nothing.
        c.router->toUsers({u"ua"_s, u"ub"_s, u"nobody"_s}, kFrame, OutKind::Push);
        QTRY_COMPARE_WITH_TIMEOUT(a.envelopes->size(), 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(b.envelopes->size(), 1, 10000);
        QCOMPARE(a.envelopes->first().at(0).toString(), u"c"_s);
        QTRY_COMPARE_WITH_TIMEOUT(c.router->counters().published, 2, 10000);
        QCOMPARE(c.router->counters().delivered, 2);
        QCOMPARE(c.router->counters().missedNodes, 0);
        QCOMPARE(c.envelopes->size(), 0);

        // Excluding ub (typing is not echoed to its author) leaves only a.
        c.router->toUsers({u"ua"_s, u"ub"_s}, kFrame, OutKind::Push, u"ub"_s);
        QTRY_COMPARE_WITH_TIMEOUT(a.envelopes->size(), 2, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(c.router->counters().published, 3, 10000);
        QCOMPARE(b.envelopes->size(), 1);
        // Nobody online: nothing is published at all.
        c.router->toUsers({u"nobody"_s}, kFrame, OutKind::Push);
        // Answers are never routed across nodes.
        c.router->toUsers({u"ua"_s}, kFrame, OutKind::Answer);
        c.router->toUsers({u"ub"_s}, kFrame, OutKind::Push); // a marker that comes after both
        QTRY_COMPARE_WITH_TIMEOUT(b.envelopes->size(), 2, 10000);
        QCOMPARE(a.envelopes->size(), 2);
        QCOMPARE(c.router->counters().published, 4);
        QCOMPARE(a.router->counters().received, 2);
    }

    void crashedNodeExpiresAndIsAnnouncedOnce()
    {
        Node a(m_redis.url(), u"a"_s), b(m_redis.url(), u"b"_s);
        auto dead = std::make_unique<Node>(m_redis.url(), u"dead"_s);
        QTRY_VERIFY_WITH_TIMEOUT(dead->redis->isConnected() && subscribed(*a.redis, u"dead"_s),
                                 10000);
        dead->presence->localChanged(u"ud"_s, true, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(a.presence->isOnline(u"ud"_s) && b.presence->isOnline(u"ud"_s),
                                 10000);
        dead->crash();
        // Until the claim expires, a push for ud still targets the dead node: counted missed.
        a.router->toUsers({u"ud"_s}, kFrame, OutKind::Push);
        QTRY_COMPARE_WITH_TIMEOUT(a.router->counters().missedNodes, 1, 10000);
        // Then the sweeper of a or b (only one of them) declares ud offline.
        QTRY_COMPARE_WITH_TIMEOUT(a.announced(u"ud"_s, false) + b.announced(u"ud"_s, false), 1,
                                  10000);
        QTRY_VERIFY_WITH_TIMEOUT(!a.presence->isOnline(u"ud"_s) && !b.presence->isOnline(u"ud"_s),
                                 10000);
        const qint64 seen = a.presence->lastSeen(u"ud"_s);
        QVERIFY2(seen > 0, "the last-seen time comes from the last refresh of the dead node");
        QTest::qWait(4 * kHeartbeatMs);
        QCOMPARE(a.announced(u"ud"_s, false) + b.announced(u"ud"_s, false), 1);
        // The registry forgot the node: nothing is published for ud any more.
        const qint64 before = a.router->counters().published;
        a.router->toUsers({u"ud"_s}, kFrame, OutKind::Push);
        QTest::qWait(500);
        QCOMPARE(a.router->counters().published, before);
        const RedisResult reg = run(*a.redis, {"ZCARD"_ba, "chat:reg:ud"_ba});
        QCOMPARE(reg.reply.integer, 0);
    }

    void redisRestartConverges()
    {
        Node a(m_redis.url(), u"a"_s), b(m_redis.url(), u"b"_s);
        QTRY_VERIFY_WITH_TIMEOUT(subscribed(*b.redis, u"a"_s) && subscribed(*b.redis, u"b"_s),
                                 10000);
        a.presence->localChanged(u"ua"_s, true, 1);
        QTRY_VERIFY_WITH_TIMEOUT(b.presence->isOnline(u"ua"_s), 10000);

        m_redis.stop();
        QTRY_VERIFY_WITH_TIMEOUT(!a.redis->isConnected() && !b.redis->isConnected(), 10000);
        // Routing while Redis is down fails fast and is counted.
        b.router->toUsers({u"ua"_s}, kFrame, OutKind::Push);
        QTRY_COMPARE_WITH_TIMEOUT(b.router->counters().failed, 1, 10000);
        // A user coming online meanwhile is still announced on its own node.
        a.presence->localChanged(u"ua2"_s, true, 2);
        QTRY_COMPARE_WITH_TIMEOUT(a.announced(u"ua2"_s, true), 1, 10000);

        QString err;
        QVERIFY2(m_redis.start(&err), qPrintable(err)); // same port, no data
        QTRY_VERIFY_WITH_TIMEOUT(a.redis->isConnected() && b.redis->isConnected(), 15000);
        // a re-claims its users; b learns them (presence messages or the reload).
        QTRY_VERIFY_WITH_TIMEOUT(b.presence->isOnline(u"ua"_s) && b.presence->isOnline(u"ua2"_s),
                                 10000);
        QTRY_VERIFY_WITH_TIMEOUT(subscribed(*b.redis, u"a"_s), 10000);
        b.router->toUsers({u"ua"_s}, kFrame, OutKind::Push);
        QTRY_COMPARE_WITH_TIMEOUT(a.envelopes->size(), 1, 10000);
        // No announcement storm: ua was online all along.
        QCOMPARE(a.announced(u"ua"_s, true), 1);
        QCOMPARE(b.changes->size(), 0);
        // The counters reach Redis for whoever measures the miss rate.
        QTRY_VERIFY_WITH_TIMEOUT(
            run(*a.redis, {"HGET"_ba, "chat:stats:b"_ba, "route_failed"_ba}).reply.str == "1"_ba,
            10000);
    }
};

QTEST_GUILESS_MAIN(TstRegistry)
#include "tst_registry.moc"
