// fanout: one sender posts into groups of 10 / 100 / 1000 members whose other members are all
// connected; deliveries per second and the server's CPU per delivery (cost per recipient).
// The sender is an ordinary protocol-v1 client (BenchClient) in this process. The receivers
// live in `fanout-worker` processes (leanreceiver.h) that count pushes by walking frame headers,
// so that they cost a fraction of what the server spends per delivery and the rate measured is
// the server's, not the receivers'. The same users serve every group size: the largest group's
// members are registered once, then their connections are handed to the workers.
#include "scenarios.h"

#include "benchutil.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdio>
#include <memory>

using namespace Qt::StringLiterals;

namespace chat::bench {

namespace {

// One fanout-worker process and what it last said.
struct ReceiverProcess {
    QProcess *proc = nullptr;
    QList<int> members; // index into the population, per connection in the worker's order
    bool ready = false, statsPending = false;
    int open = 0, failed = 0;
    QString error;
    qint64 messages = 0, lastNs = 0, other = 0, closed = 0;
    QList<qint64> deltas, samples;

    void onLine(const QByteArray &line)
    {
        const QList<QByteArray> f = line.split(' ');
        if (f.first() == "count" && f.size() == 5) {
            messages = f[1].toLongLong();
            lastNs = f[2].toLongLong();
            other = f[3].toLongLong();
            closed = f[4].toLongLong();
        } else if (f.first() == "ready" && f.size() >= 3) {
            open = f[1].toInt();
            failed = f[2].toInt();
            error = QString::fromUtf8(line.mid(line.indexOf(f[2]) + f[2].size()).trimmed());
            ready = true;
        } else if (f.first() == "stats" && f.size() >= 3) {
            const int n = f[1].toInt();
            deltas.clear();
            samples.clear();
            for (int i = 0; i < n && 2 + i < f.size(); ++i)
                deltas.append(f[2 + i].toLongLong());
            for (qsizetype i = 3 + n; i < f.size(); ++i)
                samples.append(f[i].toLongLong());
            statsPending = false;
        }
    }
    double cpuSeconds() const
    {
        const ProcSample s = sampleProcess(proc->processId());
        return s.ok ? s.cpuSeconds : 0;
    }
};

QString loadavg()
{
    QFile f(u"/proc/loadavg"_s);
    return f.open(QIODevice::ReadOnly) ? QString::fromLatin1(f.readAll().trimmed()) : QString();
}

// The server's main thread (its network loop, in chat-server and in Node.js alike) from
// /proc/<pid>/schedstat: time on a CPU and time runnable but waiting for one. Over a window,
// wall - cpu - wait is the time the loop slept with nothing to do.
struct SchedSample {
    bool ok = false;
    double cpuS = 0, waitS = 0;
};

SchedSample sampleSched(qint64 pid)
{
    SchedSample s;
    QFile f(u"/proc/%1/schedstat"_s.arg(pid));
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
    QList<BenchClient *> registering = clients.mid(1);
    for (BenchClient *c : registering)
        c->close();
    waitFor(
        [&] {
            for (BenchClient *c : registering)
                if (c->state() == BenchClient::State::Open)
                    return false;
            return true;
        },
        20000);
    qDeleteAll(registering);

    QTemporaryDir tmp;
    std::vector<ReceiverProcess> workers;
    workers.resize(size_t(nWorkers)); // never resized again: the slots below hold &workers[w]
    QList<int> workerOf(maxGroup, -1), slotOf(maxGroup, -1);
    const qint64 o0 = nowNs();
    for (int w = 0; w < nWorkers; ++w) {
        ReceiverProcess &rp = workers[size_t(w)];
        // Interleaved, so that every group size spreads over every worker.
        QFile tokens(tmp.filePath(u"tokens-%1.txt"_s.arg(w)));
        if (!tokens.open(QIODevice::WriteOnly)) {
            out["error"_L1] = u"cannot write a token file"_s;
            return out;
        }
        for (int i = 1 + w; i < maxGroup; i += nWorkers) {
            const Account &a = accounts.at(i);
            tokens.write((a.userId + u' ' + a.token + u' ' + a.username + u'\n').toUtf8());
            workerOf[i] = w;
            slotOf[i] = int(rp.members.size());
            rp.members.append(i);
        }
        tokens.close();
        rp.proc = new QProcess(owner.get());
        rp.proc->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QObject::connect(rp.proc, &QProcess::readyReadStandardOutput, rp.proc, [&rp] {
            while (rp.proc->canReadLine())
                rp.onLine(rp.proc->readLine().trimmed());
        });
        rp.proc->start(o.selfPath,
                       {u"fanout-worker"_s, u"--url"_s, t.url(w).toString(), u"--token-file"_s,
                        tokens.fileName(), u"--sample-every"_s, QString::number(o.sampleEvery),
                        u"--receiver-coalesce-us"_s, QString::number(o.coalesceUs)});
    }
    auto stopWorkers = [&] {
        for (ReceiverProcess &rp : workers) {
            rp.proc->closeWriteChannel(); // end of stdin: the worker closes and exits
            if (!rp.proc->waitForFinished(10000))
                rp.proc->kill();
        }
    };
    const bool allReady = waitFor(
        [&] {
            for (const ReceiverProcess &rp : workers)
                if (!rp.ready && rp.proc->state() != QProcess::NotRunning)
                    return false;
            return true;
        },
        180000);
    int open = 0, failed = 0;
    QString why;
    for (const ReceiverProcess &rp : workers) {
        open += rp.open;
        failed += rp.ready ? rp.failed : int(rp.members.size());
        if (why.isEmpty() && !rp.error.isEmpty())
            why = rp.error;
    }
    out["receivers_open_s"_L1] = round3(double(nowNs() - o0) / 1e9);
    QStringList workerPids;
    for (const ReceiverProcess &rp : workers)
        workerPids.append(QString::number(rp.proc->processId()));
    fprintf(stderr, "chat-bench: fanout receivers ready in worker pids %s\n",
            qPrintable(workerPids.join(u' ')));
    if (!allReady || failed > 0 || open != maxGroup - 1) {
        out["error"_L1] = u"receivers: %1 open, %2 failed (%3)"_s.arg(open).arg(failed).arg(
            why.isEmpty() ? u"a worker did not start or answer"_s : why);
        stopWorkers();
        return out;
    }
    // Per-receiver deliveries and latency samples since the previous call.
    auto collectStats = [&] {
        for (ReceiverProcess &rp : workers) {
            rp.statsPending = true;
            rp.proc->write("stats\n");
        }
        return waitFor(
            [&] {
                for (const ReceiverProcess &rp : workers)
                    if (rp.statsPending)
                        return false;
                return true;
            },
            30000);
    };
    auto totals = [&](qint64 *closed) {
        qint64 m = 0;
        *closed = 0;
        for (const ReceiverProcess &rp : workers) {
            m += rp.messages;
            *closed += rp.closed;
        }
        return m;
    };

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
        if (!collectStats()) {
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
        double w0 = 0;
        for (const ReceiverProcess &rp : workers)
            w0 += rp.cpuSeconds();
        const qint64 t0 = nowNs();
        for (int w = 0; w < o.window && sent < messages; ++w, ++sent)
            sender->sendMessage(conv, padding);
        const bool complete = waitFor(
            [&] {
                const qint64 got = totals(&closed) - base;
                return closed > closed0 || got >= expected - errors * (g - 1);
            },
            120000);
        qint64 lastNs = 0;
        for (const ReceiverProcess &rp : workers)
            lastNs = qMax(lastNs, rp.lastNs);
        const ProcSample s1 = sampleProcess(t.pid);
        const SchedSample m1 = sampleSched(t.pid);
        const ProcSample self1 = sampleSelf();
        double w1 = 0;
        for (const ReceiverProcess &rp : workers)
            w1 += rp.cpuSeconds();
        runFor(100); // acks still on the way
        sender->onAck = nullptr;
        collectStats();
        // Deliveries counted per receiver, summed; each member must have got every message.
        qint64 delivered = 0, outsiders = 0;
        int short_ = 0, extra = 0; // members with fewer / more than every message once
        LatencyRecorder lat;
        for (int i = 1; i < maxGroup; ++i) {
            const ReceiverProcess &rp = workers[size_t(workerOf[i])];
            const qint64 d = rp.deltas.value(slotOf[i]);
            delivered += d;
            if (i < g && d < messages)
                ++short_;
            if (i < g && d > messages)
                ++extra;
            if (i >= g)
                outsiders += d;
        }
        for (const ReceiverProcess &rp : workers)
            for (qint64 ns : rp.samples)
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
    stopWorkers();
    sender->close();
    out["machine_after"_L1] = machineContext();
    return out;
}

} // namespace chat::bench
