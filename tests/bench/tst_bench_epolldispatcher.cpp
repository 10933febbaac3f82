// Unit tests of EpollEventDispatcher (server-mock/eventloop): installed as the application's
// dispatcher exactly as chat-server installs it, then exercised through ordinary Qt: timers,
// posted and deferred-delete events, cross-thread wake-ups, socket notifiers on socket pairs,
// TCP and WebSocket round trips, nested loops and a worker thread with its own instance.
#include "epolldispatcher.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QSemaphore>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

#include <memory>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using chat::eventloop::EpollEventDispatcher;

namespace {
struct SocketPair {
    int fd[2] = {-1, -1};
    SocketPair() { socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd); }
    ~SocketPair()
    {
        for (int f : fd)
            if (f >= 0)
                close(f);
    }
    void poke() { (void)!write(fd[1], "x", 1); }
    void drain()
    {
        char buf[64];
        while (read(fd[0], buf, sizeof buf) > 0) { }
    }
};

class TimerCounter : public QObject
{
public:
    QList<int> fired;
    std::function<void(int)> onFire;

protected:
    void timerEvent(QTimerEvent *e) override
    {
        fired.append(e->timerId());
        if (onFire)
            onFire(e->timerId());
    }
};
} // namespace

class TestEpollDispatcher : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void isInstalled()
    {
        auto *d = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
        QVERIFY(d);
        QVERIFY(d->isValid());
    }

    void singleShotTimersFireInDeadlineOrder()
    {
        QList<int> order;
        QTimer::singleShot(60, this, [&] { order.append(60); });
        QTimer::singleShot(20, this, [&] { order.append(20); });
        QTimer::singleShot(40, this, [&] { order.append(40); });
        QTimer::singleShot(0, this, [&] { order.append(0); });
        QTRY_COMPARE_WITH_TIMEOUT(order.size(), 4, 10000);
        QCOMPARE(order, (QList<int>{0, 20, 40, 60}));
    }

    void repeatingTimerRepeatsAndStops()
    {
        TimerCounter c;
        const int id = c.startTimer(5);
        QTRY_VERIFY_WITH_TIMEOUT(c.fired.size() >= 5, 10000);
        c.killTimer(id);
        const auto count = c.fired.size();
        QTest::qWait(100);
        QCOMPARE(c.fired.size(), count);
        QVERIFY(c.fired.count(id) == count);
    }

    void timerKilledByAnotherHandlerInTheSamePassDoesNotFire()
    {
        TimerCounter c;
        int first = 0, second = 0;
        c.onFire = [&](int id) {
            if (id == first && second) {
                c.killTimer(second);
                second = 0;
            } else if (id == second && first) {
                c.killTimer(first);
                first = 0;
            }
        };
        first = c.startTimer(1);
        second = c.startTimer(1);
        QThread::msleep(20); // both due in the same pass
        QTRY_VERIFY_WITH_TIMEOUT(!c.fired.isEmpty(), 10000);
        QTest::qWait(50);
        // Whichever fired first killed the other: only one id ever fires.
        QCOMPARE(QSet<int>(c.fired.cbegin(), c.fired.cend()).size(), 1);
        c.killTimer(c.fired.first());
    }

    void registeredTimersAndRemainingTime()
    {
        TimerCounter c;
        auto *d = QAbstractEventDispatcher::instance();
        const int a = c.startTimer(5000);
        const int b = c.startTimer(2300, Qt::VeryCoarseTimer);
        const auto infos = d->registeredTimers(&c);
        QCOMPARE(infos.size(), 2);
        for (const auto &i : infos) {
            if (i.timerId == a)
                QCOMPARE(i.interval, 5000);
            else
                QCOMPARE(i.interval, 2000); // very coarse: whole seconds
        }
        const int left = d->remainingTime(a);
        QVERIFY2(left > 0 && left <= 5000, qPrintable(QString::number(left)));
        QCOMPARE(d->remainingTime(987654), -1);
        QVERIFY(d->unregisterTimers(&c));
        QVERIFY(d->registeredTimers(&c).isEmpty());
        QCOMPARE(d->remainingTime(b), -1);
    }

    void zeroTimerDoesNotStarveSockets()
    {
        int spins = 0;
        QTimer zero;
        zero.setInterval(0);
        connect(&zero, &QTimer::timeout, this, [&] { ++spins; });
        zero.start();
        SocketPair sp;
        QSocketNotifier n(qintptr(sp.fd[0]), QSocketNotifier::Read);
        int reads = 0;
        connect(&n, &QSocketNotifier::activated, this, [&] {
            ++reads;
            sp.drain();
        });
        sp.poke();
        QTRY_COMPARE_WITH_TIMEOUT(reads, 1, 10000);
        QVERIFY(spins > 0);
    }

    void postedAndDeferredDeleteEvents()
    {
        bool called = false;
        QMetaObject::invokeMethod(
            this, [&] { called = true; }, Qt::QueuedConnection);
        QPointer<QObject> doomed = new QObject;
        doomed->deleteLater();
        QTRY_VERIFY_WITH_TIMEOUT(called, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(doomed.isNull(), 10000);
    }

    void wakeUpFromAnotherThreadWhileBlocked()
    {
        // The main loop is blocked in epoll_wait (no timers due soon); a post from another
        // thread must wake it promptly.
        QEventLoop loop;
        QElapsedTimer t;
        std::unique_ptr<QThread> th(QThread::create([&] {
            QThread::msleep(50);
            t.start();
            QMetaObject::invokeMethod(&loop, &QEventLoop::quit, Qt::QueuedConnection);
        }));
        QTimer guard;
        guard.setSingleShot(true);
        connect(&guard, &QTimer::timeout, &loop, [&] { loop.exit(1); });
        guard.start(20000);
        th->start();
        QCOMPARE(loop.exec(), 0);
        th->wait();
        QVERIFY(t.isValid());
    }

    void crossThreadPingPongLosesNoWakeUp()
    {
        // A worker thread and the main loop take turns 5000 times through queued calls. The
        // main loop has no timer due for 20 s, so a single lost wake-up stalls the exchange
        // until the guard fires and the test fails (a lost wake-up once cost 1 s per ack in
        // chat-server, hidden by its 1 s sweeper timer).
        constexpr int kRounds = 5000;
        QEventLoop loop;
        QSemaphore turn;
        int done = 0;
        QObject receiver;
        std::unique_ptr<QThread> th(QThread::create([&] {
            for (int i = 0; i < kRounds; ++i) {
                QMetaObject::invokeMethod(
                    &receiver,
                    [&] {
                        if (++done == kRounds)
                            loop.quit();
                        turn.release();
                    },
                    Qt::QueuedConnection);
                turn.acquire();
            }
        }));
        QTimer guard;
        guard.setSingleShot(true);
        connect(&guard, &QTimer::timeout, &loop, [&] { loop.exit(1); });
        guard.start(20000);
        QElapsedTimer t;
        t.start();
        th->start();
        QCOMPARE(loop.exec(), 0);
        QVERIFY(th->wait(10000));
        QCOMPARE(done, kRounds);
        qInfo("%d cross-thread round trips in %lld ms", kRounds, t.elapsed());
    }

    void concurrentPostersLoseNoWakeUp()
    {
        // Four threads post bursts with short pauses, so the main loop keeps going to sleep
        // while others post: any lost wake-up leaves events waiting for the 20 s guard.
        constexpr int kThreads = 4, kBursts = 400, kPerBurst = 5;
        QEventLoop loop;
        std::atomic<int> done{0};
        QObject receiver;
        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back(QThread::create([&, t] {
                for (int b = 0; b < kBursts; ++b) {
                    for (int i = 0; i < kPerBurst; ++i)
                        QMetaObject::invokeMethod(
                            &receiver,
                            [&] {
                                if (++done == kThreads * kBursts * kPerBurst)
                                    loop.quit();
                            },
                            Qt::QueuedConnection);
                    QThread::usleep(20 + (b * 7 + t * 13) % 200);
                }
            }));
        QTimer guard;
        guard.setSingleShot(true);
        connect(&guard, &QTimer::timeout, &loop, [&] { loop.exit(1); });
        guard.start(20000);
        for (auto &th : threads)
            th->start();
        QCOMPARE(loop.exec(), 0);
        for (auto &th : threads)
            QVERIFY(th->wait(10000));
    }

    void manyIdleSocketsOnlyTheReadyOneFires()
    {
        constexpr int kPairs = 1500;
        std::vector<std::unique_ptr<SocketPair>> pairs;
        std::vector<std::unique_ptr<QSocketNotifier>> notifiers;
        QList<int> fired;
        for (int i = 0; i < kPairs; ++i) {
            pairs.push_back(std::make_unique<SocketPair>());
            QVERIFY(pairs.back()->fd[0] >= 0);
            auto n = std::make_unique<QSocketNotifier>(qintptr(pairs.back()->fd[0]),
                                                       QSocketNotifier::Read);
            connect(n.get(), &QSocketNotifier::activated, this, [&, i] {
                fired.append(i);
                pairs[size_t(i)]->drain();
            });
            notifiers.push_back(std::move(n));
        }
        auto *d = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
        QVERIFY(d->socketCount() >= kPairs);
        pairs[777]->poke();
        QTRY_COMPARE_WITH_TIMEOUT(fired.size(), 1, 10000);
        QCOMPARE(fired.first(), 777);
        // Level-triggered: unread data keeps firing; a disabled notifier stops.
        notifiers[5]->setEnabled(false);
        pairs[5]->poke();
        pairs[6]->poke();
        QTRY_VERIFY_WITH_TIMEOUT(fired.contains(6), 10000);
        QTest::qWait(50);
        QVERIFY(!fired.contains(5));
        notifiers[5]->setEnabled(true);
        QTRY_VERIFY_WITH_TIMEOUT(fired.contains(5), 10000);
        notifiers.clear();
        QVERIFY(d->socketCount() < kPairs);
    }

    void notifierDeletedByAnotherNotifiersSlot()
    {
        SocketPair a, b;
        auto *na = new QSocketNotifier(qintptr(a.fd[0]), QSocketNotifier::Read);
        QPointer<QSocketNotifier> nb = new QSocketNotifier(qintptr(b.fd[0]), QSocketNotifier::Read);
        int hits = 0;
        auto onReady = [&](QSocketNotifier *self, SocketPair &sp, QSocketNotifier *other) {
            ++hits;
            sp.drain();
            delete other; // both are ready in the same epoll batch
            Q_UNUSED(self);
        };
        connect(na, &QSocketNotifier::activated, this, [&] { onReady(na, a, nb.data()); });
        connect(nb, &QSocketNotifier::activated, this, [&] {
            ++hits;
            b.drain();
        });
        a.poke();
        b.poke();
        QTRY_VERIFY_WITH_TIMEOUT(hits >= 1, 10000);
        QTest::qWait(50);
        delete na;
        QVERIFY(hits >= 1 && hits <= 2);
    }

    void excludeSocketNotifiersFlag()
    {
        SocketPair sp;
        QSocketNotifier n(qintptr(sp.fd[0]), QSocketNotifier::Read);
        int reads = 0;
        connect(&n, &QSocketNotifier::activated, this, [&] {
            ++reads;
            sp.drain();
        });
        sp.poke();
        for (int i = 0; i < 5; ++i)
            QCoreApplication::processEvents(QEventLoop::ExcludeSocketNotifiers);
        QCOMPARE(reads, 0);
        QTRY_COMPARE_WITH_TIMEOUT(reads, 1, 10000);
    }

    void tcpEchoRoundTrip()
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        connect(&server, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket *s = server.nextPendingConnection())
                connect(s, &QTcpSocket::readyRead, s, [s] { s->write(s->readAll()); });
        });
        QTcpSocket client;
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, 10000);
        const QByteArray payload(256 * 1024, 'z'); // larger than socket buffers: write notifier
        client.write(payload);
        QByteArray got;
        connect(&client, &QTcpSocket::readyRead, this, [&] { got += client.readAll(); });
        QTRY_COMPARE_WITH_TIMEOUT(got.size(), payload.size(), 20000);
        QCOMPARE(got, payload);
    }

    void webSocketsManyClients()
    {
        QWebSocketServer server(u"t"_s, QWebSocketServer::NonSecureMode);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        connect(&server, &QWebSocketServer::newConnection, this, [&] {
            while (QWebSocket *s = server.nextPendingConnection()) {
                s->setParent(&server); // the caller owns accepted sockets (ASan: 200 leaked)
                connect(s, &QWebSocket::textMessageReceived, s,
                        [s](const QString &m) { s->sendTextMessage(m); });
            }
        });
        constexpr int kClients = 200;
        std::vector<std::unique_ptr<QWebSocket>> clients;
        int echoes = 0;
        for (int i = 0; i < kClients; ++i) {
            auto c = std::make_unique<QWebSocket>();
            QWebSocket *raw = c.get();
            connect(raw, &QWebSocket::connected, this,
                    [raw, i] { raw->sendTextMessage(u"hello %1"_s.arg(i)); });
            connect(raw, &QWebSocket::textMessageReceived, this, [&, i](const QString &m) {
                if (m == u"hello %1"_s.arg(i))
                    ++echoes;
            });
            raw->open(QUrl(u"ws://127.0.0.1:%1"_s.arg(server.serverPort())));
            clients.push_back(std::move(c));
        }
        QTRY_COMPARE_WITH_TIMEOUT(echoes, kClients, 20000);
    }

    void nestedEventLoopInsideTimerKeepsTimerAlive()
    {
        TimerCounter c;
        int nested = 0;
        c.onFire = [&](int) {
            if (nested++ == 0) {
                QEventLoop inner;
                QTimer::singleShot(30, &inner, &QEventLoop::quit);
                inner.exec();
            }
        };
        const int id = c.startTimer(5);
        QTRY_VERIFY_WITH_TIMEOUT(c.fired.size() >= 4, 10000);
        c.killTimer(id);
    }

    void workerThreadWithItsOwnDispatcher()
    {
        QThread th;
        th.setEventDispatcher(new EpollEventDispatcher);
        th.start();
        std::atomic<int> ticks{0};
        std::atomic<bool> isEpoll{false};
        QObject worker;
        worker.moveToThread(&th);
        QMetaObject::invokeMethod(&worker, [&] {
            isEpoll = qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance())
                      != nullptr;
            auto *t = new QTimer(&worker);
            QObject::connect(t, &QTimer::timeout, &worker, [&] { ++ticks; });
            t->start(2);
        });
        QTRY_VERIFY_WITH_TIMEOUT(ticks.load() >= 5, 10000);
        QVERIFY(isEpoll.load());
        QMetaObject::invokeMethod(
            &worker, [&] { qDeleteAll(worker.children()); }, Qt::BlockingQueuedConnection);
        th.quit();
        QVERIFY(th.wait(10000));
    }
};

int main(int argc, char **argv)
{
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    TestEpollDispatcher t;
    return QTest::qExec(&t, argc, argv);
}

#include "tst_bench_epolldispatcher.moc"
