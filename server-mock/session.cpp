#include "session.h"

#include "dispatcher.h"
#include "net/logging.h"
#include "presence.h"
#include "servercore.h"
#include "sessiontransport.h"

#include <QRandomGenerator>
#include <QTimer>
#include <cmath>

using namespace Qt::StringLiterals;
using chat::proto::ErrorCode;
namespace CloseCode = chat::proto::CloseCode;

namespace chat::server {

namespace {
quint64 g_serial = 0;
constexpr qsizetype kMaxQueuedFrames = 5000; // a client that far ahead is flooding
// Unsent bytes per connection (beyond what the kernel holds): a few full sync pages.
constexpr qint64 kMaxSendBufferBytes = 8 * 1024 * 1024;
// After a rate-limited send, every send of the connection is refused for at least this long
// (or retry_after_ms if longer): long enough to cover what a client pipelined behind it.
constexpr qint64 kSendFenceMs = 250;
} // namespace

Session::Session(std::unique_ptr<SessionTransport> transport, ServerCore &core, QObject *parent)
    : QObject(parent), m_transport(std::move(transport)), m_core(core), m_serial(++g_serial)
{
    m_connectedAt = m_lastHeard = core.monoMs();
    const int rate = core.config.rateLimit;
    m_tokens = rate * 2.5;
    m_tokensAt = m_windowStart = m_connectedAt;
    m_transport->bind(this);
}

Session::~Session()
{
    // The transport goes with our members, after this body; it makes sure it cannot call back.
    if (m_state == State::User && !m_gone)
        m_core.router->detach(this);
}

QString Session::peer() const
{
    return m_transport->peer();
}

void Session::becomeUser(const proto::User &user, const QByteArray &tokenHash)
{
    m_state = State::User;
    m_lastHeard = m_core.monoMs();
    m_user = user;
    m_tokenHash = tokenHash;
    m_core.router->attach(this);
    faultsChanged();
}

void Session::becomeAdmin()
{
    m_state = State::Admin;
}

// --- input -----------------------------------------------------------------------------------

void Session::receiveText(const QString &text)
{
    if (m_gone || m_closing)
        return;
    ++m_core.counters.framesIn;
    m_lastHeard = m_core.monoMs();
    if (m_state == State::User)
        m_core.presence->alive(m_user.userId, m_lastHeard, ServerCore::wallMs());
    if (m_queue.size() >= kMaxQueuedFrames) {
        closeWith(CloseCode::RateLimited, u"too many frames queued"_s);
        return;
    }
    auto decoded = proto::decodeClientFrame(text.toUtf8(), m_core.config.limits);
    if (!decoded.ok())
        countBadFrame();
    if (m_closing)
        return;
    m_queue.push_back(std::move(decoded));
    pump();
}

void Session::receiveBinary(const QByteArray &)
{
    ++m_core.counters.framesIn;
    m_lastHeard = m_core.monoMs();
    countBadFrame();
    if (m_closing)
        return;
    m_queue.push_back(proto::ProtocolError{ErrorCode::BadRequest,
                                           {},
                                           u"binary frames are not part of the protocol; send "
                                           "text frames with one JSON object each"_s,
                                           {}});
    pump();
}

void Session::countBadFrame()
{
    ++m_core.counters.badFrames;
    const qint64 now = m_core.monoMs();
    m_badFrames.push_back(now);
    while (!m_badFrames.empty() && now - m_badFrames.front() > 60000)
        m_badFrames.pop_front();
    if (int(m_badFrames.size()) > m_core.config.maxBadFramesPerMinute) {
        qCInfo(lcServerSession) << peer() << "too many bad frames, closing";
        closeWith(CloseCode::ProtocolErrors, u"too many protocol errors"_s);
    }
}

void Session::pump()
{
    while (!m_blocked && !m_queue.empty() && !m_gone && !m_closing) {
        auto &front = m_queue.front();
        if (!front.ok()) {
            if (m_pendingWrites > 0)
                break; // answer in arrival order
            const proto::ProtocolError e = front.error();
            m_queue.pop_front();
            replyError(e, e.id);
            continue;
        }
        const Dispatcher::Lane lane = Dispatcher::laneOf(front.value());
        if (lane == Dispatcher::Lane::Ordered && m_pendingWrites > 0)
            break;
        const proto::ClientFrame frame = std::move(front.value());
        m_queue.pop_front();
        switch (m_core.dispatcher->handle(*this, frame)) {
        case Dispatcher::Flow::Done: break;
        case Dispatcher::Flow::Pipelined: ++m_pendingWrites; break;
        case Dispatcher::Flow::Blocking: m_blocked = true; break;
        }
    }
}

void Session::resume()
{
    m_blocked = false;
    pump();
}

void Session::writeDone()
{
    --m_pendingWrites;
    pump();
}

// --- limits and deadlines ----------------------------------------------------------------------

void Session::checkDeadlines(qint64 nowMono)
{
    if (m_closing || m_gone)
        return;
    if (m_state == State::Fresh && !m_authPending
        && nowMono - m_connectedAt >= m_core.config.authDeadlineMs) {
        closeWith(CloseCode::Unauthorized, u"not authenticated in time"_s);
        return;
    }
    // While we hash its password the client waits for us, and it learns heartbeat_ms only
    // from auth_ok: its silence starts counting then.
    if (!m_authPending && nowMono - m_lastHeard >= 2LL * m_core.config.heartbeatMs) {
        qCInfo(lcServerSession) << peer() << "heartbeat deadline passed";
        closeWith(CloseCode::HeartbeatTimeout, u"heartbeat timeout"_s);
    }
}

qint64 Session::nextDeadline(qint64 nowMono, qint64 pollMs) const
{
    if (m_closing || m_gone)
        return -1;
    if (m_authPending)
        return nowMono + pollMs;
    qint64 due = m_lastHeard + 2LL * m_core.config.heartbeatMs;
    if (m_state == State::Fresh)
        due = std::min(due, m_connectedAt + m_core.config.authDeadlineMs);
    return due;
}

bool Session::takeSendToken(qint64 nowMono, qint64 *retryAfterMs)
{
    const int rate = m_core.config.rateLimit;
    if (rate <= 0)
        return true;
    // Flood detection: whole seconds with more than 10x the rate attempted, back to back.
    if (nowMono - m_windowStart >= 1000) {
        const bool flooding = m_windowSends > 10 * rate;
        m_floodSeconds = flooding ? m_floodSeconds + int((nowMono - m_windowStart) / 1000) : 0;
        m_windowStart = nowMono;
        m_windowSends = 0;
        if (m_floodSeconds > 10) {
            closeWith(CloseCode::RateLimited, u"sustained flood above 10x the rate limit"_s);
            *retryAfterMs = 1000;
            return false;
        }
    }
    ++m_windowSends;
    if (nowMono < m_sendFenceUntil) {
        // A send was refused moments ago: refuse what the client pipelined behind it too.
        // Otherwise a later message that found a fresh token would take a lower seq than the
        // refused one the client resends afterwards, and the user's messages would swap.
        *retryAfterMs = std::max<qint64>(1, m_sendFenceUntil - nowMono);
        return false;
    }
    const double burst = rate * 2.5;
    m_tokens = std::min(burst, m_tokens + (nowMono - m_tokensAt) * rate / 1000.0);
    m_tokensAt = nowMono;
    if (m_tokens >= 1.0) {
        m_tokens -= 1.0;
        return true;
    }
    *retryAfterMs = std::max<qint64>(1, qint64(std::ceil((1.0 - m_tokens) * 1000.0 / rate)));
    m_sendFenceUntil = nowMono + std::max<qint64>(*retryAfterMs, kSendFenceMs);
    return false;
}

// --- output ----------------------------------------------------------------------------------

void Session::faultsChanged()
{
    m_faultGeneration = m_core.faults.generation();
    const Fault *f = m_state == State::User ? m_core.faults.forUser(m_user.userId) : nullptr;
    m_framesUntilClose = f ? f->closeAfterFrames : 0;
    if ((!f || !f->holdAcks) && !m_heldAcks.isEmpty()) {
        const QList<PreparedFrame> held = std::exchange(m_heldAcks, {});
        for (const PreparedFrame &a : held)
            send(a, OutKind::Answer);
    }
}

void Session::send(const PreparedFrame &frame, OutKind kind)
{
    if (m_gone || m_closing)
        return;
    qint64 delay = 0;
    if (m_state == State::User) {
        if (m_faultGeneration != m_core.faults.generation())
            faultsChanged();
        if (const Fault *f = m_core.faults.forUser(m_user.userId)) {
            if (kind == OutKind::Ack && f->holdAcks) {
                m_heldAcks.append(frame);
                return;
            }
            if (kind == OutKind::Push && f->dropRate > 0
                && QRandomGenerator::global()->generateDouble() < f->dropRate) {
                ++m_core.counters.pushesDropped;
                return;
            }
            delay = f->delayMs;
        }
    }
    // Frames still waiting out an earlier delay keep their place: order never changes.
    if (delay > 0 || !m_delayed.empty()) {
        m_delayed.push_back({m_core.monoMs() + delay, frame, kind});
        if (!m_delayTimer) {
            m_delayTimer = new QTimer(this);
            m_delayTimer->setSingleShot(true);
            connect(m_delayTimer, &QTimer::timeout, this, &Session::flushDelayed);
        }
        if (!m_delayTimer->isActive())
            m_delayTimer->start(int(std::max<qint64>(0, m_delayed.front().due - m_core.monoMs())));
        return;
    }
    writeOut(frame, kind);
}

void Session::flushDelayed()
{
    const qint64 now = m_core.monoMs();
    while (!m_delayed.empty() && m_delayed.front().due <= now && !m_gone) {
        Delayed d = std::move(m_delayed.front());
        m_delayed.pop_front();
        writeOut(d.frame, d.kind);
    }
    if (!m_delayed.empty() && !m_gone)
        m_delayTimer->start(int(std::max<qint64>(0, m_delayed.front().due - now)));
}

void Session::writeOut(const PreparedFrame &frame, OutKind)
{
    if (m_gone || m_closing)
        return;
    m_transport->sendPrepared(frame);
    ++m_core.counters.framesOut;
    // A peer that does not read makes every frame for it pile up in our memory: past the cap
    // it is cut (no close frame could get through anyway); a real client resyncs on reconnect.
    if (m_transport->bytesToWrite() > kMaxSendBufferBytes) {
        qCInfo(lcServerSession) << peer() << "does not read:" << m_transport->bytesToWrite()
                                << "bytes unsent, closing";
        abortNow();
        return;
    }
    if (m_framesUntilClose > 0 && --m_framesUntilClose == 0) {
        qCInfo(lcServerSession) << peer() << "close_after_frames fault: aborting";
        m_transport->flush();
        abortNow();
    }
}

void Session::replyError(const QString &id, ErrorCode code, const QString &message,
                         const QString &field, std::optional<qint64> retryAfterMs)
{
    proto::Error e;
    e.id = id;
    e.code = code;
    e.message = message;
    e.field = field;
    e.retryAfterMs = retryAfterMs;
    reply(e);
}

void Session::replyError(const proto::ProtocolError &e, const QString &id)
{
    replyError(id, e.code, e.message, e.field);
}

void Session::closeWith(int code, const QString &reason)
{
    if (m_closing || m_gone)
        return;
    m_closing = true;
    qCInfo(lcServerSession) << peer() << "closing with" << code << reason;
    m_transport->close(code, reason);
    // A peer that never answers the close handshake must not hold the socket forever.
    QTimer::singleShot(5000, this, [this] {
        if (!m_gone)
            abortNow();
    });
}

void Session::abortNow()
{
    if (m_gone)
        return;
    m_closing = true;
    m_transport->abort();
    // A QWebSocket reports disconnected from abort(), other transports may not: finish either way.
    QMetaObject::invokeMethod(this, &Session::transportClosed, Qt::QueuedConnection);
}

void Session::transportClosed()
{
    if (m_gone)
        return;
    m_gone = true;
    m_closing = true;
    if (m_state == State::User)
        m_core.router->detach(this);
    Q_EMIT finished(this);
}

} // namespace chat::server
