#include "serverframes.h"

using namespace Qt::StringLiterals;

namespace chat::proto {

namespace {
constexpr qint64 kMax = 9007199254740991LL;

QJsonObject base(QLatin1StringView type, const QString &id)
{
    QJsonObject o{{"type"_L1, QString(type)}};
    if (!id.isEmpty())
        o.insert("id"_L1, id);
    return o;
}
QString readId(JsonReader &r, const Limits &l, Presence p = Presence::Required)
{
    return r.string("id"_L1, 1, l.maxIdChars, p);
}
template<typename T>
T readNested(JsonReader &r, QLatin1StringView key, const Limits &l)
{
    const QJsonObject o = r.objectField(key);
    if (!r.ok())
        return T{};
    return T::read(r.state(), o, r.path(key), l);
}
} // namespace

QJsonObject AuthOk::toJson() const
{
    auto o = base(kType, id);
    o.insert("user"_L1, user.toJson());
    o.insert("token"_L1, token);
    o.insert("heartbeat_ms"_L1, heartbeatMs);
    o.insert("server_time"_L1, serverTime);
    o.insert("protocol"_L1, protocol);
    return o;
}
AuthOk AuthOk::read(JsonReader &r, const Limits &l)
{
    AuthOk f;
    f.id = readId(r, l);
    f.user = readNested<User>(r, "user"_L1, l);
    f.token = r.string("token"_L1, 1, l.maxTokenChars);
    f.heartbeatMs = r.integer("heartbeat_ms"_L1, 1, 3600000);
    f.serverTime = r.integer("server_time"_L1, 0, kMax);
    f.protocol = int(r.integer("protocol"_L1, 1, 1000));
    return f;
}

QJsonObject Ok::toJson() const
{
    QJsonObject o = fields;
    o.insert("type"_L1, QString(kType));
    if (!id.isEmpty())
        o.insert("id"_L1, id);
    return o;
}
Ok Ok::read(JsonReader &r, const Limits &l)
{
    Ok f;
    f.id = readId(r, l);
    f.fields = r.object();
    f.fields.remove("type"_L1);
    f.fields.remove("id"_L1);
    return f;
}

QJsonObject Pong::toJson() const
{
    auto o = base(kType, id);
    if (ts)
        o.insert("ts"_L1, *ts);
    return o;
}
Pong Pong::read(JsonReader &r, const Limits &l)
{
    Pong f;
    f.id = readId(r, l, Presence::Optional);
    f.ts = r.optionalInteger("ts"_L1, 0, kMax);
    return f;
}

Error Error::from(const ProtocolError &e)
{
    Error f;
    f.id = e.id;
    f.code = e.code;
    f.message = e.message;
    f.field = e.field;
    return f;
}
QJsonObject Error::toJson() const
{
    auto o = base(kType, id);
    o.insert("code"_L1, errorCodeName(code));
    o.insert("message"_L1, message);
    if (!field.isEmpty())
        o.insert("field"_L1, field);
    if (retryAfterMs)
        o.insert("retry_after_ms"_L1, *retryAfterMs);
    return o;
}
Error Error::read(JsonReader &r, const Limits &l)
{
    Error f;
    f.id = readId(r, l, Presence::Optional);
    const QString code = r.string("code"_L1, 1, 64);
    if (r.ok()) {
        if (auto c = errorCodeFromName(code))
            f.code = *c;
        else
            f.code = ErrorCode::Internal; // unknown codes from a newer server: treat as internal
    }
    f.message = r.string("message"_L1, 0, 4096, Presence::Optional);
    f.field = r.string("field"_L1, 0, 256, Presence::Optional);
    f.retryAfterMs = r.optionalInteger("retry_after_ms"_L1, 0, kMax);
    return f;
}

QJsonObject UsersResult::toJson() const
{
    auto o = base(kType, id);
    o.insert("users"_L1, toJsonArray(users));
    return o;
}
UsersResult UsersResult::read(JsonReader &r, const Limits &l)
{
    UsersResult f;
    f.id = readId(r, l);
    f.users = readArray<User>(r, "users"_L1, 100000, l);
    return f;
}

QJsonObject ConversationUpdate::toJson() const
{
    auto o = base(kType, id);
    o.insert("conversation"_L1, conversation.toJson());
    return o;
}
ConversationUpdate ConversationUpdate::read(JsonReader &r, const Limits &l)
{
    ConversationUpdate f;
    f.id = readId(r, l, Presence::Optional);
    f.conversation = readNested<Conversation>(r, "conversation"_L1, l);
    return f;
}

QJsonObject Ack::toJson() const
{
    auto o = base(kType, id);
    o.insert("client_msg_id"_L1, clientMsgId);
    o.insert("conversation_id"_L1, conversationId);
    o.insert("message_id"_L1, messageId);
    o.insert("seq"_L1, seq);
    o.insert("ts"_L1, ts);
    if (duplicate)
        o.insert("duplicate"_L1, true);
    return o;
}
Ack Ack::read(JsonReader &r, const Limits &l)
{
    Ack f;
    f.id = readId(r, l);
    f.clientMsgId = r.string("client_msg_id"_L1, 1, l.maxIdChars);
    f.conversationId = r.string("conversation_id"_L1, 1, l.maxObjectIdChars);
    f.messageId = r.string("message_id"_L1, 1, l.maxObjectIdChars);
    f.seq = r.integer("seq"_L1, 1, kMax);
    f.ts = r.integer("ts"_L1, 0, kMax);
    f.duplicate = r.boolean("duplicate"_L1, Presence::Optional, false);
    return f;
}

QJsonObject MessagePush::toJson() const
{
    auto o = base(kType, {});
    o.insert("message"_L1, message.toJson());
    return o;
}
MessagePush MessagePush::read(JsonReader &r, const Limits &l)
{
    return MessagePush{readNested<Message>(r, "message"_L1, l)};
}

QJsonObject HistoryResult::toJson() const
{
    auto o = base(kType, id);
    o.insert("conversation_id"_L1, conversationId);
    o.insert("messages"_L1, toJsonArray(messages));
    o.insert("has_more"_L1, hasMore);
    return o;
}
HistoryResult HistoryResult::read(JsonReader &r, const Limits &l)
{
    HistoryResult f;
    f.id = readId(r, l);
    f.conversationId = r.string("conversation_id"_L1, 1, l.maxObjectIdChars);
    f.messages = readArray<Message>(r, "messages"_L1, l.maxHistoryPage, l);
    f.hasMore = r.boolean("has_more"_L1);
    return f;
}

QJsonObject SyncResult::toJson() const
{
    auto o = base(kType, id);
    o.insert("conversations"_L1, toJsonArray(conversations));
    o.insert("users"_L1, toJsonArray(users));
    o.insert("cursor"_L1, cursor ? QJsonValue(*cursor) : QJsonValue(QJsonValue::Null));
    o.insert("next_since"_L1, nextSince);
    return o;
}
SyncResult SyncResult::read(JsonReader &r, const Limits &l)
{
    SyncResult f;
    f.id = readId(r, l);
    f.conversations = readArray<ConvState>(r, "conversations"_L1, l.maxSyncPage, l);
    f.users = readArray<User>(r, "users"_L1, 1000000, l, Presence::Optional);
    f.cursor = r.nullableString("cursor"_L1, 1, l.maxTokenChars);
    f.nextSince = r.string("next_since"_L1, 1, l.maxTokenChars);
    return f;
}

QJsonObject Receipt::toJson() const
{
    auto o = base(kType, {});
    o.insert("conversation_id"_L1, conversationId);
    o.insert("user_id"_L1, userId);
    o.insert("delivered_seq"_L1, deliveredSeq);
    o.insert("read_seq"_L1, readSeq);
    return o;
}
Receipt Receipt::read(JsonReader &r, const Limits &l)
{
    Receipt f;
    f.conversationId = r.string("conversation_id"_L1, 1, l.maxObjectIdChars);
    f.userId = r.string("user_id"_L1, 1, l.maxObjectIdChars);
    f.deliveredSeq = r.integer("delivered_seq"_L1, 0, kMax);
    f.readSeq = r.integer("read_seq"_L1, 0, kMax);
    return f;
}

QJsonObject TypingPush::toJson() const
{
    auto o = base(kType, {});
    o.insert("conversation_id"_L1, conversationId);
    o.insert("user_id"_L1, userId);
    o.insert("active"_L1, active);
    return o;
}
TypingPush TypingPush::read(JsonReader &r, const Limits &l)
{
    TypingPush f;
    f.conversationId = r.string("conversation_id"_L1, 1, l.maxObjectIdChars);
    f.userId = r.string("user_id"_L1, 1, l.maxObjectIdChars);
    f.active = r.boolean("active"_L1);
    return f;
}

QJsonObject PresencePush::toJson() const
{
    auto o = base(kType, {});
    o.insert("user_id"_L1, userId);
    o.insert("online"_L1, online);
    o.insert("last_seen"_L1, lastSeen);
    return o;
}
PresencePush PresencePush::read(JsonReader &r, const Limits &l)
{
    PresencePush f;
    f.userId = r.string("user_id"_L1, 1, l.maxObjectIdChars);
    f.online = r.boolean("online"_L1);
    f.lastSeen = r.integer("last_seen"_L1, 0, kMax, Presence::Optional, 0);
    return f;
}

QLatin1StringView frameType(const ServerFrame &f)
{
    return std::visit([](const auto &x) { return std::decay_t<decltype(x)>::kType; }, f);
}

QString frameId(const ServerFrame &f)
{
    return std::visit(
            [](const auto &x) -> QString {
                if constexpr (requires { x.id; })
                    return x.id;
                else
                    return {};
            },
            f);
}

} // namespace chat::proto
