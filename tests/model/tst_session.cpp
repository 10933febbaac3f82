// The desktop models and the ChatSession facade against a real sync engine and a real
// in-process server (port 0, SQLite in a temporary folder). Every model runs under
// QAbstractItemModelTester.
#include "desktopharness.h"
#include "model/conversationlistmodel.h"
#include "model/memberlistmodel.h"
#include "model/messagelistmodel.h"
#include "model/notifier.h"
#include "sync/syncengine.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using chat::model::ChatSession;
using chat::model::ConversationListModel;
using chat::model::MessageListModel;

namespace {
constexpr int kTimeout = 20000;

QVariant roleAt(const QAbstractItemModel *m, int row, int role)
{
    return m->data(m->index(row, 0), role);
}

QString stateOf(const MessageListModel *m, const QString &localId)
{
    const int row = m->rowForLocalId(localId);
    return row < 0 ? QString() : roleAt(m, row, MessageListModel::DeliveryStateRole).toString();
}
} // namespace

class TestSession : public QObject
{
    Q_OBJECT
private:
    DesktopHarness *h = nullptr;

    ChatSession *signedIn(const QString &user)
    {
        ChatSession *s = h->signedInSession(user);
        new QAbstractItemModelTester(s->conversations(),
                                     QAbstractItemModelTester::FailureReportingMode::Fatal, s);
        return s;
    }
    // Opens the conversation `ref` (title or other member) once it is in the local store.
    bool open(ChatSession *s, const QString &ref)
    {
        if (!QTest::qWaitFor([&] { return s->engine()->findConversation(ref).has_value(); },
                             kTimeout))
            return false;
        s->openConversation(s->engine()->findConversation(ref)->conversationId);
        new QAbstractItemModelTester(
            s->messages(), QAbstractItemModelTester::FailureReportingMode::Fatal, s->messages());
        new QAbstractItemModelTester(
            s->members(), QAbstractItemModelTester::FailureReportingMode::Fatal, s->members());
        return true;
    }

    // Authenticates a fresh engine with nothing but `token`: empty if accepted, else why not.
    QString refusesToken(const QString &username, const QString &token)
    {
        QTemporaryDir dir;
        chat::sync::SyncEngine e;
        chat::sync::SyncEngine::Options options;
        options.dataDir = dir.path();
        chat::net::Credentials c;
        c.username = username; // names the local store; no password, so no fallback to login
        c.token = token;
        QString refused;
        bool accepted = false;
        connect(&e, &chat::sync::SyncEngine::authFailed, this,
                [&](const QString &m) { refused = m.isEmpty() ? u"refused"_s : m; });
        connect(&e, &chat::sync::SyncEngine::stateChanged, this, [&](auto st) {
            accepted = accepted || st == chat::sync::SyncEngine::State::Syncing
                       || st == chat::sync::SyncEngine::State::Online;
        });
        e.connectToServer(QUrl(h->serverUrl()), c, options);
        if (!QTest::qWaitFor([&] { return accepted || !refused.isEmpty(); }, kTimeout))
            return u"no answer"_s;
        e.disconnectFromServer();
        return refused;
    }

private Q_SLOTS:
    void initTestCase()
    {
        h = new DesktopHarness(this);
        QVERIFY2(h->startServer(), qPrintable(h->lastError()));
    }

    void signInListsConversationsByActivity()
    {
        ChatSession *s = signedIn(u"alice"_s);
        QTRY_COMPARE_WITH_TIMEOUT(s->state(), ChatSession::State::SignedIn, kTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(s->conversations()->count(), 3, kTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(s->connection(), ChatSession::Connection::Online, kTimeout);
        QCOMPARE(s->userName(), u"Alice Martin"_s);
        const auto *list = s->conversations();
        for (int i = 1; i < list->count(); ++i)
            QVERIFY(roleAt(list, i - 1, ConversationListModel::LastActivityRole).toLongLong()
                    >= roleAt(list, i, ConversationListModel::LastActivityRole).toLongLong());
        const int ab = list->rowOf(s->engine()->findConversation(u"bob"_s)->conversationId);
        QCOMPARE(roleAt(list, ab, ConversationListModel::TitleRole).toString(), u"Bob Keller"_s);
        QCOMPARE(roleAt(list, ab, ConversationListModel::IsGroupRole).toBool(), false);
        QVERIFY(roleAt(list, ab, ConversationListModel::PreviewRole)
                    .toString()
                    .contains(u"history message 120"_s));
        QVERIFY(roleAt(list, ab, ConversationListModel::UnreadCountRole).toInt() > 0);
    }

    void wrongPasswordSaysSo()
    {
        ChatSession *s = h->newSession();
        s->signIn(h->serverUrl(), u"alice"_s, u"not-the-password"_s, false);
        QTRY_COMPARE_WITH_TIMEOUT(s->state(), ChatSession::State::SignedOut, kTimeout);
        QVERIFY(!s->errorText().isEmpty());
    }

    void unreachableServerSaysSo()
    {
        ChatSession *s = h->newSession();
        s->signIn(u"ws://127.0.0.1:1"_s, u"alice"_s, u"alice-pw"_s, false);
        QTRY_COMPARE_WITH_TIMEOUT(s->state(), ChatSession::State::SignedOut, kTimeout);
        QVERIFY2(s->errorText().contains(u"127.0.0.1:1"_s), qPrintable(s->errorText()));
        s->signIn(u"http://x"_s, u"alice"_s, u"alice-pw"_s, false);
        QCOMPARE(s->state(), ChatSession::State::SignedOut);
        QVERIFY(s->errorText().contains(u"http://x"_s));
    }

    void scrollBackPagesToTheFirstMessage()
    {
        ChatSession *a = signedIn(u"alice"_s);
        QVERIFY(open(a, u"bob"_s));
        MessageListModel *m = a->messages();
        QVERIFY(m->count() > 0);
        // Newest first.
        QCOMPARE(roleAt(m, 0, MessageListModel::ContentRole).toString(), u"history message 120"_s);
        int rounds = 0;
        while (!m->atStart() && rounds++ < 50) {
            if (m->canFetchMore({}))
                m->fetchMore({});
            QTRY_VERIFY_WITH_TIMEOUT(!m->loadingOlder(), kTimeout);
            QVERIFY2(m->historyError().isEmpty(), qPrintable(m->historyError()));
        }
        QVERIFY(m->atStart());
        QCOMPARE(m->count(), DesktopHarness::kLongHistory);
        for (int i = 0; i < m->count(); ++i)
            QCOMPARE(roleAt(m, i, MessageListModel::SeqRole).toLongLong(),
                     qint64(DesktopHarness::kLongHistory - i));
        QCOMPARE(roleAt(m, m->count() - 1, MessageListModel::ShowDayRole).toBool(), true);
        QCOMPARE(roleAt(m, m->count() - 1, MessageListModel::FirstInRunRole).toBool(), true);
        QVERIFY(!m->canFetchMore({}));
    }

    void jumpToFirstUnread()
    {
        // alice has read up to her last message (seq 60): bob's messages after it are unread.
        ChatSession *b = signedIn(u"alice"_s);
        QVERIFY(open(b, u"bob"_s));
        MessageListModel *m = b->messages();
        QVERIFY(m->unreadAtOpen() > 0);
        const qint64 first = m->firstUnreadSeq();
        QCOMPARE(first, qint64(DesktopHarness::kAliceLastSeq + 1)); // beyond the first page
        QCOMPARE(m->rowForSeq(first), -1);
        QSignalSpy ready(m, &MessageListModel::rowReady);
        m->loadAround(first);
        QTRY_COMPARE_WITH_TIMEOUT(ready.size(), 1, kTimeout);
        const int row = ready[0][1].toInt();
        QVERIFY(row >= 0);
        QCOMPARE(ready[0][0].toLongLong(), first);
        QCOMPARE(m->rowForSeq(first), row);
        // The divider sits on the first message by someone else above the read watermark.
        const int divider = m->rowForSeq(first);
        QVERIFY(divider >= 0);
        QCOMPARE(roleAt(m, divider, MessageListModel::IsFirstUnreadRole).toBool(), true);
        int dividers = 0;
        for (int i = 0; i < m->count(); ++i)
            dividers += roleAt(m, i, MessageListModel::IsFirstUnreadRole).toBool() ? 1 : 0;
        QCOMPARE(dividers, 1);
    }

    void sendingShowsTruthfulTicks()
    {
        QVERIFY(h->peerOnline(u"bob"_s));
        ChatSession *a = signedIn(u"alice"_s);
        QVERIFY(open(a, u"bob"_s));
        MessageListModel *m = a->messages();
        QVERIFY(a->send(u"are the ticks honest?"_s));
        // Written to the outbox and shown at once, before any network round trip.
        QCOMPARE(roleAt(m, 0, MessageListModel::ContentRole).toString(),
                 u"are the ticks honest?"_s);
        const QString id = roleAt(m, 0, MessageListModel::LocalIdRole).toString();
        QCOMPARE(stateOf(m, id), u"pending"_s);
        QCOMPARE(roleAt(m, 0, MessageListModel::OutgoingRole).toBool(), true);
        // Acked, then stored by bob's engine.
        QTRY_VERIFY_WITH_TIMEOUT(stateOf(m, id) == "delivered"_L1 || stateOf(m, id) == "read"_L1,
                                 kTimeout);
        QVERIFY(roleAt(m, m->rowForLocalId(id), MessageListModel::SeqRole).toLongLong() > 0);
        // Read only when bob has read it.
        QCOMPARE(stateOf(m, id), u"delivered"_s);
        QVERIFY(h->peerReadAll(u"bob"_s, u"alice"_s));
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(m, id), u"read"_s, kTimeout);
        QCOMPARE(roleAt(m, m->rowForLocalId(id), MessageListModel::DeliveryTextRole).toString(),
                 u"Read"_s);
    }

    void incomingMessageMovesConversationUpAndCounts()
    {
        QVERIFY(h->peerOnline(u"carol"_s));
        ChatSession *a = signedIn(u"alice"_s);
        QTRY_COMPARE_WITH_TIMEOUT(a->conversations()->count(), 3, kTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(a->connection(), ChatSession::Connection::Online, kTimeout);
        QSignalSpy notified(a->notifier(), &chat::model::Notifier::notified);
        QVERIFY(QTest::qWaitFor(
            [&] { return h->peer(u"carol"_s)->findConversation(u"alice"_s).has_value(); },
            kTimeout));
        QVERIFY(h->peerSend(u"carol"_s, u"alice"_s, u"lunch?"_s));
        const auto *list = a->conversations();
        QTRY_COMPARE_WITH_TIMEOUT(roleAt(list, 0, ConversationListModel::PreviewRole).toString(),
                                  u"lunch?"_s, kTimeout);
        QCOMPARE(roleAt(list, 0, ConversationListModel::TitleRole).toString(), u"Carol Dubois"_s);
        QCOMPARE(roleAt(list, 0, ConversationListModel::UnreadCountRole).toInt(), 1);
        // Not looking at it: a notification follows (after the fold window).
        QTRY_VERIFY_WITH_TIMEOUT(notified.size() >= 1, kTimeout);
        bool found = false;
        for (const auto &n : notified) {
            found = found || n[1].toString().contains(u"lunch?"_s);
            // The history brought by the first sync of this fresh profile is not news.
            QVERIFY2(!n[1].toString().contains(u"history message"_s), qPrintable(n[1].toString()));
        }
        QVERIFY(found);
        // Reading it clears the badge.
        QVERIFY(open(a, u"carol"_s));
        a->markRead(a->messages()->newestSeq());
        QTRY_COMPARE_WITH_TIMEOUT(roleAt(list, 0, ConversationListModel::UnreadCountRole).toInt(),
                                  0, kTimeout);
    }

    void typingAndPresence()
    {
        QVERIFY(h->peerOnline(u"bob"_s));
        ChatSession *a = signedIn(u"alice"_s);
        QVERIFY(open(a, u"bob"_s));
        const auto *list = a->conversations();
        const int row = list->rowOf(a->currentConversationId());
        QTRY_COMPARE_WITH_TIMEOUT(roleAt(list, list->rowOf(a->currentConversationId()),
                                         ConversationListModel::PresenceRole)
                                      .toInt(),
                                  1, kTimeout);
        QCOMPARE(a->messages()->presence(), 1);
        QCOMPARE(a->messages()->subtitle(), u"online"_s);
        QTRY_COMPARE_WITH_TIMEOUT(a->connection(), ChatSession::Connection::Online, kTimeout);
        QVERIFY(h->peerTyping(u"bob"_s, u"alice"_s, true));
        QTRY_COMPARE_WITH_TIMEOUT(roleAt(list, list->rowOf(a->currentConversationId()),
                                         ConversationListModel::TypingTextRole)
                                      .toString(),
                                  u"typing…"_s, kTimeout);
        QCOMPARE(a->messages()->subtitle(), u"typing…"_s);
        QVERIFY(a->messages()->typing());
        QVERIFY(h->peerTyping(u"bob"_s, u"alice"_s, false));
        QTRY_VERIFY_WITH_TIMEOUT(!a->messages()->typing(), kTimeout);
        Q_UNUSED(row);
    }

    void groupMembersAndReadCounts()
    {
        QVERIFY(h->peerOnline(u"bob"_s));
        QVERIFY(h->peerOnline(u"carol"_s));
        ChatSession *a = signedIn(u"alice"_s);
        QVERIFY(open(a, u"Team"_s));
        QVERIFY(a->messages()->isGroup());
        QCOMPARE(a->members()->count(), 3);
        QVERIFY(a->send(u"group tick test"_s));
        const QString id = roleAt(a->messages(), 0, MessageListModel::LocalIdRole).toString();
        MessageListModel *m = a->messages();
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(m, id), u"delivered"_s, kTimeout);
        QCOMPARE(roleAt(m, m->rowForLocalId(id), MessageListModel::OtherMembersRole).toInt(), 2);
        QTRY_VERIFY_WITH_TIMEOUT(
            h->peerReadAll(u"bob"_s, u"Team"_s)
                && roleAt(m, m->rowForLocalId(id), MessageListModel::ReadCountRole).toInt() == 1,
            kTimeout);
        QCOMPARE(roleAt(m, m->rowForLocalId(id), MessageListModel::DeliveryTextRole).toString(),
                 u"Read by 1 of 2"_s);
        QCOMPARE(stateOf(m, id), u"delivered"_s);
        QTRY_VERIFY_WITH_TIMEOUT(
            h->peerReadAll(u"carol"_s, u"Team"_s) && stateOf(m, id) == "read"_L1, kTimeout);
    }

    void refusedMessageCanBeRetriedOrDiscarded()
    {
        ChatSession *a = signedIn(u"alice"_s);
        QVERIFY(open(a, u"carol"_s));
        MessageListModel *m = a->messages();
        const QString tooLong(DesktopHarness::kServerMaxChars + 50, u'x');
        QVERIFY(a->send(tooLong));
        const QString id = roleAt(m, 0, MessageListModel::LocalIdRole).toString();
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(m, id), u"failed"_s, kTimeout);
        QVERIFY(
            !roleAt(m, m->rowForLocalId(id), MessageListModel::ErrorTextRole).toString().isEmpty());
        a->retry(id);
        QTRY_COMPARE_WITH_TIMEOUT(stateOf(m, id), u"failed"_s, kTimeout);
        const int before = m->count();
        a->discard(id);
        QTRY_COMPARE_WITH_TIMEOUT(m->count(), before - 1, kTimeout);
        QCOMPARE(m->rowForLocalId(id), -1);
    }

    void searchCreateAndLeave()
    {
        ChatSession *a = signedIn(u"alice"_s);
        QTRY_COMPARE_WITH_TIMEOUT(a->connection(), ChatSession::Connection::Online, kTimeout);
        new QAbstractItemModelTester(a->userSearch(),
                                     QAbstractItemModelTester::FailureReportingMode::Fatal, a);
        QSignalSpy searched(a, &ChatSession::userSearchFinished);
        a->searchUsers(u"da"_s);
        QTRY_COMPARE_WITH_TIMEOUT(searched.size(), 1, kTimeout);
        QVERIFY(searched[0][0].toBool());
        QStringList names;
        for (int i = 0; i < a->userSearch()->count(); ++i)
            names << a->userSearch()->nameAt(i);
        QVERIFY2(names.contains(u"Dave Singh"_s), qPrintable(names.join(u", "_s)));
        QVERIFY(!names.contains(u"Alice Martin"_s)); // never yourself

        // A direct conversation that exists is returned, not duplicated.
        QSignalSpy created(a, &ChatSession::conversationCreated);
        a->createDirect(a->engine()->findConversation(u"bob"_s)->otherUserId);
        QTRY_COMPARE_WITH_TIMEOUT(created.size(), 1, kTimeout);
        QCOMPARE(created[0][0].toString(), a->conversationIdFor(u"bob"_s));

        // A new group appears in the list, with its members.
        const QString carol = a->engine()->findConversation(u"carol"_s)->otherUserId;
        const QString bob = a->engine()->findConversation(u"bob"_s)->otherUserId;
        const int before = a->conversations()->count();
        a->createGroup(u"Lunch crew"_s, {carol, bob});
        QTRY_COMPARE_WITH_TIMEOUT(created.size(), 2, kTimeout);
        const QString group = created[1][0].toString();
        QTRY_COMPARE_WITH_TIMEOUT(a->conversations()->count(), before + 1, kTimeout);
        QVERIFY(a->conversations()->rowOf(group) >= 0);
        a->openConversation(group);
        QCOMPARE(a->messages()->title(), u"Lunch crew"_s);
        QTRY_COMPARE_WITH_TIMEOUT(a->members()->count(), 3, kTimeout);

        // Leaving closes it and takes it off the list.
        a->leaveCurrent();
        QTRY_COMPARE_WITH_TIMEOUT(a->currentConversationId(), QString(), kTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(a->conversations()->rowOf(group), -1, kTimeout);
    }

    void offlineSendIsKeptAndDeliveredLater()
    {
        ChatSession *a = signedIn(u"alice"_s);
        QVERIFY(open(a, u"carol"_s));
        QTRY_COMPARE_WITH_TIMEOUT(a->connection(), ChatSession::Connection::Online, kTimeout);
        h->stopServer();
        QTRY_COMPARE_WITH_TIMEOUT(a->connection(), ChatSession::Connection::Offline, kTimeout);
        QVERIFY(a->send(u"written on the train"_s));
        MessageListModel *m = a->messages();
        const QString id = roleAt(m, 0, MessageListModel::LocalIdRole).toString();
        QCOMPARE(stateOf(m, id), u"pending"_s);
        a->setDraft(a->currentConversationId(), u"half a thought"_s);
        QVERIFY(h->startServer());
        a->reconnectNow();
        QTRY_VERIFY_WITH_TIMEOUT(stateOf(m, id) != "pending"_L1, kTimeout);
        QVERIFY(stateOf(m, id) != "failed"_L1);
        QCOMPARE(a->draft(a->currentConversationId()), u"half a thought"_s);
    }
    void signOutRevokesTheTokenOnTheServer()
    {
        ChatSession *a = signedIn(u"alice"_s);
        QTRY_COMPARE_WITH_TIMEOUT(a->connection(), ChatSession::Connection::Online, kTimeout);
        const QString token = a->engine()->token();
        QVERIFY(!token.isEmpty());
        const QString store = a->engine()->storePath();
        QVERIFY(QFile::exists(store));
        QSignalSpy done(a, &ChatSession::signedOut);
        a->signOut(false);
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, kTimeout);
        QCOMPARE(done.at(0).at(0).toBool(), true); // the server confirmed the revocation
        QCOMPARE(a->state(), ChatSession::State::SignedOut);
        QVERIFY(a->notice().isEmpty());
        QVERIFY(QFile::exists(store)); // local data kept unless asked
        const QString why = refusesToken(u"alice"_s, token);
        QVERIFY2(!why.isEmpty() && why != "no answer"_L1, qPrintable(why));
    }

    void signOutOfflineForgetsLocallyAndCanDeleteLocalData()
    {
        ChatSession *a = signedIn(u"carol"_s);
        QTRY_COMPARE_WITH_TIMEOUT(a->connection(), ChatSession::Connection::Online, kTimeout);
        const QString token = a->engine()->token();
        const QString store = a->engine()->storePath();
        const QString folder = QFileInfo(store).absolutePath();
        h->stopServer();
        QTRY_COMPARE_WITH_TIMEOUT(a->connection(), ChatSession::Connection::Offline, kTimeout);
        QSignalSpy done(a, &ChatSession::signedOut);
        a->signOut(true);
        QTRY_COMPARE_WITH_TIMEOUT(done.size(), 1, kTimeout);
        QCOMPARE(done.at(0).at(0).toBool(), false);
        QVERIFY2(a->notice().contains(u"expires"_s), qPrintable(a->notice()));
        QVERIFY(!QFile::exists(store));
        QVERIFY(!QFile::exists(store + u"-wal"_s));
        QVERIFY(!QDir(folder).exists());
        QVERIFY(h->startServer());
        // Not revoked: the server still accepts it (it expires on its own).
        QCOMPARE(refusesToken(u"carol"_s, token), QString());
    }

    void addMembersToAGroup()
    {
        ChatSession *a = signedIn(u"alice"_s);
        QTRY_COMPARE_WITH_TIMEOUT(a->connection(), ChatSession::Connection::Online, kTimeout);
        QSignalSpy created(a, &ChatSession::conversationCreated);
        QTRY_VERIFY_WITH_TIMEOUT(a->engine()->findConversation(u"bob"_s).has_value(), kTimeout);
        a->createGroup(u"Added later"_s, {a->engine()->findConversation(u"bob"_s)->otherUserId});
        QTRY_COMPARE_WITH_TIMEOUT(created.size(), 1, kTimeout);
        const QString id = created.at(0).at(0).toString();
        QTRY_VERIFY_WITH_TIMEOUT(a->engine()->conversation(id).has_value(), kTimeout);
        a->openConversation(id);
        new QAbstractItemModelTester(
            a->members(), QAbstractItemModelTester::FailureReportingMode::Fatal, a->members());
        const int before = a->members()->rowCount();
        QCOMPARE(before, 2);
        QSignalSpy search(a, &ChatSession::userSearchFinished);
        a->searchUsers(u"dave"_s);
        QTRY_COMPARE_WITH_TIMEOUT(search.size(), 1, kTimeout);
        QVERIFY(a->userSearch()->rowCount() > 0);
        const QString dave =
            roleAt(a->userSearch(), 0, chat::model::UserListModel::UserIdRole).toString();
        QSignalSpy added(a, &ChatSession::membersAdded);
        a->addMembers({dave});
        QTRY_COMPARE_WITH_TIMEOUT(added.size(), 1, kTimeout);
        QCOMPARE(added.at(0).at(0).toBool(), true);
        // The server added dave: he gets the conversation. (The adder's own member list follows
        // at the next catch-up: SyncEngine::addMembers does not store the server's answer.)
        QVERIFY(h->peerOnline(u"dave"_s));
        QTRY_VERIFY_WITH_TIMEOUT(h->peer(u"dave"_s)->findConversation(u"Added later"_s), kTimeout);
        QCOMPARE(h->peer(u"dave"_s)->findConversation(u"Added later"_s)->members.size(),
                 before + 1);
    }
};

QTEST_GUILESS_MAIN(TestSession)
#include "tst_session.moc"
