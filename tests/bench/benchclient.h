// BenchClient: one protocol-v1 connection as chat-bench drives it. Setup requests (register,
// login, create_conversation, sync, history, admin frames) go through the strict chat_net codec
// with a callback per request id; the hot frames (ack, message, pong) are recognised by a cheap
// scan of the text so the load generator spends its CPU sending, not parsing.
#pragma once

#include "net/protocol/codec.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>

#include <functional>

namespace chat::bench {

class BenchClient : public QObject
{
    Q_OBJECT
public:
    enum class State { Idle, Connecting, Open, Closed };
    // The answer decoded strictly by chat_net; an undecodable one arrives as proto::Error.
    using Answer = std::function<void(const proto::ServerFrame &frame)>;

    explicit BenchClient(QObject *parent = nullptr);
    ~BenchClient() override;

    // Opens the socket; state() becomes Open or Closed (no own timeout in QWebSocket: the
    // caller's waitFor() deadline is the handshake timeout).
    void open(const QUrl &url);
    void close();
    State state() const { return m_state; }
    QString errorText() const { return m_error; }

    // Sends a request frame (any chat::proto client frame struct); `answer` gets the answer
    // with the same id (an "error" frame included). The id is assigned here.
    template<typename F>
    void request(F frame, Answer answer)
    {
        frame.id = nextRequestId();
        m_waiting.insert(frame.id, std::move(answer));
        sendRaw(QString::fromUtf8(proto::encodeFrame(frame)));
    }
    // Sends a frame without waiting for an answer.
    void sendRaw(const QString &text);
    // A send pipelined at full speed: id "s<n>" and content "t<nowNs> <padding>".
    // Returns the send time (ns) that goes into the content.
    qint64 sendMessage(const QString &conversationId, const QString &padding);
    void ping();

    // Filled by authenticate.
    QString userId, token, username;
    bool authed = false;

    // Hot callbacks: ack of a sendMessage (its send time), message push (send time parsed from
    // the content, or -1 for foreign content), pong (the ts it echoes).
    std::function<void(qint64 sentNs)> onAck;
    std::function<void(qint64 sentNs)> onMessage;
    std::function<void(qint64 sentNs)> onPong;
    // Errors for sends (id "s…") and unexpected frames are counted, not fatal.
    qint64 sendErrors = 0;
    QString lastSendError;
    qint64 framesIn = 0;

private:
    QString nextRequestId();
    void onText(const QString &text);

    void touch();

    QWebSocket m_ws;
    QTimer m_keepAlive; // a ping after 15 s without sending: servers close silent links at 2 × 30 s
    qint64 m_lastSendNs = 0;
    State m_state = State::Idle;
    QString m_error;
    QHash<QString, Answer> m_waiting;
    QHash<qint64, qint64> m_sendTimes; // send number → ns
    qint64 m_nextId = 0;
    qint64 m_nextSend = 0;
    QString m_cmidPrefix;
};

// A sentence for an answer that was not the one expected (an error frame, or another type).
QString describeAnswer(const proto::ServerFrame &f);

} // namespace chat::bench
