// RawWs: a WebSocket client written by hand on a QTcpSocket, for abuse tests that a real
// client library refuses to produce: invalid UTF-8 in text frames, truncated frames, frames
// dribbled a byte at a time, a handshake that never ends, a peer that never reads. Waits spin
// the event loop (the server under test may run in the same thread).
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QTcpSocket>
#include <optional>

namespace chat::reliability {

class RawWs : public QObject
{
public:
    explicit RawWs(QObject *parent = nullptr);
    bool connectTcp(quint16 port, int timeoutMs = 10000);
    void writeRaw(const QByteArray &bytes);
    QByteArray handshakeRequest(quint16 port) const;
    bool handshake(quint16 port, int timeoutMs = 15000); // true on "101"
    // A masked client frame; `declaredLength` >= 0 lies about the payload length.
    static QByteArray frame(int opcode, const QByteArray &payload, bool fin = true,
                            qint64 declaredLength = -1);
    void sendText(const QByteArray &utf8) { writeRaw(frame(1, utf8)); }
    void sendJson(const QJsonObject &o);
    // The next data frame from the server (text payload), or nothing by the deadline or close.
    std::optional<QByteArray> nextText(int timeoutMs = 20000);
    std::optional<QJsonObject> nextJson(int timeoutMs = 20000);
    // Wait for the server's close frame or the TCP connection to end.
    bool waitClosed(int timeoutMs = 20000);
    int closeCode() const { return m_closeCode; } // -1: no close frame (or not closed)
    bool disconnected() const { return m_socket.state() != QAbstractSocket::ConnectedState; }
    QTcpSocket &socket() { return m_socket; }
    // Never read again: Qt stops pulling from the kernel, whose buffers then fill up.
    void stopReading()
    {
        m_socket.disconnect(this);
        m_socket.setReadBufferSize(1);
    }
    void resumeReading();
    int textsQueued() const { return int(m_texts.size()); }

private:
    bool parseOne(); // one complete frame out of m_buffer
    void onReadyRead();
    QTcpSocket m_socket;
    QByteArray m_buffer;
    QList<QByteArray> m_texts;
    int m_closeCode = -1;
    bool m_closed = false;
};

} // namespace chat::reliability
