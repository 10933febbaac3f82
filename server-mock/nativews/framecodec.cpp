#include "framecodec.h"

#include "preparedframe.h"

#include <QStringDecoder>
#include <QtEndian>

using namespace Qt::StringLiterals;

namespace chat::server::nativews {

namespace {
bool isControl(quint8 opcode)
{
    return opcode & 0x8;
}

// Strict UTF-8 (overlong forms, surrogates, code points past U+10FFFF and a sequence cut at
// the end are errors); an initial BOM is kept, as it is part of the text.
bool decodeUtf8(const QByteArray &bytes, QString *out)
{
    QStringDecoder dec(QStringDecoder::Utf8,
                       QStringDecoder::Flag::Stateless | QStringDecoder::Flag::ConvertInitialBom);
    *out = dec.decode(bytes);
    return !dec.hasError();
}
} // namespace

bool isValidCloseCode(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
           || (code >= 3000 && code <= 4999);
}

bool FrameDecoder::fail(FrameSink &sink, int code, const QString &reason)
{
    discardUntilClose();
    sink.onError(code, reason);
    return false;
}

void FrameDecoder::discardUntilClose()
{
    m_discard = true;
    m_message.clear();
    m_messageOpcode = 0;
    if (m_state == State::Payload && !isControl(m_opcode))
        m_dropPayload = true;
}

bool FrameDecoder::feed(const char *data, qsizetype size, FrameSink &sink)
{
    const auto *p = reinterpret_cast<const quint8 *>(data);
    const quint8 *const end = p + size;
    while (m_state != State::Done) {
        if (m_state == State::Header) {
            if (p == end)
                return true;
            // The header is 2 bytes, then 0, 2 or 8 of length, then the 4-byte mask.
            m_header[m_headerLen++] = *p++;
            if (m_headerLen < 2)
                continue;
            if (m_headerLen == 2 && !m_discard)
                checkFrameStart(sink); // on failure: discarding, this frame is still skipped
            const quint8 len7 = m_header[1] & 0x7f;
            const bool masked = m_header[1] & 0x80;
            const int need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
            if (m_headerLen >= need)
                headerComplete(sink);
            continue;
        }
        // Payload: unmask straight into the message (or control) buffer.
        const qsizetype avail = end - p;
        const qsizetype n = qsizetype(std::min<quint64>(m_remaining, quint64(avail)));
        if (n > 0) {
            if (!m_dropPayload) {
                QByteArray &target = isControl(m_opcode) ? m_control : m_message;
                const qsizetype at = target.size();
                target.resize(at + n);
                char *dst = target.data() + at;
                for (qsizetype i = 0; i < n; ++i) {
                    dst[i] = char(p[i] ^ m_mask[m_maskPos]);
                    m_maskPos = (m_maskPos + 1) & 3;
                }
            }
            p += n;
            m_remaining -= quint64(n);
        }
        if (m_remaining > 0)
            return true; // p == end
        frameComplete(sink);
    }
    return false;
}

bool FrameDecoder::checkFrameStart(FrameSink &sink)
{
    const quint8 b0 = m_header[0], b1 = m_header[1];
    m_fin = b0 & 0x80;
    m_opcode = b0 & 0x0f;
    if (b0 & 0x70)
        return fail(sink, CloseStatus::ProtocolError, u"reserved bits set"_s);
    if ((m_opcode > Binary && m_opcode < Close) || m_opcode > Pong)
        return fail(sink, CloseStatus::ProtocolError, u"reserved opcode %1"_s.arg(m_opcode));
    if (!(b1 & 0x80))
        return fail(sink, CloseStatus::ProtocolError, u"client frame not masked"_s);
    if (isControl(m_opcode)) {
        if (!m_fin)
            return fail(sink, CloseStatus::ProtocolError, u"fragmented control frame"_s);
        if ((b1 & 0x7f) > 125)
            return fail(sink, CloseStatus::ProtocolError, u"control frame longer than 125 bytes"_s);
    } else if (m_opcode == Continuation && !m_messageOpcode) {
        return fail(sink, CloseStatus::ProtocolError, u"continuation frame without a message"_s);
    } else if (m_opcode != Continuation && m_messageOpcode) {
        return fail(sink, CloseStatus::ProtocolError, u"new message inside a fragmented one"_s);
    }
    return true;
}

void FrameDecoder::headerComplete(FrameSink &sink)
{
    if (m_discard) { // checkFrameStart did not run for this frame
        m_fin = m_header[0] & 0x80;
        m_opcode = m_header[0] & 0x0f;
    }
    const quint8 len7 = m_header[1] & 0x7f;
    quint64 len = len7;
    int at = 2;
    if (len7 == 126) {
        len = qFromBigEndian<quint16>(m_header + 2);
        at = 4;
    } else if (len7 == 127) {
        len = qFromBigEndian<quint64>(m_header + 2);
        at = 10;
        if (len >> 63) {
            if (!m_discard)
                fail(sink, CloseStatus::ProtocolError, u"payload length above 2^63"_s);
            m_state = State::Done; // the stream cannot be followed any further
            return;
        }
    }
    if (m_header[1] & 0x80)
        std::copy(m_header + at, m_header + at + 4, m_mask);
    else
        std::fill(m_mask, m_mask + 4, 0);
    m_maskPos = 0;
    m_headerLen = 0;
    m_remaining = len;
    m_state = State::Payload;
    m_dropPayload = false;
    if (isControl(m_opcode)) {
        m_control.clear();
        m_dropPayload = len > 125; // only while discarding (checked otherwise)
    } else if (m_discard) {
        m_dropPayload = true;
    } else if (m_maxMessage > 0 && len > quint64(m_maxMessage - m_message.size())) {
        fail(sink, CloseStatus::TooBig, u"message larger than %1 bytes"_s.arg(m_maxMessage));
        m_dropPayload = true;
    } else if (len > 0 && m_maxMessage > 0) {
        m_message.reserve(m_message.size() + qsizetype(len));
    }
}

void FrameDecoder::frameComplete(FrameSink &sink)
{
    m_state = State::Header;
    if (m_discard) {
        if (m_opcode == Close) {
            const QByteArray payload = std::exchange(m_control, {});
            m_state = State::Done;
            sink.onClose(payload.size() >= 2 ? int(qFromBigEndian<quint16>(payload.constData()))
                                             : CloseStatus::NoStatus,
                         {});
        }
        m_control.clear();
        return;
    }
    switch (m_opcode) {
    case Ping: sink.onPing(std::exchange(m_control, {})); return;
    case Pong: sink.onPong(std::exchange(m_control, {})); return;
    case Close: {
        // The peer's last frame, valid or not: finished() is true when the sink hears of it.
        m_state = State::Done;
        const QByteArray payload = std::exchange(m_control, {});
        int code = CloseStatus::NoStatus;
        QString reason;
        if (payload.size() == 1)
            fail(sink, CloseStatus::ProtocolError, u"close frame of one byte"_s);
        else if (!payload.isEmpty()
                 && !isValidCloseCode(code = qFromBigEndian<quint16>(payload.constData())))
            fail(sink, CloseStatus::ProtocolError, u"invalid close code %1"_s.arg(code));
        else if (!payload.isEmpty() && !decodeUtf8(payload.mid(2), &reason))
            fail(sink, CloseStatus::InvalidPayload, u"close reason is not UTF-8"_s);
        else
            sink.onClose(code, reason);
        return;
    }
    default: break;
    }
    if (m_opcode != Continuation)
        m_messageOpcode = m_opcode;
    if (!m_fin)
        return;
    const quint8 kind = std::exchange(m_messageOpcode, quint8(0));
    // Hand the buffer over: an idle connection keeps no message capacity.
    const QByteArray message = std::exchange(m_message, {});
    if (kind == Binary) {
        sink.onBinary(message);
        return;
    }
    QString text;
    if (!decodeUtf8(message, &text)) {
        fail(sink, CloseStatus::InvalidPayload, u"text message is not valid UTF-8"_s);
        return;
    }
    sink.onText(text);
}

void appendFrameHeader(QByteArray &out, quint8 opcode, quint64 payloadLength, bool fin)
{
    out.append(char((fin ? 0x80 : 0) | (opcode & 0x0f)));
    if (payloadLength < 126) {
        out.append(char(payloadLength));
    } else if (payloadLength < 65536) {
        char b[3] = {char(126)};
        qToBigEndian<quint16>(quint16(payloadLength), b + 1);
        out.append(b, 3);
    } else {
        char b[9] = {char(127)};
        qToBigEndian<quint64>(payloadLength, b + 1);
        out.append(b, 9);
    }
}

QByteArray encodeFrame(quint8 opcode, const QByteArray &payload)
{
    QByteArray out;
    out.reserve(payload.size() + 10);
    appendFrameHeader(out, opcode, quint64(payload.size()));
    out.append(payload);
    return out;
}

QByteArray encodeClose(int code, const QString &reason)
{
    if (code == 0 || code == CloseStatus::NoStatus)
        return encodeFrame(Close, {});
    QByteArray payload(2, Qt::Uninitialized);
    qToBigEndian<quint16>(quint16(code), payload.data());
    QByteArray r = reason.toUtf8();
    if (r.size() > 123) {
        // Cut on a character boundary: never in the middle of a UTF-8 sequence.
        qsizetype n = 123;
        while (n > 0 && (quint8(r.at(n)) & 0xc0) == 0x80)
            --n;
        r.truncate(n);
    }
    payload += r;
    return encodeFrame(Close, payload);
}

} // namespace chat::server::nativews

namespace chat::server {

const QByteArray &PreparedFrame::wireFrame() const
{
    if (m_wire.isEmpty()) {
        const QByteArray &payload = utf8();
        m_wire.reserve(payload.size() + 10);
        nativews::appendFrameHeader(m_wire, nativews::Text, quint64(payload.size()));
        m_wire.append(payload);
    }
    return m_wire;
}

} // namespace chat::server
