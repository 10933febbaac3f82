// The conversation list: every conversation of the account, most recently active first, with
// what a row shows (title, last message preview, time, unread count, the other member's
// presence, who is typing). Fed by the engine's change batches, each applied in one slot: new
// and removed rows as contiguous ranges (sortedrows.h).
#pragma once

#include "sync/changes.h"

#include <QAbstractListModel>
#include <QPointer>
#include <QSortFilterProxyModel>

namespace chat::sync {
class SyncEngine;
}

namespace chat::model {

class ConversationListModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    /// Sum of unread messages over all conversations (window title, tray badge).
    Q_PROPERTY(int totalUnread READ totalUnread NOTIFY totalUnreadChanged)

public:
    enum Roles {
        /// QString: opaque conversation id.
        ConversationIdRole = Qt::UserRole + 1,
        /// QString: the group title, or the other member's name for a direct conversation.
        TitleRole,
        /// bool: group (true) or direct conversation.
        IsGroupRole,
        /// QString: last message text on one line, "You: " prefixed when own; "" if none.
        PreviewRole,
        /// qint64: ms since epoch of the newest activity (the sort key).
        LastActivityRole,
        /// QString: short time of the newest activity ("14:05", "Yesterday", ...).
        TimeTextRole,
        /// int: messages by others above the own read watermark.
        UnreadCountRole,
        /// QString: direct conversations: the other member's user id; "" for groups.
        OtherUserIdRole,
        /// int: other member's presence: 1 online, 0 offline, -1 unknown or a group.
        PresenceRole,
        /// QString: "online" / "last seen …" for direct conversations.
        PresenceTextRole,
        /// QString: "typing…" / "Ann is typing…"; "" when nobody types.
        TypingTextRole,
        /// QString: delivery state of the newest message when it is own ("pending", "sent",
        /// "delivered", "read", "failed"); "" otherwise.
        LastMessageStateRole,
        /// int: number of members.
        MemberCountRole,
        /// int: own messages still in the outbox (pending or failed).
        PendingCountRole,
    };
    Q_ENUM(Roles)

    explicit ConversationListModel(QObject *parent = nullptr);

    /// Attach to an engine (or detach with nullptr); reloads everything from its store.
    void setEngine(chat::sync::SyncEngine *engine);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    int count() const { return int(m_rows.size()); }
    /// Conversations the store held at the last reload, the ones the user left included.
    int storedAtLoad() const { return m_storedAtLoad; }
    int totalUnread() const;
    /// Row of a conversation, -1 if absent.
    Q_INVOKABLE int rowOf(const QString &conversationId) const;
    /// Conversation id at a row, "" if out of range.
    Q_INVOKABLE QString idAt(int row) const;
    const chat::sync::ConversationInfo *find(const QString &conversationId) const;

    /// Applies one committed engine transaction in one step.
    void applyBatch(const chat::sync::ChangeBatch &batch);
    /// Takes a conversation off the list (the user left it) until the engine reports it again
    /// as one the user belongs to.
    void dropConversation(const QString &conversationId);

Q_SIGNALS:
    void countChanged();
    void totalUnreadChanged();

private:
    void reload();
    void removeRow(int row);
    // Brings the id → row hash up to date; `gone`: ids no longer in the list.
    void reindex(const QList<QString> &gone = {});
    void onTypingChanged(const QString &conversationId);
    void onPresenceChanged(const QString &userId);

    QPointer<chat::sync::SyncEngine> m_engine;
    QList<chat::sync::ConversationInfo> m_rows;
    int m_storedAtLoad = 0;
    QHash<QString, int> m_rowOf; // conversation id -> row, rebuilt after every change of rows
    bool m_indexStale = false;   // while a batch moves rows: rowOf() scans
};

/// The conversation list narrowed by a search text (quick switcher, sidebar filter).
class ConversationFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_PROPERTY(QString filterText READ filterText WRITE setFilterText NOTIFY filterTextChanged)
public:
    explicit ConversationFilterModel(QObject *parent = nullptr);
    QString filterText() const { return m_text; }
    void setFilterText(const QString &text);
    /// Conversation id at a proxy row, "" if out of range.
    Q_INVOKABLE QString idAt(int row) const;

Q_SIGNALS:
    void filterTextChanged();

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
};

} // namespace chat::model
