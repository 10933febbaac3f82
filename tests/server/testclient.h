// TestClient: a plain QWebSocket speaking protocol v1 as raw JSON, for the server tests.
// Collects every frame received; request() sends a frame with a fresh id and waits for the
// answer with that id; waitFor() waits for a pushed frame matching a predicate. Waits are
// generous (busy 2-core machines) and never assertions of speed.
#pragma once

#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTimer>
#include <QUrl>
#include <QWebSocket>
#include <functional>

class TestClient : public QObject
{
    Q_OBJECT
public:
    explicit TestClient(QObject *parent = nullptr);
    ~TestClient() override;

    bool open(const QUrl &url, int timeoutMs = 10000);
    bool isOpen() const { return m_ws.state() == QAbstractSocket::ConnectedState; }
    bool waitClosed(int timeoutMs = 20000);
    int closeCode() const { return m_closeCode; }
    // Empty when the server dropped the TCP connection without a close frame (abort):
    // every close frame this server sends carries a reason.
    QString closeReason() const { return m_closeReason; }
    bool closed() const { return m_closed; }

    void sendJson(const QJsonObject &o);
    void sendRaw(const QString &text);
    // Adds "id" if absent; returns the answer with that id, or {} on timeout.
    QJsonObject request(QJsonObject o, int timeoutMs = 20000);
    QJsonObject waitFor(const std::function<bool(const QJsonObject &)> &pred,
                        int timeoutMs = 20000);
    QJsonObject waitForType(const QString &type, int timeoutMs = 20000);
    // Frames received so far that match (and are not answers unless asked).
    QList<QJsonObject> frames(const QString &type = {}) const;
    int count(const QString &type) const;
    void clearFrames() { m_frames.clear(); }

    // Convenience: register/login and remember the user and token.
    QJsonObject registerUser(const QString &username, const QString &password = {},
                             const QString &display = {});
    QJsonObject login(const QString &username, const QString &password);
    QJsonObject auth(const QString &token);
    QString userId() const { return m_userId; }
    QString token() const { return m_token; }
    QWebSocket &socket() { return m_ws; }
    // Sends a ping every `ms` (0 = stop): keeps the connection alive under a short heartbeat.
    void setAutoPing(int ms);

private:
    QWebSocket m_ws;
    QTimer *m_pinger = nullptr;
    QList<QJsonObject> m_frames;
    int m_nextId = 0;
    int m_closeCode = -1;
    QString m_closeReason;
    bool m_closed = false;
    QString m_userId, m_token;
};

// A user on its own connection, registered with a unique name derived from `base`.
QString uniqueName(const QString &base);
