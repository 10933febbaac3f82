#include "receiverpool.h"

#include "benchutil.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <cstdio>

using namespace Qt::StringLiterals;

namespace chat::bench {

// One fanout-worker process and what it last said.
struct ReceiverPool::Worker {
    QProcess *proc = nullptr;
    std::unique_ptr<QTemporaryDir> tmp; // its token file
    int connections = 0;
    bool raw = false;
    bool ready = false, statsPending = false;
    int open = 0, failed = 0;
    QString error;
    qint64 messages = 0, lastNs = 0, other = 0, closed = 0;
    QList<qint64> deltas, samples;
    QList<std::pair<qint64, qint64>> pairs;

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
            pairs.clear();
            for (int i = 0; i < n && 2 + i < f.size(); ++i)
                deltas.append(f[2 + i].toLongLong());
            for (qsizetype i = 3 + n; i < f.size(); ++i) {
                if (!raw) {
                    samples.append(f[i].toLongLong());
                    continue;
                }
                const qsizetype comma = f[i].indexOf(',');
                if (comma > 0)
                    pairs.append({f[i].left(comma).toLongLong(), f[i].mid(comma + 1).toLongLong()});
            }
            statsPending = false;
        }
    }
};

void ReceiverPool::closeRegistering(const QList<BenchClient *> &clients)
{
    for (BenchClient *c : clients)
        c->close();
    waitFor(
        [&] {
            for (BenchClient *c : clients)
                if (c->state() == BenchClient::State::Open)
                    return false;
            return true;
        },
        20000);
    qDeleteAll(clients);
}

ReceiverPool::ReceiverPool(QObject *owner) : m_owner(owner)
{ }

ReceiverPool::~ReceiverPool()
{
    stop();
}

bool ReceiverPool::start(const Target &t, const QList<Account> &accounts, const Config &config,
                         QString *error)
{
    const int n = qMax(1, qMin(config.processes, int(accounts.size())));
    m_workerOf = QList<int>(accounts.size(), -1);
    m_slotOf = QList<int>(accounts.size(), -1);
    for (int w = 0; w < n; ++w) {
        auto worker = std::make_unique<Worker>();
        Worker *rp = worker.get();
        rp->raw = config.rawSamples;
        rp->tmp = std::make_unique<QTemporaryDir>();
        QList<Account> mine;
        for (int i = w; i < accounts.size(); i += n) {
            mine.append(accounts.at(i));
            m_workerOf[i] = w;
            m_slotOf[i] = rp->connections++;
        }
        const QString tokenFile = rp->tmp->filePath(u"tokens.txt"_s);
        if (!writeTokenFile(tokenFile, mine)) {
            *error = u"cannot write a token file"_s;
            stop();
            return false;
        }
        rp->proc = new QProcess(m_owner);
        rp->proc->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QObject::connect(rp->proc, &QProcess::readyReadStandardOutput, rp->proc, [rp] {
            while (rp->proc->canReadLine())
                rp->onLine(rp->proc->readLine().trimmed());
        });
        QStringList args{u"fanout-worker"_s,
                         u"--url"_s,
                         t.url(w).toString(),
                         u"--token-file"_s,
                         tokenFile,
                         u"--sample-every"_s,
                         QString::number(config.sampleEvery),
                         u"--receiver-coalesce-us"_s,
                         QString::number(config.coalesceUs)};
        if (config.rawSamples)
            args.append(u"--raw-samples"_s);
        rp->proc->start(config.selfPath, args);
        m_workers.push_back(std::move(worker));
    }
    const bool allReady = waitFor(
        [&] {
            for (const auto &rp : m_workers)
                if (!rp->ready && rp->proc->state() != QProcess::NotRunning)
                    return false;
            return true;
        },
        180000);
    int open = 0, failed = 0;
    QString why;
    for (const auto &rp : m_workers) {
        open += rp->open;
        failed += rp->ready ? rp->failed : rp->connections;
        if (why.isEmpty() && !rp->error.isEmpty())
            why = rp->error;
    }
    fprintf(stderr, "chat-bench: lean receivers ready in worker pids %s\n",
            qPrintable(pids().join(u' ')));
    if (!allReady || failed > 0 || open != accounts.size()) {
        *error = u"receivers: %1 open, %2 failed (%3)"_s.arg(open).arg(failed).arg(
            why.isEmpty() ? u"a worker did not start or answer"_s : why);
        stop();
        return false;
    }
    return true;
}

void ReceiverPool::stop()
{
    for (const auto &rp : m_workers) {
        rp->proc->closeWriteChannel(); // end of stdin: the worker closes and exits
        if (!rp->proc->waitForFinished(10000))
            rp->proc->kill();
        rp->proc->disconnect(); // its handler points into the Worker about to go
    }
    m_workers.clear();
}

QStringList ReceiverPool::pids() const
{
    QStringList out;
    for (const auto &rp : m_workers)
        out.append(QString::number(rp->proc->processId()));
    return out;
}

bool ReceiverPool::collectStats()
{
    for (const auto &rp : m_workers) {
        rp->statsPending = true;
        rp->proc->write("stats\n");
    }
    return waitFor(
        [&] {
            for (const auto &rp : m_workers)
                if (rp->statsPending)
                    return false;
            return true;
        },
        30000);
}

qint64 ReceiverPool::delivered(int account) const
{
    const int w = m_workerOf.value(account, -1);
    return w < 0 || size_t(w) >= m_workers.size()
               ? 0
               : m_workers[size_t(w)]->deltas.value(m_slotOf.value(account));
}

QList<qint64> ReceiverPool::samples() const
{
    QList<qint64> out;
    for (const auto &rp : m_workers)
        out.append(rp->samples);
    return out;
}

QList<std::pair<qint64, qint64>> ReceiverPool::rawSamples() const
{
    QList<std::pair<qint64, qint64>> out;
    for (const auto &rp : m_workers)
        out.append(rp->pairs);
    return out;
}

qint64 ReceiverPool::totalMessages(qint64 *closed) const
{
    qint64 m = 0, c = 0;
    for (const auto &rp : m_workers) {
        m += rp->messages;
        c += rp->closed;
    }
    if (closed)
        *closed = c;
    return m;
}

qint64 ReceiverPool::lastMessageNs() const
{
    qint64 last = 0;
    for (const auto &rp : m_workers)
        last = qMax(last, rp->lastNs);
    return last;
}

double ReceiverPool::cpuSeconds() const
{
    double s = 0;
    for (const auto &rp : m_workers) {
        const ProcSample p = sampleProcess(rp->proc->processId());
        s += p.ok ? p.cpuSeconds : 0;
    }
    return s;
}

} // namespace chat::bench
