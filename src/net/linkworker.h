// LinkWorker: the socket half of chat::net::Connection, on a thread of its own ("chat-net-io").
// It owns the QWebSocket - connect, TLS, the WebSocket handshake, reading and writing frames -
// and decodes every text frame from the server into a chat::proto::ServerFrame there, so a
// burst of pushes (a catch-up, a busy group) costs the owner's thread (usually the GUI thread)
// only the handling of frames already decoded, never the socket reads, UTF-8 conversions and
// JSON parsing.
//
// Everything it reports goes through one FIFO of LinkEvents (connected, a decoded frame, a
// frame that could not be decoded, closed), so the owner sees them in exactly the order the
// socket produced them. The owner is woken once per burst: the first event into an empty FIFO
// posts one drain call, and the owner takes the whole FIFO at once.
//
// Every link has an epoch, chosen by the owner when it asks for a connection: events carry it,
// and the owner ignores events of a link it has already torn down. Internal to chat_net.
#pragma once

#include "protocol/limits.h"
#include "protocol/serverframes.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QObject>
#include <QUrl>
#include <atomic>
#include <functional>
#include <optional>
#include <vector>

class QWebSocket;

namespace chat::net {

struct LinkEvent {
    enum class Kind {
        Connected, // the WebSocket handshake completed
        Frame,     // `frame` holds a decoded server frame
        BadFrame,  // `error` says why the text could not be decoded; `bytes` its size
        Closed,    // the link is gone: `closeCode`, `closeReason`; code 0 = it never
                   // connected, the reason is the socket's error (refused, TLS, ...)
    };
    Kind kind = Kind::Frame;
    quint64 epoch = 0;
    std::optional<chat::proto::ServerFrame> frame;
    chat::proto::ProtocolError error;
    qsizetype bytes = 0;
    int closeCode = 0;
    QString closeReason;
};

class LinkWorker : public QObject
{
    Q_OBJECT
public:
    // `wake` is called on the worker's thread when the FIFO turns non-empty; it must post
    // (never call) the owner's drain. `clock` is the owner's monotonic clock, so the time of
    // the last sign of life reads on the owner's scale.
    LinkWorker(const QElapsedTimer &clock, std::function<void()> wake);
    ~LinkWorker() override;

    // Worker thread only (the owner calls them through queued invocations).
    void openLink(quint64 epoch, const QUrl &url, const QString &caFile,
                  const chat::proto::Limits &limits, qsizetype maxFrameBytes);
    void send(quint64 epoch, const QByteArray &utf8);
    void closeLink(quint64 epoch); // clean close (1000), the socket goes once closed or in 2 s
    void abortLink(quint64 epoch); // drop at once, no close frame, no Closed event
    void shutdown();               // abort everything; called before the thread stops

    // Any thread.
    std::vector<LinkEvent> takeEvents();
    // The owner's clock (ms) when the socket last received anything, pongs included.
    qint64 lastSignOfLife() const { return m_lastSignOfLife.load(std::memory_order_relaxed); }

private:
    void onText(const QString &text);
    void push(LinkEvent &&e);
    void dropSocket();

    QElapsedTimer m_clock;
    std::function<void()> m_wake;
    QWebSocket *m_socket = nullptr;
    quint64 m_epoch = 0;
    bool m_connected = false; // the current socket completed its handshake
    QString m_lastError;      // the current socket's last error
    chat::proto::Limits m_limits;
    qsizetype m_maxFrameBytes = 0;
    std::atomic<qint64> m_lastSignOfLife{0};

    QMutex m_mutex;
    std::vector<LinkEvent> m_events; // guarded by m_mutex
};

} // namespace chat::net
