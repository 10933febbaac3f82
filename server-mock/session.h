// Session: one client connection. Owns its auth state, its token-bucket rate limit,
// its deadlines (auth, heartbeat), its bad-frame counter, and the order of its frames:
// frames are handled strictly in arrival order. Writes that the store executes in FIFO
// order (send, delivered, read) are pipelined: the next one is submitted without waiting,
// so seq follows arrival order and group commit can batch them; any other frame waits
// until the writes before it completed. Every frame out passes the QA fault filter.
// The connection itself is a SessionTransport it owns: a QWebSocket in production
// (WebSocketTransport), an in-memory peer in tests and the fuzzer (MemoryTransport).
#pragma once

#include "net/protocol/codec.h"
#include "preparedframe.h"
#include "router.h"

#include <QObject>
#include <QPointer>
#include <memory>

class QTimer;

namespace chat::server {

struct ServerCore;
class SessionTransport;

class Session : public QObject
{
    Q_OBJECT
public:
    Session(std::unique_ptr<SessionTransport> transport, ServerCore &core,
            QObject *parent = nullptr);
    ~Session() override;

    quint64 serial() const { return m_serial; }
    bool isAuthenticated() const { return m_state == State::User; }
    bool isAdmin() const { return m_state == State::Admin; }
    bool authPending() const { return m_authPending; }
    void setAuthPending(bool p) { m_authPending = p; }
    const proto::User &user() const { return m_user; }
    const QByteArray &tokenHash() const { return m_tokenHash; }
    void becomeUser(const proto::User &user, const QByteArray &tokenHash);
    void becomeAdmin();
    QString peer() const;

    // Output. `frame` is sent as is (encode once, send to many: a PreparedFrame shared by
    // many sessions is converted and framed once).
    void send(const QString &frame, OutKind kind) { send(PreparedFrame(frame), kind); }
    void send(const PreparedFrame &frame, OutKind kind);
    template<typename F>
    void reply(const F &frame, OutKind kind = OutKind::Answer)
    {
        send(PreparedFrame::fromUtf8(proto::encodeFrame(frame)), kind);
    }
    void replyError(const QString &id, proto::ErrorCode code, const QString &message,
                    const QString &field = {}, std::optional<qint64> retryAfterMs = {});
    void replyError(const proto::ProtocolError &e, const QString &id);
    void closeWith(int code, const QString &reason);
    void abortNow(); // no close frame (admin_kick, close_after_frames)

    // Completion of an operation the dispatcher started.
    void resume();    // a blocking operation finished
    void writeDone(); // a pipelined write finished

    // Called by the server's sweeper; closes the session when a deadline passed.
    void checkDeadlines(qint64 nowMono);
    // When the sweeper must call checkDeadlines() next (monotonic ms); -1 = never (closing).
    // While a password is being hashed no deadline runs: look again after `pollMs`.
    qint64 nextDeadline(qint64 nowMono, qint64 pollMs) const;
    // Token bucket for sends: true = go; false = *retryAfterMs to wait. May close (4008).
    // After a refusal, every send is refused for max(retry_after, 250 ms): the client's
    // pipelined sends cannot overtake the refused one it resends in order.
    bool takeSendToken(qint64 nowMono, qint64 *retryAfterMs);
    void faultsChanged(); // re-read faults; releases held acks when no longer held

    // Input, called by the transport (SessionTransport's contract).
    void receiveText(const QString &text);
    void receiveBinary(const QByteArray &data);
    void transportClosed(); // the connection ended: finish

Q_SIGNALS:
    void finished(chat::server::Session *session); // socket gone; delete after

private:
    enum class State { Fresh, User, Admin };
    void pump();
    void countBadFrame();
    void writeOut(const PreparedFrame &frame, OutKind kind);
    void flushDelayed();

    std::unique_ptr<SessionTransport> m_transport;
    ServerCore &m_core;
    quint64 m_serial;
    State m_state = State::Fresh;
    bool m_authPending = false;
    bool m_closing = false;
    bool m_gone = false;
    proto::User m_user;
    QByteArray m_tokenHash;
    qint64 m_connectedAt = 0, m_lastHeard = 0;

    // Queues are QLists, not std::deques: libstdc++'s deque allocates its map and a first
    // 512-byte block even when empty, ~1.7 KB per idle connection for these three; an empty
    // QList allocates nothing, and its pop_front() is O(1) (it moves the start).
    QList<proto::Result<proto::ClientFrame>> m_queue;
    int m_pendingWrites = 0;
    bool m_blocked = false;

    QList<qint64> m_badFrames;

    // rate limit
    double m_tokens = 0;
    qint64 m_tokensAt = 0;
    qint64 m_windowStart = 0;
    int m_windowSends = 0;
    int m_floodSeconds = 0;
    qint64 m_sendFenceUntil = 0; // sends refused until then (see takeSendToken)

    // faults
    quint64 m_faultGeneration = ~0ULL;
    qint64 m_framesUntilClose = 0;
    QList<PreparedFrame> m_heldAcks;
    struct Delayed {
        qint64 due;
        PreparedFrame frame;
        OutKind kind;
    };
    QList<Delayed> m_delayed;
    QTimer *m_delayTimer = nullptr;
};

} // namespace chat::server
