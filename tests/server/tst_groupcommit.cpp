// The store writer's commit window (SqlWorker, CHAT_SERVER_COMMIT_WINDOW_US): jobs posted
// within the window share one transaction, every callback still reports its own result in
// submission order, and a failed commit inside a window reports `unavailable` to every job
// of that batch (nothing is acknowledged that was not committed). A real SqlStore on a
// temporary SQLite file. Also the adaptive window's estimate (AdaptiveWindow, on synthetic
// arrival times) and a commit far larger than the WAL buffer's single write (walbuffervfs.h)
// stored and read back after the store is reopened.
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
    void adaptiveWindowWaitsOnlyForANearNextJob();
    void adaptiveWindowIsReadFromTheEnvironment();
    void largeCommitThroughTheWalBuffer();

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

void TestGroupCommit::adaptiveWindowWaitsOnlyForANearNextJob()
{
    using namespace std::chrono;
    using Clock = AdaptiveWindow::Clock;
    const Clock::time_point t0{};
    AdaptiveWindow w(microseconds(2000));
    QVERIFY(w.enabled());
    // Nothing seen yet, and the first job after that: commit at once.
    QVERIFY(!w.deadline(t0).has_value());
    w.arrived(t0);
    QVERIFY(!w.deadline(t0).has_value());
    // Steady arrivals 1 ms apart: wait 1.5 gaps past the oldest job (1.5 ms <= 2 ms).
    Clock::time_point t = t0;
    for (int i = 0; i < 40; ++i)
        w.arrived(t += milliseconds(1));
    QVERIFY(w.deadline(t).has_value());
    const double waitUs = duration<double, std::micro>(*w.deadline(t) - t).count();
    QVERIFY2(waitUs > 1400 && waitUs <= 2000, qPrintable(QString::number(waitUs)));
    // ... and after a commit with nothing queued, sleep about two gaps (the next job and
    // the one after it share the next commit), within the bound.
    QVERIFY(w.nextBatchAt(t).has_value());
    const double sleepUs = duration<double, std::micro>(*w.nextBatchAt(t) - t).count();
    QVERIFY2(sleepUs > 1900 && sleepUs <= 2000, qPrintable(QString::number(sleepUs)));
    // One quiet second: the next job commits at once (an idle server adds no delay).
    w.arrived(t += seconds(1));
    QVERIFY(!w.deadline(t).has_value());
    QVERIFY(!w.nextBatchAt(t).has_value()); // sleep until a job comes
    // Bursts of five every 1 ms (5k/s as chat-bench offers it): a short wait.
    for (int i = 0; i < 40; ++i) {
        t += milliseconds(1);
        for (int k = 0; k < 5; ++k)
            w.arrived(t + microseconds(10 * k));
    }
    QVERIFY(w.deadline(t).has_value());
    const double burstWaitUs = duration<double, std::micro>(*w.deadline(t) - t).count();
    QVERIFY2(burstWaitUs < 600, qPrintable(QString::number(w.averageGapUs())));
    // Arrivals 1.5 ms apart: waiting 2.25 ms would pass the 2 ms bound, so nothing waits.
    for (int i = 0; i < 40; ++i)
        w.arrived(t += microseconds(1500));
    QVERIFY(!w.deadline(t).has_value());
    QVERIFY(!w.nextBatchAt(t).has_value());
    // Off.
    AdaptiveWindow off(microseconds(0));
    QVERIFY(!off.enabled());
    off.arrived(t);
    off.arrived(t + microseconds(1));
    QVERIFY(!off.deadline(t).has_value());
    QVERIFY(!off.nextBatchAt(t).has_value());
}

void TestGroupCommit::adaptiveWindowIsReadFromTheEnvironment()
{
    QCOMPARE(SqlStore::adaptiveCommitWindow(), SqlStore::kDefaultAdaptiveCommitWindow);
    qputenv("CHAT_SERVER_COMMIT_WINDOW_AUTO_US", "0");
    QCOMPARE(SqlStore::adaptiveCommitWindow(), std::chrono::microseconds(0));
    qputenv("CHAT_SERVER_COMMIT_WINDOW_AUTO_US", "700");
    QCOMPARE(SqlStore::adaptiveCommitWindow(), std::chrono::microseconds(700));
    qputenv("CHAT_SERVER_COMMIT_WINDOW_AUTO_US", "100001"); // out of range: the default
    QCOMPARE(SqlStore::adaptiveCommitWindow(), SqlStore::kDefaultAdaptiveCommitWindow);
    qunsetenv("CHAT_SERVER_COMMIT_WINDOW_AUTO_US");
}

void TestGroupCommit::largeCommitThroughTheWalBuffer()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // Twenty users with 40,000-character names in one 100 ms window: one commit of well over
    // a megabyte of WAL frames, i.e. past both the buffer's bound and the default VFS's
    // largest single write (128 KiB).
    const QString big(40000, u'x');
    {
        auto store = openStore(dir, 100000);
        int ok = 0, failed = 0;
        for (int i = 0; i < 20; ++i) {
            const QString name = u"big%1"_s.arg(i);
            store->createUser(name, "hash", big + name, this,
                              [&](Result<chat::proto::User> r) { r.ok() ? ++ok : ++failed; });
        }
        QTRY_COMPARE_WITH_TIMEOUT(ok + failed, 20, 20000);
        QCOMPARE(failed, 0);
        QCOMPARE(stats(*store).users, qint64(20));
        store->close();
    }
    // Reopened: every user is there with its whole name (what was written is what was read).
    auto store = openStore(dir, 0);
    QCOMPARE(stats(*store).users, qint64(20));
    std::optional<chat::proto::User> user;
    store->resolveUser(u"big7"_s, this, [&](Result<chat::proto::User> r) {
        if (r.ok())
            user = r.value();
    });
    QTRY_VERIFY_WITH_TIMEOUT(user.has_value(), 20000);
    QCOMPARE(user->displayName, big + u"big7"_s);
}

QTEST_GUILESS_MAIN(TestGroupCommit)
#include "tst_groupcommit.moc"
