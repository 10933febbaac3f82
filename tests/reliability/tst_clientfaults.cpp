// The client survives its own faults. A corrupt local store is detected when the account is
// opened (PRAGMA quick_check after an unclean shutdown, a probe of every table's root
// otherwise), set aside and rebuilt from the server, the unsent outbox kept
// (same client_msg_id: delivered exactly once) and the user told (errorOccurred). A disk that
// fills up while a message is queued: send() reports the storage error and nothing is shown
// as pending or sent that was not stored; once there is room again, what was accepted is
// delivered.
#include "harness.h"
#include "sync/localstore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QSqlDatabase>
#include <QSqlError>
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

    // A PASSIVE checkpoint from a connection of our own; true if the whole WAL was copied.
    static bool checkpointed(const QString &path)
    {
        bool done = false;
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"checkpoint"_s);
            db.setDatabaseName(path);
            if (db.open()) {
                QSqlQuery q(db);
                // Columns: busy, frames in the WAL, frames copied back.
                if (q.exec(u"PRAGMA wal_checkpoint(PASSIVE)"_s) && q.next())
                    done = q.value(0).toInt() == 0 && q.value(1).toInt() == q.value(2).toInt();
                else
                    qWarning() << "checkpoint:" << q.lastError().text();
            }
        }
        QSqlDatabase::removeDatabase(u"checkpoint"_s);
        return done;
    }

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

    void corruptStoreIsRebuiltKeepingTheOutbox_data()
    {
        QTest::addColumn<bool>("afterCrash");
        QTest::newRow("clean shutdown: light check") << false;
        QTest::newRow("unclean shutdown: quick_check") << true;
    }

    void corruptStoreIsRebuiltKeepingTheOutbox()
    {
        QFETCH(bool, afterCrash);
        const QString text =
            u"queued before the crash (%1)"_s.arg(QString::fromUtf8(QTest::currentDataTag()));
        int before = 0;
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
            QTRY_VERIFY_WITH_TIMEOUT(
                chat::test::allMessages(*e, conv).size() >= 3 && e->gaps(conv).isEmpty(), 30000);
            before = int(chat::test::allMessages(*e, conv).size());
            e->disconnectFromServer();
            const auto queued = e->send(conv, text);
            QVERIFY(queued);
            queuedId = queued.value();
            path = e->storePath();
            QVERIFY(QFile::exists(path + u".open"_s)); // the unclean-shutdown marker
        }
        QVERIFY(!QFile::exists(path + u".open"_s)); // removed by a clean close
        if (afterCrash) {
            QFile marker(path + u".open"_s); // as a crash or power loss leaves it
            QVERIFY(marker.open(QIODevice::WriteOnly));
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
        QCOMPARE(outbox.first().content, text);
        // Rebuilt from the server; the kept message delivered exactly once.
        chat::test::connectEngine(e, url, u"alice"_s, dir.path());
        QTRY_VERIFY_WITH_TIMEOUT(e.isCaughtUp() && e.outbox().isEmpty(), 30000);
        e.loadAll(conv);
        QTRY_COMPARE_WITH_TIMEOUT(chat::test::allMessages(e, conv).size(), before + 1, 30000);
        int copies = 0;
        for (const LocalMessage &m : chat::test::allMessages(e, conv))
            copies += m.content == text;
        QCOMPARE(copies, 1);
    }

    // The full check reads every page (seconds on a big cache), so it runs only when it can
    // pay off: after an unclean shutdown, or when the last one is a week old.
    void fullCheckOnlyAfterUncleanShutdownOrAWeek()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"store.sqlite"_s);
        auto stamp = [&] {
            QFile f(path + u".checked"_s);
            return f.open(QIODevice::ReadOnly) ? f.readAll().toLongLong() : -1;
        };
        {
            auto s = LocalStore::open(path);
            QVERIFY(s);
            QVERIFY(QFile::exists(path + u".open"_s));
        }
        const qint64 created = stamp();
        QVERIFY(created > 0);
        QVERIFY(!QFile::exists(path + u".open"_s));
        QTest::qWait(5);                 // stamps are milliseconds
        QVERIFY(LocalStore::open(path)); // clean: light check only
        QCOMPARE(stamp(), created);
        {
            QFile marker(path + u".open"_s); // a crash left the marker
            QVERIFY(marker.open(QIODevice::WriteOnly));
        }
        QVERIFY(LocalStore::open(path));
        const qint64 afterCrash = stamp();
        QVERIFY(afterCrash > created);
        QVERIFY(!QFile::exists(path + u".open"_s));
        {
            QFile f(path + u".checked"_s); // eight days ago
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(
                QByteArray::number(QDateTime::currentMSecsSinceEpoch() - 8LL * 24 * 3600 * 1000));
        }
        QVERIFY(LocalStore::open(path));
        QVERIFY(stamp() >= afterCrash);
    }

    void diskFullWhileQueuingIsReportedAndNothingShown()
    {
        if (::geteuid() != 0)
            QSKIP("needs root to mount a small tmpfs (the server-side disk-full test has a "
                  "libfiu path)");
        QTemporaryDir base;
        const QString dir = base.filePath(u"tmpfs"_s);
        QDir().mkpath(dir);
        // 4 MiB: the filler below takes whatever the store leaves free, so the size only
        // decides how much room there is "again" at the end. Each ack writes ~80 KB of WAL
        // frames here (a 3,000-character message, its search index, the outbox row), and
        // with 1 MiB the freed room was smaller than the acks of the accepted messages: the
        // WAL took all of it and its checkpoint could no longer grow the database file.
        QCOMPARE(::mount("tmpfs", dir.toLocal8Bit().constData(), "tmpfs", 0, "size=4m"), 0);
        {
            auto e = chat::test::makeEngine(dir, m_server->url(), u"bob"_s);
            QVERIFY(e);
            chat::test::connectEngine(*e, m_server->url(), u"bob"_s, dir);
            QTRY_VERIFY_WITH_TIMEOUT(e->isCaughtUp(), 30000);
            const QString conv = conversationOf(*e);
            e->disconnectFromServer();
            // Copy the WAL back into the database (as the store's checkpoint thread does
            // soon after a commit): the next commits restart the WAL and reuse its space, so
            // some sends fit on the full disk and later ones do not - both paths, every run.
            QTRY_VERIFY_WITH_TIMEOUT(checkpointed(e->storePath()), 10000);
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
            QVERIFY2(accepted > 0, "nothing fitted into the reused WAL");
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
