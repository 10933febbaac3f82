// The messages of one conversation, newest at row 0 (for a ListView with
// verticalLayoutDirection: BottomToTop). Opens instantly from the local store; older history
// comes through canFetchMore()/fetchMore(): from the store when it holds it, otherwise the
// engine fetches the gap while a "loading" row sits at the end. loadAround(seq) makes sure a
// given message (the first unread) is loaded; what is not stored between it and the rows
// already shown stays a gap, marked on the row below it (missingOlder) and fetched by
// fillGap() when the view shows the marker. Own messages carry their delivery state; rows
// know whether they start a day or a run of the same sender. Each engine change batch is
// applied in one slot: new and removed rows as contiguous ranges (sortedrows.h).
#pragma once

#include "sync/changes.h"

#include <QAbstractListModel>
#include <QPointer>
#include <QSet>

namespace chat::sync {
class SyncEngine;
}

namespace chat::model {

class MessageListModel : public QAbstractListModel
{
    Q_OBJECT
    Q_PROPERTY(QString conversationId READ conversationId CONSTANT)
    Q_PROPERTY(QString title READ title NOTIFY headerChanged)
    /// Under the title: who is typing, else presence ("online", "last seen …") for a direct
    /// conversation, else the member count for a group.
    Q_PROPERTY(QString subtitle READ subtitle NOTIFY headerChanged)
    Q_PROPERTY(bool typing READ typing NOTIFY headerChanged)
    Q_PROPERTY(bool isGroup READ isGroup NOTIFY headerChanged)
    /// Direct conversation: the other member (for the avatar and presence dot).
    Q_PROPERTY(QString otherUserId READ otherUserId NOTIFY headerChanged)
    Q_PROPERTY(int presence READ presence NOTIFY headerChanged)
    /// A fetch of older history is in flight (a loading row is at the end).
    Q_PROPERTY(bool loadingOlder READ loadingOlder NOTIFY loadingChanged)
    /// The last fetch of older history failed (offline, server error); loadOlder() retries.
    Q_PROPERTY(QString historyError READ historyError NOTIFY loadingChanged)
    /// Everything down to the first message is loaded.
    Q_PROPERTY(bool atStart READ atStart NOTIFY loadingChanged)
    /// Seq of the first message that was unread when the conversation was opened (0: none).
    /// Kept while the conversation stays open, so the divider does not jump away.
    Q_PROPERTY(qint64 firstUnreadSeq READ firstUnreadSeq CONSTANT)
    /// How many messages were unread when the conversation was opened.
    Q_PROPERTY(int unreadAtOpen READ unreadAtOpen CONSTANT)
    /// Highest stored seq in the model (what "read up to here" means).
    Q_PROPERTY(qint64 newestSeq READ newestSeq NOTIFY newestSeqChanged)
    Q_PROPERTY(int count READ count NOTIFY countChanged)

public:
    enum Roles {
        /// QString: stable id on this device (survives pending → sent).
        LocalIdRole = Qt::UserRole + 1,
        /// qint64: server sequence number; 0 while pending or failed.
        SeqRole,
        /// QString: sender's user id.
        SenderIdRole,
        /// QString: sender's display name.
        SenderNameRole,
        /// QString: message text.
        ContentRole,
        /// qint64: ms since epoch (server commit time; local time while pending).
        TimestampRole,
        /// QString: "14:05".
        TimeTextRole,
        /// bool: sent by the current user.
        OutgoingRole,
        /// QString: "pending", "sent", "delivered", "read", "failed" or "received".
        DeliveryStateRole,
        /// QString: the state in words, with counts in groups ("Read by 2 of 4").
        DeliveryTextRole,
        /// int: groups: other members who have read / delivered it; and how many there are.
        ReadCountRole,
        DeliveredCountRole,
        OtherMembersRole,
        /// QString: why a failed message was refused.
        ErrorTextRole,
        /// bool: this row is the "loading older messages" placeholder, not a message.
        IsLoadingRowRole,
        /// bool: a day separator goes above this message (first message of its day).
        ShowDayRole,
        /// QString: the separator's text ("Today", "Yesterday", "Monday, March 3").
        DayTextRole,
        /// bool: first message of a run by one sender (show the name above it).
        FirstInRunRole,
        /// bool: last message of a run (the bubble gets its tail, the avatar is shown).
        LastInRunRole,
        /// bool: the "new messages" divider goes above this message.
        IsFirstUnreadRole,
        /// int: messages not loaded yet between this one and the older row above it (after a
        /// jump far back); the view shows a marker there and calls fillGap() while it is shown.
        MissingOlderRole,
    };
    Q_ENUM(Roles)

    /// How many messages a page of scroll-back holds.
    static constexpr int kPageSize = 50;
    /// Messages loaded on each side of a jump target.
    static constexpr int kAroundCount = 25;
    /// Messages of one sender closer than this form a run.
    static constexpr qint64 kRunGapMs = 5 * 60 * 1000;

    MessageListModel(chat::sync::SyncEngine *engine, const QString &conversationId,
                     QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    QString conversationId() const { return m_conversationId; }
    QString title() const;
    QString subtitle() const;
    bool typing() const;
    bool isGroup() const { return m_info.group; }
    QString otherUserId() const { return m_info.group ? QString() : m_info.otherUserId; }
    int presence() const;
    bool loadingOlder() const { return m_loading; }
    QString historyError() const { return m_historyError; }
    bool atStart() const;
    qint64 firstUnreadSeq() const { return m_firstUnreadSeq; }
    int unreadAtOpen() const { return m_unreadAtOpen; }
    qint64 newestSeq() const;
    int count() const { return int(m_rows.size()); }

    /// Loads one more page of older history (same as fetchMore; clears historyError).
    Q_INVOKABLE void loadOlder();
    /// Makes sure the message with `seq` (and some context) is loaded; rowReady() follows,
    /// at once or when the engine has fetched it.
    Q_INVOKABLE void loadAround(qint64 seq);
    /// Fetches the messages missing above `row` (see MissingOlderRole): a page from each edge
    /// of the gap, newest and oldest, so the rows next to what the user sees come first.
    /// They arrive as engine changes; a gap already asked for is not asked again until the
    /// engine reports a history load.
    Q_INVOKABLE void fillGap(int row);
    /// Row of a stored message, -1 if it is not loaded.
    Q_INVOKABLE int rowForSeq(qint64 seq) const;
    /// Row of a message by local id, -1 if absent.
    Q_INVOKABLE int rowForLocalId(const QString &localId) const;

    /// Applies one committed engine transaction in one step.
    void applyBatch(const chat::sync::ChangeBatch &batch);

Q_SIGNALS:
    void headerChanged();
    void loadingChanged();
    void newestSeqChanged();
    void countChanged();
    /// loadAround(seq) is done: the message is at `row` (-1 if it could not be loaded).
    void rowReady(qint64 seq, int row);

private:
    struct Row {
        bool loading = false;
        chat::sync::LocalMessage m;
    };
    static bool closerToBottom(const chat::sync::LocalMessage &a,
                               const chat::sync::LocalMessage &b);
    int messageRowCount() const { return int(m_rows.size()) - (m_loading ? 1 : 0); }
    int insertionRow(const chat::sync::LocalMessage &m) const;
    void reload();
    void appendOlder(const QList<chat::sync::LocalMessage> &ascending);
    void applyMessages(const QList<chat::sync::MessageChange> &changes);
    void applyMessageChanges(const QList<chat::sync::MessageChange> &changes);
    void reindex(int from = 0);
    void emitChangedRows(QList<int> rows);
    void setLoading(bool on);
    void touchNeighbours(int row);
    void recomputeFirstUnreadRow();
    void refreshHeader();
    void onHistoryLoaded(const QString &conversationId, bool ok);
    bool startsRun(int row) const;
    qint64 missingOlder(int row) const;
    void showStored(qint64 from, qint64 to);
    bool endsRun(int row) const;
    QString deliveryText(const chat::sync::LocalMessage &m) const;

    QPointer<chat::sync::SyncEngine> m_engine;
    QString m_conversationId;
    chat::sync::ConversationInfo m_info;
    QList<Row> m_rows;
    QHash<QString, int> m_rowOfLocalId; // message rows only; kept in sync with m_rows
    bool m_indexStale = false;          // while a batch moves rows: rowForLocalId() scans
    qint64 m_floorSeq = 0;              // lowest stored seq shown; 0 = none yet (accept any insert)
    bool m_loading = false;
    QString m_historyError;
    qint64 m_aroundTarget = 0; // loadAround() waiting for the engine
    QSet<qint64> m_gapsAsked;  // fillGap(): the older edge of each gap asked for
    qint64 m_firstUnreadSeq = 0;
    int m_unreadAtOpen = 0;
    qint64 m_readSeqAtOpen = 0;
    QString m_firstUnreadLocalId; // the row that carries the divider
    qint64 m_lastNewestSeq = 0;
    // Views (and QAbstractItemModelTester) call fetchMore() from inside rowsInserted/Removed;
    // a fetch then waits for the current change to finish instead of nesting in it.
    int m_changing = 0;
    bool m_fetchQueued = false;
    struct ChangeGuard {
        MessageListModel *m;
        explicit ChangeGuard(MessageListModel *model) : m(model) { ++m->m_changing; }
        ~ChangeGuard() { --m->m_changing; }
    };
};

} // namespace chat::model
