// Frames a client sends (protocol §2, §4–§10, §13). One struct per `type`; ClientFrame is
// the closed set. Each has toJson() (with "type") and a strict read().
#pragma once

#include "types.h"

#include <QJsonObject>
#include <optional>
#include <variant>

namespace chat::proto {

#define CHAT_CLIENT_FRAME(Name, wire)                                                              \
    static constexpr QLatin1StringView kType{wire};                                                \
    QJsonObject toJson() const;                                                                    \
    static Name read(JsonReader &r, const Limits &l);                                              \
    friend bool operator==(const Name &, const Name &) = default;

struct RegisterRequest {
    QString id, username, password, displayName;
    CHAT_CLIENT_FRAME(RegisterRequest, "register")
};
struct LoginRequest {
    QString id, username, password, device;
    CHAT_CLIENT_FRAME(LoginRequest, "login")
};
struct AuthRequest {
    QString id, token;
    CHAT_CLIENT_FRAME(AuthRequest, "auth")
};
// QA control login (§13): token is the server's --admin-token.
struct AdminAuthRequest {
    QString id, token;
    CHAT_CLIENT_FRAME(AdminAuthRequest, "admin")
};
struct LogoutRequest {
    QString id;
    CHAT_CLIENT_FRAME(LogoutRequest, "logout")
};
struct Ping {
    QString id; // optional
    std::optional<qint64> ts;
    CHAT_CLIENT_FRAME(Ping, "ping")
};
struct UsersRequest {
    QString id, query;
    int limit = 20;
    CHAT_CLIENT_FRAME(UsersRequest, "users")
};
struct CreateConversationRequest {
    QString id;
    ConversationKind kind = ConversationKind::Direct;
    QString title;
    QStringList members; // user ids, the creator excluded or not
    CHAT_CLIENT_FRAME(CreateConversationRequest, "create_conversation")
};
struct AddMembersRequest {
    QString id, conversationId;
    QStringList userIds;
    CHAT_CLIENT_FRAME(AddMembersRequest, "add_members")
};
struct LeaveRequest {
    QString id, conversationId;
    CHAT_CLIENT_FRAME(LeaveRequest, "leave")
};
struct SendRequest {
    QString id, conversationId, clientMsgId, content;
    QString kind = QStringLiteral("text");
    CHAT_CLIENT_FRAME(SendRequest, "send")
};
// Neither cursor: the newest `limit` messages. Both at once is a bad_request.
struct HistoryRequest {
    QString id, conversationId;
    std::optional<qint64> beforeSeq, afterSeq;
    int limit = 50;
    CHAT_CLIENT_FRAME(HistoryRequest, "history")
};
struct SyncRequest {
    QString id;
    std::optional<QString> since, cursor;
    int limit = 20;
    int recent = 20;
    CHAT_CLIENT_FRAME(SyncRequest, "sync")
};
struct DeliveredRequest {
    QString id; // optional
    QString conversationId;
    qint64 seq = 0;
    CHAT_CLIENT_FRAME(DeliveredRequest, "delivered")
};
struct ReadRequest {
    QString id; // optional
    QString conversationId;
    qint64 seq = 0;
    CHAT_CLIENT_FRAME(ReadRequest, "read")
};
struct TypingRequest {
    QString conversationId;
    bool active = false;
    CHAT_CLIENT_FRAME(TypingRequest, "typing")
};
struct AdminSeedRequest {
    QString id;
    QJsonObject fixture; // validated by the server's fixture loader (§15)
    CHAT_CLIENT_FRAME(AdminSeedRequest, "admin_seed")
};
struct AdminInjectRequest {
    QString id, asUser, conversationId, content;
    CHAT_CLIENT_FRAME(AdminInjectRequest, "admin_inject")
};
struct AdminKickRequest {
    QString id, userId;
    CHAT_CLIENT_FRAME(AdminKickRequest, "admin_kick")
};
// All fields optional; an empty admin_fault clears every fault.
struct AdminFaultRequest {
    QString id;
    QString userId;             // empty = every connection
    double dropRate = 0;        // 0..1: share of pushes silently dropped
    qint64 delayMs = 0;         // added before each push and answer
    bool holdAcks = false;      // store, but do not send acks until cleared
    qint64 closeAfterFrames = 0; // abruptly close after N more frames out (0 = never)
    bool isClear() const { return userId.isEmpty() && dropRate == 0 && delayMs == 0 && !holdAcks && closeAfterFrames == 0; }
    CHAT_CLIENT_FRAME(AdminFaultRequest, "admin_fault")
};
struct AdminStatsRequest {
    QString id;
    CHAT_CLIENT_FRAME(AdminStatsRequest, "admin_stats")
};
struct AdminPushesRequest {
    QString id;
    QString userId; // optional filter
    bool clear = false;
    CHAT_CLIENT_FRAME(AdminPushesRequest, "admin_pushes")
};

using ClientFrame = std::variant<RegisterRequest, LoginRequest, AuthRequest, AdminAuthRequest,
                                 LogoutRequest, Ping, UsersRequest, CreateConversationRequest,
                                 AddMembersRequest, LeaveRequest, SendRequest, HistoryRequest,
                                 SyncRequest, DeliveredRequest, ReadRequest, TypingRequest,
                                 AdminSeedRequest, AdminInjectRequest, AdminKickRequest,
                                 AdminFaultRequest, AdminStatsRequest, AdminPushesRequest>;

QLatin1StringView frameType(const ClientFrame &f);
QString frameId(const ClientFrame &f);

} // namespace chat::proto
