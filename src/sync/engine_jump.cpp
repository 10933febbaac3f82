// Jump to a date: find the first message of a conversation at or after a time, also in history
// the store does not hold yet, then load the context around it.
//
// Protocol v1 pages history by seq only (docs/PROTOCOL.md §6), but a conversation's seq order
// is its time order (the server stamps `ts` when it takes a message and commits messages in
// that order), so the seq for a date is found by a binary search over seq: the store narrows
// it first (the newest stored message before the date and the oldest stored one at or after
// it bracket the answer; everything between them is unknown), then each step asks for one
// message (`history before_seq=mid+1 limit=1`) in the middle of what is still unknown, until
// at most one history page is left, which is fetched whole. That is about
// log2(unknown / page) + 1 small round trips. Every message fetched is stored as ordinary
// history, so the store narrows the next search, and the narrowing is recomputed from the
// store before every step (other fetches may have filled part of the range meanwhile).
//
// Without the server (offline, an error, a timeout) the jump lands on the nearest stored
// message and says so (DateJump::exact false, DateJump::problem).
#include "net/logging.h"
#include "search.h"
#include "syncengine_p.h"

#include <QPointer>
#include <QSqlDatabase>
#include <QSqlQuery>

using namespace Qt::StringLiterals;
using namespace chat::proto;
using chat::net::Reply;

namespace chat::sync {

namespace {

// One jump in progress: lives as a child of the engine until it has answered.
class DateJumpRun : public QObject
{
public:
    DateJumpRun(SyncEnginePrivate *d, const QString &conversationId, qint64 ts, int around,
                QObject *context, std::function<void(const Expected<SyncEngine::DateJump> &)> cb)
        : QObject(d->q),
          d(d),
          store(d->store.get()),
          storePath(store ? store->path() : QString()),
          conv(conversationId),
          ts(ts),
          around(qMax(0, around)),
          ctx(context),
          hasCtx(context != nullptr),
          callback(std::move(cb))
    { }

    void start();

private:
    SyncEnginePrivate *d;
    LocalStore *store; // the store the jump started on (another account: stop)
    QString storePath;
    QString conv;
    qint64 ts;
    int around;
    QPointer<QObject> ctx;
    bool hasCtx;
    std::function<void(const Expected<SyncEngine::DateJump> &)> callback;
    qint64 lastSeq = 0;
    QPair<qint64, qint64> probed{0, 0}; // the bracket of the last request
    SyncEngine::DateJump landing;
    bool answered = false;
    bool waitingForContext = false;

    bool storeGone() const { return d->store.get() != store || store->path() != storePath; }
    // (lo, hi): every seq < lo is before the date, hi is the first stored seq at or after it
    // (lastSeq + 1 if none); [lo, hi - 1] holds nothing stored.
    std::optional<QPair<qint64, qint64>> bracket() const;
    void step();
    void onProbe(const Reply &reply);
    void afterWrite(const SyncEnginePrivate::HistoryWrite &written);
    void land(qint64 seq);
    void landNearestStored(const Error &problem);
    void loadContext();
    void answer(const Expected<SyncEngine::DateJump> &result);
};

std::optional<QPair<qint64, qint64>> DateJumpRun::bracket() const
{
    QSqlQuery q(QSqlDatabase::database(store->connectionName(), false));
    q.setForwardOnly(true);
    auto one = [&](const QString &sql, qint64 bound) -> std::optional<qint64> {
        if (!q.prepare(sql))
            return std::nullopt;
        q.bindValue(u":c"_s, conv);
        q.bindValue(u":ts"_s, ts);
        q.bindValue(u":b"_s, bound);
        if (!q.exec() || !q.next())
            return std::nullopt;
        const qint64 v = q.value(0).isNull() ? 0 : q.value(0).toLongLong();
        q.finish();
        return v;
    };
    const auto first = one(u"SELECT MIN(seq) FROM messages WHERE conversation_id = :c "
                           "AND ts >= :ts AND seq <= :b"_s,
                           lastSeq);
    if (!first)
        return std::nullopt;
    const qint64 hi = *first > 0 ? *first : lastSeq + 1;
    const auto before = one(u"SELECT MAX(seq) FROM messages WHERE conversation_id = :c "
                            "AND ts < :ts AND seq < :b"_s,
                            hi);
    if (!before)
        return std::nullopt;
    return qMakePair(*before + 1, hi);
}

void DateJumpRun::start()
{
    if (!store || storeGone()) {
        answer(Error{Error::Code::NotOpen, u"no account is open"_s, {}});
        return;
    }
    const auto c = store->conversation(conv, d->myUserId);
    if (!c) {
        answer(Error{Error::Code::NotFound, u"no such conversation"_s, {}});
        return;
    }
    // Closing the account drops pending writes and their continuations: answer then. (Checked
    // a turn later: the link goes down before the store is closed.)
    connect(d->q, &SyncEngine::stateChanged, this, [this](SyncEngine::State st) {
        if (st != SyncEngine::State::Offline)
            return;
        QMetaObject::invokeMethod(
            this,
            [this] {
                if (storeGone())
                    answer(Error{Error::Code::NotOpen, u"the account was closed"_s, {}});
                else if (waitingForContext)
                    answer(landing);
            },
            Qt::QueuedConnection);
    });
    lastSeq = c->lastSeq;
    if (lastSeq <= 0) {
        answer(SyncEngine::DateJump{}); // nothing to land on; exact: there is nothing
        return;
    }
    step();
}

void DateJumpRun::step()
{
    if (storeGone()) {
        answer(Error{Error::Code::NotOpen, u"the account was closed"_s, {}});
        return;
    }
    const auto b = bracket();
    if (!b) {
        answer(Error{Error::Code::Storage, u"cannot read the stored messages"_s, {}});
        return;
    }
    const auto [lo, hi] = *b;
    if (*b == probed) {
        // The last answer brought nothing inside the bracket: the server's history has holes
        // (a protocol violation). Asking again would ask the same forever.
        landNearestStored(Error{Error::Code::Server,
                                u"the server's history has no message where its seq says one is"_s,
                                {}});
        return;
    }
    if (lo >= hi) {
        // Nothing unknown between the last message before the date and the first after it.
        land(hi <= lastSeq ? hi : lastSeq);
        return;
    }
    if (!d->conn->isOnline()) {
        landNearestStored(Error{Error::Code::Offline, u"not connected to the server"_s, {}});
        return;
    }
    HistoryRequest req;
    req.conversationId = conv;
    const int page = qBound(1, d->options.policy.historyPageSize, 200);
    if (hi - lo <= page) {
        req.afterSeq = lo - 1; // the rest, in one page
        req.limit = int(hi - lo);
    } else {
        req.beforeSeq = lo + (hi - lo) / 2 + 1; // the middle message alone
        req.limit = 1;
    }
    probed = *b;
    qCDebug(lcSync) << "date jump in" << conv << "probing" << lo << ".." << hi - 1;
    d->conn->request(req, this, [this](const Reply &r) { onProbe(r); });
}

void DateJumpRun::onProbe(const Reply &reply)
{
    if (storeGone()) {
        answer(Error{Error::Code::NotOpen, u"the account was closed"_s, {}});
        return;
    }
    const HistoryResult *h = reply.ok() ? std::get_if<HistoryResult>(&*reply.frame) : nullptr;
    if (!h) {
        qCWarning(lcSync) << "date jump in" << conv << "failed:" << reply.errorString();
        const Error::Code code = reply.status == Reply::Status::Disconnected ? Error::Code::Offline
                                 : reply.status == Reply::Status::Timeout    ? Error::Code::Timeout
                                                                             : Error::Code::Server;
        landNearestStored(Error{code, reply.errorString(), {}});
        return;
    }
    if (h->messages.isEmpty()) {
        // The server holds nothing where its last_seq says messages exist (seq has no holes).
        landNearestStored(
            Error{Error::Code::Server, u"the server returned no messages for known seqs"_s, {}});
        return;
    }
    // Written like any history page: by the StoreWriter (its own connection and thread), then
    // applied here (changes published, the next step) from the engine's ingest queue.
    QPointer<DateJumpRun> self(this);
    d->writeThenApply<SyncEnginePrivate::HistoryWrite>(
        [messages = h->messages, me = d->myUserId, c = conv,
         gen = d->engineWrites](LocalStore &st) {
            return SyncEnginePrivate::writeHistoryPage(st, messages, me, c, gen);
        },
        [self](const SyncEnginePrivate::HistoryWrite &w) {
            if (self)
                self->afterWrite(w);
        });
}

void DateJumpRun::afterWrite(const SyncEnginePrivate::HistoryWrite &w)
{
    if (storeGone()) {
        answer(Error{Error::Code::NotOpen, u"the account was closed"_s, {}});
        return;
    }
    if (!w.status) {
        d->storageFailed(w.status.error(), false);
        answer(w.status.error());
        return;
    }
    ChangeBatch batch;
    d->addPreparedChanges(batch, MessageChange::Origin::History, w.prepared, {conv});
    d->emitPageBatch(batch, w.prepared);
    d->queueDelivered(conv, w.prepared.deliverable.value(conv));
    step();
}

void DateJumpRun::land(qint64 seq)
{
    landing.seq = seq;
    loadContext();
}

void DateJumpRun::landNearestStored(const Error &problem)
{
    landing.exact = false;
    landing.problem = problem;
    const auto pos = MessageSearch(*store).positionAtDate(conv, ts);
    landing.seq = pos ? pos->seq : 0;
    // The context is loaded when the link is back (the model asks again); answer now.
    answer(landing);
}

void DateJumpRun::loadContext()
{
    // Done when the engine says everything around the landing is stored; a failed load or a
    // lost link ends the wait (the landing itself is known; the view loads the rest later).
    // Offline the load waits for the link: answer now, the view loads the rest later.
    if (around == 0 || d->q->loadAround(conv, landing.seq, around) || !d->conn->isOnline()) {
        answer(landing);
        return;
    }
    waitingForContext = true;
    connect(d->q, &SyncEngine::historyLoaded, this, [this](const QString &c, bool ok) {
        if (c != conv)
            return;
        if (!ok || storeGone()
            || !d->missingIn(conv, qMax<qint64>(1, landing.seq - around),
                             qMin(landing.seq + around, lastSeq)))
            answer(landing);
    });
}

void DateJumpRun::answer(const Expected<SyncEngine::DateJump> &result)
{
    if (answered)
        return;
    answered = true;
    disconnect(d->q, nullptr, this, nullptr);
    if (!hasCtx || ctx)
        callback(result);
    deleteLater();
}

} // namespace

void SyncEngine::jumpToDate(const QString &conversationId, qint64 ts, int contextCount,
                            QObject *context,
                            std::function<void(const Expected<DateJump> &)> callback)
{
    auto *run =
        new DateJumpRun(d.get(), conversationId, ts, contextCount, context, std::move(callback));
    // Always answered later, never from inside this call.
    QMetaObject::invokeMethod(
        run, [run] { run->start(); }, Qt::QueuedConnection);
}

} // namespace chat::sync
