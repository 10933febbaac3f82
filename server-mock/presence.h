// Presence: who is online, kept with a TTL (2 x heartbeat) rather than by connect/close
// events alone. A user turns online with their first live connection; they turn offline
// only when no connection is left AND nothing was heard from them for the TTL, so a brief
// reconnect does not flap, and a silently dead link expires by itself (its session is
// closed by the heartbeat deadline, then the TTL runs out).
#pragma once

#include "deadlinequeue.h"

#include <QHash>
#include <QObject>
#include <functional>
#include <optional>

namespace chat::server {

class Presence : public QObject
{
    Q_OBJECT
public:
    Presence(qint64 ttlMs, std::function<int(const QString &)> connectionCount,
             QObject *parent = nullptr);

    void connected(const QString &userId, qint64 nowMono, qint64 nowWall);
    void alive(const QString &userId, qint64 nowMono, qint64 nowWall);
    // Expires users past their TTL. Touches only users whose TTL may have run out (a queue of
    // deadlines), not every user: called every sweeper tick.
    void sweep(qint64 nowMono);
    bool isOnline(const QString &userId) const;
    qint64 lastSeen(const QString &userId) const; // wall clock ms, 0 = not since start
    int onlineCount() const;
    // Cluster mode: isOnline() / lastSeen() of a user this node does not see online ask this
    // (the cluster-wide presence) too. Returns online + last seen, nullopt if unknown.
    using RemoteLookup = std::function<std::optional<std::pair<bool, qint64>>(const QString &)>;
    void setRemoteLookup(RemoteLookup lookup) { m_remote = std::move(lookup); }

Q_SIGNALS:
    void changed(const QString &userId, bool online, qint64 lastSeen);

private:
    struct Entry {
        bool online = false;
        qint64 lastAliveMono = 0;
        qint64 lastSeenWall = 0;
    };
    qint64 m_ttl;
    std::function<int(const QString &)> m_connections;
    QHash<QString, Entry> m_users;
    DeadlineQueue<QString> m_expiry; // one entry per online user: when to look at it again
    RemoteLookup m_remote;
};

} // namespace chat::server
