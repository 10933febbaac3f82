// The WebSocket frame codec, server role (RFC 6455 §5): FrameDecoder turns the bytes a client
// sends into messages and control frames, byte by byte if need be, and rejects what the RFC
// forbids with the close code to send; the encoder functions build unmasked server frames.
// No extensions are negotiated, so every reserved bit must be zero.
#pragma once

#include <QByteArray>
#include <QString>

namespace chat::server::nativews {

enum Opcode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

namespace CloseStatus {
inline constexpr int Normal = 1000;
inline constexpr int GoingAway = 1001;
inline constexpr int ProtocolError = 1002;
inline constexpr int NoStatus = 1005; // never on the wire: a close frame without a code
inline constexpr int InvalidPayload = 1007;
inline constexpr int TooBig = 1009;
} // namespace CloseStatus

// A close code a peer may send (RFC 6455 §7.4, the IANA registry): 1000-1003, 1007-1014 and
// 3000-4999. 1004-1006 and 1015 are reserved for local use and never sent.
bool isValidCloseCode(int code);

// Receives what FrameDecoder decodes, in order. After onError the decoder goes on reading
// frames only to find the peer's close frame (reported with onClose); data is dropped.
class FrameSink
{
public:
    virtual ~FrameSink() = default;
    virtual void onText(const QString &text) = 0;
    virtual void onBinary(const QByteArray &data) = 0;
    virtual void onPing(const QByteArray &payload) = 0;
    virtual void onPong(const QByteArray &payload) = 0;
    // code is CloseStatus::NoStatus for a close frame without a payload.
    virtual void onClose(int code, const QString &reason) = 0;
    // The peer broke the protocol: close with `code` (1002, 1007, 1009) and `reason`. If the
    // offending frame was the peer's close frame, finished() is true: no close follows.
    virtual void onError(int code, const QString &reason) = 0;
};

class FrameDecoder
{
public:
    // maxMessageBytes: the largest message (all fragments together) accepted; larger -> 1009.
    explicit FrameDecoder(qint64 maxMessageBytes) : m_maxMessage(maxMessageBytes) { }

    // Decodes as much as `data` allows and reports every complete frame to `sink` in order.
    // Returns false once the stream ended (a close frame came); later input is ignored.
    bool feed(const char *data, qsizetype size, FrameSink &sink);
    bool feed(const QByteArray &data, FrameSink &sink)
    {
        return feed(data.constData(), data.size(), sink);
    }
    bool finished() const { return m_state == State::Done; }
    // From now on only a close frame matters (we sent ours): data frames are skipped unread
    // and nothing is checked, so a peer still sending cannot make us buffer or fail.
    void discardUntilClose();

private:
    enum class State : quint8 { Header, Payload, Done };
    bool checkFrameStart(FrameSink &sink);
    void headerComplete(FrameSink &sink);
    void frameComplete(FrameSink &sink);
    bool fail(FrameSink &sink, int code, const QString &reason);

    qint64 m_maxMessage;
    QByteArray m_message;    // data payload so far (all fragments of the current message)
    QByteArray m_control;    // payload of the control frame being read
    quint64 m_remaining = 0; // payload bytes of the current frame still to come
    quint8 m_header[14];
    quint8 m_headerLen = 0;
    quint8 m_mask[4] = {};
    quint8 m_maskPos = 0;
    quint8 m_opcode = 0;        // of the current frame
    quint8 m_messageOpcode = 0; // Text/Binary while a fragmented message is open, else 0
    bool m_fin = false;
    bool m_discard = false;     // after an error or our close: looking for the close frame
    bool m_dropPayload = false; // the current frame's payload is skipped
    State m_state = State::Header;
};

// Encoding (server to client: never masked).
void appendFrameHeader(QByteArray &out, quint8 opcode, quint64 payloadLength, bool fin = true);
QByteArray encodeFrame(quint8 opcode, const QByteArray &payload);
// A close frame; code 0 or NoStatus = no payload. The reason is cut to fit 125 bytes.
QByteArray encodeClose(int code, const QString &reason);

} // namespace chat::server::nativews
