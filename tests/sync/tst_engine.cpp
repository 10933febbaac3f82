// SyncEngine against the real reference server in process (port 0): sending online and
// offline, restarts with a non-empty outbox, duplicate and out-of-order pushes, gaps,
// history paging, receipts in 1:1 and groups, failed sends, typing and presence.
#include "harness.h"

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace chat::sync;
using namespace chat::test;

namespace {
QList<QPair<QString, QString>> numbered(const QString &from, int n, const QString &prefix)
{
    QList<QPair<QString, QString>> out;
    for (int i = 1; i <= n; ++i)
        out.append({from, prefix + QString::number(i)});
    return out;
}

QJsonObject standardFixture()
{
    return fixture(
        {u"alice"_s, u"bob"_s, u"carol"_s},
        QJsonArray{
            conversation(u"ab"_s, u"direct"_s, {}, {u"alice"_s, u"bob"_s},
                         {{u"bob"_s, u"hi alice"_s}}),
            conversation(u"team"_s, u"group"_s, u"Team"_s, {u"alice"_s, u"bob"_s, u"carol"_s}),
            conversation(u"side"_s, u"group"_s, u"Side"_s, {u"bob"_s, u"alice"_s}),
            conversation(u"long"_s, u"direct"_s, {}, {u"alice"_s, u"carol"_s},
                         numbered(u"carol"_s, 120, u"old "_s))});
}

// Counts message inserts per localId across change batches (duplicates show up as > 1).
struct ChangeLog {
    QHash<QString, int> inserted;
    int batches = 0;
    void attach(SyncEngine &e)
    {
        QObject::connect(&e, &SyncEngine::changes, &e, [this](const ChangeBatch &b) {
            ++batches;
            for (const auto &list : b.messages)
                for (const MessageChange &c : list)
                    if (c.kind == MessageChange::Kind::Inserted)
                        ++inserted[c.message.localId];
        });
    }
};

bool contiguousAscending(const QList<LocalMessage> &ms)
{
    for (qsizetype i = 1; i < ms.size(); ++i)
        if (ms.at(i).seq != ms.at(i - 1).seq + 1)
            return false;
    return true;
}

int countContent(const QList<LocalMessage> &ms, const QString &content)
{
    return int(std::count_if(ms.cbegin(), ms.cend(),
                             [&](const LocalMessage &m) { return m.content == content; }));
}
} // namespace

class TestEngine : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestServer> server;
    std::unique_ptr<QTemporaryDir> dirs;

    QString dir(const QString &name) { return dirs->filePath(name); }

    std::unique_ptr<SyncEngine> online(const QString &name, const QUrl &url = {})
    {
        const QUrl u = url.isEmpty() ? server->url() : url;
        auto e = makeEngine(dir(name), u, name);
        if (!e)
            return nullptr;
        connectEngine(*e, u, name, dir(name));
        QElapsedTimer t;
        t.start();
        while (!e->isOnline() && t.elapsed() < 20000)
            QTest::qWait(20);
        return e;
    }

private Q_SLOTS:
    void init()
    {
        server = std::make_unique<TestServer>(standardFixture());
        QString error;
        QVERIFY2(server->start(&error), qPrintable(error));
        dirs = std::make_unique<QTemporaryDir>();
    }
    void cleanup()
    {
        server.reset();
        dirs.reset();
    }

    void firstSyncListsConversations()
    {
        auto alice = online(u"alice"_s);
        QVERIFY(alice && alice->isOnline());
        QVERIFY(alice->isCaughtUp());
        const auto convs = alice->conversations();
        QCOMPARE(convs.size(), 4);
        auto ab = alice->findConversation(u"bob"_s);
        QVERIFY(ab);
        QVERIFY(!ab->group);
        QCOMPARE(ab->displayTitle, u"Bob"_s);
        QCOMPARE(ab->unreadCount, 1);
        QVERIFY(alice->findConversation(u"Team"_s));
        QCOMPARE(alice->findConversation(ab->conversationId)->conversationId, ab->conversationId);
        const auto ms = alice->messages(ab->conversationId);
        QCOMPARE(ms.size(), 1);
        QCOMPARE(ms.constFirst().content, u"hi alice"_s);
        QCOMPARE(ms.constFirst().state, DeliveryState::Received);
        QCOMPARE(alice->currentUser().username, u"alice"_s);
    }

    void sendAndTicksInDirect()
    {
        auto alice = online(u"alice"_s);
        auto bob = online(u"bob"_s);
        QVERIFY(alice && alice->isOnline() && bob && bob->isOnline());
        const QString conv = alice->findConversation(u"bob"_s)->conversationId;
        QSignalSpy sent(alice.get(), &SyncEngine::messageSent);
        auto id = alice->send(conv, u"hello bob"_s);
        QVERIFY(id);
        auto pending = alice->message(id.value());
        QVERIFY(pending);
        QVERIFY(pending->state == DeliveryState::Pending || pending->state == DeliveryState::Sent);
        QTRY_COMPARE_WITH_TIMEOUT(sent.size(), 1, 20000);
        auto m = alice->message(id.value());
        QVERIFY(m && m->seq == 2);
        // Bob stores it, says delivered: two ticks.
        QTRY_COMPARE_WITH_TIMEOUT(countContent(allMessages(*bob, conv), u"hello bob"_s), 1, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(alice->message(id.value())->state, DeliveryState::Delivered,
                                  20000);
        // Bob reads it: read.
        bob->markRead(conv, 2);
        QTRY_COMPARE_WITH_TIMEOUT(alice->message(id.value())->state, DeliveryState::Read, 20000);
        QCOMPARE(bob->conversation(conv)->unreadCount, 0);
        // Bob's own read watermark never goes back.
        bob->markRead(conv, 1);
        QCOMPARE(bob->conversation(conv)->readSeq, 2);
    }

    // A send is reported sent once. Bob answering without reading first moves Alice's ticks
    // to read (a sender has read everything before their own message): that push updates her
    // message's ticks, and must not report it sent again.
    void sentOnceThoughTicksMoveLater()
    {
        auto alice = online(u"alice"_s);
        auto bob = online(u"bob"_s);
        QVERIFY(alice && alice->isOnline() && bob && bob->isOnline());
        const QString conv = alice->findConversation(u"bob"_s)->conversationId;
        QSignalSpy sent(alice.get(), &SyncEngine::messageSent);
        auto id = alice->send(conv, u"are you there"_s);
        QVERIFY(id);
        QTRY_COMPARE_WITH_TIMEOUT(alice->message(id.value())->state, DeliveryState::Delivered,
                                  20000);
        QCOMPARE(sent.size(), 1);
        QVERIFY(bob->send(conv, u"yes"_s));
        QTRY_COMPARE_WITH_TIMEOUT(alice->message(id.value())->state, DeliveryState::Read, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(countContent(allMessages(*alice, conv), u"yes"_s), 1, 20000);
        QTest::qWait(200); // anything else the push brought
        QCOMPARE(sent.size(), 1);
        QCOMPARE(sent.constFirst().constFirst().value<LocalMessage>().localId, id.value());
    }

    void groupReadCounts()
    {
        auto alice = online(u"alice"_s);
        auto bob = online(u"bob"_s);
        auto carol = online(u"carol"_s);
        QVERIFY(alice && bob && carol && carol->isOnline());
        const QString team = alice->findConversation(u"Team"_s)->conversationId;
        auto id = alice->send(team, u"team news"_s);
        QVERIFY(id);
        QTRY_COMPARE_WITH_TIMEOUT(alice->message(id.value())->state, DeliveryState::Delivered,
                                  20000);
        auto m = alice->message(id.value()).value();
        QCOMPARE(m.otherMembers, 2);
        QCOMPARE(m.deliveredCount, 2);
        QCOMPARE(m.readCount, 0);
        bob->markRead(team, m.seq);
        QTRY_COMPARE_WITH_TIMEOUT(alice->message(id.value())->readCount, 1, 20000);
        QCOMPARE(alice->message(id.value())->state, DeliveryState::Delivered);
        carol->markRead(team, m.seq);
        QTRY_COMPARE_WITH_TIMEOUT(alice->message(id.value())->state, DeliveryState::Read, 20000);
        QCOMPARE(alice->message(id.value())->readCount, 2);
    }

    // A burst of receipts (another device of the same user reading 120 conversations) is
    // applied whole, at most a dozen conversations per change batch, so a model never applies
    // hundreds of rows' changes in one event-loop turn.
    void manyReceiptsAreAppliedInSlices()
    {
        constexpr int n = 120;
        QJsonArray convs;
        for (int i = 0; i < n; ++i)
            convs.append(conversation(u"g%1"_s.arg(i), u"group"_s, u"Group %1"_s.arg(i),
                                      {u"alice"_s, u"bob"_s}, {{u"bob"_s, u"hello"_s}}));
        server = std::make_unique<TestServer>(fixture({u"alice"_s, u"bob"_s}, convs));
        QString error;
        QVERIFY2(server->start(&error), qPrintable(error));
        auto laptop = online(u"alice"_s);
        QVERIFY(laptop);
        QTRY_VERIFY_WITH_TIMEOUT(laptop->isCaughtUp(), 20000);
        auto phone = makeEngine(dir(u"phone"_s), server->url(), u"alice"_s);
        QVERIFY(phone);
        connectEngine(*phone, server->url(), u"alice"_s, dir(u"phone"_s));
        QTRY_VERIFY_WITH_TIMEOUT(phone->isCaughtUp(), 20000);
        QCOMPARE(phone->conversations().size(), n);
        QTest::qWait(300); // the catch-ups' own `delivered` echoes are done

        int largest = 0, readUpdates = 0;
        connect(laptop.get(), &SyncEngine::changes, this, [&](const ChangeBatch &b) {
            int here = 0;
            for (const ConversationChange &c : b.conversations)
                if (c.conversation.readSeq == 1)
                    ++here;
            largest = qMax(largest, here);
            readUpdates += here;
        });
        for (const ConversationInfo &c : phone->conversations())
            phone->markRead(c.conversationId, 1);
        QTRY_COMPARE_WITH_TIMEOUT(readUpdates, n, 20000);
        for (const ConversationInfo &c : laptop->conversations()) {
            QCOMPARE(c.readSeq, 1);
            QCOMPARE(c.unreadCount, 0);
        }
        QVERIFY2(largest <= 12, qPrintable(QString::number(largest))); // kSliceConversations
    }

    void sendOfflineThenOnline()
    {
        auto alice = online(u"alice"_s);
        auto bob = online(u"bob"_s);
        QVERIFY(alice && bob);
        const QString conv = alice->findConversation(u"bob"_s)->conversationId;
        alice->disconnectFromServer();
        QTRY_COMPARE(alice->state(), SyncEngine::State::Offline);
        QStringList ids;
        for (int i = 0; i < 3; ++i) {
            auto id = alice->send(conv, u"offline "_s + QString::number(i));
            QVERIFY(id);
            ids.append(id.value());
        }
        QCOMPARE(alice->outbox().size(), 3);
        for (const LocalMessage &m : alice->pendingMessages(conv))
            QCOMPARE(m.state, DeliveryState::Pending);
        QCOMPARE(alice->conversation(conv)->lastMessage.content, u"offline 2"_s);
        connectEngine(*alice, server->url(), u"alice"_s, dir(u"alice"_s));
        QTRY_VERIFY_WITH_TIMEOUT(alice->outbox().isEmpty(), 20000);
        // Sent in outbox order: seqs grow with it.
        qint64 last = 0;
        for (const QString &id : ids) {
            const auto m = alice->message(id);
            QVERIFY(m && m->seq > last);
            last = m->seq;
        }
        QTRY_COMPARE_WITH_TIMEOUT(allMessages(*bob, conv).size(), 4, 20000);
        for (int i = 0; i < 3; ++i)
            QCOMPARE(countContent(allMessages(*bob, conv), u"offline "_s + QString::number(i)), 1);
        QVERIFY(contiguousAscending(allMessages(*bob, conv)));
    }

    void offlineBurstKeepsOrderUnderTheServersRateLimit()
    {
        // The protocol's default limit: 20 sends/s per connection, burst 50.
        server->config().rateLimit = 20;
        QString error;
        QVERIFY2(server->restart(&error), qPrintable(error));
        auto alice = online(u"alice"_s);
        auto bob = online(u"bob"_s);
        QVERIFY(alice && bob);
        const QString conv = alice->findConversation(u"bob"_s)->conversationId;
        alice->disconnectFromServer();
        QTRY_COMPARE(alice->state(), SyncEngine::State::Offline);
        QStringList ids;
        for (int i = 0; i < 120; ++i)
            ids.append(alice->send(conv, u"queued %1"_s.arg(i)).value());
        QSignalSpy failed(alice.get(), &SyncEngine::messageFailed);
        connectEngine(*alice, server->url(), u"alice"_s, dir(u"alice"_s));
        QTRY_VERIFY_WITH_TIMEOUT(alice->outbox().isEmpty(), 60000);
        QCOMPARE(failed.size(), 0);
        qint64 last = 0;
        for (const QString &id : std::as_const(ids)) {
            const auto m = alice->message(id);
            QVERIFY(m);
            QVERIFY2(m->seq > last,
                     qPrintable(u"%1 got seq %2 after %3"_s.arg(m->content).arg(m->seq).arg(last)));
            last = m->seq;
        }
        QTRY_COMPARE_WITH_TIMEOUT(allMessages(*bob, conv).size(), 121, 20000);
        const auto theirs = allMessages(*bob, conv);
        for (int i = 0; i < 120; ++i)
            QCOMPARE(theirs.at(i + 1).content, u"queued %1"_s.arg(i));
    }

    void restartWithNonEmptyOutbox()
    {
        AdminClient admin(server->url());
        QVERIFY(admin.isOpen());
        auto bob = online(u"bob"_s);
        QString conv, localId;
        {
            auto alice = online(u"alice"_s);
            QVERIFY(alice && alice->isOnline());
            conv = alice->findConversation(u"bob"_s)->conversationId;
            QVERIFY(admin.fault(u"alice"_s, 0, 0, /*holdAcks*/ true));
            auto id = alice->send(conv, u"committed but never acked"_s);
            QVERIFY(id);
            localId = id.value();
            // The server committed and routed it; the ack is held back.
            QTRY_COMPARE_WITH_TIMEOUT(
                countContent(allMessages(*bob, conv), u"committed but never acked"_s), 1, 20000);
            QCOMPARE(alice->outbox().size(), 1);
        } // the engine (the app) goes away with the message unacked
        QVERIFY(admin.clearFaults());
        {
            auto offline = makeEngine(dir(u"alice"_s), server->url(), u"alice"_s);
            QVERIFY(offline);
            QCOMPARE(offline->outbox().size(), 1);
            QCOMPARE(offline->outbox().constFirst().localId, localId);
        }
        auto alice = online(u"alice"_s);
        QVERIFY(alice);
        QTRY_VERIFY_WITH_TIMEOUT(alice->outbox().isEmpty(), 20000);
        const auto mine = alice->message(localId);
        QVERIFY(mine && mine->seq > 0);
        QCOMPARE(countContent(allMessages(*alice, conv), u"committed but never acked"_s), 1);
        // Give the resend every chance to have produced a second copy, then check there is none:
        // bob sends a marker after it, and everything before the marker is final.
        auto marker = bob->send(conv, u"marker"_s);
        QVERIFY(marker);
        QTRY_COMPARE_WITH_TIMEOUT(countContent(allMessages(*alice, conv), u"marker"_s), 1, 20000);
        QCOMPARE(countContent(allMessages(*bob, conv), u"committed but never acked"_s), 1);
        QCOMPARE(countContent(allMessages(*alice, conv), u"committed but never acked"_s), 1);
        QVERIFY(contiguousAscending(allMessages(*alice, conv)));
    }

    void duplicateAndOutOfOrderPushes()
    {
        FrameProxy proxy(server->url());
        QList<QJsonObject> held;
        // Every message push is delivered twice, and pairs are swapped.
        proxy.onServerFrame = [&](const QJsonObject &o) -> QList<QJsonObject> {
            if (o.value("type"_L1).toString() != "message"_L1)
                return {o};
            held.append(o);
            if (held.size() < 2)
                return {};
            QList<QJsonObject> out{held.at(1), held.at(0), held.at(1), held.at(0)};
            held.clear();
            return out;
        };
        auto alice = online(u"alice"_s, proxy.url());
        auto bob = online(u"bob"_s);
        QVERIFY(alice && alice->isOnline() && bob);
        ChangeLog log;
        log.attach(*alice);
        const QString conv = bob->findConversation(u"alice"_s)->conversationId;
        for (int i = 0; i < 6; ++i)
            QVERIFY(bob->send(conv, u"burst "_s + QString::number(i)));
        QTRY_COMPARE_WITH_TIMEOUT(allMessages(*alice, conv).size(), 7, 20000);
        const auto ms = allMessages(*alice, conv);
        QVERIFY(contiguousAscending(ms));
        for (int i = 0; i < 6; ++i) {
            QCOMPARE(countContent(ms, u"burst "_s + QString::number(i)), 1);
            QCOMPARE(ms.at(i + 1).content,
                     u"burst "_s + QString::number(i)); // seq order = send order
        }
        QCOMPARE(log.inserted.size(), 6);
        for (auto it = log.inserted.cbegin(); it != log.inserted.cend(); ++it)
            QCOMPARE(it.value(), 1); // never announced twice
        QVERIFY(alice->gaps(conv).isEmpty());
    }

    void droppedPushesLeaveAGapThatIsFilled()
    {
        AdminClient admin(server->url());
        auto alice = online(u"alice"_s);
        auto bob = online(u"bob"_s);
        QVERIFY(admin.isOpen() && alice && bob);
        const QString conv = bob->findConversation(u"alice"_s)->conversationId;
        QVERIFY(admin.fault(u"alice"_s, 1.0)); // every push to alice is lost
        QSignalSpy sent(bob.get(), &SyncEngine::messageSent);
        for (int i = 0; i < 5; ++i)
            QVERIFY(bob->send(conv, u"lost "_s + QString::number(i)));
        QTRY_COMPARE_WITH_TIMEOUT(sent.size(), 5, 20000);
        QVERIFY(admin.clearFaults());
        QHash<qint64, MessageChange::Origin> origins;
        connect(alice.get(), &SyncEngine::changes, this, [&](const ChangeBatch &b) {
            for (const MessageChange &c : b.messages.value(conv))
                if (c.kind == MessageChange::Kind::Inserted)
                    origins.insert(c.message.seq, c.origin);
        });
        QVERIFY(bob->send(conv, u"arrives"_s)); // seq 7 reaches alice: 2..6 is a gap
        QTRY_COMPARE_WITH_TIMEOUT(allMessages(*alice, conv).size(), 7, 20000);
        QVERIFY(alice->gaps(conv).isEmpty());
        QVERIFY(contiguousAscending(allMessages(*alice, conv)));
        QCOMPARE(allMessages(*alice, conv).constLast().content, u"arrives"_s);
        // The change feed says which is news and which was filled in.
        QCOMPARE(origins.value(7), MessageChange::Origin::Push);
        for (qint64 seq = 2; seq <= 6; ++seq)
            QCOMPARE(origins.value(seq, MessageChange::Origin::Local),
                     MessageChange::Origin::History);
    }

    void loadOlderFetchesOnlyWhatIsMissing()
    {
        auto alice = online(u"alice"_s);
        QVERIFY(alice);
        const QString conv = alice->findConversation(u"carol"_s)->conversationId;
        QCOMPARE(alice->conversation(conv)->lastSeq, 120);
        QCOMPARE(alice->messages(conv).size(), 20);
        QCOMPARE(alice->historyState(conv).oldestLoadedSeq, 101);
        QVERIFY(!alice->historyState(conv).atStart);
        QSignalSpy loaded(alice.get(), &SyncEngine::historyLoaded);
        QVERIFY(!alice->loadOlder(conv, 50));
        QVERIFY(alice->historyState(conv).loadingOlder);
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, 20000);
        QCOMPARE(loaded.constFirst().at(1).toBool(), true);
        QCOMPARE(alice->historyState(conv).oldestLoadedSeq, 51);
        QVERIFY(!alice->historyState(conv).loadingOlder);
        const auto page = alice->messages(conv, 101, 50);
        QCOMPARE(page.size(), 50);
        QCOMPARE(page.constFirst().seq, 51);
        QCOMPARE(page.constFirst().content, u"old 51"_s);
        // Already stored: served at once, nothing to wait for.
        QVERIFY(alice->loadOlder(conv, 30, 101));
        // Jump into the middle of what is missing, then load everything.
        QVERIFY(!alice->loadAround(conv, 10, 5));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 2, 20000);
        QCOMPARE(alice->messagesInRange(conv, 5, 15).size(), 11);
        QVERIFY(!alice->loadAll(conv));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 3, 20000);
        QVERIFY(alice->historyState(conv).atStart);
        QVERIFY(alice->gaps(conv).isEmpty());
        QCOMPARE(allMessages(*alice, conv).size(), 120);
        QVERIFY(contiguousAscending(allMessages(*alice, conv)));
    }

    void refusedSendFailsThenRetryOrDiscard()
    {
        auto alice = online(u"alice"_s);
        QVERIFY(alice);
        const QString side = alice->findConversation(u"Side"_s)->conversationId;
        alice->disconnectFromServer();
        QTRY_COMPARE(alice->state(), SyncEngine::State::Offline);
        auto id = alice->send(side, u"too late"_s);
        QVERIFY(id);
        // Alice leaves "Side" from another device meanwhile.
        auto other = makeEngine(dir(u"alice-phone"_s), server->url(), u"alice"_s);
        QVERIFY(other);
        connectEngine(*other, server->url(), u"alice"_s, dir(u"alice-phone"_s));
        QTRY_VERIFY_WITH_TIMEOUT(other->isOnline(), 20000);
        bool left = false;
        other->leaveConversation(side, this, [&](const Status &s) { left = s.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(left, 20000);

        QSignalSpy failed(alice.get(), &SyncEngine::messageFailed);
        connectEngine(*alice, server->url(), u"alice"_s, dir(u"alice"_s));
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 20000);
        auto m = alice->message(id.value());
        QVERIFY(m);
        QCOMPARE(m->state, DeliveryState::Failed);
        QVERIFY(m->errorCode == u"forbidden"_s || m->errorCode == u"not_found"_s);
        QVERIFY(alice->retry(id.value()));
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 2, 20000);
        QVERIFY(alice->discard(id.value()));
        QVERIFY(alice->outbox().isEmpty());
        QVERIFY(!alice->message(id.value()));
        QCOMPARE(alice->discard(id.value()).error().code, Error::Code::NotFound);
    }

    void invalidInputIsRefusedAsAValue()
    {
        auto alice = makeEngine(dir(u"alice"_s), server->url(), u"alice"_s);
        QVERIFY(alice);
        QCOMPARE(alice->send(u"nope"_s, u"x"_s).error().code, Error::Code::NotFound);
        auto alice2 = online(u"alice"_s);
        const QString conv = alice2->findConversation(u"bob"_s)->conversationId;
        QCOMPARE(alice2->send(conv, u"   \n"_s).error().code, Error::Code::InvalidInput);
        QCOMPARE(alice2->send(conv, QString(4001, u'x')).error().code, Error::Code::InvalidInput);
        QVERIFY(alice2->send(conv, QString(4000, u'x')));
        QVERIFY(alice2->outbox().size() <= 1);
    }

    // The requesting device gets the `conversation` answer instead of the push: it must be
    // stored at once (no wait for the next sync), for add_members and for leave.
    void addMembersAndLeaveUpdateTheStoreAtOnce()
    {
        auto alice = online(u"alice"_s);
        QVERIFY(alice);
        QString bobId, carolId;
        for (const MemberInfo &m :
             alice->members(alice->findConversation(u"Team"_s)->conversationId)) {
            if (m.username == "bob"_L1)
                bobId = m.userId;
            if (m.username == "carol"_L1)
                carolId = m.userId;
        }
        QVERIFY(!bobId.isEmpty() && !carolId.isEmpty());
        std::optional<Expected<ConversationInfo>> created;
        alice->createConversation(true, u"AddLeave"_s, {bobId}, this,
                                  [&](const Expected<ConversationInfo> &r) { created = r; });
        QTRY_VERIFY_WITH_TIMEOUT(created.has_value(), 20000);
        QVERIFY(created->ok());
        const QString conv = created->value().conversationId;
        auto hasMember = [&](const QString &id) {
            for (const MemberInfo &m : alice->members(conv))
                if (m.userId == id)
                    return true;
            return false;
        };
        QVERIFY(!hasMember(carolId));
        std::optional<bool> added;
        bool carolThere = false;
        alice->addMembers(conv, {carolId}, this, [&](const Status &st) {
            added = bool(st);
            carolThere = hasMember(carolId); // checked inside the callback: no sync since
        });
        QTRY_VERIFY_WITH_TIMEOUT(added.has_value(), 20000);
        QVERIFY(*added);
        QVERIFY(carolThere);
        std::optional<bool> left;
        bool aliceGone = false;
        alice->leaveConversation(conv, this, [&](const Status &st) {
            left = bool(st);
            aliceGone = !hasMember(alice->currentUser().userId);
        });
        QTRY_VERIFY_WITH_TIMEOUT(left.has_value(), 20000);
        QVERIFY(*left);
        QVERIFY(aliceGone);
    }

    void createConversationAndSearchUsers()
    {
        auto alice = online(u"alice"_s);
        auto carol = online(u"carol"_s);
        QVERIFY(alice && carol);
        std::optional<Expected<QList<UserInfo>>> found;
        alice->searchUsers(u"car"_s, 10, this,
                           [&](const Expected<QList<UserInfo>> &r) { found = r; });
        QTRY_VERIFY_WITH_TIMEOUT(found.has_value(), 20000);
        QVERIFY(found->ok());
        QCOMPARE(found->value().size(), 1);
        QCOMPARE(found->value().constFirst().username, u"carol"_s);
        const QString carolId = found->value().constFirst().userId;

        QSignalSpy batches(carol.get(), &SyncEngine::changes);
        std::optional<Expected<ConversationInfo>> created;
        alice->createConversation(true, u"Fresh"_s, {carolId}, this,
                                  [&](const Expected<ConversationInfo> &r) { created = r; });
        QTRY_VERIFY_WITH_TIMEOUT(created.has_value(), 20000);
        QVERIFY(created->ok());
        const ConversationInfo conv = created->value();
        QVERIFY(conv.group);
        QCOMPARE(conv.title, u"Fresh"_s);
        QCOMPARE(conv.members.size(), 2);
        QVERIFY(alice->findConversation(u"Fresh"_s));
        // Carol learns about it by push, as an Inserted conversation.
        QTRY_VERIFY_WITH_TIMEOUT(carol->findConversation(u"Fresh"_s).has_value(), 20000);
        bool inserted = false;
        for (const auto &args : batches)
            for (const ConversationChange &c : args.at(0).value<ChangeBatch>().conversations)
                if (c.conversation.conversationId == conv.conversationId
                    && c.kind == ConversationChange::Kind::Inserted)
                    inserted = true;
        QVERIFY(inserted);
        QVERIFY(carol->send(conv.conversationId, u"thanks"_s));
        QTRY_COMPARE_WITH_TIMEOUT(
            countContent(allMessages(*alice, conv.conversationId), u"thanks"_s), 1, 20000);
        // Offline, a request fails at once with Offline.
        alice->disconnectFromServer();
        std::optional<Expected<QList<UserInfo>>> offline;
        alice->searchUsers(u"car"_s, 10, this,
                           [&](const Expected<QList<UserInfo>> &r) { offline = r; });
        QTRY_VERIFY(offline.has_value());
        QCOMPARE(offline->error().code, Error::Code::Offline);
    }

    void changeFeedKeepsLocalIdFromPendingToSent()
    {
        auto alice = online(u"alice"_s);
        QVERIFY(alice);
        const QString conv = alice->findConversation(u"bob"_s)->conversationId;
        QList<MessageChange> seen;
        connect(alice.get(), &SyncEngine::changes, this,
                [&](const ChangeBatch &b) { seen.append(b.messages.value(conv)); });
        auto id = alice->send(conv, u"watch me"_s);
        QVERIFY(id);
        QVERIFY(!seen.isEmpty()); // announced synchronously, before any network
        QCOMPARE(seen.constFirst().kind, MessageChange::Kind::Inserted);
        QCOMPARE(seen.constFirst().message.localId, id.value());
        QCOMPARE(seen.constFirst().message.state, DeliveryState::Pending);
        QCOMPARE(seen.constFirst().message.seq, 0);
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(seen.cbegin(), seen.cend(),
                                             [&](const MessageChange &c) {
                                                 return c.kind == MessageChange::Kind::Updated
                                                        && c.message.localId == id.value()
                                                        && c.message.seq > 0;
                                             }),
                                 20000);
        for (const MessageChange &c : seen)
            QVERIFY(c.kind != MessageChange::Kind::Inserted || c.message.localId != id.value()
                    || c.message.seq == 0); // never inserted a second time
    }

    void serverReplacedWithFreshDataResetsTheCache()
    {
        auto alice = online(u"alice"_s);
        QVERIFY(alice);
        const QString oldConv = alice->findConversation(u"bob"_s)->conversationId;
        const quint16 port = quint16(server->url().port());
        server.reset();
        QTRY_VERIFY_WITH_TIMEOUT(!alice->isOnline(), 20000);
        // A new server with other data on the same address: same usernames, new ids.
        server = std::make_unique<TestServer>(
            fixture({u"alice"_s, u"bob"_s},
                    QJsonArray{conversation(u"x"_s, u"direct"_s, {}, {u"alice"_s, u"bob"_s},
                                            {{u"bob"_s, u"new world"_s}})}));
        server->config().port = port;
        QString error;
        QVERIFY2(server->start(&error), qPrintable(error));
        QSignalSpy batches(alice.get(), &SyncEngine::changes);
        QTRY_VERIFY_WITH_TIMEOUT(alice->isOnline(), 30000);
        QCOMPARE(alice->conversations().size(), 1);
        const auto conv = alice->findConversation(u"bob"_s);
        QVERIFY(conv && conv->conversationId != oldConv);
        QCOMPARE(alice->messages(conv->conversationId).constFirst().content, u"new world"_s);
        bool removed = false;
        for (const auto &args : batches)
            for (const ConversationChange &c : args.at(0).value<ChangeBatch>().conversations)
                if (c.kind == ConversationChange::Kind::Removed
                    && c.conversation.conversationId == oldConv)
                    removed = true;
        QVERIFY(removed);
    }

    void logoutRevokesTheToken()
    {
        auto alice = online(u"alice"_s);
        QVERIFY(alice);
        const QString token = alice->token();
        QVERIFY(!token.isEmpty());
        std::optional<Status> done;
        alice->logout(this, [&](const Status &s) { done = s; });
        QTRY_VERIFY_WITH_TIMEOUT(done.has_value(), 20000);
        QVERIFY(done->ok());
        QCOMPARE(alice->state(), SyncEngine::State::Offline);
        QVERIFY(!alice->connection()->reconnectPending());
        // The old token no longer opens a session.
        QSignalSpy failed(alice.get(), &SyncEngine::authFailed);
        chat::net::Credentials byToken;
        byToken.username = u"alice"_s;
        byToken.token = token;
        alice->connectToServer(byToken);
        QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 20000);
        QVERIFY(!alice->isOnline());
    }

    void typingAndPresence()
    {
        auto alice = online(u"alice"_s);
        auto bob = online(u"bob"_s);
        QVERIFY(alice && bob);
        const QString conv = bob->findConversation(u"alice"_s)->conversationId;
        const QString bobId = bob->currentUserId();
        QTRY_VERIFY_WITH_TIMEOUT(alice->presence(bobId).online, 20000);
        QSignalSpy typing(alice.get(), &SyncEngine::typingChanged);
        bob->setTyping(conv, true);
        QTRY_COMPARE_WITH_TIMEOUT(alice->typingUsers(conv), QStringList{bobId}, 20000);
        bob->setTyping(conv, false);
        QTRY_VERIFY_WITH_TIMEOUT(alice->typingUsers(conv).isEmpty(), 20000);
        // An indicator that is never switched off expires by itself (6 s).
        bob->setTyping(conv, true);
        QTRY_COMPARE_WITH_TIMEOUT(alice->typingUsers(conv), QStringList{bobId}, 20000);
        bob.reset(); // gone without saying "stopped"
        QTRY_VERIFY_WITH_TIMEOUT(alice->typingUsers(conv).isEmpty(), 20000);
    }

    void serverRestartIsSurvived()
    {
        auto alice = online(u"alice"_s);
        auto bob = online(u"bob"_s);
        QVERIFY(alice && bob);
        const QString conv = alice->findConversation(u"bob"_s)->conversationId;
        server->stop();
        QTRY_VERIFY_WITH_TIMEOUT(!alice->isOnline(), 20000);
        QVERIFY(alice->send(conv, u"during restart"_s));
        QString error;
        QVERIFY2(server->restart(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(alice->isOnline() && alice->outbox().isEmpty(), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(countContent(allMessages(*bob, conv), u"during restart"_s), 1,
                                  20000);
    }
};

QTEST_GUILESS_MAIN(TestEngine)
#include "tst_engine.moc"
