// Small pieces the SQLite C-API paths of the store share (sqlsend.cpp: the writer's sends and
// receipts; sqlread.cpp: the reader's history and sync pages). Internal to chat_server_core.
#pragma once

#include "net/protocol/types.h"

#include <QString>

#include <array>
#include <cstddef>
#include <sqlite3.h>

namespace chat::server::sqlite {

// Resets a statement when leaving scope, so no statement stays active past its use (an
// active statement would keep a read cursor open across COMMIT).
struct StmtReset {
    sqlite3_stmt *st;
    ~StmtReset() { sqlite3_reset(st); }
};

inline QString columnText(sqlite3_stmt *st, int col)
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(st, col));
    return QString::fromUtf8(p, sqlite3_column_bytes(st, col));
}

// The message columns in the order both paths select them: message_id, conversation_id, seq,
// sender_id, client_msg_id, kind, content, ts.
inline proto::Message messageRow(sqlite3_stmt *st)
{
    proto::Message m;
    m.messageId = columnText(st, 0);
    m.conversationId = columnText(st, 1);
    m.seq = sqlite3_column_int64(st, 2);
    m.senderId = columnText(st, 3);
    m.clientMsgId = columnText(st, 4);
    m.kind = columnText(st, 5);
    m.content = columnText(st, 6);
    m.ts = sqlite3_column_int64(st, 7);
    return m;
}

// Prepares sql[i] into stmts[i] (persistent statements); false with "<what>: <SQLite's
// message>" in *errorMessage on the first that fails.
template<typename Stmts, size_t N>
bool prepareAll(sqlite3 *db, const char *const (&sql)[N], Stmts &stmts, const QString &what,
                QString *errorMessage)
{
    static_assert(std::tuple_size_v<Stmts> == N);
    for (size_t i = 0; i < N; ++i) {
        if (sqlite3_prepare_v3(db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &stmts[i], nullptr)
            != SQLITE_OK) {
            *errorMessage = what + QStringLiteral(": ") + QString::fromUtf8(sqlite3_errmsg(db));
            return false;
        }
    }
    return true;
}

} // namespace chat::server::sqlite
