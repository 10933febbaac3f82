// SyncEnginePrivate: the engine's state and logic behind the stable SyncEngine API. Split
// by job over syncengine.cpp (lifecycle, catch-up, pushes), engine_send.cpp (outbox,
// receipts, typing) and engine_history.cpp (gaps and history loading). Not installed.
#pragma once

#include "localstore.h"
#include "storewriter.h"
#include "syncengine.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QTimer>
#include <functional>

namespace chat::sync {

struct SyncPageWrite;

// What publishing a server page needs, read on the StoreWriter's connection right after the
// page's commit (PreparedPage::read), so that the engine's (UI) thread only hands values to
// the change feed instead of reading conversation summaries and decorating rows itself.
struct PreparedPage {
    QList<LocalMessage> inserted;  // new rows, own ones decorated with the ticks of the read
    QList<LocalMessage> confirmed; // own outbox rows the page confirmed (now Sent)
    QHash<QString, QList<SeqRange>> tickRanges;     // own messages whose ticks may have moved
    QHash<QString, QList<LocalMessage>> ticked;     // those messages, decorated
    QHash<QString, ConversationInfo> conversations; // the summaries of the touched ones
    QHash<QString, qint64> deliverable;             // deliverableSeqIn() per conversation
    QSet<QString> interiorGaps;                     // conversations with an interior gap
    // SyncEnginePrivate::engineWrites when the job was submitted: what the engine's thread
    // published about a conversation after that may be newer than this read.
    quint64 generation = 0;

    // On `st` (the writer's connection, after the commit). Ends every statement afterwards:
    // an idle writer must not pin a WAL snapshot (the checkpoint could not finish).
    void read(LocalStore &st, const QString &myUserId, const LocalStore::InsertResult &ins,
              const QHash<QString, SeqRange> &moreTicks, const QSet<QString> &conversationIds);
};

class SyncEnginePrivate
{
public:
    explicit SyncEnginePrivate(SyncEngine *q);

    SyncEngine *q;
    SyncEngine::Options options;
    QUrl server;
    QString username;
    std::unique_ptr<LocalStore> store;
    // Applies server pages in a thread of its own (null: in this thread, e.g. if the second
    // connection could not be opened). Bumped with every open/close of an account, so a
    // continuation of the previous account's writer does nothing.
    std::unique_ptr<StoreWriter> writer;
    quint64 account = 0;
    // Run `job` on the writer's connection (or on `store` without a writer), then `apply` in
    // this thread with its result, through the ingest queue (one per event-loop turn), after
    // store->refresh(). Skipped if the account was closed meanwhile.
    template<typename R>
    void writeThenApply(std::function<R(LocalStore &)> job, std::function<void(const R &)> apply);
    chat::net::Connection *conn = nullptr;
    chat::net::Credentials credentials;
    SyncEngine::State state = SyncEngine::State::Offline;
    QString myUserId;
    QElapsedTimer clock;

    // --- lifecycle, catch-up, pushes (syncengine.cpp)
    bool caughtUp = false;
    bool syncing = false;
    bool resyncWanted = false;
    int syncPages = 0;
    int syncConversations = 0;
    void updateState();
    void onAuthenticated(const chat::proto::AuthOk &ok);
    void onLinkLost();
    void startSync(const std::optional<QString> &cursor);
    // `pageSession`: the session the page arrived in; a page applied after that session ended
    // is stored (it is true) but continues nothing.
    void handleSyncPage(const chat::proto::SyncResult &page, quint64 pageSession);
    void applySyncPage(const chat::proto::SyncResult &page, quint64 pageSession, bool last,
                       const SyncPageWrite &written);
    // Server pages (sync, history) are written by the StoreWriter, one transaction each;
    // what follows in this thread (reading back, the change batch, the next request) runs
    // from the ingest queue, one page per event-loop turn, so a burst of pages costs the
    // thread one short step at a time with input, paint and timers in between.
    // `session` is bumped on every auth_ok and link loss.
    quint64 session = 0;
    QList<std::function<void()>> ingestQueue;
    void queueIngest(std::function<void()> apply);
    void runIngest();
    void onPush(const chat::proto::ServerFrame &frame);
    QList<chat::proto::Message> queuedPushes;
    void processQueuedPushes();
    // Receipts are coalesced like pushes: one transaction and one change batch per burst.
    // `sliced` (the event-loop path) handles at most a few milliseconds' worth and queues the
    // rest for the next turn; before another frame is handled the queue is emptied whole, so
    // frames keep their order.
    QList<chat::proto::Receipt> queuedReceipts;
    void processQueuedReceipts(bool sliced = false);
    void scheduleReceipts();
    // writeThenApply() jobs submitted and not applied yet (this account's).
    int writerJobs = 0;
    void writerJobDone()
    {
        if (--writerJobs == 0 && !queuedReceipts.isEmpty())
            scheduleReceipts();
    }
    void handleConversationUpdate(const chat::proto::Conversation &c, ChangeBatch &batch);
    void reportError(const Error &e);
    // Engine-thread batches (sends, acks, pushes, receipts, reads) bump engineWrites and
    // stamp their conversations; a prepared page is re-read here, on this thread, only for
    // the conversations stamped after its job was submitted (the ticks, the pending count,
    // the read watermark may have moved since the writer read them). Docs: SYNC_ENGINE.md.
    quint64 engineWrites = 0;
    QHash<QString, quint64> engineWroteAt;
    bool staleSince(const QString &conversationId, quint64 generation) const
    {
        return engineWroteAt.value(conversationId) > generation;
    }
    // Adds the page's message and tick changes, and Inserted/Updated for `conversationIds`.
    void addPreparedChanges(ChangeBatch &batch, MessageChange::Origin origin,
                            const PreparedPage &page, const QSet<QString> &conversationIds);
    // A page's batch: emitted without stamping (its values are the writer's); then
    // messageSent for own outbox rows the page confirmed (their ack was lost or failed).
    void emitPageBatch(const ChangeBatch &batch, const PreparedPage &page);
    // --- store writes that failed (disk full, I/O error, ...)
    // The first failure is reported (errorOccurred) and later ones only logged until a write
    // succeeds again (storageWorks()): a full disk must not flood the user. What failed is not
    // retried at once but after storageRetryTimer (sendRetryMs, then growing along the
    // reconnect backoff): sends pause meanwhile (a resend's ack would fail the same way), and
    // a catch-up runs again afterwards for what was not stored (a page, pushes, receipts).
    // Every failed transaction has been rolled back by then (LocalStore::Transaction), so no
    // connection keeps the write lock and the engine's thread never waits for it.
    bool storageTrouble = false;
    int storageRetries = 0;
    bool resyncAfterStorage = false;
    QTimer *storageRetryTimer = nullptr;
    // `resync`: what failed came from the server and is fetched again by a catch-up.
    void storageFailed(const Error &e, bool resync);
    void storageWorks();
    void retryAfterStorageFailure();
    void emitBatch(const ChangeBatch &batch);
    // Adds an Updated (or Inserted) change for each conversation in `ids`.
    void announce(ChangeBatch &batch, const ConversationInfo &c);
    void addConversationChanges(ChangeBatch &batch, const QSet<QString> &ids);
    // Adds Updated changes for own messages in the given seq ranges (ticks may have moved).
    void addTickChanges(ChangeBatch &batch, const QHash<QString, SeqRange> &ranges);
    Expected<LocalStore::InsertResult> storeMessages(MessageChange::Origin origin,
                                                     const QList<chat::proto::Message> &msgs,
                                                     ChangeBatch &batch);
    // The changes of stored messages: Inserted, Updated for own ones now confirmed, ticks.
    void addInsertChanges(ChangeBatch &batch, MessageChange::Origin origin,
                          const LocalStore::InsertResult &ins);

    // --- sending, receipts, typing (engine_send.cpp)
    QSet<QString> sendsInFlight; // client_msg_ids awaiting their ack
    QTimer *sendRetryTimer = nullptr;
    double sendTokens = 0;   // pacing bucket (policy.sendRatePerSecond / sendBurst)
    qint64 sendTokensAt = 0; // clock ms of the last refill
    void flushOutbox();
    void sendOne(const LocalMessage &m);
    void onSendReply(const QString &clientMsgId, const chat::net::Reply &reply);
    QHash<QString, qint64> deliveredToSend; // conversation -> seq
    QHash<QString, qint64> deliveredSent;
    QTimer *deliveredTimer = nullptr;
    QTimer *ingestTimer = nullptr;   // the next queued page publish (one per turn)
    QTimer *receiptsTimer = nullptr; // the next slice of queued receipts
    void queueDelivered(const QString &conversationId, qint64 seq);
    // The delivered watermark we can truthfully claim: everything up to it is stored, except
    // history older than all we hold (never fetched unless asked for).
    qint64 deliverableSeq(const QString &conversationId) const;
    static qint64 deliverableSeqIn(const LocalStore &st, const QString &conversationId);
    void flushDelivered();
    QTimer *readTimer = nullptr;
    void flushReads();
    QHash<QString, qint64> typingSentAt; // conversation -> clock ms of the last active:true
    QHash<QString, QHash<QString, qint64>> typingSeen; // conversation -> user -> expiry (clock)
    QHash<QString, PresenceInfo> presence;
    void handleTyping(const chat::proto::TypingPush &t);
    void expireTyping();
    void clearTyping(const QString &conversationId, const QString &userId);

    // --- history and gaps (engine_history.cpp)
    struct RangeJob {
        qint64 from = 0;
        qint64 to = 0;
    };
    QHash<QString, QList<RangeJob>> rangeJobs; // user-requested loads, per conversation
    // Conversations the change feed has announced (Inserted, not Removed since). The first
    // change about a conversation is always Inserted: a server page written on the writer
    // thread is published a turn later, and a push about the same conversation handled
    // meanwhile must not announce it as Updated first.
    QSet<QString> announced;
    QSet<QString> fetchInFlight; // conversations with a history request out
    QList<QString> fillQueue;    // background gap fill, newest first
    int backgroundInFlight = 0;
    QSet<QString> gapCheckScheduled;
    // Queue a load of [from, to] (clamped to 1..lastSeq); true if nothing is missing.
    bool ensureRange(const QString &conversationId, qint64 from, qint64 to);
    // The same for [from, to] already within 1..lastSeq (or wider: gaps never exceed it).
    bool queueRange(const QString &conversationId, qint64 from, qint64 to);
    void scheduleGapCheck(const QString &conversationId, bool delayed);
    void pumpFetches();
    // pumpFetches() once, at the next event-loop turn: loadAll() on every conversation used
    // to pump once per call, each pump walking every queued load (quadratic: ~30 ms of the
    // engine's thread at 500 conversations).
    bool pumpScheduled = false;
    void schedulePump();
    // The newest missing [from, to] inside [from, to]; nullopt if complete.
    std::optional<SeqRange> missingIn(const QString &conversationId, qint64 from, qint64 to) const;
    std::optional<SeqRange> interiorGap(const QString &conversationId) const;
    static std::optional<SeqRange> interiorGapIn(const LocalStore &st,
                                                 const QString &conversationId);
    // A page's conversation (prepared: no store read here): fill the gap in the background.
    void queueGapFill(const QString &conversationId, bool hasInteriorGap);
    void fetchGap(const QString &conversationId, SeqRange gap, bool background);
    void onHistory(const QString &conversationId, bool background, const chat::net::Reply &reply);
    struct HistoryWrite {
        Status status;
        LocalStore::InsertResult ins;
        PreparedPage prepared; // `conversationId` and those of `ins`
    };
    // One history page in one transaction (runs on the StoreWriter's connection), then what
    // publishing it needs. `generation`: engineWrites at submission.
    static HistoryWrite writeHistoryPage(LocalStore &store,
                                         const QList<chat::proto::Message> &messages,
                                         const QString &myUserId, const QString &conversationId,
                                         quint64 generation);
    void applyHistory(const QString &conversationId, bool background, bool empty,
                      const HistoryWrite &written, quint64 pageSession);
    void finishJobs(const QString &conversationId, bool ok);
};

template<typename R>
void SyncEnginePrivate::writeThenApply(std::function<R(LocalStore &)> job,
                                       std::function<void(const R &)> apply)
{
    const quint64 acct = account;
    ++writerJobs;
    auto applyLater = [this, acct, apply](std::shared_ptr<R> result) {
        queueIngest([this, acct, apply, result] {
            if (acct != account || !store)
                return;
            store->refresh(); // see the writer's commit, and its new members
            apply(*result);
            writerJobDone();
        });
    };
    if (!writer) {
        queueIngest([this, acct, job, applyLater] {
            if (acct == account && store)
                applyLater(std::make_shared<R>(job(*store)));
        });
        return;
    }
    writer->submit(
        [job, applyLater](LocalStore &st) -> std::function<void()> {
            auto result = std::make_shared<R>(job(st));
            return [applyLater, result] { applyLater(result); };
        },
        q);
}

} // namespace chat::sync
