// WebSocketTransport: a Session over a QWebSocket (production). The socket's signals are
// connected straight to the Session, so frames in cost what they cost before the seam; the
// socket becomes the Session's child, as it was.
#pragma once

#include "sessiontransport.h"

class QWebSocket;

namespace chat::server {

class WebSocketTransport final : public SessionTransport
{
public:
    explicit WebSocketTransport(QWebSocket *socket);
    ~WebSocketTransport() override;

    void bind(Session *session) override;
    void sendPrepared(const PreparedFrame &frame) override;
    qint64 bytesToWrite() const override;
    void flush() override;
    void close(int code, const QString &reason) override;
    void abort() override;
    QString peer() const override;

private:
    QWebSocket *m_ws;
    Session *m_session = nullptr;
};

} // namespace chat::server
