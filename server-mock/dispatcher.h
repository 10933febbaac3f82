// Dispatcher: one handler per client frame type (protocol §2–§13). Checks the session's
// right to send the frame, validates what the codec cannot (existence, membership, rate),
// calls the Store, and on completion answers the requester and routes pushes: persist,
// then ack, then route. Callbacks that must run even if the requester disconnected
// meanwhile (a committed message still goes to the other members) use the dispatcher as
// their context and guard the session separately.
#pragma once

#include "loginthrottle.h"
#include "net/protocol/codec.h"
#include "store.h"

#include <QObject>
#include <QPointer>

namespace chat::server {

struct ServerCore;
class Session;

class Dispatcher : public QObject
{
    Q_OBJECT
public:
    enum class Lane { Ordered, Pipelined, Detached };
    enum class Flow { Done, Pipelined, Blocking };

    explicit Dispatcher(ServerCore &core, QObject *parent = nullptr);
    static Lane laneOf(const proto::ClientFrame &f);
    Flow handle(Session &s, const proto::ClientFrame &f);

    // Tells everyone sharing a conversation with userId about a presence change.
    void announcePresence(const QString &userId, bool online, qint64 lastSeen);

private:
    // session
    Flow onRegister(Session &s, const proto::RegisterRequest &f);
    Flow onLogin(Session &s, const proto::LoginRequest &f);
    Flow onAuth(Session &s, const proto::AuthRequest &f);
    Flow onAdminAuth(Session &s, const proto::AdminAuthRequest &f);
    Flow onLogout(Session &s, const proto::LogoutRequest &f);
    Flow onPing(Session &s, const proto::Ping &f);
    // users and conversations
    Flow onUsers(Session &s, const proto::UsersRequest &f);
    Flow onCreate(Session &s, const proto::CreateConversationRequest &f);
    Flow onAddMembers(Session &s, const proto::AddMembersRequest &f);
    Flow onLeave(Session &s, const proto::LeaveRequest &f);
    // messages
    Flow onSend(Session &s, const proto::SendRequest &f);
    Flow onHistory(Session &s, const proto::HistoryRequest &f);
    Flow onSync(Session &s, const proto::SyncRequest &f);
    Flow onDelivered(Session &s, const proto::DeliveredRequest &f);
    Flow onRead(Session &s, const proto::ReadRequest &f);
    Flow onTyping(Session &s, const proto::TypingRequest &f);
    // QA control (dispatcher_admin.cpp)
    Flow onAdminSeed(Session &s, const proto::AdminSeedRequest &f);
    Flow onAdminInject(Session &s, const proto::AdminInjectRequest &f);
    Flow onAdminKick(Session &s, const proto::AdminKickRequest &f);
    Flow onAdminFault(Session &s, const proto::AdminFaultRequest &f);
    Flow onAdminStats(Session &s, const proto::AdminStatsRequest &f);
    Flow onAdminPushes(Session &s, const proto::AdminPushesRequest &f);

    Flow receipt(Session &s, const QString &id, const QString &convId, qint64 delivered,
                 qint64 read);
    // Issues a token, then completes authentication.
    void issueToken(QPointer<Session> s, const QString &id, const proto::User &user,
                    const QString &device);
    // Connection cap, router, presence, auth_ok, initial presence. Ends a blocking op.
    void completeAuth(Session &s, const QString &id, const proto::User &user, const QString &token,
                      const QByteArray &tokenHash);
    void failAuth(Session &s, const QString &id, const proto::ProtocolError &e);
    void routeConversation(const ConversationOutcome &out, const Session *except);
    // New co-members learn each other's presence at once (not only at the next auth).
    void sharePresence(const QList<proto::Member> &members);
    void finishConversationChange(QPointer<Session> guard, const QString &id,
                                  const Result<ConversationOutcome> &r, bool share);
    // Fan-out of a committed message: one encoding, every member connection, pushes for
    // members with none.
    void routeMessage(const SendOutcome &out, const Session *except);

    ServerCore &m_core;
    LoginThrottle m_throttle; // failed logins per username and per address
};

} // namespace chat::server
