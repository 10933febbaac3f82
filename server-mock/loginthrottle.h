// LoginThrottle: slows password guessing without ever slowing a correct login. Failed logins
// are counted per username and per peer address over a sliding window; past a threshold, each
// further *failure* for that key is answered no sooner than a per-key slot that moves forward
// by a doubling delay, so guesses against one account or from one address are serialized and
// slowed however many connections they use. A correct password is answered at once: the
// password is always verified, the throttle only decides when a wrong answer may go out.
#pragma once

#include <QHash>
#include <QString>
#include <deque>

namespace chat::server {

class LoginThrottle
{
public:
    struct Policy {
        int windowMs = 5 * 60 * 1000;    // failures older than this are forgotten
        int freeFailuresPerUser = 5;     // failures per username answered without delay
        int freeFailuresPerAddress = 20; // failures per address answered without delay
        int baseDelayMs = 500;           // first throttled failure; doubles per failure
        int maxDelayMs = 30000;          // cap of one step
    };
    LoginThrottle() = default;
    explicit LoginThrottle(Policy p) : m_policy(p) { }

    // Records a failed login and returns how long (ms from now) its answer must wait; 0 = at
    // once.
    qint64 failed(const QString &username, const QString &address, qint64 nowMs);
    // Failures counted for a key now (tests, admin_stats).
    int failures(const QString &username, const QString &address, qint64 nowMs);

private:
    struct Key {
        std::deque<qint64> failures;
        qint64 nextSlot = 0;
    };
    qint64 step(Key &k, int freeFailures, qint64 nowMs);
    void prune(Key &k, qint64 nowMs) const;
    void sweep(qint64 nowMs);

    Policy m_policy;
    QHash<QString, Key> m_users, m_addresses;
    qint64 m_lastSweep = 0;
};

} // namespace chat::server
