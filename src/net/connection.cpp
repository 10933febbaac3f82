#include "connection.h"

#include "linkworker.h"
#include "logging.h"
#include "protocol/codec.h"

#include <QDateTime>
#include <QThread>
#include <QTimer>
#include <algorithm>

using namespace Qt::StringLiterals;
using namespace chat::proto;

namespace chat::net {

namespace {
// How long one drain may handle frames before it lets the owner's event loop run (paint,
// input, timers) and continues in the next turn.
constexpr qint64 kDrainBudgetNs = 4'000'000;

// Give every frame with an `id` member the one chosen here.
void assignId(ClientFrame &frame, const QString &id)
{
    std::visit(
        [&](auto &f) {
            if constexpr (requires { f.id; })
                f.id = id;
        },
        frame);
}
} // namespace

QString Reply::errorString() const
{
    switch (status) {
    case Status::Ok: return {};
    case Status::ServerError:
        return error.message.isEmpty() ? errorCodeName(error.code) : error.message;
    case Status::Timeout: return u"the server did not answer in time"_s;
    case Status::Disconnected:
        return error.message.isEmpty() ? u"not connected to the server"_s : error.message;
    }
    return {};
}

Connection::Connection(QObject *parent) : QObject(parent)
{
    m_clock.start();
    m_connectTimer = new QTimer(this);
    m_connectTimer->setSingleShot(true);
    connect(m_connectTimer, &QTimer::timeout, this, [this] {
        qCInfo(lcNetWs) << "connect/handshake timeout after" << m_options.policy.connectTimeoutMs
                        << "ms";
        teardown(u"connection attempt timed out"_s, true);
    });
    m_reconnectTimer = new QTimer(this);
    m_reconnectTimer->setSingleShot(true);
    connect(m_reconnectTimer, &QTimer::timeout, this, &Connection::connectSocket);
    m_heartbeatTimer = new QTimer(this);
    connect(m_heartbeatTimer, &QTimer::timeout, this, &Connection::onHeartbeat);
    m_requestTimer = new QTimer(this);
    m_requestTimer->setSingleShot(true);
    connect(m_requestTimer, &QTimer::timeout, this, &Connection::onRequestTimer);
    m_drainTimer = new QTimer(this);
    m_drainTimer->setSingleShot(true);
    m_drainTimer->setInterval(0);
    connect(m_drainTimer, &QTimer::timeout, this, &Connection::drainLink);

    // The worker posts (never calls) the drain: one queued call per burst of events.
    m_worker = new LinkWorker(m_clock, [this] {
        QMetaObject::invokeMethod(this, &Connection::drainLink, Qt::QueuedConnection);
    });
    m_ioThread = new QThread(this);
    m_ioThread->setObjectName(u"chat-net-io"_s);
    m_worker->moveToThread(m_ioThread);
    m_ioThread->start();
}

Connection::~Connection()
{
    m_wanted = false;
    // The socket and the worker end on their own thread; once it has stopped, nothing can
    // post to this object any more (a drain already posted is discarded with it).
    LinkWorker *w = std::exchange(m_worker, nullptr);
    QMetaObject::invokeMethod(
        w,
        [w] {
            w->shutdown();
            delete w;
        },
        Qt::BlockingQueuedConnection);
    m_ioThread->quit();
    m_ioThread->wait();
    // Callbacks are not run from the destructor: their owners are going away too.
    m_pending.clear();
}

template<typename F>
void Connection::toWorker(F &&f)
{
    QMetaObject::invokeMethod(m_worker, std::forward<F>(f), Qt::QueuedConnection);
}

void Connection::open(const ConnectionOptions &options)
{
    if (m_linkOpen || m_reconnectTimer->isActive())
        teardown(u"reopened"_s, false);
    m_options = options;
    m_wanted = true;
    m_attempt = 0;
    connectSocket();
}

void Connection::close()
{
    m_wanted = false;
    m_reconnectTimer->stop();
    if (m_linkOpen && m_state == State::Online) {
        // A clean close: the close frame follows anything already sent (linkworker.cpp).
        m_linkOpen = false;
        toWorker([w = m_worker, e = m_epoch] { w->closeLink(e); });
        m_connectTimer->stop();
        m_heartbeatTimer->stop();
        failAllPending(Reply::Status::Disconnected, u"closed"_s);
        setState(State::Offline);
        Q_EMIT linkLost(u"closed"_s);
        return;
    }
    teardown(u"closed"_s, false);
}

void Connection::dropLink()
{
    if (!m_linkOpen)
        return;
    qCInfo(lcNetWs) << "dropping the link on request";
    teardown(u"link dropped"_s, true);
}

void Connection::reconnectNow()
{
    if (m_wanted && !m_linkOpen) {
        m_reconnectTimer->stop();
        connectSocket();
    }
}

bool Connection::reconnectPending() const
{
    return m_reconnectTimer->isActive();
}

void Connection::setState(State s)
{
    if (m_state == s)
        return;
    m_state = s;
    qCDebug(lcNetWs) << "state" << s;
    Q_EMIT stateChanged(s);
}

void Connection::connectSocket()
{
    if (!m_wanted || m_linkOpen)
        return;
    m_linkOpen = true;
    const quint64 epoch = ++m_epoch;
    setState(State::Connecting);
    m_triedTokenThisAttempt = false;
    m_connectTimer->start(m_options.policy.connectTimeoutMs);
    qCInfo(lcNetWs) << "connecting to" << m_options.url.toDisplayString() << "attempt" << m_attempt;
    toWorker(
        [w = m_worker, epoch, url = m_options.url, ca = m_options.caFile,
         limits = m_options.limits] { w->openLink(epoch, url, ca, limits, kMaxServerFrameBytes); });
}

void Connection::onConnected()
{
    m_connectTimer->stop();
    m_lastSignOfLife = m_clock.elapsed();
    setState(State::Authenticating);
    sendAuth();
}

void Connection::sendAuth()
{
    const Credentials &c = m_options.credentials;
    m_authRequestId = u"auth-"_s + QString::number(m_nextId++);
    ClientFrame frame;
    if (c.registerAccount) {
        frame = RegisterRequest{m_authRequestId, c.username, c.password, c.displayName};
    } else if (!c.token.isEmpty() && !m_triedTokenThisAttempt) {
        m_triedTokenThisAttempt = true;
        frame = AuthRequest{m_authRequestId, c.token};
    } else if (!c.password.isEmpty()) {
        frame = LoginRequest{m_authRequestId, c.username, c.password, c.device};
    } else {
        const QString why = u"no credentials left to try (token refused, no password)"_s;
        m_wanted = false;
        teardown(why, false);
        Q_EMIT authFailed(why);
        return;
    }
    // The auth answer has the ordinary request deadline; a silent server counts as a
    // failed attempt.
    m_connectTimer->start(m_options.policy.requestTimeoutMs);
    sendRaw(encode(frame));
}

void Connection::handleAuthAnswer(const ServerFrame &frame)
{
    m_connectTimer->stop();
    if (const auto *ok = std::get_if<AuthOk>(&frame)) {
        m_user = ok->user;
        m_heartbeatMs = m_options.policy.heartbeatOverrideMs > 0
                            ? m_options.policy.heartbeatOverrideMs
                            : qMax<qint64>(100, ok->heartbeatMs);
        m_serverTimeOffset = ok->serverTime - QDateTime::currentMSecsSinceEpoch();
        if (m_options.credentials.registerAccount)
            m_options.credentials.registerAccount = false; // later reconnects: token/login
        if (!ok->token.isEmpty() && ok->token != m_options.credentials.token) {
            m_options.credentials.token = ok->token;
            Q_EMIT tokenChanged(ok->token);
        }
        m_attempt = 0;
        m_heartbeatTimer->start(int(m_heartbeatMs));
        setState(State::Online);
        qCInfo(lcNetWs) << "authenticated as" << m_user.username;
        Q_EMIT authenticated(*ok);
        return;
    }
    if (const auto *err = std::get_if<Error>(&frame)) {
        if (err->code == ErrorCode::Unauthorized) {
            const Credentials &c = m_options.credentials;
            const bool canFallBack =
                m_triedTokenThisAttempt && !c.password.isEmpty() && !c.registerAccount;
            if (canFallBack) {
                qCInfo(lcNetWs) << "token refused, falling back to login";
                m_options.credentials.token.clear();
                sendAuth();
                return;
            }
            const QString why = err->message.isEmpty() ? u"credentials refused"_s : err->message;
            m_wanted = false;
            teardown(why, false);
            Q_EMIT authFailed(why);
            return;
        }
        if (err->code == ErrorCode::Conflict && m_options.credentials.registerAccount) {
            const QString why = err->message.isEmpty() ? u"username already taken"_s : err->message;
            m_wanted = false;
            teardown(why, false);
            Q_EMIT authFailed(why);
            return;
        }
        // unavailable, internal, rate limited...: a transient failure of this attempt.
        teardown(u"authentication failed: "_s + err->message, true);
        return;
    }
    teardown(u"unexpected answer to authentication"_s, true);
}

void Connection::drainLink()
{
    std::vector<LinkEvent> fresh = m_worker->takeEvents();
    if (m_inboxNext == m_inbox.size()) {
        m_inbox = std::move(fresh);
        m_inboxNext = 0;
    } else {
        std::move(fresh.begin(), fresh.end(), std::back_inserter(m_inbox));
    }
    // A burst (a catch-up, a busy group) is handled a few milliseconds at a time: the rest
    // waits one event-loop turn, so painting and input are never held up by a long queue.
    QElapsedTimer budget;
    budget.start();
    QPointer<Connection> self(this);
    while (m_inboxNext < m_inbox.size()) {
        LinkEvent e = std::move(m_inbox[m_inboxNext++]);
        handle(e);
        if (!self)
            return; // a handler destroyed this connection
        if (budget.nsecsElapsed() >= kDrainBudgetNs)
            break;
    }
    if (m_inboxNext == m_inbox.size()) {
        m_inbox.clear();
        m_inboxNext = 0;
    } else if (!m_drainTimer->isActive()) {
        // The rest next turn, on a zero timer rather than a posted event: under the glib
        // dispatcher a chain of posted events holds timers back (frame timers among them),
        // while due timers all fire in one pass.
        m_drainTimer->start();
    }
}

void Connection::handle(LinkEvent &e)
{
    // Events of a link already torn down (or replaced) are stale.
    if (!m_linkOpen || e.epoch != m_epoch)
        return;
    switch (e.kind) {
    case LinkEvent::Kind::Connected: onConnected(); return;
    case LinkEvent::Kind::Frame: onFrame(std::move(*e.frame)); return;
    case LinkEvent::Kind::BadFrame: onBadFrame(e.error); return;
    case LinkEvent::Kind::Closed: onDisconnected(e.closeCode, e.closeReason); return;
    }
}

void Connection::onBadFrame(const ProtocolError &error)
{
    m_lastSignOfLife = m_clock.elapsed();
    // An answer we cannot read still ends its request, at once rather than by timeout.
    const QString badId = error.id;
    if (!badId.isEmpty() && m_pending.contains(badId)) {
        Reply r;
        r.status = Reply::Status::ServerError;
        r.error.code = ErrorCode::BadRequest;
        r.error.message = u"undecodable answer from the server: "_s + error.message;
        finish(badId, r);
    }
}

void Connection::onFrame(ServerFrame &&frame)
{
    m_lastSignOfLife = m_clock.elapsed();
    const QString id = frameId(frame);
    if (m_state == State::Authenticating) {
        if (!id.isEmpty() && id == m_authRequestId) {
            handleAuthAnswer(frame);
            return;
        }
        // Pushes before auth_ok should not happen; ignore them.
        qCDebug(lcNetWs) << "ignoring frame before auth_ok:" << frameType(frame);
        return;
    }
    if (std::holds_alternative<Pong>(frame)) {
        qCDebug(lcNetHeartbeat) << "pong";
        return;
    }
    if (!id.isEmpty() && m_pending.contains(id)) {
        Reply r;
        if (const auto *err = std::get_if<Error>(&frame)) {
            r.status = Reply::Status::ServerError;
            r.error = *err;
        } else {
            r.status = Reply::Status::Ok;
            r.frame = std::move(frame);
        }
        finish(id, r);
        return;
    }
    Q_EMIT pushReceived(frame);
}

void Connection::onDisconnected(int closeCode, const QString &closeReason)
{
    // Code 0: the link never connected (refused, unreachable, TLS, handshake).
    const QString reason =
        closeCode == 0
            ? QString(u"cannot connect: "_s + closeReason)
            : QString(u"closed by server ("_s + QString::number(closeCode) + u") "_s + closeReason);
    if (m_state == State::Authenticating && closeCode == CloseCode::Unauthorized) {
        // Normally an `error unauthorized` frame comes first and is handled there; a bare
        // 4001 means the same: the credentials just tried were refused.
        qCInfo(lcNetWs) << "closed 4001 while authenticating";
        const Credentials &c = m_options.credentials;
        if (m_triedTokenThisAttempt && !c.password.isEmpty() && !c.registerAccount) {
            m_options.credentials.token.clear(); // the next attempt logs in
        } else {
            m_wanted = false;
            teardown(reason, false);
            Q_EMIT authFailed(u"credentials refused"_s);
            return;
        }
    }
    teardown(reason, true);
}

void Connection::teardown(const QString &reason, bool reconnect)
{
    m_connectTimer->stop();
    m_heartbeatTimer->stop();
    const bool hadSocket = m_linkOpen;
    if (m_linkOpen) {
        m_linkOpen = false;
        toWorker([w = m_worker, e = m_epoch] { w->abortLink(e); });
    }
    failAllPending(Reply::Status::Disconnected, reason);
    setState(State::Offline);
    if (hadSocket) {
        qCInfo(lcNetWs) << "link down:" << reason;
        Q_EMIT linkLost(reason);
    }
    if (reconnect && m_wanted)
        scheduleReconnect();
}

void Connection::scheduleReconnect()
{
    const int delay = m_options.policy.backoffFor(m_attempt);
    ++m_attempt;
    qCInfo(lcNetWs) << "reconnecting in" << delay << "ms";
    m_reconnectTimer->start(delay);
}

QString Connection::request(ClientFrame frame, QObject *context, Callback callback, int timeoutMs)
{
    const QString id = u"r"_s + QString::number(m_nextId++);
    assignId(frame, id);
    if (m_state != State::Online || !m_linkOpen) {
        QPointer<QObject> ctx(context);
        const bool hasCtx = context != nullptr;
        QTimer::singleShot(0, this, [ctx, hasCtx, callback] {
            if (hasCtx && !ctx)
                return;
            Reply r;
            r.status = Reply::Status::Disconnected;
            callback(r);
        });
        return id;
    }
    Pending p;
    p.context = context;
    p.hasContext = context != nullptr;
    p.callback = std::move(callback);
    p.deadline =
        m_clock.elapsed() + (timeoutMs > 0 ? timeoutMs : m_options.policy.requestTimeoutMs);
    m_pending.insert(id, std::move(p));
    sendRaw(encode(frame));
    armRequestTimer();
    return id;
}

bool Connection::post(const ClientFrame &frame)
{
    if (m_state != State::Online || !m_linkOpen)
        return false;
    return sendRaw(encode(frame));
}

bool Connection::sendRaw(const QByteArray &utf8)
{
    if (!m_linkOpen)
        return false;
    // Credentials never reach a log: a frame carrying a password or a token is not shown.
    if (utf8.contains("\"password\"") || utf8.contains("\"token\""))
        qCDebug(lcNetWs) << "out: a frame with credentials (not logged)," << utf8.size() << "bytes";
    else
        qCDebug(lcNetWs) << "out:" << utf8.left(300);
    toWorker([w = m_worker, e = m_epoch, utf8] { w->send(e, utf8); });
    return true;
}

void Connection::finish(const QString &id, const Reply &reply)
{
    auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;
    Pending p = std::move(it.value());
    m_pending.erase(it);
    armRequestTimer();
    if (p.hasContext && !p.context)
        return;
    p.callback(reply);
}

void Connection::failAllPending(Reply::Status status, const QString &why)
{
    m_requestTimer->stop();
    const auto pending = std::exchange(m_pending, {});
    for (auto it = pending.cbegin(); it != pending.cend(); ++it) {
        if (it->hasContext && !it->context)
            continue;
        Reply r;
        r.status = status;
        r.error.message = why;
        it->callback(r);
    }
}

void Connection::armRequestTimer()
{
    if (m_pending.isEmpty()) {
        m_requestTimer->stop();
        return;
    }
    qint64 next = std::numeric_limits<qint64>::max();
    for (const Pending &p : std::as_const(m_pending))
        next = qMin(next, p.deadline);
    m_requestTimer->start(int(std::clamp<qint64>(next - m_clock.elapsed(), 0, 1 << 30)));
}

void Connection::onRequestTimer()
{
    const qint64 now = m_clock.elapsed();
    QStringList expired;
    for (auto it = m_pending.cbegin(); it != m_pending.cend(); ++it)
        if (it->deadline <= now)
            expired.append(it.key());
    for (const QString &id : std::as_const(expired)) {
        Reply r;
        r.status = Reply::Status::Timeout;
        r.error.message = u"the server did not answer in time"_s;
        qCInfo(lcNetWs) << "request" << id << "timed out";
        finish(id, r);
    }
    armRequestTimer();
}

void Connection::onHeartbeat()
{
    if (!m_linkOpen || m_state != State::Online)
        return;
    // Frames still queued for this thread, and pongs, count: the worker saw them arrive.
    const qint64 lastLife = qMax(m_lastSignOfLife, m_worker->lastSignOfLife());
    const qint64 silentFor = m_clock.elapsed() - lastLife;
    if (silentFor >= m_heartbeatMs * qMax(1, m_options.policy.deadAfterHeartbeats)) {
        qCInfo(lcNetHeartbeat) << "no sign of life for" << silentFor << "ms: dead link";
        teardown(u"heartbeat timeout"_s, true);
        return;
    }
    Ping ping;
    ping.ts = QDateTime::currentMSecsSinceEpoch();
    sendRaw(encode(ping));
}

} // namespace chat::net
