#include "dispatcher.h"

#include "crypto.h"
#include "net/logging.h"
#include "notifier.h"
#include "presence.h"
#include "router.h"
#include "servercore.h"
#include "session.h"

#include <QRegularExpression>
#include <QTimer>

using namespace Qt::StringLiterals;
using chat::proto::ErrorCode;
namespace CloseCode = chat::proto::CloseCode;

namespace chat::server {

namespace {
template<class... Ts>
struct overloaded : Ts... {
    using Ts::operator()...;
};
// clang 14 (the fuzz build) has no aggregate CTAD yet: spell the guide out.
template<class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

bool isSessionFrame(const proto::ClientFrame &f)
{
    return std::holds_alternative<proto::RegisterRequest>(f)
           || std::holds_alternative<proto::LoginRequest>(f)
           || std::holds_alternative<proto::AuthRequest>(f)
           || std::holds_alternative<proto::AdminAuthRequest>(f);
}

bool isAdminFrame(const proto::ClientFrame &f)
{
    return std::holds_alternative<proto::AdminSeedRequest>(f)
           || std::holds_alternative<proto::AdminInjectRequest>(f)
           || std::holds_alternative<proto::AdminKickRequest>(f)
           || std::holds_alternative<proto::AdminFaultRequest>(f)
           || std::holds_alternative<proto::AdminStatsRequest>(f)
           || std::holds_alternative<proto::AdminPushesRequest>(f);
}

QString previewOf(const QString &content)
{
    QString p = content.simplified();
    if (p.size() > 100)
        p = p.left(99) + u'…';
    return p;
}
} // namespace

Dispatcher::Dispatcher(ServerCore &core, QObject *parent) : QObject(parent), m_core(core)
{ }

Dispatcher::Lane Dispatcher::laneOf(const proto::ClientFrame &f)
{
    if (std::holds_alternative<proto::SendRequest>(f)
        || std::holds_alternative<proto::DeliveredRequest>(f)
        || std::holds_alternative<proto::ReadRequest>(f)
        || std::holds_alternative<proto::AdminInjectRequest>(f))
        return Lane::Pipelined;
    if (std::holds_alternative<proto::Ping>(f) || std::holds_alternative<proto::TypingRequest>(f))
        return Lane::Detached;
    return Lane::Ordered;
}

Dispatcher::Flow Dispatcher::handle(Session &s, const proto::ClientFrame &f)
{
    const QString id = proto::frameId(f);
    if (isSessionFrame(f)) {
        if (s.isAuthenticated() || s.isAdmin()) {
            s.replyError(id, ErrorCode::BadRequest, u"this connection is already authenticated"_s,
                         u"type"_s);
            return Flow::Done;
        }
    } else if (!s.isAuthenticated() && !s.isAdmin()) {
        s.replyError(id, ErrorCode::Unauthorized,
                     u"authenticate first with login, register or auth"_s);
        return Flow::Done;
    } else if (isAdminFrame(f) && !s.isAdmin()) {
        s.replyError(id, ErrorCode::Forbidden,
                     u"control frames need a connection authenticated with \"admin\""_s, u"type"_s);
        return Flow::Done;
    } else if (s.isAdmin() && !isAdminFrame(f) && !std::holds_alternative<proto::Ping>(f)) {
        s.replyError(id, ErrorCode::Forbidden,
                     u"an admin connection has no user; use admin_inject or a user connection"_s,
                     u"type"_s);
        return Flow::Done;
    }
    return std::visit(overloaded{
                          [&](const proto::RegisterRequest &x) { return onRegister(s, x); },
                          [&](const proto::LoginRequest &x) { return onLogin(s, x); },
                          [&](const proto::AuthRequest &x) { return onAuth(s, x); },
                          [&](const proto::AdminAuthRequest &x) { return onAdminAuth(s, x); },
                          [&](const proto::LogoutRequest &x) { return onLogout(s, x); },
                          [&](const proto::Ping &x) { return onPing(s, x); },
                          [&](const proto::UsersRequest &x) { return onUsers(s, x); },
                          [&](const proto::CreateConversationRequest &x) { return onCreate(s, x); },
                          [&](const proto::AddMembersRequest &x) { return onAddMembers(s, x); },
                          [&](const proto::LeaveRequest &x) { return onLeave(s, x); },
                          [&](const proto::SendRequest &x) { return onSend(s, x); },
                          [&](const proto::HistoryRequest &x) { return onHistory(s, x); },
                          [&](const proto::SyncRequest &x) { return onSync(s, x); },
                          [&](const proto::DeliveredRequest &x) { return onDelivered(s, x); },
                          [&](const proto::ReadRequest &x) { return onRead(s, x); },
                          [&](const proto::TypingRequest &x) { return onTyping(s, x); },
                          [&](const proto::AdminSeedRequest &x) { return onAdminSeed(s, x); },
                          [&](const proto::AdminInjectRequest &x) { return onAdminInject(s, x); },
                          [&](const proto::AdminKickRequest &x) { return onAdminKick(s, x); },
                          [&](const proto::AdminFaultRequest &x) { return onAdminFault(s, x); },
                          [&](const proto::AdminStatsRequest &x) { return onAdminStats(s, x); },
                          [&](const proto::AdminPushesRequest &x) { return onAdminPushes(s, x); },
                      },
                      f);
}

// --- session ---------------------------------------------------------------------------------

Dispatcher::Flow Dispatcher::onRegister(Session &s, const proto::RegisterRequest &f)
{
    static const QRegularExpression valid(u"^[A-Za-z0-9][A-Za-z0-9._-]*$"_s);
    if (!valid.match(f.username).hasMatch()) {
        s.replyError(f.id, ErrorCode::BadRequest,
                     u"a username has letters, digits, '.', '_' and '-' only, and starts with a "
                     "letter or digit"_s,
                     u"username"_s);
        return Flow::Done;
    }
    s.setAuthPending(true);
    QPointer<Session> guard(&s);
    const QString id = f.id, username = f.username, password = f.password;
    const QString displayName = f.displayName.trimmed();
    m_core.hashPool.start([this, guard, id, username, password, displayName] {
        const QByteArray hash = crypto::hashPassword(password);
        QMetaObject::invokeMethod(this, [this, guard, id, username, hash, displayName] {
            if (!guard)
                return;
            if (hash.isEmpty()) {
                failAuth(
                    *guard, id,
                    {ErrorCode::Unavailable, {}, u"cannot hash the password now; retry"_s, {}});
                return;
            }
            m_core.store->createUser(username, hash, displayName, guard,
                                     [this, guard, id](Result<proto::User> r) {
                                         if (!r.ok()) {
                                             // A taken username is not an authentication failure:
                                             // keep the connection.
                                             guard->setAuthPending(false);
                                             guard->replyError(r.error(), id);
                                             guard->resume();
                                             return;
                                         }
                                         issueToken(guard, id, r.value(), u"register"_s);
                                     });
        });
    });
    return Flow::Blocking;
}

Dispatcher::Flow Dispatcher::onLogin(Session &s, const proto::LoginRequest &f)
{
    s.setAuthPending(true);
    QPointer<Session> guard(&s);
    const QString id = f.id, password = f.password, device = f.device, username = f.username;
    // The peer's address without its port: one address, many connections, one throttle key.
    const QString peer = s.peer();
    const QString address = peer.left(peer.lastIndexOf(u':'));
    m_core.store->loginRecord(
        f.username, &s,
        [this, guard, id, password, device, username, address](Result<LoginRecord> r) {
            if (!r.ok() && r.error().code != ErrorCode::Unauthorized) {
                failAuth(*guard, id, r.error());
                return;
            }
            // Verify even for an unknown user (against a fixed hash) so timing does not tell
            // which usernames exist.
            const LoginRecord rec = r.ok() ? r.value() : LoginRecord{};
            const bool known = r.ok();
            m_core.hashPool.start([this, guard, id, password, device, rec, known, username,
                                   address] {
                // Computed once, on a pool thread: Argon2id never runs on the network thread.
                static const QByteArray dummy = crypto::hashPassword(u"not-a-password"_s);
                const bool ok =
                    crypto::verifyPassword(known ? rec.passwordHash : dummy, password) && known;
                QMetaObject::invokeMethod(this, [this, guard, id, device, rec, ok, username,
                                                 address] {
                    if (!guard)
                        return;
                    if (!ok) {
                        // Guessing is slowed, never a correct login: only the wrong answer
                        // waits, and it reads the same whether or not it was throttled.
                        const qint64 wait = m_throttle.failed(username, address, m_core.monoMs());
                        auto answer = [this, guard, id] {
                            if (guard)
                                failAuth(*guard, id,
                                         {ErrorCode::Unauthorized,
                                          {},
                                          u"wrong username or password"_s,
                                          {}});
                        };
                        if (wait <= 0)
                            answer();
                        else // precise: a coarse timer may answer up to 5 % early
                            QTimer::singleShot(wait, Qt::PreciseTimer, this, answer);
                        return;
                    }
                    issueToken(guard, id, rec.user, device);
                });
            });
        });
    return Flow::Blocking;
}

void Dispatcher::issueToken(QPointer<Session> s, const QString &id, const proto::User &user,
                            const QString &device)
{
    const QString token = crypto::newToken();
    const QByteArray hash = crypto::tokenHash(token);
    const qint64 expires =
        ServerCore::wallMs() + qint64(m_core.config.tokenLifetimeDays) * 86400000LL;
    m_core.store->createToken(user.userId, hash, expires, device, s,
                              [this, s, id, user, token, hash](Result<bool> r) {
                                  if (!r.ok()) {
                                      failAuth(*s, id, r.error());
                                      return;
                                  }
                                  completeAuth(*s, id, user, token, hash);
                              });
}

Dispatcher::Flow Dispatcher::onAuth(Session &s, const proto::AuthRequest &f)
{
    s.setAuthPending(true);
    const QByteArray hash = crypto::tokenHash(f.token);
    const QString id = f.id, token = f.token;
    QPointer<Session> guard(&s);
    m_core.store->userForToken(hash, ServerCore::wallMs(), &s,
                               [this, guard, id, token, hash](Result<proto::User> r) {
                                   if (!r.ok()) {
                                       failAuth(*guard, id, r.error());
                                       return;
                                   }
                                   completeAuth(*guard, id, r.value(), token, hash);
                               });
    return Flow::Blocking;
}

void Dispatcher::failAuth(Session &s, const QString &id, const proto::ProtocolError &e)
{
    s.setAuthPending(false);
    s.replyError(e, id);
    if (e.code == ErrorCode::Unauthorized)
        s.closeWith(CloseCode::Unauthorized, u"unauthorized"_s);
    s.resume();
}

void Dispatcher::completeAuth(Session &s, const QString &id, const proto::User &user,
                              const QString &token, const QByteArray &tokenHash)
{
    s.setAuthPending(false);
    if (m_core.router->connectionCount(user.userId) >= m_core.config.maxConnectionsPerUser) {
        s.replyError(id, ErrorCode::RateLimited,
                     u"this user already has %1 connections, the limit"_s.arg(
                         m_core.config.maxConnectionsPerUser));
        s.closeWith(CloseCode::RateLimited, u"too many connections for this user"_s);
        s.resume();
        return;
    }
    s.becomeUser(user, tokenHash);
    proto::AuthOk ok;
    ok.id = id;
    ok.user = user;
    ok.token = token;
    ok.heartbeatMs = m_core.config.heartbeatMs;
    ok.serverTime = ServerCore::wallMs();
    s.reply(ok);
    qCInfo(lcServerSession) << s.peer() << "authenticated as" << user.username;
    m_core.presence->connected(user.userId, m_core.monoMs(), ServerCore::wallMs());
    // The presence of everyone this user shares a conversation with.
    QPointer<Session> guard(&s);
    m_core.store->peers(user.userId, &s, [this, guard](Result<QStringList> r) {
        if (!r.ok())
            return;
        for (const QString &peer : r.value()) {
            proto::PresencePush p;
            p.userId = peer;
            p.online = m_core.presence->isOnline(peer);
            p.lastSeen = p.online ? ServerCore::wallMs() : m_core.presence->lastSeen(peer);
            guard->reply(p, OutKind::Push);
        }
    });
    s.resume();
}

void Dispatcher::announcePresence(const QString &userId, bool online, qint64 lastSeen)
{
    m_core.store->peers(userId, this, [this, userId, online, lastSeen](Result<QStringList> r) {
        if (!r.ok())
            return;
        proto::PresencePush p;
        p.userId = userId;
        p.online = online;
        p.lastSeen = lastSeen;
        m_core.router->toUsers(r.value(), QString::fromUtf8(proto::encodeFrame(p)), OutKind::Push);
    });
}

Dispatcher::Flow Dispatcher::onAdminAuth(Session &s, const proto::AdminAuthRequest &f)
{
    if (m_core.config.adminToken.isEmpty() || f.token != m_core.config.adminToken) {
        s.replyError(f.id, ErrorCode::Unauthorized,
                     m_core.config.adminToken.isEmpty()
                         ? u"control frames are disabled: the server runs without --admin-token"_s
                         : u"wrong admin token"_s);
        s.closeWith(CloseCode::Unauthorized, u"unauthorized"_s);
        return Flow::Done;
    }
    s.becomeAdmin();
    proto::Ok ok;
    ok.id = f.id;
    ok.fields = {{"admin"_L1, true},
                 {"heartbeat_ms"_L1, m_core.config.heartbeatMs},
                 {"server_time"_L1, ServerCore::wallMs()},
                 {"protocol"_L1, proto::kProtocolVersion}};
    s.reply(ok);
    return Flow::Done;
}

Dispatcher::Flow Dispatcher::onLogout(Session &s, const proto::LogoutRequest &f)
{
    QPointer<Session> guard(&s);
    const QString id = f.id;
    m_core.store->revokeToken(s.tokenHash(), &s, [guard, id](Result<bool> r) {
        if (!r.ok()) {
            guard->replyError(r.error(), id);
            guard->resume();
            return;
        }
        guard->reply(proto::Ok{id, {}});
        guard->closeWith(CloseCode::Normal, u"logged out"_s);
        guard->resume();
    });
    return Flow::Blocking;
}

Dispatcher::Flow Dispatcher::onPing(Session &s, const proto::Ping &f)
{
    s.send(proto::encodeFrameText(proto::Pong{f.id, f.ts}), OutKind::Answer);
    return Flow::Done;
}

// --- users and conversations ------------------------------------------------------------------

Dispatcher::Flow Dispatcher::onUsers(Session &s, const proto::UsersRequest &f)
{
    QPointer<Session> guard(&s);
    const QString id = f.id;
    m_core.store->searchUsers(f.query.trimmed(), f.limit, &s,
                              [guard, id](Result<QList<proto::User>> r) {
                                  if (!r.ok())
                                      guard->replyError(r.error(), id);
                                  else
                                      guard->reply(proto::UsersResult{id, r.value()});
                                  guard->resume();
                              });
    return Flow::Blocking;
}

void Dispatcher::routeConversation(const ConversationOutcome &out, const Session *except)
{
    if (!out.changed)
        return;
    proto::ConversationUpdate push;
    push.conversation = out.conversation;
    m_core.router->toUsers(out.notifyUserIds, QString::fromUtf8(proto::encodeFrame(push)),
                           OutKind::Push, {}, except);
}

void Dispatcher::sharePresence(const QList<proto::Member> &members)
{
    constexpr int kMaxShared = 100; // bigger groups learn presence at their next auth
    if (members.size() > kMaxShared)
        return;
    QHash<QString, QString> encoded;
    for (const proto::Member &m : members) {
        proto::PresencePush p;
        p.userId = m.userId;
        p.online = m_core.presence->isOnline(m.userId);
        p.lastSeen = p.online ? ServerCore::wallMs() : m_core.presence->lastSeen(m.userId);
        encoded.insert(m.userId, QString::fromUtf8(proto::encodeFrame(p)));
    }
    for (const proto::Member &to : members) {
        const QList<Session *> sessions = m_core.router->sessionsOf(to.userId);
        if (sessions.isEmpty())
            continue;
        for (const proto::Member &about : members) {
            if (about.userId == to.userId)
                continue;
            for (Session *s : sessions)
                s->send(encoded.value(about.userId), OutKind::Push);
        }
    }
}

// Answer the requester first, then tell everyone else (the answer is the requester's copy).
void Dispatcher::finishConversationChange(QPointer<Session> guard, const QString &id,
                                          const Result<ConversationOutcome> &r, bool share)
{
    if (guard) {
        if (!r.ok())
            guard->replyError(r.error(), id);
        else
            guard->reply(proto::ConversationUpdate{id, r.value().conversation});
    }
    if (r.ok()) {
        routeConversation(r.value(), guard.data());
        if (share && r.value().changed)
            sharePresence(r.value().conversation.members);
    }
    if (guard)
        guard->resume();
}

Dispatcher::Flow Dispatcher::onCreate(Session &s, const proto::CreateConversationRequest &f)
{
    QPointer<Session> guard(&s);
    const QString id = f.id;
    m_core.store->createConversation(s.user().userId, f.kind, f.title.trimmed(), f.members,
                                     ServerCore::wallMs(), this,
                                     [this, guard, id](Result<ConversationOutcome> r) {
                                         finishConversationChange(guard, id, r, true);
                                     });
    return Flow::Blocking;
}

Dispatcher::Flow Dispatcher::onAddMembers(Session &s, const proto::AddMembersRequest &f)
{
    QPointer<Session> guard(&s);
    const QString id = f.id;
    m_core.store->addMembers(s.user().userId, f.conversationId, f.userIds, this,
                             [this, guard, id](Result<ConversationOutcome> r) {
                                 finishConversationChange(guard, id, r, true);
                             });
    return Flow::Blocking;
}

Dispatcher::Flow Dispatcher::onLeave(Session &s, const proto::LeaveRequest &f)
{
    QPointer<Session> guard(&s);
    const QString id = f.id;
    m_core.store->leave(s.user().userId, f.conversationId, this,
                        [this, guard, id](Result<ConversationOutcome> r) {
                            finishConversationChange(guard, id, r, false);
                        });
    return Flow::Blocking;
}

// --- messages --------------------------------------------------------------------------------

void Dispatcher::routeMessage(const SendOutcome &out, const Session *except)
{
    const QString frame = proto::encodeFrameText(proto::MessagePush{out.message});
    QStringList ids;
    ids.reserve(out.members.size());
    for (const proto::Member &m : out.members)
        ids.append(m.userId);
    m_core.router->toUsers(ids, frame, OutKind::Push, {}, except);
    for (const proto::Member &m : out.members) {
        if (m.userId == out.message.senderId || m_core.router->connectionCount(m.userId) > 0)
            continue;
        PushNotification n;
        n.userId = m.userId;
        n.conversationId = out.message.conversationId;
        n.messageId = out.message.messageId;
        n.seq = out.message.seq;
        n.senderId = out.message.senderId;
        n.senderName = out.senderDisplayName;
        n.preview = previewOf(out.message.content);
        n.unread = std::max<qint64>(0, out.message.seq - m.readSeq);
        m_core.notifier->notify(n);
    }
}

Dispatcher::Flow Dispatcher::onSend(Session &s, const proto::SendRequest &f)
{
    qint64 retryAfter = 0;
    if (!s.takeSendToken(m_core.monoMs(), &retryAfter)) {
        s.replyError(f.id, ErrorCode::RateLimited,
                     u"too many messages; retry in %1 ms"_s.arg(retryAfter), {}, retryAfter);
        return Flow::Done;
    }
    SendParams p;
    p.senderId = s.user().userId;
    p.conversationId = f.conversationId;
    p.clientMsgId = f.clientMsgId;
    p.kind = f.kind;
    p.content = f.content;
    p.ts = ServerCore::wallMs();
    QPointer<Session> guard(&s);
    const QString id = f.id;
    m_core.store->send(p, this, [this, guard, id](Result<SendOutcome> r) {
        if (r.ok()) {
            const SendOutcome &out = r.value();
            if (guard) {
                proto::Ack ack;
                ack.id = id;
                ack.clientMsgId = out.message.clientMsgId;
                ack.conversationId = out.message.conversationId;
                ack.messageId = out.message.messageId;
                ack.seq = out.message.seq;
                ack.ts = out.message.ts;
                ack.duplicate = out.duplicate;
                guard->send(proto::encodeFrameText(ack), OutKind::Ack); // ack before route
            }
            if (out.duplicate) {
                ++m_core.counters.duplicates;
            } else {
                ++m_core.counters.messagesAcked;
                routeMessage(out, guard.data());
            }
        } else if (guard) {
            guard->replyError(r.error(), id);
        }
        if (guard)
            guard->writeDone();
    });
    return Flow::Pipelined;
}

Dispatcher::Flow Dispatcher::onHistory(Session &s, const proto::HistoryRequest &f)
{
    HistoryParams p;
    p.userId = s.user().userId;
    p.conversationId = f.conversationId;
    p.beforeSeq = f.beforeSeq;
    p.afterSeq = f.afterSeq;
    p.limit = std::clamp(f.limit, 1, m_core.config.limits.maxHistoryPage);
    QPointer<Session> guard(&s);
    const QString id = f.id, conv = f.conversationId;
    m_core.store->history(p, &s, [guard, id, conv](Result<HistoryOutcome> r) {
        if (!r.ok())
            guard->replyError(r.error(), id);
        else
            guard->send(proto::encodeFrameText(
                            proto::HistoryResult{id, conv, r.value().messages, r.value().hasMore}),
                        OutKind::Answer);
        guard->resume();
    });
    return Flow::Blocking;
}

Dispatcher::Flow Dispatcher::onSync(Session &s, const proto::SyncRequest &f)
{
    SyncParams p;
    p.userId = s.user().userId;
    p.since = f.since;
    p.cursor = f.cursor;
    p.limit = std::clamp(f.limit, 1, m_core.config.limits.maxSyncPage);
    p.recent = std::clamp(f.recent, 0, m_core.config.limits.maxSyncRecent);
    QPointer<Session> guard(&s);
    const QString id = f.id;
    m_core.store->sync(p, &s, [guard, id](Result<SyncOutcome> r) {
        if (!r.ok()) {
            guard->replyError(r.error(), id);
        } else {
            proto::SyncResult res;
            res.id = id;
            res.conversations = r.value().conversations;
            res.users = r.value().users;
            res.cursor = r.value().cursor;
            res.nextSince = r.value().nextSince;
            guard->send(proto::encodeFrameText(res), OutKind::Answer);
        }
        guard->resume();
    });
    return Flow::Blocking;
}

Dispatcher::Flow Dispatcher::receipt(Session &s, const QString &id, const QString &convId,
                                     qint64 delivered, qint64 read)
{
    QPointer<Session> guard(&s);
    m_core.store->markReceipt(s.user().userId, convId, delivered, read, this,
                              [this, guard, id](Result<ReceiptOutcome> r) {
                                  if (r.ok() && r.value().changed)
                                      m_core.router->toUsers(
                                          r.value().memberIds,
                                          proto::encodeFrameText(r.value().receipt), OutKind::Push);
                                  if (!guard)
                                      return;
                                  if (!r.ok())
                                      guard->replyError(r.error(), id);
                                  else if (!id.isEmpty())
                                      guard->reply(proto::Ok{id, {}});
                                  guard->writeDone();
                              });
    return Flow::Pipelined;
}

Dispatcher::Flow Dispatcher::onDelivered(Session &s, const proto::DeliveredRequest &f)
{
    return receipt(s, f.id, f.conversationId, f.seq, 0);
}

Dispatcher::Flow Dispatcher::onRead(Session &s, const proto::ReadRequest &f)
{
    return receipt(s, f.id, f.conversationId, 0, f.seq);
}

Dispatcher::Flow Dispatcher::onTyping(Session &s, const proto::TypingRequest &f)
{
    QPointer<Session> guard(&s);
    const QString userId = s.user().userId, conv = f.conversationId;
    const bool active = f.active;
    m_core.store->memberIds(
        userId, conv, &s, [this, guard, userId, conv, active](Result<QStringList> r) {
            if (!r.ok()) {
                guard->replyError(r.error(), {});
                return;
            }
            const proto::TypingPush push{conv, userId, active};
            m_core.router->toUsers(r.value(), QString::fromUtf8(proto::encodeFrame(push)),
                                   OutKind::Push, userId);
        });
    return Flow::Done;
}

} // namespace chat::server
