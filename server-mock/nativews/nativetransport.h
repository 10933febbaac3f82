// NativeWsTransport: a Session over a QTcpSocket (or QSslSocket) that speaks WebSocket
// itself, server role, after the Acceptor completed the upgrade. Frames in go through a
// FrameDecoder straight to the Session; frames out are written as prepared bytes, so a push
// to many connections shares one framed QByteArray (sendPrepared). Frames are queued and
// written once the current batch of events is handled (FlushQueue): on plain TCP with one
// sendmsg() for all of a socket's frames while Qt has nothing queued for it, else through
// QTcpSocket's buffer. Pings are
// answered with pongs; the close handshake is run here: a close from the peer is echoed and the TCP
// connection ended, a close from us (the Session's or a protocol error's) waits for the
// peer's close frame, then ends the connection, or aborts it after kCloseTimeoutMs.
// Per connection it holds the socket pointer, the Session and the decoder's state: no QObject,
// no timer (the close timeout is a single-shot armed only while closing).
#pragma once

#include "framecodec.h"
#include "sessiontransport.h"

#include <QList>

class QTcpSocket;

namespace chat::server::nativews {

class NativeWsTransport final : public SessionTransport, private FrameSink
{
public:
    static constexpr int kCloseTimeoutMs = 5000;

    // `socket` is upgraded already; `early` holds bytes that arrived right after the request
    // (frames the client pipelined), decoded once bound.
    NativeWsTransport(QTcpSocket *socket, QByteArray early, qint64 maxMessageBytes);
    ~NativeWsTransport() override;

    void bind(Session *session) override;
    void sendPrepared(const PreparedFrame &frame) override;
    qint64 bytesToWrite() const override;
    void flush() override;
    void close(int code, const QString &reason) override;
    void abort() override;
    QString peer() const override;

    QTcpSocket *socket() const { return m_socket; }
    // Writes the frames queued since the last flush (FlushQueue calls it once per batch).
    void flushOut();

private:
    void queue(const QByteArray &frame);
    void flushNow(); // flushOut() from outside the FlushQueue's batch
    void onReadyRead();
    void feed(const char *data, qsizetype size);
    void sendClose(int code, const QString &reason);
    void endConnection();

    // FrameSink
    void onText(const QString &text) override;
    void onBinary(const QByteArray &data) override;
    void onPing(const QByteArray &payload) override;
    void onPong(const QByteArray &payload) override;
    void onClose(int code, const QString &reason) override;
    void onError(int code, const QString &reason) override;

    QTcpSocket *m_socket;
    Session *m_session = nullptr;
    QByteArray m_early;
    QList<QByteArray> m_out; // frames not handed to the socket yet (shared with other sockets)
    qint64 m_outBytes = 0;
    int m_fd; // plain TCP: written to directly while Qt has nothing queued; -1 for TLS
    bool m_flushQueued = false;
    FrameDecoder m_decoder;
    bool m_closeSent = false;
    bool m_ended = false; // aborted or TCP closing: nothing more is read or written
};

} // namespace chat::server::nativews
