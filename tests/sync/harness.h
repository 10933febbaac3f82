// Test harness for the sync engine: the real reference server in process (port 0, a
// temporary data folder, restartable on the same port), an admin client for the QA control
// frames (protocol §13), and a frame proxy that sits between an engine and the server to
// duplicate, reorder, hold or cut what the server sends - a real server behind a real,
// misbehaving network.
#pragma once

#include "chatserver.h"
#include "serverconfig.h"
#include "sync/syncengine.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>
#include <functional>
#include <memory>

namespace chat::test {

class TestServer
{
public:
    explicit TestServer(const QJsonObject &fixture = {});
    ~TestServer();
    bool start(QString *error);
    void stop();
    // Stop, then start again on the same port with the same data (clients reconnect).
    bool restart(QString *error);
    QUrl url() const { return m_url; }
    chat::server::ServerConfig &config() { return m_config; }
    static QString adminToken() { return QStringLiteral("test-admin"); }

private:
    QTemporaryDir m_dir;
    chat::server::ServerConfig m_config;
    std::unique_ptr<chat::server::ChatServer> m_server;
    QUrl m_url;
};

// Blocking (event-loop spinning) admin client.
class AdminClient
{
public:
    explicit AdminClient(const QUrl &url);
    bool isOpen() const { return m_ok; }
    // Send one admin frame (an "id" is added) and wait for its answer; empty on timeout.
    QJsonObject call(QJsonObject frame, int timeoutMs = 30000);
    // Send many frames pipelined and wait for every answer; returns how many were "ok".
    int callMany(const QList<QJsonObject> &frames, int timeoutMs = 120000);
    bool fault(const QString &user, double dropRate, qint64 delayMs = 0, bool holdAcks = false,
               qint64 closeAfterFrames = 0);
    bool clearFaults();
    bool kick(const QString &user);
    bool inject(const QString &asUser, const QString &conversationId, const QString &content);

private:
    QWebSocket m_socket;
    QTimer m_ping; // a silent session is closed after 2 x heartbeat_ms, admin ones too
    QHash<QString, QJsonObject> m_answers;
    int m_next = 0;
    bool m_ok = false;
};

// Forwards frames between clients and the server. `onServerFrame` sees each frame the
// server sends to a client and returns the frames to deliver instead (none = drop it).
class FrameProxy : public QObject
{
public:
    explicit FrameProxy(const QUrl &upstream);
    ~FrameProxy() override;
    QUrl url() const;
    void setUpstream(const QUrl &u) { m_upstream = u; }
    // Cut every client link abruptly (no close frame).
    void dropAll();
    std::function<QList<QJsonObject>(const QJsonObject &)> onServerFrame;
    // Deliver frames later (e.g. held ones), to every current client.
    void deliver(const QJsonObject &frame);
    int connectionCount() const { return int(m_pairs.size()); }

private:
    struct Pair {
        QWebSocket *client = nullptr;
        QWebSocket *server = nullptr;
        QStringList queued; // client frames before the upstream is open
    };
    QWebSocketServer m_listener;
    QUrl m_upstream;
    QList<Pair *> m_pairs;
    void closePair(Pair *p);
};

QJsonObject user(const QString &name);
// A fixture (protocol §15): users with password "<name>-pw"; conversations as given.
QJsonObject fixture(const QStringList &users, const QJsonArray &conversations);
QJsonObject conversation(const QString &key, const QString &kind, const QString &title,
                         const QStringList &members,
                         const QList<QPair<QString, QString>> &messages = {});

// An engine for `username` with its store under `dir`, fast retry policy.
std::unique_ptr<chat::sync::SyncEngine> makeEngine(const QString &dir, const QUrl &server,
                                                   const QString &username);
void connectEngine(chat::sync::SyncEngine &e, const QUrl &server, const QString &username,
                   const QString &dir);
chat::sync::SyncEngine::Options engineOptions(const QString &dir);

// All stored messages of a conversation (every range), ascending.
QList<chat::sync::LocalMessage> allMessages(const chat::sync::SyncEngine &e, const QString &conv);

} // namespace chat::test
