#include "sqlsend.h"

#include "crypto.h"
#include "net/logging.h"

#include "sqlitestmt.h"

using namespace Qt::StringLiterals;
using chat::proto::ErrorCode;

namespace chat::server {

namespace {

// Caches at most this many conversations between batches (a batch may add up to its size).
constexpr int kMaxCachedConversations = 4096;

const char *const kSql[] = {
    // Insert: the write and the idempotency check in one statement.
    "INSERT INTO messages (message_id, conversation_id, seq, sender_id, client_msg_id, kind, "
    "content, ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (sender_id, client_msg_id) DO NOTHING",
    // Original
    "SELECT message_id, conversation_id, seq, sender_id, client_msg_id, kind, content, ts "
    "FROM messages WHERE sender_id = ?1 AND client_msg_id = ?2",
    // ConvRow
    "SELECT last_seq, change_seq, activity_seq FROM conversations WHERE conversation_id = ?1",
    // Members: for fan-out and push, and the membership check.
    "SELECT m.user_id, m.delivered_seq, m.read_seq, m.role, u.display_name FROM members m "
    "JOIN users u ON u.user_id = m.user_id WHERE m.conversation_id = ?1 AND m.active = 1",
    // Change
    "SELECT value FROM counters WHERE name = 'change_seq'",
    // UpdateConv
    "UPDATE conversations SET last_seq = ?1, change_seq = ?2, activity_seq = ?3 "
    "WHERE conversation_id = ?4",
    // UpdateMember: "sending reads" (protocol §8) and receipts
    "UPDATE members SET delivered_seq = ?1, read_seq = ?2 WHERE conversation_id = ?3 "
    "AND user_id = ?4",
    // UpdateChange
    "UPDATE counters SET value = ?1 WHERE name = 'change_seq'",
    // IdRangeUsed: any message id in [?1, ?2) (nextMessageId)
    "SELECT 1 FROM messages WHERE message_id >= ?1 AND message_id < ?2 LIMIT 1",
};
static_assert(std::size(kSql) == 9);

QString hexId(quint32 prefix, quint32 counter)
{
    static const char kHex[] = "0123456789abcdef";
    char16_t buf[18] = {u'm', u'_'};
    const quint64 v = (quint64(prefix) << 32) | counter;
    for (int i = 0; i < 16; ++i)
        buf[2 + i] = char16_t(kHex[(v >> (60 - 4 * i)) & 0xf]);
    return QString(reinterpret_cast<const QChar *>(buf), 18);
}

using Reset = sqlite::StmtReset;
using sqlite::columnText;

ProtocolError unavailable()
{
    return {ErrorCode::Unavailable,
            {},
            u"storage is unavailable, nothing was stored; retry later"_s,
            {}};
}

} // namespace

SqliteSendPath::~SqliteSendPath()
{
    for (sqlite3_stmt *st : m_stmt)
        sqlite3_finalize(st); // a no-op for null
    for (sqlite3_stmt *st : std::as_const(m_control))
        sqlite3_finalize(st);
}

bool SqliteSendPath::exec(const QString &sql, QString *errorMessage)
{
    sqlite3_stmt *st = m_control.value(sql);
    if (!st) {
        const QByteArray utf8 = sql.toUtf8();
        if (sqlite3_prepare_v3(m_db, utf8.constData(), int(utf8.size()), SQLITE_PREPARE_PERSISTENT,
                               &st, nullptr)
            != SQLITE_OK) {
            *errorMessage = QString::fromUtf8(sqlite3_errmsg(m_db));
            return false;
        }
        if (m_control.size() >= 32) { // not a control statement after all: do not keep it
            int rc;
            while ((rc = sqlite3_step(st)) == SQLITE_ROW) { }
            if (rc != SQLITE_DONE)
                *errorMessage = QString::fromUtf8(sqlite3_errmsg(m_db));
            sqlite3_finalize(st);
            return rc == SQLITE_DONE;
        }
        m_control.insert(sql, st);
    }
    Reset r{st};
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) { }
    if (rc != SQLITE_DONE) {
        *errorMessage = QString::fromUtf8(sqlite3_errmsg(m_db));
        return false;
    }
    return true;
}

bool SqliteSendPath::prepare(QString *errorMessage)
{
    return sqlite::prepareAll(m_db, kSql, m_stmt, u"cannot prepare the send statements"_s,
                              errorMessage);
}

void SqliteSendPath::bindText(sqlite3_stmt *st, int index, const QString &s)
{
    std::vector<char> &buf = m_text[size_t(index - 1)];
    const qsizetype need = m_utf8.requiredSpace(s.size());
    if (qsizetype(buf.size()) < need)
        buf.resize(size_t(need));
    char *end = m_utf8.appendToBuffer(buf.data(), s);
    // SQLITE_STATIC: the buffer outlives the step (it is only rewritten by the next bind).
    sqlite3_bind_text(st, index, buf.data(), int(end - buf.data()), SQLITE_STATIC);
}

QString SqliteSendPath::fail(sqlite3_stmt *st)
{
    const QString msg = QString::fromUtf8(sqlite3_errmsg(m_db));
    qCWarning(lcServerStore) << "statement failed:" << msg << sqlite3_sql(st);
    return msg;
}

std::optional<qint64> SqliteSendPath::loadChange(QString *errorMessage)
{
    if (m_change)
        return m_change;
    sqlite3_stmt *st = m_stmt[Change];
    Reset r{st};
    if (sqlite3_step(st) != SQLITE_ROW) {
        *errorMessage = fail(st);
        return std::nullopt;
    }
    m_change = sqlite3_column_int64(st, 0);
    return m_change;
}

SqliteSendPath::Conv *SqliteSendPath::conversation(const QString &convId, QString *errorMessage)
{
    auto it = m_convs.find(convId);
    if (it != m_convs.end())
        return &it.value();
    if (m_convs.size() >= kMaxCachedConversations && !hasDeferred())
        m_convs.clear();
    Conv c;
    {
        sqlite3_stmt *st = m_stmt[ConvRow];
        Reset r{st};
        bindText(st, 1, convId);
        const int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            c.exists = true;
            c.lastSeq = sqlite3_column_int64(st, 0);
            c.changeSeq = sqlite3_column_int64(st, 1);
            c.activitySeq = sqlite3_column_int64(st, 2);
        } else if (rc != SQLITE_DONE) {
            *errorMessage = fail(st);
            return nullptr;
        }
    }
    if (c.exists) {
        sqlite3_stmt *st = m_stmt[Members];
        Reset r{st};
        bindText(st, 1, convId);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            proto::Member m;
            m.userId = columnText(st, 0);
            m.deliveredSeq = sqlite3_column_int64(st, 1);
            m.readSeq = sqlite3_column_int64(st, 2);
            m.role = columnText(st, 3) == "admin"_L1 ? proto::Role::Admin : proto::Role::Member;
            c.members.append(m);
            c.displayNames.append(columnText(st, 4));
        }
        if (rc != SQLITE_DONE) {
            *errorMessage = fail(st);
            return nullptr;
        }
    }
    return &m_convs.insert(convId, std::move(c)).value();
}

std::optional<proto::Message>
SqliteSendPath::original(const QString &senderId, const QString &clientMsgId, QString *errorMessage)
{
    sqlite3_stmt *st = m_stmt[Original];
    Reset r{st};
    bindText(st, 1, senderId);
    bindText(st, 2, clientMsgId);
    proto::Message m;
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        m = sqlite::messageRow(st);
    } else if (rc != SQLITE_DONE) {
        *errorMessage = fail(st);
        return std::nullopt;
    }
    return m;
}

Result<SendOutcome> SqliteSendPath::send(const SendParams &p, bool *storageFailed,
                                         QString *errorMessage)
{
    const auto storageFailure = [&] {
        *storageFailed = true;
        return unavailable();
    };
    Conv *conv = conversation(p.conversationId, errorMessage);
    if (!conv)
        return storageFailure();
    SendOutcome out;
    qsizetype self = -1;
    for (qsizetype i = 0; i < conv->members.size(); ++i) {
        if (conv->members.at(i).userId == p.senderId) {
            self = i;
            break;
        }
    }
    if (self < 0) {
        // Idempotency first: a retry gets the original even after its sender left.
        const auto orig = original(p.senderId, p.clientMsgId, errorMessage);
        if (!orig)
            return storageFailure();
        if (!orig->messageId.isEmpty()) {
            out.message = *orig;
            out.duplicate = true;
            return out;
        }
        if (!conv->exists)
            return ProtocolError{
                ErrorCode::NotFound, u"conversation_id"_s, u"no such conversation"_s, {}};
        return ProtocolError{
            ErrorCode::Forbidden, u"conversation_id"_s, u"not a member of this conversation"_s, {}};
    }
    const auto change = loadChange(errorMessage);
    if (!change)
        return storageFailure();

    proto::Message &m = out.message;
    const auto id = nextMessageId(errorMessage);
    if (!id)
        return storageFailure();
    m.messageId = *id;
    m.conversationId = p.conversationId;
    m.seq = conv->lastSeq + 1;
    m.senderId = p.senderId;
    m.clientMsgId = p.clientMsgId;
    m.kind = p.kind.isEmpty() ? u"text"_s : p.kind;
    m.content = p.content;
    m.ts = p.ts;
    {
        sqlite3_stmt *st = m_stmt[Insert];
        Reset r{st};
        bindText(st, 1, m.messageId);
        bindText(st, 2, m.conversationId);
        sqlite3_bind_int64(st, 3, m.seq);
        bindText(st, 4, m.senderId);
        bindText(st, 5, m.clientMsgId);
        bindText(st, 6, m.kind);
        bindText(st, 7, m.content);
        sqlite3_bind_int64(st, 8, m.ts);
        if (sqlite3_step(st) != SQLITE_DONE) {
            *errorMessage = fail(st);
            return storageFailure();
        }
    }
    if (sqlite3_changes(m_db) == 0) {
        // (sender_id, client_msg_id) is taken: a retry. Nothing was written.
        const auto orig = original(p.senderId, p.clientMsgId, errorMessage);
        if (!orig)
            return storageFailure();
        if (orig->messageId.isEmpty()) { // cannot happen: the conflict named that row
            *errorMessage = u"a conflicting message vanished"_s;
            return storageFailure();
        }
        out.message = *orig;
        out.duplicate = true;
        return out;
    }
    // Stored: advance the conversation and the sender's watermarks (written by flush()).
    m_change = *change + 1;
    m_changeDirty = true;
    conv->lastSeq = m.seq;
    conv->changeSeq = conv->activitySeq = *m_change;
    // A sender has seen everything up to their own message (protocol §8, "sending reads"):
    // seq is the new last_seq, so this is the highest either watermark can be.
    proto::Member &me = conv->members[self];
    me.deliveredSeq = me.readSeq = m.seq;
    markDirty(conv, p.conversationId, int(self));
    out.members = conv->members;
    out.senderDisplayName = conv->displayNames.at(self);
    return out;
}

void SqliteSendPath::markDirty(Conv *conv, const QString &convId, int member)
{
    if (!conv->dirty) {
        conv->dirty = true;
        m_dirty.append(convId);
    }
    if (!conv->dirtyMembers.contains(member))
        conv->dirtyMembers.append(member);
}

Result<ReceiptOutcome> SqliteSendPath::receipt(const QString &userId, const QString &convId,
                                               qint64 delivered, qint64 read, bool *storageFailed,
                                               QString *errorMessage)
{
    Conv *conv = conversation(convId, errorMessage);
    if (!conv) {
        *storageFailed = true;
        return unavailable();
    }
    qsizetype self = -1;
    for (qsizetype i = 0; i < conv->members.size(); ++i) {
        if (conv->members.at(i).userId == userId) {
            self = i;
            break;
        }
    }
    if (self < 0) {
        if (!conv->exists)
            return ProtocolError{
                ErrorCode::NotFound, u"conversation_id"_s, u"no such conversation"_s, {}};
        return ProtocolError{
            ErrorCode::Forbidden, u"conversation_id"_s, u"not a member of this conversation"_s, {}};
    }
    proto::Member &me = conv->members[self];
    const qint64 last = conv->lastSeq;
    // Monotonic, never past last_seq, and a read implies delivery.
    const qint64 newRead = std::max(me.readSeq, std::min(read, last));
    const qint64 newDelivered = std::max({me.deliveredSeq, std::min(delivered, last), newRead});
    ReceiptOutcome out;
    out.receipt.conversationId = convId;
    out.receipt.userId = userId;
    out.receipt.deliveredSeq = newDelivered;
    out.receipt.readSeq = newRead;
    if (newRead == me.readSeq && newDelivered == me.deliveredSeq)
        return out;
    const auto change = loadChange(errorMessage);
    if (!change) {
        *storageFailed = true;
        return unavailable();
    }
    m_change = *change + 1;
    m_changeDirty = true;
    conv->changeSeq = *m_change; // a receipt is a change, not activity
    me.deliveredSeq = newDelivered;
    me.readSeq = newRead;
    markDirty(conv, convId, int(self));
    out.memberIds.reserve(conv->members.size());
    for (const proto::Member &m : std::as_const(conv->members))
        out.memberIds.append(m.userId);
    out.changed = true;
    return out;
}

bool SqliteSendPath::flush(QString *errorMessage)
{
    for (const QString &id : std::as_const(m_dirty)) {
        Conv &c = m_convs[id];
        {
            sqlite3_stmt *st = m_stmt[UpdateConv];
            Reset r{st};
            sqlite3_bind_int64(st, 1, c.lastSeq);
            sqlite3_bind_int64(st, 2, c.changeSeq);
            sqlite3_bind_int64(st, 3, c.activitySeq);
            bindText(st, 4, id);
            if (sqlite3_step(st) != SQLITE_DONE) {
                *errorMessage = fail(st);
                return false;
            }
        }
        for (int i : std::as_const(c.dirtyMembers)) {
            sqlite3_stmt *st = m_stmt[UpdateMember];
            Reset r{st};
            sqlite3_bind_int64(st, 1, c.members.at(i).deliveredSeq);
            sqlite3_bind_int64(st, 2, c.members.at(i).readSeq);
            bindText(st, 3, id);
            bindText(st, 4, c.members.at(i).userId);
            if (sqlite3_step(st) != SQLITE_DONE) {
                *errorMessage = fail(st);
                return false;
            }
        }
        c.dirtyMembers.clear();
        c.dirty = false;
    }
    m_dirty.clear();
    if (m_changeDirty) {
        sqlite3_stmt *st = m_stmt[UpdateChange];
        Reset r{st};
        sqlite3_bind_int64(st, 1, *m_change);
        if (sqlite3_step(st) != SQLITE_DONE) {
            *errorMessage = fail(st);
            return false;
        }
        m_changeDirty = false;
    }
    return true;
}

std::optional<QString> SqliteSendPath::nextMessageId(QString *errorMessage)
{
    // The same shape as crypto::newId("m_") ("m_" + 16 hex digits), but consecutive within a
    // process: the primary key index then takes a batch's messages on one leaf page instead
    // of one random page each. The 32-bit prefix is random and checked unused in the store
    // (this connection is the only writer), so ids stay unique across restarts; when the
    // counter wraps a new prefix is taken.
    while (m_idCounter == 0) {
        const quint32 prefix = crypto::newId({}).left(8).toUInt(nullptr, 16);
        sqlite3_stmt *st = m_stmt[IdRangeUsed];
        Reset r{st};
        const QString from = hexId(prefix, 0);
        bindText(st, 1, from);
        bindText(st, 2, from.left(10) + u'g'); // past every hex digit
        const int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            continue; // taken (by a fixture id or an earlier run): another prefix
        if (rc != SQLITE_DONE) {
            *errorMessage = fail(st);
            return std::nullopt;
        }
        m_idPrefix = prefix;
        m_idCounter = 1;
    }
    return hexId(m_idPrefix, m_idCounter++);
}

void SqliteSendPath::forget()
{
    m_convs.clear();
    m_dirty.clear();
    m_change.reset();
    m_changeDirty = false;
}

} // namespace chat::server
