#include "conversationlistmodel.h"

#include "displaytext.h"
#include "net/logging.h"
#include "sortedrows.h"
#include "sync/syncengine.h"
#include "timeformat.h"

using namespace Qt::StringLiterals;
using chat::sync::ConversationChange;
using chat::sync::ConversationInfo;
using chat::sync::DeliveryState;

namespace chat::model {

namespace {
// Most recently active first; the id breaks ties so the order is total and stable.
bool before(const ConversationInfo &a, const ConversationInfo &b)
{
    if (a.lastActivityTs != b.lastActivityTs)
        return a.lastActivityTs > b.lastActivityTs;
    return a.conversationId < b.conversationId;
}
} // namespace

ConversationListModel::ConversationListModel(QObject *parent) : QAbstractListModel(parent)
{ }

void ConversationListModel::setEngine(chat::sync::SyncEngine *engine)
{
    if (m_engine)
        disconnect(m_engine, nullptr, this, nullptr);
    m_engine = engine;
    if (engine) {
        connect(engine, &chat::sync::SyncEngine::changes, this, &ConversationListModel::applyBatch);
        connect(engine, &chat::sync::SyncEngine::typingChanged, this,
                &ConversationListModel::onTypingChanged);
        connect(engine, &chat::sync::SyncEngine::presenceChanged, this,
                &ConversationListModel::onPresenceChanged);
    }
    reload();
}

void ConversationListModel::reload()
{
    const int oldUnread = totalUnread();
    const int oldCount = count();
    beginResetModel();
    m_rows.clear();
    m_storedAtLoad = 0;
    if (m_engine && m_engine->isOpen()) {
        const QList<ConversationInfo> all = m_engine->conversations();
        m_storedAtLoad = int(all.size());
        for (const ConversationInfo &c : all) {
            if (!c.left)
                m_rows.append(c);
        }
        std::stable_sort(m_rows.begin(), m_rows.end(), before);
    }
    m_rowOf.clear();
    reindex();
    endResetModel();
    if (oldCount != count())
        Q_EMIT countChanged();
    if (oldUnread != totalUnread())
        Q_EMIT totalUnreadChanged();
}

int ConversationListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ConversationListModel::totalUnread() const
{
    int n = 0;
    for (const ConversationInfo &c : m_rows)
        n += c.unreadCount;
    return n;
}

int ConversationListModel::rowOf(const QString &conversationId) const
{
    if (!m_indexStale)
        return m_rowOf.value(conversationId, -1);
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).conversationId == conversationId)
            return i;
    }
    return -1;
}

void ConversationListModel::reindex(const QList<QString> &gone)
{
    // In place: a catch-up applies hundreds of batches to hundreds of rows, and rebuilding the
    // whole hash each time (clear, allocate, insert) was the larger part of applyBatch().
    for (const QString &id : gone)
        m_rowOf.remove(id);
    m_rowOf.reserve(m_rows.size());
    for (int i = 0; i < m_rows.size(); ++i) {
        const auto it = m_rowOf.find(m_rows.at(i).conversationId);
        if (it == m_rowOf.end())
            m_rowOf.insert(m_rows.at(i).conversationId, i);
        else if (it.value() != i)
            it.value() = i;
    }
}

QString ConversationListModel::idAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).conversationId : QString();
}

const ConversationInfo *ConversationListModel::find(const QString &conversationId) const
{
    const int row = rowOf(conversationId);
    return row < 0 ? nullptr : &m_rows.at(row);
}

QVariant ConversationListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConversationInfo &c = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole: return c.displayTitle.isEmpty() ? c.title : c.displayTitle;
    case ConversationIdRole: return c.conversationId;
    case IsGroupRole: return c.group;
    case PreviewRole: {
        if (!c.hasLastMessage)
            return QString();
        const QString text = c.lastMessage.content.simplified();
        if (c.lastMessage.outgoing)
            return tr("You: %1").arg(text);
        if (c.group)
            return QString(DisplayText::userName(m_engine, c.lastMessage.senderId) + u": "_s
                           + text);
        return text;
    }
    case LastActivityRole: return c.lastActivityTs;
    case TimeTextRole: return TimeFormat::listStamp(c.lastActivityTs);
    case UnreadCountRole: return c.unreadCount;
    case OtherUserIdRole: return c.group ? QString() : c.otherUserId;
    case PresenceRole: {
        if (c.group || c.otherUserId.isEmpty() || !m_engine)
            return -1;
        const auto p = m_engine->presence(c.otherUserId);
        return p.known ? int(p.online) : -1;
    }
    case PresenceTextRole: {
        if (c.group || c.otherUserId.isEmpty() || !m_engine)
            return QString();
        const auto p = m_engine->presence(c.otherUserId);
        return TimeFormat::presence(p.known, p.online, p.lastSeen);
    }
    case TypingTextRole: return DisplayText::typing(m_engine, c.conversationId, c.group);
    case LastMessageStateRole:
        if (!c.hasLastMessage || !c.lastMessage.outgoing)
            return QString();
        return chat::sync::deliveryStateName(c.lastMessage.state);
    case MemberCountRole: return int(c.members.size());
    case PendingCountRole: return c.pendingCount;
    default: return {};
    }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const
{
    return {
        {ConversationIdRole, "conversationId"},
        {TitleRole, "title"},
        {IsGroupRole, "isGroup"},
        {PreviewRole, "preview"},
        {LastActivityRole, "lastActivity"},
        {TimeTextRole, "timeText"},
        {UnreadCountRole, "unreadCount"},
        {OtherUserIdRole, "otherUserId"},
        {PresenceRole, "presence"},
        {PresenceTextRole, "presenceText"},
        {TypingTextRole, "typingText"},
        {LastMessageStateRole, "lastMessageState"},
        {MemberCountRole, "memberCount"},
        {PendingCountRole, "pendingCount"},
    };
}

void ConversationListModel::removeRow(int row)
{
    const QString id = m_rows.at(row).conversationId;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    m_indexStale = true;
    endRemoveRows();
    m_indexStale = false;
    reindex({id});
}

void ConversationListModel::applyBatch(const chat::sync::ChangeBatch &batch)
{
    if (batch.conversations.isEmpty())
        return;
    const int oldUnread = totalUnread();
    const int oldCount = count();
    // The net effect per conversation, replayed in order: the last report of a conversation
    // wins; a removal or "left" takes it off the list.
    struct Net {
        int oldRow = -1;
        bool present = false;
        ConversationInfo c;
    };
    QHash<QString, Net> net;
    QList<QString> order;
    net.reserve(batch.conversations.size());
    for (const ConversationChange &ch : batch.conversations) {
        const QString &id = ch.conversation.conversationId;
        auto it = net.find(id);
        if (it == net.end()) {
            Net n;
            n.oldRow = rowOf(id);
            it = net.insert(id, n);
            order.append(id);
        }
        it->present = ch.kind != ConversationChange::Kind::Removed && !ch.conversation.left;
        if (it->present)
            it->c = ch.conversation;
    }
    SortedRowsChanges<ConversationInfo> rows;
    QList<QString> updated, gone;
    for (const QString &id : std::as_const(order)) {
        Net &n = net[id];
        if (n.oldRow >= 0 && !n.present) {
            rows.removals.append(n.oldRow);
            gone.append(id);
        } else if (n.oldRow >= 0) {
            rows.updates.append({n.oldRow, std::move(n.c)});
            updated.append(id);
        } else if (n.present) {
            rows.inserts.append(std::move(n.c));
        }
    }
    SortedRowsSignals<ConversationInfo> sig;
    sig.beginRemove = [this](int a, int b) { beginRemoveRows({}, a, b); };
    sig.endRemove = [this] { endRemoveRows(); };
    sig.beginMove = [this](int from, int dest) { beginMoveRows({}, from, from, {}, dest); };
    sig.endMove = [this] { endMoveRows(); };
    sig.beginInsert = [this](int a, int b) { beginInsertRows({}, a, b); };
    sig.endInsert = [this] { endInsertRows(); };
    sig.touched = [](const ConversationInfo &) {}; // no role depends on a neighbour
    m_indexStale = true;
    applySortedChanges(m_rows, int(m_rows.size()), std::move(rows), before, sig);
    m_indexStale = false;
    reindex(gone);
    // One dataChanged per contiguous range of updated rows.
    QList<int> changed;
    changed.reserve(updated.size());
    for (const QString &id : std::as_const(updated))
        changed.append(rowOf(id));
    forEachRowRun(std::move(changed),
                  [this](int first, int last) { Q_EMIT dataChanged(index(first), index(last)); });
    if (oldCount != count())
        Q_EMIT countChanged();
    if (oldUnread != totalUnread())
        Q_EMIT totalUnreadChanged();
}

void ConversationListModel::dropConversation(const QString &conversationId)
{
    const int row = rowOf(conversationId);
    if (row < 0)
        return;
    const int oldUnread = totalUnread();
    removeRow(row);
    Q_EMIT countChanged();
    if (oldUnread != totalUnread())
        Q_EMIT totalUnreadChanged();
}

void ConversationListModel::onTypingChanged(const QString &conversationId)
{
    const int row = rowOf(conversationId);
    if (row >= 0)
        Q_EMIT dataChanged(index(row), index(row), {TypingTextRole});
}

void ConversationListModel::onPresenceChanged(const QString &userId)
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (!m_rows.at(i).group && m_rows.at(i).otherUserId == userId)
            Q_EMIT dataChanged(index(i), index(i), {PresenceRole, PresenceTextRole});
    }
}

// --- ConversationFilterModel ---------------------------------------------------------------

ConversationFilterModel::ConversationFilterModel(QObject *parent) : QSortFilterProxyModel(parent)
{ }

void ConversationFilterModel::setFilterText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    invalidateFilter();
    Q_EMIT filterTextChanged();
}

QString ConversationFilterModel::idAt(int row) const
{
    const QModelIndex i = index(row, 0);
    return i.isValid() ? i.data(ConversationListModel::ConversationIdRole).toString() : QString();
}

bool ConversationFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex &parent) const
{
    const QString needle = m_text.trimmed();
    if (needle.isEmpty())
        return true;
    const QModelIndex i = sourceModel()->index(sourceRow, 0, parent);
    return i.data(ConversationListModel::TitleRole)
        .toString()
        .contains(needle, Qt::CaseInsensitive);
}

} // namespace chat::model
