#include "clusternode.h"

#include "clusterpresence.h"
#include "logging.h"
#include "presence.h"
#include "redisclient.h"
#include "redisrouter.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QRandomGenerator>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace chat::server::cluster {

std::unique_ptr<ClusterNode> ClusterNode::create(const ServerConfig &config, QString *errorMessage)
{
    RedisEndpoint endpoint;
    if (!RedisEndpoint::parse(QUrl(config.redisUrl), &endpoint, errorMessage)) {
        *errorMessage = u"--redis: "_s + *errorMessage;
        return nullptr;
    }
    QString nodeId = config.nodeId;
    if (nodeId.isEmpty())
        nodeId = u"node-%1"_s.arg(QRandomGenerator::global()->generate(), 8, 16, QChar(u'0'));
    if (nodeId.contains(u'|') || nodeId.contains(u' ') || nodeId.contains(u'\n')) {
        *errorMessage = u"--node-id '%1' may not contain '|', spaces or line breaks"_s.arg(nodeId);
        return nullptr;
    }
    std::unique_ptr<ClusterNode> node(new ClusterNode);
    node->m_nodeId = nodeId;
    node->m_redis = new RedisClient(endpoint, node.get());
    node->m_router = new RedisRouter(node->m_redis, nodeId, node.get());
    node->m_presence = new ClusterPresence(node->m_redis, nodeId, config.heartbeatMs, node.get());
    node->m_presence->setRouter(node->m_router);
    node->m_router->setRemoteOnline(
        [p = node->m_presence](const QString &u) { return p->isOnlineElsewhere(u); });
    return node;
}

ClusterNode::~ClusterNode()
{
    stop();
    // Users of the client first (their destructors unsubscribe), then the client; QObject's
    // own child deletion would go in creation order, the client first.
    delete m_presence;
    delete m_router;
    delete m_redis;
    m_presence = nullptr;
    m_router = nullptr;
    m_redis = nullptr;
}

void ClusterNode::start(int waitMs)
{
    m_redis->open();
    m_presence->start();
    if (waitMs <= 0)
        return;
    QEventLoop loop;
    connect(m_redis, &RedisClient::connected, &loop, &QEventLoop::quit);
    QTimer::singleShot(waitMs, &loop, &QEventLoop::quit);
    if (!m_redis->isConnected())
        loop.exec();
    if (m_redis->isConnected())
        qCInfo(lcServerRouter).noquote() << "node" << m_nodeId << "joined the cluster via Redis at"
                                         << m_redis->endpoint().host << m_redis->endpoint().port;
    else
        qCWarning(lcServerRouter).noquote()
            << "node" << m_nodeId << "cannot reach Redis yet (" << m_redis->lastError()
            << "); serving local connections, cross-node routing starts when it answers";
}

void ClusterNode::stop()
{
    if (m_redis)
        m_redis->close();
}

Router *ClusterNode::router() const
{
    return m_router;
}

int ClusterNode::localConnectionCount(const QString &userId) const
{
    return m_router->localConnectionCount(userId);
}

std::optional<std::pair<bool, qint64>> ClusterNode::remotePresence(const QString &userId) const
{
    if (m_presence->isOnline(userId))
        return std::pair<bool, qint64>{true, m_presence->lastSeen(userId)};
    const qint64 seen = m_presence->lastSeen(userId);
    if (seen > 0)
        return std::pair<bool, qint64>{false, seen};
    return std::nullopt;
}

void ClusterNode::connectPresence(Presence *local,
                                  std::function<void(const QString &, bool, qint64)> announce)
{
    connect(local, &Presence::changed, m_presence, &ClusterPresence::localChanged);
    connect(m_presence, &ClusterPresence::changed, this,
            [announce = std::move(announce)](const QString &u, bool online, qint64 ts) {
                announce(u, online, ts);
            });
}

} // namespace chat::server::cluster
