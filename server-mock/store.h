// Store: the server's persistence, as an asynchronous interface so the network thread never
// waits on SQL. Every call returns at once; the callback runs later on the caller's thread
// (the thread `context` lives in), in submission order per kind (writes in the order they
// were submitted, reads likewise), and is dropped if `context` is gone by then.
//
// Writes are durable when their callback reports success (persist before ack). Failures
// are values: ProtocolError with forbidden / not_found / conflict / bad_request for
// logic errors and `unavailable` when storage itself failed (nothing was stored then).
//
// SqlStore (sqlstore.h) implements it over QtSql; the SQL dialect specifics are isolated
// in SqlDialect so a PostgreSQL backend only adds a dialect.
#pragma once

#include "fixture.h"
#include "net/protocol/result.h"
#include "net/protocol/serverframes.h"

#include <QJsonObject>
#include <QObject>
#include <functional>
#include <optional>

namespace chat::server {

using proto::ProtocolError;
using proto::Result;

template<typename T>
using StoreCallback = std::function<void(Result<T>)>;

struct LoginRecord {
    proto::User user;
    QByteArray passwordHash; // Argon2id string (crypto_pwhash_str format)
};

struct SendParams {
    QString senderId, conversationId, clientMsgId, kind, content;
    qint64 ts = 0;
    bool resolveSender = false; // senderId may be a username (admin_inject): resolve it first
};

struct SendOutcome {
    proto::Message message; // the stored message (the original one for a duplicate)
    bool duplicate = false;
    QList<proto::Member> members; // current members with their watermarks (for fan-out, push)
    QString senderDisplayName;
};

struct ReceiptOutcome {
    bool changed = false;
    proto::Receipt receipt; // the member's watermarks after the update
    QStringList memberIds;  // who to tell
};

// A conversation after create / add_members / leave, and everyone to tell about it
// (current members plus anyone just removed).
struct ConversationOutcome {
    proto::Conversation conversation;
    bool created = false;
    bool changed = false;
    QStringList notifyUserIds;
};

struct HistoryParams {
    QString userId, conversationId;
    std::optional<qint64> beforeSeq, afterSeq;
    int limit = 50;
};

struct HistoryOutcome {
    QList<proto::Message> messages;
    bool hasMore = false;
};

struct SyncParams {
    QString userId;
    std::optional<QString> since, cursor;
    int limit = 20;
    int recent = 20;
};

struct SyncOutcome {
    QList<proto::ConvState> conversations;
    QList<proto::User> users;
    std::optional<QString> cursor;
    QString nextSince;
};

struct SeedOutcome {
    int usersAdded = 0, conversationsAdded = 0, messagesAdded = 0;
    QHash<QString, QString> conversationIds; // fixture key -> conversation_id
};

struct StoreStats {
    qint64 users = 0, conversations = 0, messages = 0;
    qint64 writeTransactions = 0, writeJobs = 0; // committed; jobs/transactions = batching
};

class Store
{
public:
    virtual ~Store() = default;

    virtual bool open(QString *errorMessage) = 0;
    // Runs every queued job to completion, delivers its callback, then closes.
    virtual void close() = 0;

    // --- users and sessions
    virtual void createUser(const QString &username, const QByteArray &passwordHash,
                            const QString &displayName, QObject *ctx,
                            StoreCallback<proto::User> cb) = 0;
    virtual void loginRecord(const QString &username, QObject *ctx,
                             StoreCallback<LoginRecord> cb) = 0;
    virtual void createToken(const QString &userId, const QByteArray &tokenHash, qint64 expiresAt,
                             const QString &device, QObject *ctx, StoreCallback<bool> cb) = 0;
    virtual void userForToken(const QByteArray &tokenHash, qint64 now, QObject *ctx,
                              StoreCallback<proto::User> cb) = 0;
    virtual void revokeToken(const QByteArray &tokenHash, QObject *ctx, StoreCallback<bool> cb) = 0;
    // By user id or, failing that, by username.
    virtual void resolveUser(const QString &idOrUsername, QObject *ctx,
                             StoreCallback<proto::User> cb) = 0;
    virtual void searchUsers(const QString &query, int limit, QObject *ctx,
                             StoreCallback<QList<proto::User>> cb) = 0;
    // Users who share at least one conversation with userId (not userId itself).
    virtual void peers(const QString &userId, QObject *ctx, StoreCallback<QStringList> cb) = 0;

    // --- conversations
    virtual void createConversation(const QString &creatorId, proto::ConversationKind kind,
                                    const QString &title, const QStringList &memberIds, qint64 now,
                                    QObject *ctx, StoreCallback<ConversationOutcome> cb) = 0;
    virtual void addMembers(const QString &actorId, const QString &conversationId,
                            const QStringList &userIds, QObject *ctx,
                            StoreCallback<ConversationOutcome> cb) = 0;
    virtual void leave(const QString &actorId, const QString &conversationId, QObject *ctx,
                       StoreCallback<ConversationOutcome> cb) = 0;
    // Member ids of a conversation, forbidden unless userId is one of them.
    virtual void memberIds(const QString &userId, const QString &conversationId, QObject *ctx,
                           StoreCallback<QStringList> cb) = 0;

    // --- messages, receipts, catch-up
    virtual void send(const SendParams &p, QObject *ctx, StoreCallback<SendOutcome> cb) = 0;
    virtual void history(const HistoryParams &p, QObject *ctx,
                         StoreCallback<HistoryOutcome> cb) = 0;
    // delivered / read may be 0 = unchanged.
    virtual void markReceipt(const QString &userId, const QString &conversationId, qint64 delivered,
                             qint64 read, QObject *ctx, StoreCallback<ReceiptOutcome> cb) = 0;
    virtual void sync(const SyncParams &p, QObject *ctx, StoreCallback<SyncOutcome> cb) = 0;

    // --- QA control
    virtual void seed(const Fixture &fixture, qint64 now, QObject *ctx,
                      StoreCallback<SeedOutcome> cb) = 0;
    virtual void stats(QObject *ctx, StoreCallback<StoreStats> cb) = 0;
};

} // namespace chat::server
