// The store's operations as plain functions over one Db inside an open transaction.
// Written in SQL that SQLite and PostgreSQL both accept (RETURNING, ON CONFLICT, lower()
// LIKE, positional parameters); anything engine-specific belongs in SqlDialect.
// A logic error (forbidden, not_found, ...) is returned before anything is written.
#pragma once

#include "sqldb.h"
#include "store.h"

namespace chat::server::sqlops {

bool ensureEpoch(Db &db); // the store's random epoch, part of every sync token

Result<proto::User> createUser(Db &db, const QString &username, const QByteArray &hash,
                               const QString &displayName, qint64 now);
Result<LoginRecord> loginRecord(Db &db, const QString &username);
Result<bool> createToken(Db &db, const QString &userId, const QByteArray &tokenHash,
                         qint64 expiresAt, const QString &device, qint64 now);
Result<proto::User> userForToken(Db &db, const QByteArray &tokenHash, qint64 now);
Result<bool> revokeToken(Db &db, const QByteArray &tokenHash);
Result<proto::User> resolveUser(Db &db, const QString &idOrUsername);
Result<QList<proto::User>> searchUsers(Db &db, const QString &query, int limit);
Result<QStringList> peers(Db &db, const QString &userId);

Result<ConversationOutcome> createConversation(Db &db, const QString &creatorId,
                                               proto::ConversationKind kind, const QString &title,
                                               const QStringList &memberIds, qint64 now,
                                               int maxGroupSize);
Result<ConversationOutcome> addMembers(Db &db, const QString &actorId, const QString &convId,
                                       const QStringList &userIds, qint64 now, int maxGroupSize);
Result<ConversationOutcome> leave(Db &db, const QString &actorId, const QString &convId);
Result<QStringList> memberIds(Db &db, const QString &userId, const QString &convId);

// On the SQLite writer (Db::fastSend()) through SqliteSendPath (sqlsend.h), which defers part
// of its writes to Db::flushDeferred(); otherwise (PostgreSQL) through the statements here.
Result<SendOutcome> send(Db &db, const SendParams &p);
Result<HistoryOutcome> history(Db &db, const HistoryParams &p);
// Like send: on the SQLite writer through SqliteSendPath::receipt().
Result<ReceiptOutcome> markReceipt(Db &db, const QString &userId, const QString &convId,
                                   qint64 delivered, qint64 read);
Result<SyncOutcome> sync(Db &db, const SyncParams &p);

Result<SeedOutcome> seed(Db &db, const Fixture &fx, qint64 now);
Result<StoreStats> stats(Db &db);

} // namespace chat::server::sqlops
