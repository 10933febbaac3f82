// The protocol's data objects (protocol §4, §5, §7): User, Member, Conversation, Message,
// ConvState. Plain values with JSON encode and strict decode.
#pragma once

#include "jsonreader.h"
#include "limits.h"

#include <QList>
#include <QString>

namespace chat::proto {

inline constexpr int kProtocolVersion = 1;

struct User {
    QString userId;
    QString username;
    QString displayName;

    QJsonObject toJson() const;
    static User read(DecodeState &st, const QJsonObject &o, const QString &path, const Limits &l);
    friend bool operator==(const User &, const User &) = default;
};

enum class Role { Member, Admin };
QString roleName(Role r);

struct Member {
    QString userId;
    qint64 deliveredSeq = 0;
    qint64 readSeq = 0;
    Role role = Role::Member;

    QJsonObject toJson() const;
    static Member read(DecodeState &st, const QJsonObject &o, const QString &path, const Limits &l);
    friend bool operator==(const Member &, const Member &) = default;
};

enum class ConversationKind { Direct, Group };
QString conversationKindName(ConversationKind k);

struct Conversation {
    QString conversationId;
    ConversationKind kind = ConversationKind::Direct;
    QString title;
    QList<Member> members;
    qint64 lastSeq = 0;
    qint64 createdTs = 0;

    const Member *member(const QString &userId) const;
    QJsonObject toJson() const;
    static Conversation read(DecodeState &st, const QJsonObject &o, const QString &path,
                             const Limits &l);
    friend bool operator==(const Conversation &, const Conversation &) = default;
};

struct Message {
    QString messageId;
    QString conversationId;
    qint64 seq = 0;
    QString senderId;
    QString clientMsgId;
    QString kind = QStringLiteral("text");
    QString content;
    qint64 ts = 0;

    QJsonObject toJson() const;
    static Message read(DecodeState &st, const QJsonObject &o, const QString &path,
                        const Limits &l);
    friend bool operator==(const Message &, const Message &) = default;
};

struct ConvState {
    Conversation conversation;
    QList<Message> recent;

    QJsonObject toJson() const;
    static ConvState read(DecodeState &st, const QJsonObject &o, const QString &path,
                          const Limits &l);
    friend bool operator==(const ConvState &, const ConvState &) = default;
};

// Validates message text per protocol §5: 1..maxContentChars code points, not blank.
// Records the failure on `reader` under `key`.
QString readContent(JsonReader &reader, QLatin1StringView key, const Limits &l);

// Helpers for arrays of objects.
template<typename T>
QList<T> readArray(JsonReader &r, QLatin1StringView key, int maxItems, const Limits &l,
                   Presence presence = Presence::Required)
{
    const QJsonArray arr = r.arrayField(key, maxItems, presence);
    QList<T> out;
    if (!r.ok())
        return out;
    out.reserve(arr.size());
    for (qsizetype i = 0; i < arr.size() && r.ok(); ++i) {
        const QString p = r.path(key) + u'[' + QString::number(i) + u']';
        if (!arr.at(i).isObject()) {
            r.state().fail(ErrorCode::BadRequest, p,
                           QStringLiteral("field \"") + p + QStringLiteral("\" must be an object"));
            break;
        }
        out.append(T::read(r.state(), arr.at(i).toObject(), p, l));
    }
    return out;
}

template<typename T>
QJsonArray toJsonArray(const QList<T> &items)
{
    QJsonArray a;
    for (const T &t : items)
        a.append(t.toJson());
    return a;
}

} // namespace chat::proto
