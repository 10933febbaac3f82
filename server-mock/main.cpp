// chat-server: the reference server's command line (protocol §14, docs/SERVER.md).
#include "chatserver.h"
#include "pgdialect.h"
#include "redisclient.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>

#ifdef Q_OS_LINUX
#include "epolldispatcher.h"
#endif

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using chat::server::ChatServer;
using chat::server::ServerConfig;

namespace {

int g_signalPipe[2] = {-1, -1};

void onSignal(int sig)
{
    const char c = char(sig);
    [[maybe_unused]] ssize_t n = ::write(g_signalPipe[1], &c, 1);
}

[[noreturn]] void fail(const QString &sentence)
{
    std::fprintf(stderr, "chat-server: %s\nTry 'chat-server --help'.\n", qPrintable(sentence));
    std::exit(2);
}

int intOption(const QCommandLineParser &p, const QString &name, int min, int max)
{
    bool ok = false;
    const int v = p.value(name).toInt(&ok);
    if (!ok || v < min || v > max)
        fail(u"--%1 must be a whole number from %2 to %3, not \"%4\""_s.arg(name)
                 .arg(min)
                 .arg(max)
                 .arg(p.value(name)));
    return v;
}

} // namespace

int main(int argc, char **argv)
{
    // The event loop is chosen before the application object exists. epoll (Linux default):
    // a wake-up costs O(ready sockets), not O(connections) as in Qt's stock dispatchers
    // (docs/PERFORMANCE.md); --event-loop qt keeps Qt's own.
#ifdef Q_OS_LINUX
    const char *const defaultEventLoop = "epoll";
#else
    const char *const defaultEventLoop = "qt";
#endif
    const char *eventLoop = defaultEventLoop;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--event-loop") == 0 && i + 1 < argc)
            eventLoop = argv[i + 1];
        else if (std::strncmp(argv[i], "--event-loop=", 13) == 0)
            eventLoop = argv[i] + 13;
    }
#ifdef Q_OS_LINUX
    if (std::strcmp(eventLoop, "epoll") == 0)
        QCoreApplication::setEventDispatcher(new chat::eventloop::EpollEventDispatcher);
#endif
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"chat-server"_s);
    QCoreApplication::setApplicationVersion(u"1.0 (protocol 1)"_s);

    QCommandLineParser p;
    p.setApplicationDescription(
        u"The reference chat server (protocol v1, docs/PROTOCOL.md): WebSocket sessions, "
        "an embedded SQLite store with durable group commit, in-process routing, presence, "
        "push notifications and QA control frames. See docs/SERVER.md.\n\n"
        "Prints \"listening ws://HOST:PORT\" on stdout once it accepts connections; exits 0 "
        "on SIGTERM/SIGINT after closing every connection with 1001; exits 2 on bad "
        "arguments and 1 when it cannot start."_s);
    p.addHelpOption();
    p.addVersionOption();
    p.addOptions({
        {u"listen"_s,
         u"Address and port to listen on; port 0 picks a free one (printed). Default 127.0.0.1:8080."_s,
         u"HOST:PORT"_s, u"127.0.0.1:8080"_s},
        {u"data"_s,
         u"Folder for the embedded SQLite store (chat.db) and state; created if "
         "missing. Required."_s,
         u"DIR"_s},
        {u"fixture"_s,
         u"Load users, conversations and messages from a JSON fixture at start "
         "(protocol §15); loading it again adds nothing."_s,
         u"FILE.json"_s},
        {u"store"_s,
         u"Shared PostgreSQL store instead of SQLite, for several nodes (docs/SCALING.md); "
         "--data is still required."_s,
         u"postgres://user:pw@host:port/db"_s},
        {u"redis"_s,
         u"Redis for the connection registry, cluster-wide presence and cross-node "
         "routing (docs/SCALING.md)."_s,
         u"redis://host:port"_s},
        {u"node-id"_s, u"Name of this node in logs and admin_stats."_s, u"ID"_s},
        {u"admin-token"_s,
         u"Enables QA control frames for connections that send "
         "{\"type\":\"admin\",\"token\":T}. Without it they are refused."_s,
         u"T"_s},
        {u"push-url"_s,
         u"Push gateway: POST a JSON notification there for members with no "
         "live connection. Without it pushes are recorded for admin_pushes."_s,
         u"URL"_s},
        {u"heartbeat-ms"_s,
         u"Heartbeat interval told to clients; silent connections are "
         "closed after 2 x N, and presence expires after 2 x N. Default 30000."_s,
         u"N"_s, u"30000"_s},
        {u"rate-limit"_s,
         u"Sends per second per connection (burst 2.5 x N); 0 turns the "
         "limit off (benchmarks). Default 20."_s,
         u"N"_s, u"20"_s},
        {u"commit-window-us"_s,
         u"SQLite store: let a durable commit wait up to N microseconds for more sends to "
         "share it (0..100000; 0, the default, commits at once). Fewer fsyncs per message at "
         "moderate rates, at up to N more latency per ack and delivery (docs/SERVER.md). "
         "The same as the environment variable CHAT_SERVER_COMMIT_WINDOW_US."_s,
         u"N"_s},
        {u"commit-window-auto-us"_s,
         u"The store's writer, while --commit-window-us is 0: let a commit wait for the next send "
         "only when the recent arrival rate predicts it soon, about 1.5 average gaps (2 at "
         "most) and never more than N microseconds (0..100000; 0 turns it off; default 2000). "
         "A send "
         "after a quiet spell commits at once (docs/SERVER.md). The same as the environment "
         "variable CHAT_SERVER_COMMIT_WINDOW_AUTO_US."_s,
         u"N"_s},
        {u"tls-cert"_s, u"PEM certificate (chain): serve wss:// instead of ws://."_s, u"F"_s},
        {u"tls-key"_s, u"PEM private key (RSA or EC, unencrypted) for --tls-cert."_s, u"F"_s},
        {u"event-loop"_s,
         u"epoll (Linux, the default there): wake-ups cost O(ready sockets); qt: Qt's stock "
         "dispatcher, whose wake-ups cost O(connections)."_s,
         u"epoll|qt"_s, QString::fromLatin1(defaultEventLoop)},
        {u"websocket"_s,
         u"native (the default): the server's own WebSocket implementation, which frames a "
         "push once for all its recipients; qt: Qt WebSockets (QWebSocketServer). Both speak "
         "RFC 6455 version 13 without extensions, ws:// and wss://. native also answers a "
         "load balancer's GET /healthz (docs/SERVER.md)."_s,
         u"native|qt"_s, u"native"_s},
    });
    if (!p.parse(app.arguments()))
        fail(p.errorText());
    if (p.isSet(u"help"_s))
        p.showHelp(0);
    if (p.isSet(u"version"_s))
        p.showVersion();
    if (const QString loop = p.value(u"event-loop"_s); loop != "qt"_L1) {
#ifdef Q_OS_LINUX
        if (loop != "epoll"_L1)
#endif
            fail(u"--event-loop wants epoll (Linux only) or qt, not \"%1\""_s.arg(loop));
    }
    if (!p.positionalArguments().isEmpty())
        fail(u"unexpected argument \"%1\"; every option starts with --"_s.arg(
            p.positionalArguments().constFirst()));

    ServerConfig cfg;
    const QString listen = p.value(u"listen"_s);
    const qsizetype colon = listen.lastIndexOf(u':');
    bool portOk = false;
    const int port = colon > 0 ? listen.mid(colon + 1).toInt(&portOk) : -1;
    QString host = colon > 0 ? listen.left(colon) : QString();
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    if (!portOk || port < 0 || port > 65535 || host.isEmpty())
        fail(u"--listen wants HOST:PORT with a port from 0 to 65535, not \"%1\""_s.arg(listen));
    if (host == "localhost"_L1)
        host = u"127.0.0.1"_s;
    if (!cfg.host.setAddress(host))
        fail(u"--listen: \"%1\" is not an IP address"_s.arg(host));
    cfg.port = quint16(port);
    if (!p.isSet(u"data"_s) || p.value(u"data"_s).isEmpty())
        fail(u"--data DIR is required: the folder of the embedded store"_s);
    cfg.dataDir = p.value(u"data"_s);
    cfg.fixtureFile = p.value(u"fixture"_s);
    cfg.storeUrl = p.value(u"store"_s);
    cfg.redisUrl = p.value(u"redis"_s);
    cfg.nodeId = p.value(u"node-id"_s);
    cfg.adminToken = p.value(u"admin-token"_s);
    if (p.isSet(u"admin-token"_s) && cfg.adminToken.isEmpty())
        fail(u"--admin-token must not be empty"_s);
    if (p.isSet(u"push-url"_s)) {
        cfg.pushUrl = QUrl(p.value(u"push-url"_s), QUrl::StrictMode);
        if (!cfg.pushUrl.isValid()
            || (cfg.pushUrl.scheme() != "http"_L1 && cfg.pushUrl.scheme() != "https"_L1))
            fail(u"--push-url must be an http:// or https:// URL, not \"%1\""_s.arg(
                p.value(u"push-url"_s)));
    }
    cfg.heartbeatMs = intOption(p, u"heartbeat-ms"_s, 10, 3600000);
    cfg.rateLimit = intOption(p, u"rate-limit"_s, 0, 1000000);
    if (p.isSet(u"commit-window-us"_s)) {
        // Read by the SQLite store when it starts its writer (SqlStore::commitWindow()).
        qputenv("CHAT_SERVER_COMMIT_WINDOW_US",
                QByteArray::number(intOption(p, u"commit-window-us"_s, 0, 100000)));
    }
    if (p.isSet(u"commit-window-auto-us"_s)) {
        // Read by the SQLite store when it starts its writer (SqlStore::adaptiveCommitWindow()).
        qputenv("CHAT_SERVER_COMMIT_WINDOW_AUTO_US",
                QByteArray::number(intOption(p, u"commit-window-auto-us"_s, 0, 100000)));
    }
    if (const QString ws = p.value(u"websocket"_s); ws == "native"_L1)
        cfg.websocket = chat::server::WebSocketImpl::Native;
    else if (ws == "qt"_L1)
        cfg.websocket = chat::server::WebSocketImpl::Qt;
    else
        fail(u"--websocket wants native or qt, not \"%1\""_s.arg(ws));
    cfg.tlsCert = p.value(u"tls-cert"_s);
    cfg.tlsKey = p.value(u"tls-key"_s);
    if (cfg.tlsCert.isEmpty() != cfg.tlsKey.isEmpty())
        fail(u"--tls-cert and --tls-key go together"_s);
    // Scale-out (docs/SCALING.md): a malformed URL or node id is a bad argument (exit 2);
    // a database that cannot be reached is a start failure (exit 1).
    if (!cfg.storeUrl.isEmpty()) {
        chat::server::cluster::PgEndpoint pg;
        QString why;
        if (!chat::server::cluster::PgEndpoint::parse(QUrl(cfg.storeUrl), &pg, &why))
            fail(u"--store: "_s + why);
    }
    if (!cfg.redisUrl.isEmpty()) {
        chat::server::cluster::RedisEndpoint redis;
        QString why;
        if (!chat::server::cluster::RedisEndpoint::parse(QUrl(cfg.redisUrl), &redis, &why))
            fail(u"--redis: "_s + why);
    }
    if (cfg.nodeId.contains(u'|') || cfg.nodeId.contains(u' ') || cfg.nodeId.contains(u'\n'))
        fail(u"--node-id \"%1\" may not contain '|', spaces or line breaks"_s.arg(cfg.nodeId));

    // SIGTERM/SIGINT -> self-pipe -> event loop: stop cleanly outside the signal handler.
    if (::pipe2(g_signalPipe, O_CLOEXEC | O_NONBLOCK) != 0)
        fail(u"cannot create the signal pipe"_s);
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    ChatServer server(cfg);
    QString error;
    if (!server.start(&error)) {
        std::fprintf(stderr, "chat-server: %s\n", qPrintable(error));
        return 1;
    }
    QSocketNotifier notifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&] {
        char c;
        while (::read(g_signalPipe[0], &c, 1) > 0) { }
        notifier.setEnabled(false);
        server.stop();
        app.quit();
    });
    const QUrl u = server.url();
    std::printf("listening %s://%s:%d\n", qPrintable(u.scheme()), qPrintable(u.host()), u.port());
    std::fflush(stdout);
    return app.exec();
}
