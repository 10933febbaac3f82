#include "sqlops.h"

#include "sqlread.h"

#include "crypto.h"
#include "sqlsend.h"

#include <QHash>
#include <QSet>
#include <algorithm>

using namespace Qt::StringLiterals;
using chat::proto::ErrorCode;

namespace chat::server::sqlops {

namespace {

#define CHAT_TRY(expr)                                                                             \
    if (!(expr))                                                                                   \
        return db.storageError();

// QtSql binds a null QString as SQL NULL; NOT NULL text columns get "" instead.
QString text(const QString &s)
{
    return s.isNull() ? u""_s : s;
}

ProtocolError err(ErrorCode code, const QString &field, const QString &message)
{
    return ProtocolError{code, field, message, {}};
}

proto::User readUser(const QSqlQuery &q, int at = 0)
{
    return {q.value(at).toString(), q.value(at + 1).toString(), q.value(at + 2).toString()};
}

proto::Message readMessage(const QSqlQuery &q)
{
    proto::Message m;
    m.messageId = q.value(0).toString();
    m.conversationId = q.value(1).toString();
    m.seq = q.value(2).toLongLong();
    m.senderId = q.value(3).toString();
    m.clientMsgId = q.value(4).toString();
    m.kind = q.value(5).toString();
    m.content = q.value(6).toString();
    m.ts = q.value(7).toLongLong();
    return m;
}

// Bumps the global change counter; every change in one job shares the value.
std::optional<qint64> nextChange(Db &db)
{
    QSqlQuery &q =
        db.query("UPDATE counters SET value = value + 1 WHERE name = 'change_seq' RETURNING value");
    if (!db.run(q) || !q.next())
        return std::nullopt;
    const qint64 v = q.value(0).toLongLong();
    q.finish();
    return v;
}

std::optional<qint64> currentChange(Db &db)
{
    QSqlQuery &q = db.query("SELECT value FROM counters WHERE name = 'change_seq'");
    if (!db.run(q) || !q.next())
        return std::nullopt;
    const qint64 v = q.value(0).toLongLong();
    q.finish();
    return v;
}

std::optional<QString> epoch(Db &db)
{
    QSqlQuery &q = db.query("SELECT value FROM meta WHERE key = 'epoch'");
    if (!db.run(q) || !q.next())
        return std::nullopt;
    const QString v = q.value(0).toString();
    q.finish();
    return v;
}

// Active membership of userId: nullopt on storage error; else 1 active, 0 left, -1 never,
// -2 no such conversation.
std::optional<int> membership(Db &db, const QString &userId, const QString &convId)
{
    QSqlQuery &q = db.query("SELECT active FROM members WHERE conversation_id = ? AND user_id = ?");
    if (!db.run(q, {convId, userId}))
        return std::nullopt;
    if (q.next()) {
        const int active = q.value(0).toInt();
        q.finish();
        return active ? 1 : 0;
    }
    QSqlQuery &c = db.query("SELECT 1 FROM conversations WHERE conversation_id = ?");
    if (!db.run(c, {convId}))
        return std::nullopt;
    const bool exists = c.next();
    c.finish();
    return exists ? -1 : -2;
}

ProtocolError notMemberError(int state)
{
    if (state == -2)
        return err(ErrorCode::NotFound, u"conversation_id"_s, u"no such conversation"_s);
    return err(ErrorCode::Forbidden, u"conversation_id"_s, u"not a member of this conversation"_s);
}

// The conversation with its active members; nullopt on storage error, empty id if absent.
std::optional<proto::Conversation> loadConversation(Db &db, const QString &convId)
{
    QSqlQuery &q = db.query("SELECT kind, title, last_seq, created_ts FROM conversations "
                            "WHERE conversation_id = ?");
    if (!db.run(q, {convId}))
        return std::nullopt;
    proto::Conversation c;
    if (!q.next())
        return c;
    c.conversationId = convId;
    c.kind = q.value(0).toString() == "group"_L1 ? proto::ConversationKind::Group
                                                 : proto::ConversationKind::Direct;
    c.title = q.value(1).toString();
    c.lastSeq = q.value(2).toLongLong();
    c.createdTs = q.value(3).toLongLong();
    q.finish();
    QSqlQuery &m = db.query("SELECT user_id, delivered_seq, read_seq, role FROM members "
                            "WHERE conversation_id = ? AND active = 1 ORDER BY joined_ts, user_id");
    if (!db.run(m, {convId}))
        return std::nullopt;
    while (m.next()) {
        proto::Member mem;
        mem.userId = m.value(0).toString();
        mem.deliveredSeq = m.value(1).toLongLong();
        mem.readSeq = m.value(2).toLongLong();
        mem.role = m.value(3).toString() == "admin"_L1 ? proto::Role::Admin : proto::Role::Member;
        c.members.append(mem);
    }
    m.finish();
    return c;
}

std::optional<bool> userExists(Db &db, const QString &userId)
{
    QSqlQuery &q = db.query("SELECT 1 FROM users WHERE user_id = ?");
    if (!db.run(q, {userId}))
        return std::nullopt;
    const bool found = q.next();
    q.finish();
    return found;
}

QStringList idsOf(const QList<proto::Member> &members)
{
    QStringList out;
    out.reserve(members.size());
    for (const auto &m : members)
        out.append(m.userId);
    return out;
}

bool insertMember(Db &db, const QString &convId, const QString &userId, const QString &role,
                  qint64 change, qint64 now)
{
    QSqlQuery &q = db.query(
        "INSERT INTO members (conversation_id, user_id, role, active, delivered_seq, read_seq, "
        "change_seq, joined_ts) VALUES (?, ?, ?, 1, 0, 0, ?, ?) "
        "ON CONFLICT (conversation_id, user_id) DO UPDATE SET active = 1, role = excluded.role, "
        "change_seq = excluded.change_seq, joined_ts = excluded.joined_ts");
    return db.run(q, {convId, userId, role, change, now});
}

bool touchConversation(Db &db, const QString &convId, qint64 change)
{
    QSqlQuery &q = db.query("UPDATE conversations SET change_seq = ? WHERE conversation_id = ?");
    return db.run(q, {change, convId});
}

QString newConversationId()
{
    return crypto::newId("c_"_L1);
}

} // namespace

bool ensureEpoch(Db &db)
{
    QSqlQuery &q = db.query("INSERT INTO meta (key, value) VALUES ('epoch', ?) "
                            "ON CONFLICT (key) DO NOTHING");
    return db.run(q, {crypto::newId("e"_L1)});
}

// --- users and sessions ----------------------------------------------------------------------

Result<proto::User> createUser(Db &db, const QString &username, const QByteArray &hash,
                               const QString &displayName, qint64 now)
{
    QSqlQuery &q = db.query("SELECT 1 FROM users WHERE lower(username) = lower(?)");
    CHAT_TRY(db.run(q, {username}));
    const bool taken = q.next();
    q.finish();
    if (taken)
        return err(ErrorCode::Conflict, u"username"_s, u"username \"%1\" is taken"_s.arg(username));
    proto::User u{crypto::newId("u_"_L1), username, displayName.isEmpty() ? username : displayName};
    QSqlQuery &ins = db.query("INSERT INTO users (user_id, username, display_name, password_hash, "
                              "created_ts) VALUES (?, ?, ?, ?, ?)");
    CHAT_TRY(
        db.run(ins, {u.userId, u.username, text(u.displayName), QString::fromLatin1(hash), now}));
    return u;
}

Result<LoginRecord> loginRecord(Db &db, const QString &username)
{
    QSqlQuery &q = db.query("SELECT user_id, username, display_name, password_hash FROM users "
                            "WHERE lower(username) = lower(?)");
    CHAT_TRY(db.run(q, {username}));
    if (!q.next())
        return err(ErrorCode::Unauthorized, {}, u"wrong username or password"_s);
    LoginRecord r{readUser(q), q.value(3).toString().toLatin1()};
    q.finish();
    return r;
}

Result<bool> createToken(Db &db, const QString &userId, const QByteArray &tokenHash,
                         qint64 expiresAt, const QString &device, qint64 now)
{
    QSqlQuery &q = db.query("INSERT INTO tokens (token_hash, user_id, device, created_ts, "
                            "expires_ts, revoked) VALUES (?, ?, ?, ?, ?, 0)");
    CHAT_TRY(db.run(q, {QString::fromLatin1(tokenHash), userId, text(device), now, expiresAt}));
    return true;
}

Result<proto::User> userForToken(Db &db, const QByteArray &tokenHash, qint64 now)
{
    QSqlQuery &q = db.query("SELECT u.user_id, u.username, u.display_name FROM tokens t "
                            "JOIN users u ON u.user_id = t.user_id "
                            "WHERE t.token_hash = ? AND t.revoked = 0 AND t.expires_ts > ?");
    CHAT_TRY(db.run(q, {QString::fromLatin1(tokenHash), now}));
    if (!q.next())
        return err(ErrorCode::Unauthorized, u"token"_s,
                   u"the token is unknown, revoked or expired; log in again"_s);
    const proto::User u = readUser(q);
    q.finish();
    return u;
}

Result<bool> revokeToken(Db &db, const QByteArray &tokenHash)
{
    QSqlQuery &q = db.query("UPDATE tokens SET revoked = 1 WHERE token_hash = ?");
    CHAT_TRY(db.run(q, {QString::fromLatin1(tokenHash)}));
    return q.numRowsAffected() > 0;
}

Result<proto::User> resolveUser(Db &db, const QString &idOrUsername)
{
    QSqlQuery &q = db.query("SELECT user_id, username, display_name FROM users WHERE user_id = ? "
                            "UNION ALL SELECT user_id, username, display_name FROM users "
                            "WHERE lower(username) = lower(?)");
    CHAT_TRY(db.run(q, {idOrUsername, idOrUsername}));
    if (!q.next())
        return err(ErrorCode::NotFound, u"user_id"_s, u"no such user \"%1\""_s.arg(idOrUsername));
    const proto::User u = readUser(q);
    q.finish();
    return u;
}

Result<QList<proto::User>> searchUsers(Db &db, const QString &query, int limit)
{
    QString pattern = query.toLower();
    pattern.replace(u'\\', "\\\\"_L1).replace(u'%', "\\%"_L1).replace(u'_', "\\_"_L1);
    pattern = u'%' + pattern + u'%';
    QSqlQuery &q = db.query("SELECT user_id, username, display_name FROM users "
                            "WHERE lower(username) LIKE ? ESCAPE '\\' "
                            "OR lower(display_name) LIKE ? ESCAPE '\\' "
                            "ORDER BY username LIMIT ?");
    CHAT_TRY(db.run(q, {pattern, pattern, limit}));
    QList<proto::User> out;
    while (q.next())
        out.append(readUser(q));
    q.finish();
    return out;
}

Result<QStringList> peers(Db &db, const QString &userId)
{
    QSqlQuery &q = db.query("SELECT DISTINCT m2.user_id FROM members m1 JOIN members m2 "
                            "ON m2.conversation_id = m1.conversation_id "
                            "WHERE m1.user_id = ? AND m1.active = 1 AND m2.active = 1 "
                            "AND m2.user_id <> ?");
    CHAT_TRY(db.run(q, {userId, userId}));
    QStringList out;
    while (q.next())
        out.append(q.value(0).toString());
    q.finish();
    return out;
}

// --- conversations ----------------------------------------------------------------------------

Result<ConversationOutcome> createConversation(Db &db, const QString &creatorId,
                                               proto::ConversationKind kind, const QString &title,
                                               const QStringList &memberIds, qint64 now,
                                               int maxGroupSize)
{
    QStringList all{creatorId};
    for (int i = 0; i < memberIds.size(); ++i) {
        const QString &id = memberIds.at(i);
        if (all.contains(id))
            continue;
        const auto exists = userExists(db, id);
        CHAT_TRY(exists);
        if (!*exists)
            return err(ErrorCode::NotFound, u"members[%1]"_s.arg(i),
                       u"no such user \"%1\""_s.arg(id));
        all.append(id);
    }
    const bool direct = kind == proto::ConversationKind::Direct;
    if (direct && all.size() != 2)
        return err(ErrorCode::BadRequest, u"members"_s,
                   u"a direct conversation is between you and exactly one other user"_s);
    if (all.size() > maxGroupSize)
        return err(ErrorCode::TooLarge, u"members"_s,
                   u"a conversation has at most %1 members"_s.arg(maxGroupSize));
    QVariant directKey; // NULL for groups (UNIQUE allows many NULLs)
    if (direct) {
        QStringList pair = all;
        pair.sort();
        directKey = pair.join(u'|');
        QSqlQuery &q = db.query("SELECT conversation_id FROM conversations WHERE direct_key = ?");
        CHAT_TRY(db.run(q, {directKey}));
        if (q.next()) {
            const QString id = q.value(0).toString();
            q.finish();
            const auto conv = loadConversation(db, id);
            CHAT_TRY(conv);
            ConversationOutcome out;
            out.conversation = *conv;
            return out;
        }
    }
    const auto change = nextChange(db);
    CHAT_TRY(change);
    ConversationOutcome out;
    const QString id = newConversationId();
    QSqlQuery &ins = db.query(
        "INSERT INTO conversations (conversation_id, kind, title, direct_key, fixture_key, "
        "created_ts, last_seq, change_seq, activity_seq) VALUES (?, ?, ?, ?, NULL, ?, 0, ?, ?)");
    CHAT_TRY(db.run(ins, {id, direct ? u"direct"_s : u"group"_s, text(direct ? QString() : title),
                          directKey, now, *change, *change}));
    for (const QString &u : all)
        CHAT_TRY(insertMember(db, id, u, (!direct && u == creatorId) ? u"admin"_s : u"member"_s,
                              *change, now));
    const auto conv = loadConversation(db, id);
    CHAT_TRY(conv);
    out.conversation = *conv;
    out.created = out.changed = true;
    out.notifyUserIds = idsOf(conv->members);
    return out;
}

Result<ConversationOutcome> addMembers(Db &db, const QString &actorId, const QString &convId,
                                       const QStringList &userIds, qint64 now, int maxGroupSize)
{
    const auto state = membership(db, actorId, convId);
    CHAT_TRY(state);
    if (*state != 1)
        return notMemberError(*state);
    auto conv = loadConversation(db, convId);
    CHAT_TRY(conv);
    if (conv->kind == proto::ConversationKind::Direct)
        return err(ErrorCode::BadRequest, u"conversation_id"_s,
                   u"a direct conversation cannot have more members; create a group"_s);
    QStringList current = idsOf(conv->members), added;
    for (int i = 0; i < userIds.size(); ++i) {
        const QString &id = userIds.at(i);
        if (current.contains(id) || added.contains(id))
            continue;
        const auto exists = userExists(db, id);
        CHAT_TRY(exists);
        if (!*exists)
            return err(ErrorCode::NotFound, u"user_ids[%1]"_s.arg(i),
                       u"no such user \"%1\""_s.arg(id));
        added.append(id);
    }
    ConversationOutcome out;
    if (current.size() + added.size() > maxGroupSize)
        return err(ErrorCode::TooLarge, u"user_ids"_s,
                   u"a conversation has at most %1 members"_s.arg(maxGroupSize));
    if (added.isEmpty()) {
        out.conversation = *conv;
        return out;
    }
    const auto change = nextChange(db);
    CHAT_TRY(change);
    for (const QString &u : added)
        CHAT_TRY(insertMember(db, convId, u, u"member"_s, *change, now));
    CHAT_TRY(touchConversation(db, convId, *change));
    conv = loadConversation(db, convId);
    CHAT_TRY(conv);
    out.conversation = *conv;
    out.changed = true;
    out.notifyUserIds = idsOf(conv->members);
    return out;
}

Result<ConversationOutcome> leave(Db &db, const QString &actorId, const QString &convId)
{
    const auto state = membership(db, actorId, convId);
    CHAT_TRY(state);
    if (*state != 1)
        return notMemberError(*state);
    auto conv = loadConversation(db, convId);
    CHAT_TRY(conv);
    if (conv->kind == proto::ConversationKind::Direct)
        return err(ErrorCode::BadRequest, u"conversation_id"_s,
                   u"a direct conversation cannot be left"_s);
    const auto change = nextChange(db);
    CHAT_TRY(change);
    QSqlQuery &q = db.query("UPDATE members SET active = 0, change_seq = ? "
                            "WHERE conversation_id = ? AND user_id = ?");
    CHAT_TRY(db.run(q, {*change, convId, actorId}));
    CHAT_TRY(touchConversation(db, convId, *change));
    conv = loadConversation(db, convId);
    CHAT_TRY(conv);
    ConversationOutcome out;
    out.conversation = *conv;
    out.changed = true;
    out.notifyUserIds = idsOf(conv->members);
    out.notifyUserIds.append(actorId);
    return out;
}

Result<QStringList> memberIds(Db &db, const QString &userId, const QString &convId)
{
    const auto state = membership(db, userId, convId);
    CHAT_TRY(state);
    if (*state != 1)
        return notMemberError(*state);
    QSqlQuery &q = db.query("SELECT user_id FROM members WHERE conversation_id = ? AND active = 1");
    CHAT_TRY(db.run(q, {convId}));
    QStringList out;
    while (q.next())
        out.append(q.value(0).toString());
    q.finish();
    return out;
}

// --- messages --------------------------------------------------------------------------------

Result<SendOutcome> send(Db &db, const SendParams &params)
{
    SendParams p = params;
    if (p.resolveSender) {
        auto u = resolveUser(db, p.senderId);
        if (!u.ok()) {
            ProtocolError e = u.error();
            e.field = u"as_user"_s;
            return e;
        }
        p.senderId = u.value().userId;
    }
    if (SqliteSendPath *fast = db.fastSend()) {
        bool storageFailed = false;
        QString message;
        auto r = fast->send(p, &storageFailed, &message);
        if (storageFailed)
            db.setFailure(message);
        return r;
    }
    SendOutcome out;
    {
        // Idempotency first: a retry gets the original, whatever else changed since.
        QSqlQuery &q =
            db.query("SELECT message_id, conversation_id, seq, sender_id, client_msg_id, "
                     "kind, content, ts FROM messages "
                     "WHERE sender_id = ? AND client_msg_id = ?");
        CHAT_TRY(db.run(q, {p.senderId, p.clientMsgId}));
        if (q.next()) {
            out.message = readMessage(q);
            out.duplicate = true;
            q.finish();
            return out;
        }
    }
    // The members (for fan-out and push) double as the membership check: 5 statements a send.
    QSqlQuery &mq = db.query("SELECT m.user_id, m.delivered_seq, m.read_seq, m.role, "
                             "u.display_name FROM members m JOIN users u ON u.user_id = m.user_id "
                             "WHERE m.conversation_id = ? AND m.active = 1");
    CHAT_TRY(db.run(mq, {p.conversationId}));
    bool isMember = false;
    while (mq.next()) {
        proto::Member mem;
        mem.userId = mq.value(0).toString();
        mem.deliveredSeq = mq.value(1).toLongLong();
        mem.readSeq = mq.value(2).toLongLong();
        mem.role = mq.value(3).toString() == "admin"_L1 ? proto::Role::Admin : proto::Role::Member;
        if (mem.userId == p.senderId) {
            isMember = true;
            out.senderDisplayName = mq.value(4).toString();
        }
        out.members.append(mem);
    }
    mq.finish();
    if (!isMember) {
        const auto state = membership(db, p.senderId, p.conversationId);
        CHAT_TRY(state);
        return notMemberError(*state == 1 ? -1 : *state);
    }
    const auto change = nextChange(db);
    CHAT_TRY(change);
    QSqlQuery &u = db.query("UPDATE conversations SET last_seq = last_seq + 1, change_seq = ?, "
                            "activity_seq = ? WHERE conversation_id = ? RETURNING last_seq");
    CHAT_TRY(db.run(u, {*change, *change, p.conversationId}) && u.next());
    const qint64 seq = u.value(0).toLongLong();
    u.finish();
    proto::Message &m = out.message;
    m.messageId = crypto::newId("m_"_L1);
    m.conversationId = p.conversationId;
    m.seq = seq;
    m.senderId = p.senderId;
    m.clientMsgId = p.clientMsgId;
    m.kind = p.kind.isEmpty() ? u"text"_s : p.kind;
    m.content = p.content;
    m.ts = p.ts;
    QSqlQuery &ins = db.query("INSERT INTO messages (message_id, conversation_id, seq, sender_id, "
                              "client_msg_id, kind, content, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    CHAT_TRY(db.run(ins, {m.messageId, m.conversationId, m.seq, m.senderId, m.clientMsgId, m.kind,
                          m.content, m.ts}));
    // A sender has seen everything up to their own message (protocol §8, "sending reads"):
    // seq is the new last_seq, so this is the highest either watermark can be.
    QSqlQuery &w = db.query("UPDATE members SET delivered_seq = ?, read_seq = ? "
                            "WHERE conversation_id = ? AND user_id = ?");
    CHAT_TRY(db.run(w, {seq, seq, p.conversationId, p.senderId}));
    for (proto::Member &mem : out.members) {
        if (mem.userId == p.senderId)
            mem.deliveredSeq = mem.readSeq = seq;
    }
    return out;
}

// history() on the sqlite3 C API (SQLite reader connection).
Result<HistoryOutcome> fastHistory(Db &db, SqliteReadPath &r, const HistoryParams &p)
{
    const auto state = r.membership(p.userId, p.conversationId);
    if (!state) {
        db.setFailure(r.lastError());
        return db.storageError();
    }
    if (*state != 1)
        return notMemberError(*state);
    using Page = SqliteReadPath::Page;
    const Page page = p.beforeSeq ? Page::Before : p.afterSeq ? Page::After : Page::Latest;
    const qint64 seq = p.beforeSeq ? *p.beforeSeq : p.afterSeq ? *p.afterSeq : 0;
    HistoryOutcome out;
    out.messages.reserve(p.limit + 1);
    if (!r.messages(p.conversationId, page, seq, p.limit + 1, &out.messages)) {
        db.setFailure(r.lastError());
        return db.storageError();
    }
    if (out.messages.size() > p.limit) {
        out.hasMore = true;
        out.messages.removeLast();
    }
    if (!p.afterSeq)
        std::reverse(out.messages.begin(), out.messages.end());
    return out;
}

Result<HistoryOutcome> history(Db &db, const HistoryParams &p)
{
    if (SqliteReadPath *r = db.fastRead())
        return fastHistory(db, *r, p);
    const auto state = membership(db, p.userId, p.conversationId);
    CHAT_TRY(state);
    if (*state != 1)
        return notMemberError(*state);
    QSqlQuery *q;
    if (p.beforeSeq) {
        q = &db.query("SELECT message_id, conversation_id, seq, sender_id, client_msg_id, kind, "
                      "content, ts FROM messages WHERE conversation_id = ? AND seq < ? "
                      "ORDER BY seq DESC LIMIT ?");
        CHAT_TRY(db.run(*q, {p.conversationId, *p.beforeSeq, p.limit + 1}));
    } else if (p.afterSeq) {
        q = &db.query("SELECT message_id, conversation_id, seq, sender_id, client_msg_id, kind, "
                      "content, ts FROM messages WHERE conversation_id = ? AND seq > ? "
                      "ORDER BY seq ASC LIMIT ?");
        CHAT_TRY(db.run(*q, {p.conversationId, *p.afterSeq, p.limit + 1}));
    } else {
        q = &db.query("SELECT message_id, conversation_id, seq, sender_id, client_msg_id, kind, "
                      "content, ts FROM messages WHERE conversation_id = ? "
                      "ORDER BY seq DESC LIMIT ?");
        CHAT_TRY(db.run(*q, {p.conversationId, p.limit + 1}));
    }
    HistoryOutcome out;
    while (q->next())
        out.messages.append(readMessage(*q));
    q->finish();
    if (out.messages.size() > p.limit) {
        out.hasMore = true;
        out.messages.removeLast();
    }
    if (!p.afterSeq)
        std::reverse(out.messages.begin(), out.messages.end());
    return out;
}

Result<ReceiptOutcome> markReceipt(Db &db, const QString &userId, const QString &convId,
                                   qint64 delivered, qint64 read)
{
    if (SqliteSendPath *fast = db.fastSend()) {
        bool storageFailed = false;
        QString message;
        auto r = fast->receipt(userId, convId, delivered, read, &storageFailed, &message);
        if (storageFailed)
            db.setFailure(message);
        return r;
    }
    QSqlQuery &q = db.query("SELECT m.delivered_seq, m.read_seq, m.active, c.last_seq "
                            "FROM members m JOIN conversations c "
                            "ON c.conversation_id = m.conversation_id "
                            "WHERE m.conversation_id = ? AND m.user_id = ?");
    CHAT_TRY(db.run(q, {convId, userId}));
    if (!q.next() || q.value(2).toInt() != 1) {
        q.finish();
        const auto state = membership(db, userId, convId);
        CHAT_TRY(state);
        return notMemberError(*state == 1 ? -1 : *state);
    }
    const qint64 oldDelivered = q.value(0).toLongLong(), oldRead = q.value(1).toLongLong();
    const qint64 last = q.value(3).toLongLong();
    q.finish();
    // Monotonic, never past last_seq, and a read implies delivery.
    const qint64 newRead = std::max(oldRead, std::min(read, last));
    const qint64 newDelivered = std::max({oldDelivered, std::min(delivered, last), newRead});
    ReceiptOutcome out;
    out.receipt.conversationId = convId;
    out.receipt.userId = userId;
    out.receipt.deliveredSeq = newDelivered;
    out.receipt.readSeq = newRead;
    if (newRead == oldRead && newDelivered == oldDelivered)
        return out;
    const auto change = nextChange(db);
    CHAT_TRY(change);
    QSqlQuery &u = db.query("UPDATE members SET delivered_seq = ?, read_seq = ? "
                            "WHERE conversation_id = ? AND user_id = ?");
    CHAT_TRY(db.run(u, {newDelivered, newRead, convId, userId}));
    CHAT_TRY(touchConversation(db, convId, *change));
    QSqlQuery &m = db.query("SELECT user_id FROM members WHERE conversation_id = ? AND active = 1");
    CHAT_TRY(db.run(m, {convId}));
    while (m.next())
        out.memberIds.append(m.value(0).toString());
    m.finish();
    out.changed = true;
    return out;
}

// --- sync ------------------------------------------------------------------------------------
// since  = "<epoch>.<H>"   every change with counter <= H has been seen
// cursor = "<epoch>.<S>.<H1>.<R>.<L>.<H>.<A>.<conversation_id>"
//
// A sync lists the conversations that changed after S, most recently active first, paged by
// (activity_seq, conversation_id). Paging needs an order that holds still while the client
// pages, yet the conversations keep changing underneath:
//  - Receipts and renames change a conversation but not its activity, so they never move it
//    in the order. The set is therefore "changed after S" with no upper bound: a
//    conversation the client (or anyone) touches while paging stays in its place. An upper
//    bound here once dropped every not-yet-paged conversation whose delivered watermark the
//    client itself raised meanwhile, and with them all their missed messages.
//  - A new message raises activity, which would move a not-yet-paged conversation above the
//    cursor. Round R pages activity in (L, H]; a conversation that rose above H meanwhile is
//    listed again in round R+1, which pages (H, now]. Its new message was also pushed live.
//    After kMaxSyncRounds rounds the sync ends anyway (a busy account would never stand
//    still); pushes and the next sync cover the rest.
// next_since is H1, the high mark of round 1: changes after it may have been missed by a
// page already sent, so the next sync lists them again (receiving a conversation twice is
// harmless, missing one is not).

namespace {
constexpr int kMaxSyncRounds = 4;

struct SyncCursor {
    qint64 since = 0, high1 = 0, round = 1, low = -1, high = 0, afterActivity = 0;
    QString afterId; // empty: start of a round
};

QString encodeCursor(const QString &ep, const SyncCursor &c)
{
    return u"%1.%2.%3.%4.%5.%6.%7.%8"_s.arg(ep)
        .arg(c.since)
        .arg(c.high1)
        .arg(c.round)
        .arg(c.low)
        .arg(c.high)
        .arg(c.afterActivity)
        .arg(c.afterId);
}

std::optional<SyncCursor> decodeCursor(const QString &ep, const QString &text)
{
    const QStringList parts = text.split(u'.');
    if (parts.size() != 8 || parts[0] != ep)
        return std::nullopt;
    SyncCursor c;
    bool ok[6] = {};
    c.since = parts[1].toLongLong(&ok[0]);
    c.high1 = parts[2].toLongLong(&ok[1]);
    c.round = parts[3].toLongLong(&ok[2]);
    c.low = parts[4].toLongLong(&ok[3]);
    c.high = parts[5].toLongLong(&ok[4]);
    c.afterActivity = parts[6].toLongLong(&ok[5]);
    c.afterId = parts[7];
    for (bool b : ok)
        if (!b)
            return std::nullopt;
    if (c.since < 0 || c.high1 < c.since || c.round < 1 || c.round > kMaxSyncRounds
        || c.high < c.high1)
        return std::nullopt;
    return c;
}

// The rows of one round that a user should see: changed after `since`, or (for a membership
// that ended) ended after it.
// (A macro so that each statement stays one literal: Db::query caches by its address.)
#define CHAT_SYNC_SET_SQL                                                                          \
    "FROM members m JOIN conversations c ON c.conversation_id = m.conversation_id "                \
    "WHERE m.user_id = ? AND ("                                                                    \
    " (m.active = 1 AND (c.change_seq > ? OR m.change_seq > ?)) "                                  \
    " OR (m.active = 0 AND ? > 0 AND m.change_seq > ?)) "
} // namespace

Result<SyncOutcome> sync(Db &db, const SyncParams &p)
{
    const auto ep = epoch(db);
    CHAT_TRY(ep);
    SyncCursor cur;
    if (p.cursor) {
        const auto c = decodeCursor(*ep, *p.cursor);
        if (!c)
            return err(
                ErrorCode::BadRequest, u"cursor"_s,
                u"this cursor is not one this server issued; start again with cursor null"_s);
        cur = *c;
    } else {
        if (p.since) {
            const QStringList parts = p.since->split(u'.');
            bool ok = false;
            if (parts.size() == 2)
                cur.since = parts[1].toLongLong(&ok);
            if (!ok || cur.since < 0)
                return err(
                    ErrorCode::BadRequest, u"since"_s,
                    u"\"since\" is not a token this server issued; use null for a full sync"_s);
            if (parts[0] != *ep)
                cur.since = 0; // a token from a store that no longer exists: full sync
        }
        const auto h = currentChange(db);
        CHAT_TRY(h);
        cur.high1 = cur.high = *h;
        if (cur.since > cur.high)
            cur.since = 0;
    }
    const qint64 since = cur.since;
    QSqlQuery &q = db.query(
        "SELECT c.conversation_id, c.activity_seq, m.active " CHAT_SYNC_SET_SQL
        "AND c.activity_seq <= ? AND (? < 0 OR c.activity_seq > ?) "
        "AND (? = 0 OR c.activity_seq < ? OR (c.activity_seq = ? AND c.conversation_id > ?)) "
        "ORDER BY c.activity_seq DESC, c.conversation_id ASC LIMIT ?");
    CHAT_TRY(db.run(q, {p.userId, since, since, since, since, cur.high, cur.low, cur.low,
                        cur.afterId.isEmpty() ? 0 : 1, cur.afterActivity, cur.afterActivity,
                        cur.afterId, p.limit + 1}));
    struct Row {
        QString id;
        qint64 activity;
        bool active;
    };
    QList<Row> rows;
    while (q.next())
        rows.append({q.value(0).toString(), q.value(1).toLongLong(), q.value(2).toInt() == 1});
    q.finish();
    SyncOutcome out;
    if (rows.size() > p.limit) {
        rows.removeLast();
        SyncCursor next = cur;
        next.afterActivity = rows.last().activity;
        next.afterId = rows.last().id;
        out.cursor = encodeCursor(*ep, next);
    } else if (cur.round < kMaxSyncRounds) {
        // End of this round: did anything rise above it while the client was paging?
        QSqlQuery &r = db.query("SELECT 1 " CHAT_SYNC_SET_SQL "AND c.activity_seq > ? LIMIT 1");
        CHAT_TRY(db.run(r, {p.userId, since, since, since, since, cur.high}));
        const bool rose = r.next();
        r.finish();
        if (rose) {
            const auto h = currentChange(db);
            CHAT_TRY(h);
            SyncCursor next = cur;
            ++next.round;
            next.low = cur.high;
            next.high = *h;
            next.afterActivity = 0;
            next.afterId.clear();
            out.cursor = encodeCursor(*ep, next);
        }
    }
    out.nextSince = u"%1.%2"_s.arg(*ep).arg(cur.high1);
    QStringList userIds{p.userId};
    SqliteReadPath *fast = db.fastRead();
    auto storageFailure = [&db, fast] {
        db.setFailure(fast->lastError());
        return db.storageError();
    };
    for (const Row &r : rows) {
        const auto conv = fast ? fast->conversation(r.id) : loadConversation(db, r.id);
        if (fast && !conv)
            return storageFailure();
        CHAT_TRY(conv);
        proto::ConvState cs;
        cs.conversation = *conv;
        if (r.active && p.recent > 0 && fast) {
            if (!fast->messages(r.id, SqliteReadPath::Page::Latest, 0, p.recent, &cs.recent))
                return storageFailure();
            std::reverse(cs.recent.begin(), cs.recent.end());
        } else if (r.active && p.recent > 0) {
            QSqlQuery &mq = db.query("SELECT message_id, conversation_id, seq, sender_id, "
                                     "client_msg_id, kind, content, ts FROM messages "
                                     "WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?");
            CHAT_TRY(db.run(mq, {r.id, p.recent}));
            while (mq.next())
                cs.recent.prepend(readMessage(mq));
            mq.finish();
        }
        for (const auto &m : std::as_const(cs.conversation.members))
            if (!userIds.contains(m.userId))
                userIds.append(m.userId);
        for (const auto &m : std::as_const(cs.recent))
            if (!userIds.contains(m.senderId))
                userIds.append(m.senderId);
        out.conversations.append(cs);
    }
    if (fast) {
        for (const QString &id : std::as_const(userIds)) {
            proto::User u;
            bool found = false;
            if (!fast->user(id, &u, &found))
                return storageFailure();
            if (found)
                out.users.append(std::move(u));
        }
        return out;
    }
    QSqlQuery &uq = db.query("SELECT user_id, username, display_name FROM users WHERE user_id = ?");
    for (const QString &id : std::as_const(userIds)) {
        CHAT_TRY(db.run(uq, {id}));
        if (uq.next())
            out.users.append(readUser(uq));
        uq.finish();
    }
    return out;
}

// --- QA control ------------------------------------------------------------------------------

Result<SeedOutcome> seed(Db &db, const Fixture &fx, qint64 now)
{
    SeedOutcome out;
    QHash<QString, QString> idOf; // username -> user id
    for (const Fixture::User &fu : fx.users) {
        QSqlQuery &q = db.query("SELECT user_id FROM users WHERE lower(username) = lower(?)");
        CHAT_TRY(db.run(q, {fu.username}));
        if (q.next()) {
            idOf.insert(fu.username, q.value(0).toString());
            q.finish();
            continue;
        }
        const QByteArray hash = crypto::hashPassword(fu.password);
        if (hash.isEmpty())
            return db.storageError();
        auto u = createUser(db, fu.username, hash, fu.displayName, now);
        if (!u.ok())
            return u.error();
        idOf.insert(fu.username, u.value().userId);
        ++out.usersAdded;
    }
    for (int ci = 0; ci < fx.conversations.size(); ++ci) {
        const Fixture::Conversation &fc = fx.conversations.at(ci);
        QStringList members;
        for (int i = 0; i < fc.members.size(); ++i) {
            const QString &name = fc.members.at(i);
            if (!idOf.contains(name)) {
                auto r = resolveUser(db, name);
                if (!r.ok())
                    return err(ErrorCode::NotFound,
                               u"fixture.conversations[%1].members[%2]"_s.arg(ci).arg(i),
                               u"fixture names unknown user \"%1\""_s.arg(name));
                idOf.insert(name, r.value().userId);
            }
            if (!members.contains(idOf.value(name)))
                members.append(idOf.value(name));
        }
        const bool direct = fc.kind == "direct"_L1;
        QSqlQuery &k = db.query("SELECT conversation_id FROM conversations WHERE fixture_key = ?");
        CHAT_TRY(db.run(k, {fc.key}));
        if (k.next()) {
            out.conversationIds.insert(fc.key, k.value(0).toString());
            k.finish();
            continue;
        }
        QVariant directKey;
        if (direct) {
            QStringList pair = members;
            pair.sort();
            directKey = pair.join(u'|');
            QSqlQuery &d =
                db.query("SELECT conversation_id FROM conversations WHERE direct_key = ?");
            CHAT_TRY(db.run(d, {directKey}));
            if (d.next()) { // already created by the users themselves: leave it alone
                out.conversationIds.insert(fc.key, d.value(0).toString());
                d.finish();
                continue;
            }
        }
        const auto change = nextChange(db);
        CHAT_TRY(change);
        const QString id = newConversationId();
        const qint64 n = fc.messages.size();
        // History spread over the past: one message every 7 minutes, the last 2 minutes ago.
        const qint64 step = 7 * 60 * 1000, lastTs = now - 2 * 60 * 1000;
        const qint64 created = lastTs - (n + 1) * step;
        QSqlQuery &ins = db.query(
            "INSERT INTO conversations (conversation_id, kind, title, direct_key, fixture_key, "
            "created_ts, last_seq, change_seq, activity_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        CHAT_TRY(db.run(ins, {id, fc.kind, text(direct ? QString() : fc.title), directKey, fc.key,
                              created, n, *change, *change}));
        for (int i = 0; i < members.size(); ++i)
            CHAT_TRY(insertMember(db, id, members.at(i),
                                  (!direct && i == 0) ? u"admin"_s : u"member"_s, *change,
                                  created));
        QSqlQuery &mi =
            db.query("INSERT INTO messages (message_id, conversation_id, seq, sender_id, "
                     "client_msg_id, kind, content, ts) VALUES (?, ?, ?, ?, ?, 'text', ?, ?)");
        for (qint64 i = 0; i < n; ++i) {
            const Fixture::Message &fm = fc.messages.at(i);
            CHAT_TRY(db.run(mi, {crypto::newId("m_"_L1), id, i + 1, idOf.value(fm.from),
                                 u"fixture-%1-%2"_s.arg(fc.key).arg(i + 1), fm.content,
                                 lastTs - (n - 1 - i) * step}));
        }
        // Sending reads (protocol §8): each author has read up to their last message.
        QHash<QString, qint64> lastBySender;
        for (qint64 i = 0; i < n; ++i)
            lastBySender.insert(idOf.value(fc.messages.at(i).from), i + 1);
        QSqlQuery &w = db.query("UPDATE members SET delivered_seq = ?, read_seq = ? "
                                "WHERE conversation_id = ? AND user_id = ?");
        for (auto it = lastBySender.cbegin(); it != lastBySender.cend(); ++it)
            CHAT_TRY(db.run(w, {it.value(), it.value(), id, it.key()}));
        out.conversationIds.insert(fc.key, id);
        ++out.conversationsAdded;
        out.messagesAdded += int(n);
    }
    return out;
}

Result<StoreStats> stats(Db &db)
{
    QSqlQuery &q = db.query("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM "
                            "conversations), (SELECT count(*) FROM messages)");
    CHAT_TRY(db.run(q) && q.next());
    StoreStats s{q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toLongLong()};
    q.finish();
    return s;
}

} // namespace chat::server::sqlops
