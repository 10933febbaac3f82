// Message ids from the SQLite send path (sqlsend.cpp): "m_" + 16 lower-case hex digits, the
// same shape as before; consecutive within one run of the store (so a batch's inserts share
// an index page), and never reused across restarts (each run takes a fresh prefix that no
// stored id has). A real SqlStore on a temporary SQLite file, closed and reopened.
#include "sqlstore.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace chat::server;

class TestMessageIds : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void consecutiveWithinARunUniqueAcrossRuns();

private:
    template<typename T, typename Call>
    T wait(Call call)
    {
        std::optional<Result<T>> out;
        call([&out](Result<T> r) { out = std::move(r); });
        if (!QTest::qWaitFor([&out] { return out.has_value(); }, 20000))
            qFatal("no answer from the store");
        if (!out->ok())
            qFatal("store error: %s", qPrintable(out->error().message));
        return out->value();
    }
};

void TestMessageIds::consecutiveWithinARunUniqueAcrossRuns()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QRegularExpression shape(u"^m_[0-9a-f]{16}$"_s);
    QStringList all;
    QString alice, bob, conv;
    int sent = 0;
    for (int run = 0; run < 3; ++run) {
        auto store = SqlStore::sqlite(dir.path(), 64, 1000);
        QString err;
        QVERIFY2(store->open(&err), qPrintable(err));
        if (run == 0) {
            alice = wait<chat::proto::User>([&](auto cb) {
                        store->createUser(u"alice"_s, "h", u"A"_s, this, cb);
                    }).userId;
            bob = wait<chat::proto::User>([&](auto cb) {
                      store->createUser(u"bob"_s, "h", u"B"_s, this, cb);
                  }).userId;
            conv = wait<ConversationOutcome>([&](auto cb) {
                       store->createConversation(alice, chat::proto::ConversationKind::Direct, {},
                                                 {bob}, 1, this, cb);
                   }).conversation.conversationId;
        }
        QStringList ids;
        for (int i = 0; i < 5; ++i) {
            SendParams p;
            p.senderId = i % 2 ? bob : alice;
            p.conversationId = conv;
            p.clientMsgId = u"c%1"_s.arg(++sent);
            p.kind = u"text"_s;
            p.content = u"hello"_s;
            p.ts = sent;
            const SendOutcome out = wait<SendOutcome>([&](auto cb) { store->send(p, this, cb); });
            QVERIFY(!out.duplicate);
            QVERIFY2(shape.match(out.message.messageId).hasMatch(),
                     qPrintable(out.message.messageId));
            ids << out.message.messageId;
        }
        // A duplicate send answers the stored id, not a new one.
        SendParams again;
        again.senderId = alice;
        again.conversationId = conv;
        again.clientMsgId = u"c%1"_s.arg(sent - 4);
        again.kind = u"text"_s;
        again.content = u"hello"_s;
        const SendOutcome dup = wait<SendOutcome>([&](auto cb) { store->send(again, this, cb); });
        QVERIFY(dup.duplicate);
        QCOMPARE(dup.message.messageId, ids.first());
        // Within a run: one prefix, increasing.
        for (int i = 1; i < ids.size(); ++i) {
            QCOMPARE(ids[i].left(10), ids[0].left(10));
            QVERIFY2(ids[i] > ids[i - 1], qPrintable(ids[i - 1] + u" then "_s + ids[i]));
        }
        all << ids;
        store->close();
    }
    QCOMPARE(QSet<QString>(all.begin(), all.end()).size(), all.size());
}

QTEST_GUILESS_MAIN(TestMessageIds)
#include "tst_messageids.moc"
