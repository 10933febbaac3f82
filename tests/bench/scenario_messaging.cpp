// throughput and latency: N senders and M receivers in 1:1 (direct) conversations.
// throughput pipelines `window` unacked sends per sender as fast as the server acks;
// latency offers a fixed rate paced by a timerfd (one send interval, at least 100 µs) and records
// send→ack (in the senders, protocol-v1 clients here) and send→recipient for every message sent
// after the warm-up (in lean receivers, fanout-worker processes, so the receiving side costs
// little).
#include "scenarios.h"

#include "benchutil.h"
#include "receiverpool.h"

#include <QFile>
#include <QSet>
#include <QSocketNotifier>
#include <QThread>

#include <memory>
#include <sys/timerfd.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace chat::bench {

QJsonObject machineContext()
{
    QJsonObject o;
    o["cores"_L1] = QThread::idealThreadCount();
    QFile f(u"/proc/loadavg"_s);
    if (f.open(QIODevice::ReadOnly))
        o["loadavg"_L1] = QString::fromLatin1(f.readAll().trimmed());
    o["utc"_L1] = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    return o;
}

namespace {

struct Pairs {
    QList<BenchClient *> senders, receivers;
    QList<Account> receiverAccounts;
    QStringList conversations; // one per sender
    QString error;
};

std::unique_ptr<QObject> makeOwner()
{
    return std::make_unique<QObject>();
}

Pairs setupPairs(const Target &t, const Options &o, QObject *owner)
{
    Pairs p;
    Population pop(t, owner);
    QList<Account> accounts;
    QList<BenchClient *> clients;
    if (!pop.createAccounts(o.senders + o.receivers, &accounts, &clients)) {
        p.error = pop.error();
        return p;
    }
    p.senders = clients.mid(0, o.senders);
    p.receivers = clients.mid(o.senders);
    p.receiverAccounts = accounts.mid(o.senders);
    QList<Population::ConvRequest> reqs;
    for (int i = 0; i < o.senders; ++i)
        reqs.append({p.senders[i], false, {}, {p.receivers[i % o.receivers]->userId}});
    if (!pop.createConversations(reqs, &p.conversations))
        p.error = pop.error();
    return p;
}

QJsonObject cpuFigures(const ProcSample &a, const ProcSample &b, qint64 messages, double seconds)
{
    QJsonObject o;
    if (!a.ok || !b.ok)
        return o;
    const double cpu = b.cpuSeconds - a.cpuSeconds;
    o["server_cpu_s"_L1] = round3(cpu);
    o["server_cpu_util"_L1] = round3(cpu / seconds);
    if (messages > 0)
        o["server_cpu_s_per_1k_msgs"_L1] = round3(cpu / double(messages) * 1000.0);
    o["server_rss_mb"_L1] = round3(double(b.rssBytes) / 1048576.0);
    o["server_threads"_L1] = b.threads;
    return o;
}

QString loadavg()
{
    QFile f(u"/proc/loadavg"_s);
    return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll().trimmed()) : QString();
}

void merge(QJsonObject &into, const QJsonObject &from)
{
    for (auto it = from.begin(); it != from.end(); ++it)
        into.insert(it.key(), it.value());
}

} // namespace

QJsonObject runThroughput(const Target &t, const Options &o)
{
    QJsonObject out{{"scenario"_L1, u"throughput"_s}, {"target"_L1, t.label}};
    out["params"_L1] = QJsonObject{{"senders"_L1, o.senders},
                                   {"receivers"_L1, o.receivers},
                                   {"window"_L1, o.window},
                                   {"duration_s"_L1, o.durationS},
                                   {"padding"_L1, o.padding}};
    out["machine_before"_L1] = machineContext();
    auto owner = makeOwner();
    Pairs p = setupPairs(t, o, owner.get());
    if (!p.error.isEmpty()) {
        out["error"_L1] = p.error;
        return out;
    }
    const QString padding(o.padding, u'x');
    bool running = true, measuring = false;
    qint64 inFlight = 0, acked = 0, delivered = 0, errors = 0;
    LatencyRecorder ackLat, deliveryLat;
    for (int i = 0; i < p.senders.size(); ++i) {
        BenchClient *s = p.senders[i];
        const QString conv = p.conversations[i];
        s->onAck = [&, s, conv](qint64 sentNs) {
            --inFlight;
            if (sentNs < 0) {
                ++errors;
            } else if (measuring) {
                ++acked;
                ackLat.add(nowNs() - sentNs);
            }
            if (running) {
                s->sendMessage(conv, padding);
                ++inFlight;
            }
        };
    }
    for (BenchClient *r : p.receivers)
        r->onMessage = [&](qint64 sentNs) {
            if (measuring && sentNs > 0) {
                ++delivered;
                deliveryLat.add(nowNs() - sentNs);
            }
        };
    for (int i = 0; i < p.senders.size(); ++i)
        for (int w = 0; w < o.window; ++w, ++inFlight)
            p.senders[i]->sendMessage(p.conversations[i], padding);
    runFor(int(o.warmupS * 1000));
    const ProcSample s0 = sampleProcess(t.pid), self0 = sampleSelf();
    const qint64 t0 = nowNs();
    measuring = true;
    runFor(int(o.durationS * 1000));
    measuring = false;
    const qint64 t1 = nowNs();
    const ProcSample s1 = sampleProcess(t.pid), self1 = sampleSelf();
    running = false;
    const bool drained = waitFor([&] { return inFlight <= 0; }, 30000);
    const double secs = double(t1 - t0) / 1e9;
    out["acked_per_s"_L1] = round3(double(acked) / secs);
    out["delivered_per_s"_L1] = round3(double(delivered) / secs);
    out["acked"_L1] = acked;
    out["delivered"_L1] = delivered;
    out["send_errors"_L1] = errors;
    if (errors > 0)
        out["last_send_error"_L1] = p.senders[0]->lastSendError;
    out["drained"_L1] = drained;
    out["ack_latency"_L1] = ackLat.summary();
    out["delivery_latency"_L1] = deliveryLat.summary();
    merge(out, cpuFigures(s0, s1, acked, secs));
    out["bench_cpu_util"_L1] = round3((self1.cpuSeconds - self0.cpuSeconds) / secs);
    out["machine_after"_L1] = machineContext();
    return out;
}

// One offered rate. Send times are planned on a fixed schedule (start + k / rate): a send that
// leaves late is timed from its planned moment, so a stalled server cannot hide its stall
// (no coordinated omission). The receivers are lean (ReceiverPool): they report the sender's
// timestamp and the time of the read for every message, and the timestamp is mapped here to
// its planned moment.
static QJsonObject latencyAt(const Target &t, const Options &o, Pairs &p, ReceiverPool &pool,
                             int rate)
{
    QJsonObject out{{"offered_per_s"_L1, rate}, {"loadavg_before"_L1, loadavg()}};
    const QString padding(o.padding, u'x');
    // From the planned moment (the figures), and from the moment the send actually left: the
    // difference is the generator's own pacing (a 1 ms timer sends the sends due since the
    // previous tick together) and its lateness, which the server is not responsible for.
    LatencyRecorder ackLat, deliveryLat, ackFromSend, deliveryFromSend;
    qint64 sent = 0, acked = 0, ackedAll = 0, errors = 0, inFlight = 0, maxLateNs = 0;
    const qint64 total = qint64((o.warmupS + o.durationS) * rate);
    const qint64 warmCount = qint64(o.warmupS * rate);
    // Planned time per send, keyed by the actual send time that the content carries.
    QHash<qint64, qint64> lateness; // actual send ns → planned send ns
    lateness.reserve(total - warmCount);
    for (BenchClient *s : p.senders)
        s->onAck = [&](qint64 sentNs) {
            --inFlight;
            if (sentNs < 0) {
                ++errors;
                return;
            }
            ++ackedAll;
            const qint64 planned = lateness.value(sentNs, -1);
            if (planned >= 0) {
                ++acked;
                const qint64 now = nowNs();
                ackLat.add(now - planned);
                ackFromSend.add(now - sentNs);
            }
        };
    if (!pool.collectStats()) { // forget anything before this rate
        out["error"_L1] = u"a receiver worker did not answer"_s;
        return out;
    }
    qint64 closed0 = 0, closed = 0;
    const qint64 base = pool.totalMessages(&closed0);
    const ProcSample s0 = sampleProcess(t.pid), self0 = sampleSelf();
    const SchedSample m0 = sampleSched(t.pid);
    const auto threads0 = sampleThreads(t.pid);
    const double w0 = pool.cpuSeconds();
    const qint64 start = nowNs();
    qint64 measureStart = 0;
    // Paced by a timerfd at one send interval (at least 100 µs): a millisecond QTimer would
    // send a millisecond's sends together, each on average half a millisecond after its
    // planned moment, and that wait would count as the server's.
    const int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    const qint64 tickNs = qMax<qint64>(100'000, 1'000'000'000LL / rate);
    itimerspec spec{};
    spec.it_interval = {time_t(tickNs / 1'000'000'000), long(tickNs % 1'000'000'000)};
    const qint64 first = start + tickNs; // expiries on the planned grid (same clock)
    spec.it_value = {time_t(first / 1'000'000'000), long(first % 1'000'000'000)};
    timerfd_settime(tfd, TFD_TIMER_ABSTIME, &spec, nullptr);
    QSocketNotifier pace(qintptr(tfd), QSocketNotifier::Read);
    QObject::connect(&pace, &QSocketNotifier::activated, [&] {
        uint64_t expirations = 0;
        if (::read(tfd, &expirations, sizeof expirations) < 0)
            return; // EAGAIN: nothing expired yet
        const qint64 now = nowNs();
        // Every send whose planned moment (start + k / rate) is not after now: k ≤ elapsed × rate.
        const qint64 due = qMin(total, qint64(double(now - start) / 1e9 * rate) + 1);
        while (sent < due) {
            const qint64 planned = start + qint64(double(sent) * 1e9 / rate);
            const int i = int(sent % p.senders.size());
            const qint64 actual = p.senders[i]->sendMessage(p.conversations[i], padding);
            if (sent >= warmCount) {
                if (sent == warmCount)
                    measureStart = planned;
                lateness.insert(actual, planned);
                maxLateNs = qMax(maxLateNs, actual - planned);
            }
            ++sent;
            ++inFlight;
        }
        if (sent >= total)
            pace.setEnabled(false);
    });
    waitFor([&] { return sent >= total; }, int((o.warmupS + o.durationS) * 1000) + 60000);
    const qint64 sendEnd = nowNs();
    pace.setEnabled(false);
    ::close(tfd);
    const qint64 measured = total - warmCount;
    // Every send reaches exactly one receiver (1:1 conversations), warm-up included.
    const bool drained = waitFor(
        [&] {
            return inFlight <= 0
                   && (pool.totalMessages(&closed) - base >= total - errors || closed > closed0);
        },
        20000);
    const ProcSample s1 = sampleProcess(t.pid), self1 = sampleSelf();
    const SchedSample m1 = sampleSched(t.pid);
    const auto threads1 = sampleThreads(t.pid);
    const double w1 = pool.cpuSeconds();
    const qint64 end = nowNs();
    if (!pool.collectStats()) {
        out["error"_L1] = u"a receiver worker did not answer"_s;
        return out;
    }
    qint64 delivered = 0, unplanned = 0;
    QSet<qint64> seen;
    seen.reserve(measured);
    qint64 duplicates = 0;
    for (const auto &[sentNs, readNs] : pool.rawSamples()) {
        const qint64 planned = lateness.value(sentNs, -1);
        if (planned < 0) {
            ++unplanned; // warm-up
            continue;
        }
        if (seen.contains(sentNs)) {
            ++duplicates;
            continue;
        }
        seen.insert(sentNs);
        ++delivered;
        deliveryLat.add(readNs - planned);
        deliveryFromSend.add(readNs - sentNs);
    }
    const double secs = double(sendEnd - measureStart) / 1e9;
    const double span = double(end - start) / 1e9; // warm-up + measurement + drain
    out["sent"_L1] = measured;
    out["achieved_send_per_s"_L1] = round3(double(measured) / secs);
    out["acked"_L1] = acked;
    out["delivered"_L1] = delivered;
    out["undelivered"_L1] = measured - delivered; // not drained: still queued in the server
    out["delivered_duplicates"_L1] = duplicates;
    out["delivered_warmup"_L1] = unplanned;
    out["receivers_closed"_L1] = closed - closed0;
    out["send_errors"_L1] = errors;
    out["drained"_L1] = drained;
    out["max_send_lateness_ms"_L1] = round3(double(maxLateNs) / 1e6);
    out["ack_latency"_L1] = ackLat.summary(true);
    out["delivery_latency"_L1] = deliveryLat.summary(true);
    out["ack_latency_from_send"_L1] = ackFromSend.summary();
    out["delivery_latency_from_send"_L1] = deliveryFromSend.summary();
    // CPU over warm-up + measurement + drain, per message acked in that span.
    merge(out, cpuFigures(s0, s1, ackedAll, span));
    if (m0.ok && m1.ok)
        out["server_main_thread"_L1] =
            QJsonObject{{"cpu_s"_L1, round3(m1.cpuS - m0.cpuS)},
                        {"cpu_util"_L1, round3((m1.cpuS - m0.cpuS) / span)},
                        {"runqueue_wait_s"_L1, round3(m1.waitS - m0.waitS)}};
    out["server_threads_sched"_L1] = threadSchedDelta(threads0, threads1);
    out["receivers_cpu_util"_L1] = round3((w1 - w0) / span);
    if (ackedAll > 0)
        out["receivers_cpu_us_per_message"_L1] = round3((w1 - w0) / double(ackedAll) * 1e6);
    if (self0.ok && self1.ok)
        out["senders_process_cpu_util"_L1] = round3((self1.cpuSeconds - self0.cpuSeconds) / span);
    out["loadavg_after"_L1] = loadavg();
    for (BenchClient *s : p.senders)
        s->onAck = nullptr;
    return out;
}

QJsonObject runLatency(const Target &t, const Options &o)
{
    QJsonObject out{{"scenario"_L1, u"latency"_s}, {"target"_L1, t.label}};
    const int processes = qMax(1, qMin(o.receiverProcesses, o.receivers));
    out["params"_L1] =
        QJsonObject{{"senders"_L1, o.senders},
                    {"receivers"_L1, o.receivers},
                    {"duration_s"_L1, o.durationS},
                    {"warmup_s"_L1, o.warmupS},
                    {"padding"_L1, o.padding},
                    {"receiver_processes"_L1, processes},
                    {"receivers_kind"_L1, u"lean (fanout-worker), every message timed"_s}};
    out["machine_before"_L1] = machineContext();
    auto owner = makeOwner();
    Pairs p = setupPairs(t, o, owner.get());
    if (!p.error.isEmpty()) {
        out["error"_L1] = p.error;
        return out;
    }
    // The receivers' registration connections close; lean workers reconnect them by token.
    ReceiverPool::closeRegistering(p.receivers);
    p.receivers.clear();
    ReceiverPool pool(owner.get());
    QString error;
    if (!pool.start(t, p.receiverAccounts,
                    {o.selfPath, processes, /*sampleEvery=*/1, /*coalesceUs=*/0,
                     /*rawSamples=*/true},
                    &error)) {
        out["error"_L1] = error;
        return out;
    }
    runFor(300); // pushes from the setup reach the receivers before the first rate
    QJsonArray runs;
    QStringList incomplete;
    for (int rate : o.rates) {
        const QJsonObject r = latencyAt(t, o, p, pool, rate);
        // A server that does not keep up (not drained in 20 s) is a figure, not an error; a
        // message lost or delivered twice once everything arrived, or a receiver closed, is.
        if (r.contains("error"_L1) || r["delivered_duplicates"_L1].toInteger() > 0
            || r["receivers_closed"_L1].toInteger() > 0
            || (r["drained"_L1].toBool()
                && r["delivered"_L1].toInteger() != r["sent"_L1].toInteger()))
            incomplete.append(QString::number(rate));
        runs.append(r);
        runFor(500); // let the server settle between rates
    }
    out["rates"_L1] = runs;
    if (!incomplete.isEmpty())
        out["error"_L1] = u"messages lost or duplicated, or a receiver failed, at %1 msg/s"_s.arg(
            incomplete.join(u", "_s));
    pool.stop();
    out["machine_after"_L1] = machineContext();
    return out;
}

} // namespace chat::bench
