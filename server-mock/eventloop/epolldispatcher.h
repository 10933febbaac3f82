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
// A wakeUp() on the dispatcher's own thread (an event posted by a handler: a queued call, a
// deleteLater) writes nothing: that thread is not asleep, and the next processEvents() sends
// the posted events before it may block (it does not block if they were posted while it was
// sending them). At a low message rate most posts are such self-posts, and each cost a write,
// an epoll_wait wake-up and two reads of the eventfd.
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
    // The thread that runs processEvents() (null until it first does): its wakeUp()s only
    // set m_selfWake, which only that thread reads.
    std::atomic<Qt::HANDLE> m_owner{nullptr};
    bool m_selfWake = false;
    std::atomic<bool> m_interrupt{false};
    QHash<int, SocketEntry> m_sockets;
    QList<int> m_alwaysReady;
    QHash<int, Timer> m_timers;
    std::vector<HeapEntry> m_heap; // min-heap by deadline; stale entries skipped lazily
    quint64 m_nextSerial = 0;
    std::vector<epoll_event> m_events; // epoll_wait output buffer
};

} // namespace chat::eventloop
