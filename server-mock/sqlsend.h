// SqliteSendPath: the send transaction of the SQLite store on the sqlite3 C API, for the
// writer connection only. It exists because the send is the server's hottest write: through
// QtSql it cost ~6 statements and ~70 µs of writer CPU per message, most of it QVariant
// binding and reading rather than SQLite (docs/SERVER.md, "The send path").
//
// What it does instead:
//  - one statement per message: INSERT ... ON CONFLICT (sender_id, client_msg_id) DO NOTHING
//    is both the idempotency check and the write (no row inserted = a retry: the original is
//    read back and returned);
//  - each conversation's last_seq and active members (with watermarks and display names) and
//    the global change counter are read once and then kept in memory: the writer connection
//    is the only one that writes the SQLite file, so they change only through the writer;
//  - the conversation row (last_seq, change_seq, activity_seq), the members' watermarks
//    ("sending reads", receipts) and the change counter are written once per conversation
//    per batch, by flush(), inside the same transaction, before COMMIT (SqlWorker calls it);
//  - delivered/read receipts work on the same cached state (receipt()), so they neither
//    drop the cache nor need a savepoint;
//  - prepared statements reused, text bound as UTF-8 from reused buffers (no per-message
//    allocation for binding).
// The values written are exactly those the one-statement-at-a-time path wrote: each send
// takes the next change counter value and the conversation's next seq.
//
// Cache rules (SqlWorker/Db enforce them): anything cached is dropped (forget()) after a
// rollback, a failed commit or flush, and before any other writer job runs (it may change
// members, counters or conversations). Logic errors (forbidden, not_found) are returned before
// anything is written or deferred; a storage failure is returned as `unavailable` and the
// caller must roll the whole transaction back.
#pragma once

#include "store.h"

#include <QHash>
#include <QStringEncoder>
#include <array>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace chat::server {

class SqliteSendPath
{
public:
    explicit SqliteSendPath(sqlite3 *db) : m_db(db) { }
    ~SqliteSendPath();
    SqliteSendPath(const SqliteSendPath &) = delete;
    SqliteSendPath &operator=(const SqliteSendPath &) = delete;

    // Prepares the statements; false + a sentence when the schema does not fit.
    bool prepare(QString *errorMessage);

    // Inside an open write transaction; p.senderId is a user id. On a storage failure
    // *storageFailed is set, *errorMessage says why and the outcome is `unavailable`.
    Result<SendOutcome> send(const SendParams &p, bool *storageFailed, QString *errorMessage);

    // delivered / read receipt (0 = unchanged) on the same cached state: monotonic, never
    // past last_seq, a read implies delivery; a change takes the next change counter value
    // and touches the conversation's change_seq (not its activity). Same failure contract.
    Result<ReceiptOutcome> receipt(const QString &userId, const QString &convId, qint64 delivered,
                                   qint64 read, bool *storageFailed, QString *errorMessage);

    // Runs a statement that returns no data the caller needs (BEGIN IMMEDIATE, COMMIT,
    // ROLLBACK, SAVEPOINT ...; SELECT 1), prepared once per text and reused: the writer runs
    // a few of them per batch, and through QtSql each cost a statement object and a prepare.
    bool exec(const QString &sql, QString *errorMessage);

    // Writes what the sends since the last flush deferred. false: storage failure.
    bool flush(QString *errorMessage);
    // Drops everything cached and everything deferred (not written).
    void forget();
    bool hasDeferred() const { return !m_dirty.isEmpty() || m_changeDirty; }

private:
    struct Conv {
        bool exists = false;
        qint64 lastSeq = 0;
        qint64 changeSeq = 0, activitySeq = 0;
        QList<proto::Member> members;
        QStringList displayNames; // parallel to members
        QList<int> dirtyMembers;  // indexes whose watermarks are deferred
        bool dirty = false;
    };

    Conv *conversation(const QString &convId, QString *errorMessage);
    void markDirty(Conv *conv, const QString &convId, int member);
    std::optional<qint64> loadChange(QString *errorMessage);
    // The message stored for (sender, client_msg_id): nullopt on storage failure, an empty
    // messageId if there is none.
    std::optional<proto::Message> original(const QString &senderId, const QString &clientMsgId,
                                           QString *errorMessage);
    void bindText(sqlite3_stmt *st, int index, const QString &s);
    QString fail(sqlite3_stmt *st);
    std::optional<QString> nextMessageId(QString *errorMessage);

    sqlite3 *m_db;
    enum Stmt {
        Insert,
        Original,
        ConvRow,
        Members,
        Change,
        UpdateConv,
        UpdateMember,
        UpdateChange,
        IdRangeUsed,
        StmtCount
    };
    std::array<sqlite3_stmt *, StmtCount> m_stmt{};
    QHash<QString, sqlite3_stmt *> m_control; // exec(): a handful of distinct texts
    QHash<QString, Conv> m_convs;
    QStringList m_dirty; // conversations with deferred writes, in first-touched order
    std::optional<qint64> m_change;
    bool m_changeDirty = false;
    quint32 m_idPrefix = 0, m_idCounter = 0; // nextMessageId(); counter 0 = take a prefix
    QStringEncoder m_utf8{QStringEncoder::Utf8, QStringEncoder::Flag::Stateless};
    std::array<std::vector<char>, 8> m_text; // UTF-8 of bound text, one buffer per parameter
};

} // namespace chat::server
