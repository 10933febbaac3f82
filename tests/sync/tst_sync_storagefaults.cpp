// Store writes that fail (a full disk, an I/O error) while the engine works: the writer
// thread's page commit and the engine thread's ack commit fail at COMMIT (a deferred foreign
// key the test adds to the store, so it fails on every connection and at the same point as
// SQLITE_FULL does), while the user sends. The failure is reported once, not once per retry;
// retries pause instead of spinning; every failed transaction is rolled back (nobody keeps
// the write lock); a message is shown as sent only once its ack is stored; and once writes
// work again everything arrives, exactly once.
#include "harness.h"

#include <QMutex>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>
#include <atomic>

using namespace Qt::StringLiterals;
using namespace chat::sync;

namespace {

// Failed transactions, counted from the store's own log line (any connection, any thread).
std::atomic<int> g_rollbacks{0};
QtMessageHandler g_previous = nullptr;

void countRollbacks(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    if (ctx.category && qstrcmp(ctx.category, "chat.sync.store") == 0
        && msg.contains(u"transaction rolled back"_s))
        ++g_rollbacks;
    if (g_previous)
        g_previous(type, ctx, msg);
}

// Runs `statements` on a connection of the test's own (closed again at once).
bool execOnStore(const QString &path, const QStringList &statements, QString *error = nullptr,
                 int busyTimeoutMs = 5000)
{
    bool ok = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"test-side"_s);
        db.setDatabaseName(path);
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT="_s + QString::number(busyTimeoutMs));
        ok = db.open();
        QSqlQuery q(db);
        for (const QString &sql : statements) {
            if (!ok)
                break;
            ok = q.exec(sql);
            if (!ok && error)
                *error = q.lastError().text();
        }
        q.finish();
        if (!ok)
            q.exec(u"ROLLBACK"_s);
    }
    QSqlDatabase::removeDatabase(u"test-side"_s);
    return ok;
}

// Every insert into messages (a page, an ack) makes its transaction's COMMIT fail.
const QStringList kFailCommits{
    u"CREATE TABLE test_guard_parent (id INTEGER PRIMARY KEY)"_s,
    u"CREATE TABLE test_guard (parent INTEGER REFERENCES test_guard_parent(id) "
    "DEFERRABLE INITIALLY DEFERRED)"_s,
    u"CREATE TRIGGER test_fail_commit AFTER INSERT ON messages "
    "BEGIN INSERT INTO test_guard VALUES (-1); END"_s,
};
const QStringList kWorkAgain{u"DROP TRIGGER test_fail_commit"_s};

} // namespace

class TstStorageFaults : public QObject
{
    Q_OBJECT
    std::unique_ptr<chat::test::TestServer> m_server;

private Q_SLOTS:
    void initTestCase()
    {
        g_previous = qInstallMessageHandler(countRollbacks);
        m_server = std::make_unique<chat::test::TestServer>(chat::test::fixture(
            {u"alice"_s, u"bob"_s}, QJsonArray{chat::test::conversation(
                                        u"ab"_s, u"group"_s, u"ab"_s, {u"alice"_s, u"bob"_s},
                                        {{u"bob"_s, u"one"_s}, {u"alice"_s, u"two"_s}})}));
        QString err;
        QVERIFY2(m_server->start(&err), qPrintable(err));
    }

    void writerCommitFailsWhileSending()
    {
        QTemporaryDir dir;
        const QUrl url = m_server->url();
        auto e = chat::test::makeEngine(dir.path(), url, u"alice"_s);
        QVERIFY(e);
        chat::test::connectEngine(*e, url, u"alice"_s, dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(e->isCaughtUp(), 20000);
        const QString conv = e->conversations().value(0).conversationId;
        QVERIFY(!conv.isEmpty());
        const QString path = e->storePath();

        // Bob writes while alice is away: the catch-up page brings it (the writer thread).
        e->disconnectFromServer();
        QTRY_COMPARE_WITH_TIMEOUT(e->state(), SyncEngine::State::Offline, 10000);
        chat::test::AdminClient admin(url);
        QVERIFY(admin.isOpen());
        for (int i = 0; i < 3; ++i)
            QVERIFY(admin.inject(u"bob"_s, conv, u"while away %1"_s.arg(i)));

        QString err;
        QVERIFY2(execOnStore(path, kFailCommits, &err), qPrintable(err));
        QStringList reported;
        connect(e.get(), &SyncEngine::errorOccurred, this,
                [&reported](const Error &error) { reported.append(error.message); });
        int sentSignals = 0;
        connect(e.get(), &SyncEngine::messageSent, this, [&sentSignals] { ++sentSignals; });
        bool shownAsSent = false;
        connect(e.get(), &SyncEngine::changes, this, [&](const ChangeBatch &b) {
            for (const MessageChange &c : b.messages.value(conv))
                if (c.message.outgoing && c.message.seq > 0
                    && c.message.content == "sent while the disk is full"_L1)
                    shownAsSent = true;
        });

        const int rollbacksBefore = g_rollbacks.load();
        chat::test::connectEngine(*e, url, u"alice"_s, dir.path());
        const auto sent = e->send(conv, u"sent while the disk is full"_s);
        QVERIFY2(sent, "the outbox insert does not touch messages and must succeed");
        const QString localId = sent.value();

        // The page and the ack fail again and again; the user hears of it once.
        QTRY_VERIFY_WITH_TIMEOUT(g_rollbacks.load() - rollbacksBefore >= 6, 30000);
        QCOMPARE(reported.size(), 1);
        QVERIFY2(reported.first().contains(u"FOREIGN KEY"_s), qPrintable(reported.first()));
        // Each failed transaction was rolled back: the write lock is free (our BEGIN
        // IMMEDIATE does not wait at all), so the engine's thread never waits for it either.
        QTRY_VERIFY_WITH_TIMEOUT(
            execOnStore(path, {u"BEGIN IMMEDIATE"_s, u"ROLLBACK"_s}, nullptr, 0), 10000);
        // Nothing shown or stored as sent that was not stored.
        QVERIFY(!shownAsSent);
        QCOMPARE(sentSignals, 0);
        QCOMPARE(e->outbox().size(), 1);
        QCOMPARE(e->message(localId)->state, DeliveryState::Pending);
        QVERIFY(!e->isCaughtUp());
        QCOMPARE(chat::test::allMessages(*e, conv).size(), 2);

        // Writes work again: the paused catch-up and the send complete, each message once.
        QVERIFY2(execOnStore(path, kWorkAgain, &err), qPrintable(err));
        QTRY_VERIFY_WITH_TIMEOUT(e->isCaughtUp() && e->outbox().isEmpty(), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(chat::test::allMessages(*e, conv).size(), 6, 20000);
        const QList<LocalMessage> all = chat::test::allMessages(*e, conv);
        for (int i = 0; i < all.size(); ++i)
            QCOMPARE(all.at(i).seq, qint64(i + 1));
        QCOMPARE(e->message(localId)->state == DeliveryState::Pending, false);
        QVERIFY(e->message(localId)->seq > 0);
        QCOMPARE(sentSignals, 1);
        QVERIFY(shownAsSent);
        QCOMPARE(reported.size(), 1);
    }

    void cleanupTestCase()
    {
        m_server.reset();
        qInstallMessageHandler(g_previous);
    }
};

QTEST_GUILESS_MAIN(TstStorageFaults)
#include "tst_sync_storagefaults.moc"
