#include "messagelistmodel.h"

#include "displaytext.h"
#include "net/logging.h"
#include "sortedrows.h"
#include "sync/syncengine.h"
#include "timeformat.h"

#include <QSet>

#include <limits>

using namespace Qt::StringLiterals;
using chat::sync::DeliveryState;
using chat::sync::LocalMessage;
using chat::sync::MessageChange;

namespace chat::model {

MessageListModel::MessageListModel(chat::sync::SyncEngine *engine, const QString &conversationId,
                                   QObject *parent)
    : QAbstractListModel(parent), m_engine(engine), m_conversationId(conversationId)
{
    if (!engine)
        return;
    if (const auto info = engine->conversation(conversationId))
        m_info = *info;
    m_readSeqAtOpen = m_info.readSeq;
    m_unreadAtOpen = m_info.unreadCount;
    if (m_unreadAtOpen > 0)
        m_firstUnreadSeq = m_readSeqAtOpen + 1;

    connect(engine, &chat::sync::SyncEngine::changes, this, &MessageListModel::applyBatch);
    connect(engine, &chat::sync::SyncEngine::historyLoaded, this,
            &MessageListModel::onHistoryLoaded);
    connect(engine, &chat::sync::SyncEngine::typingChanged, this, [this](const QString &id) {
        if (id == m_conversationId)
            Q_EMIT headerChanged();
    });
    connect(engine, &chat::sync::SyncEngine::presenceChanged, this, [this](const QString &uid) {
        if (m_info.group || uid == m_info.otherUserId)
            Q_EMIT headerChanged();
    });
    connect(engine, &chat::sync::SyncEngine::stateChanged, this,
            [this](chat::sync::SyncEngine::State s) {
                // A fetch that failed offline may work now: let the view ask again.
                if (s == chat::sync::SyncEngine::State::Online && !m_historyError.isEmpty()) {
                    m_historyError.clear();
                    Q_EMIT loadingChanged();
                }
            });
    reload();
}

bool MessageListModel::closerToBottom(const LocalMessage &a, const LocalMessage &b)
{
    // Row 0 is the newest: pending messages (in reverse outbox order), then stored ones by
    // descending seq.
    if (a.isPending() != b.isPending())
        return a.isPending();
    if (a.isPending())
        return a.outboxPosition > b.outboxPosition;
    return a.seq > b.seq;
}

int MessageListModel::insertionRow(const LocalMessage &m) const
{
    int lo = 0, hi = messageRowCount();
    while (lo < hi) {
        const int mid = (lo + hi) / 2;
        if (closerToBottom(m_rows.at(mid).m, m))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void MessageListModel::reload()
{
    ChangeGuard guard(this);
    beginResetModel();
    m_rows.clear();
    m_loading = false;
    m_floorSeq = 0;
    if (m_engine) {
        const QList<LocalMessage> pending = m_engine->pendingMessages(m_conversationId);
        for (auto it = pending.crbegin(); it != pending.crend(); ++it)
            m_rows.append(Row{false, *it});
        const QList<LocalMessage> stored = m_engine->messages(m_conversationId, 0, kPageSize);
        for (auto it = stored.crbegin(); it != stored.crend(); ++it)
            m_rows.append(Row{false, *it});
        if (!stored.isEmpty())
            m_floorSeq = stored.constFirst().seq;
    }
    m_rowOfLocalId.clear();
    reindex();
    recomputeFirstUnreadRow();
    endResetModel();
    m_lastNewestSeq = newestSeq();
    Q_EMIT countChanged();
}

int MessageListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

bool MessageListModel::startsRun(int row) const
{
    // The older neighbour is row + 1.
    const LocalMessage &m = m_rows.at(row).m;
    if (row + 1 >= messageRowCount())
        return true;
    const LocalMessage &older = m_rows.at(row + 1).m;
    return older.senderId != m.senderId || m.ts - older.ts > kRunGapMs
           || !TimeFormat::sameDay(older.ts, m.ts) || m.localId == m_firstUnreadLocalId
           || missingOlder(row) > 0;
}

qint64 MessageListModel::missingOlder(int row) const
{
    // Stored rows are in descending seq and seq has no holes on the server: a step of more
    // than one between neighbours is history not stored (yet).
    if (row < 0 || row + 1 >= messageRowCount())
        return 0;
    const LocalMessage &m = m_rows.at(row).m;
    const LocalMessage &older = m_rows.at(row + 1).m;
    if (m.isPending() || older.isPending())
        return 0;
    return qMax<qint64>(0, m.seq - older.seq - 1);
}

bool MessageListModel::endsRun(int row) const
{
    return row == 0 || startsRun(row - 1);
}

QString MessageListModel::deliveryText(const LocalMessage &m) const
{
    const QString state = chat::sync::deliveryStateName(m.state);
    if (m_info.group && m.otherMembers > 1
        && (m.state == DeliveryState::Delivered || m.state == DeliveryState::Sent
            || m.state == DeliveryState::Read)) {
        if (m.readCount > 0)
            return tr("Read by %1 of %2").arg(m.readCount).arg(m.otherMembers);
        if (m.deliveredCount > 0)
            return tr("Delivered to %1 of %2").arg(m.deliveredCount).arg(m.otherMembers);
    }
    return DisplayText::deliveryState(state);
}

QVariant MessageListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &r = m_rows.at(index.row());
    if (role == IsLoadingRowRole)
        return r.loading;
    if (r.loading) {
        if (role == Qt::DisplayRole || role == ContentRole)
            return tr("Loading older messages…");
        return {};
    }
    const LocalMessage &m = r.m;
    switch (role) {
    case Qt::DisplayRole:
    case ContentRole: return m.content;
    case LocalIdRole: return m.localId;
    case SeqRole: return m.seq;
    case SenderIdRole: return m.senderId;
    case SenderNameRole: return DisplayText::userName(m_engine, m.senderId);
    case TimestampRole: return m.ts;
    case TimeTextRole: return TimeFormat::clock(m.ts);
    case OutgoingRole: return m.outgoing;
    case DeliveryStateRole: return chat::sync::deliveryStateName(m.state);
    case DeliveryTextRole: return deliveryText(m);
    case ReadCountRole: return m.readCount;
    case DeliveredCountRole: return m.deliveredCount;
    case OtherMembersRole: return m.otherMembers;
    case ErrorTextRole: return m.errorMessage;
    case ShowDayRole: {
        const int older = index.row() + 1;
        if (older >= messageRowCount())
            return atStart() || m_rows.size() == 1;
        return !TimeFormat::sameDay(m_rows.at(older).m.ts, m.ts) || missingOlder(index.row()) > 0;
    }
    case MissingOlderRole: return missingOlder(index.row());
    case DayTextRole: return TimeFormat::day(m.ts);
    case FirstInRunRole: return startsRun(index.row());
    case LastInRunRole: return endsRun(index.row());
    case IsFirstUnreadRole:
        return !m_firstUnreadLocalId.isEmpty() && m.localId == m_firstUnreadLocalId;
    default: return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const
{
    return {
        {LocalIdRole, "localId"},
        {SeqRole, "seq"},
        {SenderIdRole, "senderId"},
        {SenderNameRole, "senderName"},
        {ContentRole, "content"},
        {TimestampRole, "timestamp"},
        {TimeTextRole, "timeText"},
        {OutgoingRole, "outgoing"},
        {DeliveryStateRole, "deliveryState"},
        {DeliveryTextRole, "deliveryText"},
        {ReadCountRole, "readCount"},
        {DeliveredCountRole, "deliveredCount"},
        {OtherMembersRole, "otherMembers"},
        {ErrorTextRole, "errorText"},
        {IsLoadingRowRole, "isLoadingRow"},
        {ShowDayRole, "showDay"},
        {DayTextRole, "dayText"},
        {FirstInRunRole, "firstInRun"},
        {LastInRunRole, "lastInRun"},
        {IsFirstUnreadRole, "isFirstUnread"},
        {MissingOlderRole, "missingOlder"},
    };
}

// --- header ------------------------------------------------------------------------------

QString MessageListModel::title() const
{
    return m_info.displayTitle.isEmpty() ? m_info.title : m_info.displayTitle;
}

bool MessageListModel::typing() const
{
    return !DisplayText::typing(m_engine, m_conversationId, m_info.group).isEmpty();
}

int MessageListModel::presence() const
{
    if (m_info.group || m_info.otherUserId.isEmpty() || !m_engine)
        return -1;
    const auto p = m_engine->presence(m_info.otherUserId);
    return p.known ? int(p.online) : -1;
}

QString MessageListModel::subtitle() const
{
    const QString t = DisplayText::typing(m_engine, m_conversationId, m_info.group);
    if (!t.isEmpty())
        return t;
    if (!m_engine)
        return {};
    if (!m_info.group) {
        const auto p = m_engine->presence(m_info.otherUserId);
        return TimeFormat::presence(p.known, p.online, p.lastSeen);
    }
    int online = 0;
    for (const auto &mem : m_info.members) {
        if (mem.userId != m_engine->currentUserId() && m_engine->presence(mem.userId).online)
            ++online;
    }
    const QString members = tr("%n member(s)", nullptr, int(m_info.members.size()));
    return online > 0 ? members + u", "_s + tr("%n online", nullptr, online) : members;
}

void MessageListModel::refreshHeader()
{
    if (!m_engine)
        return;
    if (const auto info = m_engine->conversation(m_conversationId)) {
        m_info = *info;
        Q_EMIT headerChanged();
    }
}

bool MessageListModel::atStart() const
{
    return m_floorSeq == 1 || (m_floorSeq == 0 && m_info.lastSeq == 0);
}

qint64 MessageListModel::newestSeq() const
{
    for (const Row &r : m_rows) {
        if (!r.loading && !r.m.isPending())
            return r.m.seq;
    }
    return 0;
}

// --- paging ------------------------------------------------------------------------------

bool MessageListModel::canFetchMore(const QModelIndex &parent) const
{
    if (parent.isValid() || !m_engine || m_loading || !m_historyError.isEmpty())
        return false;
    return !atStart();
}

void MessageListModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || !m_engine || m_loading || atStart())
        return;
    if (m_changing > 0) {
        if (!std::exchange(m_fetchQueued, true))
            QMetaObject::invokeMethod(
                this,
                [this] {
                    m_fetchQueued = false;
                    fetchMore({});
                },
                Qt::QueuedConnection);
        return;
    }
    ChangeGuard guard(this);
    if (m_floorSeq > 0) {
        const QList<LocalMessage> older =
            m_engine->messages(m_conversationId, m_floorSeq, kPageSize);
        if (!older.isEmpty() && older.constLast().seq == m_floorSeq - 1) {
            appendOlder(older); // the store had it: no network, no loading row
            return;
        }
    }
    // A gap just below what we show (or nothing stored yet): the engine fetches it.
    if (m_engine->loadOlder(m_conversationId, kPageSize, m_floorSeq)) {
        const QList<LocalMessage> older =
            m_engine->messages(m_conversationId, m_floorSeq, kPageSize);
        appendOlder(older);
        return;
    }
    setLoading(true);
}

void MessageListModel::loadOlder()
{
    if (!m_historyError.isEmpty()) {
        m_historyError.clear();
        Q_EMIT loadingChanged();
    }
    fetchMore({});
}

void MessageListModel::setLoading(bool on)
{
    if (on == m_loading)
        return;
    ChangeGuard guard(this);
    if (on) {
        const int at = int(m_rows.size());
        beginInsertRows({}, at, at);
        m_rows.append(Row{true, {}});
        m_loading = true;
        endInsertRows();
    } else {
        const int at = int(m_rows.size()) - 1;
        beginRemoveRows({}, at, at);
        m_rows.removeLast();
        m_loading = false;
        endRemoveRows();
    }
    Q_EMIT loadingChanged();
    Q_EMIT countChanged();
}

void MessageListModel::appendOlder(const QList<LocalMessage> &ascending)
{
    ChangeGuard guard(this);
    // Only what is strictly older than the current floor (the store may return overlap).
    QList<LocalMessage> add;
    for (auto it = ascending.crbegin(); it != ascending.crend(); ++it) {
        if (it->isPending() || (m_floorSeq > 0 && it->seq >= m_floorSeq))
            continue;
        add.append(*it);
    }
    if (add.isEmpty()) {
        Q_EMIT loadingChanged(); // atStart may have changed
        return;
    }
    const int first = messageRowCount();
    const int last = first + int(add.size()) - 1;
    beginInsertRows({}, first, last);
    m_rows.insert(first, add.size(), Row{});
    for (int i = 0; i < add.size(); ++i)
        m_rows[first + i].m = add.at(i);
    reindex(first);
    m_floorSeq = add.constLast().seq;
    endInsertRows();
    const QString oldDivider = m_firstUnreadLocalId;
    recomputeFirstUnreadRow();
    // The row that was the oldest now has an older neighbour: its day/run roles change.
    if (first > 0)
        touchNeighbours(first - 1);
    if (oldDivider != m_firstUnreadLocalId) {
        for (const QString &id : {oldDivider, m_firstUnreadLocalId}) {
            const int r = rowForLocalId(id);
            if (r >= 0)
                Q_EMIT dataChanged(index(r), index(r));
        }
    }
    Q_EMIT loadingChanged();
    Q_EMIT countChanged();
}

void MessageListModel::loadAround(qint64 seq)
{
    if (!m_engine || seq <= 0)
        return;
    ChangeGuard guard(this);
    if (m_floorSeq > 0 && seq >= m_floorSeq) {
        Q_EMIT rowReady(seq, rowForSeq(seq));
        return;
    }
    m_aroundTarget = seq;
    if (m_engine->loadAround(m_conversationId, seq, kAroundCount)) {
        onHistoryLoaded(m_conversationId, true);
        return;
    }
    setLoading(true);
}

void MessageListModel::onHistoryLoaded(const QString &conversationId, bool ok)
{
    if (conversationId != m_conversationId)
        return;
    ChangeGuard guard(this);
    m_gapsAsked.clear(); // a marker still shown may ask again
    setLoading(false);
    if (!ok) {
        m_historyError = tr("Older messages could not be loaded. They will load when the "
                            "connection is back.");
        Q_EMIT loadingChanged();
        if (m_aroundTarget > 0)
            Q_EMIT rowReady(std::exchange(m_aroundTarget, 0), -1);
        return;
    }
    if (m_aroundTarget > 0) {
        // Several fetches may be in flight (scroll-back and the jump): finish the jump only
        // once the engine says everything around the target is stored.
        const qint64 target = m_aroundTarget;
        if (!m_engine->loadAround(m_conversationId, target, kAroundCount)) {
            setLoading(true);
            return;
        }
        m_aroundTarget = 0;
        const qint64 from = std::max<qint64>(1, target - kAroundCount);
        const qint64 to = m_floorSeq > 0 ? m_floorSeq - 1 : std::numeric_limits<qint64>::max();
        if (from <= to)
            appendOlder(m_engine->messagesInRange(m_conversationId, from, to));
        Q_EMIT rowReady(target, rowForSeq(target));
        return;
    }
    appendOlder(m_engine->messages(m_conversationId, m_floorSeq, kPageSize));
}

void MessageListModel::fillGap(int row)
{
    const qint64 missing = missingOlder(row);
    if (!m_engine || missing <= 0)
        return;
    const qint64 newer = m_rows.at(row).m.seq;
    const qint64 older = m_rows.at(row + 1).m.seq;
    if (m_gapsAsked.contains(older))
        return;
    m_gapsAsked.insert(older);
    ChangeGuard guard(this);
    // loadAround(seq, n) makes sure of [seq - n, seq + n]: a page at each edge of the gap,
    // the rest when the marker is still on screen after they came.
    const qint64 half = kPageSize / 2;
    if (missing <= 2 * kPageSize) {
        m_engine->loadAround(m_conversationId, (older + newer) / 2, (newer - older) / 2 + 1);
    } else {
        m_engine->loadAround(m_conversationId, older + 1 + half, half);
        m_engine->loadAround(m_conversationId, newer - 1 - half, half);
    }
    // What the store holds already is shown now; what the engine fetches comes as changes.
    showStored(older + 1, qMin(newer - 1, older + kPageSize));
    showStored(qMax(older + 1, newer - kPageSize), newer - 1);
}

void MessageListModel::showStored(qint64 from, qint64 to)
{
    if (from > to)
        return;
    const QList<LocalMessage> stored = m_engine->messagesInRange(m_conversationId, from, to);
    if (stored.isEmpty())
        return;
    QList<MessageChange> changes;
    changes.reserve(stored.size());
    for (const LocalMessage &m : stored)
        changes.append(
            MessageChange{MessageChange::Kind::Inserted, m, MessageChange::Origin::History});
    applyMessages(changes);
}

int MessageListModel::rowForSeq(qint64 seq) const
{
    if (seq <= 0) {
        // Pending rows have no seq; the first of them, as a plain scan would find it.
        return messageRowCount() > 0 && m_rows.at(0).m.isPending() ? 0 : -1;
    }
    // Stored rows follow the pending ones in descending seq: a binary search finds it.
    LocalMessage probe;
    probe.seq = seq;
    const int row = insertionRow(probe);
    return row < messageRowCount() && m_rows.at(row).m.seq == seq ? row : -1;
}

int MessageListModel::rowForLocalId(const QString &localId) const
{
    if (localId.isEmpty())
        return -1;
    if (m_indexStale) {
        for (int i = 0; i < messageRowCount(); ++i) {
            if (m_rows.at(i).m.localId == localId)
                return i;
        }
        return -1;
    }
    return m_rowOfLocalId.value(localId, -1);
}

void MessageListModel::reindex(int from)
{
    for (int i = from; i < messageRowCount(); ++i)
        m_rowOfLocalId.insert(m_rows.at(i).m.localId, i);
}

// --- live changes ------------------------------------------------------------------------

void MessageListModel::touchNeighbours(int row)
{
    // Day separators and runs depend on the neighbours: refresh the rows around `row`.
    const int from = std::max(0, row - 1);
    const int to = std::min(messageRowCount() - 1, row + 1);
    if (from <= to)
        Q_EMIT dataChanged(index(from), index(to));
}

void MessageListModel::recomputeFirstUnreadRow()
{
    m_firstUnreadLocalId.clear();
    if (m_firstUnreadSeq <= 0)
        return;
    // Lowest seq above the read watermark at open time written by someone else.
    for (int i = messageRowCount() - 1; i >= 0; --i) {
        const LocalMessage &m = m_rows.at(i).m;
        if (!m.isPending() && m.seq > m_readSeqAtOpen && !m.outgoing) {
            m_firstUnreadLocalId = m.localId;
            return;
        }
    }
}

void MessageListModel::applyMessageChanges(const QList<MessageChange> &changes)
{
    // The net effect of the batch per message, replayed in order: an insert of a message that
    // is already there updates it (the engine may repeat an insert: push after sync), an
    // update of one that is not there inserts it, and nothing older than the floor of what is
    // shown comes in (scroll-back reads it from the store).
    struct Net {
        int oldRow = -1;
        bool present = false;
        LocalMessage m;
    };
    QHash<QString, Net> net;
    QList<QString> order; // first-seen order, for a deterministic result
    net.reserve(changes.size());
    for (const MessageChange &ch : changes) {
        const QString &id = ch.message.localId;
        auto it = net.find(id);
        if (it == net.end()) {
            Net n;
            n.oldRow = rowForLocalId(id);
            n.present = n.oldRow >= 0;
            if (n.present)
                n.m = m_rows.at(n.oldRow).m;
            it = net.insert(id, n);
            order.append(id);
        }
        if (ch.kind == MessageChange::Kind::Removed) {
            it->present = false;
            continue;
        }
        const LocalMessage &m = ch.message;
        if (!it->present && !m.isPending() && m_floorSeq > 0 && m.seq < m_floorSeq)
            continue;
        it->present = true;
        it->m = m;
    }

    chat::model::SortedRowsChanges<Row> rows;
    QSet<QString> dirty;     // rows whose roles changed
    QSet<QString> dirtyNear; // ... and whose neighbours' roles changed with them
    qint64 newFloor = m_floorSeq;
    for (const QString &id : std::as_const(order)) {
        const Net &n = net.value(id);
        if (n.oldRow >= 0 && !n.present) {
            rows.removals.append(n.oldRow);
        } else if (n.oldRow >= 0) {
            const LocalMessage &old = m_rows.at(n.oldRow).m;
            if (old.ts != n.m.ts || old.senderId != n.m.senderId || old.seq != n.m.seq
                || old.outboxPosition != n.m.outboxPosition)
                dirtyNear.insert(id);
            else
                dirty.insert(id);
            rows.updates.append({n.oldRow, Row{false, n.m}});
        } else if (n.present) {
            if (!n.m.isPending() && m_floorSeq == 0 && (newFloor == 0 || n.m.seq < newFloor))
                newFloor = n.m.seq;
            rows.inserts.append(Row{false, n.m});
        }
    }
    if (rows.removals.isEmpty() && rows.updates.isEmpty() && rows.inserts.isEmpty())
        return;

    chat::model::SortedRowsSignals<Row> sig;
    sig.beginRemove = [this](int a, int b) { beginRemoveRows({}, a, b); };
    sig.endRemove = [this] { endRemoveRows(); };
    sig.beginMove = [this](int from, int dest) { beginMoveRows({}, from, from, {}, dest); };
    sig.endMove = [this] { endMoveRows(); };
    sig.beginInsert = [this](int a, int b) { beginInsertRows({}, a, b); };
    sig.endInsert = [this] { endInsertRows(); };
    sig.touched = [&dirty](const Row &r) { dirty.insert(r.m.localId); };
    // Views call back into the model from its signals: the floor is right from the start,
    // and rowForLocalId() scans until the index is rebuilt once the rows have settled.
    m_indexStale = true;
    m_floorSeq = newFloor;
    chat::model::applySortedChanges(
        m_rows, messageRowCount(), std::move(rows),
        [](const Row &a, const Row &b) { return closerToBottom(a.m, b.m); }, sig);
    m_indexStale = false;
    m_rowOfLocalId.clear();
    reindex();

    QList<int> changed;
    changed.reserve(dirty.size() + 3 * dirtyNear.size());
    for (const QString &id : std::as_const(dirty)) {
        const int r = rowForLocalId(id);
        if (r >= 0)
            changed.append(r);
    }
    for (const QString &id : std::as_const(dirtyNear)) {
        const int r = rowForLocalId(id);
        for (int k = r - 1; r >= 0 && k <= r + 1; ++k) {
            if (k >= 0 && k < messageRowCount())
                changed.append(k);
        }
    }
    emitChangedRows(std::move(changed));
}

void MessageListModel::emitChangedRows(QList<int> rows)
{
    chat::model::forEachRowRun(std::move(rows), [this](int first, int last) {
        Q_EMIT dataChanged(index(first), index(last));
    });
}

void MessageListModel::applyMessages(const QList<MessageChange> &changes)
{
    const int before = count();
    const QString oldDivider = m_firstUnreadLocalId;
    applyMessageChanges(changes);
    recomputeFirstUnreadRow();
    if (oldDivider != m_firstUnreadLocalId) {
        QList<int> rows;
        for (const QString &id : {oldDivider, m_firstUnreadLocalId}) {
            const int r = rowForLocalId(id);
            for (int k = r - 1; r >= 0 && k <= r + 1; ++k) {
                if (k >= 0 && k < messageRowCount())
                    rows.append(k);
            }
        }
        emitChangedRows(std::move(rows));
    }
    if (before != count())
        Q_EMIT countChanged();
    if (newestSeq() != m_lastNewestSeq) {
        m_lastNewestSeq = newestSeq();
        Q_EMIT newestSeqChanged();
    }
}

void MessageListModel::applyBatch(const chat::sync::ChangeBatch &batch)
{
    ChangeGuard guard(this);
    const bool convChanged = std::any_of(
        batch.conversations.cbegin(), batch.conversations.cend(),
        [this](const auto &c) { return c.conversation.conversationId == m_conversationId; });
    const auto it = batch.messages.constFind(m_conversationId);
    if (it != batch.messages.cend())
        applyMessages(it.value());
    if (convChanged)
        refreshHeader();
}

} // namespace chat::model
