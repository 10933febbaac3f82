// SessionTransport: the connection under a Session, reduced to what the Session uses — text
// frames out, unsent bytes, flush, close with a code, abort, the peer's address — plus the
// wiring of frames in to the Session (bind). Production runs over nativews::NativeWsTransport
// (our own WebSocket server side, the default) or WebSocketTransport (QWebSocket, --websocket
// qt); tests and the dispatch fuzzer run over MemoryTransport, in process, without sockets.
// Frames out are PreparedFrames: a frame sent to many connections is encoded once.
//
// Contract for implementations: after bind(), every text frame received calls
// Session::receiveText, every binary frame Session::receiveBinary, and the end of the
// connection (peer gone, close handshake done, abort) Session::transportClosed — each on the
// Session's thread. sendPrepared() after close() or abort() is never called by Session.
#pragma once

#include "preparedframe.h"

#include <QString>

namespace chat::server {

class Session;

class SessionTransport
{
public:
    virtual ~SessionTransport() = default;
    // Connects frames in and the end of the connection to `session` (called once, by its
    // constructor; the session owns the transport from then on).
    virtual void bind(Session *session) = 0;
    // Sends one text frame. The frame may be shared with other connections: use the form the
    // transport needs (text, UTF-8 or the framed bytes) and keep no reference to change it.
    virtual void sendPrepared(const PreparedFrame &frame) = 0;
    void sendText(const QString &frame) { sendPrepared(PreparedFrame(frame)); }
    // Bytes accepted by sendPrepared() that the peer has not taken yet (the send-buffer cap).
    virtual qint64 bytesToWrite() const = 0;
    virtual void flush() = 0;
    // Starts the close handshake with a WebSocket close code (protocol §2).
    virtual void close(int code, const QString &reason) = 0;
    // Drops the connection without a close frame.
    virtual void abort() = 0;
    // "address:port" of the peer (logs, the login throttle's per-address key).
    virtual QString peer() const = 0;
};

} // namespace chat::server
