#include "dispatchharness.h"

#include "chatserver.h"
#include "crypto.h"
#include "memorytransport.h"
#include "net/protocol/codec.h"
#include "serverconfig.h"
#include "session.h"
#include "store.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTimer>
#include <cstdio>
#include <cstdlib>
#include <optional>

using namespace Qt::StringLiterals;
namespace proto = chat::proto;
namespace CloseCode = chat::proto::CloseCode;

namespace fuzz {

namespace {
// Generous for a loaded 2-core machine under ASan, below libFuzzer's -timeout=10 so a hang is
// reported as what it is.
constexpr int kSettleMs = 8000;
// Setup (logins hash passwords with Argon2id) may take longer.
constexpr int kSetupMs = 60000;
// Clients accept server frames this big (src/net/connection.cpp: kMaxServerFrameBytes).
constexpr qsizetype kMaxServerFrameBytes = 16 * 1024 * 1024;

QString json(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QString randomHex(int bytes)
{
    QByteArray raw(bytes, Qt::Uninitialized);
    for (char &c : raw)
        c = char(QRandomGenerator::system()->bounded(256));
    return QString::fromLatin1(raw.toHex());
}

// True when any object in `v` has "conversation_id" equal to `id`.
bool namesConversation(const QJsonValue &v, const QString &id)
{
    if (v.isArray()) {
        const QJsonArray a = v.toArray();
        for (const QJsonValue &e : a)
            if (namesConversation(e, id))
                return true;
    } else if (v.isObject()) {
        const QJsonObject o = v.toObject();
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (it.key() == "conversation_id"_L1 && it.value().toString() == id)
                return true;
            if (namesConversation(it.value(), id))
                return true;
        }
    }
    return false;
}

// Frames the harness does not send on a connection (see the header for why).
bool isNotSent(int slot, const proto::ClientFrame &f)
{
    if (slot == DispatchHarness::kAnonymous)
        return std::holds_alternative<proto::LoginRequest>(f)
               || std::holds_alternative<proto::RegisterRequest>(f);
    if (slot == DispatchHarness::kAdmin)
        return std::holds_alternative<proto::AdminFaultRequest>(f)
               || std::holds_alternative<proto::AdminKickRequest>(f);
    return false;
}

bool isProtocolCloseCode(int code)
{
    switch (code) {
    case CloseCode::Normal: // logout
    case CloseCode::TooLarge:
    case CloseCode::HeartbeatTimeout:
    case CloseCode::Unauthorized:
    case CloseCode::ProtocolErrors:
    case CloseCode::RateLimited: return true;
    default: return false;
    }
}
} // namespace

// One fake connection: what was asked, what was answered, how it ended.
struct Connection {
    int slot = 0;
    int number = 0;
    QPointer<chat::server::Session> session;
    chat::server::MemoryTransport *transport = nullptr; // owned by the session
    bool ended = false;
    bool endedByHarness = false;
    int closeCode = -1;
    QString closeReason;
    QHash<QString, int> expected, answered; // request id -> count
    QHash<QString, QString> setupAnswers;   // "fz-" ids -> answer frame
    QStringList recent;                     // last frames out, for reports

    bool outstanding() const
    {
        if (ended || !session)
            return false;
        for (auto it = expected.begin(); it != expected.end(); ++it)
            if (answered.value(it.key()) < it.value())
                return true;
        return false;
    }
};

DispatchHarness::DispatchHarness() = default;

DispatchHarness::~DispatchHarness()
{
    m_stopping = true; // stop() closes every connection with 1001
    if (m_server)
        m_server->stop();
}

bool DispatchHarness::init(QString *error)
{
    // The store on tmpfs when there is one: every send commits with fsync.
    m_dir = QDir(u"/dev/shm"_s).exists()
                ? std::make_unique<QTemporaryDir>(u"/dev/shm/fuzz_dispatch-XXXXXX"_s)
                : std::make_unique<QTemporaryDir>();
    if (!m_dir->isValid()) {
        *error = u"cannot create a temporary folder: "_s + m_dir->errorString();
        return false;
    }
    // Random per process, so no input can contain them by chance or by mutation.
    const QString secretG = u"secret-g-"_s + randomHex(12);
    const QString secretAB = u"secret-ab-"_s + randomHex(12);
    const QString secretBC = u"secret-bc-"_s + randomHex(12);
    const QStringList names{u"alice"_s, u"bob"_s, u"carol"_s};
    QJsonArray users;
    for (const QString &n : QStringList{u"alice"_s, u"bob"_s, u"carol"_s, u"dave"_s})
        users.append(QJsonObject{{"username"_L1, n}, {"password"_L1, QString(n + u"-password"_s)}});
    auto msg = [](const QString &from, const QString &content) {
        return QJsonObject{{"from"_L1, from}, {"content"_L1, content}};
    };
    const QJsonObject fixture{
        {"users"_L1, users},
        {"conversations"_L1,
         QJsonArray{
             QJsonObject{
                 {"key"_L1, u"team"_s},
                 {"kind"_L1, u"group"_s},
                 {"title"_L1, u"team"_s},
                 {"members"_L1, QJsonArray{u"alice"_s, u"bob"_s, u"dave"_s}},
                 {"messages"_L1, QJsonArray{msg(u"alice"_s, QString(u"hello team "_s + secretG)),
                                            msg(u"dave"_s, u"hi"_s)}}},
             QJsonObject{
                 {"key"_L1, u"ab"_s},
                 {"kind"_L1, u"direct"_s},
                 {"members"_L1, QJsonArray{u"alice"_s, u"bob"_s}},
                 {"messages"_L1, QJsonArray{msg(u"bob"_s, QString(u"just us "_s + secretAB))}}},
             QJsonObject{
                 {"key"_L1, u"bc"_s},
                 {"kind"_L1, u"direct"_s},
                 {"members"_L1, QJsonArray{u"bob"_s, u"carol"_s}},
                 {"messages"_L1, QJsonArray{msg(u"carol"_s, QString(u"private "_s + secretBC)),
                                            msg(u"bob"_s, u"ok"_s)}}},
         }},
    };
    QFile fx(m_dir->filePath(u"fixture.json"_s));
    if (!fx.open(QIODevice::WriteOnly) || fx.write(QJsonDocument(fixture).toJson()) < 0) {
        *error = u"cannot write the fixture: "_s + fx.errorString();
        return false;
    }
    fx.close();

    chat::server::ServerConfig cfg; // the protocol's defaults: rate limit, bad frames, caps
    cfg.dataDir = m_dir->filePath(u"data"_s);
    cfg.fixtureFile = fx.fileName();
    m_adminToken = randomHex(16);
    cfg.adminToken = m_adminToken;
    m_server = std::make_unique<chat::server::ChatServer>(cfg);
    if (!m_server->start(error))
        return false;

    for (int i = 0; i < 3; ++i) {
        m_slots[i].username = names[i];
        m_slots[i].password = names[i] + u"-password"_s;
    }
    for (int i : {0, 1, 2, kAdmin})
        if (!ensureLoggedIn(i, error))
            return false;
    // bob is in every conversation: his sync names them all.
    const QString answer = request(1, u"fz-sync"_s,
                                   json({{"type"_L1, u"sync"_s},
                                         {"id"_L1, u"fz-sync"_s},
                                         {"since"_L1, QJsonValue::Null},
                                         {"limit"_L1, 100},
                                         {"recent"_L1, 0}}));
    const auto decoded = proto::decodeServerFrame(answer.toUtf8(), {});
    const auto *sync = decoded.ok() ? std::get_if<proto::SyncResult>(&decoded.value()) : nullptr;
    if (!sync) {
        *error = u"the fixture sync failed: "_s + answer;
        return false;
    }
    const QString alice = m_slots[0].userId, bob = m_slots[1].userId, carol = m_slots[2].userId;
    for (const proto::ConvState &cs : sync->conversations) {
        const proto::Conversation &c = cs.conversation;
        if (c.kind == proto::ConversationKind::Group) {
            m_group = c.conversationId;
            for (const proto::Member &m : c.members)
                if (m.userId != alice && m.userId != bob)
                    m_dave = m.userId;
        } else if (c.member(alice)) {
            m_ab = c.conversationId;
        } else if (c.member(carol)) {
            m_bc = c.conversationId;
        }
    }
    if (m_group.isEmpty() || m_ab.isEmpty() || m_bc.isEmpty() || m_dave.isEmpty()) {
        *error = u"the fixture's conversations are not all in bob's sync: "_s + answer;
        return false;
    }
    m_slots[0].sealedIds = {m_bc};
    m_slots[0].secrets = {secretBC};
    m_slots[2].sealedIds = {m_ab};
    m_slots[2].secrets = {secretAB};
    m_slots[kAnonymous].sealedIds = {m_group, m_ab, m_bc};
    m_slots[kAnonymous].secrets = {secretG, secretAB, secretBC};
    m_secrets = {secretG, secretAB, secretBC};
    return true;
}

std::shared_ptr<Connection> DispatchHarness::connect(int slot)
{
    auto c = std::make_shared<Connection>();
    c->slot = slot;
    c->number = ++m_peerCounter;
    chat::server::MemoryTransport::Callbacks cb;
    // The callbacks keep the record alive as long as the session (which owns the transport).
    cb.frameOut = [this, c](const QString &frame) { onFrameOut(*c, frame); };
    cb.closed = [this, c](int code, const QString &reason) { onClosed(*c, code, reason); };
    auto transport = std::make_unique<chat::server::MemoryTransport>(
        u"127.0.0.1:"_s + QString::number(10000 + c->number % 50000),
        m_server->config().limits.maxFrameBytes, std::move(cb));
    c->transport = transport.get();
    c->session = m_server->openSession(std::move(transport));
    if (!c->session)
        violation(*c, u"the server refused an in-memory session"_s);
    m_slots[slot].conn = c;
    return c;
}

void DispatchHarness::deliver(Connection &c, const QString &frame)
{
    if (c.ended || !c.session)
        return; // lost, as on a closed socket
    const auto decoded = proto::decodeClientFrame(frame.toUtf8(), m_server->config().limits);
    QString id;
    if (decoded.ok()) {
        // typing is never answered; delivered/read without an id only on failure (no id then).
        if (!std::holds_alternative<proto::TypingRequest>(decoded.value()))
            id = proto::frameId(decoded.value());
    } else {
        id = decoded.error().id; // the server's error answer echoes what the decoder could read
    }
    if (!id.isEmpty())
        ++c.expected[id];
    c.transport->deliverText(frame);
}

bool DispatchHarness::settle(int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    QTimer tick; // bounds each wait below; store answers wake the loop at once
    tick.start(5);
    auto pending = [this] {
        for (const Slot &s : m_slots)
            if (s.conn && s.conn->outstanding())
                return true;
        return false;
    };
    while (pending()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    return true;
}

QString DispatchHarness::request(int slot, const QString &id, const QString &frame)
{
    const std::shared_ptr<Connection> c = m_slots[slot].conn;
    deliver(*c, frame);
    if (!settle(kSetupMs))
        violation(*c, u"no answer to the harness' own request "_s + frame);
    return c->setupAnswers.value(id);
}

bool DispatchHarness::ensureLoggedIn(int slot, QString *error)
{
    Slot &s = m_slots[slot];
    if (s.conn && !s.conn->ended && s.conn->session)
        return true;
    if (slot == kAdmin) {
        connect(slot);
        const QString answer = request(
            slot, u"fz-auth"_s,
            json({{"type"_L1, u"admin"_s}, {"id"_L1, u"fz-auth"_s}, {"token"_L1, m_adminToken}}));
        const auto decoded = proto::decodeServerFrame(answer.toUtf8(), {});
        if (decoded.ok() && std::holds_alternative<proto::Ok>(decoded.value()))
            return true;
        *error = u"the admin connection cannot authenticate: "_s + answer;
        return false;
    }
    if (s.conn)
        ++m_reconnects;
    for (int attempt = 0; attempt < 3; ++attempt) {
        // A login costs an Argon2id hash (tens of ms, 64 MiB): only the first one per user logs
        // in; after a fuzzed logout revoked the token, the store issues a new one directly.
        if (s.token.isEmpty() && !s.userId.isEmpty())
            s.token = issueToken(s.userId);
        connect(slot);
        const bool withToken = !s.token.isEmpty();
        const QJsonObject frame = withToken ? QJsonObject{{"type"_L1, u"auth"_s},
                                                          {"id"_L1, u"fz-auth"_s},
                                                          {"token"_L1, s.token}}
                                            : QJsonObject{{"type"_L1, u"login"_s},
                                                          {"id"_L1, u"fz-auth"_s},
                                                          {"username"_L1, s.username},
                                                          {"password"_L1, s.password}};
        QElapsedTimer timer;
        timer.start();
        const QString answer = request(slot, u"fz-auth"_s, json(frame));
        if (!withToken) {
            ++m_passwordLogins;
            m_passwordLoginMs += timer.elapsed();
        }
        const auto decoded = proto::decodeServerFrame(answer.toUtf8(), {});
        if (const auto *ok =
                decoded.ok() ? std::get_if<proto::AuthOk>(&decoded.value()) : nullptr) {
            s.userId = ok->user.userId;
            s.token = ok->token;
            return true;
        }
        if (!withToken) {
            *error = u"%1 cannot log in: %2"_s.arg(s.username, answer);
            return false;
        }
        s.token.clear(); // revoked by a fuzzed logout: log in with the password next
    }
    *error = u"%1 cannot authenticate"_s.arg(s.username);
    return false;
}

QString DispatchHarness::issueToken(const QString &userId)
{
    const QString token = chat::server::crypto::newToken();
    const qint64 expires = QDateTime::currentMSecsSinceEpoch() + 86400000LL;
    std::optional<bool> done;
    QObject context;
    m_server->store()->createToken(userId, chat::server::crypto::tokenHash(token), expires,
                                   u"fuzz"_s, &context,
                                   [&done](chat::server::Result<bool> r) { done = r.ok(); });
    const QDeadlineTimer deadline(kSetupMs);
    QTimer tick;
    tick.start(5);
    while (!done && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    return done.value_or(false) ? token : QString();
}

QByteArray DispatchHarness::substitute(QByteArray text) const
{
    if (!text.contains('$'))
        return text;
    return text.replace("$AB", m_ab.toUtf8())
        .replace("$BC", m_bc.toUtf8())
        .replace("$G", m_group.toUtf8())
        .replace("$a", m_slots[0].userId.toUtf8())
        .replace("$b", m_slots[1].userId.toUtf8())
        .replace("$c", m_slots[2].userId.toUtf8())
        .replace("$d", m_dave.toUtf8());
}

void DispatchHarness::run(const QByteArray &input)
{
    m_input = input;
    for (const QString &secret : std::as_const(m_secrets))
        if (input.contains(secret.toUtf8()))
            return; // cannot happen by chance; would make the leak check meaningless
    QString error;
    for (int i : {0, 1, 2, kAdmin})
        if (!ensureLoggedIn(i, &error))
            violation(*m_slots[i].conn, error);

    const QList<QByteArray> lines = input.split('\n');
    for (qsizetype i = 0; i < lines.size() && i < kMaxFrames; ++i) {
        const QByteArray &line = lines[i];
        if (line.isEmpty())
            continue;
        const int slot = uchar(line[0] - '0') % kSlots; // '0'..'4', any other byte too
        if (line.mid(1).startsWith("#bin ")) {
            // A binary frame: never answered with an id (an error without one), counts as bad.
            if (slot == kAnonymous && (!m_slots[slot].conn || m_slots[slot].conn->ended))
                connect(slot);
            if (const auto &c = m_slots[slot].conn; c && !c->ended)
                c->transport->deliverBinary(line.mid(6));
            continue;
        }
        const QString frame = QString::fromUtf8(substitute(line.mid(1)));
        if (slot == kAnonymous || slot == kAdmin) {
            const auto decoded =
                proto::decodeClientFrame(frame.toUtf8(), m_server->config().limits);
            if (decoded.ok() && isNotSent(slot, decoded.value()))
                continue;
            if (slot == kAnonymous && (!m_slots[slot].conn || m_slots[slot].conn->ended))
                connect(slot);
        }
        deliver(*m_slots[slot].conn, frame);
    }
    if (!settle(kSettleMs)) {
        for (const Slot &s : m_slots) {
            if (!s.conn || !s.conn->outstanding())
                continue;
            QStringList ids;
            for (auto it = s.conn->expected.begin(); it != s.conn->expected.end(); ++it)
                if (s.conn->answered.value(it.key()) < it.value())
                    ids.append(it.key());
            violation(*s.conn, u"no answer within %1 ms to the request ids %2"_s.arg(kSettleMs).arg(
                                   ids.join(u", "_s)));
        }
    }
    // Everything asked was answered: start the next input with clean books.
    for (Slot &s : m_slots) {
        if (!s.conn)
            continue;
        s.conn->expected.clear();
        s.conn->answered.clear();
        s.conn->setupAnswers.clear();
    }
    // The unauthenticated connection is fresh for every input.
    if (const auto anon = m_slots[kAnonymous].conn; anon && !anon->ended) {
        anon->endedByHarness = true;
        anon->transport->disconnectPeer();
    }
    m_slots[kAnonymous].conn.reset();
    // Finished sessions are deleted with deleteLater: let that happen now, outside exec().
    QCoreApplication::processEvents();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
}

void DispatchHarness::onFrameOut(Connection &c, const QString &frame)
{
    c.recent.append(frame.left(400));
    if (c.recent.size() > 8)
        c.recent.removeFirst();
    proto::Limits clientLimits;
    clientLimits.maxFrameBytes = kMaxServerFrameBytes;
    const auto decoded = proto::decodeServerFrame(frame.toUtf8(), clientLimits);
    if (!decoded.ok())
        violation(c, u"a frame out does not decode as a server frame (%1, field %2): %3"_s.arg(
                         decoded.error().message, decoded.error().field, frame.left(400)));
    const QString type = std::visit(
        [](const auto &f) { return QString(std::decay_t<decltype(f)>::kType); }, decoded.value());
    const QString id = proto::frameId(decoded.value());
    if (!id.isEmpty()) {
        const int n = ++c.answered[id];
        if (n > c.expected.value(id))
            violation(c, u"answer #%1 to request id \"%2\" (%3 asked): %4"_s.arg(n)
                             .arg(id)
                             .arg(c.expected.value(id))
                             .arg(frame.left(400)));
        ++m_answersByType[type];
        if (id.startsWith("fz-"_L1))
            c.setupAnswers.insert(id, frame);
    }
    const Slot &s = m_slots[c.slot];
    for (const QString &secret : s.secrets)
        if (frame.contains(secret))
            violation(c, u"leak: content of a conversation this connection is not in: "_s + frame);
    if (type == "error"_L1)
        return; // errors may name what the request named
    for (const QString &sealed : s.sealedIds) {
        if (!frame.contains(sealed))
            continue;
        if (namesConversation(QJsonDocument::fromJson(frame.toUtf8()).object(), sealed))
            violation(c, u"leak: a conversation this connection is not in (%1): %2"_s.arg(
                             sealed, frame.left(400)));
    }
}

void DispatchHarness::onClosed(Connection &c, int code, const QString &reason)
{
    c.ended = true;
    c.closeCode = code;
    c.closeReason = reason;
    if (c.endedByHarness || m_stopping)
        return;
    if (code == 0)
        violation(c, u"the server aborted the connection (%1) instead of closing it"_s.arg(reason));
    if (!isProtocolCloseCode(code))
        violation(c, u"closed with %1 (%2), not a protocol close code"_s.arg(code).arg(reason));
}

void DispatchHarness::violation(const Connection &c, const QString &what) const
{
    static const char *const names[kSlots] = {"alice", "bob", "carol", "unauthenticated", "admin"};
    std::fprintf(stderr, "fuzz_dispatch: INVARIANT VIOLATED on connection %d (%s): %s\n", c.number,
                 names[c.slot], qUtf8Printable(what));
    std::fprintf(stderr, "  closed: %s code %d %s\n", c.ended ? "yes" : "no", c.closeCode,
                 qUtf8Printable(c.closeReason));
    std::fprintf(stderr, "  input (%d bytes): %s\n", int(m_input.size()),
                 m_input.left(2000).toPercentEncoding(" {}[]\":,_-$").constData());
    for (const QString &f : c.recent)
        std::fprintf(stderr, "  recent frame out: %s\n", qUtf8Printable(f));
    std::fflush(stderr);
    std::abort();
}

} // namespace fuzz
