#include "types.h"

using namespace Qt::StringLiterals;

namespace chat::proto {

namespace {
constexpr qint64 kMaxSeq = 9007199254740991LL; // 2^53 - 1, exact in JSON doubles
constexpr qint64 kMaxTs = 9007199254740991LL;
} // namespace

QString roleName(Role r)
{
    return r == Role::Admin ? u"admin"_s : u"member"_s;
}

QString conversationKindName(ConversationKind k)
{
    return k == ConversationKind::Group ? u"group"_s : u"direct"_s;
}

QJsonObject User::toJson() const
{
    return {{"user_id"_L1, userId}, {"username"_L1, username}, {"display_name"_L1, displayName}};
}

User User::read(DecodeState &st, const QJsonObject &o, const QString &path, const Limits &l)
{
    JsonReader r(st, o, path);
    User u;
    u.userId = r.string("user_id"_L1, 1, l.maxObjectIdChars);
    u.username = r.string("username"_L1, 1, l.maxUsernameChars);
    u.displayName = r.string("display_name"_L1, 0, l.maxDisplayNameChars, Presence::Optional);
    return u;
}

QJsonObject Member::toJson() const
{
    return {{"user_id"_L1, userId},
            {"delivered_seq"_L1, deliveredSeq},
            {"read_seq"_L1, readSeq},
            {"role"_L1, roleName(role)}};
}

Member Member::read(DecodeState &st, const QJsonObject &o, const QString &path, const Limits &l)
{
    JsonReader r(st, o, path);
    Member m;
    m.userId = r.string("user_id"_L1, 1, l.maxObjectIdChars);
    m.deliveredSeq = r.integer("delivered_seq"_L1, 0, kMaxSeq, Presence::Optional, 0);
    m.readSeq = r.integer("read_seq"_L1, 0, kMaxSeq, Presence::Optional, 0);
    m.role = r.oneOf("role"_L1, {"member"_L1, "admin"_L1}, Presence::Optional, u"member"_s)
                     == "admin"_L1
            ? Role::Admin
            : Role::Member;
    return m;
}

const Member *Conversation::member(const QString &userId) const
{
    for (const Member &m : members) {
        if (m.userId == userId)
            return &m;
    }
    return nullptr;
}

QJsonObject Conversation::toJson() const
{
    return {{"conversation_id"_L1, conversationId},
            {"kind"_L1, conversationKindName(kind)},
            {"title"_L1, title},
            {"members"_L1, toJsonArray(members)},
            {"last_seq"_L1, lastSeq},
            {"created_ts"_L1, createdTs}};
}

Conversation Conversation::read(DecodeState &st, const QJsonObject &o, const QString &path,
                                const Limits &l)
{
    JsonReader r(st, o, path);
    Conversation c;
    c.conversationId = r.string("conversation_id"_L1, 1, l.maxObjectIdChars);
    c.kind = r.oneOf("kind"_L1, {"direct"_L1, "group"_L1}) == "group"_L1 ? ConversationKind::Group
                                                                         : ConversationKind::Direct;
    c.title = r.string("title"_L1, 0, l.maxTitleChars, Presence::Optional);
    c.members = readArray<Member>(r, "members"_L1, l.maxGroupSize, l);
    c.lastSeq = r.integer("last_seq"_L1, 0, kMaxSeq);
    c.createdTs = r.integer("created_ts"_L1, 0, kMaxTs, Presence::Optional, 0);
    return c;
}

QJsonObject Message::toJson() const
{
    return {{"message_id"_L1, messageId},   {"conversation_id"_L1, conversationId},
            {"seq"_L1, seq},                {"sender_id"_L1, senderId},
            {"client_msg_id"_L1, clientMsgId}, {"kind"_L1, kind},
            {"content"_L1, content},        {"ts"_L1, ts}};
}

Message Message::read(DecodeState &st, const QJsonObject &o, const QString &path, const Limits &l)
{
    JsonReader r(st, o, path);
    Message m;
    m.messageId = r.string("message_id"_L1, 1, l.maxObjectIdChars);
    m.conversationId = r.string("conversation_id"_L1, 1, l.maxObjectIdChars);
    m.seq = r.integer("seq"_L1, 1, kMaxSeq);
    m.senderId = r.string("sender_id"_L1, 1, l.maxObjectIdChars);
    // Server-injected messages (fixtures, admin_inject) may carry an empty client_msg_id.
    m.clientMsgId = r.string("client_msg_id"_L1, 0, l.maxIdChars, Presence::Optional);
    m.kind = r.string("kind"_L1, 1, 32, Presence::Optional, u"text"_s);
    m.content = r.string("content"_L1, 0, l.maxContentChars, Presence::Required, {},
                         ErrorCode::TooLarge);
    m.ts = r.integer("ts"_L1, 0, kMaxTs);
    return m;
}

QJsonObject ConvState::toJson() const
{
    return {{"conversation"_L1, conversation.toJson()}, {"recent"_L1, toJsonArray(recent)}};
}

ConvState ConvState::read(DecodeState &st, const QJsonObject &o, const QString &path,
                          const Limits &l)
{
    JsonReader r(st, o, path);
    ConvState cs;
    const QJsonObject conv = r.objectField("conversation"_L1);
    if (r.ok())
        cs.conversation = Conversation::read(st, conv, r.path("conversation"_L1), l);
    cs.recent = readArray<Message>(r, "recent"_L1, l.maxHistoryPage, l, Presence::Optional);
    return cs;
}

QString readContent(JsonReader &reader, QLatin1StringView key, const Limits &l)
{
    QString s = reader.string(key, 1, l.maxContentChars, Presence::Required, {}, ErrorCode::TooLarge);
    if (reader.ok() && s.trimmed().isEmpty())
        reader.fail(ErrorCode::BadRequest, key,
                    u"field \"%1\" must not be blank"_s.arg(reader.path(key)));
    return s;
}

} // namespace chat::proto
