#include "searchresultsmodel.h"

#include "chatsession.h"
#include "displaytext.h"
#include "messagelistmodel.h"
#include "net/logging.h"
#include "sync/localstore.h"
#include "sync/syncengine.h"
#include "timeformat.h"

#include <QLocale>

using namespace Qt::StringLiterals;
using chat::sync::MessageSearch;
using chat::sync::SyncEngine;

namespace chat::model {

SearchResultsModel::SearchResultsModel(QObject *parent) : QAbstractListModel(parent)
{
    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(300);
    connect(&m_refreshTimer, &QTimer::timeout, this, &SearchResultsModel::refresh);
}

SearchResultsModel::SearchResultsModel(SyncEngine *engine, QObject *parent)
    : SearchResultsModel(parent)
{
    m_engine = engine;
    if (engine)
        m_changesConnection =
            connect(engine, &SyncEngine::changes, this, &SearchResultsModel::onChanges);
}

SyncEngine *SearchResultsModel::engine() const
{
    if (m_session)
        return m_session->engine();
    return m_engine.data();
}

void SearchResultsModel::setSession(ChatSession *session)
{
    if (m_session == session)
        return;
    if (m_session)
        disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    auto attach = [this] {
        disconnect(m_changesConnection);
        if (SyncEngine *e = engine())
            m_changesConnection =
                connect(e, &SyncEngine::changes, this, &SearchResultsModel::onChanges);
        refresh();
    };
    if (m_session)
        connect(m_session, &ChatSession::userChanged, this, attach);
    attach();
    Q_EMIT sessionChanged();
}

void SearchResultsModel::setQuery(const QString &query)
{
    if (m_query == query)
        return;
    m_query = query;
    Q_EMIT queryChanged();
    refresh();
}

void SearchResultsModel::setConversationId(const QString &conversationId)
{
    if (m_conversationId == conversationId)
        return;
    m_conversationId = conversationId;
    Q_EMIT conversationIdChanged();
    refresh();
}

bool SearchResultsModel::searchable() const
{
    return !MessageSearch::ftsQuery(m_query).isEmpty();
}

void SearchResultsModel::refresh()
{
    m_refreshTimer.stop();
    search(false);
}

void SearchResultsModel::onChanges()
{
    // Stored messages changed (new, fetched, acked): the results may differ. One re-search
    // per burst of batches; nothing to do without a query.
    if (searchable())
        m_refreshTimer.start();
}

void SearchResultsModel::search(bool append)
{
    const int before = count();
    QList<chat::sync::SearchHit> hits;
    bool hasMore = false;
    SyncEngine *e = engine();
    chat::sync::LocalStore *store = e ? e->store() : nullptr;
    if (store && searchable()) {
        chat::sync::SearchQuery q;
        q.text = m_query;
        q.conversationId = m_conversationId;
        q.limit = kPageSize;
        q.offset = append ? before : 0;
        auto page = MessageSearch(*store).search(q, e->currentUserId());
        if (!page) {
            qCWarning(lcModel) << "search failed:" << page.error().message;
            setErrorText(tr("Search failed: %1").arg(page.error().message));
        } else {
            setErrorText({});
            hits = std::move(page.value().hits);
            hasMore = page.value().hasMore;
        }
    } else {
        setErrorText({});
    }
    ++m_changing;
    m_hasMore = hasMore;
    if (append) {
        if (!hits.isEmpty()) {
            beginInsertRows({}, before, before + int(hits.size()) - 1);
            m_hits += hits;
            endInsertRows();
        }
    } else {
        beginResetModel();
        m_hits = std::move(hits);
        endResetModel();
    }
    --m_changing;
    if (count() != before)
        Q_EMIT countChanged();
}

void SearchResultsModel::setErrorText(const QString &text)
{
    if (m_errorText == text)
        return;
    m_errorText = text;
    Q_EMIT errorTextChanged();
}

int SearchResultsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : count();
}

bool SearchResultsModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_hasMore;
}

void SearchResultsModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    if (m_changing) {
        // Called from a view's (or the model tester's) rowsInserted handler: fetch once this
        // change is complete instead of nesting another insert inside it.
        if (!m_fetchQueued) {
            m_fetchQueued = true;
            QMetaObject::invokeMethod(
                this,
                [this] {
                    m_fetchQueued = false;
                    fetchMore({});
                },
                Qt::QueuedConnection);
        }
        return;
    }
    search(true);
}

QVariant SearchResultsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const chat::sync::SearchHit &hit = m_hits.at(index.row());
    const chat::sync::LocalMessage &m = hit.message;
    switch (role) {
    case Qt::DisplayRole:
    case ContentRole: return m.content;
    case ConversationIdRole: return m.conversationId;
    case ConversationTitleRole: {
        const SyncEngine *e = engine();
        const auto c = e ? e->conversation(m.conversationId) : std::nullopt;
        return c ? c->displayTitle : QString();
    }
    case SeqRole: return m.seq;
    case LocalIdRole: return m.localId;
    case SenderNameRole:
        return m.outgoing ? tr("You") : DisplayText::userName(engine(), m.senderId);
    case SnippetHtmlRole: return MessageSearch::toHtml(hit.snippet, hit.snippetMatches);
    case TimestampRole: return m.ts;
    case TimeTextRole:
        return QLocale().toString(QDateTime::fromMSecsSinceEpoch(m.ts), QLocale::ShortFormat);
    case OutgoingRole: return m.outgoing;
    default: return {};
    }
}

QHash<int, QByteArray> SearchResultsModel::roleNames() const
{
    return {
        {Qt::DisplayRole, "display"},
        {ConversationIdRole, "conversationId"},
        {ConversationTitleRole, "conversationTitle"},
        {SeqRole, "seq"},
        {LocalIdRole, "localId"},
        {SenderNameRole, "senderName"},
        {ContentRole, "content"},
        {SnippetHtmlRole, "snippetHtml"},
        {TimestampRole, "timestamp"},
        {TimeTextRole, "timeText"},
        {OutgoingRole, "outgoing"},
    };
}

QVariantMap SearchResultsModel::hitAt(int row) const
{
    if (row < 0 || row >= count())
        return {};
    const chat::sync::LocalMessage &m = m_hits.at(row).message;
    return {{u"conversationId"_s, m.conversationId}, {u"seq"_s, m.seq}, {u"localId"_s, m.localId}};
}

qint64 SearchResultsModel::seqForDate(const QString &conversationId, QDate date) const
{
    SyncEngine *e = engine();
    if (!e || !e->store() || !date.isValid())
        return 0;
    const qint64 ts = date.startOfDay().toMSecsSinceEpoch();
    const auto pos = MessageSearch(*e->store()).positionAtDate(conversationId, ts);
    return pos ? pos->seq : 0;
}

void SearchResultsModel::jumpToDate(const QString &conversationId, QDate date)
{
    SyncEngine *e = engine();
    auto finish = [this, conversationId](qint64 seq, const QString &notice) {
        if (--m_dateJumps == 0)
            Q_EMIT jumpingToDateChanged();
        Q_EMIT dateJumpFinished(conversationId, seq, notice);
    };
    if (m_dateJumps++ == 0)
        Q_EMIT jumpingToDateChanged();
    if (!e || !e->isOpen() || !date.isValid()) {
        const QString why =
            date.isValid() ? tr("No account is open.") : tr("There is no such date.");
        QTimer::singleShot(0, this, [finish, why] { finish(0, why); });
        return;
    }
    const qint64 ts = date.startOfDay().toMSecsSinceEpoch();
    e->jumpToDate(conversationId, ts, MessageListModel::kAroundCount, this,
                  [finish](const chat::sync::Expected<SyncEngine::DateJump> &r) {
                      if (!r) {
                          qCWarning(lcModel) << "jump to date failed:" << r.error().message;
                          finish(0, tr("Could not go to that date: %1").arg(r.error().message));
                          return;
                      }
                      const SyncEngine::DateJump &j = r.value();
                      QString notice;
                      if (!j.exact) {
                          const bool offline = j.problem.code == chat::sync::Error::Code::Offline;
                          if (j.seq == 0)
                              notice = offline ? tr("Offline, and no messages of this "
                                                    "conversation are stored on this device.")
                                               : tr("The server could not be asked, and no "
                                                    "messages of this conversation are stored "
                                                    "on this device.");
                          else
                              notice = offline ? tr("Offline: showing the nearest message "
                                                    "stored on this device.")
                                               : tr("The server could not be asked: showing "
                                                    "the nearest message stored on this "
                                                    "device.");
                      } else if (j.seq == 0) {
                          notice = tr("This conversation has no messages yet.");
                      }
                      finish(j.seq, notice);
                  });
}

QList<qint64> SearchResultsModel::unreadMentions(const QString &conversationId) const
{
    SyncEngine *e = engine();
    if (!e || !e->store())
        return {};
    const chat::sync::UserInfo me = e->currentUser();
    auto r = MessageSearch(*e->store())
                 .unreadMentions(conversationId, {me.username, me.displayName}, me.userId);
    QList<qint64> seqs;
    if (!r) {
        qCWarning(lcModel) << "mention lookup failed:" << r.error().message;
        return seqs;
    }
    for (const chat::sync::LocalMessage &m : r.value())
        seqs.append(m.seq);
    return seqs;
}

} // namespace chat::model
