#include "displaytext.h"

#include "sync/syncengine.h"

using namespace Qt::StringLiterals;

namespace chat::model {

QString DisplayText::userName(const chat::sync::SyncEngine *engine, const QString &userId)
{
    if (engine) {
        if (const auto u = engine->user(userId)) {
            if (!u->displayName.trimmed().isEmpty())
                return u->displayName;
            if (!u->username.isEmpty())
                return u->username;
        }
    }
    return tr("Unknown user");
}

QString DisplayText::typing(const chat::sync::SyncEngine *engine, const QString &conversationId,
                            bool group)
{
    if (!engine)
        return {};
    QStringList users = engine->typingUsers(conversationId);
    users.removeAll(engine->currentUserId());
    if (users.isEmpty())
        return {};
    if (!group)
        return tr("typing…");
    if (users.size() == 1)
        return tr("%1 is typing…").arg(userName(engine, users.at(0)));
    if (users.size() == 2)
        return tr("%1 and %2 are typing…")
            .arg(userName(engine, users.at(0)), userName(engine, users.at(1)));
    return tr("%n people are typing…", nullptr, int(users.size()));
}

QString DisplayText::deliveryState(const QString &state)
{
    if (state == "pending"_L1)
        return tr("Waiting to be sent");
    if (state == "sent"_L1)
        return tr("Sent");
    if (state == "delivered"_L1)
        return tr("Delivered");
    if (state == "read"_L1)
        return tr("Read");
    if (state == "failed"_L1)
        return tr("Not sent");
    return {};
}

} // namespace chat::model
