#include "clusterpresence.h"

#include "logging.h"
#include "redisclient.h"
#include "redisrouter.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace chat::server::cluster {

namespace {

constexpr qint64 kSeenTtlMs = 30LL * 24 * 3600 * 1000; // last-seen kept for 30 days
constexpr int kRefreshChunk = 500;                     // users per refresh script call
constexpr int kSweepLimit = 500;                       // expired claims handled per sweep

const QByteArray kClaimsKey = "chat:claims"_ba;
const QByteArray kOnlineKey = "chat:online"_ba;
const QByteArray kPresenceChannel = "chat:presence"_ba;

#define CHAT_LUA_NOW                                                                               \
    "local t = redis.call('TIME')\n"                                                               \
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

// KEYS: claims, online, reg:<u>...; ARGV: node, ttl, u... (ARGV[i] is the user of KEYS[i]).
// Returns the users that were offline cluster-wide until now.
const QByteArray kRefreshScript = CHAT_LUA_NOW R"lua(
local node, ttl = ARGV[1], tonumber(ARGV[2])
local newly = {}
for i = 3, #KEYS do
  local u = ARGV[i]
  redis.call('ZADD', KEYS[i], now + ttl, node)
  redis.call('PEXPIRE', KEYS[i], ttl * 2)
  redis.call('ZADD', KEYS[1], now + ttl, node .. '|' .. u)
  if redis.call('SADD', KEYS[2], u) == 1 then
    redis.call('PUBLISH', 'chat:presence', '1 ' .. u .. ' ' .. now)
    table.insert(newly, u)
  end
end
return newly
)lua"_ba;

// KEYS: reg:<u>, claims, online, seen:<u>; ARGV: node, user, ts, seenTtl.
// 1 = the user is now offline cluster-wide (and that was published).
const QByteArray kReleaseScript = CHAT_LUA_NOW R"lua(
local node, u = ARGV[1], ARGV[2]
redis.call('ZREM', KEYS[1], node)
redis.call('ZREM', KEYS[2], node .. '|' .. u)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 1)
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('SREM', KEYS[3], u) == 1 then
  redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[4])
  redis.call('PUBLISH', 'chat:presence', '0 ' .. u .. ' ' .. ARGV[3])
  return 1
end
return 0
)lua"_ba;

// KEYS: claims, online; ARGV: limit, ttl, seenTtl. Expires claims nobody refreshed (their
// node died or lost Redis); returns {user, lastSeen, ...} for users now offline everywhere.
// Registry keys are derived inside: this needs one Redis, not Redis Cluster.
const QByteArray kSweepScript = CHAT_LUA_NOW R"lua(
local ttl = tonumber(ARGV[2])
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - 1, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[1]))
local off = {}
for i = 1, #expired, 2 do
  local m, expiry = expired[i], tonumber(expired[i + 1])
  redis.call('ZREM', KEYS[1], m)
  local sep = string.find(m, '|', 1, true)
  if sep then
    local node, u = string.sub(m, 1, sep - 1), string.sub(m, sep + 1)
    local reg = 'chat:reg:' .. u
    redis.call('ZREMRANGEBYSCORE', reg, '-inf', now - 1)
    if redis.call('ZCARD', reg) == 0 and redis.call('SREM', KEYS[2], u) == 1 then
      local seen = tostring(expiry - ttl)
      redis.call('SET', 'chat:seen:' .. u, seen, 'PX', ARGV[3])
      redis.call('PUBLISH', 'chat:presence', '0 ' .. u .. ' ' .. seen)
      table.insert(off, u)
      table.insert(off, seen)
    end
  end
end
return off
)lua"_ba;

QByteArray seenKey(const QString &userId)
{
    return "chat:seen:"_ba + userId.toUtf8();
}

} // namespace

ClusterPresence::ClusterPresence(RedisClient *redis, QString nodeId, int heartbeatMs,
                                 QObject *parent)
    : QObject(parent),
      m_redis(redis),
      m_nodeId(std::move(nodeId)),
      m_ttlMs(2 * heartbeatMs),
      m_refreshMs(std::clamp(heartbeatMs / 2, 100, 10000))
{
    m_redis->subscribe(kPresenceChannel);
    connect(m_redis, &RedisClient::message, this, &ClusterPresence::onMessage);
    connect(m_redis, &RedisClient::connected, this, &ClusterPresence::onRedisConnected);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        refresh();
        sweep();
        publishStats();
    });
}

void ClusterPresence::start()
{
    m_timer.start(m_refreshMs);
    if (m_redis->isConnected())
        onRedisConnected();
}

bool ClusterPresence::isOnline(const QString &userId) const
{
    return m_local.contains(userId) || m_online.contains(userId);
}

bool ClusterPresence::isOnlineElsewhere(const QString &userId) const
{
    return !m_local.contains(userId) && m_online.contains(userId);
}

qint64 ClusterPresence::lastSeen(const QString &userId) const
{
    if (isOnline(userId))
        return QDateTime::currentMSecsSinceEpoch();
    return m_seen.value(userId, 0);
}

void ClusterPresence::localChanged(const QString &userId, bool online, qint64 lastSeen)
{
    if (online) {
        m_local.insert(userId);
        const bool knownOnline = m_online.contains(userId);
        m_online.insert(userId, lastSeen);
        if (!m_redis->isConnected()) {
            // Nobody else can be told; this node's peers at least learn it.
            if (!knownOnline)
                Q_EMIT changed(userId, true, lastSeen);
            return;
        }
        claim(userId, lastSeen, true);
    } else {
        m_local.remove(userId);
        // With Redis down, whether the user is still online on another node is unknown: the
        // claim stays in Redis, expires, and the sweeper announces the offline state later.
        if (m_redis->isConnected())
            release(userId, lastSeen);
    }
}

void ClusterPresence::claim(const QString &userId, qint64 ts, bool announce)
{
    ++m_counters.claims;
    QList<QByteArray> args{"EVAL"_ba,
                           kRefreshScript,
                           "3"_ba,
                           kClaimsKey,
                           kOnlineKey,
                           RedisRouter::registryKey(userId),
                           m_nodeId.toUtf8(),
                           QByteArray::number(m_ttlMs),
                           userId.toUtf8()};
    m_redis->command(args, this, [this, userId, ts, announce](const RedisResult &r) {
        if (!r.ok) {
            ++m_counters.redisFailures;
            if (announce)
                Q_EMIT changed(userId, true, ts); // as if Redis were not there
            return;
        }
        if (announce && !r.reply.elements.isEmpty())
            Q_EMIT changed(userId, true, ts);
    });
}

void ClusterPresence::release(const QString &userId, qint64 ts)
{
    ++m_counters.releases;
    QList<QByteArray> args{"EVAL"_ba,
                           kReleaseScript,
                           "4"_ba,
                           RedisRouter::registryKey(userId),
                           kClaimsKey,
                           kOnlineKey,
                           seenKey(userId),
                           m_nodeId.toUtf8(),
                           userId.toUtf8(),
                           QByteArray::number(ts),
                           QByteArray::number(kSeenTtlMs)};
    m_redis->command(args, this, [this, userId, ts](const RedisResult &r) {
        if (!r.ok) {
            ++m_counters.redisFailures;
            return;
        }
        if (r.reply.integer == 1) {
            m_online.remove(userId);
            m_seen.insert(userId, ts);
            Q_EMIT changed(userId, false, ts);
        }
    });
}

void ClusterPresence::refresh()
{
    if (!m_redis->isConnected() || m_local.isEmpty())
        return;
    ++m_counters.refreshes;
    const QStringList users(m_local.cbegin(), m_local.cend());
    for (qsizetype from = 0; from < users.size(); from += kRefreshChunk) {
        const QStringList chunk = users.mid(from, kRefreshChunk);
        QList<QByteArray> args{"EVAL"_ba, kRefreshScript, QByteArray::number(chunk.size() + 2),
                               kClaimsKey, kOnlineKey};
        for (const QString &u : chunk)
            args.append(RedisRouter::registryKey(u));
        args.append(m_nodeId.toUtf8());
        args.append(QByteArray::number(m_ttlMs));
        for (const QString &u : chunk)
            args.append(u.toUtf8());
        m_redis->command(args, this, [this](const RedisResult &r) {
            if (!r.ok)
                ++m_counters.redisFailures;
            // Users that were offline cluster-wide are online again without an announcement:
            // either Redis lost its data (restart) and they never were offline, or this node
            // was cut off longer than the TTL; their peers converge at the next transition.
        });
    }
}

void ClusterPresence::sweep()
{
    if (!m_redis->isConnected())
        return;
    m_redis->command({"EVAL"_ba, kSweepScript, "2"_ba, kClaimsKey, kOnlineKey,
                      QByteArray::number(kSweepLimit), QByteArray::number(m_ttlMs),
                      QByteArray::number(kSeenTtlMs)},
                     this, [this](const RedisResult &r) {
                         if (!r.ok) {
                             ++m_counters.redisFailures;
                             return;
                         }
                         const auto &e = r.reply.elements;
                         for (qsizetype i = 0; i + 1 < e.size(); i += 2) {
                             const QString user = QString::fromUtf8(e.at(i).str);
                             const qint64 seen = e.at(i + 1).str.toLongLong();
                             ++m_counters.sweptOffline;
                             m_online.remove(user);
                             m_seen.insert(user, seen);
                             qCInfo(lcServerRouter) << "presence: claims of" << user
                                                    << "expired (their node stopped refreshing)";
                             Q_EMIT changed(user, false, seen);
                         }
                     });
}

void ClusterPresence::onRedisConnected()
{
    // Redis may have restarted empty: re-claim everyone online here (silently), then load
    // the cluster-wide online set. Presence messages arriving meanwhile keep it current;
    // a second load after the other nodes' next refresh catches claims they re-made before
    // this node's subscription was back.
    refresh();
    loadOnline();
    QTimer::singleShot(2 * m_refreshMs, this, [this] {
        if (m_redis->isConnected())
            loadOnline();
    });
}

void ClusterPresence::loadOnline()
{
    m_redis->command({"SMEMBERS"_ba, kOnlineKey}, this, [this](const RedisResult &r) {
        if (!r.ok)
            return;
        QHash<QString, qint64> online;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (const RedisReply &e : r.reply.elements)
            online.insert(QString::fromUtf8(e.str), m_online.value(QString::fromUtf8(e.str), now));
        for (const QString &u : std::as_const(m_local))
            online.insert(u, m_online.value(u, now));
        m_online = std::move(online);
    });
}

void ClusterPresence::onMessage(const QByteArray &channel, const QByteArray &payload)
{
    if (channel != kPresenceChannel)
        return;
    const QList<QByteArray> parts = payload.split(' ');
    if (parts.size() != 3)
        return;
    ++m_counters.presenceMessages;
    const QString user = QString::fromUtf8(parts.at(1));
    const qint64 ts = parts.at(2).toLongLong();
    if (parts.at(0) == "1") {
        m_online.insert(user, ts);
    } else if (!m_local.contains(user)) {
        m_online.remove(user);
        m_seen.insert(user, ts);
    }
}

void ClusterPresence::publishStats()
{
    if (!m_redis->isConnected())
        return;
    QList<QByteArray> args{"HSET"_ba, "chat:stats:"_ba + m_nodeId.toUtf8()};
    auto add = [&args](const char *k, qint64 v) {
        args.append(QByteArray(k));
        args.append(QByteArray::number(v));
    };
    add("online_local", m_local.size());
    add("claims", m_counters.claims);
    add("releases", m_counters.releases);
    add("swept_offline", m_counters.sweptOffline);
    add("redis_failures", m_counters.redisFailures);
    add("updated_ms", QDateTime::currentMSecsSinceEpoch());
    if (m_router) {
        const RedisRouter::Counters c = m_router->counters();
        add("routed", c.routed);
        add("published", c.published);
        add("delivered", c.delivered);
        add("missed_nodes", c.missedNodes);
        add("route_failed", c.failed);
        add("received", c.received);
        add("received_deliveries", c.receivedDeliveries);
    }
    const RedisClient::Counters rc = m_redis->counters();
    add("redis_disconnects", rc.disconnects);
    m_redis->command(args);
}

} // namespace chat::server::cluster
