// The oracle: a seeded, reproducible chaos run. Several clients send to shared
// conversations while links drop, the server injects faults (admin_fault delays, drops,
// abrupt closes), the server restarts, clients go offline and restart. At the end every
// client's local store must equal what a fresh full sync of the same account produces;
// every message accepted by send() exists exactly once; every store is in seq order with
// no holes; each client's messages keep the order it sent them in.
//
// Short run in ctest. Long run: CHAT_ORACLE_STEPS=3000 CHAT_ORACLE_SEED=N tst_sync_oracle
// (scripts: tests/sync/run-oracle.sh).
#include "harness.h"
#include "sync/localstore.h"

#include <QRandomGenerator>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace chat::sync;
using namespace chat::test;

namespace {
const QStringList kUsers{u"alice"_s, u"bob"_s, u"carol"_s, u"dave"_s};

// What a list model holding everything would show: seeded from the store when the engine
// starts, then kept only by applying change batches. It must end equal to the store.
struct Shadow {
    QHash<QString, QHash<QString, LocalMessage>> messages; // conversation -> localId -> message
    QHash<QString, ConversationInfo> conversations;
    QStringList violations;

    void seed(const SyncEngine &e)
    {
        messages.clear();
        conversations.clear();
        for (const ConversationInfo &c : e.conversations()) {
            conversations.insert(c.conversationId, c);
            auto &ms = messages[c.conversationId];
            for (const LocalMessage &m : allMessages(e, c.conversationId))
                ms.insert(m.localId, m);
            for (const LocalMessage &m : e.pendingMessages(c.conversationId))
                ms.insert(m.localId, m);
        }
    }
    void apply(const ChangeBatch &b)
    {
        for (const ConversationChange &c : b.conversations) {
            const QString &id = c.conversation.conversationId;
            if (c.kind == ConversationChange::Kind::Inserted && conversations.contains(id))
                violations.append(u"conversation inserted twice: "_s + id);
            if (c.kind == ConversationChange::Kind::Removed)
                conversations.remove(id);
            else
                conversations.insert(id, c.conversation);
        }
        for (auto it = b.messages.cbegin(); it != b.messages.cend(); ++it) {
            auto &ms = messages[it.key()];
            for (const MessageChange &c : it.value()) {
                const QString &id = c.message.localId;
                switch (c.kind) {
                case MessageChange::Kind::Inserted:
                    if (ms.contains(id))
                        violations.append(u"message inserted twice: "_s + id);
                    ms.insert(id, c.message);
                    break;
                case MessageChange::Kind::Updated:
                    if (!ms.contains(id))
                        violations.append(u"update of an unknown message: "_s + id);
                    ms.insert(id, c.message);
                    break;
                case MessageChange::Kind::Removed:
                    if (!ms.remove(id))
                        violations.append(u"removal of an unknown message: "_s + id);
                    break;
                }
            }
        }
    }
};

struct Client {
    Shadow shadow;
    QString name;
    QString dir;
    std::unique_ptr<FrameProxy> proxy;
    std::unique_ptr<SyncEngine> engine;
    bool offline = false;
};

struct Sent {
    QString user;
    QString conversationId;
    QString content;
};

QString describe(const LocalMessage &m)
{
    return u"%1 #%2 %3 by %4: %5"_s.arg(m.conversationId)
        .arg(m.seq)
        .arg(m.messageId, m.senderId, m.content);
}
} // namespace

class TestOracle : public QObject
{
    Q_OBJECT

    void start(Client &c, const QUrl &)
    {
        c.engine = makeEngine(c.dir, c.proxy->url(), c.name);
        QVERIFY(c.engine);
        c.shadow.seed(*c.engine);
        connect(c.engine.get(), &SyncEngine::changes, c.engine.get(),
                [&c](const ChangeBatch &b) { c.shadow.apply(b); });
        connectEngine(*c.engine, c.proxy->url(), c.name, c.dir);
        c.offline = false;
    }

private Q_SLOTS:
    void chaos()
    {
        const quint32 seed = qEnvironmentVariableIsSet("CHAT_ORACLE_SEED")
                                 ? quint32(qEnvironmentVariableIntValue("CHAT_ORACLE_SEED"))
                                 : 20261129u;
        const int steps = qEnvironmentVariableIsSet("CHAT_ORACLE_STEPS")
                              ? qEnvironmentVariableIntValue("CHAT_ORACLE_STEPS")
                              : 200;
        qInfo("oracle: seed %u, %d steps (reproduce with CHAT_ORACLE_SEED=%u CHAT_ORACLE_STEPS=%d)",
              seed, steps, seed, steps);
        QRandomGenerator rng(seed);

        const QJsonArray convs{
            conversation(u"all"_s, u"group"_s, u"All"_s, kUsers),
            conversation(u"abc"_s, u"group"_s, u"ABC"_s, {u"alice"_s, u"bob"_s, u"carol"_s},
                         {{u"alice"_s, u"start"_s}}),
            conversation(u"ab"_s, u"direct"_s, {}, {u"alice"_s, u"bob"_s}),
            conversation(u"cd"_s, u"direct"_s, {}, {u"carol"_s, u"dave"_s}),
            conversation(u"bd"_s, u"group"_s, u"BD"_s, {u"bob"_s, u"dave"_s}),
        };
        TestServer server(fixture(kUsers, convs));
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        auto admin = std::make_unique<AdminClient>(server.url());
        QVERIFY(admin->isOpen());
        QTemporaryDir dirs;

        std::vector<Client> clients(kUsers.size());
        for (int i = 0; i < kUsers.size(); ++i) {
            clients[i].name = kUsers.at(i);
            clients[i].dir = dirs.filePath(kUsers.at(i));
            clients[i].proxy = std::make_unique<FrameProxy>(server.url());
            start(clients[i], server.url());
        }
        for (Client &c : clients)
            QTRY_VERIFY_WITH_TIMEOUT(c.engine->isOnline(), 30000);

        QList<Sent> sent;
        QHash<QString, QStringList> sentOrder; // user + conversation -> contents in send order
        int faultsActive = 0;
        for (int step = 0; step < steps; ++step) {
            const int roll = int(rng.bounded(100));
            Client &c = clients[rng.bounded(int(clients.size()))];
            if (roll < 55) {
                const auto list = c.engine->conversations();
                if (list.isEmpty())
                    continue;
                const ConversationInfo &conv = list.at(rng.bounded(int(list.size())));
                const QString content = u"%1 step %2"_s.arg(c.name).arg(step);
                auto id = c.engine->send(conv.conversationId, content);
                if (!id)
                    QFAIL(qPrintable(id.error().message));
                sent.append({c.name, conv.conversationId, content});
                sentOrder[c.name + u'|' + conv.conversationId].append(content);
            } else if (roll < 63) {
                c.proxy->dropAll(); // the link dies; the engine reconnects by itself
            } else if (roll < 68) {
                c.engine.reset();       // the app is killed...
                start(c, server.url()); // ... and started again on the same profile
            } else if (roll < 73) {
                if (c.offline)
                    start(c, server.url());
                else {
                    c.engine->disconnectFromServer();
                    c.offline = true;
                }
            } else if (roll < 78) {
                const int kind = int(rng.bounded(3));
                const bool ok = kind == 0 ? admin->fault(c.name, 0.3)
                                : kind == 1
                                    ? admin->fault(c.name, 0, 20 + rng.bounded(60))
                                    : admin->fault(c.name, 0, 0, false, 3 + rng.bounded(20));
                QVERIFY(ok);
                ++faultsActive;
            } else if (roll < 82) {
                if (faultsActive) {
                    QVERIFY(admin->clearFaults());
                    faultsActive = 0;
                }
            } else if (roll < 84) {
                QVERIFY2(server.restart(&error), qPrintable(error));
                admin = std::make_unique<AdminClient>(server.url());
                QVERIFY(admin->isOpen());
                faultsActive = 0; // faults live in memory only
            } else if (roll < 90) {
                const auto list = c.engine->conversations();
                if (!list.isEmpty()) {
                    const ConversationInfo &conv = list.at(rng.bounded(int(list.size())));
                    c.engine->markRead(conv.conversationId, conv.lastSeq);
                }
            } else {
                QTest::qWait(int(rng.bounded(40)));
            }
            QCoreApplication::processEvents();
        }

        // Calm down: no faults, everyone online, every outbox drained, gaps filled.
        QVERIFY(admin->clearFaults());
        for (Client &c : clients)
            if (c.offline || !c.engine)
                start(c, server.url());
        for (Client &c : clients) {
            QTRY_VERIFY_WITH_TIMEOUT(c.engine->isOnline(), 60000);
            QTRY_VERIFY_WITH_TIMEOUT(c.engine->outbox().isEmpty(), 60000);
        }
        for (Client &c : clients) {
            // A resync so that receipts dropped by faults are brought up to date.
            c.engine->connection()->dropLink();
            QTRY_VERIFY_WITH_TIMEOUT(c.engine->isOnline(), 60000);
            for (const ConversationInfo &conv : c.engine->conversations())
                c.engine->loadAll(conv.conversationId);
        }

        // The oracle: a fresh full sync of each account.
        int checkedMessages = 0;
        for (Client &c : clients) {
            QTemporaryDir freshDir;
            auto fresh = makeEngine(freshDir.path(), server.url(), c.name);
            QVERIFY(fresh);
            connectEngine(*fresh, server.url(), c.name, freshDir.path());
            QTRY_VERIFY_WITH_TIMEOUT(fresh->isOnline(), 60000);
            for (const ConversationInfo &conv : fresh->conversations())
                fresh->loadAll(conv.conversationId);
            const auto freshConvs = fresh->conversations();
            for (const ConversationInfo &conv : freshConvs) {
                const QString id = conv.conversationId;
                QTRY_VERIFY_WITH_TIMEOUT(fresh->gaps(id).isEmpty(), 60000);
                QTRY_VERIFY_WITH_TIMEOUT(c.engine->gaps(id).isEmpty(), 60000);
                const auto expected = allMessages(*fresh, id);
                // Pushes of the very last messages may still be on their way: wait for them.
                QTRY_COMPARE_WITH_TIMEOUT(allMessages(*c.engine, id).size(), expected.size(),
                                          60000);
                const auto mine = allMessages(*c.engine, id);
                for (qsizetype i = 0; i < expected.size(); ++i) {
                    QCOMPARE(expected.at(i).seq, i + 1);
                    const LocalMessage &a = mine.at(i), &b = expected.at(i);
                    QVERIFY2(a.seq == b.seq && a.messageId == b.messageId
                                 && a.senderId == b.senderId && a.content == b.content
                                 && a.ts == b.ts && a.clientMsgId == b.clientMsgId,
                             qPrintable(describe(a) + u" != "_s + describe(b)));
                }
                checkedMessages += int(expected.size());
                auto mineConv = c.engine->conversation(id);
                QVERIFY(mineConv);
                QCOMPARE(mineConv->lastSeq, conv.lastSeq);
                QCOMPARE(mineConv->group, conv.group);
                QCOMPARE(mineConv->title, conv.title);
                // Watermarks converge (receipts are eventually consistent).
                QTRY_COMPARE_WITH_TIMEOUT(c.engine->members(id), fresh->members(id), 30000);
            }
            QCOMPARE(c.engine->conversations().size(), freshConvs.size());

            // The change feed told the whole story: the shadow model equals the store.
            QVERIFY2(c.shadow.violations.isEmpty(), qPrintable(c.shadow.violations.join(u"; "_s)));
            for (const ConversationInfo &conv : c.engine->conversations()) {
                QList<LocalMessage> shown = c.shadow.messages.value(conv.conversationId).values();
                std::sort(
                    shown.begin(), shown.end(),
                    [](const LocalMessage &a, const LocalMessage &b) { return a.seq < b.seq; });
                const QList<LocalMessage> stored = allMessages(*c.engine, conv.conversationId);
                QCOMPARE(shown.size(), stored.size());
                for (qsizetype i = 0; i < shown.size(); ++i) {
                    const LocalMessage &a = shown.at(i), &b = stored.at(i);
                    QVERIFY2(a == b,
                             qPrintable(u"the feed showed %1 [state %2, delivered %3/%5, read "
                                        "%4/%5]; the store holds %6 [state %7, delivered "
                                        "%8/%10, read %9/%10]"_s.arg(describe(a))
                                            .arg(int(a.state))
                                            .arg(a.deliveredCount)
                                            .arg(a.readCount)
                                            .arg(a.otherMembers)
                                            .arg(describe(b))
                                            .arg(int(b.state))
                                            .arg(b.deliveredCount)
                                            .arg(b.readCount)
                                            .arg(b.otherMembers)));
                }
                QCOMPARE(c.shadow.conversations.value(conv.conversationId), conv);
            }
        }

        // Every accepted send exists exactly once, in the order its sender sent it.
        QHash<QString, QList<LocalMessage>> byConversation;
        for (Client &c : clients)
            for (const ConversationInfo &conv : c.engine->conversations())
                if (!byConversation.contains(conv.conversationId))
                    byConversation.insert(conv.conversationId,
                                          allMessages(*c.engine, conv.conversationId));
        for (const Sent &s : std::as_const(sent)) {
            const auto &ms = byConversation.value(s.conversationId);
            const auto n = std::count_if(ms.cbegin(), ms.cend(), [&](const LocalMessage &m) {
                return m.content == s.content;
            });
            QVERIFY2(n == 1, qPrintable(u"\"%1\" stored %2 times"_s.arg(s.content).arg(n)));
        }
        for (auto it = sentOrder.cbegin(); it != sentOrder.cend(); ++it) {
            const QString conv = it.key().section(u'|', 1);
            QStringList stored;
            for (const LocalMessage &m : byConversation.value(conv))
                if (it.value().contains(m.content))
                    stored.append(m.content);
            QCOMPARE(stored, it.value());
        }
        qInfo("oracle: %lld sends, %d stored messages compared", qint64(sent.size()),
              checkedMessages);
    }
};

QTEST_GUILESS_MAIN(TestOracle)
#include "tst_oracle.moc"
