// SearchResultsModel under QAbstractItemModelTester against a real ChatSession, SyncEngine and
// in-process server: results newest first with highlighted snippets, paging with fetchMore,
// the conversation filter, live updates when matching messages arrive, hostile queries,
// jump to a hit whose context is not stored yet (MessageListModel::loadAround), jump to date
// (stored only, and exact through the server with the notice when offline) and unread
// mentions.
#include "desktopharness.h"
#include "model/messagelistmodel.h"
#include "model/searchresultsmodel.h"
#include "sync/syncengine.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using chat::model::ChatSession;
using chat::model::MessageListModel;
using chat::model::SearchResultsModel;

namespace {
constexpr int kTimeout = 20000;

QVariant roleAt(const QAbstractItemModel *m, int row, int role)
{
    return m->data(m->index(row, 0), role);
}
} // namespace

class TestModelSearch : public QObject
{
    Q_OBJECT

    DesktopHarness *h = nullptr;

    ChatSession *online(const QString &user)
    {
        ChatSession *s = h->signedInSession(user);
        if (!QTest::qWaitFor(
                [&] {
                    return s->connection() == ChatSession::Connection::Online
                           && s->engine()->isCaughtUp();
                },
                kTimeout))
            return nullptr;
        return s;
    }

    // The peer's engine has caught up (its conversations are known): peerSend() can work.
    bool bobKnowsTeam()
    {
        return QTest::qWaitFor(
            [&] {
                return h->peer(u"bob"_s) && h->peer(u"bob"_s)->findConversation(u"Team"_s)
                       && h->peer(u"bob"_s)->findConversation(u"alice"_s);
            },
            kTimeout);
    }

    SearchResultsModel *model(ChatSession *s)
    {
        auto *m = new SearchResultsModel(s);
        new QAbstractItemModelTester(m, QAbstractItemModelTester::FailureReportingMode::QtTest, m);
        m->setSession(s);
        return m;
    }

private Q_SLOTS:
    void initTestCase()
    {
        h = new DesktopHarness(this);
        QVERIFY2(h->startServer(), qPrintable(h->lastError()));
    }

    void resultsPagesAndJump()
    {
        ChatSession *alice = online(u"alice"_s);
        QVERIFY(alice);
        const QString ab = alice->engine()->findConversation(u"bob"_s)->conversationId;
        SearchResultsModel *m = model(alice);
        m->setQuery(u"history mess"_s);
        // Catch-up stored the newest page only: those are the hits so far.
        const int firstCount = m->count();
        QVERIFY(firstCount > 0 && firstCount < DesktopHarness::kLongHistory);
        QVERIFY(!m->canFetchMore({}));
        QVERIFY(roleAt(m, 0, SearchResultsModel::SnippetHtmlRole)
                    .toString()
                    .startsWith(u"<b>history</b> <b>message</b> "_s));
        QCOMPARE(roleAt(m, 0, SearchResultsModel::ConversationIdRole).toString(), ab);
        QCOMPARE(roleAt(m, 0, SearchResultsModel::ConversationTitleRole).toString(),
                 u"Bob Keller"_s);
        for (int row = 1; row < m->count(); ++row)
            QVERIFY(roleAt(m, row - 1, SearchResultsModel::TimestampRole).toLongLong()
                    >= roleAt(m, row, SearchResultsModel::TimestampRole).toLongLong());

        // A message far back, stored alone (as if from a notification): found, context not.
        QSignalSpy loaded(alice->engine(), &chat::sync::SyncEngine::historyLoaded);
        QVERIFY(!alice->engine()->loadAround(ab, 7, 0));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, kTimeout);
        m->setQuery(u"\"history message 7\""_s);
        QTRY_COMPARE_WITH_TIMEOUT(m->count(), 1, kTimeout);
        const QVariantMap hit = m->hitAt(0);
        QCOMPARE(hit.value(u"seq"_s).toLongLong(), 7);
        QCOMPARE(roleAt(m, 0, SearchResultsModel::SenderNameRole).toString(), u"Bob Keller"_s);

        // Enter on the hit: open its conversation and load around it (from the server).
        alice->openConversation(hit.value(u"conversationId"_s).toString());
        MessageListModel *messages = alice->messages();
        new QAbstractItemModelTester(
            messages, QAbstractItemModelTester::FailureReportingMode::QtTest, messages);
        QSignalSpy ready(messages, &MessageListModel::rowReady);
        messages->loadAround(7);
        QTRY_COMPARE_WITH_TIMEOUT(ready.size(), 1, kTimeout);
        QCOMPARE(ready.constFirst().at(0).toLongLong(), 7);
        QVERIFY(ready.constFirst().at(1).toInt() >= 0);
        QVERIFY(messages->rowForSeq(7) >= 0);
        // Context on both sides came along.
        QCOMPARE(alice->engine()->messagesInRange(ab, 2, 12).size(), 11);

        // Between the jump's context and the newest page nothing is stored: a gap, marked on
        // the row below it (never two messages shown as neighbours across it) and filled by
        // fillGap(), which the view calls while the marker is on screen.
        auto at = [messages](int row, int role) {
            return messages->data(messages->index(row), role).toLongLong();
        };
        auto gapRow = [&]() {
            for (int r = 0; r < messages->rowCount(); ++r)
                if (at(r, MessageListModel::MissingOlderRole) > 0)
                    return r;
            return -1;
        };
        int g = gapRow();
        QVERIFY(g >= 0);
        QCOMPARE(at(g, MessageListModel::MissingOlderRole),
                 at(g, MessageListModel::SeqRole) - at(g + 1, MessageListModel::SeqRole) - 1);
        QVERIFY(at(g, MessageListModel::ShowDayRole));
        QVERIFY(at(g, MessageListModel::FirstInRunRole));
        for (int round = 0; (g = gapRow()) >= 0; ++round) {
            QVERIFY2(round < 10, "the gap does not shrink");
            const qint64 before = at(g, MessageListModel::MissingOlderRole);
            messages->fillGap(g);
            messages->fillGap(g); // asked once: the second call is a no-op
            QTRY_VERIFY_WITH_TIMEOUT(
                gapRow() < 0 || at(gapRow(), MessageListModel::MissingOlderRole) < before,
                kTimeout);
        }
        QCOMPARE(messages->rowCount(), DesktopHarness::kLongHistory);
        for (int r = 0; r + 1 < messages->rowCount(); ++r)
            QCOMPARE(at(r, MessageListModel::SeqRole), at(r + 1, MessageListModel::SeqRole) + 1);

        // Now everything (the gap fill above stored it all already): pages of 50 through
        // fetchMore.
        QVERIFY(alice->engine()->loadAll(ab));
        QTRY_VERIFY_WITH_TIMEOUT(alice->engine()->gaps(ab).isEmpty(), kTimeout);
        m->setQuery(u"history"_s);
        QTRY_COMPARE_WITH_TIMEOUT(m->count(), SearchResultsModel::kPageSize, kTimeout);
        QVERIFY(m->canFetchMore({}));
        while (m->canFetchMore({}))
            m->fetchMore({});
        QCOMPARE(m->count(), DesktopHarness::kLongHistory);
    }

    void filterLiveUpdatesAndHostileText()
    {
        ChatSession *alice = online(u"alice"_s);
        QVERIFY(alice && h->peerOnline(u"bob"_s));
        const QString team = alice->engine()->findConversation(u"Team"_s)->conversationId;
        SearchResultsModel *m = model(alice);
        QSignalSpy counts(m, &SearchResultsModel::countChanged);
        m->setConversationId(team);
        m->setQuery(u"koln"_s);
        QCOMPARE(m->count(), 0);
        QVERIFY(bobKnowsTeam());
        QVERIFY(h->peerSend(u"bob"_s, u"Team"_s, u"Treffen in Köln"_s));
        QVERIFY(h->peerSend(u"bob"_s, u"alice"_s, u"Köln, direct"_s));
        QTRY_COMPARE_WITH_TIMEOUT(m->count(), 1, kTimeout);
        QVERIFY(counts.size() >= 1);
        QCOMPARE(roleAt(m, 0, SearchResultsModel::SnippetHtmlRole).toString(),
                 u"Treffen in <b>Köln</b>"_s);
        m->setConversationId({});
        QTRY_COMPARE_WITH_TIMEOUT(m->count(), 2, kTimeout);

        for (const QString &q : {u"NEAR(\"a"_s, u"*"_s, u"(((("_s, u"OR AND"_s, u"<b>"_s}) {
            m->setQuery(q);
            QVERIFY(m->errorText().isEmpty());
        }
        m->setQuery(u"  "_s);
        QVERIFY(!m->searchable());
        QCOMPARE(m->count(), 0);
    }

    void dateAndMentions()
    {
        ChatSession *alice = online(u"alice"_s);
        QVERIFY(alice && h->peerOnline(u"bob"_s));
        const QString team = alice->engine()->findConversation(u"Team"_s)->conversationId;
        SearchResultsModel *m = model(alice);
        const qint64 before = alice->engine()->conversation(team)->lastSeq;
        QVERIFY(bobKnowsTeam());
        QVERIFY(h->peerSend(u"bob"_s, u"Team"_s, u"@alice can you look?"_s));
        QVERIFY(h->peerSend(u"bob"_s, u"Team"_s, u"nothing for you"_s));
        QVERIFY(h->peerSend(u"bob"_s, u"Team"_s, u"Alice Martin knows"_s));
        QTRY_COMPARE_WITH_TIMEOUT(alice->engine()->conversation(team)->lastSeq, before + 3,
                                  kTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(m->unreadMentions(team), (QList<qint64>{before + 1, before + 3}),
                                  kTimeout);

        const auto stored = alice->engine()->messages(team, 0, 100);
        QVERIFY(!stored.isEmpty());
        // Before everything: the first stored message; far ahead: the newest one.
        QCOMPARE(m->seqForDate(team, QDate(2000, 1, 1)), stored.constFirst().seq);
        QCOMPARE(m->seqForDate(team, QDate::currentDate().addYears(5)), stored.constLast().seq);
        QCOMPARE(m->seqForDate(team, QDate::currentDate()), stored.constFirst().seq);
        QCOMPARE(m->seqForDate(u"no such conversation"_s, QDate::currentDate()), 0);
    }

    void jumpToDateFetchesWhatIsNotStored()
    {
        ChatSession *alice = online(u"alice"_s);
        QVERIFY(alice);
        const QString ab = alice->engine()->findConversation(u"bob"_s)->conversationId;
        const qint64 lastSeq = alice->engine()->conversation(ab)->lastSeq;
        QVERIFY(lastSeq >= DesktopHarness::kLongHistory); // earlier tests may have added some
        // Catch-up stored the newest page only: seq 1 (the first message on or after
        // 2000-01-01) is on the server only.
        QVERIFY(alice->engine()->messagesInRange(ab, 1, 1).isEmpty());
        SearchResultsModel *m = model(alice);
        QSignalSpy jumped(m, &SearchResultsModel::dateJumpFinished);
        QSignalSpy busy(m, &SearchResultsModel::jumpingToDateChanged);
        m->jumpToDate(ab, QDate(2000, 1, 1));
        QVERIFY(m->jumpingToDate());
        QCOMPARE(jumped.size(), 0); // never answered from inside the call
        QTRY_COMPARE_WITH_TIMEOUT(jumped.size(), 1, kTimeout);
        QCOMPARE(jumped.at(0).at(0).toString(), ab);
        QCOMPARE(jumped.at(0).at(1).toLongLong(), 1);
        QCOMPARE(jumped.at(0).at(2).toString(), QString()); // exact: no notice
        QVERIFY(!m->jumpingToDate());
        QCOMPARE(busy.size(), 2);
        // The context the conversation view shows around it is stored already.
        QCOMPARE(alice->engine()->messagesInRange(ab, 1, 1 + MessageListModel::kAroundCount).size(),
                 1 + MessageListModel::kAroundCount);
        // After the last message: the last one.
        m->jumpToDate(ab, QDate::currentDate().addYears(5));
        QTRY_COMPARE_WITH_TIMEOUT(jumped.size(), 2, kTimeout);
        QCOMPARE(jumped.at(1).at(1).toLongLong(), lastSeq);
        QCOMPARE(jumped.at(1).at(2).toString(), QString());

        // Another device of alice's, offline: the nearest stored message, and a notice.
        ChatSession *other = online(u"alice"_s);
        QVERIFY(other);
        other->engine()->disconnectFromServer();
        QTRY_COMPARE_WITH_TIMEOUT(other->engine()->state(), chat::sync::SyncEngine::State::Offline,
                                  kTimeout);
        const qint64 oldestStored = other->engine()->historyState(ab).oldestLoadedSeq;
        QVERIFY(oldestStored > 1);
        SearchResultsModel *offline = model(other);
        QSignalSpy offlineJump(offline, &SearchResultsModel::dateJumpFinished);
        offline->jumpToDate(ab, QDate(2000, 1, 1));
        QTRY_COMPARE_WITH_TIMEOUT(offlineJump.size(), 1, kTimeout);
        QCOMPARE(offlineJump.at(0).at(1).toLongLong(), oldestStored);
        QCOMPARE(offlineJump.at(0).at(2).toString(),
                 u"Offline: showing the nearest message stored on this device."_s);
        // Not a date; no conversation of that id.
        offline->jumpToDate(ab, QDate());
        QTRY_COMPARE_WITH_TIMEOUT(offlineJump.size(), 2, kTimeout);
        QCOMPARE(offlineJump.at(1).at(1).toLongLong(), 0);
        QVERIFY(!offlineJump.at(1).at(2).toString().isEmpty());
        offline->jumpToDate(u"no such conversation"_s, QDate(2000, 1, 1));
        QTRY_COMPARE_WITH_TIMEOUT(offlineJump.size(), 3, kTimeout);
        QCOMPARE(offlineJump.at(2).at(1).toLongLong(), 0);
        QVERIFY(!offlineJump.at(2).at(2).toString().isEmpty());
    }
};

QTEST_MAIN(TestModelSearch)
#include "tst_model_search.moc"
