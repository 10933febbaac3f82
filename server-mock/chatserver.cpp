#include "chatserver.h"

#include "clusternode.h"
#include "crypto.h"
#include "dispatcher.h"
#include "nativews/acceptor.h"
#include "nativews/ssltcpserver.h"
#include "net/logging.h"
#include "notifier.h"
#include "pgdialect.h"
#include "presence.h"
#include "router.h"
#include "servercore.h"
#include "session.h"
#include "sqlstore.h"
#include "websockettransport.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace Qt::StringLiterals;

namespace chat::server {

ChatServer::ChatServer(ServerConfig config, QObject *parent)
    : QObject(parent), m_core(std::make_unique<ServerCore>())
{
    m_core->config = std::move(config);
    m_core->clock.start();
}

ChatServer::~ChatServer()
{
    stop();
    // Sessions still alive (stop() waited a bounded time) go before the router and store.
    const QList<Session *> left = m_core->sessions.values();
    m_core->sessions.clear();
    qDeleteAll(left);
}

const ServerConfig &ChatServer::config() const
{
    return m_core->config;
}

void ChatServer::failNextCommits(int n)
{
    if (m_store)
        m_store->failNextCommits(n);
}

Store *ChatServer::store() const
{
    return m_running ? m_core->store : nullptr;
}

namespace {
// The certificate chain and key of --tls-cert/--tls-key as a server TLS configuration.
std::optional<QSslConfiguration> loadTls(const ServerConfig &cfg, QString *err)
{
    QFile cf(cfg.tlsCert), kf(cfg.tlsKey);
    if (!cf.open(QIODevice::ReadOnly)) {
        *err = u"cannot read the TLS certificate %1: %2"_s.arg(cfg.tlsCert, cf.errorString());
        return std::nullopt;
    }
    if (!kf.open(QIODevice::ReadOnly)) {
        *err = u"cannot read the TLS key %1: %2"_s.arg(cfg.tlsKey, kf.errorString());
        return std::nullopt;
    }
    const QList<QSslCertificate> chain = QSslCertificate::fromData(cf.readAll(), QSsl::Pem);
    const QByteArray keyPem = kf.readAll();
    QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
    if (chain.isEmpty() || key.isNull()) {
        *err = u"%1 / %2 are not a PEM certificate and an unencrypted PEM RSA or EC key"_s.arg(
            cfg.tlsCert, cfg.tlsKey);
        return std::nullopt;
    }
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setLocalCertificateChain(chain);
    ssl.setPrivateKey(key);
    ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
    return ssl;
}
} // namespace

bool ChatServer::listenNative(const std::optional<QSslConfiguration> &ssl, QString *err)
{
    const ServerConfig &cfg = m_core->config;
    nativews::Acceptor::Options o;
    o.maxMessageBytes = cfg.limits.maxFrameBytes;
    o.handshakeTimeoutMs = cfg.handshakeTimeoutMs;
    o.backlog = cfg.maxPendingConnections;
    o.tls = ssl;
    // GET /healthz for a load balancer (deploy/haproxy): answered on the network thread, so a
    // node whose event loop hangs fails its check even though the kernel still accepts.
    o.health = [this] {
        QJsonObject body{{u"status"_s, m_running ? u"ok"_s : u"stopping"_s},
                         {u"node"_s, m_core->config.nodeId},
                         {u"connections"_s, int(m_core->sessions.size())}};
        return std::pair{m_running ? 200 : 503, QJsonDocument(body).toJson(QJsonDocument::Compact)};
    };
    delete m_acceptor; // a restart (stop(), then start()) listens anew
    m_acceptor = new nativews::Acceptor(
        std::move(o), [this](std::unique_ptr<SessionTransport> t) { openSession(std::move(t)); },
        this);
    QString why;
    if (!m_acceptor->listen(cfg.host, cfg.port, &why)) {
        *err = u"cannot listen on %1:%2: %3"_s.arg(cfg.host.toString()).arg(cfg.port).arg(why);
        delete m_acceptor;
        m_acceptor = nullptr;
        return false;
    }
    return true;
}

bool ChatServer::listenQt(const std::optional<QSslConfiguration> &ssl, QString *err)
{
    const ServerConfig &cfg = m_core->config;
    const bool tls = ssl.has_value();
    const QString name = cfg.nodeId.isEmpty() ? u"chat-server"_s : u"chat-server "_s + cfg.nodeId;
    m_server = new QWebSocketServer(
        name, tls ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode, this);
    if (tls)
        m_server->setSslConfiguration(*ssl);
    m_server->setHandshakeTimeout(cfg.handshakeTimeoutMs);
    m_server->setMaxPendingConnections(cfg.maxPendingConnections);
    connect(m_server, &QWebSocketServer::newConnection, this, &ChatServer::onNewConnection);
    // QWebSocketServer's own listener has the kernel backlog fixed at 50, which drops
    // connection storms, and gives no access to its sockets; ours asks for more, sets
    // TCP_NODELAY (frames out are whole messages: no Nagle delay behind an unacknowledged one)
    // and hands the sockets over for the handshake (TLS first with wss).
    m_tcp = tls ? new nativews::SslTcpServer(this) : new QTcpServer(this);
    m_tcp->setListenBacklogSize(cfg.maxPendingConnections);
    m_tcp->setMaxPendingConnections(cfg.maxPendingConnections);
    connect(m_tcp, &QTcpServer::newConnection, this, [this, ssl] {
        while (QTcpSocket *s = m_tcp->nextPendingConnection()) {
            s->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            // handleConnection() skips QWebSocketServer's handshake timeout (it is only
            // started for its own listener), so a peer dribbling its upgrade request would
            // hold the socket forever (slowloris). Start the same timer: a child named
            // "handshakeTimer", which QWebSocketServer deletes once the upgrade succeeds.
            auto *deadline = new QTimer(s);
            deadline->setSingleShot(true);
            deadline->setObjectName(u"handshakeTimer"_s);
            connect(deadline, &QTimer::timeout, s, [s] { s->abort(); });
            deadline->start(m_server->handshakeTimeoutMS());
            if (auto *sslSocket = qobject_cast<QSslSocket *>(s)) {
                sslSocket->setSslConfiguration(*ssl);
                sslSocket->startServerEncryption();
            }
            m_server->handleConnection(s);
        }
    });
    const bool listening = m_tcp->listen(cfg.host, cfg.port);
    const QString listenError = m_tcp->errorString();
    if (!listening) {
        *err =
            u"cannot listen on %1:%2: %3"_s.arg(cfg.host.toString()).arg(cfg.port).arg(listenError);
        delete m_tcp;
        m_tcp = nullptr;
        delete m_server;
        m_server = nullptr;
        return false;
    }
    return true;
}

bool ChatServer::start(QString *errorMessage)
{
    QString dummy;
    QString &err = errorMessage ? *errorMessage : dummy;
    if (m_running)
        return true;
    ServerConfig &cfg = m_core->config;
    if (cfg.heartbeatMs < 10) {
        err = u"the heartbeat must be at least 10 ms (got %1)"_s.arg(cfg.heartbeatMs);
        return false;
    }
    if (!crypto::ensureCrypto()) {
        err = u"libsodium failed to initialise"_s;
        return false;
    }
    if (cfg.dataDir.isEmpty()) {
        m_tempDir = std::make_unique<QTemporaryDir>();
        if (!m_tempDir->isValid()) {
            err = u"cannot create a temporary data folder: %1"_s.arg(m_tempDir->errorString());
            return false;
        }
        cfg.dataDir = m_tempDir->path();
    }
    if (!QDir().mkpath(cfg.dataDir)) {
        err = u"cannot create the data folder %1"_s.arg(cfg.dataDir);
        return false;
    }

    if (!cfg.storeUrl.isEmpty()) {
        m_store = cluster::createPgStore(QUrl(cfg.storeUrl), cfg.nodeId, cfg.groupCommitMaxBatch,
                                         cfg.limits.maxGroupSize, &err);
        if (!m_store) {
            err = u"--store: "_s + err;
            return false;
        }
    } else {
        m_store = SqlStore::sqlite(cfg.dataDir, cfg.groupCommitMaxBatch, cfg.limits.maxGroupSize);
    }
    if (!m_store->open(&err))
        return false;
    m_router = std::make_unique<LocalRouter>();
    if (!cfg.redisUrl.isEmpty()) {
        m_cluster = cluster::ClusterNode::create(cfg, &err);
        if (!m_cluster) {
            m_store->close();
            return false;
        }
    }
    m_core->store = m_store.get();
    m_core->router = m_cluster ? m_cluster->router() : m_router.get();
    m_core->hashPool.setMaxThreadCount(std::max(1, QThread::idealThreadCount()));
    auto *presence = new Presence(
        2LL * cfg.heartbeatMs,
        [r = m_core->router, c = m_cluster.get()](const QString &u) {
            // This node's connections only: the cluster-wide state is ClusterPresence's.
            return c ? c->localConnectionCount(u) : r->connectionCount(u);
        },
        this);
    m_core->presence = presence;
    m_core->notifier = new Notifier(cfg.pushUrl, cfg.pushCoalesceMs, this);
    auto *dispatcher = new Dispatcher(*m_core, this);
    m_core->dispatcher = dispatcher;
    if (m_cluster) {
        m_cluster->connectPresence(presence, [dispatcher](const QString &u, bool on, qint64 ts) {
            dispatcher->announcePresence(u, on, ts);
        });
        presence->setRemoteLookup(
            [c = m_cluster.get()](const QString &u) { return c->remotePresence(u); });
        m_cluster->start();
    } else {
        connect(presence, &Presence::changed, dispatcher, &Dispatcher::announcePresence);
    }

    if (!cfg.fixtureFile.isEmpty()) {
        auto fx = loadFixtureFile(cfg.fixtureFile);
        if (!fx.ok()) {
            err = fx.error().message;
            if (!fx.error().field.isEmpty())
                err += u" (field %1)"_s.arg(fx.error().field);
            m_store->close();
            return false;
        }
        QEventLoop loop;
        std::optional<Result<SeedOutcome>> seeded;
        m_store->seed(fx.value(), ServerCore::wallMs(), this, [&](Result<SeedOutcome> r) {
            seeded.emplace(std::move(r));
            loop.quit();
        });
        loop.exec();
        if (!seeded->ok()) {
            err = u"cannot load fixture %1: %2"_s.arg(cfg.fixtureFile, seeded->error().message);
            m_store->close();
            return false;
        }
        qCInfo(lcServer) << "fixture" << cfg.fixtureFile << "added" << seeded->value().usersAdded
                         << "users," << seeded->value().conversationsAdded << "conversations,"
                         << seeded->value().messagesAdded << "messages";
    }

    const bool tls = !cfg.tlsCert.isEmpty() || !cfg.tlsKey.isEmpty();
    if (tls && (cfg.tlsCert.isEmpty() || cfg.tlsKey.isEmpty())) {
        err = u"TLS needs both --tls-cert and --tls-key"_s;
        m_store->close();
        return false;
    }
    std::optional<QSslConfiguration> ssl;
    if (tls) {
        ssl = loadTls(cfg, &err);
        if (!ssl) {
            m_store->close();
            return false;
        }
    }
    const bool listening =
        cfg.websocket == WebSocketImpl::Native ? listenNative(ssl, &err) : listenQt(ssl, &err);
    if (!listening) {
        m_store->close();
        return false;
    }
    m_sweeper = new QTimer(this);
    m_sweeper->setInterval(std::clamp(cfg.heartbeatMs / 4, 20, 1000));
    connect(m_sweeper, &QTimer::timeout, this, &ChatServer::sweep);
    m_sweeper->start();
    m_running = true;
    qCInfo(lcServer) << "listening on" << url().toString() << "data" << cfg.dataDir;
    return true;
}

quint16 ChatServer::port() const
{
    if (m_acceptor)
        return m_acceptor->port();
    if (m_tcp)
        return m_tcp->serverPort();
    return m_server ? m_server->serverPort() : 0;
}

QUrl ChatServer::url() const
{
    QUrl u;
    const bool secure = m_acceptor
                            ? m_acceptor->isSecure()
                            : m_server && m_server->secureMode() == QWebSocketServer::SecureMode;
    u.setScheme(secure ? u"wss"_s : u"ws"_s);
    QHostAddress h = m_core->config.host;
    if (h == QHostAddress::Any || h == QHostAddress::AnyIPv4 || h == QHostAddress::LocalHost)
        h = QHostAddress(QHostAddress::LocalHost);
    u.setHost(h.toString());
    u.setPort(port());
    return u;
}

void ChatServer::onNewConnection()
{
    while (QWebSocket *ws = m_server->nextPendingConnection()) {
        const auto &l = m_core->config.limits;
        ws->setMaxAllowedIncomingFrameSize(quint64(l.maxFrameBytes));
        ws->setMaxAllowedIncomingMessageSize(quint64(l.maxFrameBytes));
        openSession(std::make_unique<WebSocketTransport>(ws));
    }
}

Session *ChatServer::openSession(std::unique_ptr<SessionTransport> transport)
{
    if (!m_running)
        return nullptr;
    auto *s = new Session(std::move(transport), *m_core, this);
    ++m_core->counters.connectionsAccepted;
    m_core->sessions.insert(s);
    connect(s, &Session::finished, this, &ChatServer::onSessionFinished);
    m_deadlines.schedule(s->nextDeadline(m_core->monoMs(), m_sweeper->interval()),
                         {s, s->serial()});
    return s;
}

void ChatServer::onSessionFinished(Session *s)
{
    m_core->sessions.remove(s);
    s->deleteLater();
}

void ChatServer::sweep()
{
    // Only the sessions whose deadline came up: a session heard from since is rescheduled
    // at its new deadline, one that finished since (not in `sessions` under its serial; the
    // address may have been reused) is dropped.
    const qint64 now = m_core->monoMs();
    m_deadlines.takeDue(now, [this, now](const SessionRef &r) {
        if (!m_core->sessions.contains(r.session) || r.session->serial() != r.serial)
            return;
        r.session->checkDeadlines(now);
        const qint64 next = r.session->nextDeadline(now, m_sweeper->interval());
        if (next >= 0)
            m_deadlines.schedule(next, r);
    });
    m_core->presence->sweep(now);
}

void ChatServer::stop()
{
    if (!m_running)
        return;
    m_running = false;
    m_sweeper->stop();
    m_deadlines.clear();
    if (m_acceptor)
        m_acceptor->close(); // no new connections
    if (m_tcp)
        m_tcp->close();
    if (m_server)
        m_server->close();
    // Drain the store first: every committed write gets its ack out before the close.
    m_store->close();
    const QList<Session *> sessions = m_core->sessions.values();
    for (Session *s : sessions)
        s->closeWith(proto::CloseCode::GoingAway, u"server shutting down"_s);
    // Let the close handshakes and queued frames reach the clients (bounded).
    QDeadlineTimer deadline(3000);
    while (!m_core->sessions.isEmpty() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    const QList<Session *> left = m_core->sessions.values();
    for (Session *s : left)
        s->abortNow();
    QCoreApplication::processEvents();
    if (m_cluster)
        m_cluster->stop();
    m_core->hashPool.waitForDone();
    qCInfo(lcServer) << "stopped";
}

} // namespace chat::server
