// Catch-up after a long time offline: 10,000 messages missed across 100 conversations.
// The first sync page must be usable (conversations listed, newest messages readable) before
// the remaining pages have arrived; afterwards the gaps fill in the background until every
// conversation holds its full history, in seq order, once.
#include "harness.h"
#include "sync/localstore.h"

#include <QSignalSpy>
#include <QTest>
#include <QTimer>

using namespace Qt::StringLiterals;
using namespace chat::sync;
using namespace chat::test;

class TestCatchUp : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void tenThousandMissedAcrossHundredConversations()
    {
        constexpr int kConversations = 100;
        constexpr int kMissedEach = 100;
        QJsonArray convs;
        for (int i = 0; i < kConversations; ++i)
            convs.append(conversation(u"g%1"_s.arg(i), u"group"_s,
                                      u"G%1"_s.arg(i, 3, 10, QChar(u'0')), {u"alice"_s, u"bob"_s},
                                      {{u"bob"_s, u"seen"_s}}));
        TestServer server(fixture({u"alice"_s, u"bob"_s}, convs));
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        QTemporaryDir dir;
        FrameProxy proxy(server.url());

        // 1. Alice syncs once: she has seen seq 1 everywhere.
        auto alice = makeEngine(dir.path(), proxy.url(), u"alice"_s);
        QVERIFY(alice);
        connectEngine(*alice, proxy.url(), u"alice"_s, dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(alice->isOnline(), 30000);
        QCOMPARE(alice->conversations().size(), kConversations);
        alice->disconnectFromServer();
        QTRY_COMPARE(alice->state(), SyncEngine::State::Offline);

        // 2. While she is away, 10,000 messages are posted.
        AdminClient admin(server.url());
        QVERIFY(admin.isOpen());
        QList<QJsonObject> injects;
        QStringList ids;
        for (const ConversationInfo &c : alice->conversations())
            ids.append(c.conversationId);
        for (int n = 1; n <= kMissedEach; ++n)
            for (const QString &id : std::as_const(ids))
                injects.append({{"type"_L1, u"admin_inject"_s},
                                {"as_user"_L1, u"bob"_s},
                                {"conversation_id"_L1, id},
                                {"content"_L1, u"missed %1"_s.arg(n)}});
        int ok = 0;
        for (qsizetype i = 0; i < injects.size(); i += 1000)
            ok += admin.callMany(injects.mid(i, 1000), 120000);
        QCOMPARE(ok, kConversations * kMissedEach);

        // 3. She comes back. Hold every sync answer after the first page.
        int syncAnswers = 0;
        QList<QJsonObject> held;
        bool holding = true;
        proxy.onServerFrame = [&](const QJsonObject &o) -> QList<QJsonObject> {
            if (o.value("type"_L1).toString() == "sync"_L1 && ++syncAnswers > 1 && holding) {
                held.append(o);
                return {};
            }
            return {o};
        };
        QSignalSpy progress(alice.get(), &SyncEngine::syncProgress);
        connectEngine(*alice, proxy.url(), u"alice"_s, dir.path());
        QTRY_COMPARE_WITH_TIMEOUT(progress.size(), 1, 30000);
        QCOMPARE(progress.constFirst().at(2).toBool(), false); // more pages to come
        QTRY_COMPARE_WITH_TIMEOUT(held.size(), 1, 30000);      // page 2 is on its way...
        QCOMPARE(alice->state(), SyncEngine::State::Syncing);  // ... and held back
        // The first page is usable now: its conversations are the most recently active and
        // show their newest messages.
        const auto list = alice->conversations();
        QCOMPARE(list.size(), kConversations);
        int upToDate = 0;
        for (const ConversationInfo &c : list) {
            if (c.lastSeq != 1 + kMissedEach)
                continue;
            ++upToDate;
            const auto newest = alice->messages(c.conversationId, 0, 20);
            QCOMPARE(newest.size(), 20);
            QCOMPARE(newest.constLast().seq, 1 + kMissedEach);
            QCOMPARE(newest.constLast().content, u"missed %1"_s.arg(kMissedEach));
            QCOMPARE(c.unreadCount, kMissedEach + 1);
        }
        QCOMPARE(upToDate, 20);                               // exactly one page so far
        QCOMPARE(list.constFirst().lastSeq, 1 + kMissedEach); // sorted by activity

        // 4. Let the rest through; the catch-up completes and gaps fill in the background.
        holding = false;
        for (const QJsonObject &o : std::as_const(held))
            proxy.deliver(o);
        QTRY_VERIFY_WITH_TIMEOUT(alice->isOnline(), 60000);
        QVERIFY(progress.constLast().at(2).toBool());
        QTRY_COMPARE_WITH_TIMEOUT(alice->store()->messageCount(),
                                  qint64(kConversations * (1 + kMissedEach)), 120000);
        for (const ConversationInfo &c : alice->conversations()) {
            QVERIFY(alice->gaps(c.conversationId).isEmpty());
            const auto all = allMessages(*alice, c.conversationId);
            QCOMPARE(all.size(), 1 + kMissedEach);
            for (int i = 0; i < all.size(); ++i) {
                QCOMPARE(all.at(i).seq, i + 1);
                QCOMPARE(all.at(i).content, i == 0 ? u"seen"_s : u"missed %1"_s.arg(i));
            }
        }
    }

    // Big pages (sync pages of 5 conversations x 200 messages, history pages of 200) are
    // written by the engine's writer thread and published afterwards: each page's messages
    // arrive in one change batch, ascending, already readable from the store when the batch
    // is emitted, and together every message exactly once.
    void bigPagesArePublishedWholeAndInOrder()
    {
        constexpr int kConversations = 10;
        constexpr int kEach = 400;
        QJsonArray convs;
        for (int i = 0; i < kConversations; ++i)
            convs.append(
                conversation(u"b%1"_s.arg(i), u"group"_s, u"B%1"_s.arg(i), {u"alice"_s, u"bob"_s}));
        TestServer server(fixture({u"alice"_s, u"bob"_s}, convs));
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        QTemporaryDir dir;
        SyncEngine::Options options = engineOptions(dir.path());
        options.policy.syncPageSize = 5;
        options.policy.syncRecent = 200;
        options.backgroundGapFill = false;
        SyncEngine alice;
        chat::net::Credentials cred;
        cred.username = u"alice"_s;
        cred.password = u"alice-pw"_s;
        alice.connectToServer(server.url(), cred, options);
        QTRY_VERIFY_WITH_TIMEOUT(alice.isOnline(), 30000);
        QStringList ids;
        for (const ConversationInfo &c : alice.conversations())
            ids.append(c.conversationId);
        QCOMPARE(ids.size(), kConversations);
        alice.disconnectFromServer();
        QTRY_COMPARE(alice.state(), SyncEngine::State::Offline);

        AdminClient admin(server.url());
        QVERIFY(admin.isOpen());
        QList<QJsonObject> injects;
        for (int n = 1; n <= kEach; ++n)
            for (const QString &id : std::as_const(ids))
                injects.append({{"type"_L1, u"admin_inject"_s},
                                {"as_user"_L1, u"bob"_s},
                                {"conversation_id"_L1, id},
                                {"content"_L1, u"m %1"_s.arg(n)}});
        QCOMPARE(admin.callMany(injects, 120000), kConversations * kEach);

        QHash<QString, QList<qint64>> seen; // conversation -> every Inserted seq, in order
        QString problem;
        int syncBatches = 0, historyBatches = 0;
        QObject::connect(&alice, &SyncEngine::changes, &alice, [&](const ChangeBatch &batch) {
            for (auto it = batch.messages.cbegin(); it != batch.messages.cend(); ++it) {
                QList<qint64> seqs;
                bool fromSync = false;
                for (const MessageChange &c : it.value()) {
                    if (c.kind != MessageChange::Kind::Inserted)
                        continue;
                    seqs.append(c.message.seq);
                    fromSync = c.origin == MessageChange::Origin::Sync;
                }
                if (seqs.isEmpty())
                    continue;
                ++(fromSync ? syncBatches : historyBatches);
                // One page of one conversation: contiguous and ascending...
                for (qsizetype i = 1; i < seqs.size(); ++i)
                    if (seqs.at(i) != seqs.at(i - 1) + 1 && problem.isEmpty())
                        problem = u"batch not ascending/contiguous in "_s + it.key();
                // ... whole (a sync page carries the 200 newest, a history page 200) ...
                if (seqs.size() != 200 && problem.isEmpty())
                    problem = u"a page of %1 messages, not 200"_s.arg(seqs.size());
                // ... and committed before it is published.
                const auto stored =
                    alice.messagesInRange(it.key(), seqs.constFirst(), seqs.constLast());
                if (stored.size() != seqs.size() && problem.isEmpty())
                    problem = u"published before it was stored"_s;
                seen[it.key()].append(seqs);
            }
        });
        QSignalSpy progress(&alice, &SyncEngine::syncProgress);
        alice.connectToServer(cred);
        QTRY_VERIFY_WITH_TIMEOUT(alice.isOnline(), 60000);
        QCOMPARE(progress.size(), 2); // two pages of five conversations
        QCOMPARE(syncBatches, kConversations);
        for (const QString &id : std::as_const(ids))
            QVERIFY(!alice.loadAll(id));
        QTRY_COMPARE_WITH_TIMEOUT(alice.store()->messageCount(), qint64(kConversations * kEach),
                                  120000);
        QTRY_COMPARE_WITH_TIMEOUT(historyBatches, kConversations, 30000);
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        for (const QString &id : std::as_const(ids)) {
            QList<qint64> all = seen.value(id);
            std::sort(all.begin(), all.end());
            QCOMPARE(all.size(), kEach);
            for (int i = 0; i < kEach; ++i)
                QCOMPARE(all.at(i), qint64(i + 1)); // each once
            const auto stored = allMessages(alice, id);
            QCOMPARE(stored.size(), kEach);
            QCOMPARE(stored.constLast().content, u"m %1"_s.arg(kEach));
        }
    }

    // A background gap fill cut off by a dropped link is taken up again after the next
    // catch-up, even when that catch-up does not list the conversation (nothing changed).
    void gapFillInterruptedByDisconnectResumes()
    {
        TestServer server(fixture({u"alice"_s, u"bob"_s},
                                  {conversation(u"d"_s, u"direct"_s, QString(),
                                                {u"alice"_s, u"bob"_s}, {{u"bob"_s, u"hi"_s}})}));
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        QTemporaryDir dir;
        FrameProxy proxy(server.url());
        auto alice = makeEngine(dir.path(), proxy.url(), u"alice"_s);
        QVERIFY(alice);
        connectEngine(*alice, proxy.url(), u"alice"_s, dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(alice->isOnline(), 30000);
        const QString conv = alice->conversations().constFirst().conversationId;
        alice->disconnectFromServer();
        QTRY_COMPARE(alice->state(), SyncEngine::State::Offline);

        // 300 missed messages, then one from Alice's other device: the server raises her
        // delivered watermark to the top, so her acknowledgements below change nothing and
        // the conversation does not reappear in the next sync.
        AdminClient admin(server.url());
        QVERIFY(admin.isOpen());
        QList<QJsonObject> injects;
        for (int n = 1; n <= 300; ++n)
            injects.append({{"type"_L1, u"admin_inject"_s},
                            {"as_user"_L1, u"bob"_s},
                            {"conversation_id"_L1, conv},
                            {"content"_L1, u"missed %1"_s.arg(n)}});
        QCOMPARE(admin.callMany(injects, 120000), 300);
        QVERIFY(admin.inject(u"alice"_s, conv, u"from my phone"_s));

        // The first history answer is lost with the link.
        bool cut = false;
        proxy.onServerFrame = [&](const QJsonObject &o) -> QList<QJsonObject> {
            if (!cut && o.value("type"_L1).toString() == "history"_L1) {
                cut = true;
                QTimer::singleShot(0, &proxy, [&proxy] { proxy.dropAll(); });
                return {};
            }
            return {o};
        };
        connectEngine(*alice, proxy.url(), u"alice"_s, dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(cut, 30000);
        QTRY_COMPARE_WITH_TIMEOUT(alice->store()->messageCount(), qint64(302), 60000);
        QVERIFY(alice->gaps(conv).isEmpty());
        const auto all = allMessages(*alice, conv);
        QCOMPARE(all.size(), 302);
        QCOMPARE(all.constLast().content, u"from my phone"_s);
    }
};

QTEST_GUILESS_MAIN(TestCatchUp)
#include "tst_catchup.moc"
