// SyncEnginePrivate: the engine's state and logic behind the stable SyncEngine API. Split
// by job over syncengine.cpp (lifecycle, catch-up, pushes), engine_send.cpp (outbox,
// receipts, typing) and engine_history.cpp (gaps and history loading). Not installed.
#pragma once

#include "localstore.h"
#include "syncengine.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QTimer>

namespace chat::sync {

class SyncEnginePrivate
{
public:
    explicit SyncEnginePrivate(SyncEngine *q);

    SyncEngine *q;
    SyncEngine::Options options;
    QUrl server;
    QString username;
    std::unique_ptr<LocalStore> store;
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
    void handleSyncPage(const chat::proto::SyncResult &page);
    void onPush(const chat::proto::ServerFrame &frame);
    QList<chat::proto::Message> queuedPushes;
    void processQueuedPushes();
    void handleReceipt(const chat::proto::Receipt &r);
    void handleConversationUpdate(const chat::proto::Conversation &c, ChangeBatch &batch);
    void reportError(const Error &e);
    void emitBatch(const ChangeBatch &batch);
    // Adds an Updated (or Inserted) change for each conversation in `ids`.
    void addConversationChanges(ChangeBatch &batch, const QSet<QString> &ids,
                                const QSet<QString> &inserted = {});
    // Adds Updated changes for own messages in the given seq ranges (ticks may have moved).
    void addTickChanges(ChangeBatch &batch, const QHash<QString, SeqRange> &ranges);
    Expected<LocalStore::InsertResult> storeMessages(MessageChange::Origin origin,
                                                     const QList<chat::proto::Message> &msgs,
                                                     ChangeBatch &batch);

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
    void queueDelivered(const QString &conversationId, qint64 seq);
    // The delivered watermark we can truthfully claim: everything up to it is stored, except
    // history older than all we hold (never fetched unless asked for).
    qint64 deliverableSeq(const QString &conversationId) const;
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
    QSet<QString> fetchInFlight;               // conversations with a history request out
    QList<QString> fillQueue;                  // background gap fill, newest first
    int backgroundInFlight = 0;
    QSet<QString> gapCheckScheduled;
    // Queue a load of [from, to] (clamped to 1..lastSeq); true if nothing is missing.
    bool ensureRange(const QString &conversationId, qint64 from, qint64 to);
    void scheduleGapCheck(const QString &conversationId, bool delayed);
    void pumpFetches();
    // The newest missing [from, to] inside [from, to]; nullopt if complete.
    std::optional<SeqRange> missingIn(const QString &conversationId, qint64 from, qint64 to) const;
    std::optional<SeqRange> interiorGap(const QString &conversationId) const;
    void fetchGap(const QString &conversationId, SeqRange gap, bool background);
    void onHistory(const QString &conversationId, bool background, const chat::net::Reply &reply);
    void finishJobs(const QString &conversationId, bool ok);
};

} // namespace chat::sync
