// ClusterNode: what --redis adds to one chat-server process: the Redis client, the
// cross-node Router and cluster-wide presence, built from the ServerConfig. ChatServer owns
// one when config.redisUrl is set and hands router() to its core instead of a LocalRouter.
#pragma once

#include "serverconfig.h"

#include <QObject>
#include <functional>
#include <memory>
#include <optional>

namespace chat::server {
class Router;
class Presence;
} // namespace chat::server

namespace chat::server::cluster {

class RedisClient;
class RedisRouter;
class ClusterPresence;

class ClusterNode : public QObject
{
    Q_OBJECT
public:
    // nullptr + a sentence when the Redis URL is not usable.
    static std::unique_ptr<ClusterNode> create(const ServerConfig &config, QString *errorMessage);
    ~ClusterNode() override;

    // Starts connecting to Redis; a node also starts (and serves its own connections) while
    // Redis is unreachable: cross-node routing and presence catch up when it answers.
    // waitMs > 0 waits that long for the first connection and logs why it failed.
    void start(int waitMs = 2000);
    void stop();

    Router *router() const;
    RedisRouter *redisRouter() const { return m_router; }
    ClusterPresence *presence() const { return m_presence; }
    RedisClient *redis() const { return m_redis; }
    const QString &nodeId() const { return m_nodeId; }
    int localConnectionCount(const QString &userId) const;
    // Cluster-wide presence of a user: online + last seen (ms), nullopt if unknown here.
    std::optional<std::pair<bool, qint64>> remotePresence(const QString &userId) const;

    // Feeds this node's Presence into the cluster-wide one; `announce` is called for every
    // cluster-wide transition this node is responsible for (Dispatcher::announcePresence).
    void connectPresence(Presence *local,
                         std::function<void(const QString &, bool, qint64)> announce);

private:
    ClusterNode() = default;
    QString m_nodeId;
    RedisClient *m_redis = nullptr;
    RedisRouter *m_router = nullptr;
    ClusterPresence *m_presence = nullptr;
};

} // namespace chat::server::cluster
