// bench-echo-server: the smallest protocol-v1 server that the `connections` scenario can drive
// (register/login/auth answered with auth_ok, ping with pong; nothing stored). It isolates
// the event loop: run it with --event-loop qt and --event-loop epoll and compare ping latency
// at 100 and at K idle connections. Not a chat server: every other frame gets bad_request.
#include "epolldispatcher.h"

#include "net/protocol/codec.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QWebSocket>
#include <QWebSocketServer>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <unistd.h>

using namespace Qt::StringLiterals;
namespace proto = chat::proto;

namespace {

void onFrame(QWebSocket *s, const QString &text, qint64 *users)
{
    auto decoded = proto::decodeClientFrame(text.toUtf8());
    if (!decoded.ok()) {
        s->sendTextMessage(
            QString::fromUtf8(proto::encodeFrame(proto::Error::from(decoded.error()))));
        return;
    }
    const proto::ClientFrame &f = decoded.value();
    if (const auto *p = std::get_if<proto::Ping>(&f)) {
        s->sendTextMessage(QString::fromUtf8(proto::encodeFrame(proto::Pong{p->id, p->ts})));
        return;
    }
    QString name, id, token;
    if (const auto *r = std::get_if<proto::RegisterRequest>(&f)) {
        name = r->username;
        id = r->id;
    } else if (const auto *l = std::get_if<proto::LoginRequest>(&f)) {
        name = l->username;
        id = l->id;
    } else if (const auto *a = std::get_if<proto::AuthRequest>(&f)) {
        name = a->token; // the token is the username here: nothing is secret in an echo server
        id = a->id;
    } else {
        proto::Error e;
        e.id = proto::frameId(f);
        e.message = u"bench-echo-server answers only register, login, auth and ping"_s;
        s->sendTextMessage(QString::fromUtf8(proto::encodeFrame(e)));
        return;
    }
    proto::AuthOk ok;
    ok.id = id;
    ok.user = {u"u_"_s + name, name, name};
    ok.token = name;
    ok.serverTime = QDateTime::currentMSecsSinceEpoch();
    ++*users;
    s->sendTextMessage(QString::fromUtf8(proto::encodeFrame(ok)));
}

} // namespace

int main(int argc, char **argv)
{
    // The loop must be chosen before the application object exists.
    bool epoll = true;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], "--event-loop") == 0)
            epoll = std::strcmp(argv[i + 1], "qt") != 0;
    if (epoll)
        QCoreApplication::setEventDispatcher(new chat::eventloop::EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    std::signal(SIGPIPE, SIG_IGN);
    QCommandLineParser p;
    p.setApplicationDescription(
        u"Minimal protocol-v1 endpoint for measuring the event loop (auth + ping only)."_s);
    p.addHelpOption();
    p.addOption({u"listen"_s, u"host:port (port 0 picks one)."_s, u"addr"_s, u"127.0.0.1:0"_s});
    p.addOption({u"event-loop"_s, u"epoll (default) or qt (Qt's stock dispatcher)."_s, u"kind"_s,
                 u"epoll"_s});
    p.process(app);
    const QString loop = p.value(u"event-loop"_s);
    if (loop != "epoll"_L1 && loop != "qt"_L1) {
        fprintf(stderr, "bench-echo-server: --event-loop must be epoll or qt\n");
        return 2;
    }
    const QString listen = p.value(u"listen"_s);
    const qsizetype colon = listen.lastIndexOf(u':');
    bool portOk = false;
    const int port = listen.mid(colon + 1).toInt(&portOk);
    const QHostAddress host(listen.left(colon));
    if (colon < 0 || !portOk || host.isNull() || port < 0 || port > 65535) {
        fprintf(stderr, "bench-echo-server: --listen must be HOST:PORT\n");
        return 2;
    }
    QWebSocketServer server(u"bench-echo"_s, QWebSocketServer::NonSecureMode);
    server.setMaxPendingConnections(1024);
    qint64 users = 0;
    QObject::connect(&server, &QWebSocketServer::newConnection, &server, [&] {
        while (QWebSocket *s = server.nextPendingConnection()) {
            QObject::connect(s, &QWebSocket::textMessageReceived, s,
                             [s, &users](const QString &t) { onFrame(s, t, &users); });
            QObject::connect(s, &QWebSocket::disconnected, s, &QObject::deleteLater);
        }
    });
    if (!server.listen(host, quint16(port))) {
        fprintf(stderr, "bench-echo-server: cannot listen on %s: %s\n", qPrintable(listen),
                qPrintable(server.errorString()));
        return 1;
    }
    printf("listening ws://%s:%d\n", qPrintable(host.toString()), server.serverPort());
    fflush(stdout);
    // Nothing to flush: end at once (and async-signal-safely) on SIGTERM/SIGINT.
    std::signal(SIGTERM, [](int) { _exit(0); });
    std::signal(SIGINT, [](int) { _exit(0); });
    return app.exec();
}
