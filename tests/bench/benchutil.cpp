#include "benchutil.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace chat::bench {

qint64 nowNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

static ProcSample sampleFrom(const QString &dir)
{
    ProcSample s;
    QFile stat(dir + "/stat"_L1);
    if (!stat.open(QIODevice::ReadOnly))
        return s;
    const QByteArray line = stat.readAll();
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const qsizetype close = line.lastIndexOf(')');
    if (close < 0)
        return s;
    const QList<QByteArray> f = line.mid(close + 2).split(' ');
    // f[0] is field 3 (state); utime is field 14, stime 15, num_threads 20, rss 24 (pages).
    if (f.size() < 22)
        return s;
    const double tick = double(sysconf(_SC_CLK_TCK));
    s.cpuSeconds = (f.at(11).toLongLong() + f.at(12).toLongLong()) / tick;
    s.threads = f.at(17).toInt();
    s.rssBytes = f.at(21).toLongLong() * sysconf(_SC_PAGESIZE);
    s.ok = true;
    return s;
}

ProcSample sampleProcess(qint64 pid)
{
    return sampleFrom("/proc/"_L1 + QString::number(pid));
}

ProcSample sampleSelf()
{
    return sampleFrom(u"/proc/self"_s);
}

SchedSample sampleSched(qint64 pid, qint64 tid)
{
    SchedSample s;
    QFile f(tid > 0 ? u"/proc/%1/task/%2/schedstat"_s.arg(pid).arg(tid)
                    : u"/proc/%1/schedstat"_s.arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return s;
    const QList<QByteArray> p = f.readAll().trimmed().split(' ');
    if (p.size() < 2)
        return s;
    s.cpuS = double(p[0].toLongLong()) / 1e9;
    s.waitS = double(p[1].toLongLong()) / 1e9;
    s.ok = true;
    return s;
}

QHash<qint64, ThreadSched> sampleThreads(qint64 pid)
{
    QHash<qint64, ThreadSched> out;
    const QDir dir(u"/proc/%1/task"_s.arg(pid));
    for (const QString &t : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile comm(dir.filePath(t + u"/comm"_s));
        ThreadSched ts;
        if (comm.open(QIODevice::ReadOnly))
            ts.name = QString::fromUtf8(comm.readAll().trimmed());
        ts.sched = sampleSched(pid, t.toLongLong());
        if (ts.sched.ok)
            out.insert(t.toLongLong(), ts);
    }
    return out;
}

QJsonObject threadSchedDelta(const QHash<qint64, ThreadSched> &a,
                             const QHash<qint64, ThreadSched> &b)
{
    QHash<QString, std::pair<double, double>> byName;
    for (auto it = b.begin(); it != b.end(); ++it) {
        const ThreadSched before = a.value(it.key()); // a thread born in between: from 0
        auto &acc = byName[it.value().name];
        acc.first += it.value().sched.cpuS - before.sched.cpuS;
        acc.second += it.value().sched.waitS - before.sched.waitS;
    }
    QJsonObject out;
    for (auto it = byName.begin(); it != byName.end(); ++it)
        out.insert(it.key(), QJsonObject{{"cpu_s"_L1, round3(it.value().first)},
                                         {"runqueue_wait_s"_L1, round3(it.value().second)}});
    return out;
}

double LatencyRecorder::percentile(double p)
{
    if (m_ns.empty())
        return 0;
    if (!m_sorted) {
        std::sort(m_ns.begin(), m_ns.end());
        m_sorted = true;
    }
    // Nearest-rank percentile.
    const double rank = std::ceil(p / 100.0 * double(m_ns.size()));
    const size_t idx = size_t(std::clamp(rank, 1.0, double(m_ns.size()))) - 1;
    return double(m_ns[idx]) / 1e6;
}

double round3(double v)
{
    return std::round(v * 1000.0) / 1000.0;
}

QJsonObject LatencyRecorder::summary(bool withDistribution)
{
    m_sorted = false;
    QJsonObject o;
    o["count"_L1] = qint64(m_ns.size());
    if (m_ns.empty())
        return o;
    double sum = 0;
    for (qint64 v : m_ns)
        sum += double(v);
    o["mean_ms"_L1] = round3(sum / double(m_ns.size()) / 1e6);
    o["p50_ms"_L1] = round3(percentile(50));
    o["p90_ms"_L1] = round3(percentile(90));
    o["p99_ms"_L1] = round3(percentile(99));
    o["p999_ms"_L1] = round3(percentile(99.9));
    o["max_ms"_L1] = round3(percentile(100));
    if (withDistribution) {
        QJsonArray cdf;
        for (double p : {1.0,  5.0,  10.0, 20.0, 30.0, 40.0, 50.0, 60.0,  70.0,  80.0,
                         90.0, 95.0, 97.0, 98.0, 99.0, 99.5, 99.9, 99.95, 99.99, 100.0})
            cdf.append(QJsonArray{p, round3(percentile(p))});
        o["cdf"_L1] = cdf;
    }
    return o;
}

bool waitFor(const std::function<bool()> &pred, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    // A ticking timer so WaitForMoreEvents never sleeps past the deadline.
    QTimer tick;
    tick.start(20);
    while (!pred()) {
        if (deadline.hasExpired())
            return pred();
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents);
    }
    return true;
}

void runFor(int ms)
{
    QDeadlineTimer deadline(ms);
    waitFor([&] { return deadline.hasExpired(); }, ms + 1000);
}

} // namespace chat::bench
