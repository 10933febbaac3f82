// Members of one conversation with their presence: admins first, then online, then by name.
// Rebuilt when the conversation's membership changes; presence updates refresh rows in place.
#pragma once

#include "sync/changes.h"

#include <QAbstractListModel>
#include <QPointer>

namespace chat::sync {
class SyncEngine;
}

namespace chat::model {

class MemberListModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(QString conversationId READ conversationId CONSTANT)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    Q_PROPERTY(int onlineCount READ onlineCount NOTIFY countChanged)

public:
    enum Roles {
        /// QString: user id.
        UserIdRole = Qt::UserRole + 1,
        /// QString: display name (or username).
        NameRole,
        /// QString: login name.
        UsernameRole,
        /// bool: group admin.
        IsAdminRole,
        /// bool: this is the current user.
        IsSelfRole,
        /// int: 1 online, 0 offline, -1 unknown.
        PresenceRole,
        /// QString: "online" / "last seen …".
        PresenceTextRole,
        /// qint64: the member's read watermark.
        ReadSeqRole,
    };
    Q_ENUM(Roles)

    MemberListModel(chat::sync::SyncEngine *engine, const QString &conversationId,
                    QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    QString conversationId() const { return m_conversationId; }
    int count() const { return int(m_rows.size()); }
    int onlineCount() const;

    void applyBatch(const chat::sync::ChangeBatch &batch);

Q_SIGNALS:
    void countChanged();

private:
    void reload();
    QPointer<chat::sync::SyncEngine> m_engine;
    QString m_conversationId;
    QList<chat::sync::MemberInfo> m_rows;
};

/// Result of a user search (new conversation dialog). Filled by SessionFacade::searchUsers.
class UserListModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ count NOTIFY countChanged)
public:
    enum Roles {
        /// QString: user id.
        UserIdRole = Qt::UserRole + 1,
        /// QString: display name (or username).
        NameRole,
        /// QString: login name.
        UsernameRole,
    };
    Q_ENUM(Roles)
    using QAbstractListModel::QAbstractListModel;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    int count() const { return int(m_users.size()); }
    void setUsers(const QList<chat::sync::UserInfo> &users);
    Q_INVOKABLE QString idAt(int row) const;
    Q_INVOKABLE QString nameAt(int row) const;

Q_SIGNALS:
    void countChanged();

private:
    QList<chat::sync::UserInfo> m_users;
};

} // namespace chat::model
