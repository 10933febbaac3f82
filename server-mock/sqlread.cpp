#include "sqlread.h"

#include "sqlitestmt.h"

using namespace Qt::StringLiterals;

namespace chat::server {

namespace {

#define CHAT_MESSAGE_COLUMNS                                                                       \
    "SELECT message_id, conversation_id, seq, sender_id, client_msg_id, kind, content, ts "        \
    "FROM messages "

const char *const kSql[] = {
    // Member
    "SELECT active FROM members WHERE conversation_id = ?1 AND user_id = ?2",
    // ConvExists
    "SELECT 1 FROM conversations WHERE conversation_id = ?1",
    // Latest
    CHAT_MESSAGE_COLUMNS "WHERE conversation_id = ?1 ORDER BY seq DESC LIMIT ?2",
    // Before
    CHAT_MESSAGE_COLUMNS "WHERE conversation_id = ?1 AND seq < ?3 ORDER BY seq DESC LIMIT ?2",
    // After
    CHAT_MESSAGE_COLUMNS "WHERE conversation_id = ?1 AND seq > ?3 ORDER BY seq ASC LIMIT ?2",
    // Conv
    "SELECT kind, title, last_seq, created_ts FROM conversations WHERE conversation_id = ?1",
    // Members (the order loadConversation in sqlops.cpp uses)
    "SELECT user_id, delivered_seq, read_seq, role FROM members "
    "WHERE conversation_id = ?1 AND active = 1 ORDER BY joined_ts, user_id",
    // User
    "SELECT user_id, username, display_name FROM users WHERE user_id = ?1",
};
static_assert(std::size(kSql) == 8);

#undef CHAT_MESSAGE_COLUMNS

using sqlite::columnText;

// Resets a statement when leaving scope: no statement stays active past its use, nor keeps
// a copy of the texts bound to it.
struct Reset {
    sqlite3_stmt *st;
    ~Reset()
    {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
};

bool columnIs(sqlite3_stmt *st, int col, const char *word)
{
    const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(st, col));
    return p && qstrcmp(p, word) == 0;
}

} // namespace

SqliteReadPath::~SqliteReadPath()
{
    for (sqlite3_stmt *st : m_stmt)
        sqlite3_finalize(st);
}

bool SqliteReadPath::prepare(QString *errorMessage)
{
    return sqlite::prepareAll(m_db, kSql, m_stmt, u"cannot prepare a read statement"_s,
                              errorMessage);
}

bool SqliteReadPath::fail(const char *what)
{
    m_lastError = u"%1: %2"_s.arg(QLatin1StringView(what), QString::fromUtf8(sqlite3_errmsg(m_db)));
    return false;
}

bool SqliteReadPath::bindText(sqlite3_stmt *st, int index, const QString &text)
{
    const QByteArray utf8 = text.toUtf8();
    if (sqlite3_bind_text(st, index, utf8.constData(), int(utf8.size()), SQLITE_TRANSIENT)
        != SQLITE_OK)
        return fail("bind");
    return true;
}

std::optional<int> SqliteReadPath::membership(const QString &userId, const QString &convId)
{
    sqlite3_stmt *st = m_stmt[Member];
    Reset reset{st};
    if (!bindText(st, 1, convId) || !bindText(st, 2, userId))
        return std::nullopt;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return sqlite3_column_int(st, 0) ? 1 : 0;
    if (rc != SQLITE_DONE) {
        fail("membership");
        return std::nullopt;
    }
    sqlite3_stmt *c = m_stmt[ConvExists];
    Reset resetC{c};
    if (!bindText(c, 1, convId))
        return std::nullopt;
    rc = sqlite3_step(c);
    if (rc == SQLITE_ROW)
        return -1;
    if (rc != SQLITE_DONE) {
        fail("membership");
        return std::nullopt;
    }
    return -2;
}

bool SqliteReadPath::messages(const QString &convId, Page page, qint64 seq, int limit,
                              QList<proto::Message> *out)
{
    sqlite3_stmt *st = m_stmt[page == Page::Latest   ? Latest
                              : page == Page::Before ? Before
                                                     : After];
    Reset reset{st};
    if (!bindText(st, 1, convId))
        return false;
    sqlite3_bind_int(st, 2, limit);
    if (page != Page::Latest)
        sqlite3_bind_int64(st, 3, seq);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        out->append(sqlite::messageRow(st));
    }
    return rc == SQLITE_DONE || fail("messages");
}

std::optional<proto::Conversation> SqliteReadPath::conversation(const QString &convId)
{
    sqlite3_stmt *st = m_stmt[Conv];
    Reset reset{st};
    if (!bindText(st, 1, convId))
        return std::nullopt;
    proto::Conversation c;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return c;
    if (rc != SQLITE_ROW) {
        fail("conversation");
        return std::nullopt;
    }
    c.conversationId = convId;
    c.kind =
        columnIs(st, 0, "group") ? proto::ConversationKind::Group : proto::ConversationKind::Direct;
    c.title = columnText(st, 1);
    c.lastSeq = sqlite3_column_int64(st, 2);
    c.createdTs = sqlite3_column_int64(st, 3);

    sqlite3_stmt *m = m_stmt[Members];
    Reset resetM{m};
    if (!bindText(m, 1, convId))
        return std::nullopt;
    while ((rc = sqlite3_step(m)) == SQLITE_ROW) {
        proto::Member mem;
        mem.userId = columnText(m, 0);
        mem.deliveredSeq = sqlite3_column_int64(m, 1);
        mem.readSeq = sqlite3_column_int64(m, 2);
        mem.role = columnIs(m, 3, "admin") ? proto::Role::Admin : proto::Role::Member;
        c.members.append(std::move(mem));
    }
    if (rc != SQLITE_DONE) {
        fail("members");
        return std::nullopt;
    }
    return c;
}

bool SqliteReadPath::user(const QString &userId, proto::User *out, bool *found)
{
    sqlite3_stmt *st = m_stmt[User];
    Reset reset{st};
    if (!bindText(st, 1, userId))
        return false;
    const int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        *out = {columnText(st, 0), columnText(st, 1), columnText(st, 2)};
        return true;
    }
    return rc == SQLITE_DONE || fail("user");
}

} // namespace chat::server
