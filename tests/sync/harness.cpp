#include "harness.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace chat::test {

namespace {
QString compact(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}
bool spinUntil(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    return true;
}
} // namespace

TestServer::TestServer(const QJsonObject &fixture)
{
    m_config.dataDir = m_dir.filePath(u"server"_s);
    m_config.adminToken = adminToken();
    m_config.rateLimit = 0;
    if (!fixture.isEmpty()) {
        m_config.fixtureFile = m_dir.filePath(u"fixture.json"_s);
        QFile f(m_config.fixtureFile);
        if (f.open(QIODevice::WriteOnly))
            f.write(QJsonDocument(fixture).toJson());
    }
}

TestServer::~TestServer()
{
    stop();
}

bool TestServer::start(QString *error)
{
    m_server = std::make_unique<chat::server::ChatServer>(m_config);
    if (!m_server->start(error)) {
        m_server.reset();
        return false;
    }
    m_config.port = m_server->port(); // restarts reuse it
    m_url = m_server->url();
    return true;
}

void TestServer::stop()
{
    if (m_server) {
        m_server->stop();
        m_server.reset();
    }
}

bool TestServer::restart(QString *error)
{
    stop();
    return start(error);
}

AdminClient::AdminClient(const QUrl &url)
{
    QObject::connect(&m_socket, &QWebSocket::textMessageReceived, &m_socket,
                     [this](const QString &t) {
                         const QJsonObject o = QJsonDocument::fromJson(t.toUtf8()).object();
                         const QString id = o.value("id"_L1).toString();
                         if (!id.isEmpty())
                             m_answers.insert(id, o);
                     });
    QObject::connect(&m_ping, &QTimer::timeout, &m_socket, [this] {
        m_socket.sendTextMessage(compact({{"type"_L1, u"ping"_s}}));
    });
    m_ping.start(5000);
    m_socket.open(url);
    if (!spinUntil([this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, 20000))
        return;
    const QJsonObject r = call({{"type"_L1, u"admin"_s}, {"token"_L1, TestServer::adminToken()}});
    m_ok =
        r.value("type"_L1).toString() == "ok"_L1 || r.value("type"_L1).toString() == "auth_ok"_L1;
}

QJsonObject AdminClient::call(QJsonObject frame, int timeoutMs)
{
    const QString id = u"a"_s + QString::number(++m_next);
    frame.insert("id"_L1, id);
    m_socket.sendTextMessage(compact(frame));
    if (!spinUntil([&] { return m_answers.contains(id); }, timeoutMs))
        return {};
    return m_answers.take(id);
}

int AdminClient::callMany(const QList<QJsonObject> &frames, int timeoutMs)
{
    QStringList ids;
    for (QJsonObject f : frames) {
        const QString id = u"a"_s + QString::number(++m_next);
        f.insert("id"_L1, id);
        ids.append(id);
        m_socket.sendTextMessage(compact(f));
    }
    spinUntil([&] { return m_answers.contains(ids.constLast()); }, timeoutMs);
    int ok = 0;
    for (const QString &id : ids)
        if (m_answers.take(id).value("type"_L1).toString() == "ok"_L1)
            ++ok;
    return ok;
}

bool AdminClient::fault(const QString &user, double dropRate, qint64 delayMs, bool holdAcks,
                        qint64 closeAfterFrames)
{
    QJsonObject f{{"type"_L1, u"admin_fault"_s}};
    if (!user.isEmpty())
        f.insert("user_id"_L1, user);
    f.insert("drop_rate"_L1, dropRate);
    f.insert("delay_ms"_L1, delayMs);
    f.insert("hold_acks"_L1, holdAcks);
    f.insert("close_after_frames"_L1, closeAfterFrames);
    return call(f).value("type"_L1).toString() == "ok"_L1;
}

bool AdminClient::clearFaults()
{
    return call({{"type"_L1, u"admin_fault"_s}}).value("type"_L1).toString() == "ok"_L1;
}

bool AdminClient::kick(const QString &user)
{
    return call({{"type"_L1, u"admin_kick"_s}, {"user_id"_L1, user}}).value("type"_L1).toString()
           == "ok"_L1;
}

bool AdminClient::inject(const QString &asUser, const QString &conversationId,
                         const QString &content)
{
    return call({{"type"_L1, u"admin_inject"_s},
                 {"as_user"_L1, asUser},
                 {"conversation_id"_L1, conversationId},
                 {"content"_L1, content}})
               .value("type"_L1)
               .toString()
           == "ok"_L1;
}

// --- proxy ---------------------------------------------------------------------------------------

FrameProxy::FrameProxy(const QUrl &upstream)
    : m_listener(u"proxy"_s, QWebSocketServer::NonSecureMode), m_upstream(upstream)
{
    m_listener.listen(QHostAddress::LocalHost, 0);
    connect(&m_listener, &QWebSocketServer::newConnection, this, [this] {
        while (QWebSocket *c = m_listener.nextPendingConnection()) {
            auto *p = new Pair;
            p->client = c;
            p->server = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
            m_pairs.append(p);
            connect(c, &QWebSocket::textMessageReceived, this, [p](const QString &t) {
                if (p->server->state() == QAbstractSocket::ConnectedState)
                    p->server->sendTextMessage(t);
                else
                    p->queued.append(t);
            });
            connect(p->server, &QWebSocket::connected, this, [p] {
                for (const QString &t : std::as_const(p->queued))
                    p->server->sendTextMessage(t);
                p->queued.clear();
            });
            connect(p->server, &QWebSocket::textMessageReceived, this, [this, p](const QString &t) {
                const QJsonObject o = QJsonDocument::fromJson(t.toUtf8()).object();
                const QList<QJsonObject> out =
                    onServerFrame ? onServerFrame(o) : QList<QJsonObject>{o};
                for (const QJsonObject &x : out)
                    p->client->sendTextMessage(compact(x));
            });
            connect(c, &QWebSocket::disconnected, this, [this, p] { closePair(p); });
            connect(p->server, &QWebSocket::disconnected, this, [this, p] { closePair(p); });
            p->server->open(m_upstream);
        }
    });
}

FrameProxy::~FrameProxy()
{
    dropAll();
}

QUrl FrameProxy::url() const
{
    return QUrl(u"ws://127.0.0.1:"_s + QString::number(m_listener.serverPort()));
}

void FrameProxy::closePair(Pair *p)
{
    if (!m_pairs.removeOne(p))
        return;
    p->client->disconnect(this);
    p->server->disconnect(this);
    p->client->abort();
    p->server->abort();
    p->client->deleteLater();
    p->server->deleteLater();
    delete p;
}

void FrameProxy::dropAll()
{
    const auto pairs = m_pairs;
    for (Pair *p : pairs)
        closePair(p);
}

void FrameProxy::deliver(const QJsonObject &frame)
{
    for (Pair *p : std::as_const(m_pairs))
        p->client->sendTextMessage(compact(frame));
}

// --- fixtures and engines ----------------------------------------------------------------------

QJsonObject user(const QString &name)
{
    const QString password = name + u"-pw"_s;
    const QString display = name.left(1).toUpper() + name.mid(1);
    return {{"username"_L1, name}, {"password"_L1, password}, {"display_name"_L1, display}};
}

QJsonObject fixture(const QStringList &users, const QJsonArray &conversations)
{
    QJsonArray us;
    for (const QString &u : users)
        us.append(user(u));
    return {{"users"_L1, us}, {"conversations"_L1, conversations}};
}

QJsonObject conversation(const QString &key, const QString &kind, const QString &title,
                         const QStringList &members, const QList<QPair<QString, QString>> &messages)
{
    QJsonArray ms;
    for (const auto &[from, content] : messages)
        ms.append(QJsonObject{{"from"_L1, from}, {"content"_L1, content}});
    QJsonObject c{{"key"_L1, key},
                  {"kind"_L1, kind},
                  {"members"_L1, QJsonArray::fromStringList(members)},
                  {"messages"_L1, ms}};
    if (!title.isEmpty())
        c.insert("title"_L1, title);
    return c;
}

chat::sync::SyncEngine::Options engineOptions(const QString &dir)
{
    chat::sync::SyncEngine::Options o;
    o.dataDir = dir;
    o.policy = chat::net::RetryPolicy::fastForTests();
    return o;
}

std::unique_ptr<chat::sync::SyncEngine> makeEngine(const QString &dir, const QUrl &server,
                                                   const QString &username)
{
    auto e = std::make_unique<chat::sync::SyncEngine>();
    if (!e->openAccount(server, username, engineOptions(dir)))
        return nullptr;
    return e;
}

void connectEngine(chat::sync::SyncEngine &e, const QUrl &server, const QString &username,
                   const QString &dir)
{
    chat::net::Credentials c;
    c.username = username;
    c.password = username + u"-pw"_s;
    e.connectToServer(server, c, engineOptions(dir));
}

QList<chat::sync::LocalMessage> allMessages(const chat::sync::SyncEngine &e, const QString &conv)
{
    return e.messagesInRange(conv, 1, std::numeric_limits<qint64>::max());
}

} // namespace chat::test
