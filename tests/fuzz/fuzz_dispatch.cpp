// libFuzzer target for the server's dispatch: the real ChatServer runs in process (port 0, a
// temporary store, a fixture with alice, bob and a shared conversation); each input is up to
// 16 frames, one per line, sent by a session that is already logged in as alice (or, when the
// input starts with '!', by a fresh unauthenticated connection). "$C" in an input becomes
// the shared conversation's id and "$U" bob's user id, so inputs reach the handlers past the
// membership checks. A final ping with a known id marks the end: every earlier frame was
// handled (frames are handled in order). The server must never crash, hang or leak (ASan/UBSan).
//
// Not a fake session object: Session is bound to a QWebSocket, so the frames take the real
// path through a loopback socket; that is slower per input but fuzzes exactly what runs.
#include "chatserver.h"
#include "serverconfig.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QWebSocket>
#include <cstdint>
#include <cstdlib>

using namespace Qt::StringLiterals;

namespace {
QCoreApplication *g_app;
QTemporaryDir *g_dir;
chat::server::ChatServer *g_server;
QWebSocket *g_alice;
QString g_conv, g_bob;
QList<QJsonObject> g_received;

void spinUntil(const std::function<bool()> &done, int ms)
{
    const QDeadlineTimer deadline(ms);
    while (!done() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
}

QWebSocket *open()
{
    auto *ws = new QWebSocket;
    QObject::connect(ws, &QWebSocket::textMessageReceived, [](const QString &t) {
        g_received.append(QJsonDocument::fromJson(t.toUtf8()).object());
    });
    ws->open(g_server->url());
    spinUntil([ws] { return ws->state() == QAbstractSocket::ConnectedState; }, 10000);
    return ws;
}

QJsonObject waitFor(const QString &id, QWebSocket *ws, int ms)
{
    QJsonObject found;
    spinUntil(
        [&] {
            for (const QJsonObject &o : std::as_const(g_received))
                if (o.value("id"_L1).toString() == id)
                    found = o;
            return !found.isEmpty() || ws->state() != QAbstractSocket::ConnectedState;
        },
        ms);
    return found;
}

void loginAlice()
{
    delete g_alice;
    g_received.clear();
    g_alice = open();
    g_alice->sendTextMessage(
        u"{\"type\":\"login\",\"id\":\"fz-login\",\"username\":\"alice\",\"password\":\"alice-pw\"}"_s);
    const QJsonObject ok = waitFor(u"fz-login"_s, g_alice, 30000);
    if (ok.value("type"_L1).toString() != "auth_ok"_L1)
        qFatal("fuzz_dispatch: cannot log in: %s", QJsonDocument(ok).toJson().constData());
    g_alice->sendTextMessage(u"{\"type\":\"sync\",\"id\":\"fz-sync\",\"since\":null}"_s);
    const QJsonObject sync = waitFor(u"fz-sync"_s, g_alice, 30000);
    const QJsonArray convs = sync.value("conversations"_L1).toArray();
    for (const QJsonValue &c : convs) {
        const QJsonObject conv = c.toObject().value("conversation"_L1).toObject();
        const QJsonObject flat = conv.isEmpty() ? c.toObject() : conv;
        g_conv = flat.value("conversation_id"_L1).toString();
        for (const QJsonValue &m : flat.value("members"_L1).toArray())
            if (m.toObject().value("username"_L1).toString() == "bob"_L1)
                g_bob = m.toObject().value("user_id"_L1).toString();
    }
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    qputenv("QT_LOGGING_RULES", "chat.*=false");
    g_app = new QCoreApplication(*argc, *argv);
    // The store on tmpfs when there is one: every send commits with fsync (synchronous=FULL).
    g_dir = QDir(u"/dev/shm"_s).exists() ? new QTemporaryDir(u"/dev/shm/fuzz_dispatch-XXXXXX"_s)
                                         : new QTemporaryDir;
    QFile fx(g_dir->filePath(u"fixture.json"_s));
    fx.open(QIODevice::WriteOnly);
    fx.write(R"({"users":[{"username":"alice","password":"alice-pw"},
                          {"username":"bob","password":"bob-pw"}],
                "conversations":[{"key":"ab","kind":"group","title":"ab","members":["alice","bob"],
                                  "messages":[{"from":"bob","content":"hello"}]}]})");
    fx.close();
    chat::server::ServerConfig cfg;
    cfg.dataDir = g_dir->filePath(u"data"_s);
    cfg.fixtureFile = fx.fileName();
    cfg.adminToken = u"fuzz-admin"_s;
    cfg.rateLimit = 0;
    cfg.maxBadFramesPerMinute = 1 << 30;
    cfg.maxConnectionsPerUser = 1 << 20;
    g_server = new chat::server::ChatServer(cfg);
    QString err;
    if (!g_server->start(&err))
        qFatal("fuzz_dispatch: server did not start: %s", qPrintable(err));
    loginAlice();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const bool fresh = input.startsWith('!');
    if (fresh)
        input.remove(0, 1);
    input.replace("$C", g_conv.toUtf8()).replace("$U", g_bob.toUtf8());
    if (!g_alice || g_alice->state() != QAbstractSocket::ConnectedState)
        loginAlice();
    QWebSocket *ws = fresh ? open() : g_alice;
    g_received.clear();
    const QList<QByteArray> frames = input.split('\n');
    for (qsizetype i = 0; i < frames.size() && i < 16; ++i)
        ws->sendTextMessage(QString::fromUtf8(frames[i]));
    ws->sendTextMessage(u"{\"type\":\"ping\",\"id\":\"fz-end\",\"ts\":1}"_s);
    waitFor(u"fz-end"_s, ws, 5000);
    if (fresh) {
        ws->abort();
        ws->deleteLater();
    }
    return 0;
}
