// Small measurement helpers shared by chat-bench scenarios: a monotonic clock in nanoseconds
// (CLOCK_MONOTONIC is system-wide, so a send time written by one process can be compared by
// another), /proc readers for a server's CPU time and RSS, a latency recorder with
// percentiles, and an event-loop wait with a deadline.
#pragma once

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include <functional>
#include <vector>

namespace chat::bench {

qint64 nowNs();

// CPU time (user + system, all threads) and resident set of a process, from /proc/<pid>.
struct ProcSample {
    bool ok = false;
    double cpuSeconds = 0;
    qint64 rssBytes = 0;
    int threads = 0;
};
ProcSample sampleProcess(qint64 pid);
ProcSample sampleSelf();

// A thread from /proc/<pid>/task/<tid>/schedstat: time on a CPU and time runnable but waiting
// for one. Over a window, wall - cpu - wait is the time the thread slept with nothing to do.
// tid 0 = the main thread (the network loop, in chat-server and in Node.js alike).
struct SchedSample {
    bool ok = false;
    double cpuS = 0, waitS = 0;
};
SchedSample sampleSched(qint64 pid, qint64 tid = 0);
// Every thread of pid: tid → its name ("comm") and schedstat.
struct ThreadSched {
    QString name;
    SchedSample sched;
};
QHash<qint64, ThreadSched> sampleThreads(qint64 pid);
// Per thread name (threads of one name summed) the CPU and run-queue wait between a and b.
QJsonObject threadSchedDelta(const QHash<qint64, ThreadSched> &a,
                             const QHash<qint64, ThreadSched> &b);

// Collects durations in nanoseconds; summary() reports milliseconds.
class LatencyRecorder
{
public:
    void add(qint64 ns) { m_ns.push_back(ns); }
    qsizetype count() const { return qsizetype(m_ns.size()); }
    void clear() { m_ns.clear(); }
    // {"count","p50_ms","p90_ms","p99_ms","p999_ms","max_ms","mean_ms"}; with
    // withDistribution, also "cdf": [[percentile, ms], ...] for plotting.
    QJsonObject summary(bool withDistribution = false);

private:
    std::vector<qint64> m_ns;
    bool m_sorted = false;
    double percentile(double p);
};

// Runs the event loop until pred() holds or timeoutMs passes. Returns pred().
bool waitFor(const std::function<bool()> &pred, int timeoutMs);
// Runs the event loop for ms milliseconds.
void runFor(int ms);

double round3(double v);

} // namespace chat::bench
