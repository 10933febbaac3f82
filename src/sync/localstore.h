// LocalStore: the account's local SQLite database (WAL), one file per account. It holds
// conversations, members with their watermarks, users, messages keyed by (conversation,
// seq), the known contiguous seq ranges of each conversation (so gaps are explicit), the
// durable outbox, the sync token, the own read watermark and drafts. The schema is built
// by numbered migrations (resources/client/NNN_*.sql, PRAGMA user_version, each in a
// transaction). Only prepared statements; every failure is returned as an Error and rolls
// back the transaction it happened in.
//
// A LocalStore is one connection, used from one thread. The SyncEngine has two on the same
// file: its own (reads, outbox, acks, pushes) and the StoreWriter's (sync and history pages);
// a third, internal one checkpoints the WAL. The store knows nothing of the network; writes
// that belong together are grouped by the caller in a Transaction.
#pragma once

#include "changes.h"
#include "expected.h"
#include "net/protocol/types.h"

#include <QHash>
#include <QPair>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <functional>
#include <memory>
#include <optional>

struct sqlite3_stmt;

namespace chat::sync {

using SeqRange = QPair<qint64, qint64>; // [from, to], inclusive

class WalCheckpointer;
class SearchIndexer;

class LocalStore
{
public:
    ~LocalStore();
    LocalStore(const LocalStore &) = delete;
    LocalStore &operator=(const LocalStore &) = delete;

    // Open or create the store at `filePath` (its folder is created; the file gets mode
    // 0600), switch to WAL, and apply pending migrations. An existing file is checked first
    // (PRAGMA quick_check): a corrupt one is set aside (`<file>.corrupt-<ms>`) and replaced by
    // an empty store (a cache: it is rebuilt from the server), keeping the unsent outbox rows
    // that can still be read, with their client_msg_id (so each is still delivered once);
    // recoveryNotice() then says so in a sentence for the user.
    static Expected<std::unique_ptr<LocalStore>> open(const QString &filePath);
    // A second connection to a store that open() has already checked and migrated, for a
    // writer thread (StoreWriter): no check, no migration (a schema other than the latest is
    // refused), no checkpoint thread. Use it only in the thread that called this.
    static Expected<std::unique_ptr<LocalStore>> openConnection(const QString &filePath);
    QString recoveryNotice() const { return m_recoveryNotice; }
    static int latestSchemaVersion();
    // Every file that belongs to the store at `path` (the database, its WAL side files and
    // the open/check markers), for deleting a store's local data completely.
    static QStringList filesOf(const QString &path);
    QString path() const { return m_path; }
    int schemaVersion() const;
    // The Qt SQL connection name, for read-only extensions in the same thread.
    QString connectionName() const { return m_connectionName; }

    // Forget what this connection holds from before other connections' commits: ends the
    // read snapshot of every statement left open and drops the member cache. Call it before
    // reading what another connection (the StoreWriter) has just committed, and before
    // writing from a connection another one may have written behind.
    void refresh();

    // A write transaction (BEGIN IMMEDIATE: the write lock is taken at once, waiting for
    // another connection's transaction if need be, so a read inside it never turns stale):
    // rolls back unless commit() succeeded. Nested use is an error.
    class Transaction
    {
    public:
        explicit Transaction(LocalStore &store);
        ~Transaction();
        Status begin();
        Status commit();

    private:
        LocalStore &m_store;
        bool m_open = false;
    };

    // Forget everything learned from the server (conversations, members, users, messages,
    // ranges, read watermarks, the sync token); the outbox and drafts stay.
    Status clearCache();

    // --- key/value meta: sync token, account ---------------------------------------------
    QString meta(const QString &key) const;
    Status setMeta(const QString &key, const QString &value);
    Status removeMeta(const QString &key);

    // --- users, conversations, members ---------------------------------------------------
    Status upsertUser(const chat::proto::User &user);
    std::optional<UserInfo> user(const QString &userId) const;
    // Insert or update a conversation and replace its member list (watermarks only move
    // forward). `changed` tells whether anything visible changed; `ticks`, if given, is set
    // to the seq range whose outgoing messages may have changed state because other
    // members' watermarks moved (empty: to < from).
    Status upsertConversation(const chat::proto::Conversation &c, const QString &myUserId,
                              bool *changed = nullptr, bool *inserted = nullptr,
                              SeqRange *ticks = nullptr);
    Status ensureConversation(const QString &conversationId, qint64 lastSeq);
    Status raiseLastSeq(const QString &conversationId, qint64 lastSeq);
    bool hasConversation(const QString &conversationId) const;
    // The conversation's last_seq (nullopt: unknown conversation); one indexed lookup, for
    // callers that need no more than that (conversation() also reads members, the last
    // message, the outbox and the unread count).
    std::optional<qint64> lastSeq(const QString &conversationId) const;
    // Moves watermarks of one member forward; returns the previous (delivered, read).
    Expected<QPair<qint64, qint64>> raiseWatermarks(const QString &conversationId,
                                                    const QString &userId, qint64 delivered,
                                                    qint64 read);
    QList<MemberInfo> members(const QString &conversationId) const;
    QStringList conversationIds() const;
    std::optional<ConversationInfo> conversation(const QString &conversationId,
                                                 const QString &myUserId) const;
    QList<ConversationInfo> conversations(const QString &myUserId) const;

    // --- own read watermark ---------------------------------------------------------------
    // Local (what the user saw) and sent (what the server has been told) watermarks.
    Expected<bool> raiseOwnRead(const QString &conversationId, qint64 seq); // true if it grew
    Status setOwnReadSent(const QString &conversationId, qint64 seq);
    QPair<qint64, qint64> ownRead(const QString &conversationId) const; // (local, sent)
    // Conversations whose local read watermark is ahead of what was sent.
    QList<QPair<QString, qint64>> unsentReads() const;

    // --- messages and ranges ---------------------------------------------------------------
    struct InsertResult {
        QList<LocalMessage> inserted;  // new rows
        QList<LocalMessage> confirmed; // own outbox rows that turned out committed (now Sent)
        int duplicates = 0;            // already stored (conversation, seq)
        // Per conversation, the seqs of own messages whose ticks may have moved because
        // another member posted (a sender has read everything before their own message).
        QHash<QString, SeqRange> tickRanges;
    };
    // Store messages (any order, any conversations). Duplicates by (conversation, seq) are
    // dropped; the known ranges grow; each sender's watermarks rise to their newest message
    // (protocol §8, sending reads); an own message matching an outbox row (same
    // client_msg_id) takes that row's place (localId kept) and leaves the outbox.
    Expected<InsertResult> insertMessages(const QList<chat::proto::Message> &messages,
                                          const QString &myUserId);
    // An ack: move the outbox row to messages with its seq, in the caller's transaction.
    // Returns the now-Sent message, or nullopt if the row is no longer in the outbox.
    Expected<std::optional<LocalMessage>> applyAck(const QString &clientMsgId,
                                                   const QString &conversationId,
                                                   const QString &messageId, qint64 seq, qint64 ts,
                                                   const QString &myUserId);
    // Record that [from, to] is known to be complete (messages stored or none exist).
    Status addRange(const QString &conversationId, qint64 from, qint64 to);
    QList<SeqRange> ranges(const QString &conversationId) const; // ascending
    qint64 maxStoredSeq(const QString &conversationId) const;
    // Missing [from, to] between 1 and the conversation's lastSeq, newest first.
    QList<SeqRange> gaps(const QString &conversationId) const;
    QList<LocalMessage> messages(const QString &conversationId, qint64 beforeSeq, int limit,
                                 const QString &myUserId) const;
    QList<LocalMessage> messagesInRange(const QString &conversationId, qint64 fromSeq, qint64 toSeq,
                                        const QString &myUserId) const;
    std::optional<LocalMessage> messageByLocalId(const QString &localId,
                                                 const QString &myUserId) const;
    // Own stored messages with fromSeq <= seq <= toSeq (receipt updates).
    QList<LocalMessage> ownMessagesInRange(const QString &conversationId, qint64 fromSeq,
                                           qint64 toSeq, const QString &myUserId) const;
    qint64 messageCount(const QString &conversationId = {}) const;

    // --- outbox ------------------------------------------------------------------------------
    // Append a Pending row with a fresh client_msg_id (UUID); durable on return.
    Expected<LocalMessage> enqueue(const QString &conversationId, const QString &content,
                                   qint64 createdTs, const QString &senderId);
    // Remove a row the user discarded, durably (synchronous=FULL): a discarded message must
    // not come back and be sent after a power loss.
    Status discardFromOutbox(const QString &clientMsgId);
    Status markFailed(const QString &clientMsgId, const QString &code, const QString &message);
    Status markPending(const QString &clientMsgId);
    Status removeFromOutbox(const QString &clientMsgId);
    QList<LocalMessage> outbox(const QString &conversationId = {}) const; // send order
    std::optional<LocalMessage> outboxEntry(const QString &clientMsgId) const;

    // --- drafts ------------------------------------------------------------------------------
    QString draft(const QString &conversationId) const;
    Status setDraft(const QString &conversationId, const QString &text);

    // --- search index ------------------------------------------------------------------------
    // Messages are stored without indexing them for search (migration 005): the store's
    // background indexer (a thread of its own) indexes them once the store is idle, and
    // MessageSearch calls indexSearchPending() before it searches, so a search sees every
    // stored message. Index at most `maxRows` pending messages (all when negative), in batches
    // of their own transactions (or, inside the caller's transaction, in it); returns how
    // many were indexed.
    Expected<qint64> indexSearchPending(qint64 maxRows = -1);
    // How many stored messages the search index does not hold yet (-1 on a storage error).
    qint64 searchPending() const;
    // Whether stores opened from now on run the background indexer (default on). Off, only
    // indexSearchPending() indexes: for tests and benchmarks that need pending messages.
    static void setBackgroundSearchIndexing(bool on);

    // Compute state/counts of an own message from the members' watermarks.
    void decorate(LocalMessage &m, const QString &myUserId) const;

private:
    LocalStore() = default;
    static Expected<std::unique_ptr<LocalStore>> openFile(const QString &filePath,
                                                          bool primary = true);
    Status migrate();
    QSqlQuery &prepared(const QString &sql) const;
    Error sqlError(const QSqlQuery &q, const QString &what) const;
    LocalMessage readMessageRow(const QSqlQuery &q, const QString &myUserId) const;
    // Messages of myUserId's above `seq` in the conversation (they are not unread).
    qint64 ownMessagesAbove(const QString &conversationId, qint64 seq,
                            const QString &myUserId) const;
    // One INSERT ... ON CONFLICT DO NOTHING into messages; true if the row was new.
    Expected<bool> insertMessageRow(const chat::proto::Message &m, const QString &localId);
    // conversation_last (migration 006): m becomes the conversation's newest if it is newer.
    Status raiseConversationLast(const LocalMessage &m);
    // Run `write` (outside a transaction, as its own commit) with synchronous=FULL: the
    // commit, and with it every earlier one in the WAL, survives a power loss.
    Status durableWrite(const std::function<Status()> &write);
    void committed(); // after every commit: lets the checkpoint thread catch up

    QString m_path;
    QString m_recoveryNotice;
    QString m_openMarker; // "<store>.open" while the primary connection is open (see open())
    QString m_connectionName;
    QSqlDatabase m_db;
    mutable QHash<QString, QSqlQuery> m_statements;
    mutable QHash<QString, QList<MemberInfo>> m_memberCache; // members() by conversation
    bool m_inTransaction = false;
    std::unique_ptr<WalCheckpointer> m_checkpointer;
    std::unique_ptr<SearchIndexer> m_indexer; // primary connection only
    sqlite3_stmt *m_insertMessage = nullptr;  // insertMessageRow()'s, prepared on first use
};

} // namespace chat::sync
