// History and gaps: user-requested loads (loadOlder/loadAround/loadAll) and the background
// filling of gaps between known ranges, newest first, with bounded concurrency. Only seqs
// the store does not hold are ever requested.
#include "net/logging.h"
#include "syncengine_p.h"

using namespace Qt::StringLiterals;
using namespace chat::proto;
using chat::net::Reply;

namespace chat::sync {

bool SyncEngine::loadOlder(const QString &conversationId, int count, qint64 beforeSeq)
{
    if (!d->store || count <= 0)
        return true;
    if (beforeSeq <= 0) {
        const QList<SeqRange> ranges = d->store->ranges(conversationId);
        if (!ranges.isEmpty()) {
            beforeSeq = ranges.constLast().first;
        } else {
            auto c = d->store->conversation(conversationId, d->myUserId);
            beforeSeq = c ? c->lastSeq + 1 : 1;
        }
    }
    if (beforeSeq <= 1)
        return true;
    return d->ensureRange(conversationId, qMax<qint64>(1, beforeSeq - count), beforeSeq - 1);
}

bool SyncEngine::loadAround(const QString &conversationId, qint64 seq, int count)
{
    if (!d->store)
        return true;
    return d->ensureRange(conversationId, seq - count, seq + count);
}

bool SyncEngine::loadAll(const QString &conversationId)
{
    if (!d->store)
        return true;
    auto c = d->store->conversation(conversationId, d->myUserId);
    if (!c)
        return true;
    return d->ensureRange(conversationId, 1, c->lastSeq);
}

bool SyncEnginePrivate::ensureRange(const QString &conversationId, qint64 from, qint64 to)
{
    auto c = store->conversation(conversationId, myUserId);
    if (!c)
        return true;
    from = qMax<qint64>(1, from);
    to = qMin(to, c->lastSeq);
    if (to < from || !missingIn(conversationId, from, to))
        return true;
    const bool wasLoading = rangeJobs.contains(conversationId);
    rangeJobs[conversationId].append(RangeJob{from, to});
    if (!wasLoading)
        Q_EMIT q->historyStateChanged(conversationId);
    pumpFetches();
    return false;
}

std::optional<SeqRange> SyncEnginePrivate::missingIn(const QString &conversationId, qint64 from,
                                                     qint64 to) const
{
    for (const SeqRange &g : store->gaps(conversationId)) { // newest first
        const qint64 a = qMax(g.first, from), b = qMin(g.second, to);
        if (a <= b)
            return SeqRange{a, b};
    }
    return std::nullopt;
}

std::optional<SeqRange> SyncEnginePrivate::interiorGap(const QString &conversationId) const
{
    // Gaps with something stored below them were opened by missed messages; the open end
    // below the oldest stored message is older history, fetched on demand only.
    for (const SeqRange &g : store->gaps(conversationId))
        if (g.first > 1)
            return g;
    return std::nullopt;
}

void SyncEnginePrivate::scheduleGapCheck(const QString &conversationId, bool delayed)
{
    if (!delayed) {
        if (!options.backgroundGapFill || fillQueue.contains(conversationId))
            return;
        if (!interiorGap(conversationId))
            return;
        fillQueue.append(conversationId);
        pumpFetches();
        return;
    }
    // A seq jump in pushes: wait briefly for stragglers, then fetch what is still missing.
    if (gapCheckScheduled.contains(conversationId) || !interiorGap(conversationId))
        return;
    gapCheckScheduled.insert(conversationId);
    QTimer::singleShot(options.policy.gapWaitMs, q, [this, conversationId] {
        gapCheckScheduled.remove(conversationId);
        if (!store || !interiorGap(conversationId))
            return;
        fillQueue.removeAll(conversationId);
        fillQueue.prepend(conversationId);
        pumpFetches();
    });
}

void SyncEnginePrivate::pumpFetches()
{
    if (!store || !conn->isOnline())
        return;
    // User-requested loads first, one request per conversation at a time.
    const QStringList withJobs = rangeJobs.keys();
    for (const QString &conv : withJobs) {
        if (fetchInFlight.contains(conv))
            continue;
        auto &jobs = rangeJobs[conv];
        while (!jobs.isEmpty()) {
            const RangeJob job = jobs.constFirst();
            if (auto gap = missingIn(conv, job.from, job.to)) {
                fetchGap(conv, *gap, false);
                break;
            }
            jobs.removeFirst();
            Q_EMIT q->historyLoaded(conv, true);
        }
        if (jobs.isEmpty()) {
            rangeJobs.remove(conv);
            Q_EMIT q->historyStateChanged(conv);
        }
    }
    // Background gap fill, bounded.
    for (qsizetype i = 0;
         i < fillQueue.size() && backgroundInFlight < qMax(1, options.policy.maxGapFetches);) {
        const QString conv = fillQueue.at(i);
        if (fetchInFlight.contains(conv)) {
            ++i;
            continue;
        }
        fillQueue.removeAt(i);
        if (auto gap = interiorGap(conv))
            fetchGap(conv, *gap, true);
    }
}

void SyncEnginePrivate::fetchGap(const QString &conversationId, SeqRange gap, bool background)
{
    fetchInFlight.insert(conversationId);
    if (background)
        ++backgroundInFlight;
    const int page = qBound(1, options.policy.historyPageSize, 200);
    const qint64 size = gap.second - gap.first + 1;
    HistoryRequest req;
    req.conversationId = conversationId;
    if (size <= page && gap.first > 1) {
        req.afterSeq = gap.first - 1;
        req.limit = int(size);
    } else {
        // Newest first: the page just below the top of the gap.
        req.beforeSeq = gap.second + 1;
        req.limit = int(qMin<qint64>(size, page));
    }
    qCDebug(lcSync) << "fetching" << conversationId << gap.first << ".." << gap.second
                    << (background ? "(background)" : "");
    conn->request(req, q, [this, conversationId, background](const Reply &r) {
        onHistory(conversationId, background, r);
    });
}

void SyncEnginePrivate::onHistory(const QString &conversationId, bool background,
                                  const Reply &reply)
{
    fetchInFlight.remove(conversationId);
    if (background)
        backgroundInFlight = qMax(0, backgroundInFlight - 1);
    if (!store)
        return;
    const HistoryResult *h = reply.ok() ? std::get_if<HistoryResult>(&*reply.frame) : nullptr;
    if (!h) {
        if (reply.status == Reply::Status::Disconnected) {
            // Jobs stay queued and are pumped again after the next catch-up. A background
            // fill goes back in its queue too: that catch-up lists only conversations that
            // changed meanwhile, so nothing else would bring this gap back.
            if (background && !fillQueue.contains(conversationId))
                fillQueue.prepend(conversationId);
            return;
        }
        qCWarning(lcSync) << "history for" << conversationId << "failed:" << reply.errorString();
        const bool transient = reply.status == Reply::Status::Timeout
                               || (reply.status == Reply::Status::ServerError
                                   && (reply.error.code == ErrorCode::Unavailable
                                       || reply.error.code == ErrorCode::Internal
                                       || reply.error.code == ErrorCode::RateLimited));
        if (background && transient) {
            // A busy server is no reason to leave the gap open until the next reconnect.
            QTimer::singleShot(options.policy.sendRetryMs, q, [this, conversationId] {
                if (store && !fillQueue.contains(conversationId))
                    fillQueue.append(conversationId);
                pumpFetches();
            });
        }
        finishJobs(conversationId, false);
        pumpFetches();
        return;
    }
    ChangeBatch batch;
    LocalStore::Transaction tx(*store);
    Status s = tx.begin();
    int inserted = 0;
    if (s) {
        auto ins = storeMessages(MessageChange::Origin::History, h->messages, batch);
        if (ins)
            inserted = int(ins.value().inserted.size() + ins.value().confirmed.size());
        else
            s = ins.error();
    }
    if (s)
        s = tx.commit();
    if (!s) {
        reportError(s.error());
        finishJobs(conversationId, false);
        return;
    }
    if (h->messages.isEmpty()) {
        // The server holds nothing where it said messages exist: do not ask again forever.
        qCWarning(lcSync) << "server returned no messages for a gap in" << conversationId
                          << "- protocol violation (seq must have no holes)";
        finishJobs(conversationId, false);
        pumpFetches();
        return;
    }
    addConversationChanges(batch, {conversationId});
    emitBatch(batch);
    Q_UNUSED(inserted);
    queueDelivered(conversationId, deliverableSeq(conversationId));
    if (background && interiorGap(conversationId) && !fillQueue.contains(conversationId))
        fillQueue.prepend(conversationId);
    pumpFetches();
}

void SyncEnginePrivate::finishJobs(const QString &conversationId, bool ok)
{
    if (!rangeJobs.remove(conversationId))
        return;
    Q_EMIT q->historyLoaded(conversationId, ok);
    Q_EMIT q->historyStateChanged(conversationId);
}

} // namespace chat::sync
