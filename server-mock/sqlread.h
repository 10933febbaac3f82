// SqliteReadPath: the catch-up reads (history pages, sync pages: membership, conversation
// with members, recent messages, users) on the sqlite3 C API of the SQLite reader
// connection, instead of QtSql's QVariant per column per row. Statements are prepared once
// and reset after each use, so none keeps a read cursor open past the job's transaction
// (the reader runs each job inside BEGIN … COMMIT: what these and the QtSql statements of
// the same job read is one snapshot). Text comes straight from SQLite's UTF-8.
// Errors: a method returns false / nullopt and lastError() says why; the caller answers
// `unavailable` as for any storage failure.
#pragma once

#include "net/protocol/types.h"

#include <array>
#include <optional>

struct sqlite3;
struct sqlite3_stmt;

namespace chat::server {

class SqliteReadPath
{
public:
    explicit SqliteReadPath(sqlite3 *db) : m_db(db) { }
    ~SqliteReadPath();
    SqliteReadPath(const SqliteReadPath &) = delete;
    SqliteReadPath &operator=(const SqliteReadPath &) = delete;

    bool prepare(QString *errorMessage);

    // 1 active member, 0 former member, -1 not a member, -2 no such conversation.
    std::optional<int> membership(const QString &userId, const QString &convId);

    enum class Page { Latest, Before, After };
    // Up to `limit` messages of a page in the statement's order (Latest and Before: newest
    // first; After: oldest first), appended to `out`.
    bool messages(const QString &convId, Page page, qint64 seq, int limit,
                  QList<proto::Message> *out);
    // The conversation with its active members; an empty id when it does not exist.
    std::optional<proto::Conversation> conversation(const QString &convId);
    // false on storage error; *found says whether the user exists.
    bool user(const QString &userId, proto::User *out, bool *found);

    QString lastError() const { return m_lastError; }

private:
    enum Stmt { Member, ConvExists, Latest, Before, After, Conv, Members, User, StmtCount };
    bool bindText(sqlite3_stmt *st, int index, const QString &text);
    bool fail(const char *what);

    sqlite3 *m_db;
    std::array<sqlite3_stmt *, StmtCount> m_stmt{};
    QString m_lastError;
};

} // namespace chat::server
