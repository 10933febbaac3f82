#include "epolldispatcher.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QThread>
#include <QtDebug>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace chat::eventloop {

namespace {

constexpr quint64 kWakeTag = ~quint64(0); // epoll data of the eventfd (fds are small ints)
constexpr int kMaxEventsPerWait = 512;

qint64 monotonicNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

// Qt's rule for VeryCoarse timers: whole seconds, rounded to the nearest.
qint64 effectiveIntervalMs(qint64 interval, Qt::TimerType type)
{
    if (type != Qt::VeryCoarseTimer)
        return interval;
    return ((interval + 500) / 1000) * 1000;
}

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent) : QAbstractEventDispatcher(parent)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_epoll < 0 || m_wakeFd < 0) {
        qWarning("EpollEventDispatcher: cannot create epoll/eventfd: %s", strerror(errno));
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeTag;
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &ev) != 0)
        qWarning("EpollEventDispatcher: cannot watch the wake-up eventfd: %s", strerror(errno));
    m_events.resize(kMaxEventsPerWait);
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    if (m_wakeFd >= 0)
        close(m_wakeFd);
    if (m_epoll >= 0)
        close(m_epoll);
}

// ---- sockets -----------------------------------------------------------------------------

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const int fd = int(notifier->socket());
    if (fd < 0)
        return;
    SocketEntry &e = m_sockets[fd];
    QSocketNotifier **slot = nullptr;
    switch (notifier->type()) {
    case QSocketNotifier::Read: slot = &e.read; break;
    case QSocketNotifier::Write: slot = &e.write; break;
    case QSocketNotifier::Exception: slot = &e.exception; break;
    }
    if (*slot && *slot != notifier)
        qWarning("EpollEventDispatcher: a second socket notifier of the same type for fd %d", fd);
    *slot = notifier;
    updateSocket(fd, e);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const int fd = int(notifier->socket());
    auto it = m_sockets.find(fd);
    if (it == m_sockets.end())
        return;
    SocketEntry &e = it.value();
    if (e.read == notifier)
        e.read = nullptr;
    if (e.write == notifier)
        e.write = nullptr;
    if (e.exception == notifier)
        e.exception = nullptr;
    updateSocket(fd, e);
    if (!e.read && !e.write && !e.exception) {
        if (e.alwaysReady)
            m_alwaysReady.removeAll(fd);
        m_sockets.erase(it);
    }
}

void EpollEventDispatcher::updateSocket(int fd, SocketEntry &e)
{
    quint32 want = 0;
    if (e.read)
        want |= EPOLLIN | EPOLLRDHUP;
    if (e.write)
        want |= EPOLLOUT;
    if (e.exception)
        want |= EPOLLPRI;
    if (want == e.events || e.alwaysReady)
        return;
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = quint64(fd);
    int rc;
    if (want == 0)
        rc = epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, &ev);
    else if (e.events == 0)
        rc = epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
    else
        rc = epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &ev);
    if (rc != 0 && e.events == 0 && errno == EEXIST) // a closed-and-reused fd still watched
        rc = epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &ev);
    if (rc != 0 && errno == ENOENT && want != 0) // the old description was closed
        rc = epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev);
    if (rc != 0 && errno == EPERM && want != 0) {
        // A regular file (or /dev/null): poll() reports it always ready; do the same.
        e.alwaysReady = true;
        m_alwaysReady.append(fd);
        e.events = want;
        return;
    }
    if (rc != 0 && !(want == 0 && (errno == ENOENT || errno == EBADF)))
        qWarning("EpollEventDispatcher: epoll_ctl on fd %d failed: %s", fd, strerror(errno));
    e.events = want;
}

void EpollEventDispatcher::activate(int fd, quint32 events)
{
    // Look the entry up afresh before each delivery: a slot may unregister or delete any
    // notifier, including the next one for this fd.
    auto deliver = [&](QSocketNotifier *SocketEntry::*member) {
        auto it = m_sockets.find(fd);
        if (it == m_sockets.end())
            return;
        if (QSocketNotifier *n = it.value().*member) {
            QEvent ev(QEvent::SockAct);
            QCoreApplication::sendEvent(n, &ev);
        }
    };
    const bool broken = events & (EPOLLERR | EPOLLHUP);
    if (events & (EPOLLIN | EPOLLRDHUP) || broken)
        deliver(&SocketEntry::read);
    if (events & EPOLLOUT || broken)
        deliver(&SocketEntry::write);
    if (events & EPOLLPRI)
        deliver(&SocketEntry::exception);
}

bool EpollEventDispatcher::activateSockets(int ready)
{
    bool any = false;
    for (int i = 0; i < ready; ++i) {
        const epoll_event &ev = m_events[size_t(i)];
        if (ev.data.u64 == kWakeTag) {
            drainWakeUp();
            continue;
        }
        activate(int(ev.data.u64), ev.events);
        any = true;
    }
    // Copy: activation may change the list.
    const QList<int> always = m_alwaysReady;
    for (int fd : always) {
        activate(fd, EPOLLIN | EPOLLOUT);
        any = true;
    }
    return any;
}

// ---- timers ------------------------------------------------------------------------------

void EpollEventDispatcher::pushHeap(int timerId, Timer &t)
{
    t.serial = ++m_nextSerial;
    m_heap.push_back({t.deadlineNs, timerId, t.serial});
    std::push_heap(m_heap.begin(), m_heap.end(), std::greater<>());
    // Stale entries (killed or rescheduled timers) are dropped lazily; rebuild if they pile up.
    if (m_heap.size() > 64 && m_heap.size() > 4 * size_t(m_timers.size())) {
        std::vector<HeapEntry> live;
        live.reserve(size_t(m_timers.size()));
        for (auto it = m_timers.cbegin(); it != m_timers.cend(); ++it)
            live.push_back({it->deadlineNs, it.key(), it->serial});
        std::make_heap(live.begin(), live.end(), std::greater<>());
        m_heap.swap(live);
    }
}

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    if (timerId < 1 || interval < 0 || !object) {
        qWarning("EpollEventDispatcher::registerTimer: invalid arguments");
        return;
    }
    Timer &t = m_timers[timerId];
    t.object = object;
    t.type = timerType;
    t.intervalMs = effectiveIntervalMs(interval, timerType);
    t.deadlineNs = monotonicNs() + t.intervalMs * 1000000LL;
    t.inEvent = false;
    pushHeap(timerId, t);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    return m_timers.remove(timerId) > 0;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    bool any = false;
    for (auto it = m_timers.begin(); it != m_timers.end();) {
        if (it->object == object) {
            it = m_timers.erase(it);
            any = true;
        } else {
            ++it;
        }
    }
    return any;
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> out;
    for (auto it = m_timers.cbegin(); it != m_timers.cend(); ++it)
        if (it->object == object)
            out.append(TimerInfo(it.key(), int(it->intervalMs), it->type));
    return out;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    auto it = m_timers.constFind(timerId);
    if (it == m_timers.cend())
        return -1;
    const qint64 left = it->deadlineNs - monotonicNs();
    return left <= 0 ? 0 : int((left + 999999) / 1000000);
}

qint64 EpollEventDispatcher::nextTimerDeadlineNs()
{
    while (!m_heap.empty()) {
        const HeapEntry &top = m_heap.front();
        auto it = m_timers.constFind(top.timerId);
        if (it != m_timers.cend() && it->serial == top.serial && !it->inEvent)
            return top.deadlineNs;
        std::pop_heap(m_heap.begin(), m_heap.end(), std::greater<>());
        m_heap.pop_back();
    }
    return -1;
}

bool EpollEventDispatcher::activateTimers()
{
    const qint64 now = monotonicNs();
    // Take every due timer off the heap first and reschedule it, then deliver: a timer fires
    // at most once per pass (a 0 ms timer cannot starve sockets) and handlers may freely
    // start, kill or restart timers.
    std::vector<std::pair<int, quint64>> due;
    while (!m_heap.empty() && m_heap.front().deadlineNs <= now) {
        const HeapEntry top = m_heap.front();
        std::pop_heap(m_heap.begin(), m_heap.end(), std::greater<>());
        m_heap.pop_back();
        auto it = m_timers.find(top.timerId);
        if (it == m_timers.end() || it->serial != top.serial || it->inEvent)
            continue;
        Timer &t = it.value();
        // Next deadline on the original grid; if we are late by more than a period, skip
        // ahead rather than fire a burst.
        t.deadlineNs += t.intervalMs * 1000000LL;
        if (t.deadlineNs <= now)
            t.deadlineNs = now + t.intervalMs * 1000000LL;
        due.emplace_back(top.timerId, 0);
    }
    // Back on the heap only after the scan, so a 0 ms timer is not popped again this pass.
    for (auto &[id, serial] : due) {
        Timer &t = m_timers[id];
        pushHeap(id, t);
        serial = t.serial;
    }
    for (const auto &[id, serial] : due) {
        auto it = m_timers.find(id);
        if (it == m_timers.end() || it->serial != serial || it->inEvent)
            continue; // killed or restarted by an earlier handler in this pass
        it->inEvent = true;
        QObject *object = it->object;
        QTimerEvent ev(id);
        QCoreApplication::sendEvent(object, &ev);
        // The handler may have killed it (and the id may even be reused): look again.
        // A nested event loop in the handler dropped its heap entry: schedule it again.
        auto again = m_timers.find(id);
        if (again != m_timers.end() && again->object == object && again->inEvent) {
            again->inEvent = false;
            pushHeap(id, again.value());
        }
    }
    return !due.empty();
}

// ---- the loop ----------------------------------------------------------------------------

void EpollEventDispatcher::wakeUp()
{
    if (m_owner.load(std::memory_order_relaxed) == QThread::currentThreadId()) {
        m_selfWake = true; // not blocked: processEvents() sees it before it would block
        return;
    }
    // One write per sleep is enough: the flag stays set until drainWakeUp() has read it.
    if (m_wakeUpPending.exchange(true, std::memory_order_acq_rel))
        return;
    const quint64 one = 1;
    ssize_t rc;
    do {
        rc = write(m_wakeFd, &one, sizeof one);
    } while (rc < 0 && errno == EINTR);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupt.store(true, std::memory_order_release);
    wakeUp();
}

void EpollEventDispatcher::drainWakeUp()
{
    // Read first, then clear the flag. The other order loses wake-ups: a wakeUp() between the
    // clear and the read would have its write consumed here while its flag stays set, and
    // every later wakeUp() would skip writing. In this order a wakeUp() that sees the flag
    // still set has posted its event before the next sendPostedEvents() anyway.
    // One read takes the whole counter (not a semaphore eventfd): a second would only fail.
    quint64 value;
    ssize_t rc;
    do {
        rc = read(m_wakeFd, &value, sizeof value);
    } while (rc < 0 && errno == EINTR);
    m_wakeUpPending.store(false, std::memory_order_release);
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_owner.store(QThread::currentThreadId(), std::memory_order_relaxed);
    m_interrupt.store(false, std::memory_order_relaxed);
    Q_EMIT awake();
    // Self-posts made before this point are sent now; one made while sending (Qt sends those
    // on the next call, to avoid a live-lock) sets m_selfWake again and keeps the wait short.
    m_selfWake = false;
    QCoreApplication::sendPostedEvents();
    if (m_interrupt.load(std::memory_order_acquire))
        return false;

    const bool includeTimers = !(flags & QEventLoop::X11ExcludeTimers);
    const bool includeSockets = !(flags & QEventLoop::ExcludeSocketNotifiers);
    int timeoutMs = 0;
    if ((flags & QEventLoop::WaitForMoreEvents) && m_alwaysReady.isEmpty()) {
        timeoutMs = -1;
        const qint64 next = includeTimers ? nextTimerDeadlineNs() : -1;
        if (next >= 0) {
            const qint64 left = next - monotonicNs();
            timeoutMs = left <= 0 ? 0 : int(qMin<qint64>((left + 999999) / 1000000, INT_MAX));
        }
    }
    if (m_selfWake)
        timeoutMs = 0;
    if (timeoutMs != 0)
        Q_EMIT aboutToBlock();

    int ready = 0;
    if (includeSockets) {
        do {
            ready = epoll_wait(m_epoll, m_events.data(), kMaxEventsPerWait, timeoutMs);
        } while (ready < 0 && errno == EINTR && timeoutMs == 0);
        if (ready < 0) {
            if (errno != EINTR)
                qWarning("EpollEventDispatcher: epoll_wait failed: %s", strerror(errno));
            ready = 0;
        }
    } else {
        // Sockets excluded: sleep on the wake-up eventfd alone.
        pollfd p{m_wakeFd, POLLIN, 0};
        if (poll(&p, 1, timeoutMs) > 0)
            drainWakeUp();
    }
    if (timeoutMs != 0)
        Q_EMIT awake();

    bool processed = false;
    if (includeSockets)
        processed = activateSockets(ready) || processed;
    if (includeTimers && !m_interrupt.load(std::memory_order_acquire))
        processed = activateTimers() || processed;
    return processed;
}

} // namespace chat::eventloop
