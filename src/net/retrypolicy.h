// Every retry, timeout and debounce figure of the client in one table, so the policy can be
// read (and tuned, or shortened by tests) in one place instead of as literals scattered over
// the code. Used by chat::net::Connection and chat::sync::SyncEngine.
#pragma once

#include <QList>
#include <QRandomGenerator>
#include <QtGlobal>

namespace chat::net {

struct RetryPolicy {
    // Reconnect backoff: the n-th consecutive failed attempt waits backoffMs[min(n, size-1)],
    // randomised by +/- jitter (0.25 = up to 25 % shorter or longer) so that thousands of
    // clients dropped together by a server restart do not return in lock-step.
    // The first attempt after a drop uses backoffMs[0].
    QList<int> backoffMs{250, 500, 1000, 2000, 5000, 10000, 30000};
    double jitter = 0.25;

    // QWebSocket has no connect/handshake timeout of its own: TCP + TLS + HTTP upgrade must
    // complete within this, or the attempt counts as failed.
    int connectTimeoutMs = 10000;
    // Answer deadline for ordinary requests (login, sync page, history, users, ...).
    int requestTimeoutMs = 20000;

    // Heartbeat: ping every heartbeat_ms (from auth_ok, or this override when > 0); the link
    // is dead when nothing (not even a pong) arrived for deadAfterHeartbeats x heartbeat_ms.
    int heartbeatOverrideMs = 0;
    int deadAfterHeartbeats = 2;

    // Sync engine timings.
    int gapWaitMs = 300;          // wait for straggling pushes before fetching a seq gap
    int readDebounceMs = 1000;    // own read watermark: send at most once per this
    int deliveredDebounceMs = 50; // coalesce `delivered` frames of one burst of pushes
    int typingThrottleMs = 3000;  // repeat typing:true at most this often
    int typingExpiryMs = 6000;    // others' typing indicator lifetime
    int historyPageSize = 200;    // messages per history request when filling gaps
    int syncPageSize = 20;        // conversations per sync page
    int syncRecent = 20;          // recent messages per conversation in a sync page
    int maxGapFetches = 3;        // background gap fills in flight at once
    int maxSendsInFlight = 16;    // pipelined sends awaiting their ack
    // Client-side pacing of sends, below the protocol's default server limit (20/s, burst
    // 50): a refused send followed by an accepted one would reorder the sender's messages,
    // so the client avoids being refused. 0 = no pacing.
    double sendRatePerSecond = 20;
    int sendBurst = 40;
    int sendRetryMs = 2000; // transient send failure (unavailable, internal, timeout)

    // The delay before reconnect attempt number `attempt` (0-based), jitter applied.
    int backoffFor(int attempt) const
    {
        if (backoffMs.isEmpty())
            return 0;
        const int base = backoffMs.at(qBound(0, attempt, int(backoffMs.size()) - 1));
        const double j = qBound(0.0, jitter, 1.0);
        const double factor = 1.0 + j * (2.0 * QRandomGenerator::global()->generateDouble() - 1.0);
        return qMax(0, int(base * factor));
    }

    // A policy with every delay shortened, for tests that exercise reconnects and gaps.
    static RetryPolicy fastForTests()
    {
        RetryPolicy p;
        p.backoffMs = {20, 50, 100, 200, 400};
        p.connectTimeoutMs = 5000;
        p.requestTimeoutMs = 15000;
        p.gapWaitMs = 100;
        p.readDebounceMs = 100;
        p.deliveredDebounceMs = 10;
        p.sendRetryMs = 200;
        return p;
    }
};

} // namespace chat::net
