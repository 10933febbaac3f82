// The outbox (durable sends with idempotent retries), receipts and typing.
#include "net/logging.h"
#include "syncengine_p.h"

#include <QDateTime>
#include <algorithm>

using namespace Qt::StringLiterals;
using namespace chat::proto;
using chat::net::Reply;

namespace chat::sync {

namespace {
// Error codes after which sending the same message again cannot succeed.
bool isPermanent(ErrorCode c)
{
    switch (c) {
    case ErrorCode::BadRequest:
    case ErrorCode::Forbidden:
    case ErrorCode::NotFound:
    case ErrorCode::TooLarge:
    case ErrorCode::Conflict: return true;
    case ErrorCode::Unauthorized: // the session is gone: the reconnect re-authenticates
    case ErrorCode::RateLimited:
    case ErrorCode::Unavailable:
    case ErrorCode::Internal: return false;
    }
    return false;
}
} // namespace

Expected<QString> SyncEngine::send(const QString &conversationId, const QString &text)
{
    if (!d->store)
        return Error{Error::Code::NotOpen, u"no account is open"_s, {}};
    if (text.trimmed().isEmpty())
        return Error{Error::Code::InvalidInput, u"the message is empty"_s, {}};
    const chat::proto::Limits limits;
    const qsizetype chars = text.toUcs4().size();
    if (chars > limits.maxContentChars)
        return Error{Error::Code::InvalidInput,
                     u"the message is too long (%1 characters, at most %2)"_s.arg(chars).arg(
                         limits.maxContentChars),
                     {}};
    auto conv = d->store->conversation(conversationId, d->myUserId);
    if (!conv)
        return Error{Error::Code::NotFound, u"no such conversation: "_s + conversationId, {}};
    if (conv->left)
        return Error{
            Error::Code::InvalidInput, u"you are no longer a member of this conversation"_s, {}};
    auto queued =
        d->store->enqueue(conversationId, text, QDateTime::currentMSecsSinceEpoch(), d->myUserId);
    if (!queued)
        return queued.error(); // told to the caller; nothing is shown
    d->storageWorks();
    qCInfo(lcSyncOutbox) << "queued" << queued.value().clientMsgId << "in" << conversationId;
    ChangeBatch batch;
    batch.add(MessageChange::Kind::Inserted, queued.value());
    d->addConversationChanges(batch, {conversationId});
    d->emitBatch(batch);
    setTyping(conversationId, false);
    d->flushOutbox();
    return queued.value().localId;
}

Status SyncEngine::retry(const QString &localId)
{
    if (!d->store)
        return Error{Error::Code::NotOpen, u"no account is open"_s, {}};
    auto e = d->store->outboxEntry(localId);
    if (!e)
        return Error{Error::Code::NotFound, u"no such queued message"_s, {}};
    if (e->state == DeliveryState::Failed) {
        if (Status s = d->store->markPending(localId); !s)
            return s;
        ChangeBatch batch;
        if (auto updated = d->store->outboxEntry(localId))
            batch.add(MessageChange::Kind::Updated, *updated);
        d->addConversationChanges(batch, {e->conversationId});
        d->emitBatch(batch);
    }
    d->flushOutbox();
    return {};
}

Status SyncEngine::discard(const QString &localId)
{
    if (!d->store)
        return Error{Error::Code::NotOpen, u"no account is open"_s, {}};
    auto e = d->store->outboxEntry(localId);
    if (!e)
        return Error{Error::Code::NotFound, u"no such queued message"_s, {}};
    if (Status s = d->store->discardFromOutbox(localId); !s)
        return s;
    d->sendsInFlight.remove(localId);
    ChangeBatch batch;
    batch.add(MessageChange::Kind::Removed, *e);
    d->addConversationChanges(batch, {e->conversationId});
    d->emitBatch(batch);
    return {};
}

void SyncEnginePrivate::flushOutbox()
{
    if (!store || !conn->isOnline() || sendRetryTimer->isActive() || storageRetryTimer->isActive())
        return;
    const double rate = options.policy.sendRatePerSecond;
    const qint64 now = clock.elapsed();
    if (rate > 0) {
        sendTokens = qMin<double>(qMax(1, options.policy.sendBurst),
                                  sendTokens + double(now - sendTokensAt) * rate / 1000.0);
        sendTokensAt = now;
    }
    const QList<LocalMessage> rows = store->outbox();
    for (const LocalMessage &m : rows) {
        if (sendsInFlight.size() >= options.policy.maxSendsInFlight)
            break;
        if (m.state != DeliveryState::Pending || sendsInFlight.contains(m.clientMsgId))
            continue;
        if (rate > 0 && sendTokens < 1) {
            // Paced: come back when the next token is due.
            sendRetryTimer->start(qMax(1, int((1 - sendTokens) * 1000.0 / rate) + 1));
            return;
        }
        sendTokens -= 1;
        sendOne(m);
    }
}

void SyncEnginePrivate::sendOne(const LocalMessage &m)
{
    SendRequest req;
    req.conversationId = m.conversationId;
    req.clientMsgId = m.clientMsgId;
    req.content = m.content;
    req.kind = m.kind;
    sendsInFlight.insert(m.clientMsgId);
    qCDebug(lcSyncOutbox) << "sending" << m.clientMsgId;
    const QString id = m.clientMsgId;
    conn->request(req, q, [this, id](const Reply &r) { onSendReply(id, r); });
}

void SyncEnginePrivate::onSendReply(const QString &clientMsgId, const Reply &reply)
{
    if (!sendsInFlight.remove(clientMsgId) || !store)
        return; // discarded meanwhile, or the link went down (it is resent after auth)
    if (reply.ok()) {
        const auto *ack = std::get_if<Ack>(&*reply.frame);
        if (!ack) {
            qCWarning(lcSyncOutbox) << "unexpected answer to send" << frameType(*reply.frame);
            sendRetryTimer->start(options.policy.sendRetryMs);
            return;
        }
        LocalStore::Transaction tx(*store);
        Status s = tx.begin();
        std::optional<LocalMessage> stored;
        if (s) {
            auto applied = store->applyAck(clientMsgId, ack->conversationId, ack->messageId,
                                           ack->seq, ack->ts, myUserId);
            if (applied)
                stored = applied.value();
            else
                s = applied.error();
        }
        if (s)
            s = tx.commit();
        if (!s) {
            // Rolled back: still Pending in the outbox, nothing shown as sent. Resent after
            // the storage pause; the server answers with the same (duplicate) ack.
            storageFailed(s.error(), false);
            return;
        }
        storageWorks();
        qCInfo(lcSyncOutbox) << "acked" << clientMsgId << "seq" << ack->seq
                             << (ack->duplicate ? "(duplicate)" : "");
        if (stored) {
            ChangeBatch batch;
            batch.add(MessageChange::Kind::Updated, *stored);
            addConversationChanges(batch, {ack->conversationId});
            emitBatch(batch);
            Q_EMIT q->messageSent(*stored);
            scheduleGapCheck(ack->conversationId, true);
        }
        flushOutbox();
        return;
    }
    if (reply.status == Reply::Status::ServerError && isPermanent(reply.error.code)) {
        qCInfo(lcSyncOutbox) << "send" << clientMsgId << "refused:" << reply.errorString();
        if (Status s = store->markFailed(clientMsgId, errorCodeName(reply.error.code),
                                         reply.errorString());
            !s) {
            storageFailed(s.error(), false); // resent after the pause, refused again
            return;
        }
        if (auto e = store->outboxEntry(clientMsgId)) {
            ChangeBatch batch;
            batch.add(MessageChange::Kind::Updated, *e);
            addConversationChanges(batch, {e->conversationId});
            emitBatch(batch);
            Q_EMIT q->messageFailed(*e);
        }
        flushOutbox();
        return;
    }
    if (reply.status == Reply::Status::Disconnected)
        return; // resent after the next auth_ok
    // Transient: rate limited, unavailable, timeout. Pause all sends, then resend in order
    // (the server's idempotency makes repeating an already committed one harmless).
    int wait = options.policy.sendRetryMs;
    if (reply.status == Reply::Status::ServerError && reply.error.retryAfterMs)
        wait = int(std::clamp<qint64>(*reply.error.retryAfterMs, 10, 60000));
    qCInfo(lcSyncOutbox) << "send" << clientMsgId << "failed for now:" << reply.errorString()
                         << "- retrying in" << wait << "ms";
    sendRetryTimer->start(wait);
}

// --- receipts -----------------------------------------------------------------------------------

qint64 SyncEnginePrivate::deliverableSeq(const QString &conversationId) const
{
    return deliverableSeqIn(*store, conversationId);
}

qint64 SyncEnginePrivate::deliverableSeqIn(const LocalStore &st, const QString &conversationId)
{
    qint64 seq = st.maxStoredSeq(conversationId);
    for (const SeqRange &g : st.gaps(conversationId))
        if (g.first > 1 && g.first <= seq)
            seq = g.first - 1; // a hole above stored messages: not delivered yet
    return seq;
}

void SyncEnginePrivate::queueDelivered(const QString &conversationId, qint64 seq)
{
    if (seq <= 0 || deliveredSent.value(conversationId) >= seq)
        return;
    deliveredToSend[conversationId] = qMax(deliveredToSend.value(conversationId), seq);
    if (!deliveredTimer->isActive())
        deliveredTimer->start(options.policy.deliveredDebounceMs);
}

void SyncEnginePrivate::flushDelivered()
{
    if (!conn->isOnline())
        return; // the catch-up after the next auth_ok queues them again
    // A catch-up leaves one entry per conversation (hundreds), each a members read and a frame
    // to encode: all in one go was up to 10 ms of chat-desktop's UI thread in one turn. About
    // 2 ms per turn; the rest on a zero timer (the next turn), with whatever arrives meanwhile.
    constexpr qint64 kSliceNs = 2'000'000;
    QElapsedTimer slice;
    slice.start();
    while (!deliveredToSend.isEmpty()) {
        if (slice.nsecsElapsed() >= kSliceNs) {
            deliveredTimer->start(0);
            return;
        }
        const auto next = deliveredToSend.cbegin();
        const QString conversationId = next.key();
        const qint64 seq = next.value();
        deliveredToSend.erase(next);
        // Our own watermark as the server last told us: nothing to say if already there.
        bool known = false;
        for (const MemberInfo &m : store->members(conversationId))
            if (m.userId == myUserId && m.deliveredSeq >= seq)
                known = true;
        if (known) {
            deliveredSent[conversationId] = seq;
            continue;
        }
        DeliveredRequest req;
        req.conversationId = conversationId;
        req.seq = seq;
        if (conn->post(req))
            deliveredSent[conversationId] = seq;
    }
}

void SyncEngine::markRead(const QString &conversationId, qint64 seq)
{
    if (!d->store || seq <= 0)
        return;
    auto c = d->store->conversation(conversationId, d->myUserId);
    if (!c)
        return;
    seq = qMin(seq, c->lastSeq);
    auto grew = d->store->raiseOwnRead(conversationId, seq);
    if (!grew) {
        d->storageFailed(grew.error(), false);
        return;
    }
    if (!grew.value())
        return;
    ChangeBatch batch;
    d->addConversationChanges(batch, {conversationId});
    d->emitBatch(batch);
    if (!d->readTimer->isActive())
        d->readTimer->start(d->options.policy.readDebounceMs);
}

void SyncEnginePrivate::flushReads()
{
    if (!store || !conn->isOnline())
        return; // kept in the store; sent after the next auth_ok
    for (const auto &[conversationId, seq] : store->unsentReads()) {
        ReadRequest req;
        req.conversationId = conversationId;
        req.seq = seq;
        if (!conn->post(req))
            return;
        if (Status s = store->setOwnReadSent(conversationId, seq); !s) {
            storageFailed(s.error(), false); // sent again later: the server keeps the maximum
            return;
        }
    }
}

// --- typing
// ---------------------------------------------------------------------------------------

void SyncEngine::setTyping(const QString &conversationId, bool active)
{
    const qint64 now = d->clock.elapsed();
    if (active) {
        auto it = d->typingSentAt.constFind(conversationId);
        if (it != d->typingSentAt.cend() && now - *it < d->options.policy.typingThrottleMs)
            return;
        TypingRequest t;
        t.conversationId = conversationId;
        t.active = true;
        if (d->conn->post(t))
            d->typingSentAt.insert(conversationId, now);
        return;
    }
    if (d->typingSentAt.remove(conversationId)) {
        TypingRequest t;
        t.conversationId = conversationId;
        t.active = false;
        d->conn->post(t);
    }
}

void SyncEnginePrivate::handleTyping(const TypingPush &t)
{
    if (t.userId == myUserId)
        return;
    if (!t.active) {
        clearTyping(t.conversationId, t.userId);
        return;
    }
    const bool isNew = !typingSeen.value(t.conversationId).contains(t.userId);
    typingSeen[t.conversationId].insert(t.userId, clock.elapsed() + options.policy.typingExpiryMs);
    QTimer::singleShot(options.policy.typingExpiryMs, Qt::PreciseTimer, q,
                       [this] { expireTyping(); });
    if (isNew)
        Q_EMIT q->typingChanged(t.conversationId);
}

void SyncEnginePrivate::expireTyping()
{
    const qint64 now = clock.elapsed();
    QStringList changed;
    for (auto it = typingSeen.begin(); it != typingSeen.end();) {
        bool any = false;
        for (auto u = it->begin(); u != it->end();) {
            if (*u <= now) {
                u = it->erase(u);
                any = true;
            } else {
                ++u;
            }
        }
        if (any)
            changed.append(it.key());
        if (it->isEmpty())
            it = typingSeen.erase(it);
        else
            ++it;
    }
    // Timers may fire a little early: re-arm for whatever is still due later.
    qint64 next = std::numeric_limits<qint64>::max();
    for (const auto &users : std::as_const(typingSeen))
        for (qint64 expiry : users)
            next = qMin(next, expiry);
    if (next != std::numeric_limits<qint64>::max())
        QTimer::singleShot(int(qMax<qint64>(1, next - now)), Qt::PreciseTimer, q,
                           [this] { expireTyping(); });
    for (const QString &c : std::as_const(changed))
        Q_EMIT q->typingChanged(c);
}

void SyncEnginePrivate::clearTyping(const QString &conversationId, const QString &userId)
{
    auto it = typingSeen.find(conversationId);
    if (it == typingSeen.end() || !it->remove(userId))
        return;
    if (it->isEmpty())
        typingSeen.erase(it);
    Q_EMIT q->typingChanged(conversationId);
}

} // namespace chat::sync
