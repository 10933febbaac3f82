// ChatServer: the reference server in one object — a listener (nativews::Acceptor, or
// QWebSocketServer with --websocket qt) feeding
// Sessions, a Dispatcher, the Store, Router, Presence, Notifier and QA faults. Usable in
// process (tests: port 0, then url()) and by chat-server's main().
#pragma once

#include "deadlinequeue.h"
#include "serverconfig.h"

#include <QObject>
#include <QSslConfiguration>
#include <QUrl>
#include <memory>
#include <optional>

class QWebSocketServer;
class QTimer;
class QTemporaryDir;
class QTcpServer;

namespace chat::server {

struct ServerCore;
class Session;
class SessionTransport;
class SqlStore;
class Store;
class LocalRouter;
namespace cluster {
class ClusterNode;
}
namespace nativews {
class Acceptor;
}

class ChatServer : public QObject
{
    Q_OBJECT
public:
    explicit ChatServer(ServerConfig config, QObject *parent = nullptr);
    ~ChatServer() override;

    bool start(QString *errorMessage); // listens; false + a sentence on failure
    void stop();                       // close 1001 to every client, flush the store
    quint16 port() const;
    QUrl url() const; // ws://127.0.0.1:PORT (wss:// with TLS)
    bool isRunning() const { return m_running; }
    const ServerConfig &config() const;

    // Test hook: the next n store write transactions fail at commit (storage failure).
    void failNextCommits(int n);
    // A session over another transport than the listener's (tests, the dispatch fuzzer:
    // MemoryTransport). It is served exactly like an accepted connection; the server owns and
    // deletes it when its transport ends. nullptr when the server is not running.
    Session *openSession(std::unique_ptr<SessionTransport> transport);
    // Test hook: the store (the dispatch fuzzer issues session tokens with it directly, as a
    // login does after its Argon2id check). nullptr when the server is not running.
    Store *store() const;

private:
    bool listenNative(const std::optional<QSslConfiguration> &ssl, QString *err);
    bool listenQt(const std::optional<QSslConfiguration> &ssl, QString *err);
    void onNewConnection();
    void onSessionFinished(Session *s);
    void sweep();

    std::unique_ptr<ServerCore> m_core;
    std::unique_ptr<SqlStore> m_store;
    std::unique_ptr<LocalRouter> m_router;
    std::unique_ptr<cluster::ClusterNode> m_cluster; // --redis: cross-node router, presence
    std::unique_ptr<QTemporaryDir> m_tempDir;
    nativews::Acceptor *m_acceptor = nullptr; // --websocket native (the default)
    QWebSocketServer *m_server = nullptr;     // --websocket qt
    QTcpServer *m_tcp = nullptr; // plain ws: our own listener, for a real listen backlog
    QTimer *m_sweeper = nullptr;
    // When each session's deadlines must be checked next (sweep() touches only those due).
    struct SessionRef {
        Session *session; // may be gone: valid only while in ServerCore::sessions with serial
        quint64 serial;
    };
    DeadlineQueue<SessionRef> m_deadlines;
    bool m_running = false;
};

} // namespace chat::server
