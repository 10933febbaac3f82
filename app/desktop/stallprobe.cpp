#include "stallprobe.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <chrono>
#include <ctime>

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kFrameUs = 16'000;
constexpr qsizetype kLongGapsKept = 200;

double ms(qint64 us)
{
    return double(qRound64(double(us) / 10.0)) / 100.0; // 0.01 ms
}

// CHAT_STALL_LIST_OVER_MS lowers the threshold of the gap list for profiling (e.g. 8); the
// counts and percentiles do not depend on it.
qint64 listOverUs()
{
    bool ok = false;
    const int ms = qEnvironmentVariableIntValue("CHAT_STALL_LIST_OVER_MS", &ok);
    return ok && ms > 0 ? qint64(ms) * 1000 : kFrameUs;
}

// The calling thread's CPU time (0 where there is no such clock).
qint64 threadCpuNs()
{
#if defined(CLOCK_THREAD_CPUTIME_ID)
    timespec ts{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
#endif
    return 0;
}

qint64 monotonicNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

StallProbe::StallProbe(QString file, QObject *parent)
    : QObject(parent), m_file(std::move(file)), m_listOverUs(listOverUs())
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(1);
    connect(&m_timer, &QTimer::timeout, this, &StallProbe::tick);
}

void StallProbe::start()
{
    if (m_timer.isActive())
        return;
    m_clock.start();
    m_startMonotonicNs = monotonicNs();
    m_lastNs = 0;
    m_lastCpuNs = threadCpuNs();
    m_timer.start();
}

void StallProbe::mark(const QString &event)
{
    if (!m_clock.isValid())
        return;
    for (const auto &m : std::as_const(m_marks))
        if (m.first == event)
            return;
    m_marks.append({event, m_clock.elapsed()});
}

void StallProbe::tick()
{
    const qint64 now = m_clock.nsecsElapsed();
    const qint64 gapUs = (now - m_lastNs) / 1000;
    m_lastNs = now;
    const qint64 cpu = threadCpuNs();
    const qint64 cpuUs = (cpu - m_lastCpuNs) / 1000;
    m_lastCpuNs = cpu;
    m_gapsUs.append(gapUs);
    if (gapUs > m_listOverUs && m_longGaps.size() < kLongGapsKept)
        m_longGaps.append({now / 1'000, gapUs, cpuUs});
}

bool StallProbe::write(QString *error) const
{
    QList<qint64> sorted = m_gapsUs;
    std::sort(sorted.begin(), sorted.end());
    auto pct = [&sorted](double p) {
        if (sorted.isEmpty())
            return 0.0;
        const auto i = qsizetype(p * double(sorted.size() - 1) + 0.5);
        return ms(sorted.at(qBound<qsizetype>(0, i, sorted.size() - 1)));
    };
    const auto over = [&sorted](qint64 us) {
        return qsizetype(sorted.cend() - std::upper_bound(sorted.cbegin(), sorted.cend(), us));
    };
    QJsonArray longGaps;
    for (const auto &g : m_longGaps)
        longGaps.append(QJsonObject{{"at_ms"_L1, g.atUs / 1000},
                                    {"gap_ms"_L1, ms(g.gapUs)},
                                    {"ui_thread_cpu_ms"_L1, ms(g.cpuUs)}});
    QJsonObject marks;
    for (const auto &m : m_marks)
        marks.insert(m.first, m.second);
    const QJsonObject report{
        {"recorded_ms"_L1, m_clock.isValid() ? m_clock.elapsed() : 0},
        {"monotonic_start_ns"_L1, m_startMonotonicNs},
        {"long_gaps_over_ms"_L1, ms(m_listOverUs)},
        {"ticks"_L1, m_gapsUs.size()},
        {"longest_gap_ms"_L1, sorted.isEmpty() ? 0.0 : ms(sorted.constLast())},
        {"p50_gap_ms"_L1, pct(0.5)},
        {"p99_gap_ms"_L1, pct(0.99)},
        {"p999_gap_ms"_L1, pct(0.999)},
        {"gaps_over_16ms"_L1, over(kFrameUs)},
        {"gaps_over_50ms"_L1, over(50'000)},
        {"long_gaps"_L1, longGaps},
        {"marks_ms"_L1, marks},
    };
    QFile f(m_file);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || f.write(QJsonDocument(report).toJson()) < 0 || !f.flush()) {
        if (error)
            *error = f.errorString();
        return false;
    }
    return true;
}
