// connections: hold K authenticated connections and see what idle connections cost the server.
// A probe set of `probe` connections measures ping round trips with only the probe open, then
// again once K are open; between the two, the server's RSS and its idle CPU (heartbeats only)
// are read from /proc. The K - probe held connections live in worker processes
// (`chat-bench connections-worker`, at most `perProcess` each: one process holds at most 20k
// sockets), so the probing process stays small.
#include "scenarios.h"

#include "benchutil.h"

#include <QCoreApplication>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>

#include <memory>

using namespace Qt::StringLiterals;

namespace chat::bench {

namespace {

// Keeps every connection alive per the heartbeat rule: each pings once per period, spread.
class Heartbeats
{
public:
    Heartbeats(const QList<BenchClient *> &clients, int periodMs) : m_clients(clients)
    {
        // A 10 ms tick pings ceil(n × 10 / period) connections, round robin.
        const qint64 n = qMax<qint64>(1, clients.size());
        m_timer.setInterval(10);
        m_perTick = qMax<qint64>(1, (n * 10 + periodMs - 1) / qMax(1, periodMs));
        QObject::connect(&m_timer, &QTimer::timeout, [this] {
            for (qint64 i = 0; i < m_perTick && !m_clients.isEmpty(); ++i) {
                BenchClient *c = m_clients.at(int(m_next++ % m_clients.size()));
                if (c->state() == BenchClient::State::Open)
                    c->ping();
            }
        });
        m_timer.start();
    }

private:
    QList<BenchClient *> m_clients;
    QTimer m_timer;
    qint64 m_perTick = 1;
    qint64 m_next = 0;
};

// Pings on the probe connections, one outstanding at a time each, for `ms`.
QJsonObject probePings(const QList<BenchClient *> &probe, int ms)
{
    LatencyRecorder rec;
    qint64 lost = 0;
    for (BenchClient *c : probe)
        c->onPong = [&rec](qint64 ts) {
            if (ts > 0)
                rec.add(nowNs() - ts);
        };
    QTimer t;
    qint64 next = 0;
    QObject::connect(&t, &QTimer::timeout, [&] {
        BenchClient *c = probe.at(int(next++ % probe.size()));
        if (c->state() == BenchClient::State::Open)
            c->ping();
        else
            ++lost;
    });
    t.start(5); // 200 pings/s across the probe: light enough not to be the load
    runFor(ms);
    t.stop();
    runFor(300);
    for (BenchClient *c : probe)
        c->onPong = nullptr;
    QJsonObject o = rec.summary(true);
    o["closed_probes"_L1] = lost;
    return o;
}

// "user_id token username" per line; empty lines are skipped, anything else is an error.
QList<Account> readAccounts(const QString &path, QString *why)
{
    QList<Account> all;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *why = u"cannot read the accounts file %1: %2"_s.arg(path, f.errorString());
        return {};
    }
    int line = 0;
    while (!f.atEnd()) {
        ++line;
        const QByteArray l = f.readLine().trimmed();
        if (l.isEmpty())
            continue;
        const QList<QByteArray> p = l.split(' ');
        if (p.size() != 3) {
            *why = u"%1 line %2: expected \"user_id token username\""_s.arg(path).arg(line);
            return {};
        }
        all.append({QString::fromUtf8(p[2]), {}, QString::fromUtf8(p[0]), QString::fromUtf8(p[1])});
    }
    return all;
}

// The server processes measured one by one (the nodes of a cluster): RSS and idle CPU each.
class ServerSet
{
public:
    explicit ServerSet(const Options &o) : m_pids(o.serverPids)
    {
        if (m_pids.size() < 2)
            m_pids.clear(); // one server: the scenario's own figures say it all
    }
    qsizetype size() const { return m_pids.size(); }
    QList<ProcSample> sample() const
    {
        QList<ProcSample> l;
        for (qint64 pid : m_pids)
            l.append(sampleProcess(pid));
        return l;
    }
    // Per server: RSS now, RSS growth per held connection (perServer connections each, if
    // known), idle CPU between a and b.
    QJsonArray report(const QList<ProcSample> &base, const QList<ProcSample> &now,
                      const QList<ProcSample> &a, const QList<ProcSample> &b, double seconds,
                      qsizetype perServer) const
    {
        QJsonArray arr;
        for (qsizetype i = 0; i < m_pids.size(); ++i) {
            QJsonObject o{{"pid"_L1, m_pids.at(i)}};
            if (now.at(i).ok)
                o["rss_mb"_L1] = round3(double(now.at(i).rssBytes) / 1048576.0);
            if (perServer > 0 && now.at(i).ok && base.at(i).ok)
                o["rss_per_connection_kb"_L1] = round3(
                    double(now.at(i).rssBytes - base.at(i).rssBytes) / 1024.0 / double(perServer));
            if (a.at(i).ok && b.at(i).ok)
                o["idle_cpu_util"_L1] = round3((b.at(i).cpuSeconds - a.at(i).cpuSeconds) / seconds);
            arr.append(o);
        }
        return arr;
    }

private:
    QList<qint64> m_pids;
};

int openCount(const QList<BenchClient *> &clients)
{
    int n = 0;
    for (BenchClient *c : clients)
        n += (c->authed && c->state() == BenchClient::State::Open) ? 1 : 0;
    return n;
}

} // namespace

QJsonObject runConnections(const Target &t, const Options &o)
{
    QJsonObject out{{"scenario"_L1, u"connections"_s}, {"target"_L1, t.label}};
    out["params"_L1] =
        QJsonObject{{"connections"_L1, o.connections}, {"probe"_L1, o.probe},
                    {"open_rate"_L1, o.openRate},      {"per_process"_L1, o.perProcess},
                    {"idle_window_s"_L1, o.idleS},     {"destinations"_L1, int(t.urls.size())}};
    out["machine_before"_L1] = machineContext();
    auto owner = std::make_unique<QObject>();
    Population pop(t, owner.get());
    const int k = qMax(o.connections, o.probe);
    int users = (k + 9) / 10; // protocol §12: at most 10 connections per user
    QList<Account> accounts;
    if (!o.accountsFile.isEmpty()) {
        QString why;
        accounts = readAccounts(o.accountsFile, &why);
        if (accounts.size() < users)
            why = u"%1 holds %2 accounts; %3 connections need at least %4"_s.arg(o.accountsFile)
                      .arg(accounts.size())
                      .arg(k)
                      .arg(users);
        if (!why.isEmpty()) {
            out["error"_L1] = why;
            return out;
        }
        users = int(accounts.size());
        out["accounts"_L1] = u"prepared (%1)"_s.arg(users);
    } else {
        QList<BenchClient *> registering;
        const qint64 r0 = nowNs();
        if (!pop.createAccounts(users, &accounts, &registering)) {
            out["error"_L1] = pop.error();
            return out;
        }
        out["register_s"_L1] = round3(double(nowNs() - r0) / 1e9);
        for (BenchClient *c : registering)
            c->close();
        runFor(1000);
        qDeleteAll(registering);
    }
    const ServerSet servers(o);
    // Slot j of the K connections belongs to account j % users.
    auto accountsFor = [&](int from, int count) {
        QList<Account> l;
        for (int j = from; j < from + count; ++j)
            l.append(accounts.at(j % users));
        return l;
    };

    QList<BenchClient *> probe;
    if (!pop.connectAccounts(accountsFor(0, o.probe), &probe, 32, o.openRate)) {
        out["error"_L1] = pop.error();
        return out;
    }
    Heartbeats probeBeats(probe, 10000);
    runFor(1000);
    const ProcSample base = sampleProcess(t.pid);
    const QList<ProcSample> baseEach = servers.sample();
    QJsonObject atProbe;
    atProbe["connections"_L1] = openCount(probe);
    atProbe["ping"_L1] = probePings(probe, int(o.pingS * 1000));
    QList<ProcSample> idleA, idleB;
    {
        const ProcSample a = sampleProcess(t.pid);
        idleA = servers.sample();
        runFor(int(o.idleS * 1000));
        const ProcSample b = sampleProcess(t.pid);
        idleB = servers.sample();
        if (a.ok && b.ok)
            atProbe["server_idle_cpu_util"_L1] = round3((b.cpuSeconds - a.cpuSeconds) / o.idleS);
    }
    const QJsonArray probeEach = servers.report(baseEach, baseEach, idleA, idleB, o.idleS, 0);
    if (!probeEach.isEmpty())
        atProbe["servers"_L1] = probeEach;
    if (base.ok)
        atProbe["server_rss_mb"_L1] = round3(double(base.rssBytes) / 1048576.0);
    out["at_probe"_L1] = atProbe;

    // The rest live in worker processes of at most perProcess each, so that this process's
    // loop holds only the probe and its latency is the server's, not the load generator's.
    const int rest = k - o.probe;
    const int local = 0;
    QList<BenchClient *> held;
    const qint64 o0 = nowNs();
    if (local > 0 && !pop.connectAccounts(accountsFor(o.probe, local), &held, 64, o.openRate)) {
        out["error"_L1] = pop.error();
        return out;
    }
    std::unique_ptr<Heartbeats> heldBeats;
    if (!held.isEmpty())
        heldBeats = std::make_unique<Heartbeats>(held, 20000);
    QTemporaryDir tmp;
    QList<QProcess *> workers;
    int workerOpen = 0, workerFailed = 0;
    if (rest > local) {
        QList<Account> lines;
        for (int j = 0; j < k; ++j)
            lines.append(accounts.at(j % users));
        const QString tokenFile = tmp.filePath(u"tokens.txt"_s);
        if (!writeTokenFile(tokenFile, lines)) {
            out["error"_L1] = u"cannot write the token file"_s;
            return out;
        }
        int pending = 0;
        for (int from = o.probe + local; from < k; from += o.perProcess) {
            const int count = qMin(o.perProcess, k - from);
            auto *w = new QProcess(owner.get());
            QStringList args{u"connections-worker"_s,
                             u"--token-file"_s,
                             tokenFile,
                             u"--from"_s,
                             QString::number(from),
                             u"--count"_s,
                             QString::number(count),
                             u"--open-rate"_s,
                             QString::number(qMax(1, o.openRate / 2))};
            for (const QUrl &u : t.urls)
                args << u"--url"_s << u.toString();
            w->setProcessChannelMode(QProcess::ForwardedErrorChannel);
            QObject::connect(w, &QProcess::readyReadStandardOutput, w, [&, w] {
                while (w->canReadLine()) {
                    const QByteArray line = w->readLine().trimmed();
                    if (line.startsWith("open ")) {
                        const QList<QByteArray> f = line.split(' ');
                        workerOpen += f.value(1).toInt();
                        workerFailed += f.value(3).toInt();
                        --pending;
                    }
                }
            });
            w->start(o.selfPath, args);
            workers.append(w);
            ++pending;
            // Workers open one after the other: two opening at once starve each other.
            if (!waitFor([&] { return pending == 0; },
                         count * 1000 / qMax(1, o.openRate / 2) + 120000)) {
                out["error"_L1] = u"a connection worker did not finish opening"_s;
                break;
            }
        }
    }
    out["open_s"_L1] = round3(double(nowNs() - o0) / 1e9);
    runFor(qMin(3000, int(o.idleS * 1000) + 500)); // let the opening settle
    QJsonObject atK;
    const int opened = openCount(probe) + openCount(held) + workerOpen;
    atK["connections"_L1] = opened;
    atK["failed"_L1] = (rest + o.probe - opened);
    const ProcSample full = sampleProcess(t.pid);
    const QList<ProcSample> fullEach = servers.sample();
    {
        const ProcSample a = sampleProcess(t.pid);
        idleA = servers.sample();
        runFor(int(o.idleS * 1000));
        const ProcSample b = sampleProcess(t.pid);
        idleB = servers.sample();
        if (a.ok && b.ok)
            atK["server_idle_cpu_util"_L1] = round3((b.cpuSeconds - a.cpuSeconds) / o.idleS);
    }
    const QJsonArray kEach =
        servers.report(baseEach, fullEach, idleA, idleB, o.idleS,
                       (opened - o.probe) / qMax<qsizetype>(1, servers.size()));
    if (!kEach.isEmpty())
        atK["servers"_L1] = kEach;
    atK["ping"_L1] = probePings(probe, int(o.pingS * 1000));
    if (full.ok && base.ok) {
        atK["server_rss_mb"_L1] = round3(double(full.rssBytes) / 1048576.0);
        if (opened > o.probe)
            atK["server_rss_per_connection_kb"_L1] =
                round3(double(full.rssBytes - base.rssBytes) / 1024.0 / double(opened - o.probe));
    }
    out["at_k"_L1] = atK;
    const double p99Probe = atProbe["ping"_L1].toObject()["p99_ms"_L1].toDouble();
    const double p99K = atK["ping"_L1].toObject()["p99_ms"_L1].toDouble();
    if (p99Probe > 0)
        out["ping_p99_ratio_k_vs_probe"_L1] = round3(p99K / p99Probe);
    if (o.holdS > 0) {
        fprintf(stderr, "chat-bench: holding %d connections for %g s\n", opened, o.holdS);
        runFor(int(o.holdS * 1000));
        atK["connections_after_hold"_L1] = openCount(probe) + openCount(held) + workerOpen;
        out["at_k"_L1] = atK;
    }
    for (QProcess *w : workers) {
        w->terminate();
        if (!w->waitForFinished(10000))
            w->kill();
    }
    for (BenchClient *c : probe + held)
        c->close();
    runFor(500);
    out["machine_after"_L1] = machineContext();
    return out;
}

int runConnectionsWorker(const QList<QUrl> &urls, const QString &tokenFile, int from, int count,
                         int openRate)
{
    const auto all = readTokenFile(tokenFile);
    if (!all) {
        fprintf(stderr, "connections-worker: cannot read %s\n", qPrintable(tokenFile));
        return 2;
    }
    const QList<Account> mine = all->mid(from, count);
    QObject owner;
    Target t;
    t.urls = urls;
    Population pop(t, &owner);
    QList<BenchClient *> clients;
    pop.connectAccounts(mine, &clients, 64, openRate);
    const int open = openCount(clients);
    printf("open %d failed %d\n", open, int(mine.size()) - open);
    fflush(stdout);
    Heartbeats beats(clients, 20000);
    // Hold until terminated by the parent (SIGTERM ends the process).
    QCoreApplication::exec();
    return 0;
}

} // namespace chat::bench
