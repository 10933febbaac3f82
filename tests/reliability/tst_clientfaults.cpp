// The client survives its own faults. A corrupt local store is detected when the account is
// opened (PRAGMA quick_check), set aside and rebuilt from the server, the unsent outbox kept
// (same client_msg_id: delivered exactly once) and the user told (errorOccurred). A disk that
// fills up while a message is queued: send() reports the storage error and nothing is shown
// as pending or sent that was not stored.
#include "harness.h"

#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>
#include <sys/mount.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace chat::sync;

class TstClientFaults : public QObject
{
    Q_OBJECT
    std::unique_ptr<chat::test::TestServer> m_server;

    QString conversationOf(SyncEngine &e) { return e.conversations().value(0).conversationId; }

private Q_SLOTS:
    void initTestCase()
    {
        m_server = std::make_unique<chat::test::TestServer>(chat::test::fixture(
            {u"alice"_s, u"bob"_s},
            QJsonArray{chat::test::conversation(
                u"ab"_s, u"group"_s, u"ab"_s, {u"alice"_s, u"bob"_s},
                {{u"bob"_s, u"one"_s}, {u"bob"_s, u"two"_s}, {u"bob"_s, u"three"_s}})}));
        QString err;
        QVERIFY2(m_server->start(&err), qPrintable(err));
    }

    void corruptStoreIsRebuiltKeepingTheOutbox()
    {
        QTemporaryDir dir;
        const QUrl url = m_server->url();
        QString conv, queuedId, path;
        {
            auto e = chat::test::makeEngine(dir.path(), url, u"alice"_s);
            QVERIFY(e);
            chat::test::connectEngine(*e, url, u"alice"_s, dir.path());
            QTRY_VERIFY_WITH_TIMEOUT(e->isCaughtUp(), 30000);
            conv = conversationOf(*e);
            QVERIFY(!conv.isEmpty());
            e->loadAll(conv);
            QTRY_COMPARE_WITH_TIMEOUT(chat::test::allMessages(*e, conv).size(), 3, 30000);
            e->disconnectFromServer();
            const auto queued = e->send(conv, u"queued before the crash"_s);
            QVERIFY(queued);
            queuedId = queued.value();
            path = e->storePath();
        }
        // Damage the messages table's root page (after a checkpoint, so the WAL holds nothing).
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"damage"_s);
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"PRAGMA wal_checkpoint(TRUNCATE)"_s));
            QVERIFY(q.exec(u"PRAGMA page_size"_s) && q.next());
            const qint64 pageSize = q.value(0).toLongLong();
            QVERIFY(q.exec(u"SELECT rootpage FROM sqlite_master WHERE name = 'messages'"_s)
                    && q.next());
            const qint64 root = q.value(0).toLongLong();
            QVERIFY(root > 1);
            q.finish();
            db.close();
            db = {};
            QSqlDatabase::removeDatabase(u"damage"_s);
            QFile f(path);
            QVERIFY(f.open(QIODevice::ReadWrite));
            QVERIFY(f.seek((root - 1) * pageSize));
            f.write(QByteArray(pageSize, '\xab'));
        }
        SyncEngine e;
        QStringList told;
        connect(&e, &SyncEngine::errorOccurred, this,
                [&told](const Error &err) { told.append(err.message); });
        QVERIFY(e.openAccount(url, u"alice"_s, chat::test::engineOptions(dir.path())));
        QTRY_VERIFY_WITH_TIMEOUT(!told.isEmpty(), 10000);
        QVERIFY2(told.first().contains(u"damaged"_s) && told.first().contains(u"1 unsent"_s),
                 qPrintable(told.first()));
        const QStringList aside =
            QDir(QFileInfo(path).absolutePath()).entryList({u"store.sqlite.corrupt-*"_s});
        QVERIFY2(!aside.isEmpty(), "the damaged file is kept aside for inspection");
        const QList<LocalMessage> outbox = e.outbox();
        QCOMPARE(outbox.size(), 1);
        QCOMPARE(outbox.first().localId, queuedId);
        QCOMPARE(outbox.first().content, u"queued before the crash"_s);
        // Rebuilt from the server; the kept message delivered exactly once.
        chat::test::connectEngine(e, url, u"alice"_s, dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(e.isCaughtUp() && e.outbox().isEmpty(), 30000);
        e.loadAll(conv);
        QTRY_COMPARE_WITH_TIMEOUT(chat::test::allMessages(e, conv).size(), 4, 30000);
        int copies = 0;
        for (const LocalMessage &m : chat::test::allMessages(e, conv))
            copies += m.content == u"queued before the crash"_s;
        QCOMPARE(copies, 1);
    }

    void diskFullWhileQueuingIsReportedAndNothingShown()
    {
        if (::geteuid() != 0)
            QSKIP("needs root to mount a small tmpfs (the server-side disk-full test has a "
                  "libfiu path)");
        QTemporaryDir base;
        const QString dir = base.filePath(u"tmpfs"_s);
        QDir().mkpath(dir);
        QCOMPARE(::mount("tmpfs", dir.toLocal8Bit().constData(), "tmpfs", 0, "size=1m"), 0);
        {
            auto e = chat::test::makeEngine(dir, m_server->url(), u"bob"_s);
            QVERIFY(e);
            chat::test::connectEngine(*e, m_server->url(), u"bob"_s, dir);
            QTRY_VERIFY_WITH_TIMEOUT(e->isCaughtUp(), 30000);
            const QString conv = conversationOf(*e);
            e->disconnectFromServer();
            // Fill the disk to the last byte.
            {
                QFile filler(dir + u"/filler"_s);
                QVERIFY(filler.open(QIODevice::WriteOnly));
                const QByteArray block(16 * 1024, '\0');
                while (filler.write(block) == block.size() && filler.flush()) { }
                while (filler.write("x", 1) == 1 && filler.flush()) { }
            }
            int pendingShown = 0;
            connect(e.get(), &SyncEngine::changes, this, [&](const ChangeBatch &b) {
                for (const auto &list : b.messages)
                    for (const MessageChange &c : list)
                        pendingShown += c.kind == MessageChange::Kind::Inserted;
            });
            int refused = 0, accepted = 0;
            QStringList acceptedIds;
            for (int i = 0; i < 50; ++i) {
                const auto r = e->send(conv, QString(3000, u'z') + QString::number(i));
                if (r) {
                    ++accepted;
                    acceptedIds.append(r.value());
                } else {
                    QCOMPARE(r.error().code, Error::Code::Storage);
                    QVERIFY(!r.error().message.isEmpty());
                    ++refused;
                }
            }
            QVERIFY2(refused > 0, "the full disk was never noticed");
            // Only what was stored is shown, and it is all in the outbox.
            QTest::qWait(200);
            QCOMPARE(pendingShown, accepted);
            QCOMPARE(e->outbox().size(), accepted);
            QFile::remove(dir + u"/filler"_s);
            // With room again, what was accepted is delivered.
            chat::test::connectEngine(*e, m_server->url(), u"bob"_s, dir);
            QTRY_VERIFY_WITH_TIMEOUT(e->outbox().isEmpty(), 60000);
        }
        QCOMPARE(::umount(dir.toLocal8Bit().constData()), 0);
    }

    void cleanupTestCase() { m_server.reset(); }
};

QTEST_GUILESS_MAIN(TstClientFaults)
#include "tst_clientfaults.moc"
