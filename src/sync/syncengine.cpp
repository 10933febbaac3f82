#include "syncengine.h"

#include "net/logging.h"
#include "net/protocol/codec.h"
#include "syncengine_p.h"

#include <QDir>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QStandardPaths>

using namespace Qt::StringLiterals;
using namespace chat::proto;
using chat::net::Connection;
using chat::net::Reply;

namespace chat::sync {

namespace {
Error notOpen()
{
    return Error{Error::Code::NotOpen, u"no account is open"_s, {}};
}
Error fromReply(const Reply &r)
{
    switch (r.status) {
    case Reply::Status::Ok: return {};
    case Reply::Status::ServerError:
        return Error{Error::Code::Server, r.errorString(), errorCodeName(r.error.code)};
    case Reply::Status::Timeout: return Error{Error::Code::Timeout, r.errorString(), {}};
    case Reply::Status::Disconnected: return Error{Error::Code::Offline, r.errorString(), {}};
    }
    return {};
}
} // namespace

SyncEnginePrivate::SyncEnginePrivate(SyncEngine *qq) : q(qq)
{
    clock.start();
}

// --- construction and account --------------------------------------------------------------

SyncEngine::SyncEngine(QObject *parent) : QObject(parent), d(new SyncEnginePrivate(this))
{
    qRegisterMetaType<ChangeBatch>();
    qRegisterMetaType<LocalMessage>();
    d->conn = new Connection(this);
    connect(d->conn, &Connection::stateChanged, this, [this] { d->updateState(); });
    connect(d->conn, &Connection::authenticated, this,
            [this](const AuthOk &ok) { d->onAuthenticated(ok); });
    connect(d->conn, &Connection::linkLost, this, [this] { d->onLinkLost(); });
    connect(d->conn, &Connection::pushReceived, this,
            [this](const ServerFrame &f) { d->onPush(f); });
    connect(d->conn, &Connection::tokenChanged, this, &SyncEngine::tokenChanged);
    connect(d->conn, &Connection::authFailed, this, &SyncEngine::authFailed);

    d->sendRetryTimer = new QTimer(this);
    d->sendRetryTimer->setSingleShot(true);
    connect(d->sendRetryTimer, &QTimer::timeout, this, [this] { d->flushOutbox(); });
    // Work cut into turns continues on zero timers, not posted events: under the glib
    // dispatcher a chain of posted events holds timers (frame timers among them) back, while
    // due timers all fire in one pass.
    d->ingestTimer = new QTimer(this);
    d->ingestTimer->setSingleShot(true);
    d->ingestTimer->setInterval(0);
    connect(d->ingestTimer, &QTimer::timeout, this, [this] { d->runIngest(); });
    d->receiptsTimer = new QTimer(this);
    d->receiptsTimer->setSingleShot(true);
    d->receiptsTimer->setInterval(0);
    connect(d->receiptsTimer, &QTimer::timeout, this, [this] { d->processQueuedReceipts(true); });
    d->deliveredTimer = new QTimer(this);
    d->deliveredTimer->setSingleShot(true);
    connect(d->deliveredTimer, &QTimer::timeout, this, [this] { d->flushDelivered(); });
    d->readTimer = new QTimer(this);
    d->readTimer->setSingleShot(true);
    connect(d->readTimer, &QTimer::timeout, this, [this] { d->flushReads(); });
    d->storageRetryTimer = new QTimer(this);
    d->storageRetryTimer->setSingleShot(true);
    connect(d->storageRetryTimer, &QTimer::timeout, this,
            [this] { d->retryAfterStorageFailure(); });
}

SyncEngine::~SyncEngine()
{
    // The connection is a child QObject; stop it first so no callback reaches a
    // half-destroyed engine.
    d->conn->disconnect(this);
    d->conn->close();
    d->writer.reset(); // finishes its jobs; their continuations die with this object
}

QString SyncEngine::defaultDataDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + u"/accounts"_s;
}

Status SyncEngine::openAccount(const QUrl &server, const QString &username)
{
    return openAccount(server, username, Options{});
}

Status SyncEngine::openAccount(const QUrl &server, const QString &username, const Options &options)
{
    if (username.trimmed().isEmpty())
        return Error{Error::Code::InvalidInput, u"a username is needed to open an account"_s, {}};
    if (!server.isValid() || server.host().isEmpty())
        return Error{Error::Code::InvalidInput,
                     u"not a usable server URL: "_s + server.toDisplayString(),
                     {}};
    closeAccount();
    const QString base = options.dataDir.isEmpty() ? defaultDataDir() : options.dataDir;
    static const QRegularExpression unsafe(u"[^A-Za-z0-9._-]"_s);
    QString folder = server.host() + u'_'
                     + QString::number(server.port(server.scheme() == "wss"_L1 ? 443 : 80)) + u'_'
                     + username;
    folder.replace(unsafe, u"_"_s);
    auto opened = LocalStore::open(base + u'/' + folder + u"/store.sqlite"_s);
    if (!opened)
        return opened.error();
    d->store = std::move(opened).value();
    ++d->account;
    d->writerJobs = 0;
    d->queuedReceipts.clear();
    const QStringList known = d->store->conversationIds();
    d->announced = QSet<QString>(known.cbegin(), known.cend());
    QString writerError;
    d->writer = StoreWriter::start(d->store->path(), &writerError);
    if (!d->writer)
        qCWarning(lcSync) << "no writer thread (" << writerError
                          << ") - server pages are applied in this thread";
    d->options = options;
    d->server = server;
    d->username = username;
    d->myUserId = d->store->meta(u"user_id"_s);
    d->store->setMeta(u"server"_s, server.toString());
    d->store->setMeta(u"username"_s, username);
    qCInfo(lcSync) << "opened" << d->store->path();
    // The user is told about a rebuilt cache; queued, so that a handler connected right
    // after openAccount() hears it too.
    if (const QString notice = d->store->recoveryNotice(); !notice.isEmpty())
        QMetaObject::invokeMethod(
            this,
            [this, notice] {
                Q_EMIT errorOccurred(Error{Error::Code::Storage, notice, {}});
            },
            Qt::QueuedConnection);
    return {};
}

bool SyncEngine::isOpen() const
{
    return d->store != nullptr;
}

QString SyncEngine::storePath() const
{
    return d->store ? d->store->path() : QString();
}

void SyncEngine::closeAccount()
{
    d->conn->close();
    d->writer.reset();
    d->ingestQueue.clear();
    ++d->account;
    d->writerJobs = 0;
    d->queuedReceipts.clear();
    d->store.reset();
    d->myUserId.clear();
    d->sendsInFlight.clear();
    d->rangeJobs.clear();
    d->fetchInFlight.clear();
    d->fillQueue.clear();
    d->backgroundInFlight = 0;
    d->typingSeen.clear();
    d->presence.clear();
    d->engineWroteAt.clear();
    d->storageRetryTimer->stop();
    d->storageTrouble = false;
    d->storageRetries = 0;
    d->resyncAfterStorage = false;
}

void SyncEngine::connectToServer(const QUrl &server, const chat::net::Credentials &credentials,
                                 const Options &options)
{
    if (!d->store || d->server != server || d->username != credentials.username) {
        if (Status s = openAccount(server, credentials.username, options); !s) {
            d->reportError(s.error());
            return;
        }
    } else {
        d->options = options;
    }
    connectToServer(credentials);
}

void SyncEngine::connectToServer(const chat::net::Credentials &credentials)
{
    if (!d->store) {
        d->reportError(notOpen());
        return;
    }
    d->credentials = credentials;
    chat::net::ConnectionOptions co;
    co.url = d->server;
    co.credentials = credentials;
    if (co.credentials.device.isEmpty())
        co.credentials.device = d->options.device;
    co.caFile = d->options.caFile;
    co.policy = d->options.policy;
    d->conn->open(co);
}

void SyncEngine::disconnectFromServer()
{
    d->conn->close();
}

void SyncEngine::logout(QObject *context, std::function<void(const Status &)> callback)
{
    QPointer<QObject> ctx(context);
    const bool hasCtx = context != nullptr;
    d->conn->request(LogoutRequest{}, this, [this, ctx, hasCtx, callback](const Reply &r) {
        d->conn->close();
        if (hasCtx && !ctx)
            return;
        callback(r.ok() ? Status() : Status(fromReply(r)));
    });
}

SyncEngine::State SyncEngine::state() const
{
    return d->state;
}

QString SyncEngine::currentUserId() const
{
    return d->myUserId;
}

UserInfo SyncEngine::currentUser() const
{
    if (d->store && !d->myUserId.isEmpty())
        if (auto u = d->store->user(d->myUserId))
            return *u;
    return UserInfo{d->myUserId, d->username, {}};
}

QString SyncEngine::token() const
{
    return d->conn->token();
}

bool SyncEngine::isCaughtUp() const
{
    return d->caughtUp;
}

chat::net::Connection *SyncEngine::connection() const
{
    return d->conn;
}

LocalStore *SyncEngine::store() const
{
    return d->store.get();
}

// --- reading -----------------------------------------------------------------------------------

QList<ConversationInfo> SyncEngine::conversations() const
{
    return d->store ? d->store->conversations(d->myUserId) : QList<ConversationInfo>();
}

std::optional<ConversationInfo> SyncEngine::conversation(const QString &conversationId) const
{
    return d->store ? d->store->conversation(conversationId, d->myUserId) : std::nullopt;
}

std::optional<ConversationInfo> SyncEngine::findConversation(const QString &reference) const
{
    if (!d->store || reference.isEmpty())
        return std::nullopt;
    if (auto c = conversation(reference))
        return c;
    const QList<ConversationInfo> all = conversations();
    for (const ConversationInfo &c : all)
        if (!c.title.isEmpty() && c.title == reference)
            return c;
    for (const ConversationInfo &c : all) {
        if (c.group)
            continue;
        for (const MemberInfo &m : c.members)
            if (m.userId == c.otherUserId && m.username == reference)
                return c;
    }
    return std::nullopt;
}

QList<LocalMessage> SyncEngine::messages(const QString &conversationId, qint64 beforeSeq,
                                         int limit) const
{
    return d->store ? d->store->messages(conversationId, beforeSeq, limit, d->myUserId)
                    : QList<LocalMessage>();
}

QList<LocalMessage> SyncEngine::messagesInRange(const QString &conversationId, qint64 fromSeq,
                                                qint64 toSeq) const
{
    return d->store ? d->store->messagesInRange(conversationId, fromSeq, toSeq, d->myUserId)
                    : QList<LocalMessage>();
}

QList<LocalMessage> SyncEngine::pendingMessages(const QString &conversationId) const
{
    return d->store ? d->store->outbox(conversationId) : QList<LocalMessage>();
}

QList<LocalMessage> SyncEngine::outbox() const
{
    return d->store ? d->store->outbox() : QList<LocalMessage>();
}

std::optional<LocalMessage> SyncEngine::message(const QString &localId) const
{
    return d->store ? d->store->messageByLocalId(localId, d->myUserId) : std::nullopt;
}

HistoryState SyncEngine::historyState(const QString &conversationId) const
{
    HistoryState h;
    if (!d->store)
        return h;
    const QList<SeqRange> ranges = d->store->ranges(conversationId);
    if (!ranges.isEmpty()) {
        h.oldestLoadedSeq = ranges.constLast().first;
        h.atStart = ranges.constLast().first == 1;
    } else {
        auto c = d->store->conversation(conversationId, d->myUserId);
        h.atStart = c && c->lastSeq == 0;
    }
    h.hasGaps = !d->store->gaps(conversationId).isEmpty();
    h.loadingOlder = d->rangeJobs.contains(conversationId);
    return h;
}

QList<QPair<qint64, qint64>> SyncEngine::gaps(const QString &conversationId) const
{
    return d->store ? d->store->gaps(conversationId) : QList<QPair<qint64, qint64>>();
}

QList<MemberInfo> SyncEngine::members(const QString &conversationId) const
{
    return d->store ? d->store->members(conversationId) : QList<MemberInfo>();
}

std::optional<UserInfo> SyncEngine::user(const QString &userId) const
{
    return d->store ? d->store->user(userId) : std::nullopt;
}

PresenceInfo SyncEngine::presence(const QString &userId) const
{
    return d->presence.value(userId);
}

QStringList SyncEngine::typingUsers(const QString &conversationId) const
{
    QStringList out = d->typingSeen.value(conversationId).keys();
    out.sort();
    return out;
}

QString SyncEngine::draft(const QString &conversationId) const
{
    return d->store ? d->store->draft(conversationId) : QString();
}

Status SyncEngine::setDraft(const QString &conversationId, const QString &text)
{
    if (!d->store)
        return notOpen();
    return d->store->setDraft(conversationId, text);
}

// --- server requests ---------------------------------------------------------------------------

void SyncEngine::createConversation(
    bool group, const QString &title, const QStringList &memberUserIds, QObject *context,
    std::function<void(const Expected<ConversationInfo> &)> callback)
{
    CreateConversationRequest req;
    req.kind = group ? ConversationKind::Group : ConversationKind::Direct;
    req.title = title;
    req.members = memberUserIds;
    QPointer<QObject> ctx(context);
    const bool hasCtx = context != nullptr;
    d->conn->request(req, this, [this, ctx, hasCtx, callback](const Reply &r) {
        if (hasCtx && !ctx)
            return;
        if (!r.ok()) {
            callback(fromReply(r));
            return;
        }
        const auto *cu = std::get_if<ConversationUpdate>(&*r.frame);
        if (!cu || !d->store) {
            callback(Error{Error::Code::Server, u"unexpected answer from the server"_s, {}});
            return;
        }
        ChangeBatch batch;
        d->handleConversationUpdate(cu->conversation, batch);
        d->emitBatch(batch);
        if (auto c = conversation(cu->conversation.conversationId))
            callback(*c);
        else
            callback(Error{Error::Code::Storage, u"the conversation could not be stored"_s, {}});
    });
}

void SyncEngine::searchUsers(const QString &query, int limit, QObject *context,
                             std::function<void(const Expected<QList<UserInfo>> &)> callback)
{
    UsersRequest req;
    req.query = query;
    req.limit = limit;
    QPointer<QObject> ctx(context);
    const bool hasCtx = context != nullptr;
    d->conn->request(req, this, [ctx, hasCtx, callback](const Reply &r) {
        if (hasCtx && !ctx)
            return;
        if (!r.ok()) {
            callback(fromReply(r));
            return;
        }
        QList<UserInfo> out;
        if (const auto *ur = std::get_if<UsersResult>(&*r.frame))
            for (const User &u : ur->users)
                out.append(UserInfo{u.userId, u.username, u.displayName});
        callback(out);
    });
}

void SyncEngine::leaveConversation(const QString &conversationId, QObject *context,
                                   std::function<void(const Status &)> callback)
{
    LeaveRequest req;
    req.conversationId = conversationId;
    QPointer<QObject> ctx(context);
    const bool hasCtx = context != nullptr;
    d->conn->request(req, this, [this, ctx, hasCtx, callback](const Reply &r) {
        if (hasCtx && !ctx)
            return;
        if (!r.ok()) {
            callback(fromReply(r));
            return;
        }
        // The requesting connection gets the answer instead of the push (PROTOCOL.md,
        // Additions): store it the way a push is stored, or this device would lag behind
        // the user's other devices until the next sync.
        if (const auto *cu = std::get_if<ConversationUpdate>(&*r.frame); cu && d->store) {
            ChangeBatch batch;
            d->handleConversationUpdate(cu->conversation, batch);
            d->emitBatch(batch);
        }
        callback(Status());
    });
}

void SyncEngine::addMembers(const QString &conversationId, const QStringList &userIds,
                            QObject *context, std::function<void(const Status &)> callback)
{
    AddMembersRequest req;
    req.conversationId = conversationId;
    req.userIds = userIds;
    QPointer<QObject> ctx(context);
    const bool hasCtx = context != nullptr;
    d->conn->request(req, this, [this, ctx, hasCtx, callback](const Reply &r) {
        if (hasCtx && !ctx)
            return;
        if (!r.ok()) {
            callback(fromReply(r));
            return;
        }
        // The requesting connection gets the answer instead of the push (PROTOCOL.md,
        // Additions): store it the way a push is stored, or this device would lag behind
        // the user's other devices until the next sync.
        if (const auto *cu = std::get_if<ConversationUpdate>(&*r.frame); cu && d->store) {
            ChangeBatch batch;
            d->handleConversationUpdate(cu->conversation, batch);
            d->emitBatch(batch);
        }
        callback(Status());
    });
}

// --- state and catch-up ------------------------------------------------------------------------

void SyncEnginePrivate::updateState()
{
    SyncEngine::State s = SyncEngine::State::Offline;
    switch (conn->state()) {
    case Connection::State::Offline: s = SyncEngine::State::Offline; break;
    case Connection::State::Connecting: s = SyncEngine::State::Connecting; break;
    case Connection::State::Authenticating: s = SyncEngine::State::Authenticating; break;
    case Connection::State::Online:
        s = caughtUp ? SyncEngine::State::Online : SyncEngine::State::Syncing;
        break;
    }
    if (s == state)
        return;
    state = s;
    qCInfo(lcSync) << "engine state" << s;
    Q_EMIT q->stateChanged(s);
}

void SyncEnginePrivate::reportError(const Error &e)
{
    qCWarning(lcSync) << "error:" << e.message;
    Q_EMIT q->errorOccurred(e);
}

void SyncEnginePrivate::storageFailed(const Error &e, bool resync)
{
    resyncAfterStorage = resyncAfterStorage || resync;
    if (!storageTrouble) {
        storageTrouble = true;
        reportError(e);
    } else {
        qCInfo(lcSync) << "store write failed again:" << e.message;
    }
    if (storageRetryTimer->isActive())
        return; // one retry for every failure of this round
    const int delay = qMax(options.policy.sendRetryMs, options.policy.backoffFor(storageRetries));
    ++storageRetries;
    storageRetryTimer->start(delay);
    // The checkpoint thread runs only after successful commits. Ask for one now, off this
    // thread: once the WAL is copied back, the next transaction restarts it and reuses its
    // space instead of growing it (on a full disk, growing is what fails).
    if (writer)
        writer->checkpoint();
}

void SyncEnginePrivate::storageWorks()
{
    if (!storageTrouble)
        return;
    storageTrouble = false;
    storageRetries = 0;
    qCInfo(lcSync) << "the store accepts writes again";
}

void SyncEnginePrivate::retryAfterStorageFailure()
{
    if (!store)
        return;
    if (resyncAfterStorage && conn->isOnline()) {
        resyncAfterStorage = false;
        startSync(std::nullopt);
    }
    flushOutbox();
    pumpFetches();
}

void SyncEnginePrivate::emitBatch(const ChangeBatch &batch)
{
    if (batch.isEmpty())
        return;
    // Written and read on this thread: newer than what a page job submitted earlier read.
    ++engineWrites;
    for (const ConversationChange &c : batch.conversations)
        engineWroteAt.insert(c.conversation.conversationId, engineWrites);
    for (auto it = batch.messages.cbegin(); it != batch.messages.cend(); ++it)
        engineWroteAt.insert(it.key(), engineWrites);
    Q_EMIT q->changes(batch);
}

void SyncEnginePrivate::emitPageBatch(const ChangeBatch &batch, const PreparedPage &page)
{
    if (batch.isEmpty())
        return;
    Q_EMIT q->changes(batch);
    // A send whose ack never arrived (or could not be stored) is confirmed by the catch-up
    // or a history page instead; it reached its final state all the same.
    for (const LocalMessage &m : page.confirmed)
        for (const MessageChange &c : batch.messages.value(m.conversationId))
            if (c.message.localId == m.localId && c.kind == MessageChange::Kind::Updated) {
                Q_EMIT q->messageSent(c.message);
                break;
            }
}

void SyncEnginePrivate::queueIngest(std::function<void()> apply)
{
    ingestQueue.append(std::move(apply));
    if (!ingestTimer->isActive())
        ingestTimer->start();
}

void SyncEnginePrivate::runIngest()
{
    if (ingestQueue.isEmpty())
        return;
    const std::function<void()> apply = ingestQueue.takeFirst();
    // The next page waits for the next turn: what arrived meanwhile (input, timers, other
    // frames) runs first.
    if (!ingestQueue.isEmpty())
        ingestTimer->start();
    if (store)
        apply();
}

void SyncEnginePrivate::onAuthenticated(const AuthOk &ok)
{
    if (!store)
        return;
    ++session;
    caughtUp = false;
    syncing = false;
    syncPages = 0;
    syncConversations = 0;
    ChangeBatch resetBatch;
    LocalStore::Transaction tx(*store);
    Status s = tx.begin();
    if (s && !myUserId.isEmpty() && myUserId != ok.user.userId) {
        // Same address and username, different account: the server's data was replaced
        // (e.g. a test or demo server started afresh). Everything cached describes a world
        // that no longer exists; queued messages stay and will fail visibly if their
        // conversation is gone.
        qCWarning(lcSync) << "the server reports a different user id for this account:"
                          << "dropping the cached conversations";
        for (const QString &id : store->conversationIds()) {
            ConversationInfo gone;
            gone.conversationId = id;
            resetBatch.add(ConversationChange{ConversationChange::Kind::Removed, gone});
        }
        announced.clear();
        s = store->clearCache();
        deliveredSent.clear();
        deliveredToSend.clear();
    }
    myUserId = ok.user.userId;
    if (s)
        s = store->setMeta(u"user_id"_s, ok.user.userId);
    if (s)
        s = store->upsertUser(ok.user);
    if (s)
        s = tx.commit();
    if (!s)
        storageFailed(s.error(), false); // the catch-up below runs anyway
    else
        emitBatch(resetBatch);
    resyncAfterStorage = false; // this catch-up fetches whatever was not stored
    updateState();
    startSync(std::nullopt);
    // The server's rate limit bucket is per connection and starts full.
    sendTokens = qMax(1, options.policy.sendBurst);
    sendTokensAt = clock.elapsed();
    flushOutbox();
    flushReads();
}

void SyncEnginePrivate::onLinkLost()
{
    ++session;
    caughtUp = false;
    syncing = false;
    sendsInFlight.clear();
    fetchInFlight.clear();
    backgroundInFlight = 0;
    typingSentAt.clear();
    if (!typingSeen.isEmpty()) {
        const QStringList convs = typingSeen.keys();
        typingSeen.clear();
        for (const QString &c : convs)
            Q_EMIT q->typingChanged(c);
    }
    updateState();
}

void SyncEnginePrivate::startSync(const std::optional<QString> &cursor)
{
    if (!store || !conn->isOnline())
        return;
    if (syncing && !cursor) {
        resyncWanted = true;
        return;
    }
    syncing = true;
    SyncRequest req;
    const QString since = store->meta(u"sync_token"_s);
    if (!since.isEmpty())
        req.since = since;
    req.cursor = cursor;
    req.limit = options.policy.syncPageSize;
    req.recent = options.policy.syncRecent;
    conn->request(req, q, [this](const Reply &r) {
        if (r.ok()) {
            if (const auto *page = std::get_if<SyncResult>(&*r.frame)) {
                handleSyncPage(*page, session);
                return;
            }
        }
        syncing = false;
        if (r.status == Reply::Status::Disconnected)
            return; // the next auth_ok starts over
        qCWarning(lcSync) << "sync page failed:" << r.errorString() << "- retrying";
        QTimer::singleShot(options.policy.sendRetryMs, q, [this] { startSync(std::nullopt); });
    });
}

// What a sync page did to the store (StoreWriter job → engine thread).
struct SyncPageWrite {
    Status status;
    LocalStore::InsertResult ins;
    QSet<QString> touched;
    QHash<QString, SeqRange> ticks;
    PreparedPage prepared;
};

void PreparedPage::read(LocalStore &st, const QString &myUserId,
                        const LocalStore::InsertResult &ins,
                        const QHash<QString, SeqRange> &moreTicks,
                        const QSet<QString> &conversationIds)
{
    st.refresh();
    inserted = ins.inserted;
    confirmed = ins.confirmed;
    for (LocalMessage &m : inserted)
        if (m.outgoing)
            st.decorate(m, myUserId);
    for (LocalMessage &m : confirmed)
        if (m.outgoing)
            st.decorate(m, myUserId);
    // The rows of the page come first in the batch; tick updates skip them.
    QHash<QString, QSet<QString>> present;
    for (const LocalMessage &m : std::as_const(inserted))
        present[m.conversationId].insert(m.localId);
    for (const LocalMessage &m : std::as_const(confirmed))
        present[m.conversationId].insert(m.localId);
    auto addTicks = [&](const QHash<QString, SeqRange> &ranges) {
        for (auto it = ranges.cbegin(); it != ranges.cend(); ++it) {
            tickRanges[it.key()].append(it.value());
            QSet<QString> &seen = present[it.key()];
            for (const LocalMessage &m :
                 st.ownMessagesInRange(it.key(), it->first, it->second, myUserId)) {
                if (!seen.contains(m.localId)) {
                    seen.insert(m.localId);
                    ticked[it.key()].append(m);
                }
            }
        }
    };
    addTicks(ins.tickRanges);
    addTicks(moreTicks);
    for (const QString &id : conversationIds) {
        if (auto c = st.conversation(id, myUserId))
            conversations.insert(id, *c);
        deliverable.insert(id, SyncEnginePrivate::deliverableSeqIn(st, id));
        if (SyncEnginePrivate::interiorGapIn(st, id))
            interiorGaps.insert(id);
    }
    st.refresh();
}

void SyncEnginePrivate::addPreparedChanges(ChangeBatch &batch, MessageChange::Origin origin,
                                           const PreparedPage &page,
                                           const QSet<QString> &conversationIds)
{
    // Conversations this thread published about since the job was submitted are read again
    // here (few: a receipt, an ack, a send in the meantime), so the feed never shows an older
    // state after a newer one (the ticks, the pending count, the read watermark).
    bool refreshed = false;
    auto stale = [&](const QString &id) {
        if (!staleSince(id, page.generation))
            return false;
        if (!refreshed) {
            store->refresh();
            refreshed = true;
        }
        return true;
    };
    for (LocalMessage m : page.inserted) {
        if (m.outgoing && stale(m.conversationId))
            store->decorate(m, myUserId);
        batch.add(MessageChange::Kind::Inserted, m, origin);
    }
    for (LocalMessage m : page.confirmed) {
        if (m.outgoing && stale(m.conversationId))
            store->decorate(m, myUserId);
        batch.add(MessageChange::Kind::Updated, m, origin);
    }
    for (auto it = page.tickRanges.cbegin(); it != page.tickRanges.cend(); ++it) {
        if (stale(it.key())) {
            for (const SeqRange &r : it.value())
                addTickChanges(batch, {{it.key(), r}});
            continue;
        }
        for (const LocalMessage &m : page.ticked.value(it.key()))
            batch.add(MessageChange::Kind::Updated, m);
    }
    QStringList sorted(conversationIds.cbegin(), conversationIds.cend());
    sorted.sort();
    for (const QString &id : std::as_const(sorted)) {
        std::optional<ConversationInfo> c;
        if (stale(id))
            c = store->conversation(id, myUserId);
        else if (auto it = page.conversations.constFind(id); it != page.conversations.cend())
            c = *it;
        if (c)
            announce(batch, *c);
    }
}

namespace {

// The whole page in one transaction: users, conversations with members, recent messages and,
// on the last page, the sync token.
SyncPageWrite writeSyncPage(LocalStore &store, const SyncResult &page, const QString &myUserId,
                            bool last)
{
    SyncPageWrite w;
    store.refresh(); // members may have changed through the engine's connection
    LocalStore::Transaction tx(store);
    Status s = tx.begin();
    for (const User &u : page.users) {
        if (!s)
            break;
        s = store.upsertUser(u);
    }
    QList<Message> recent;
    for (const ConvState &cs : page.conversations) {
        if (!s)
            break;
        bool changed = false, isNew = false;
        SeqRange tick{1, 0};
        s = store.upsertConversation(cs.conversation, myUserId, &changed, &isNew, &tick);
        if (tick.second >= tick.first)
            w.ticks.insert(cs.conversation.conversationId, tick);
        w.touched.insert(cs.conversation.conversationId);
        recent.append(cs.recent);
    }
    if (s) {
        auto ins = store.insertMessages(recent, myUserId);
        if (ins)
            w.ins = std::move(ins).value();
        else
            s = ins.error();
    }
    if (s && last)
        s = store.setMeta(u"sync_token"_s, page.nextSince);
    if (s)
        s = tx.commit();
    w.status = s;
    if (s) // what the publish needs, read here instead of on the engine's thread
        w.prepared.read(store, myUserId, w.ins, w.ticks, w.touched);
    return w;
}
} // namespace

void SyncEnginePrivate::handleSyncPage(const SyncResult &page, quint64 pageSession)
{
    const bool last = !page.cursor.has_value() || page.cursor->isEmpty();
    writeThenApply<SyncPageWrite>(
        [page, me = myUserId, last, gen = engineWrites](LocalStore &st) {
            SyncPageWrite w = writeSyncPage(st, page, me, last);
            w.prepared.generation = gen;
            return w;
        },
        [this, page, pageSession, last](const SyncPageWrite &w) {
            applySyncPage(page, pageSession, last, w);
        });
}

void SyncEnginePrivate::applySyncPage(const SyncResult &page, quint64 pageSession, bool last,
                                      const SyncPageWrite &w)
{
    const bool current = pageSession == session;
    const Status &s = w.status;
    if (!s) {
        // Rolled back on the writer's connection. The catch-up starts over after the storage
        // pause (a page from an ended session is fetched again after the next auth_ok anyway).
        if (current)
            syncing = false;
        storageFailed(s.error(), current);
        return;
    }
    storageWorks();
    ChangeBatch batch;
    addPreparedChanges(batch, MessageChange::Origin::Sync, w.prepared, w.touched);
    emitPageBatch(batch, w.prepared);
    if (!current)
        return; // that catch-up was cut off; the one after the next auth_ok goes on
    ++syncPages;
    syncConversations += int(page.conversations.size());
    for (const ConvState &cs : page.conversations) {
        const QString &id = cs.conversation.conversationId;
        queueDelivered(id, w.prepared.deliverable.value(id));
        queueGapFill(id, w.prepared.interiorGaps.contains(id));
    }
    Q_EMIT q->syncProgress(syncPages, syncConversations, last);
    if (!last) {
        startSync(page.cursor);
        return;
    }
    syncing = false;
    qCInfo(lcSync) << "caught up after" << syncPages << "page(s)";
    caughtUp = true;
    updateState();
    pumpFetches();
    if (resyncWanted) {
        resyncWanted = false;
        startSync(std::nullopt);
    }
}

Expected<LocalStore::InsertResult> SyncEnginePrivate::storeMessages(MessageChange::Origin origin,
                                                                    const QList<Message> &msgs,
                                                                    ChangeBatch &batch)
{
    auto ins = store->insertMessages(msgs, myUserId);
    if (ins)
        addInsertChanges(batch, origin, ins.value());
    return ins;
}

void SyncEnginePrivate::addInsertChanges(ChangeBatch &batch, MessageChange::Origin origin,
                                         const LocalStore::InsertResult &ins)
{
    // A page written by the StoreWriter is published a turn or more later: a receipt applied
    // meanwhile may have raised the watermarks its rows were decorated with. Publish the
    // ticks as they are now, never an older state after a newer one.
    store->refresh();
    for (LocalMessage m : ins.inserted) {
        if (m.outgoing)
            store->decorate(m, myUserId);
        batch.add(MessageChange::Kind::Inserted, m, origin);
    }
    for (LocalMessage m : ins.confirmed) {
        if (m.outgoing)
            store->decorate(m, myUserId);
        batch.add(MessageChange::Kind::Updated, m, origin);
    }
    addTickChanges(batch, ins.tickRanges);
}

void SyncEnginePrivate::addTickChanges(ChangeBatch &batch, const QHash<QString, SeqRange> &ranges)
{
    for (auto it = ranges.cbegin(); it != ranges.cend(); ++it) {
        // Skip messages the same batch already carries (they were read after the update).
        QSet<QString> present;
        for (const MessageChange &c : batch.messages.value(it.key()))
            present.insert(c.message.localId);
        for (const LocalMessage &m :
             store->ownMessagesInRange(it.key(), it->first, it->second, myUserId))
            if (!present.contains(m.localId))
                batch.add(MessageChange::Kind::Updated, m);
    }
}

void SyncEnginePrivate::announce(ChangeBatch &batch, const ConversationInfo &c)
{
    // The first change the feed carries about a conversation inserts it; later ones update.
    const bool first = !announced.contains(c.conversationId);
    announced.insert(c.conversationId);
    batch.add(ConversationChange{
        first ? ConversationChange::Kind::Inserted : ConversationChange::Kind::Updated, c});
}

void SyncEnginePrivate::addConversationChanges(ChangeBatch &batch, const QSet<QString> &ids)
{
    QStringList sorted(ids.cbegin(), ids.cend());
    sorted.sort();
    for (const QString &id : std::as_const(sorted)) {
        auto c = store->conversation(id, myUserId);
        if (c)
            announce(batch, *c);
    }
}

// --- pushes ------------------------------------------------------------------------------------

void SyncEnginePrivate::onPush(const ServerFrame &frame)
{
    if (!store)
        return;
    // Bursts of pushes and of receipts are each coalesced into one transaction and one change
    // batch; at most one of the two queues holds frames at a time, so frames keep their order.
    if (const auto *m = std::get_if<MessagePush>(&frame)) {
        if (!queuedReceipts.isEmpty())
            processQueuedReceipts();
        if (queuedPushes.isEmpty())
            QTimer::singleShot(0, q, [this] { processQueuedPushes(); });
        queuedPushes.append(m->message);
        return;
    }
    if (!queuedPushes.isEmpty())
        processQueuedPushes();
    if (const auto *r = std::get_if<Receipt>(&frame)) {
        if (queuedReceipts.isEmpty())
            scheduleReceipts();
        queuedReceipts.append(*r);
        return;
    }
    if (!queuedReceipts.isEmpty())
        processQueuedReceipts();
    if (const auto *c = std::get_if<ConversationUpdate>(&frame)) {
        ChangeBatch batch;
        handleConversationUpdate(c->conversation, batch);
        emitBatch(batch);
    } else if (const auto *t = std::get_if<TypingPush>(&frame)) {
        handleTyping(*t);
    } else if (const auto *p = std::get_if<PresencePush>(&frame)) {
        presence.insert(p->userId, PresenceInfo{true, p->online, p->lastSeen});
        Q_EMIT q->presenceChanged(p->userId);
    } else {
        qCDebug(lcSync) << "ignoring unexpected frame" << frameType(frame);
    }
}

void SyncEnginePrivate::processQueuedPushes()
{
    if (queuedPushes.isEmpty() || !store)
        return;
    const QList<Message> msgs = std::exchange(queuedPushes, {});
    ChangeBatch batch;
    QSet<QString> touched;
    bool unknownConversation = false;
    for (const Message &m : msgs) {
        touched.insert(m.conversationId);
        if (!store->hasConversation(m.conversationId))
            unknownConversation = true;
    }
    LocalStore::Transaction tx(*store);
    Status s = tx.begin();
    QSet<QString> confirmed; // own outbox rows these pushes confirmed (their ack may follow)
    if (s) {
        auto ins = storeMessages(MessageChange::Origin::Push, msgs, batch);
        if (!ins)
            s = ins.error();
        else
            for (const LocalMessage &m : ins.value().confirmed)
                confirmed.insert(m.localId);
    }
    if (s)
        s = tx.commit();
    if (!s) {
        // Not stored, so not acknowledged as delivered: the catch-up after the storage pause
        // brings them again.
        storageFailed(s.error(), true);
        return;
    }
    storageWorks();
    addConversationChanges(batch, touched);
    emitBatch(batch);
    for (const Message &m : msgs)
        clearTyping(m.conversationId, m.senderId);
    for (const QString &id : std::as_const(touched)) {
        queueDelivered(id, deliverableSeq(id));
        scheduleGapCheck(id, true);
    }
    // Sent once: a confirmed outbox row, not an own message whose ticks the push moved.
    for (auto it = batch.messages.cbegin(); it != batch.messages.cend(); ++it)
        for (const MessageChange &c : it.value())
            if (c.kind == MessageChange::Kind::Updated && confirmed.contains(c.message.localId))
                Q_EMIT q->messageSent(c.message);
    if (unknownConversation)
        startSync(std::nullopt); // learn its title and members
}

void SyncEnginePrivate::scheduleReceipts()
{
    if (!receiptsTimer->isActive())
        receiptsTimer->start();
}

void SyncEnginePrivate::processQueuedReceipts(bool sliced)
{
    if (queuedReceipts.isEmpty() || !store)
        return;
    // A page the writer has committed but not published yet may hold own messages these
    // receipts tick: announcing them as Updated before the page announces them Inserted would
    // break the change feed's order. Wait until the writer's pages are published (they are
    // decorated with the watermarks as they are then); writerJobDone() calls back.
    if (writerJobs > 0)
        return;
    // A catch-up's own `delivered` frames come back as one receipt per conversation
    // (hundreds): one transaction and one conversation read each was up to a quarter of the
    // UI thread's time in chat-desktop's catch-up. Handled together, 500 of them (and the
    // 500 conversations they change, in the models) were the longest UI-thread stall left;
    // on the event-loop path they are handled in slices of a few conversations. Most of a
    // slice is reading and announcing the touched conversations after the loop (≈ 0.1 ms each,
    // 72 % of the receipts' samples in perf), which the time check below does not see: 32 of
    // them made 3-5 ms turns, 12 keep a slice near 2 ms.
    constexpr int kSliceConversations = 12;
    constexpr qint64 kSliceNs = 2'000'000;
    QElapsedTimer slice;
    slice.start();
    QList<Receipt> receipts = std::exchange(queuedReceipts, {});
    LocalStore::Transaction tx(*store);
    Status s = tx.begin();
    QHash<QString, SeqRange> ticks; // own messages whose ticks may have changed
    QSet<QString> touched;
    bool membershipChanged = false;
    qsizetype handled = 0;
    for (const Receipt &r : std::as_const(receipts)) {
        if (!s)
            break;
        if (sliced && handled > 0
            && (touched.size() >= kSliceConversations || slice.nsecsElapsed() >= kSliceNs))
            break;
        ++handled;
        if (!store->hasConversation(r.conversationId))
            continue;
        auto prev = store->raiseWatermarks(r.conversationId, r.userId, r.deliveredSeq, r.readSeq);
        if (!prev) {
            if (prev.error().code == Error::Code::NotFound) {
                membershipChanged = true; // membership changed under us: a sync follows
                continue;
            }
            s = prev.error();
            break;
        }
        touched.insert(r.conversationId);
        if (r.userId == myUserId)
            continue;
        const QPair<qint64, qint64> previous = prev.value();
        const qint64 from = qMin(previous.first, previous.second) + 1;
        const qint64 to = qMax(r.deliveredSeq, r.readSeq);
        if (to < from)
            continue;
        const auto it = ticks.find(r.conversationId);
        if (it == ticks.end()) {
            ticks.insert(r.conversationId, SeqRange{from, to});
        } else {
            it->first = qMin(it->first, from);
            it->second = qMax(it->second, to);
        }
    }
    if (s)
        s = tx.commit();
    if (!s) {
        storageFailed(s.error(), true); // the catch-up brings the watermarks again
        return;
    }
    storageWorks();
    if (handled < receipts.size()) {
        // The rest go first in the queue, before anything that arrived meanwhile.
        receipts.remove(0, handled);
        queuedReceipts = receipts + queuedReceipts;
        scheduleReceipts();
    }
    if (!touched.isEmpty()) {
        ChangeBatch batch;
        if (!ticks.isEmpty())
            addTickChanges(batch, ticks);
        addConversationChanges(batch, touched);
        emitBatch(batch);
    }
    if (membershipChanged)
        startSync(std::nullopt);
}

void SyncEnginePrivate::handleConversationUpdate(const Conversation &c, ChangeBatch &batch)
{
    LocalStore::Transaction tx(*store);
    Status s = tx.begin();
    bool changed = false, isNew = false;
    SeqRange tick{1, 0};
    if (s)
        s = store->upsertConversation(c, myUserId, &changed, &isNew, &tick);
    if (s)
        s = tx.commit();
    if (!s) {
        storageFailed(s.error(), true);
        return;
    }
    storageWorks();
    // Members we have never seen: a sync brings their names.
    bool unknownUser = false;
    for (const Member &m : c.members)
        if (!store->user(m.userId))
            unknownUser = true;
    if (tick.second >= tick.first)
        addTickChanges(batch, {{c.conversationId, tick}});
    addConversationChanges(batch, {c.conversationId});
    scheduleGapCheck(c.conversationId, true);
    if (unknownUser)
        startSync(std::nullopt);
}

} // namespace chat::sync
