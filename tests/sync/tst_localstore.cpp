// LocalStore on real SQLite files: migrations, explicit ranges and gaps, duplicates,
// outbox durability across reopen, acks, transactions that roll back.
#include "sync/localstore.h"

#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace chat::sync;
using chat::proto::Conversation;
using chat::proto::ConversationKind;
using chat::proto::Member;
using chat::proto::Message;

namespace {
const QString me = u"u-me"_s;
const QString bob = u"u-bob"_s;

Message msg(const QString &conv, qint64 seq, const QString &sender = bob, const QString &cmid = {})
{
    Message m;
    m.conversationId = conv;
    m.seq = seq;
    m.messageId = conv + u"-m"_s + QString::number(seq);
    m.senderId = sender;
    m.clientMsgId = cmid.isEmpty() ? u"c"_s + QString::number(seq) : cmid;
    m.content = u"text "_s + QString::number(seq);
    m.ts = 1000 + seq;
    return m;
}

Conversation conv(const QString &id, qint64 lastSeq)
{
    Conversation c;
    c.conversationId = id;
    c.kind = ConversationKind::Direct;
    c.lastSeq = lastSeq;
    c.members = {Member{me, 0, 0, chat::proto::Role::Member},
                 Member{bob, 0, 0, chat::proto::Role::Member}};
    return c;
}

std::unique_ptr<LocalStore> openStore(const QString &path)
{
    auto s = LocalStore::open(path);
    if (!s) {
        qWarning() << s.error().message;
        return nullptr;
    }
    return std::move(s).value();
}
// The list (conversations(), read from conversation_last) must say what conversation() says
// (read from messages) about every conversation.
bool listAgreesWithMessages(const LocalStore &s, const QString &myUserId)
{
    const QList<ConversationInfo> all = s.conversations(myUserId);
    for (const ConversationInfo &l : all) {
        const auto c = s.conversation(l.conversationId, myUserId);
        if (!c || c->hasLastMessage != l.hasLastMessage || c->unreadCount != l.unreadCount
            || c->lastActivityTs != l.lastActivityTs || c->readSeq != l.readSeq
            || c->lastMessage.seq != l.lastMessage.seq
            || c->lastMessage.content != l.lastMessage.content
            || c->lastMessage.localId != l.lastMessage.localId
            || c->lastMessage.messageId != l.lastMessage.messageId
            || c->lastMessage.senderId != l.lastMessage.senderId
            || c->lastMessage.outgoing != l.lastMessage.outgoing
            || c->lastMessage.state != l.lastMessage.state) {
            qWarning() << "the list disagrees about" << l.conversationId
                       << "list:" << l.lastMessage.seq << l.lastMessage.content << l.unreadCount
                       << "messages:" << (c ? c->lastMessage.seq : -1)
                       << (c ? c->lastMessage.content : QString()) << (c ? c->unreadCount : -1);
            return false;
        }
    }
    return true;
}
} // namespace

class TestLocalStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void migratesAndIsPrivate()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"sub/store.sqlite"_s);
        {
            auto s = openStore(path);
            QVERIFY(s);
            QVERIFY(LocalStore::latestSchemaVersion() >= 1);
            QCOMPARE(s->schemaVersion(), LocalStore::latestSchemaVersion());
        }
        QCOMPARE(QFileInfo(path).permissions()
                     & (QFileDevice::ReadGroup | QFileDevice::ReadOther | QFileDevice::WriteGroup
                        | QFileDevice::WriteOther),
                 QFileDevice::Permissions());
        // Reopening applies nothing twice.
        auto again = openStore(path);
        QVERIFY(again);
        QCOMPARE(again->schemaVersion(), LocalStore::latestSchemaVersion());
        QSqlQuery q(QSqlDatabase::database(again->connectionName()));
        QVERIFY(q.exec(u"PRAGMA journal_mode"_s) && q.next());
        QCOMPARE(q.value(0).toString().toLower(), u"wal"_s);
    }

    void refusesNewerSchema()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"store.sqlite"_s);
        {
            auto s = openStore(path);
            QVERIFY(s);
            QSqlQuery q(QSqlDatabase::database(s->connectionName()));
            QVERIFY(q.exec(u"PRAGMA user_version = 999"_s));
        }
        auto s = LocalStore::open(path);
        QVERIFY(!s);
        QVERIFY(s.error().message.contains(u"newer"_s));
    }

    void rangesMergeAndGapsAreExplicit()
    {
        QTemporaryDir dir;
        auto s = openStore(dir.filePath(u"s.sqlite"_s));
        QVERIFY(s);
        QVERIFY(s->upsertConversation(conv(u"c1"_s, 20), me));
        QCOMPARE(s->gaps(u"c1"_s), (QList<SeqRange>{{1, 20}}));
        auto r = s->insertMessages({msg(u"c1"_s, 18), msg(u"c1"_s, 19), msg(u"c1"_s, 20)}, me);
        QVERIFY(r);
        QCOMPARE(r.value().inserted.size(), 3);
        QCOMPARE(s->ranges(u"c1"_s), (QList<SeqRange>{{18, 20}}));
        QVERIFY(s->insertMessages({msg(u"c1"_s, 5), msg(u"c1"_s, 6), msg(u"c1"_s, 10)}, me));
        QCOMPARE(s->ranges(u"c1"_s), (QList<SeqRange>{{5, 6}, {10, 10}, {18, 20}}));
        QCOMPARE(s->gaps(u"c1"_s), (QList<SeqRange>{{11, 17}, {7, 9}, {1, 4}}));
        // Filling 7..9 joins three ranges into one.
        QVERIFY(s->insertMessages({msg(u"c1"_s, 9), msg(u"c1"_s, 7), msg(u"c1"_s, 8)}, me));
        QCOMPARE(s->ranges(u"c1"_s), (QList<SeqRange>{{5, 10}, {18, 20}}));
        // A push beyond last_seq raises it and opens a gap at the top.
        QVERIFY(s->insertMessages({msg(u"c1"_s, 23)}, me));
        QCOMPARE(s->gaps(u"c1"_s).constFirst(), (SeqRange{21, 22}));
        QCOMPARE(s->conversation(u"c1"_s, me)->lastSeq, 23);
        // Contiguous reads stop at gaps.
        const auto newest = s->messages(u"c1"_s, 0, 10, me);
        QCOMPARE(newest.size(), 1);
        QCOMPARE(newest.constFirst().seq, 23);
        const auto page = s->messages(u"c1"_s, 21, 10, me);
        QCOMPARE(page.size(), 3);
        QCOMPARE(page.constFirst().seq, 18);
        const auto older = s->messages(u"c1"_s, 10, 3, me);
        QCOMPARE(older.size(), 3);
        QCOMPARE(older.constFirst().seq, 7);
        QCOMPARE(older.constLast().seq, 9);
    }

    void duplicatesAreDropped()
    {
        QTemporaryDir dir;
        auto s = openStore(dir.filePath(u"s.sqlite"_s));
        QVERIFY(s);
        QVERIFY(s->upsertConversation(conv(u"c1"_s, 3), me));
        QVERIFY(s->insertMessages({msg(u"c1"_s, 1), msg(u"c1"_s, 2)}, me));
        auto r = s->insertMessages({msg(u"c1"_s, 2), msg(u"c1"_s, 2), msg(u"c1"_s, 3)}, me);
        QVERIFY(r);
        QCOMPARE(r.value().inserted.size(), 1);
        QCOMPARE(r.value().duplicates, 2);
        QCOMPARE(s->messageCount(u"c1"_s), 3);
        QCOMPARE(s->ranges(u"c1"_s), (QList<SeqRange>{{1, 3}}));
    }

    void outboxSurvivesReopenInOrder()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"s.sqlite"_s);
        QStringList ids;
        {
            auto s = openStore(path);
            QVERIFY(s);
            QVERIFY(s->upsertConversation(conv(u"c1"_s, 0), me));
            for (int i = 0; i < 5; ++i) {
                auto e = s->enqueue(u"c1"_s, u"hello "_s + QString::number(i), 100 + i, me);
                QVERIFY(e);
                QCOMPARE(e.value().state, DeliveryState::Pending);
                QCOMPARE(QUuid::fromString(e.value().clientMsgId).isNull(), false);
                ids.append(e.value().clientMsgId);
            }
            QVERIFY(s->markFailed(ids.at(1), u"forbidden"_s, u"no"_s));
        } // closed without any explicit flush: every enqueue was its own commit
        auto s = openStore(path);
        QVERIFY(s);
        const auto rows = s->outbox();
        QCOMPARE(rows.size(), 5);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(rows.at(i).clientMsgId, ids.at(i));
            QCOMPARE(rows.at(i).content, u"hello "_s + QString::number(i));
        }
        QCOMPARE(rows.at(1).state, DeliveryState::Failed);
        QCOMPARE(rows.at(1).errorCode, u"forbidden"_s);
        QVERIFY(s->markPending(ids.at(1)));
        QCOMPARE(s->outboxEntry(ids.at(1))->state, DeliveryState::Pending);
    }

    void ackMovesOutboxRowToMessages()
    {
        QTemporaryDir dir;
        auto s = openStore(dir.filePath(u"s.sqlite"_s));
        QVERIFY(s);
        QVERIFY(s->upsertConversation(conv(u"c1"_s, 0), me));
        auto e = s->enqueue(u"c1"_s, u"hi"_s, 100, me);
        QVERIFY(e);
        const QString cmid = e.value().clientMsgId;
        LocalStore::Transaction tx(*s);
        QVERIFY(tx.begin());
        auto acked = s->applyAck(cmid, u"c1"_s, u"m1"_s, 1, 555, me);
        QVERIFY(acked);
        QVERIFY(acked.value().has_value());
        QVERIFY(tx.commit());
        QCOMPARE(acked.value()->localId, cmid);
        QCOMPARE(acked.value()->seq, 1);
        QCOMPARE(acked.value()->state, DeliveryState::Sent);
        QVERIFY(s->outbox().isEmpty());
        QCOMPARE(s->messageByLocalId(cmid, me)->content, u"hi"_s);
        // A second (duplicate) ack changes nothing.
        auto again = s->applyAck(cmid, u"c1"_s, u"m1"_s, 1, 555, me);
        QVERIFY(again);
        QVERIFY(!again.value().has_value());
        QCOMPARE(s->messageCount(), 1);
    }

    void ownPushConfirmsOutboxRow()
    {
        QTemporaryDir dir;
        auto s = openStore(dir.filePath(u"s.sqlite"_s));
        QVERIFY(s);
        QVERIFY(s->upsertConversation(conv(u"c1"_s, 0), me));
        auto e = s->enqueue(u"c1"_s, u"hi"_s, 100, me);
        QVERIFY(e);
        // The push of our own message overtakes the ack.
        auto r = s->insertMessages({msg(u"c1"_s, 1, me, e.value().clientMsgId)}, me);
        QVERIFY(r);
        QCOMPARE(r.value().inserted.size(), 0);
        QCOMPARE(r.value().confirmed.size(), 1);
        QCOMPARE(r.value().confirmed.constFirst().localId, e.value().clientMsgId);
        QVERIFY(s->outbox().isEmpty());
        auto acked = s->applyAck(e.value().clientMsgId, u"c1"_s, u"c1-m1"_s, 1, 1001, me);
        QVERIFY(acked);
        QVERIFY(!acked.value().has_value());
        QCOMPARE(s->messageCount(), 1);
    }

    void uncommittedTransactionRollsBack()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"s.sqlite"_s);
        auto s = openStore(path);
        QVERIFY(s);
        QVERIFY(s->upsertConversation(conv(u"c1"_s, 5), me));
        {
            LocalStore::Transaction tx(*s);
            QVERIFY(tx.begin());
            QVERIFY(s->insertMessages({msg(u"c1"_s, 1), msg(u"c1"_s, 2)}, me));
            QVERIFY(s->setMeta(u"sync_token"_s, u"t1"_s));
            LocalStore::Transaction nested(*s);
            QVERIFY(!nested.begin()); // nesting is refused, as a value
        }                             // no commit
        QCOMPARE(s->messageCount(), 0);
        QVERIFY(s->ranges(u"c1"_s).isEmpty());
        QVERIFY(s->meta(u"sync_token"_s).isEmpty());
    }

    void watermarksOnlyMoveForwardAndDriveState()
    {
        QTemporaryDir dir;
        auto s = openStore(dir.filePath(u"s.sqlite"_s));
        QVERIFY(s);
        Conversation c = conv(u"g"_s, 0);
        c.kind = ConversationKind::Group;
        c.members.append(Member{u"u-carol"_s, 0, 0, chat::proto::Role::Member});
        QVERIFY(s->upsertConversation(c, me));
        QVERIFY(s->insertMessages({msg(u"g"_s, 1, me), msg(u"g"_s, 2, me)}, me));
        QVERIFY(s->raiseWatermarks(u"g"_s, bob, 2, 1));
        auto m1 = s->messagesInRange(u"g"_s, 1, 1, me).constFirst();
        QCOMPARE(m1.state, DeliveryState::Sent);
        QCOMPARE(m1.deliveredCount, 1);
        QCOMPARE(m1.readCount, 1);
        QCOMPARE(m1.otherMembers, 2);
        QVERIFY(s->raiseWatermarks(u"g"_s, u"u-carol"_s, 0, 2)); // read implies delivered
        m1 = s->messagesInRange(u"g"_s, 1, 1, me).constFirst();
        QCOMPARE(m1.state, DeliveryState::Read);
        auto m2 = s->messagesInRange(u"g"_s, 2, 2, me).constFirst();
        QCOMPARE(m2.state, DeliveryState::Delivered);
        QCOMPARE(m2.readCount, 1);
        // Lower values are ignored.
        auto prev = s->raiseWatermarks(u"g"_s, bob, 0, 0);
        QVERIFY(prev);
        QCOMPARE(prev.value(), (QPair<qint64, qint64>{2, 1}));
        QCOMPARE(s->messagesInRange(u"g"_s, 1, 1, me).constFirst().state, DeliveryState::Read);
    }

    // Protocol additions, "sending reads": storing a message raises its sender's watermarks
    // to it, so a reply clears the sender's unread and counts as read in others' ticks.
    void sendingReadsRaisesTheSendersWatermarks()
    {
        QTemporaryDir dir;
        auto s = openStore(dir.filePath(u"s.sqlite"_s));
        QVERIFY(s);
        Conversation c = conv(u"g"_s, 0);
        c.kind = ConversationKind::Group;
        c.members.append(Member{u"u-carol"_s, 0, 0, chat::proto::Role::Member});
        QVERIFY(s->upsertConversation(c, me));
        QVERIFY(s->insertMessages({msg(u"g"_s, 1, bob), msg(u"g"_s, 2, me)}, me));
        // My own reply at 2 means I have read bob's 1.
        QCOMPARE(s->conversation(u"g"_s, me)->unreadCount, 0);
        auto ins = s->insertMessages({msg(u"g"_s, 3, u"u-carol"_s)}, me);
        QVERIFY(ins);
        QCOMPARE(s->conversation(u"g"_s, me)->unreadCount, 1);
        // Carol posted after my message 2: she has read it; bob has not.
        QVERIFY(ins.value().tickRanges.contains(u"g"_s));
        const SeqRange r = ins.value().tickRanges.value(u"g"_s);
        QVERIFY(r.first <= 2 && r.second >= 2);
        const auto m2 = s->messagesInRange(u"g"_s, 2, 2, me).constFirst();
        QCOMPARE(m2.readCount, 1);
        QCOMPARE(m2.state, DeliveryState::Sent); // bob's delivered_seq is 1 < 2
        bool sawBob = false;
        for (const MemberInfo &mi : s->members(u"g"_s)) {
            if (mi.userId == bob) {
                sawBob = true;
                QCOMPARE(mi.readSeq, 1);
                QCOMPARE(mi.deliveredSeq, 1);
            }
        }
        QVERIFY(sawBob);
        // Never lowers: an older message from carol arriving late changes nothing.
        auto late = s->insertMessages({msg(u"g"_s, 1, u"u-carol"_s)}, me); // duplicate seq
        QVERIFY(late);
        QVERIFY(late.value().tickRanges.isEmpty());
    }

    void ownReadWatermarkIsMonotonic()
    {
        QTemporaryDir dir;
        auto s = openStore(dir.filePath(u"s.sqlite"_s));
        QVERIFY(s);
        QVERIFY(s->upsertConversation(conv(u"c1"_s, 10), me));
        QCOMPARE(s->conversation(u"c1"_s, me)->unreadCount, 10);
        QCOMPARE(s->raiseOwnRead(u"c1"_s, 4).value(), true);
        QCOMPARE(s->raiseOwnRead(u"c1"_s, 3).value(), false);
        QCOMPARE(s->conversation(u"c1"_s, me)->unreadCount, 6);
        QCOMPARE(s->unsentReads(), (QList<QPair<QString, qint64>>{{u"c1"_s, 4}}));
        QVERIFY(s->setOwnReadSent(u"c1"_s, 4));
        QVERIFY(s->unsentReads().isEmpty());
    }

    // The StoreWriter's situation: a second connection writes pages while the first reads,
    // queues outbox rows and writes small transactions of its own.
    void secondConnectionWritesAndTheFirstSeesItAfterRefresh()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"s.sqlite"_s);
        auto a = openStore(path);
        QVERIFY(a);
        auto opened = LocalStore::openConnection(path);
        QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
        auto b = std::move(opened).value();
        QVERIFY(!LocalStore::openConnection(dir.filePath(u"missing.sqlite"_s)));
        QVERIFY(a->upsertConversation(conv(u"c1"_s, 10), me));
        QCOMPARE(a->maxStoredSeq(u"c1"_s), 0); // a read left open on `a`
        {
            LocalStore::Transaction tx(*b);
            QVERIFY(tx.begin());
            auto r = b->insertMessages({msg(u"c1"_s, 3), msg(u"c1"_s, 1), msg(u"c1"_s, 2)}, me);
            QVERIFY(r);
            // Results come in seq order whatever order the rows were written in.
            QCOMPARE(r.value().inserted.size(), 3);
            QCOMPARE(r.value().inserted.at(0).seq, 1);
            QCOMPARE(r.value().inserted.at(2).seq, 3);
            QVERIFY(tx.commit());
        }
        a->refresh();
        QCOMPARE(a->maxStoredSeq(u"c1"_s), 3);
        QCOMPARE(a->ranges(u"c1"_s), (QList<SeqRange>{{1, 3}}));
        // `a` writes after `b` committed behind a read of its own: ranges merge across both.
        QCOMPARE(a->messageCount(u"c1"_s), 3);
        {
            LocalStore::Transaction tx(*b);
            QVERIFY(tx.begin());
            QVERIFY(b->insertMessages({msg(u"c1"_s, 4)}, me));
            QVERIFY(tx.commit());
        }
        {
            LocalStore::Transaction tx(*a);
            QVERIFY(tx.begin());
            QVERIFY(a->insertMessages({msg(u"c1"_s, 5)}, me));
            QVERIFY(tx.commit());
        }
        QCOMPARE(a->ranges(u"c1"_s), (QList<SeqRange>{{1, 5}}));
        // An autocommit write on `a` after `b` committed behind an open read.
        QCOMPARE(a->messageCount(u"c1"_s), 5);
        {
            LocalStore::Transaction tx(*b);
            QVERIFY(tx.begin());
            QVERIFY(b->insertMessages({msg(u"c1"_s, 6)}, me));
            QVERIFY(tx.commit());
        }
        QVERIFY(a->enqueue(u"c1"_s, u"queued"_s, 2000, me));
        QVERIFY(a->setDraft(u"c1"_s, u"draft"_s));
        b->refresh();
        QCOMPARE(b->outbox().size(), 1);
        QCOMPARE(b->messageCount(u"c1"_s), 6);
        // The cache runs at synchronous=NORMAL; the outbox write switched to FULL and back.
        QSqlQuery q(QSqlDatabase::database(a->connectionName()));
        QVERIFY(q.exec(u"PRAGMA synchronous"_s) && q.next());
        QCOMPARE(q.value(0).toInt(), 1);
        q.finish();
        // conversations() (one batch of queries) agrees with conversation() (one at a time).
        QVERIFY(a->upsertConversation(conv(u"c2"_s, 0), me));
        const auto all = a->conversations(me);
        QCOMPARE(all.size(), 2);
        for (const ConversationInfo &c : all) {
            const auto one = a->conversation(c.conversationId, me);
            QVERIFY(one);
            QCOMPARE(c.lastSeq, one->lastSeq);
            QCOMPARE(c.unreadCount, one->unreadCount);
            QCOMPARE(c.pendingCount, one->pendingCount);
            QCOMPARE(c.hasLastMessage, one->hasLastMessage);
            QCOMPARE(c.lastMessage.localId, one->lastMessage.localId);
            QCOMPARE(c.lastMessage.state, one->lastMessage.state);
            QCOMPARE(c.members.size(), one->members.size());
            QCOMPARE(c.displayTitle, one->displayTitle);
            QCOMPARE(c.lastActivityTs, one->lastActivityTs);
            QCOMPARE(c.readSeq, one->readSeq);
        }
        QCOMPARE(all.constFirst().conversationId, u"c1"_s); // most recently active first
        QCOMPARE(all.constFirst().pendingCount, 1);
    }

    void conversationListShowsTheNewestMessage()
    {
        // The list reads each conversation's newest message from conversation_last (migration
        // 006), which insertMessages() keeps: newer pages move it, history pages do not, an
        // ack or an own push puts the sent message there, clearCache() empties it.
        QTemporaryDir dir;
        auto s = openStore(dir.filePath(u"s.sqlite"_s));
        QVERIFY(s);
        QVERIFY(s->upsertConversation(conv(u"c1"_s, 10), me));
        QVERIFY(s->upsertConversation(conv(u"c2"_s, 0), me));
        QVERIFY(s->insertMessages({msg(u"c1"_s, 9), msg(u"c1"_s, 10), msg(u"c1"_s, 8)}, me));
        QVERIFY(listAgreesWithMessages(*s, me));
        auto list = s->conversations(me);
        QCOMPARE(list.size(), 2);
        QCOMPARE(list.at(0).conversationId, u"c1"_s);
        QCOMPARE(list.at(0).lastMessage.seq, 10);
        QCOMPARE(list.at(0).lastMessage.content, u"text 10"_s);
        QCOMPARE(list.at(0).unreadCount, 10);
        QVERIFY(!list.at(1).hasLastMessage); // c2: nothing stored
        // History (older) changes nothing; a page with a duplicate and a newer one moves it.
        QVERIFY(s->insertMessages({msg(u"c1"_s, 1), msg(u"c1"_s, 2)}, me));
        QCOMPARE(s->conversations(me).at(0).lastMessage.seq, 10);
        QVERIFY(s->insertMessages({msg(u"c1"_s, 10), msg(u"c1"_s, 12, me)}, me));
        list = s->conversations(me);
        QCOMPARE(list.at(0).lastMessage.seq, 12);
        QVERIFY(list.at(0).lastMessage.outgoing);
        // Sending reads: our message at 12 raised our watermark; nothing is unread.
        QCOMPARE(list.at(0).unreadCount, 0);
        QVERIFY(listAgreesWithMessages(*s, me));
        // Unread above the watermark minus our own messages there.
        QVERIFY(s->insertMessages({msg(u"c1"_s, 13), msg(u"c1"_s, 15)}, me));
        QVERIFY(s->raiseLastSeq(u"c1"_s, 15));
        QCOMPARE(s->conversations(me).at(0).unreadCount, 3);
        QVERIFY(listAgreesWithMessages(*s, me));
        // An ack: the sent message becomes the newest, under its outbox local id.
        auto e = s->enqueue(u"c2"_s, u"hello c2"_s, 5000, me);
        QVERIFY(e);
        QVERIFY(s->applyAck(e.value().clientMsgId, u"c2"_s, u"c2-m1"_s, 1, 5001, me));
        list = s->conversations(me);
        QCOMPARE(list.at(0).conversationId, u"c2"_s); // the newest activity first
        QCOMPARE(list.at(0).lastMessage.content, u"hello c2"_s);
        QCOMPARE(list.at(0).lastMessage.localId, e.value().clientMsgId);
        QCOMPARE(list.at(0).pendingCount, 0);
        QVERIFY(listAgreesWithMessages(*s, me));
        // The same after a reopen.
        s.reset();
        s = openStore(dir.filePath(u"s.sqlite"_s));
        QVERIFY(s);
        QVERIFY(listAgreesWithMessages(*s, me));
        // clearCache() forgets it with the messages; what is stored after shows again.
        QVERIFY(s->clearCache());
        QVERIFY(s->conversations(me).isEmpty());
        QVERIFY(s->insertMessages({msg(u"c1"_s, 3)}, me));
        list = s->conversations(me);
        QCOMPARE(list.size(), 1);
        QCOMPARE(list.at(0).lastMessage.seq, 3);
        QVERIFY(listAgreesWithMessages(*s, me));
    }

    void migrationFillsConversationLastForExistingStores()
    {
        // A store from before migration 006 (schema 5: no conversation_last) holding
        // messages: the migration writes each conversation's newest message.
        QTemporaryDir dir;
        const QString path = dir.filePath(u"s.sqlite"_s);
        QList<ConversationInfo> before;
        {
            auto s = openStore(path);
            QVERIFY(s);
            QVERIFY(s->upsertConversation(conv(u"c1"_s, 3), me));
            QVERIFY(s->upsertConversation(conv(u"c2"_s, 2), me));
            QVERIFY(s->upsertConversation(conv(u"c3"_s, 0), me));
            QVERIFY(s->insertMessages({msg(u"c1"_s, 1), msg(u"c1"_s, 3, me), msg(u"c2"_s, 2)}, me));
            before = s->conversations(me);
            QSqlQuery q(QSqlDatabase::database(s->connectionName()));
            QVERIFY(q.exec(u"DROP TABLE conversation_last"_s));
            QVERIFY(q.exec(u"PRAGMA user_version = 5"_s));
        }
        auto s = openStore(path);
        QVERIFY(s);
        QCOMPARE(s->schemaVersion(), LocalStore::latestSchemaVersion());
        const QList<ConversationInfo> after = s->conversations(me);
        QCOMPARE(after.size(), before.size());
        for (qsizetype i = 0; i < after.size(); ++i) {
            QCOMPARE(after.at(i).conversationId, before.at(i).conversationId);
            QCOMPARE(after.at(i).hasLastMessage, before.at(i).hasLastMessage);
            QCOMPARE(after.at(i).lastMessage.seq, before.at(i).lastMessage.seq);
            QCOMPARE(after.at(i).lastMessage.content, before.at(i).lastMessage.content);
        }
        QCOMPARE(after.at(0).lastMessage.seq, 3); // c1, own message
        QVERIFY(after.at(0).lastMessage.outgoing);
        QVERIFY(!after.at(2).hasLastMessage); // c3
        QVERIFY(listAgreesWithMessages(*s, me));
    }

    void draftsPersist()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"s.sqlite"_s);
        {
            auto s = openStore(path);
            QVERIFY(s->setDraft(u"c1"_s, u"half a thought"_s));
        }
        auto s = openStore(path);
        QCOMPARE(s->draft(u"c1"_s), u"half a thought"_s);
        QVERIFY(s->setDraft(u"c1"_s, QString()));
        QVERIFY(s->draft(u"c1"_s).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestLocalStore)
#include "tst_localstore.moc"
