// ReceiverPool: the parent side of the lean receivers (leanreceiver.h) shared by `fanout` and
// `latency`. It hands registered accounts to `chat-bench fanout-worker` processes (interleaved,
// so every subset of the accounts spreads over every worker), waits until every connection is
// authenticated, and reads what the workers report: message counts as they arrive, and on
// collectStats() the deliveries per account and the latency samples since the previous call.
#pragma once

#include "population.h"

#include <QList>
#include <QObject>
#include <QString>

#include <memory>
#include <utility>
#include <vector>

namespace chat::bench {

class ReceiverPool
{
public:
    struct Config {
        QString selfPath; // chat-bench itself
        int processes = 2;
        int sampleEvery = 64; // a timestamp read every Nth text frame per connection
        int coalesceUs = 0;
        // Samples as (sender's timestamp, time of the read) pairs instead of their difference:
        // the caller maps a timestamp to its planned send time (latency, no coordinated
        // omission).
        bool rawSamples = false;
    };

    explicit ReceiverPool(QObject *owner);
    // Closes and deletes the connections that registered the accounts, whose workers will
    // reconnect them by token (waits up to 20 s for the closes).
    static void closeRegistering(const QList<BenchClient *> &clients);
    ~ReceiverPool();

    // Starts the workers on t's URLs, one connection per account, and waits (up to 180 s)
    // until all are authenticated. False with *error on any failure (workers are stopped).
    bool start(const Target &t, const QList<Account> &accounts, const Config &config,
               QString *error);
    void stop(); // end of stdin: each worker closes its connections and exits
    QStringList pids() const;

    // Asks every worker for its counts since the previous call; false if one did not answer.
    bool collectStats();
    // After collectStats(): messages received by accounts[i] since the call before.
    qint64 delivered(int account) const;
    // After collectStats(): latency samples (ns), or with rawSamples (sent ns, read ns) pairs.
    QList<qint64> samples() const;
    QList<std::pair<qint64, qint64>> rawSamples() const;

    // Live, from the workers' "count" lines: messages and connections closed by the server
    // since start, and the read time of the latest message.
    qint64 totalMessages(qint64 *closed = nullptr) const;
    qint64 lastMessageNs() const;
    double cpuSeconds() const; // all workers, from /proc

    struct Worker;

private:
    QObject *m_owner;
    std::vector<std::unique_ptr<Worker>> m_workers;
    QList<int> m_workerOf, m_slotOf; // per account
};

} // namespace chat::bench
