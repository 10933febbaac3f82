// EpollEventDispatcher: a QAbstractEventDispatcher for Linux built on epoll, for servers that
// hold thousands of mostly idle sockets. Qt's stock dispatchers (glib and UNIX) rebuild and
// scan a pollfd array of every registered socket on every loop iteration, so each wake-up costs
// O(connections); here the kernel keeps the interest list (epoll_ctl on notifier changes only)
// and a wake-up costs O(ready sockets + due timers · log timers).
//
//   QCoreApplication::setEventDispatcher(new chat::eventloop::EpollEventDispatcher);
//   QCoreApplication app(argc, argv);   // install before the application object exists
//
// Semantics follow Qt's UNIX dispatcher: level-triggered socket notifiers; timers ordered in a
// min-heap (Precise and Coarse to the millisecond, VeryCoarse rounded to whole seconds); posted
// events sent at the start of every processEvents(); wakeUp() through an eventfd, safe from any
// thread. Each thread needs its own instance (QThread::setEventDispatcher before start()).
#pragma once

#include <QAbstractEventDispatcher>
#include <QHash>

#include <sys/epoll.h>

#include <atomic>
#include <vector>

namespace chat::eventloop {

class EpollEventDispatcher : public QAbstractEventDispatcher
{
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    // False if epoll or eventfd could not be created (the dispatcher is then unusable).
    bool isValid() const { return m_epoll >= 0 && m_wakeFd >= 0; }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    using QAbstractEventDispatcher::registerTimer;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

    // Diagnostics for tests and benchmarks.
    int socketCount() const { return int(m_sockets.size()); }
    int timerCount() const { return int(m_timers.size()); }

private:
    struct SocketEntry {
        QSocketNotifier *read = nullptr, *write = nullptr, *exception = nullptr;
        quint32 events = 0;       // the epoll mask currently registered
        bool alwaysReady = false; // regular files: epoll refuses them, poll says "ready"
    };
    struct Timer {
        QObject *object = nullptr;
        qint64 intervalMs = 0;
        qint64 deadlineNs = 0;
        Qt::TimerType type = Qt::CoarseTimer;
        quint64 serial = 0;   // matches the live heap entry
        bool inEvent = false; // being delivered: never re-entered
    };
    struct HeapEntry {
        qint64 deadlineNs;
        int timerId;
        quint64 serial;
        bool operator>(const HeapEntry &o) const { return deadlineNs > o.deadlineNs; }
    };

    void updateSocket(int fd, SocketEntry &entry);
    void pushHeap(int timerId, Timer &t);
    qint64 nextTimerDeadlineNs();
    bool activateTimers();
    bool activateSockets(int ready);
    void activate(int fd, quint32 events);
    void drainWakeUp();

    int m_epoll = -1;
    int m_wakeFd = -1;
    std::atomic<bool> m_wakeUpPending{false};
    std::atomic<bool> m_interrupt{false};
    QHash<int, SocketEntry> m_sockets;
    QList<int> m_alwaysReady;
    QHash<int, Timer> m_timers;
    std::vector<HeapEntry> m_heap; // min-heap by deadline; stale entries skipped lazily
    quint64 m_nextSerial = 0;
    std::vector<epoll_event> m_events; // epoll_wait output buffer
};

} // namespace chat::eventloop
