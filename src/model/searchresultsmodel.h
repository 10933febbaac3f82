// SearchResultsModel: the results of a local full-text search (chat::sync::MessageSearch) as a
// list model for the search panel: newest first, with the match highlighted in an HTML
// snippet, paged through canFetchMore()/fetchMore(). Setting `query` (or `conversationId`:
// empty = every conversation) searches at once - a local query takes milliseconds. New
// messages matching the query appear when the engine stores them (re-search, debounced).
//
// Also the panel's navigation helpers: jump to a date in a conversation (exact, also into
// history this device does not hold: SyncEngine::jumpToDate) and the unread messages
// mentioning the user (username or display name, with or without '@').
#pragma once

#include "sync/search.h"

#include <QAbstractListModel>
#include <QDate>
#include <QPointer>
#include <QTimer>

namespace chat::sync {
class SyncEngine;
}

namespace chat::model {

class ChatSession;

class SearchResultsModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(
        chat::model::ChatSession *session READ session WRITE setSession NOTIFY sessionChanged)
    Q_PROPERTY(QString query READ query WRITE setQuery NOTIFY queryChanged)
    /// Only this conversation; empty = all of them.
    Q_PROPERTY(QString conversationId READ conversationId WRITE setConversationId NOTIFY
                   conversationIdChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)
    /// The query holds something to search for (letters or digits).
    Q_PROPERTY(bool searchable READ searchable NOTIFY queryChanged)
    /// A storage failure of the last search, in words; empty when fine.
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorTextChanged)
    /// A jumpToDate() is finding its message (asking the server for missing history).
    Q_PROPERTY(bool jumpingToDate READ jumpingToDate NOTIFY jumpingToDateChanged)

public:
    enum Roles {
        ConversationIdRole = Qt::UserRole + 1, ///< QString
        ConversationTitleRole,                 ///< QString: group title or the other member
        SeqRole,                               ///< qint64
        LocalIdRole,                           ///< QString
        SenderNameRole,                        ///< QString: display name ("You" for own)
        ContentRole,                           ///< QString: the whole text, plain
        SnippetHtmlRole,                       ///< QString: excerpt, escaped, matches in <b>
        TimestampRole,                         ///< qint64: ms since epoch
        TimeTextRole,                          ///< QString: date and time, short
        OutgoingRole,                          ///< bool
    };
    Q_ENUM(Roles)

    static constexpr int kPageSize = 50;

    explicit SearchResultsModel(QObject *parent = nullptr);
    /// For C++ users without a session (tests, other front ends).
    explicit SearchResultsModel(chat::sync::SyncEngine *engine, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    ChatSession *session() const { return m_session; }
    void setSession(ChatSession *session);
    QString query() const { return m_query; }
    void setQuery(const QString &query);
    QString conversationId() const { return m_conversationId; }
    void setConversationId(const QString &conversationId);
    int count() const { return int(m_hits.size()); }
    bool searchable() const;
    QString errorText() const { return m_errorText; }
    bool jumpingToDate() const { return m_dateJumps > 0; }

    /// Runs the search again from the first page.
    Q_INVOKABLE void refresh();
    /// The hit at `row` as {conversationId, seq, localId}; empty map when out of range.
    Q_INVOKABLE QVariantMap hitAt(int row) const;
    /// The seq to show for `date` (local midnight) in a conversation as far as this device
    /// knows, without the server: the first stored message on or after it, else the newest
    /// before it; 0 when nothing is stored.
    Q_INVOKABLE qint64 seqForDate(const QString &conversationId, QDate date) const;
    /// Go to `date` (local midnight) in a conversation: finds the first message on or after
    /// it, else the last one before it, fetching from the server the history this device
    /// lacks, and loads the messages around it (MessageListModel::kAroundCount on each
    /// side). dateJumpFinished() follows, never from inside this call.
    Q_INVOKABLE void jumpToDate(const QString &conversationId, QDate date);
    /// Seqs of the stored unread messages by others that mention the user, oldest first.
    Q_INVOKABLE QList<qint64> unreadMentions(const QString &conversationId) const;

Q_SIGNALS:
    void sessionChanged();
    void queryChanged();
    void conversationIdChanged();
    void countChanged();
    void errorTextChanged();
    void jumpingToDateChanged();
    /// A jumpToDate() is done: show `seq` (0: nothing to show). `notice` is empty when the
    /// landing is exact, else says why not (offline, server error: the nearest stored
    /// message), or why there is nothing to show.
    void dateJumpFinished(const QString &conversationId, qint64 seq, const QString &notice);

private:
    chat::sync::SyncEngine *engine() const;
    void search(bool append);
    void setErrorText(const QString &text);
    void onChanges();

    QPointer<ChatSession> m_session;
    QPointer<chat::sync::SyncEngine> m_engine; // set directly, or the session's
    QString m_query;
    QString m_conversationId;
    QList<chat::sync::SearchHit> m_hits;
    bool m_hasMore = false;
    QString m_errorText;
    int m_changing = 0;  // inside a reset/insert of this model
    int m_dateJumps = 0; // jumpToDate() calls not answered yet
    bool m_fetchQueued = false;
    QTimer m_refreshTimer; // new messages: one re-search per burst
    QMetaObject::Connection m_changesConnection;
};

} // namespace chat::model
