// Frames the server sends (answers echo the request's `id`; pushes carry none).
// ServerFrame is the closed set; the client decodes them strictly too.
#pragma once

#include "types.h"

#include <optional>
#include <variant>

namespace chat::proto {

#define CHAT_SERVER_FRAME(Name, wire)                                                              \
    static constexpr QLatin1StringView kType{wire};                                                \
    QJsonObject toJson() const;                                                                    \
    static Name read(JsonReader &r, const Limits &l);                                              \
    friend bool operator==(const Name &, const Name &) = default;

struct AuthOk {
    QString id;
    User user;
    QString token;
    qint64 heartbeatMs = 30000;
    qint64 serverTime = 0;
    int protocol = kProtocolVersion;
    CHAT_SERVER_FRAME(AuthOk, "auth_ok")
};
// Generic success answer; `fields` carries any result (admin frames, logout).
struct Ok {
    QString id;
    QJsonObject fields;
    CHAT_SERVER_FRAME(Ok, "ok")
};
struct Pong {
    QString id;
    std::optional<qint64> ts;
    CHAT_SERVER_FRAME(Pong, "pong")
};
struct Error {
    QString id;
    ErrorCode code = ErrorCode::BadRequest;
    QString message;
    QString field;                       // extension: the field at fault, if any
    std::optional<qint64> retryAfterMs;  // with rate_limited
    static Error from(const ProtocolError &e);
    CHAT_SERVER_FRAME(Error, "error")
};
struct UsersResult {
    QString id;
    QList<User> users;
    CHAT_SERVER_FRAME(UsersResult, "users")
};
// Answer to create_conversation (with id) or push on a membership/title change (no id).
struct ConversationUpdate {
    QString id;
    Conversation conversation;
    CHAT_SERVER_FRAME(ConversationUpdate, "conversation")
};
struct Ack {
    QString id, clientMsgId, conversationId, messageId;
    qint64 seq = 0;
    qint64 ts = 0;
    bool duplicate = false;
    CHAT_SERVER_FRAME(Ack, "ack")
};
struct MessagePush {
    Message message;
    CHAT_SERVER_FRAME(MessagePush, "message")
};
struct HistoryResult {
    QString id, conversationId;
    QList<Message> messages;
    bool hasMore = false;
    CHAT_SERVER_FRAME(HistoryResult, "history")
};
struct SyncResult {
    QString id;
    QList<ConvState> conversations;
    QList<User> users;
    std::optional<QString> cursor;
    QString nextSince;
    CHAT_SERVER_FRAME(SyncResult, "sync")
};
struct Receipt {
    QString conversationId, userId;
    qint64 deliveredSeq = 0;
    qint64 readSeq = 0;
    CHAT_SERVER_FRAME(Receipt, "receipt")
};
struct TypingPush {
    QString conversationId, userId;
    bool active = false;
    CHAT_SERVER_FRAME(TypingPush, "typing")
};
struct PresencePush {
    QString userId;
    bool online = false;
    qint64 lastSeen = 0;
    CHAT_SERVER_FRAME(PresencePush, "presence")
};

using ServerFrame = std::variant<AuthOk, Ok, Pong, Error, UsersResult, ConversationUpdate, Ack,
                                 MessagePush, HistoryResult, SyncResult, Receipt, TypingPush,
                                 PresencePush>;

QLatin1StringView frameType(const ServerFrame &f);
QString frameId(const ServerFrame &f);

} // namespace chat::proto
