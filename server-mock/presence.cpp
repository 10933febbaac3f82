#include "presence.h"

namespace chat::server {

Presence::Presence(qint64 ttlMs, std::function<int(const QString &)> connectionCount,
                   QObject *parent)
    : QObject(parent), m_ttl(ttlMs), m_connections(std::move(connectionCount))
{ }

void Presence::connected(const QString &userId, qint64 nowMono, qint64 nowWall)
{
    Entry &e = m_users[userId];
    e.lastAliveMono = nowMono;
    e.lastSeenWall = nowWall;
    if (!e.online) {
        e.online = true;
        m_expiry.schedule(nowMono + m_ttl, userId);
        Q_EMIT changed(userId, true, nowWall);
    }
}

void Presence::alive(const QString &userId, qint64 nowMono, qint64 nowWall)
{
    auto it = m_users.find(userId);
    if (it == m_users.end())
        return;
    it->lastAliveMono = nowMono;
    it->lastSeenWall = nowWall;
}

void Presence::sweep(qint64 nowMono)
{
    QStringList expired;
    m_expiry.takeDue(nowMono, [&](const QString &user) {
        auto it = m_users.find(user);
        if (it == m_users.end() || !it->online)
            return;
        if (nowMono - it->lastAliveMono < m_ttl) // heard from since: look again when it runs out
            m_expiry.schedule(it->lastAliveMono + m_ttl, user);
        else if (m_connections(user) > 0) // silent but still connected: look again next tick
            m_expiry.schedule(nowMono + 1, user);
        else {
            it->online = false;
            expired.append(user);
        }
    });
    for (const QString &u : expired)
        Q_EMIT changed(u, false, m_users.value(u).lastSeenWall);
}

bool Presence::isOnline(const QString &userId) const
{
    if (m_users.value(userId).online)
        return true;
    const auto remote = m_remote ? m_remote(userId) : std::nullopt;
    return remote && remote->first;
}

qint64 Presence::lastSeen(const QString &userId) const
{
    const qint64 local = m_users.value(userId).lastSeenWall;
    const auto remote = m_remote ? m_remote(userId) : std::nullopt;
    return remote ? std::max(local, remote->second) : local;
}

int Presence::onlineCount() const
{
    int n = 0;
    for (const Entry &e : m_users)
        n += e.online ? 1 : 0;
    return n;
}

} // namespace chat::server
