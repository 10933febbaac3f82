#include "router.h"

#include "session.h"

namespace chat::server {

void LocalRouter::attach(Session *s)
{
    QList<Session *> &list = m_byUser[s->user().userId];
    if (!list.contains(s))
        list.append(s);
}

void LocalRouter::detach(Session *s)
{
    auto it = m_byUser.find(s->user().userId);
    if (it == m_byUser.end())
        return;
    it->removeAll(s);
    if (it->isEmpty())
        m_byUser.erase(it);
}

int LocalRouter::connectionCount(const QString &userId) const
{
    auto it = m_byUser.constFind(userId);
    return it == m_byUser.cend() ? 0 : int(it->size());
}

QList<Session *> LocalRouter::sessionsOf(const QString &userId) const
{
    return m_byUser.value(userId);
}

int LocalRouter::toUsers(const QStringList &userIds, const QString &frame, OutKind kind,
                         const QString &exceptUserId, const Session *exceptSession)
{
    // Converted to UTF-8 and framed once, on first use, for every recipient (PreparedFrame).
    const PreparedFrame prepared(frame);
    int n = 0;
    for (const QString &u : userIds) {
        if (u == exceptUserId)
            continue;
        auto it = m_byUser.constFind(u);
        if (it == m_byUser.cend())
            continue;
        // Copy: a send may abort a socket (close_after_frames) and detach it meanwhile.
        const QList<Session *> sessions = *it;
        for (Session *s : sessions) {
            if (s == exceptSession)
                continue;
            s->send(prepared, kind);
            ++n;
        }
    }
    return n;
}

} // namespace chat::server
