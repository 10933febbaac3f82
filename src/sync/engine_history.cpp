// History and gaps: user-requested loads (loadOlder/loadAround/loadAll) and the background
// filling of gaps between known ranges, newest first, with bounded concurrency. Only seqs
// the store does not hold are ever requested.
#include "net/logging.h"
#include "syncengine_p.h"

#include <limits>

using namespace Qt::StringLiterals;
using namespace chat::proto;
using chat::net::Reply;

namespace chat::sync {

namespace {
// History requests for user loads (loadOlder/loadAround/loadAll) in flight at once.
constexpr int kMaxUserFetches = 4;
} // namespace

bool SyncEngine::loadOlder(const QString &conversationId, int count, qint64 beforeSeq)
{
    if (!d->store || count <= 0)
        return true;
    if (beforeSeq <= 0) {
        const QList<SeqRange> ranges = d->store->ranges(conversationId);
        if (!ranges.isEmpty()) {
            beforeSeq = ranges.constLast().first;
        } else {
            beforeSeq = d->store->lastSeq(conversationId).value_or(0) + 1;
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
    // Every gap lies within 1..lastSeq, so no clamp is needed: one read of the gaps (the
    // benchmark's loadAll() loop over 500 conversations was ~27 ms of the engine's thread).
    return d->queueRange(conversationId, 1, std::numeric_limits<qint64>::max());
}

bool SyncEnginePrivate::ensureRange(const QString &conversationId, qint64 from, qint64 to)
{
    const auto lastSeq = store->lastSeq(conversationId);
    if (!lastSeq)
        return true;
    return queueRange(conversationId, qMax<qint64>(1, from), qMin(to, *lastSeq));
}

bool SyncEnginePrivate::queueRange(const QString &conversationId, qint64 from, qint64 to)
{
    if (to < from || !missingIn(conversationId, from, to))
        return true;
    const bool wasLoading = rangeJobs.contains(conversationId);
    rangeJobs[conversationId].append(RangeJob{from, to});
    if (!wasLoading)
        Q_EMIT q->historyStateChanged(conversationId);
    schedulePump();
    return false;
}

void SyncEnginePrivate::schedulePump()
{
    if (pumpScheduled)
        return;
    pumpScheduled = true;
    QMetaObject::invokeMethod(
        q,
        [this] {
            pumpScheduled = false;
            pumpFetches(); // checks the store and the link itself
        },
        Qt::QueuedConnection);
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
    return interiorGapIn(*store, conversationId);
}

std::optional<SeqRange> SyncEnginePrivate::interiorGapIn(const LocalStore &st,
                                                         const QString &conversationId)
{
    // Gaps with something stored below them were opened by missed messages; the open end
    // below the oldest stored message is older history, fetched on demand only.
    for (const SeqRange &g : st.gaps(conversationId))
        if (g.first > 1)
            return g;
    return std::nullopt;
}

void SyncEnginePrivate::queueGapFill(const QString &conversationId, bool hasInteriorGap)
{
    // As scheduleGapCheck(id, false), with the gap read on the writer's connection (a stale
    // answer is harmless: pumpFetches() looks at the gap again before fetching it).
    if (!hasInteriorGap || !options.backgroundGapFill || fillQueue.contains(conversationId))
        return;
    fillQueue.append(conversationId);
    pumpFetches();
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
    // During a storage pause a page could not be stored either: retryAfterStorageFailure()
    // pumps again.
    if (!store || !conn->isOnline() || storageRetryTimer->isActive())
        return;
    // User-requested loads first, one request per conversation at a time and at most
    // kMaxUserFetches at once: each answer is a page of up to 200 messages, and answers
    // that pile up in the socket are decoded in one go (loadAll() on 500 conversations used
    // to put 500 pages in flight, i.e. megabytes decoded in one event-loop turn).
    const QStringList withJobs = rangeJobs.keys();
    for (const QString &conv : withJobs) {
        if (fetchInFlight.contains(conv))
            continue;
        if (fetchInFlight.size() - backgroundInFlight >= kMaxUserFetches)
            break;
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
    if (!store)
        return;
    if (const HistoryResult *h = reply.ok() ? std::get_if<HistoryResult>(&*reply.frame) : nullptr) {
        // Written by the StoreWriter, applied here afterwards; until then the conversation
        // stays in fetchInFlight, so the same gap is not asked for twice.
        writeThenApply<HistoryWrite>(
            [messages = h->messages, me = myUserId, conversationId, gen = engineWrites](
                LocalStore &st) { return writeHistoryPage(st, messages, me, conversationId, gen); },
            [this, conversationId, background, empty = h->messages.isEmpty(),
             pageSession = session](const HistoryWrite &w) {
                applyHistory(conversationId, background, empty, w, pageSession);
            });
        return;
    }
    fetchInFlight.remove(conversationId);
    if (background)
        backgroundInFlight = qMax(0, backgroundInFlight - 1);
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
}

void SyncEnginePrivate::applyHistory(const QString &conversationId, bool background, bool empty,
                                     const HistoryWrite &written, quint64 pageSession)
{
    if (pageSession == session) { // else onLinkLost() has reset the bookkeeping already
        fetchInFlight.remove(conversationId);
        if (background)
            backgroundInFlight = qMax(0, backgroundInFlight - 1);
    }
    if (!written.status) {
        // A background fill is retried after the storage pause; a user's load is answered.
        if (background && !fillQueue.contains(conversationId))
            fillQueue.append(conversationId);
        storageFailed(written.status.error(), false);
        finishJobs(conversationId, false);
        return;
    }
    storageWorks();
    ChangeBatch batch;
    addPreparedChanges(batch, MessageChange::Origin::History, written.prepared,
                       empty ? QSet<QString>() : QSet<QString>{conversationId});
    if (empty) {
        // The server holds nothing where it said messages exist: do not ask again forever.
        qCWarning(lcSync) << "server returned no messages for a gap in" << conversationId
                          << "- protocol violation (seq must have no holes)";
        finishJobs(conversationId, false);
        pumpFetches();
        return;
    }
    emitPageBatch(batch, written.prepared);
    queueDelivered(conversationId, written.prepared.deliverable.value(conversationId));
    if (background && written.prepared.interiorGaps.contains(conversationId)
        && !fillQueue.contains(conversationId))
        fillQueue.prepend(conversationId);
    pumpFetches();
}

SyncEnginePrivate::HistoryWrite SyncEnginePrivate::writeHistoryPage(LocalStore &st,
                                                                    const QList<Message> &messages,
                                                                    const QString &myUserId,
                                                                    const QString &conversationId,
                                                                    quint64 generation)
{
    HistoryWrite w;
    st.refresh();
    LocalStore::Transaction tx(st);
    Status s = tx.begin();
    if (s) {
        auto ins = st.insertMessages(messages, myUserId);
        if (ins)
            w.ins = std::move(ins).value();
        else
            s = ins.error();
    }
    if (s)
        s = tx.commit();
    w.status = s;
    if (s) {
        w.prepared.read(st, myUserId, w.ins, {}, {conversationId});
        w.prepared.generation = generation;
    }
    return w;
}

void SyncEnginePrivate::finishJobs(const QString &conversationId, bool ok)
{
    if (!rangeJobs.remove(conversationId))
        return;
    Q_EMIT q->historyLoaded(conversationId, ok);
    Q_EMIT q->historyStateChanged(conversationId);
}

} // namespace chat::sync
