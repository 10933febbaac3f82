#include "testclient.h"

#include <QAtomicInt>
#include <QCoreApplication>
#include <QDateTime>
#include <QTest>

using namespace Qt::StringLiterals;

TestClient::TestClient(QObject *parent) : QObject(parent)
{
    connect(&m_ws, &QWebSocket::textMessageReceived, this, [this](const QString &t) {
        m_frames.append(QJsonDocument::fromJson(t.toUtf8()).object());
    });
    connect(&m_ws, &QWebSocket::disconnected, this, [this] {
        m_closed = true;
        m_closeCode = int(m_ws.closeCode());
        m_closeReason = m_ws.closeReason();
    });
}

TestClient::~TestClient()
{
    m_ws.abort();
}

bool TestClient::open(const QUrl &url, int timeoutMs)
{
    m_ws.open(url);
    return QTest::qWaitFor([this] { return isOpen() || m_closed; }, timeoutMs) && isOpen();
}

bool TestClient::waitClosed(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_closed; }, timeoutMs);
}

void TestClient::setAutoPing(int ms)
{
    if (!m_pinger) {
        m_pinger = new QTimer(this);
        connect(m_pinger, &QTimer::timeout, this, [this] {
            if (isOpen())
                sendJson({{"type"_L1, u"ping"_s}, {"ts"_L1, QDateTime::currentMSecsSinceEpoch()}});
        });
    }
    if (ms > 0)
        m_pinger->start(ms);
    else
        m_pinger->stop();
}

void TestClient::sendJson(const QJsonObject &o)
{
    m_ws.sendTextMessage(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)));
}

void TestClient::sendRaw(const QString &text)
{
    m_ws.sendTextMessage(text);
}

QJsonObject TestClient::request(QJsonObject o, int timeoutMs)
{
    if (!o.contains("id"_L1))
        o.insert("id"_L1, u"q%1"_s.arg(++m_nextId));
    const QString id = o.value("id"_L1).toString();
    sendJson(o);
    return waitFor([id](const QJsonObject &f) { return f.value("id"_L1).toString() == id; },
                   timeoutMs);
}

QJsonObject TestClient::waitFor(const std::function<bool(const QJsonObject &)> &pred, int timeoutMs)
{
    QJsonObject found;
    qsizetype scanned = 0;
    QTest::qWaitFor(
        [&] {
            for (; scanned < m_frames.size(); ++scanned) {
                if (pred(m_frames.at(scanned))) {
                    found = m_frames.at(scanned);
                    return true;
                }
            }
            return false;
        },
        timeoutMs);
    return found;
}

QJsonObject TestClient::waitForType(const QString &type, int timeoutMs)
{
    return waitFor([type](const QJsonObject &f) { return f.value("type"_L1).toString() == type; },
                   timeoutMs);
}

QList<QJsonObject> TestClient::frames(const QString &type) const
{
    QList<QJsonObject> out;
    for (const QJsonObject &f : m_frames)
        if (type.isEmpty() || f.value("type"_L1).toString() == type)
            out.append(f);
    return out;
}

int TestClient::count(const QString &type) const
{
    return int(frames(type).size());
}

QJsonObject TestClient::registerUser(const QString &username, const QString &password,
                                     const QString &display)
{
    QJsonObject o{{"type"_L1, u"register"_s},
                  {"username"_L1, username},
                  {"password"_L1, password.isEmpty() ? username + u"-password"_s : password}};
    if (!display.isEmpty())
        o.insert("display_name"_L1, display);
    const QJsonObject r = request(o);
    if (r.value("type"_L1).toString() == "auth_ok"_L1) {
        m_userId = r.value("user"_L1).toObject().value("user_id"_L1).toString();
        m_token = r.value("token"_L1).toString();
    }
    return r;
}

QJsonObject TestClient::login(const QString &username, const QString &password)
{
    const QJsonObject r =
        request({{"type"_L1, u"login"_s}, {"username"_L1, username}, {"password"_L1, password}});
    if (r.value("type"_L1).toString() == "auth_ok"_L1) {
        m_userId = r.value("user"_L1).toObject().value("user_id"_L1).toString();
        m_token = r.value("token"_L1).toString();
    }
    return r;
}

QJsonObject TestClient::auth(const QString &token)
{
    const QJsonObject r = request({{"type"_L1, u"auth"_s}, {"token"_L1, token}});
    if (r.value("type"_L1).toString() == "auth_ok"_L1) {
        m_userId = r.value("user"_L1).toObject().value("user_id"_L1).toString();
        m_token = r.value("token"_L1).toString();
    }
    return r;
}

QString uniqueName(const QString &base)
{
    static QAtomicInt n;
    return base + QString::number(n.fetchAndAddRelaxed(1) + 1);
}
