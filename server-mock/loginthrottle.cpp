#include "loginthrottle.h"

#include <algorithm>

namespace chat::server {

void LoginThrottle::prune(Key &k, qint64 nowMs) const
{
    while (!k.failures.empty() && nowMs - k.failures.front() > m_policy.windowMs)
        k.failures.pop_front();
}

qint64 LoginThrottle::step(Key &k, int freeFailures, qint64 nowMs)
{
    prune(k, nowMs);
    k.failures.push_back(nowMs);
    const int over = int(k.failures.size()) - freeFailures;
    if (over <= 0)
        return 0;
    const qint64 delay = std::min<qint64>(m_policy.maxDelayMs, qint64(m_policy.baseDelayMs)
                                                                   << std::min(over - 1, 20));
    // Serialize: parallel guesses queue behind each other instead of all waiting one delay.
    k.nextSlot = std::max(k.nextSlot, nowMs) + delay;
    return k.nextSlot - nowMs;
}

void LoginThrottle::sweep(qint64 nowMs)
{
    // Bounded memory under a spray of usernames or addresses: drop keys with nothing left.
    if (nowMs - m_lastSweep < 10000)
        return;
    m_lastSweep = nowMs;
    for (auto *map : {&m_users, &m_addresses}) {
        for (auto it = map->begin(); it != map->end();) {
            prune(it.value(), nowMs);
            if (it.value().failures.empty() && it.value().nextSlot <= nowMs)
                it = map->erase(it);
            else
                ++it;
        }
    }
}

qint64 LoginThrottle::failed(const QString &username, const QString &address, qint64 nowMs)
{
    sweep(nowMs);
    const qint64 a = step(m_users[username.toLower()], m_policy.freeFailuresPerUser, nowMs);
    const qint64 b = step(m_addresses[address], m_policy.freeFailuresPerAddress, nowMs);
    return std::max(a, b);
}

int LoginThrottle::failures(const QString &username, const QString &address, qint64 nowMs)
{
    int n = 0;
    for (auto [map, key] :
         {std::pair{&m_users, username.toLower()}, std::pair{&m_addresses, address}}) {
        auto it = map->find(key);
        if (it != map->end()) {
            prune(it.value(), nowMs);
            n = std::max(n, int(it.value().failures.size()));
        }
    }
    return n;
}

} // namespace chat::server
