#include "redisrouter.h"

#include "logging.h"
#include "redisclient.h"

#include <QSet>

using namespace Qt::StringLiterals;

namespace chat::server::cluster {

namespace {

// KEYS: registry keys of the target users. ARGV[1]: this node, ARGV[2]: the envelope.
// Publishes the envelope once to every other node holding a live registry entry for any
// target; returns {nodes targeted, subscribers reached}. TIME is Redis' clock, so the
// nodes' clocks do not have to agree for entries to expire.
const QByteArray kRouteScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nodes = {}
for _, k in ipairs(KEYS) do
  for _, n in ipairs(redis.call('ZRANGEBYSCORE', k, now, '+inf')) do
    if n ~= ARGV[1] then nodes[n] = true end
  end
end
local targeted, reached = 0, 0
for n, _ in pairs(nodes) do
  targeted = targeted + 1
  reached = reached + redis.call('PUBLISH', 'chat:node:' .. n, ARGV[2])
end
return {targeted, reached}
)lua"_ba;

// Envelope: "v1\n<kind>\n<except user>\n<origin node>\n<user,user,...>\n<frame>".
QByteArray encodeEnvelope(OutKind kind, const QString &except, const QString &origin,
                          const QStringList &users, const QString &frame)
{
    return "v1\n"_ba + QByteArray::number(int(kind)) + '\n' + except.toUtf8() + '\n'
           + origin.toUtf8() + '\n' + users.join(u',').toUtf8() + '\n' + frame.toUtf8();
}

} // namespace

RedisRouter::RedisRouter(RedisClient *redis, QString nodeId, QObject *parent)
    : QObject(parent), m_redis(redis), m_nodeId(std::move(nodeId)), m_channel(channelOf(m_nodeId))
{
    m_redis->subscribe(m_channel);
    connect(m_redis, &RedisClient::message, this, &RedisRouter::onMessage);
}

RedisRouter::~RedisRouter()
{
    m_redis->unsubscribe(m_channel);
}

QByteArray RedisRouter::channelOf(const QString &nodeId)
{
    return "chat:node:"_ba + nodeId.toUtf8();
}

QByteArray RedisRouter::registryKey(const QString &userId)
{
    return "chat:reg:"_ba + userId.toUtf8();
}

void RedisRouter::attach(Session *s)
{
    m_local.attach(s);
}

void RedisRouter::detach(Session *s)
{
    m_local.detach(s);
}

int RedisRouter::localConnectionCount(const QString &userId) const
{
    return m_local.connectionCount(userId);
}

int RedisRouter::connectionCount(const QString &userId) const
{
    const int local = m_local.connectionCount(userId);
    if (local > 0 || !m_remoteOnline)
        return local;
    return m_remoteOnline(userId) ? 1 : 0;
}

QList<Session *> RedisRouter::sessionsOf(const QString &userId) const
{
    return m_local.sessionsOf(userId);
}

int RedisRouter::toUsers(const QStringList &userIds, const QString &frame, OutKind kind,
                         const QString &exceptUserId, const Session *exceptSession)
{
    const int local = m_local.toUsers(userIds, frame, kind, exceptUserId, exceptSession);
    // Answers and acks belong to one connection of this node; only pushes travel.
    if (kind != OutKind::Push)
        return local;
    QList<QByteArray> args{"EVAL"_ba, kRouteScript, QByteArray()};
    args.reserve(userIds.size() + 5);
    QStringList targets;
    targets.reserve(userIds.size());
    // A set, not targets.contains(): that made a 1000-member group's push O(members²).
    QSet<QString> seen;
    seen.reserve(userIds.size());
    for (const QString &u : userIds) {
        if (u == exceptUserId || seen.contains(u))
            continue; // the requester, or listed twice
        seen.insert(u);
        targets.append(u);
        args.append(registryKey(u));
    }
    if (targets.isEmpty())
        return local;
    args[2] = QByteArray::number(targets.size());
    args.append(m_nodeId.toUtf8());
    args.append(encodeEnvelope(kind, exceptUserId, m_nodeId, targets, frame));
    ++m_counters.routed;
    m_redis->command(args, this, [this](const RedisResult &r) {
        if (!r.ok || r.reply.elements.size() != 2) {
            ++m_counters.failed;
            qCDebug(lcServerRouter) << "cross-node route lost:" << r.error;
            return;
        }
        const qint64 targeted = r.reply.elements.at(0).integer;
        const qint64 reached = r.reply.elements.at(1).integer;
        m_counters.published += targeted;
        m_counters.delivered += qMin(reached, targeted);
        m_counters.missedNodes += qMax<qint64>(0, targeted - reached);
    });
    return local;
}

void RedisRouter::onMessage(const QByteArray &channel, const QByteArray &payload)
{
    if (channel != m_channel)
        return;
    // Split the five header lines; the frame is the rest (it may contain anything).
    QList<QByteArray> head;
    qsizetype at = 0;
    for (int i = 0; i < 5; ++i) {
        const qsizetype nl = payload.indexOf('\n', at);
        if (nl < 0)
            break;
        head.append(payload.mid(at, nl - at));
        at = nl + 1;
    }
    if (head.size() != 5 || head.at(0) != "v1") {
        qCWarning(lcServerRouter) << "ignoring a malformed envelope on" << channel;
        return;
    }
    bool ok = false;
    const int kind = head.at(1).toInt(&ok);
    if (!ok || kind < int(OutKind::Answer) || kind > int(OutKind::Push))
        return;
    const QString except = QString::fromUtf8(head.at(2));
    const QString origin = QString::fromUtf8(head.at(3));
    const QStringList users = QString::fromUtf8(head.at(4)).split(u',', Qt::SkipEmptyParts);
    const QString frame = QString::fromUtf8(payload.mid(at));
    ++m_counters.received;
    const int n = m_local.toUsers(users, frame, OutKind(kind), except, nullptr);
    m_counters.receivedDeliveries += n;
    Q_EMIT envelopeReceived(origin, users, n);
}

} // namespace chat::server::cluster
