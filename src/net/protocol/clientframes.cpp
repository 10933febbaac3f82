#include "clientframes.h"

using namespace Qt::StringLiterals;

namespace chat::proto {

namespace {
constexpr qint64 kMaxSeq = 9007199254740991LL;

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
QString readObjectId(JsonReader &r, QLatin1StringView key, const Limits &l)
{
    return r.string(key, 1, l.maxObjectIdChars);
}
} // namespace

// --- session ---------------------------------------------------------------------------
QJsonObject RegisterRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("username"_L1, username);
    o.insert("password"_L1, password);
    if (!displayName.isEmpty())
        o.insert("display_name"_L1, displayName);
    return o;
}
RegisterRequest RegisterRequest::read(JsonReader &r, const Limits &l)
{
    RegisterRequest f;
    f.id = readId(r, l);
    f.username = r.string("username"_L1, 1, l.maxUsernameChars);
    f.password = r.string("password"_L1, l.minPasswordChars, l.maxPasswordChars);
    f.displayName = r.string("display_name"_L1, 0, l.maxDisplayNameChars, Presence::Optional);
    return f;
}

QJsonObject LoginRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("username"_L1, username);
    o.insert("password"_L1, password);
    if (!device.isEmpty())
        o.insert("device"_L1, device);
    return o;
}
LoginRequest LoginRequest::read(JsonReader &r, const Limits &l)
{
    LoginRequest f;
    f.id = readId(r, l);
    f.username = r.string("username"_L1, 1, l.maxUsernameChars);
    f.password = r.string("password"_L1, 1, l.maxPasswordChars);
    f.device = r.string("device"_L1, 0, l.maxDisplayNameChars, Presence::Optional);
    return f;
}

QJsonObject AuthRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("token"_L1, token);
    return o;
}
AuthRequest AuthRequest::read(JsonReader &r, const Limits &l)
{
    AuthRequest f;
    f.id = readId(r, l);
    f.token = r.string("token"_L1, 1, l.maxTokenChars);
    return f;
}

QJsonObject AdminAuthRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("token"_L1, token);
    return o;
}
AdminAuthRequest AdminAuthRequest::read(JsonReader &r, const Limits &l)
{
    AdminAuthRequest f;
    f.id = readId(r, l);
    f.token = r.string("token"_L1, 1, l.maxTokenChars);
    return f;
}

QJsonObject LogoutRequest::toJson() const
{
    return base(kType, id);
}
LogoutRequest LogoutRequest::read(JsonReader &r, const Limits &l)
{
    return LogoutRequest{readId(r, l)};
}

QJsonObject Ping::toJson() const
{
    auto o = base(kType, id);
    if (ts)
        o.insert("ts"_L1, *ts);
    return o;
}
Ping Ping::read(JsonReader &r, const Limits &l)
{
    Ping f;
    f.id = readId(r, l, Presence::Optional);
    f.ts = r.optionalInteger("ts"_L1, 0, kMaxSeq);
    return f;
}

// --- users and conversations -------------------------------------------------------------
QJsonObject UsersRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("query"_L1, query);
    o.insert("limit"_L1, limit);
    return o;
}
UsersRequest UsersRequest::read(JsonReader &r, const Limits &l)
{
    UsersRequest f;
    f.id = readId(r, l);
    f.query = r.string("query"_L1, 0, l.maxUsernameChars, Presence::Optional);
    f.limit = int(r.integer("limit"_L1, 1, l.maxUsersQueryLimit, Presence::Optional, 20));
    return f;
}

QJsonObject CreateConversationRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("kind"_L1, conversationKindName(kind));
    if (!title.isEmpty())
        o.insert("title"_L1, title);
    o.insert("members"_L1, QJsonArray::fromStringList(members));
    return o;
}
CreateConversationRequest CreateConversationRequest::read(JsonReader &r, const Limits &l)
{
    CreateConversationRequest f;
    f.id = readId(r, l);
    f.kind = r.oneOf("kind"_L1, {"direct"_L1, "group"_L1}) == "group"_L1 ? ConversationKind::Group
                                                                         : ConversationKind::Direct;
    f.title = r.string("title"_L1, 0, l.maxTitleChars, Presence::Optional);
    f.members = r.stringArray("members"_L1, 0, l.maxGroupSize, 1, l.maxObjectIdChars);
    if (r.ok() && f.kind == ConversationKind::Direct && f.members.size() != 1)
        r.fail(ErrorCode::BadRequest, "members"_L1,
               u"field \"members\" of a direct conversation must name exactly one other user"_s);
    return f;
}

QJsonObject AddMembersRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("conversation_id"_L1, conversationId);
    o.insert("user_ids"_L1, QJsonArray::fromStringList(userIds));
    return o;
}
AddMembersRequest AddMembersRequest::read(JsonReader &r, const Limits &l)
{
    AddMembersRequest f;
    f.id = readId(r, l);
    f.conversationId = readObjectId(r, "conversation_id"_L1, l);
    f.userIds = r.stringArray("user_ids"_L1, 1, l.maxGroupSize, 1, l.maxObjectIdChars);
    return f;
}

QJsonObject LeaveRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("conversation_id"_L1, conversationId);
    return o;
}
LeaveRequest LeaveRequest::read(JsonReader &r, const Limits &l)
{
    LeaveRequest f;
    f.id = readId(r, l);
    f.conversationId = readObjectId(r, "conversation_id"_L1, l);
    return f;
}

// --- messages ------------------------------------------------------------------------------
QJsonObject SendRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("conversation_id"_L1, conversationId);
    o.insert("client_msg_id"_L1, clientMsgId);
    o.insert("content"_L1, content);
    if (kind != "text"_L1)
        o.insert("kind"_L1, kind);
    return o;
}
SendRequest SendRequest::read(JsonReader &r, const Limits &l)
{
    SendRequest f;
    f.id = readId(r, l);
    f.conversationId = readObjectId(r, "conversation_id"_L1, l);
    f.clientMsgId = r.string("client_msg_id"_L1, 1, l.maxIdChars);
    f.kind = r.oneOf("kind"_L1, {"text"_L1}, Presence::Optional, u"text"_s);
    f.content = readContent(r, "content"_L1, l);
    return f;
}

QJsonObject HistoryRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("conversation_id"_L1, conversationId);
    if (beforeSeq)
        o.insert("before_seq"_L1, *beforeSeq);
    if (afterSeq)
        o.insert("after_seq"_L1, *afterSeq);
    o.insert("limit"_L1, limit);
    return o;
}
HistoryRequest HistoryRequest::read(JsonReader &r, const Limits &l)
{
    HistoryRequest f;
    f.id = readId(r, l);
    f.conversationId = readObjectId(r, "conversation_id"_L1, l);
    f.beforeSeq = r.optionalInteger("before_seq"_L1, 1, kMaxSeq);
    f.afterSeq = r.optionalInteger("after_seq"_L1, 0, kMaxSeq);
    f.limit =
        int(r.integer("limit"_L1, 1, l.maxHistoryPage, Presence::Optional, l.defaultHistoryPage));
    if (r.ok() && f.beforeSeq && f.afterSeq)
        r.fail(ErrorCode::BadRequest, "after_seq"_L1,
               u"give either \"before_seq\" or \"after_seq\", not both"_s);
    return f;
}

QJsonObject SyncRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("since"_L1, since ? QJsonValue(*since) : QJsonValue(QJsonValue::Null));
    o.insert("cursor"_L1, cursor ? QJsonValue(*cursor) : QJsonValue(QJsonValue::Null));
    o.insert("limit"_L1, limit);
    o.insert("recent"_L1, recent);
    return o;
}
SyncRequest SyncRequest::read(JsonReader &r, const Limits &l)
{
    SyncRequest f;
    f.id = readId(r, l);
    f.since = r.nullableString("since"_L1, 1, l.maxTokenChars);
    f.cursor = r.nullableString("cursor"_L1, 1, l.maxTokenChars);
    f.limit = int(r.integer("limit"_L1, 1, l.maxSyncPage, Presence::Optional, l.defaultSyncPage));
    f.recent =
        int(r.integer("recent"_L1, 0, l.maxSyncRecent, Presence::Optional, l.defaultSyncRecent));
    return f;
}

// --- receipts and typing ------------------------------------------------------------------
QJsonObject DeliveredRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("conversation_id"_L1, conversationId);
    o.insert("seq"_L1, seq);
    return o;
}
DeliveredRequest DeliveredRequest::read(JsonReader &r, const Limits &l)
{
    DeliveredRequest f;
    f.id = readId(r, l, Presence::Optional);
    f.conversationId = readObjectId(r, "conversation_id"_L1, l);
    f.seq = r.integer("seq"_L1, 0, kMaxSeq);
    return f;
}

QJsonObject ReadRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("conversation_id"_L1, conversationId);
    o.insert("seq"_L1, seq);
    return o;
}
ReadRequest ReadRequest::read(JsonReader &r, const Limits &l)
{
    ReadRequest f;
    f.id = readId(r, l, Presence::Optional);
    f.conversationId = readObjectId(r, "conversation_id"_L1, l);
    f.seq = r.integer("seq"_L1, 0, kMaxSeq);
    return f;
}

QJsonObject TypingRequest::toJson() const
{
    auto o = base(kType, {});
    o.insert("conversation_id"_L1, conversationId);
    o.insert("active"_L1, active);
    return o;
}
TypingRequest TypingRequest::read(JsonReader &r, const Limits &l)
{
    TypingRequest f;
    f.conversationId = readObjectId(r, "conversation_id"_L1, l);
    f.active = r.boolean("active"_L1);
    return f;
}

// --- QA control ------------------------------------------------------------------------------
QJsonObject AdminSeedRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("fixture"_L1, fixture);
    return o;
}
AdminSeedRequest AdminSeedRequest::read(JsonReader &r, const Limits &l)
{
    AdminSeedRequest f;
    f.id = readId(r, l);
    f.fixture = r.objectField("fixture"_L1);
    return f;
}

QJsonObject AdminInjectRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("as_user"_L1, asUser);
    o.insert("conversation_id"_L1, conversationId);
    o.insert("content"_L1, content);
    return o;
}
AdminInjectRequest AdminInjectRequest::read(JsonReader &r, const Limits &l)
{
    AdminInjectRequest f;
    f.id = readId(r, l);
    f.asUser = readObjectId(r, "as_user"_L1, l);
    f.conversationId = readObjectId(r, "conversation_id"_L1, l);
    f.content = readContent(r, "content"_L1, l);
    return f;
}

QJsonObject AdminKickRequest::toJson() const
{
    auto o = base(kType, id);
    o.insert("user_id"_L1, userId);
    return o;
}
AdminKickRequest AdminKickRequest::read(JsonReader &r, const Limits &l)
{
    AdminKickRequest f;
    f.id = readId(r, l);
    f.userId = readObjectId(r, "user_id"_L1, l);
    return f;
}

QJsonObject AdminFaultRequest::toJson() const
{
    auto o = base(kType, id);
    if (!userId.isEmpty())
        o.insert("user_id"_L1, userId);
    if (dropRate != 0)
        o.insert("drop_rate"_L1, dropRate);
    if (delayMs != 0)
        o.insert("delay_ms"_L1, delayMs);
    if (holdAcks)
        o.insert("hold_acks"_L1, true);
    if (closeAfterFrames != 0)
        o.insert("close_after_frames"_L1, closeAfterFrames);
    return o;
}
AdminFaultRequest AdminFaultRequest::read(JsonReader &r, const Limits &l)
{
    AdminFaultRequest f;
    f.id = readId(r, l);
    f.userId = r.string("user_id"_L1, 1, l.maxObjectIdChars, Presence::Optional);
    f.dropRate = r.number("drop_rate"_L1, 0.0, 1.0, Presence::Optional, 0.0);
    f.delayMs = r.integer("delay_ms"_L1, 0, 60000, Presence::Optional, 0);
    f.holdAcks = r.boolean("hold_acks"_L1, Presence::Optional, false);
    f.closeAfterFrames = r.integer("close_after_frames"_L1, 0, 1000000, Presence::Optional, 0);
    return f;
}

QJsonObject AdminStatsRequest::toJson() const
{
    return base(kType, id);
}
AdminStatsRequest AdminStatsRequest::read(JsonReader &r, const Limits &l)
{
    return AdminStatsRequest{readId(r, l)};
}

QJsonObject AdminPushesRequest::toJson() const
{
    auto o = base(kType, id);
    if (!userId.isEmpty())
        o.insert("user_id"_L1, userId);
    if (clear)
        o.insert("clear"_L1, true);
    return o;
}
AdminPushesRequest AdminPushesRequest::read(JsonReader &r, const Limits &l)
{
    AdminPushesRequest f;
    f.id = readId(r, l);
    f.userId = r.string("user_id"_L1, 1, l.maxObjectIdChars, Presence::Optional);
    f.clear = r.boolean("clear"_L1, Presence::Optional, false);
    return f;
}

QLatin1StringView frameType(const ClientFrame &f)
{
    return std::visit([](const auto &x) { return std::decay_t<decltype(x)>::kType; }, f);
}

QString frameId(const ClientFrame &f)
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
