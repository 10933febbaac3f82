// fanout: one sender posts into groups of 10 / 100 / 1000 members whose other members are all
// connected; deliveries per second and the server's CPU per delivery (cost per recipient).
// The sender is an ordinary protocol-v1 client (BenchClient) in this process. The receivers
// live in `fanout-worker` processes (leanreceiver.h) that count pushes by walking frame headers,
// so that they cost a fraction of what the server spends per delivery and the rate measured is
// the server's, not the receivers'. The same users serve every group size: the largest group's
// members are registered once, then their connections are handed to the workers.
#include "scenarios.h"

#include "benchutil.h"
#include "receiverpool.h"

#include <QFile>

#include <cstdio>
#include <memory>

using namespace Qt::StringLiterals;

namespace chat::bench {

namespace {

QString loadavg()
{
    QFile f(u"/proc/loadavg"_s);
    return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll().trimmed()) : QString();
}

} // namespace

QJsonObject runFanout(const Target &t, const Options &o)
{
    QJsonObject out{{"scenario"_L1, u"fanout"_s}, {"target"_L1, t.label}};
    int maxGroup = 2;
    for (int g : o.groups)
        maxGroup = qMax(maxGroup, g);
    const int nWorkers = qMax(1, qMin(o.receiverProcesses, maxGroup - 1));
    out["params"_L1] = QJsonObject{{"deliveries_per_size"_L1, o.fanoutDeliveries},
                                   {"window"_L1, o.window},
                                   {"padding"_L1, o.padding},
                                   {"receiver_processes"_L1, nWorkers},
                                   {"latency_sample_every"_L1, o.sampleEvery},
                                   {"receiver_coalesce_us"_L1, o.coalesceUs},
                                   {"receivers"_L1, u"lean (fanout-worker)"_s}};
    out["machine_before"_L1] = machineContext();
    auto owner = std::make_unique<QObject>();
    Population pop(t, owner.get());
    QList<Account> accounts;
    QList<BenchClient *> clients;
    const qint64 r0 = nowNs();
    if (!pop.createAccounts(maxGroup, &accounts, &clients)) {
        out["error"_L1] = pop.error();
        return out;
    }
    out["register_s"_L1] = round3(double(nowNs() - r0) / 1e9);
    BenchClient *sender = clients.first();

    // The receivers' registration connections close; the workers reconnect them by token.
    ReceiverPool::closeRegistering(clients.mid(1));

    // Receiver i of the pool is member account i + 1 (the sender is account 0).
    ReceiverPool pool(owner.get());
    const qint64 o0 = nowNs();
    QString poolError;
    if (!pool.start(t, accounts.mid(1),
                    {o.selfPath, nWorkers, o.sampleEvery, o.coalesceUs, /*rawSamples=*/false},
                    &poolError)) {
        out["error"_L1] = poolError;
        return out;
    }
    out["receivers_open_s"_L1] = round3(double(nowNs() - o0) / 1e9);
    auto totals = [&](qint64 *closed) { return pool.totalMessages(closed); };

    const QString padding(o.padding, u'x');
    QJsonArray runs;
    QStringList incomplete; // group sizes where a member missed a message (an error)
    for (int g : o.groups) {
        QJsonObject run{{"group_size"_L1, g}, {"loadavg_before"_L1, loadavg()}};
        QStringList members;
        for (int i = 1; i < g; ++i)
            members.append(accounts.at(i).userId);
        QStringList ids;
        if (!pop.createConversations({{sender, true, u"fanout %1"_s.arg(g), members}}, &ids)) {
            run["error"_L1] = pop.error();
            runs.append(run);
            continue;
        }
        const QString conv = ids.first();
        runFor(300); // the conversation push reaches every member before the window opens
        if (!pool.collectStats()) {
            run["error"_L1] = u"a receiver worker did not answer"_s;
            runs.append(run);
            break;
        }
        const qint64 messages = qMax<qint64>(20, qMin<qint64>(5000, o.fanoutDeliveries / (g - 1)));
        const qint64 expected = messages * (g - 1);
        qint64 sent = 0, acked = 0, errors = 0, closed0 = 0, closed = 0;
        const qint64 base = totals(&closed0);
        sender->onAck = [&](qint64 sentNs) {
            if (sentNs < 0)
                ++errors;
            ++acked;
            if (sent < messages) {
                sender->sendMessage(conv, padding);
                ++sent;
            }
        };
        // For outside probes (perf record -p): the measured window starts now.
        fprintf(stderr, "chat-bench: fanout group %d: %lld messages to %d receivers\n", g, messages,
                g - 1);
        const ProcSample s0 = sampleProcess(t.pid);
        const SchedSample m0 = sampleSched(t.pid);
        const ProcSample self0 = sampleSelf();
        const double w0 = pool.cpuSeconds();
        const qint64 t0 = nowNs();
        for (int w = 0; w < o.window && sent < messages; ++w, ++sent)
            sender->sendMessage(conv, padding);
        const bool complete = waitFor(
            [&] {
                const qint64 got = totals(&closed) - base;
                return closed > closed0 || got >= expected - errors * (g - 1);
            },
            120000);
        const qint64 lastNs = pool.lastMessageNs();
        const ProcSample s1 = sampleProcess(t.pid);
        const SchedSample m1 = sampleSched(t.pid);
        const ProcSample self1 = sampleSelf();
        const double w1 = pool.cpuSeconds();
        runFor(100); // acks still on the way
        sender->onAck = nullptr;
        pool.collectStats();
        // Deliveries counted per receiver, summed; each member must have got every message.
        qint64 delivered = 0, outsiders = 0;
        int short_ = 0, extra = 0; // members with fewer / more than every message once
        LatencyRecorder lat;
        for (int i = 1; i < maxGroup; ++i) {
            const qint64 d = pool.delivered(i - 1);
            delivered += d;
            if (i < g && d < messages)
                ++short_;
            if (i < g && d > messages)
                ++extra;
            if (i >= g)
                outsiders += d;
        }
        for (qint64 ns : pool.samples())
            lat.add(ns);
        const double secs = double((lastNs > t0 ? lastNs : nowNs()) - t0) / 1e9;
        run["messages"_L1] = messages;
        run["deliveries"_L1] = delivered;
        run["expected_deliveries"_L1] = expected;
        run["members_short"_L1] = short_;
        run["members_with_duplicates"_L1] = extra;
        run["deliveries_to_non_members"_L1] = outsiders;
        run["receivers_closed"_L1] = closed - closed0;
        run["send_errors"_L1] = errors;
        const bool whole =
            complete && short_ == 0 && extra == 0 && closed == closed0 && outsiders == 0;
        run["complete"_L1] = whole;
        if (!whole)
            incomplete.append(QString::number(g));
        run["seconds"_L1] = round3(secs);
        run["deliveries_per_s"_L1] = round3(double(delivered) / secs);
        run["messages_per_s"_L1] = round3(double(messages) / secs);
        run["delivery_latency_sampled"_L1] = lat.summary();
        if (s0.ok && s1.ok && delivered > 0) {
            const double cpu = s1.cpuSeconds - s0.cpuSeconds;
            run["server_cpu_s"_L1] = round3(cpu);
            run["server_cpu_cores"_L1] = round3(cpu / secs);
            run["server_cpu_us_per_delivery"_L1] = round3(cpu / double(delivered) * 1e6);
            run["server_cpu_us_per_message"_L1] = round3(cpu / double(messages) * 1e6);
            // What one core would deliver at this cost (/proc CPU has 10 ms ticks: a short
            // window gives a coarse figure).
            if (cpu > 0)
                run["server_deliveries_per_cpu_s"_L1] = round3(double(delivered) / cpu);
        }
        if (m0.ok && m1.ok && delivered > 0) {
            // Up to the completion check (a few ms after the last delivery), not to lastNs.
            const double cpu = m1.cpuS - m0.cpuS, wait = m1.waitS - m0.waitS;
            run["server_main_thread"_L1] = QJsonObject{
                {"cpu_s"_L1, round3(cpu)},
                {"runqueue_wait_s"_L1, round3(wait)},
                {"cpu_us_per_delivery"_L1, round3(cpu / double(delivered) * 1e6)},
                {"deliveries_per_cpu_s"_L1, round3(cpu > 0 ? double(delivered) / cpu : 0)}};
        }
        if (delivered > 0) {
            run["receivers_cpu_s"_L1] = round3(w1 - w0);
            run["receivers_cpu_us_per_delivery"_L1] = round3((w1 - w0) / double(delivered) * 1e6);
            if (self0.ok && self1.ok)
                run["sender_process_cpu_us_per_delivery"_L1] =
                    round3((self1.cpuSeconds - self0.cpuSeconds) / double(delivered) * 1e6);
        }
        run["loadavg_after"_L1] = loadavg();
        runs.append(run);
        runFor(500);
    }
    out["groups"_L1] = runs;
    if (!incomplete.isEmpty())
        out["error"_L1] = u"deliveries missing, duplicated or misrouted at group size %1"_s.arg(
            incomplete.join(u", "_s));
    pool.stop();
    sender->close();
    out["machine_after"_L1] = machineContext();
    return out;
}

} // namespace chat::bench
