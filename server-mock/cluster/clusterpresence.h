// ClusterPresence: presence and the connection registry across nodes, in Redis.
//
// Each node keeps its own Presence (server-mock/presence.h: online with the first local
// connection, offline only after the TTL with no local connection, so brief reconnects do
// not flap). This class turns those per-node states into cluster-wide ones:
//   chat:reg:<user>   ZSET node -> expiry (ms, Redis clock): the node claims the user while
//                     they are online there. It is the routing registry (RedisRouter) too.
//                     Claims are refreshed every refreshMs (heartbeat / 2) and live for
//                     2 x heartbeat, so a crashed node's claims expire by themselves.
//   chat:claims       ZSET "node|user" -> expiry: the index the sweeper walks to expire
//                     claims of dead nodes (any node sweeps; each expiry is handled once).
//   chat:online       SET of users with at least one live claim (loaded at (re)connect).
//   chat:seen:<user>  last-seen ms of a user who went offline.
//   chat:presence     channel: "1|0 <user> <ms>" on every cluster-wide transition; every node
//                     keeps a cache from it (isOnline() answers synchronously).
//   chat:stats:<node> HASH of this node's routing counters, refreshed with the claims.
// A cluster-wide transition is announced (changed()) by exactly one node: the one whose
// Lua script made it (claim, release or sweep), so peers get one presence push, not N.
//
// Redis down: local transitions are still announced (through the router: peers on this
// node get them, others miss them); claims are re-made when Redis returns, silently for
// users who were already online.
#pragma once

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace chat::server::cluster {

class RedisClient;
class RedisRouter;

class ClusterPresence : public QObject
{
    Q_OBJECT
public:
    ClusterPresence(RedisClient *redis, QString nodeId, int heartbeatMs, QObject *parent = nullptr);

    void start();
    // Stats published next to the claims (may be null).
    void setRouter(RedisRouter *router) { m_router = router; }

    bool isOnline(const QString &userId) const;          // anywhere in the cluster (cache)
    bool isOnlineElsewhere(const QString &userId) const; // on a node other than this one
    qint64 lastSeen(const QString &userId) const;        // 0 = unknown to this node
    int onlineCount() const { return int(m_online.size()); }
    int refreshMs() const { return m_refreshMs; }

    struct Counters {
        qint64 claims = 0, releases = 0, sweptOffline = 0, refreshes = 0, redisFailures = 0,
               presenceMessages = 0;
    };
    Counters counters() const { return m_counters; }

public Q_SLOTS:
    // Connected to the node's own Presence::changed (this node's view of the user).
    void localChanged(const QString &userId, bool online, qint64 lastSeen);

Q_SIGNALS:
    // A cluster-wide transition this node is responsible for announcing.
    void changed(const QString &userId, bool online, qint64 lastSeen);

private:
    void claim(const QString &userId, qint64 ts, bool announce);
    void release(const QString &userId, qint64 ts);
    void refresh();
    void sweep();
    void onRedisConnected();
    void loadOnline();
    void onMessage(const QByteArray &channel, const QByteArray &payload);
    void publishStats();

    RedisClient *m_redis;
    RedisRouter *m_router = nullptr;
    QString m_nodeId;
    int m_ttlMs, m_refreshMs;
    QSet<QString> m_local;           // online on this node (claimed)
    QHash<QString, qint64> m_online; // cluster-wide online users -> since
    QHash<QString, qint64> m_seen;   // last seen of users who went offline
    QTimer m_timer;
    Counters m_counters;
};

} // namespace chat::server::cluster
