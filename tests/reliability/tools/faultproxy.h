// FaultProxy: a TCP proxy on 127.0.0.1 between clients and a server, for fault injection under
// load. It forwards bytes both ways and can, on command: delay every chunk (latency), stop
// forwarding while keeping the sockets open (a link that drops everything: the peers only
// notice by their own timeouts), and reset every connection at once (RST, no close frame).
// It knows nothing of WebSocket: faults hit the byte stream, as a real network would.
#pragma once

#include <QList>
#include <QObject>
#include <QTcpServer>

class QTcpSocket;

namespace chat::reliability {

class FaultProxy : public QObject
{
    Q_OBJECT
public:
    explicit FaultProxy(QObject *parent = nullptr);
    ~FaultProxy() override;
    bool listen(quint16 upstreamPort); // picks a free local port
    quint16 port() const { return m_listener.serverPort(); }
    void setUpstreamPort(quint16 p) { m_upstreamPort = p; }

    void setDelayMs(int ms) { m_delayMs = ms; }
    void setBlackhole(bool on); // when switched off, what was held is forwarded
    void resetAll();            // abort every connection (the peers see a reset)
    int connectionCount() const { return int(m_pairs.size()); }

private:
    struct Pair {
        QTcpSocket *client = nullptr;
        QTcpSocket *server = nullptr;
        QByteArray toServer, toClient; // held while blackholed or before upstream is up
    };
    void onNewConnection();
    void forward(Pair *p, bool fromClient);
    void flush(Pair *p);
    void closePair(Pair *p);

    QTcpServer m_listener;
    quint16 m_upstreamPort = 0;
    int m_delayMs = 0;
    bool m_blackhole = false;
    QList<Pair *> m_pairs;
};

} // namespace chat::reliability
