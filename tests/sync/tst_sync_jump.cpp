// Jump to a date (SyncEngine::jumpToDate) with the real engine and the reference server in
// process, through a frame proxy that counts (and can break) history answers: the landing seq
// is exact also when the date lies in history the store does not hold (found by a binary
// search over seq, a few small requests, not a download), with context around it; before the
// first message, after the last, an empty conversation, an unknown one; offline and with the
// server erroring it lands on the nearest stored message and says why.
#include "harness.h"
#include "sync/localstore.h"

#include <QSignalSpy>
#include <QTest>
#include <cmath>

using namespace Qt::StringLiterals;
using namespace chat::sync;
using namespace chat::test;

namespace {
constexpr int kMessages = 1000;
constexpr int kContext = 25;
constexpr int kTimeout = 20000;
// The fixture loader spaces a conversation's messages 7 minutes apart (server-mock/sqlops.cpp).
constexpr qint64 kStep = 7 * 60 * 1000;
} // namespace

class TestSyncJump : public QObject
{
    Q_OBJECT

    QTemporaryDir tmp;
    std::unique_ptr<TestServer> server;
    std::unique_ptr<FrameProxy> proxy;
    std::unique_ptr<SyncEngine> alice;
    QString conv, empty;
    qint64 lastTs = 0; // ts of seq kMessages
    int historyAnswers = 0;
    // How the proxy mangles history answers.
    enum class Mangle { None, Error, Empty, WrongSeq } mangle = Mangle::None;
    int n = 0;

    qint64 tsOf(qint64 seq) const { return lastTs - (kMessages - seq) * kStep; }

    // Runs a jump and waits for its answer.
    Expected<SyncEngine::DateJump> jump(const QString &c, qint64 ts)
    {
        std::optional<Expected<SyncEngine::DateJump>> result;
        QObject context;
        alice->jumpToDate(c, ts, kContext, &context,
                          [&](const Expected<SyncEngine::DateJump> &r) { result = r; });
        if (result)
            qWarning("jumpToDate answered from inside the call");
        if (!QTest::qWaitFor([&] { return result.has_value(); }, kTimeout))
            return Error{Error::Code::Timeout, u"no answer from jumpToDate"_s, {}};
        return *result;
    }

    static bool stored(const SyncEngine &e, const QString &c, qint64 seq)
    {
        return !e.messagesInRange(c, seq, seq).isEmpty();
    }

private Q_SLOTS:
    void init()
    {
        ++n;
        QList<QPair<QString, QString>> msgs;
        for (int seq = 1; seq <= kMessages; ++seq)
            msgs.append({seq % 3 ? u"bob"_s : u"alice"_s, u"message "_s + QString::number(seq)});
        server = std::make_unique<TestServer>(
            fixture({u"alice"_s, u"bob"_s},
                    {conversation(u"ab"_s, u"direct"_s, {}, {u"alice"_s, u"bob"_s}, msgs),
                     conversation(u"quiet"_s, u"group"_s, u"Quiet"_s, {u"alice"_s, u"bob"_s})}));
        QString error;
        QVERIFY2(server->start(&error), qPrintable(error));
        proxy = std::make_unique<FrameProxy>(server->url());
        historyAnswers = 0;
        mangle = Mangle::None;
        proxy->onServerFrame = [this](QJsonObject o) -> QList<QJsonObject> {
            if (o.value("type"_L1).toString() != "history"_L1)
                return {o};
            ++historyAnswers;
            switch (mangle) {
            case Mangle::None: return {o};
            case Mangle::Error:
                return {QJsonObject{{"type"_L1, "error"_L1},
                                    {"id"_L1, o.value("id"_L1)},
                                    {"code"_L1, "internal"_L1},
                                    {"message"_L1, "history store exploded"_L1}}};
            case Mangle::Empty: o.insert("messages"_L1, QJsonArray()); return {o};
            case Mangle::WrongSeq: {
                // Every message claims to be the newest one (already stored): a server
                // with holes in its history.
                QJsonArray ms;
                for (const QJsonValue &v : o.value("messages"_L1).toArray()) {
                    QJsonObject m = v.toObject();
                    m.insert("seq"_L1, kMessages);
                    ms.append(m);
                }
                o.insert("messages"_L1, ms);
                return {o};
            }
            }
            return {o};
        };
        const QString dir = tmp.filePath(u"alice"_s + QString::number(n));
        alice = makeEngine(dir, proxy->url(), u"alice"_s);
        QVERIFY(alice);
        connectEngine(*alice, proxy->url(), u"alice"_s, dir);
        QTRY_VERIFY_WITH_TIMEOUT(alice->isOnline() && alice->isCaughtUp(), kTimeout);
        conv = alice->findConversation(u"bob"_s)->conversationId;
        empty = alice->findConversation(u"Quiet"_s)->conversationId;
        QCOMPARE(alice->conversation(conv)->lastSeq, kMessages);
        const auto newest = alice->messagesInRange(conv, kMessages, kMessages);
        QCOMPARE(newest.size(), 1);
        lastTs = newest.constFirst().ts;
        // Catch-up stored only the newest messages; the fixture's spacing holds.
        QVERIFY(!stored(*alice, conv, kMessages / 2));
        const auto older = alice->messagesInRange(conv, kMessages - 1, kMessages - 1);
        QCOMPARE(older.size(), 1);
        QCOMPARE(older.constFirst().ts, tsOf(kMessages - 1));
        historyAnswers = 0;
    }
    void cleanup()
    {
        alice.reset();
        proxy.reset();
        server.reset();
    }

    void landsExactlyInHistoryNotStored()
    {
        const qint64 target = 300;
        QVERIFY(!stored(*alice, conv, target));
        auto r = jump(conv, tsOf(target) - kStep / 2); // between 299 and 300
        QVERIFY2(r, qPrintable(r.ok() ? QString() : r.error().message));
        QCOMPARE(r.value().seq, target);
        QVERIFY(r.value().exact);
        // Context on both sides is stored when the answer comes.
        const auto around = alice->messagesInRange(conv, target - kContext, target + kContext);
        QCOMPARE(around.size(), 2 * kContext + 1);
        QCOMPARE(around.at(kContext).seq, target);
        QCOMPARE(around.at(kContext).content, u"message 300"_s);
        // A binary search, not a download: one-message probes until one history page is
        // left (log2(unknown / page)), that page, and at most one more for the context.
        const int page = chat::net::RetryPolicy::fastForTests().historyPageSize;
        const int bound = int(std::ceil(std::log2(double(kMessages) / page))) + 2;
        QVERIFY2(historyAnswers <= bound,
                 qPrintable(u"%1 history requests (bound %2)"_s.arg(historyAnswers).arg(bound)));
        QVERIFY(alice->messagesInRange(conv, 1, kMessages).size() < kMessages / 5);

        // The exact millisecond of a message lands on it; one later, on the next one.
        r = jump(conv, tsOf(target));
        QVERIFY(r);
        QCOMPARE(r.value().seq, target);
        // Inside what the store holds now: no server needed.
        historyAnswers = 0;
        r = jump(conv, tsOf(target + 10) + 1);
        QVERIFY(r);
        QCOMPARE(r.value().seq, target + 11);
        QVERIFY(r.value().exact);
        QCOMPARE(historyAnswers, 0);

        // Elsewhere in unknown history, with probes from the first jump stored meanwhile.
        r = jump(conv, tsOf(777));
        QVERIFY(r);
        QCOMPARE(r.value().seq, 777);
        QVERIFY(r.value().exact);
        QVERIFY(stored(*alice, conv, 777 - kContext) && stored(*alice, conv, 777 + kContext));
    }

    void beforeFirstAfterLastEmptyUnknown()
    {
        // Before the first message: seq 1, fetched from the server with its context.
        auto r = jump(conv, tsOf(1) - 24 * 3600 * 1000LL);
        QVERIFY2(r, qPrintable(r.ok() ? QString() : r.error().message));
        QCOMPARE(r.value().seq, 1);
        QVERIFY(r.value().exact);
        QCOMPARE(alice->messagesInRange(conv, 1, 1 + kContext).size(), kContext + 1);
        r = jump(conv, 0);
        QVERIFY(r);
        QCOMPARE(r.value().seq, 1);
        // After the last: the last message (none is on or after the date).
        r = jump(conv, tsOf(kMessages) + 1);
        QVERIFY(r);
        QCOMPARE(r.value().seq, kMessages);
        QVERIFY(r.value().exact);
        r = jump(conv, QDateTime::currentMSecsSinceEpoch() + 365LL * 24 * 3600 * 1000);
        QVERIFY(r);
        QCOMPARE(r.value().seq, kMessages);
        // An empty conversation: nothing to land on, and nothing wrong either.
        r = jump(empty, tsOf(500));
        QVERIFY(r);
        QCOMPARE(r.value().seq, 0);
        QVERIFY(r.value().exact);
        // An unknown conversation is an error.
        r = jump(u"c_nope"_s, tsOf(500));
        QVERIFY(!r);
        QCOMPARE(r.error().code, Error::Code::NotFound);
    }

    void offlineLandsOnNearestStored()
    {
        alice->disconnectFromServer();
        QTRY_COMPARE_WITH_TIMEOUT(alice->state(), SyncEngine::State::Offline, kTimeout);
        const qint64 oldest = alice->historyState(conv).oldestLoadedSeq;
        QVERIFY(oldest > 1);
        auto r = jump(conv, tsOf(300));
        QVERIFY2(r, qPrintable(r.ok() ? QString() : r.error().message));
        QCOMPARE(r.value().seq, oldest); // the first stored message after the date
        QVERIFY(!r.value().exact);
        QCOMPARE(r.value().problem.code, Error::Code::Offline);
        QVERIFY(!r.value().problem.message.isEmpty());
        // Within what is stored the landing is exact, offline too.
        r = jump(conv, tsOf(kMessages - 2));
        QVERIFY(r);
        QCOMPARE(r.value().seq, kMessages - 2);
        QVERIFY(r.value().exact);
        QCOMPARE(historyAnswers, 0);
    }

    void closingTheAccountStillAnswers()
    {
        std::optional<Expected<SyncEngine::DateJump>> result;
        alice->jumpToDate(conv, tsOf(300), kContext, this,
                          [&](const Expected<SyncEngine::DateJump> &r) { result = r; });
        alice->closeAccount();
        QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), kTimeout);
        QVERIFY(!result->ok());
        QCOMPARE(result->error().code, Error::Code::NotOpen);
        // Without an open account at all.
        result.reset();
        alice->jumpToDate(conv, tsOf(300), kContext, this,
                          [&](const Expected<SyncEngine::DateJump> &r) { result = r; });
        QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), kTimeout);
        QCOMPARE(result->error().code, Error::Code::NotOpen);
    }

    void serverErrorLandsOnNearestStored()
    {
        mangle = Mangle::Error;
        const qint64 oldest = alice->historyState(conv).oldestLoadedSeq;
        auto r = jump(conv, tsOf(300));
        QVERIFY2(r, qPrintable(r.ok() ? QString() : r.error().message));
        QCOMPARE(historyAnswers, 1);
        QCOMPARE(r.value().seq, oldest);
        QVERIFY(!r.value().exact);
        QCOMPARE(r.value().problem.code, Error::Code::Server);
        QVERIFY2(r.value().problem.message.contains(u"history store exploded"_s),
                 qPrintable(r.value().problem.message));
        // Answers that break the protocol end the search too (never a loop).
        for (const Mangle m : {Mangle::Empty, Mangle::WrongSeq}) {
            mangle = m;
            historyAnswers = 0;
            r = jump(conv, tsOf(300));
            QVERIFY(r);
            QCOMPARE(r.value().seq, oldest);
            QVERIFY(!r.value().exact);
            QCOMPARE(r.value().problem.code, Error::Code::Server);
            QCOMPARE(historyAnswers, 1);
        }
        // The server is back: the same jump lands exactly.
        mangle = Mangle::None;
        r = jump(conv, tsOf(300));
        QVERIFY(r);
        QCOMPARE(r.value().seq, 300);
        QVERIFY(r.value().exact);
    }
};

QTEST_GUILESS_MAIN(TestSyncJump)
#include "tst_sync_jump.moc"
