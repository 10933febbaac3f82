// Connection: one authenticated WebSocket session to a chat server (protocol §1, §2), kept
// alive for as long as the owner wants it. It owns the socket's whole life: connect and
// handshake timeout, authentication (token first, falling back to login, or register),
// heartbeat and dead-link detection, reconnect with backoff and jitter, and request/response
// correlation by `id` with per-request timeouts. It knows nothing about conversations or
// storage; chat::sync::SyncEngine builds on it.
//
// Threading: a Connection lives in the thread that created it and must be used from there;
// its signals and callbacks run there. The socket itself lives on a thread of the
// Connection's own ("chat-net-io", see linkworker.h), which reads, converts and decodes every
// server frame, so the owner's thread (usually the GUI thread) only handles decoded frames,
// in arrival order, a few milliseconds' worth per event-loop turn.
#pragma once

#include "protocol/clientframes.h"
#include "protocol/serverframes.h"
#include "retrypolicy.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QUrl>
#include <functional>
#include <vector>

class QThread;
class QTimer;

namespace chat::net {

class LinkWorker;
struct LinkEvent;

// How to authenticate. With a token, `auth` is tried first; if the server refuses it and a
// password is present, `login` follows (and the new token is reported by tokenChanged()).
// With registerAccount set, the first successful attempt registers the user instead of
// logging in (later reconnects use the token it returned).
struct Credentials {
    QString username;
    QString password;
    QString token;
    QString device;      // optional device label sent with login
    QString displayName; // for registerAccount
    bool registerAccount = false;
};

// Largest server frame the client reads (see Connection::onTextMessage for why it exceeds
// the protocol's 64 KiB client frame limit).
inline constexpr qsizetype kMaxServerFrameBytes = 16 * 1024 * 1024;

struct ConnectionOptions {
    QUrl url; // ws://host:port/ or wss://host:port/
    Credentials credentials;
    QString caFile; // wss: extra trusted CA certificate(s), PEM (self-signed servers)
    RetryPolicy policy;
    chat::proto::Limits limits;
};

// The outcome of one request.
struct Reply {
    enum class Status {
        Ok,           // `frame` holds the answer (anything but an error frame)
        ServerError,  // the server answered with `error`: see `error`
        Timeout,      // no answer within the request's deadline; the link stays up
        Disconnected, // the link went down (or was never up) before an answer came
    };
    Status status = Status::Disconnected;
    std::optional<chat::proto::ServerFrame> frame;
    chat::proto::Error error; // for ServerError; for Timeout/Disconnected a description

    bool ok() const { return status == Status::Ok; }
    // A sentence for a person, for any non-Ok status.
    QString errorString() const;
};

class Connection : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Offline,        // not connected; a reconnect may be scheduled (see reconnectPending())
        Connecting,     // TCP/TLS/WebSocket handshake under way
        Authenticating, // socket open, auth/login/register sent
        Online,         // authenticated: requests may be sent
    };
    Q_ENUM(State)

    explicit Connection(QObject *parent = nullptr);
    ~Connection() override;

    // Start connecting and keep the session up (reconnecting per options.policy) until
    // close() or a permanent authentication failure. Calling open() again replaces the
    // options and starts over.
    void open(const ConnectionOptions &options);
    // Close cleanly (code 1000) and stop reconnecting. Pending requests end Disconnected.
    void close();
    // Abort the link as if the network had dropped (no close frame) and reconnect per the
    // policy. For tests and for "reconnect now" buttons.
    void dropLink();
    // Skip the remaining backoff and try at once (e.g. the OS reported the network is back).
    void reconnectNow();

    State state() const { return m_state; }
    bool isOnline() const { return m_state == State::Online; }
    bool reconnectPending() const;
    // The account as reported by the last auth_ok, and its current token.
    const chat::proto::User &user() const { return m_user; }
    QString token() const { return m_options.credentials.token; }
    qint64 heartbeatMs() const { return m_heartbeatMs; }
    qint64 serverTimeOffsetMs() const { return m_serverTimeOffset; }
    const ConnectionOptions &options() const { return m_options; }
    // The thread the socket lives on and frames are decoded on (not the Connection's).
    QThread *ioThread() const { return m_ioThread; }

    using Callback = std::function<void(const Reply &)>;
    // Send a request; its `id` is assigned here (any id set by the caller is replaced) and
    // returned. `callback` runs exactly once - with the answer, a timeout, or Disconnected -
    // unless `context` was destroyed first. timeoutMs <= 0 uses policy.requestTimeoutMs.
    // When not online the callback is invoked (asynchronously) with Disconnected.
    QString request(chat::proto::ClientFrame frame, QObject *context, Callback callback,
                    int timeoutMs = 0);
    // Fire-and-forget frames (delivered, read, typing). Returns false when not online.
    bool post(const chat::proto::ClientFrame &frame);

Q_SIGNALS:
    void stateChanged(chat::net::Connection::State state);
    // After every successful authentication (first connect and every reconnect).
    void authenticated(const chat::proto::AuthOk &authOk);
    // A frame the server pushed on its own (message, receipt, conversation, typing,
    // presence), or an answer whose request is no longer pending.
    void pushReceived(const chat::proto::ServerFrame &frame);
    // The server issued a new token (login/register); store it to resume with `auth` later.
    void tokenChanged(const QString &token);
    // Credentials refused for good: no more reconnect attempts until open() is called again.
    void authFailed(const QString &message);
    // The link went down; a reconnect follows unless close() was called or auth failed.
    void linkLost(const QString &reason);

private:
    struct Pending {
        QPointer<QObject> context;
        bool hasContext = false;
        Callback callback;
        qint64 deadline = 0;
    };

    void connectSocket();
    void onConnected();
    void onDisconnected(int closeCode, const QString &closeReason);
    void onFrame(chat::proto::ServerFrame &&frame);
    void onBadFrame(const chat::proto::ProtocolError &error);
    void drainLink();
    void handle(LinkEvent &e);
    template<typename F>
    void toWorker(F &&f);
    void sendAuth();
    void handleAuthAnswer(const chat::proto::ServerFrame &frame);
    void setState(State s);
    void teardown(const QString &reason, bool scheduleReconnect);
    void scheduleReconnect();
    void failAllPending(Reply::Status status, const QString &why);
    void armRequestTimer();
    void onRequestTimer();
    void onHeartbeat();
    void finish(const QString &id, const Reply &reply);
    bool sendRaw(const QByteArray &utf8);

    ConnectionOptions m_options;
    QThread *m_ioThread = nullptr;
    LinkWorker *m_worker = nullptr; // lives in m_ioThread
    quint64 m_epoch = 0;            // of the current (or last) link; older events are dropped
    bool m_linkOpen = false;        // a link of m_epoch is connecting or up
    std::vector<LinkEvent> m_inbox; // taken from the worker; handled up to m_inboxNext
    size_t m_inboxNext = 0;
    QTimer *m_drainTimer = nullptr; // continues a drain cut short by its time budget
    QTimer *m_connectTimer = nullptr;
    QTimer *m_reconnectTimer = nullptr;
    QTimer *m_heartbeatTimer = nullptr;
    QTimer *m_requestTimer = nullptr;
    State m_state = State::Offline;
    bool m_wanted = false; // open() called and not closed
    bool m_triedTokenThisAttempt = false;
    int m_attempt = 0; // consecutive failed attempts
    quint64 m_nextId = 1;
    QString m_authRequestId;
    chat::proto::User m_user;
    qint64 m_heartbeatMs = 30000;
    qint64 m_serverTimeOffset = 0;
    QElapsedTimer m_clock; // monotonic time base for deadlines
    qint64 m_lastSignOfLife = 0;
    QHash<QString, Pending> m_pending;
};

} // namespace chat::net
