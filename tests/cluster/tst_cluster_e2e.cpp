// A real cluster, started with scripts/cluster.sh: PostgreSQL + Redis + 3 chat-server nodes +
// HAProxy on loopback. Clients (ClusterClient: outbox with retry of unacked sends, catch-up
// after every reconnect) talk to it through node ports (to pin users to nodes) or through
// HAProxy (to survive a node's death).
//   - users on different nodes exchange messages, receipts, typing and presence;
//   - one conversation written from 3 nodes at once keeps a gapless seq;
//   - a node SIGKILLed under load: its clients come back through HAProxy, catch up, resend
//     their outbox; no acked message is lost or stored twice, everyone converges;
//   - Redis restarted mid-run (its data gone): sends keep working, cross-node pushes resume,
//     everyone converges.
#include "clusterclient.h"
#include "services.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <csignal>
#include <memory>

using namespace Qt::StringLiterals;
using chat::testing::ClusterClient;

namespace {
constexpr int kHeartbeatMs = 2000; // presence TTL 4 s

QString readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()).trimmed() : QString();
}
} // namespace

class TstClusterE2e : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_state;
    bool m_started = false;
    QList<ClusterClient *> m_clients;
    int m_userCounter = 0;

    static QString script() { return QStringLiteral(CHAT_SOURCE_DIR "/scripts/cluster.sh"); }

    bool cluster(const QStringList &args, QString *output = nullptr)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(u"bash"_s, QStringList{script()} + args + QStringList{u"--state"_s, m_state});
        const bool ok = p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit
                        && p.exitCode() == 0;
        const QString out = QString::fromUtf8(p.readAll());
        if (output)
            *output = out;
        if (!ok)
            qWarning().noquote() << "cluster.sh" << args.join(u' ') << "failed:" << out;
        return ok;
    }
    QUrl lbUrl() const { return QUrl(readFile(m_state + u"/lb.url"_s)); }
    QUrl nodeUrl(int n) const
    {
        return QUrl(u"ws://127.0.0.1:%1/"_s.arg(readFile(m_state + u"/nodes/n%1.port"_s.arg(n))));
    }

    ClusterClient *client(const QUrl &url)
    {
        auto *c = new ClusterClient(url, u"user%1"_s.arg(++m_userCounter), this);
        m_clients.append(c);
        c->start();
        return c;
    }
    bool allOnline(const QList<ClusterClient *> &cs)
    {
        for (ClusterClient *c : cs)
            if (!c->isOnline())
                return false;
        return true;
    }
    static bool hasPresence(const ClusterClient *c, const QString &user, bool online)
    {
        for (const auto &p : c->presencePushes)
            if (p.userId == user && p.online == online)
                return true;
        return false;
    }

    // Every acked send of every client appears exactly once in the conversation, with the
    // seq its ack said; seq is 1..N without gaps; every client converged to the same list.
    void verifyConverged(const QList<ClusterClient *> &cs, const QString &conv,
                         ClusterClient *reader)
    {
        for (ClusterClient *c : cs)
            QVERIFY2(c->catchUp(conv), "catch-up failed");
        const auto &all = reader->messages(conv);
        QVERIFY(!all.isEmpty());
        QCOMPARE(all.firstKey(), 1);
        QCOMPARE(all.lastKey(), qint64(all.size())); // gapless
        QHash<QString, qint64> seqOfCmid;
        for (const auto &m : all) {
            const QString key = m.senderId + u'/' + m.clientMsgId;
            QVERIFY2(!seqOfCmid.contains(key), qPrintable(u"stored twice: "_s + key));
            seqOfCmid.insert(key, m.seq);
        }
        for (ClusterClient *c : cs) {
            QCOMPARE(c->conflicts(), 0);
            for (auto it = c->acked().cbegin(); it != c->acked().cend(); ++it) {
                const QString key = c->userId() + u'/' + it.key();
                QVERIFY2(seqOfCmid.contains(key), qPrintable(u"acked but lost: "_s + key));
                QCOMPARE(seqOfCmid.value(key), it.value());
            }
            const auto &mine = c->messages(conv);
            QCOMPARE(mine.size(), all.size());
            QCOMPARE(mine.lastKey(), all.lastKey());
        }
    }

    void stopClients()
    {
        for (ClusterClient *c : std::as_const(m_clients))
            c->stop();
        qDeleteAll(m_clients);
        m_clients.clear();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_state = m_tmp.filePath(u"cluster"_s);
        QString out;
        m_started = cluster({u"start"_s, u"--nodes"_s, u"3"_s, u"--server"_s,
                             QStringLiteral(CHAT_SERVER_BIN), u"--heartbeat-ms"_s,
                             QString::number(kHeartbeatMs), u"--rate-limit"_s, u"0"_s,
                             u"--stop-with"_s, QString::number(QCoreApplication::applicationPid())},
                            &out);
        QVERIFY2(m_started, qPrintable(out));
        QVERIFY2(out.contains(u"cluster ws://127.0.0.1:"_s), qPrintable(out));
        QCOMPARE(out.trimmed().split(u'\n').last(), u"cluster "_s + lbUrl().toString());
    }

    void cleanup() { stopClients(); }

    void cleanupTestCase()
    {
        stopClients();
        if (m_started) {
            QString out;
            QVERIFY2(cluster({u"stop"_s}, &out), qPrintable(out));
            QVERIFY(!QDir(m_state).exists());
        }
    }

    void statusReportsEveryComponent()
    {
        QString out;
        QVERIFY2(cluster({u"status"_s}, &out), qPrintable(out));
        for (const QString &part :
             {u"postgres  running"_s, u"redis     running"_s, u"node n1   running"_s,
              u"node n2   running"_s, u"node n3   running"_s, u"haproxy   running"_s})
            QVERIFY2(out.contains(part), qPrintable(out));
    }

    // A malformed --store / --redis / --node-id is a bad argument (exit 2); a database that
    // cannot be reached means the node cannot start (exit 1); an unreachable Redis does not
    // stop a node from starting (it joins when Redis answers).
    void badBackendArgumentsAreExplained_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("says");
        const QString deadPort = QString::number(chat::testing::freeLoopbackPort());
        QTest::newRow("store-not-a-url")
            << QStringList{u"--store"_s, u"http://127.0.0.1/x"_s} << 2 << u"postgres://"_s;
        QTest::newRow("store-unreachable")
            << QStringList{u"--store"_s, u"postgres://postgres@127.0.0.1:%1/chat"_s.arg(deadPort)}
            << 1 << u"cannot connect to PostgreSQL at 127.0.0.1:%1"_s.arg(deadPort);
        QTest::newRow("redis-not-a-url")
            << QStringList{u"--redis"_s, u"http://127.0.0.1:1"_s} << 2 << u"redis://"_s;
        QTest::newRow("node-id-with-space")
            << QStringList{u"--redis"_s, u"redis://127.0.0.1:%1"_s.arg(deadPort), u"--node-id"_s,
                           u"a b"_s}
            << 2 << u"--node-id"_s;
    }
    void badBackendArgumentsAreExplained()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, says);
        QTemporaryDir data;
        QProcess p;
        p.start(QStringLiteral(CHAT_SERVER_BIN),
                QStringList{u"--listen"_s, u"127.0.0.1:0"_s, u"--data"_s, data.path()} + args);
        QVERIFY(p.waitForFinished(30000));
        const QString err = QString::fromUtf8(p.readAllStandardError());
        QCOMPARE(p.exitCode(), exitCode);
        QVERIFY2(err.contains(says), qPrintable(err));
    }

    void nodeStartsWithoutRedis()
    {
        QTemporaryDir data;
        QProcess p;
        p.start(QStringLiteral(CHAT_SERVER_BIN),
                {u"--listen"_s, u"127.0.0.1:0"_s, u"--data"_s, data.path(), u"--redis"_s,
                 u"redis://127.0.0.1:%1"_s.arg(chat::testing::freeLoopbackPort()), u"--node-id"_s,
                 u"lonely"_s});
        QVERIFY(p.waitForStarted());
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT(
            (out += p.readAllStandardOutput()).contains("listening ws://127.0.0.1:"), 20000);
        p.terminate();
        QVERIFY(p.waitForFinished(20000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(QString::fromUtf8(p.readAllStandardError()).contains(u"cannot reach Redis yet"_s));
    }

    void usersOnDifferentNodesTalk()
    {
        ClusterClient *alice = client(nodeUrl(1));
        QTRY_VERIFY_WITH_TIMEOUT(alice->isOnline(), 20000);
        ClusterClient *bob = client(nodeUrl(2));
        ClusterClient *carol = client(nodeUrl(3));
        QTRY_VERIFY_WITH_TIMEOUT(allOnline({bob, carol}), 20000);

        auto conv = alice->createGroup(u"cross-node"_s, {bob->userId(), carol->userId()});
        QVERIFY(conv);
        const QString c = conv->conversationId;
        bob->follow(c);
        carol->follow(c);
        // The new conversation reaches the other nodes' users as a push.
        QTRY_VERIFY_WITH_TIMEOUT(bob->pushesReceived() > 0 && carol->pushesReceived() > 0, 20000);

        // Presence across nodes: alice (n1) sees bob (n2) come online.
        QTRY_VERIFY_WITH_TIMEOUT(hasPresence(alice, bob->userId(), true)
                                     || hasPresence(alice, carol->userId(), true),
                                 20000);

        alice->send(c, u"hello from n1"_s);
        QTRY_COMPARE_WITH_TIMEOUT(bob->messages(c).size(), 1, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(carol->messages(c).size(), 1, 20000);
        QCOMPARE(bob->messages(c).first().content, u"hello from n1"_s);
        carol->send(c, u"hello from n3"_s);
        QTRY_COMPARE_WITH_TIMEOUT(alice->messages(c).size(), 2, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(bob->messages(c).size(), 2, 20000);

        // Receipts: bob (n2) reads; alice (n1) and carol (n3) get the receipt.
        QVERIFY(bob->markRead(c, 2));
        auto readBy = [&](ClusterClient *x) {
            for (const auto &r : x->receipts)
                if (r.userId == bob->userId() && r.readSeq == 2)
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(readBy(alice) && readBy(carol), 20000);

        // Typing: carol (n3) types; alice and bob see it, carol does not get her own.
        QVERIFY(carol->typing(c, true));
        auto typingOf = [&](ClusterClient *x) {
            for (const auto &t : x->typingPushes)
                if (t.userId == carol->userId() && t.active)
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(typingOf(alice) && typingOf(bob), 20000);
        QVERIFY(!typingOf(carol));

        // Presence off: bob leaves n2; after the TTL alice (n1) and carol (n3) see him offline.
        bob->stop();
        QTRY_VERIFY_WITH_TIMEOUT(hasPresence(alice, bob->userId(), false)
                                     && hasPresence(carol, bob->userId(), false),
                                 8 * kHeartbeatMs);
    }

    void concurrentWritersKeepGaplessSeq()
    {
        QList<ClusterClient *> writers{client(nodeUrl(1)), client(nodeUrl(2)), client(nodeUrl(3))};
        QTRY_VERIFY_WITH_TIMEOUT(allOnline(writers), 20000);
        auto conv =
            writers[0]->createGroup(u"concurrent"_s, {writers[1]->userId(), writers[2]->userId()});
        QVERIFY(conv);
        const QString c = conv->conversationId;
        constexpr int perWriter = 100;
        for (int i = 0; i < perWriter; ++i)
            for (ClusterClient *w : writers)
                w->send(c, u"m%1"_s.arg(i));
        QTRY_VERIFY_WITH_TIMEOUT(writers[0]->acked().size() == perWriter
                                     && writers[1]->acked().size() == perWriter
                                     && writers[2]->acked().size() == perWriter,
                                 60000);
        verifyConverged(writers, c, writers[0]);
        QCOMPARE(writers[0]->messages(c).size(), 3 * perWriter);
        // Pushes arrived across nodes too (not only through catch-up).
        QVERIFY(writers[1]->pushesReceived() >= perWriter);
    }

    void nodeKilledUnderLoad()
    {
        // Six clients through HAProxy (leastconn spreads them over the three nodes).
        QList<ClusterClient *> cs;
        for (int i = 0; i < 6; ++i)
            cs.append(client(lbUrl()));
        QTRY_VERIFY_WITH_TIMEOUT(allOnline(cs), 20000);
        QStringList others;
        for (int i = 1; i < cs.size(); ++i)
            others.append(cs[i]->userId());
        auto conv = cs[0]->createGroup(u"failover"_s, others);
        QVERIFY(conv);
        const QString c = conv->conversationId;
        for (ClusterClient *x : cs)
            x->follow(c);

        // Load: every client sends every 25 ms; n2 dies a second in.
        constexpr int perClient = 60;
        int round = 0;
        QTimer load;
        connect(&load, &QTimer::timeout, this, [&] {
            for (ClusterClient *x : cs)
                x->send(c, u"load %1"_s.arg(round));
            if (++round == perClient)
                load.stop();
        });
        load.start(25);
        QTest::qWait(1000);
        const QString pid = readFile(m_state + u"/nodes/n2.pid"_s);
        QString out;
        QVERIFY2(cluster({u"kill-node"_s, u"n2"_s}, &out), qPrintable(out));
        QVERIFY(!pid.isEmpty());

        QTRY_VERIFY_WITH_TIMEOUT(!load.isActive(), 30000);
        // Everything sent is acked in the end (retried over the new connections).
        auto allAcked = [&] {
            for (ClusterClient *x : cs)
                if (x->acked().size() != perClient || x->pendingSends() != 0)
                    return false;
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(allAcked(), 60000);
        int reconnected = 0;
        for (ClusterClient *x : cs)
            reconnected += x->authentications() > 1 ? 1 : 0;
        qInfo() << reconnected << "of" << cs.size() << "clients reconnected after the kill";
        QVERIFY2(reconnected >= 1, "nobody was on the killed node: the test proved nothing");
        verifyConverged(cs, c, cs[0]);
        QCOMPARE(cs[0]->messages(c).size(), cs.size() * perClient);
        // How often a push was missed (the node died holding it, or its registry entry
        // pointed at the dead node): the clients filled those through catch-up.
        int viaPush = 0, viaCatchUp = 0;
        for (ClusterClient *x : cs) {
            viaPush += x->viaPush();
            viaCatchUp += x->viaCatchUp();
        }
        qInfo().noquote() << u"others' messages: %1 arrived as pushes, %2 through catch-up (%3 %)"_s
                                 .arg(viaPush)
                                 .arg(viaCatchUp)
                                 .arg(100.0 * viaCatchUp / qMax(1, viaPush + viaCatchUp), 0, 'f',
                                      1);
        QCOMPARE(viaPush + viaCatchUp, int(cs.size() - 1) * int(cs.size()) * perClient);
        QVERIFY2(viaPush > viaCatchUp, "most messages must arrive as pushes");

        // The node comes back and serves again.
        QVERIFY2(cluster({u"start-node"_s, u"n2"_s}, &out), qPrintable(out));
        ClusterClient *late = client(nodeUrl(2));
        QTRY_VERIFY_WITH_TIMEOUT(late->isOnline(), 20000);
    }

    void redisRestartConverges()
    {
        ClusterClient *a = client(nodeUrl(1));
        ClusterClient *b = client(nodeUrl(3));
        QTRY_VERIFY_WITH_TIMEOUT(allOnline({a, b}), 20000);
        auto conv = a->createGroup(u"redis-restart"_s, {b->userId()});
        QVERIFY(conv);
        const QString c = conv->conversationId;
        b->follow(c);
        a->send(c, u"before"_s);
        QTRY_COMPARE_WITH_TIMEOUT(b->messages(c).size(), 1, 20000);

        QString out;
        QVERIFY2(cluster({u"restart-redis"_s}, &out), qPrintable(out));
        // Sends keep working during and after (the store does not need Redis).
        for (int i = 0; i < 20; ++i)
            a->send(c, u"during %1"_s.arg(i));
        QTRY_COMPARE_WITH_TIMEOUT(a->acked().size(), 21, 30000);
        // Cross-node pushes resume once the nodes have re-registered their users: a message
        // sent now reaches b as a push, without b asking.
        QString marker;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                marker = a->send(c, u"after"_s);
                QTest::qWait(500);
                for (const auto &m : b->messages(c))
                    if (m.clientMsgId == marker)
                        return true;
                return false;
            }(),
            30000);
        verifyConverged({a, b}, c, a);
    }
};

QTEST_GUILESS_MAIN(TstClusterE2e)
#include "tst_cluster_e2e.moc"
