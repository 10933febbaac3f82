#include "rawws.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

using namespace Qt::StringLiterals;

namespace chat::reliability {

RawWs::RawWs(QObject *parent) : QObject(parent)
{
    connect(&m_socket, &QTcpSocket::readyRead, this, &RawWs::onReadyRead);
}

void RawWs::onReadyRead()
{
    m_buffer += m_socket.readAll();
    while (parseOne()) { }
}

void RawWs::resumeReading()
{
    m_socket.setReadBufferSize(0);
    connect(&m_socket, &QTcpSocket::readyRead, this, &RawWs::onReadyRead);
    onReadyRead();
}

bool RawWs::connectTcp(quint16 port, int timeoutMs)
{
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    return QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; },
                           timeoutMs);
}

void RawWs::writeRaw(const QByteArray &bytes)
{
    m_socket.write(bytes);
    m_socket.flush();
}

QByteArray RawWs::handshakeRequest(quint16 port) const
{
    return "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port)
           + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

bool RawWs::handshake(quint16 port, int timeoutMs)
{
    if (m_socket.state() != QAbstractSocket::ConnectedState && !connectTcp(port))
        return false;
    // Until the handshake is done the buffer holds HTTP, not frames.
    m_socket.blockSignals(true);
    writeRaw(handshakeRequest(port));
    QByteArray head;
    const bool ok = QTest::qWaitFor(
        [&] {
            head += m_socket.readAll();
            return head.contains("\r\n\r\n") || m_socket.state() != QAbstractSocket::ConnectedState;
        },
        timeoutMs);
    m_socket.blockSignals(false);
    const qsizetype end = head.indexOf("\r\n\r\n");
    if (!ok || end < 0)
        return false;
    m_buffer = head.mid(end + 4);
    while (parseOne()) { }
    return head.startsWith("HTTP/1.1 101");
}

QByteArray RawWs::frame(int opcode, const QByteArray &payload, bool fin, qint64 declaredLength)
{
    QByteArray f;
    f.append(char((fin ? 0x80 : 0) | (opcode & 0x0f)));
    const quint64 len = declaredLength >= 0 ? quint64(declaredLength) : quint64(payload.size());
    if (len < 126) {
        f.append(char(0x80 | len));
    } else if (len < 65536) {
        f.append(char(0x80 | 126));
        f.append(char(len >> 8));
        f.append(char(len & 0xff));
    } else {
        f.append(char(0x80 | 127));
        for (int i = 7; i >= 0; --i)
            f.append(char((len >> (8 * i)) & 0xff));
    }
    const quint32 maskKey = QRandomGenerator::global()->generate();
    char mask[4];
    for (int i = 0; i < 4; ++i)
        mask[i] = char((maskKey >> (8 * i)) & 0xff);
    f.append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        f.append(char(payload[i] ^ mask[i % 4]));
    return f;
}

void RawWs::sendJson(const QJsonObject &o)
{
    sendText(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

bool RawWs::parseOne()
{
    if (m_buffer.size() < 2)
        return false;
    const quint8 b0 = quint8(m_buffer[0]), b1 = quint8(m_buffer[1]);
    quint64 len = b1 & 0x7f;
    qsizetype pos = 2;
    if (len == 126) {
        if (m_buffer.size() < 4)
            return false;
        len = (quint64(quint8(m_buffer[2])) << 8) | quint8(m_buffer[3]);
        pos = 4;
    } else if (len == 127) {
        if (m_buffer.size() < 10)
            return false;
        len = 0;
        for (int i = 0; i < 8; ++i)
            len = (len << 8) | quint8(m_buffer[2 + i]);
        pos = 10;
    }
    if (b1 & 0x80)
        pos += 4; // servers do not mask, but be tolerant
    if (quint64(m_buffer.size() - pos) < len)
        return false;
    const QByteArray payload = m_buffer.mid(pos, qsizetype(len));
    m_buffer.remove(0, pos + qsizetype(len));
    const int opcode = b0 & 0x0f;
    if (opcode == 1 || opcode == 0) {
        m_texts.append(payload);
    } else if (opcode == 8) {
        m_closed = true;
        m_closeCode =
            payload.size() >= 2 ? (int(quint8(payload[0])) << 8) | quint8(payload[1]) : 1005;
    } else if (opcode == 9) {
        writeRaw(frame(10, payload)); // pong
    }
    return true;
}

std::optional<QByteArray> RawWs::nextText(int timeoutMs)
{
    QTest::qWaitFor([this] { return !m_texts.isEmpty() || m_closed || disconnected(); }, timeoutMs);
    if (m_texts.isEmpty())
        return std::nullopt;
    return m_texts.takeFirst();
}

std::optional<QJsonObject> RawWs::nextJson(int timeoutMs)
{
    const auto t = nextText(timeoutMs);
    if (!t)
        return std::nullopt;
    return QJsonDocument::fromJson(*t).object();
}

bool RawWs::waitClosed(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_closed || disconnected(); }, timeoutMs);
}

} // namespace chat::reliability
