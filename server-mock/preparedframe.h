// PreparedFrame: one outgoing text frame, encoded once however many connections it goes to.
// It holds the text as QString and/or UTF-8 and, built on first use, the complete unmasked
// WebSocket frame (header + payload). Each form is computed at most once and implicitly
// shared, so a group push is converted to UTF-8 and framed once and every native socket
// writes the same bytes (docs/SERVER.md, "Transports"). Not thread-safe: the lazy forms are
// filled on the network thread that sends it.
#pragma once

#include <QByteArray>
#include <QString>

namespace chat::server {

class PreparedFrame
{
public:
    PreparedFrame() = default;
    explicit PreparedFrame(const QString &text) : m_text(text), m_hasText(true) { }
    static PreparedFrame fromUtf8(QByteArray utf8)
    {
        PreparedFrame f;
        f.m_utf8 = std::move(utf8);
        f.m_hasUtf8 = true;
        return f;
    }

    const QString &text() const
    {
        if (!m_hasText) {
            m_text = QString::fromUtf8(m_utf8);
            m_hasText = true;
        }
        return m_text;
    }
    const QByteArray &utf8() const
    {
        if (!m_hasUtf8) {
            m_utf8 = m_text.toUtf8();
            m_hasUtf8 = true;
        }
        return m_utf8;
    }
    // The whole server-to-client text frame (FIN, opcode 1, no mask), built once.
    const QByteArray &wireFrame() const;
    // Bytes of the UTF-8 payload (computes it if needed).
    qsizetype payloadSize() const { return utf8().size(); }

private:
    mutable QString m_text;
    mutable QByteArray m_utf8;
    mutable QByteArray m_wire;
    mutable bool m_hasText = false;
    mutable bool m_hasUtf8 = false;
};

} // namespace chat::server
