// The chat-bench scenarios. Each runs against one Target and returns its JSON summary (or an
// "error" field). Options holds every knob; a scenario reads only its own.
#pragma once

#include "population.h"

#include <QJsonObject>

namespace chat::bench {

struct Options {
    // throughput / latency
    int senders = 8;
    int receivers = 8;
    int window = 64;      // unacked sends in flight per sender (throughput)
    double durationS = 5; // measured seconds
    double warmupS = 1;
    QList<int> rates{1000, 5000, 10000}; // latency: offered msg/s
    int padding = 64;                    // extra content characters per message
    // connections
    int connections = 1000;
    int probe = 100;       // connections that measure ping latency
    int openRate = 400;    // new connections per second
    int perProcess = 9000; // connections per client process (fd limit is 20k)
    double idleS = 10;     // idle CPU window
    double pingS = 5;      // ping sampling window, at the probe count and at K
    // Accounts prepared beforehand ("user_id token username" per line, e.g. seeded into the
    // server's store by scripts/bench-server-connections.sh): no registration at all.
    QString accountsFile;
    QList<qint64> serverPids; // every server process (cluster nodes): RSS and CPU each
    double holdS = 0;         // keep the K connections this long after measuring
    // fanout
    QList<int> groups{10, 100, 1000};
    int fanoutDeliveries = 100000; // deliveries per group size (messages = this / (size - 1))
    int receiverProcesses = 2;     // fanout-worker processes holding the receivers
    int sampleEvery = 64;          // a latency sample every Nth frame per receiver
    int coalesceUs = 0;            // receivers: least µs between passes over ready sockets
    // catchup
    int catchupMessages = 100000;
    int catchupConversations = 500;
    QString selfPath; // chat-bench itself, for connection workers
};

QJsonObject runThroughput(const Target &t, const Options &o);
QJsonObject runLatency(const Target &t, const Options &o);
QJsonObject runConnections(const Target &t, const Options &o);
QJsonObject runFanout(const Target &t, const Options &o);
QJsonObject runCatchup(const Target &t, const Options &o);
// Child process of `connections`: opens accounts from a token file and holds them.
int runConnectionsWorker(const QList<QUrl> &urls, const QString &tokenFile, int from, int count,
                         int openRate);

// Machine context written next to every figure: cores, load average, time.
QJsonObject machineContext();

} // namespace chat::bench
