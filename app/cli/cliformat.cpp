#include "cliformat.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <cstdio>

using namespace Qt::StringLiterals;
using namespace chat::sync;

namespace chat::cli {

QJsonObject messageJson(const LocalMessage &m, const SyncEngine &engine)
{
    QJsonObject o{
        {"conversation_id"_L1, m.conversationId},
        {"local_id"_L1, m.localId},
        {"client_msg_id"_L1, m.clientMsgId},
        {"sender_id"_L1, m.senderId},
        {"content"_L1, m.content},
        {"ts"_L1, m.ts},
        {"state"_L1, deliveryStateName(m.state)},
        {"outgoing"_L1, m.outgoing},
    };
    if (m.seq > 0) {
        o.insert("seq"_L1, m.seq);
        o.insert("message_id"_L1, m.messageId);
    }
    if (const auto u = engine.user(m.senderId))
        o.insert("sender"_L1, u->username);
    if (m.outgoing && m.seq > 0 && m.otherMembers > 1) {
        o.insert("delivered_count"_L1, m.deliveredCount);
        o.insert("read_count"_L1, m.readCount);
        o.insert("other_members"_L1, m.otherMembers);
    }
    if (m.state == DeliveryState::Failed) {
        o.insert("error_code"_L1, m.errorCode);
        o.insert("error"_L1, m.errorMessage);
    }
    return o;
}

QJsonObject conversationJson(const ConversationInfo &c)
{
    QJsonArray members;
    for (const MemberInfo &m : c.members)
        members.append(QJsonObject{{"user_id"_L1, m.userId},
                                   {"username"_L1, m.username},
                                   {"delivered_seq"_L1, m.deliveredSeq},
                                   {"read_seq"_L1, m.readSeq}});
    QJsonObject o{
        {"conversation_id"_L1, c.conversationId},
        {"kind"_L1, c.group ? u"group"_s : u"direct"_s},
        {"title"_L1, c.displayTitle},
        {"last_seq"_L1, c.lastSeq},
        {"unread"_L1, c.unreadCount},
        {"pending"_L1, c.pendingCount},
        {"members"_L1, members},
    };
    if (c.left)
        o.insert("left"_L1, true);
    if (c.hasLastMessage)
        o.insert("last_message"_L1,
                 QJsonObject{{"seq"_L1, c.lastMessage.seq},
                             {"sender_id"_L1, c.lastMessage.senderId},
                             {"content"_L1, c.lastMessage.content},
                             {"ts"_L1, c.lastMessage.ts},
                             {"state"_L1, deliveryStateName(c.lastMessage.state)}});
    return o;
}

void printLine(const QJsonObject &o)
{
    const QByteArray line = QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fflush(stdout);
}

} // namespace chat::cli
