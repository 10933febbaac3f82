// The store writer's commit window (SqlWorker, CHAT_SERVER_COMMIT_WINDOW_US): jobs posted
// within the window share one transaction, every callback still reports its own result in
// submission order, and a failed commit inside a window reports `unavailable` to every job
// of that batch (nothing is acknowledged that was not committed). A real SqlStore on a
// temporary SQLite file.
#include "sqlstore.h"

#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace chat::server;

class TestGroupCommit : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void windowGroupsJobs();
    void failedCommitFailsTheWholeWindow();
    void windowIsReadFromTheEnvironment();

private:
    std::unique_ptr<SqlStore> openStore(QTemporaryDir &dir, int windowUs);
    StoreStats stats(SqlStore &store);
};

std::unique_ptr<SqlStore> TestGroupCommit::openStore(QTemporaryDir &dir, int windowUs)
{
    qputenv("CHAT_SERVER_COMMIT_WINDOW_US", QByteArray::number(windowUs));
    auto store = SqlStore::sqlite(dir.path(), 256, 1000);
    qunsetenv("CHAT_SERVER_COMMIT_WINDOW_US");
    QString err;
    if (!store->open(&err))
        qFatal("open: %s", qPrintable(err));
    return store;
}

StoreStats TestGroupCommit::stats(SqlStore &store)
{
    std::optional<StoreStats> out;
    store.stats(this, [&out](Result<StoreStats> r) { out = r.value(); });
    if (!QTest::qWaitFor([&out] { return out.has_value(); }, 20000))
        qFatal("no stats");
    return *out;
}

void TestGroupCommit::windowGroupsJobs()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // 100 ms: far longer than posting 20 jobs takes, even on a busy machine.
    auto store = openStore(dir, 100000);
    const StoreStats before = stats(*store);
    QStringList order;
    int ok = 0;
    for (int i = 0; i < 20; ++i) {
        const QString name = u"user%1"_s.arg(i);
        store->createUser(name, "hash", name, this, [&, name](Result<chat::proto::User> r) {
            order << name;
            if (r.ok() && r.value().username == name)
                ++ok;
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(order.size(), 20, 20000);
    QCOMPARE(ok, 20);
    for (int i = 0; i < 20; ++i)
        QCOMPARE(order[i], u"user%1"_s.arg(i)); // submission order
    const StoreStats after = stats(*store);
    QCOMPARE(after.writeJobs - before.writeJobs, 20);
    // All twenty arrived inside one window: fewer transactions than jobs (one, unless the
    // machine stalled this thread for longer than the window).
    QVERIFY2(
        after.writeTransactions - before.writeTransactions < 20,
        qPrintable(u"%1 transactions"_s.arg(after.writeTransactions - before.writeTransactions)));
    QCOMPARE(after.users - before.users, 20);
}

void TestGroupCommit::failedCommitFailsTheWholeWindow()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto store = openStore(dir, 100000);
    store->failNextCommits(1);
    QList<chat::proto::ErrorCode> codes;
    int succeeded = 0;
    for (int i = 0; i < 5; ++i) {
        const QString name = u"u%1"_s.arg(i);
        store->createUser(name, "hash", name, this, [&](Result<chat::proto::User> r) {
            if (r.ok())
                ++succeeded;
            else
                codes << r.error().code;
        });
    }
    QTRY_COMPARE_WITH_TIMEOUT(codes.size() + succeeded, 5, 20000);
    // The first batch failed at COMMIT: each of its jobs says unavailable, none succeeded
    // falsely; jobs that missed that batch (a stalled poster) committed in the next one.
    QVERIFY(!codes.isEmpty());
    for (chat::proto::ErrorCode c : std::as_const(codes))
        QCOMPARE(c, chat::proto::ErrorCode::Unavailable);
    QCOMPARE(stats(*store).users, qint64(succeeded));
}

void TestGroupCommit::windowIsReadFromTheEnvironment()
{
    QCOMPARE(SqlStore::commitWindow(), SqlStore::kDefaultCommitWindow);
    qputenv("CHAT_SERVER_COMMIT_WINDOW_US", "1500");
    QCOMPARE(SqlStore::commitWindow(), std::chrono::microseconds(1500));
    qputenv("CHAT_SERVER_COMMIT_WINDOW_US", "-1"); // out of range: the default
    QCOMPARE(SqlStore::commitWindow(), SqlStore::kDefaultCommitWindow);
    qputenv("CHAT_SERVER_COMMIT_WINDOW_US", "many");
    QCOMPARE(SqlStore::commitWindow(), SqlStore::kDefaultCommitWindow);
    qunsetenv("CHAT_SERVER_COMMIT_WINDOW_US");
}

QTEST_GUILESS_MAIN(TestGroupCommit)
#include "tst_groupcommit.moc"
