#include "memberlistmodel.h"

#include "sync/syncengine.h"
#include "timeformat.h"

namespace chat::model {

MemberListModel::MemberListModel(chat::sync::SyncEngine *engine, const QString &conversationId,
                                 QObject *parent)
    : QAbstractListModel(parent), m_engine(engine), m_conversationId(conversationId)
{
    if (engine) {
        connect(engine, &chat::sync::SyncEngine::changes, this, &MemberListModel::applyBatch);
        connect(
            engine, &chat::sync::SyncEngine::presenceChanged, this, [this](const QString &userId) {
                for (int i = 0; i < m_rows.size(); ++i) {
                    if (m_rows.at(i).userId == userId)
                        Q_EMIT dataChanged(index(i), index(i), {PresenceRole, PresenceTextRole});
                }
                Q_EMIT countChanged(); // onlineCount
            });
    }
    reload();
}

void MemberListModel::reload()
{
    beginResetModel();
    m_rows = m_engine ? m_engine->members(m_conversationId) : QList<chat::sync::MemberInfo>();
    std::stable_sort(m_rows.begin(), m_rows.end(), [](const auto &a, const auto &b) {
        if (a.admin != b.admin)
            return a.admin;
        const QString an = a.displayName.isEmpty() ? a.username : a.displayName;
        const QString bn = b.displayName.isEmpty() ? b.username : b.displayName;
        return an.localeAwareCompare(bn) < 0;
    });
    endResetModel();
    Q_EMIT countChanged();
}

void MemberListModel::applyBatch(const chat::sync::ChangeBatch &batch)
{
    for (const auto &c : batch.conversations) {
        if (c.conversation.conversationId != m_conversationId)
            continue;
        if (c.conversation.members != m_rows) {
            // Membership or watermarks changed; a list this small is cheapest rebuilt.
            QList<chat::sync::MemberInfo> sortedNew = c.conversation.members;
            if (sortedNew.size() == m_rows.size()) {
                // Same people: update rows in place (receipts move watermarks often).
                bool samePeople = true;
                for (int i = 0; i < m_rows.size() && samePeople; ++i) {
                    const auto it =
                        std::find_if(sortedNew.cbegin(), sortedNew.cend(), [&](const auto &m) {
                            return m.userId == m_rows.at(i).userId;
                        });
                    samePeople = it != sortedNew.cend() && it->admin == m_rows.at(i).admin;
                    if (samePeople && !(*it == m_rows.at(i))) {
                        m_rows[i] = *it;
                        Q_EMIT dataChanged(index(i), index(i));
                    }
                }
                if (samePeople)
                    continue;
            }
            reload();
        }
    }
}

int MemberListModel::onlineCount() const
{
    int n = 0;
    if (!m_engine)
        return 0;
    for (const auto &m : m_rows)
        n += m_engine->presence(m.userId).online ? 1 : 0;
    return n;
}

int MemberListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant MemberListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto &m = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case NameRole: return m.displayName.isEmpty() ? m.username : m.displayName;
    case UserIdRole: return m.userId;
    case UsernameRole: return m.username;
    case IsAdminRole: return m.admin;
    case IsSelfRole: return m_engine && m.userId == m_engine->currentUserId();
    case PresenceRole: {
        if (!m_engine)
            return -1;
        const auto p = m_engine->presence(m.userId);
        return p.known ? int(p.online) : -1;
    }
    case PresenceTextRole: {
        if (!m_engine)
            return QString();
        const auto p = m_engine->presence(m.userId);
        return TimeFormat::presence(p.known, p.online, p.lastSeen);
    }
    case ReadSeqRole: return m.readSeq;
    default: return {};
    }
}

QHash<int, QByteArray> MemberListModel::roleNames() const
{
    return {{UserIdRole, "userId"},
            {NameRole, "name"},
            {UsernameRole, "username"},
            {IsAdminRole, "isAdmin"},
            {IsSelfRole, "isSelf"},
            {PresenceRole, "presence"},
            {PresenceTextRole, "presenceText"},
            {ReadSeqRole, "readSeq"}};
}

// --- UserListModel -----------------------------------------------------------------------

int UserListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_users.size());
}

QVariant UserListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto &u = m_users.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case NameRole: return u.displayName.isEmpty() ? u.username : u.displayName;
    case UserIdRole: return u.userId;
    case UsernameRole: return u.username;
    default: return {};
    }
}

QHash<int, QByteArray> UserListModel::roleNames() const
{
    return {{UserIdRole, "userId"}, {NameRole, "name"}, {UsernameRole, "username"}};
}

void UserListModel::setUsers(const QList<chat::sync::UserInfo> &users)
{
    beginResetModel();
    m_users = users;
    endResetModel();
    Q_EMIT countChanged();
}

QString UserListModel::idAt(int row) const
{
    return row >= 0 && row < m_users.size() ? m_users.at(row).userId : QString();
}

QString UserListModel::nameAt(int row) const
{
    return data(index(row), NameRole).toString();
}

} // namespace chat::model
