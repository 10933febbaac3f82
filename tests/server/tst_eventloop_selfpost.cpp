// EpollEventDispatcher's self-posts (server-mock/eventloop): an event posted on the loop's own
// thread writes no eventfd, so the loop must still deliver it before it blocks. Each test runs
// a real QEventLoop whose only other wake-up is a 20 s watchdog: a self-post the loop slept on
// instead of delivering would stall the chain until the watchdog quits the loop, and fail.
// Cross-thread posts (the store writer's completions) must still wake a sleeping loop.
#include "epolldispatcher.h"

#include <QEventLoop>
#include <QSocketNotifier>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <sys/socket.h>
#include <unistd.h>

using chat::eventloop::EpollEventDispatcher;

class TestEventLoopSelfPost : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void isInstalled();
    void chainOfSelfPostsFromPostedEvents();
    void selfPostFromASocketHandler();
    void selfPostFromATimerHandler();
    void crossThreadPostStillWakesTheLoop();

private:
    // Runs `loop` until it quits; false if the watchdog had to stop it.
    static bool runWithWatchdog(QEventLoop &loop);
};

bool TestEventLoopSelfPost::runWithWatchdog(QEventLoop &loop)
{
    bool timedOut = false;
    QTimer watchdog;
    watchdog.setSingleShot(true);
    QObject::connect(&watchdog, &QTimer::timeout, &loop, [&] {
        timedOut = true;
        loop.quit();
    });
    watchdog.start(20000);
    loop.exec();
    return !timedOut;
}

void TestEventLoopSelfPost::isInstalled()
{
    QVERIFY(qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance()));
}

void TestEventLoopSelfPost::chainOfSelfPostsFromPostedEvents()
{
    // Each queued call posts the next from inside sendPostedEvents(): Qt leaves such events
    // for the next pass, so the loop must not block between the passes.
    QEventLoop loop;
    int n = 0;
    std::function<void()> step = [&] {
        if (++n == 2000)
            loop.quit();
        else
            QMetaObject::invokeMethod(&loop, step, Qt::QueuedConnection);
    };
    QMetaObject::invokeMethod(&loop, step, Qt::QueuedConnection);
    QVERIFY(runWithWatchdog(loop));
    QCOMPARE(n, 2000);
}

void TestEventLoopSelfPost::selfPostFromASocketHandler()
{
    // A socket handler posts (as the transport posts its flush): delivered before the loop
    // sleeps again, many times over.
    int fd[2];
    QCOMPARE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd), 0);
    QEventLoop loop;
    QSocketNotifier notifier(fd[0], QSocketNotifier::Read);
    int delivered = 0;
    const auto poke = [&] { QCOMPARE(write(fd[1], "x", 1), ssize_t(1)); };
    QObject::connect(&notifier, &QSocketNotifier::activated, &loop, [&] {
        char c;
        while (read(fd[0], &c, 1) > 0) { }
        QMetaObject::invokeMethod(
            &loop,
            [&] {
                if (++delivered == 500)
                    loop.quit();
                else
                    poke(); // the next round only once this post was delivered
            },
            Qt::QueuedConnection);
    });
    poke();
    const bool ok = runWithWatchdog(loop);
    close(fd[0]);
    close(fd[1]);
    QVERIFY(ok);
    QCOMPARE(delivered, 500);
}

void TestEventLoopSelfPost::selfPostFromATimerHandler()
{
    QEventLoop loop;
    int delivered = 0;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, [&] {
        QMetaObject::invokeMethod(
            &loop,
            [&] {
                if (++delivered == 50)
                    loop.quit();
                else
                    timer.start(1);
            },
            Qt::QueuedConnection);
    });
    timer.start(1);
    QVERIFY(runWithWatchdog(loop));
    QCOMPARE(delivered, 50);
}

void TestEventLoopSelfPost::crossThreadPostStillWakesTheLoop()
{
    // The loop is asleep in epoll_wait (no timer due before the watchdog); posts from another
    // thread must wake it each time, including after self-posts have run in between.
    QEventLoop loop;
    int delivered = 0;
    std::unique_ptr<QThread> poster(QThread::create([&] {
        for (int i = 0; i < 200; ++i) {
            QThread::usleep(500);
            QMetaObject::invokeMethod(
                &loop,
                [&] {
                    QMetaObject::invokeMethod(
                        &loop,
                        [&] {
                            if (++delivered == 200)
                                loop.quit();
                        },
                        Qt::QueuedConnection);
                },
                Qt::QueuedConnection);
        }
    }));
    poster->start();
    const bool ok = runWithWatchdog(loop);
    poster->wait();
    QVERIFY(ok);
    QCOMPARE(delivered, 200);
}

int main(int argc, char **argv)
{
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    TestEventLoopSelfPost t;
    return QTest::qExec(&t, argc, argv);
}

#include "tst_eventloop_selfpost.moc"
