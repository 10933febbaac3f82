// RedisRouter: the Router of a cluster node. Connections of this node are served by a
// LocalRouter; a frame for users connected to other nodes is published once per node on
// that node's Pub/Sub channel (chat:node:<id>), found through the registry (see
// ClusterPresence: chat:reg:<user> holds the nodes that claim the user, each with an
// expiry). Lookup and publish are one Lua script: one round trip per routed frame.
//
// Routing is at-most-once, like Pub/Sub itself: a node whose subscriber link is down, a
// node that died before its registry entries expired, or Redis being unavailable loses the
// push. Clients recover from that through seq gaps and sync. Every loss that can be seen
// is counted (Counters), so the miss rate is measured, not guessed.
#pragma once

#include "router.h"

#include <QObject>
#include <functional>

namespace chat::server::cluster {

class RedisClient;

class RedisRouter : public QObject, public Router
{
    Q_OBJECT
public:
    RedisRouter(RedisClient *redis, QString nodeId, QObject *parent = nullptr);
    ~RedisRouter() override;

    static QByteArray channelOf(const QString &nodeId);
    static QByteArray registryKey(const QString &userId);

    // Router
    void attach(Session *s) override;
    void detach(Session *s) override;
    // Connections on this node; for a user with none here, 1 if they are online on another
    // node (so "does this member need a mobile push" has the cluster-wide answer).
    int connectionCount(const QString &userId) const override;
    QList<Session *> sessionsOf(const QString &userId) const override;
    int toUsers(const QStringList &userIds, const QString &frame, OutKind kind,
                const QString &exceptUserId = {}, const Session *exceptSession = nullptr) override;

    int localConnectionCount(const QString &userId) const;
    // Answers "is this user online on some other node" (ClusterPresence's cache).
    void setRemoteOnline(std::function<bool(const QString &)> fn)
    {
        m_remoteOnline = std::move(fn);
    }

    struct Counters {
        qint64 routed = 0;             // toUsers calls that needed other nodes
        qint64 published = 0;          // envelopes published (one per target node)
        qint64 delivered = 0;          // of those, received by a subscribed node
        qint64 missedNodes = 0;        // published to a node nobody listened for (dead/down)
        qint64 failed = 0;             // routes lost because Redis was unavailable
        qint64 received = 0;           // envelopes received from other nodes
        qint64 receivedDeliveries = 0; // local connections reached by those
    };
    Counters counters() const { return m_counters; }

Q_SIGNALS:
    // An envelope from another node was delivered here (tests, diagnostics).
    void envelopeReceived(const QString &originNode, const QStringList &userIds, int deliveries);

private:
    void onMessage(const QByteArray &channel, const QByteArray &payload);

    RedisClient *m_redis;
    QString m_nodeId;
    QByteArray m_channel;
    LocalRouter m_local;
    Counters m_counters;
    std::function<bool(const QString &)> m_remoteOnline;
};

} // namespace chat::server::cluster
