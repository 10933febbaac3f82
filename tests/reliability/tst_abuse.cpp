// Bad input and abuse at the socket level, against the real server in process (port 0):
// frames no well-behaved client library would produce, slow and silent peers, connection
// floods, password guessing, and secrets that must never reach a log or be stored in clear.
// What tests/server already covers is listed in docs/RELIABILITY.md and not repeated here.
#include "harness.h"
#include "loginthrottle.h"
#include "rawws.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMutex>
#include <QTest>

using namespace Qt::StringLiterals;
using chat::reliability::RawWs;

namespace {
QMutex g_logMutex;
QByteArray g_log;
QtMessageHandler g_previous = nullptr;

void captureLog(QtMsgType type, const QMessageLogContext &ctx, const QString &msg)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log +=
            (ctx.category ? QByteArray(ctx.category) : QByteArray()) + ": " + msg.toUtf8() + '\n';
    }
    if (g_previous && type != QtDebugMsg)
        g_previous(type, ctx, msg);
}

QLoggingCategory::CategoryFilter g_previousFilter = nullptr;

void enableEverything(QLoggingCategory *category)
{
    if (qstrncmp(category->categoryName(), "chat", 4) == 0) {
        for (QtMsgType t : {QtDebugMsg, QtInfoMsg, QtWarningMsg, QtCriticalMsg})
            category->setEnabled(t, true);
    } else if (g_previousFilter) {
        g_previousFilter(category);
    }
}

QJsonObject loginFrame(const QString &user, const QString &password, const QString &id = u"l"_s)
{
    return {{"type"_L1, "login"_L1},
            {"id"_L1, id},
            {"username"_L1, user},
            {"password"_L1, password},
            {"device"_L1, "abuse-test"_L1}};
}
} // namespace

class TstAbuse : public QObject
{
    Q_OBJECT
    std::unique_ptr<chat::test::TestServer> m_server;

    quint16 port() const { return quint16(m_server->url().port()); }

    // A connection logged in as `user` (fixture password), or null.
    std::unique_ptr<RawWs> loggedIn(const QString &user)
    {
        auto ws = std::make_unique<RawWs>();
        if (!ws->handshake(port()))
            return nullptr;
        ws->sendJson(loginFrame(user, user + u"-pw"_s));
        const auto a = ws->nextJson();
        if (!a || a->value("type"_L1).toString() != "auth_ok"_L1)
            return nullptr;
        return ws;
    }

    // The next frame that is not a push (presence, typing, ...).
    static std::optional<QJsonObject> nextAnswer(RawWs &ws)
    {
        static const QStringList pushes{u"presence"_s, u"typing"_s, u"message"_s, u"conversation"_s,
                                        u"receipt"_s};
        std::optional<QJsonObject> f;
        while ((f = ws.nextJson()) && pushes.contains(f->value("type"_L1).toString())) { }
        return f;
    }

    static QList<QPair<QString, QString>> bigMessages()
    {
        QList<QPair<QString, QString>> ms;
        for (int i = 0; i < 200; ++i)
            ms.append({u"carol"_s, QString(3900, QChar(u'a' + i % 26))});
        return ms;
    }

    // The server still serves: a new client logs in and pings.
    bool serverServes(const QString &user = u"dave"_s)
    {
        auto ws = loggedIn(user);
        if (!ws)
            return false;
        ws->sendJson({{"type"_L1, "ping"_L1}, {"id"_L1, "p"_L1}});
        while (const auto f = ws->nextJson()) {
            if (f->value("type"_L1).toString() == "pong"_L1)
                return true;
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_server = std::make_unique<chat::test::TestServer>(chat::test::fixture(
            {u"alice"_s, u"bob"_s, u"carol"_s, u"dave"_s, u"erin"_s, u"mallory"_s},
            QJsonArray{
                chat::test::conversation(u"ab"_s, u"group"_s, u"ab"_s, {u"alice"_s, u"bob"_s}),
                chat::test::conversation(u"big"_s, u"group"_s, u"big"_s, {u"bob"_s, u"carol"_s},
                                         bigMessages())}));
        QString err;
        QVERIFY2(m_server->start(&err), qPrintable(err));
    }

    // Invalid UTF-8 inside a text frame: the WebSocket layer closes with 1007; nothing else
    // is affected.
    void invalidUtf8TextFrame()
    {
        auto ws = loggedIn(u"alice"_s);
        QVERIFY(ws);
        ws->sendText(QByteArray("{\"type\":\"ping\",\"id\":\"\xc3\x28\xff\"}"));
        QVERIFY(ws->waitClosed());
        QCOMPARE(ws->closeCode(), 1007);
        QVERIFY(serverServes());
    }

    // A frame announcing more bytes than ever come, then silence: the connection is dropped
    // by a deadline (auth or heartbeat), the server keeps serving meanwhile.
    void truncatedFrameThenSilence()
    {
        m_server->stop();
        m_server->config().authDeadlineMs = 1500;
        QString err;
        QVERIFY2(m_server->start(&err), qPrintable(err));
        RawWs ws;
        QVERIFY(ws.handshake(port()));
        QByteArray f = RawWs::frame(1, QByteArray(200, 'x'));
        ws.writeRaw(f.left(40)); // header says 200, 34 payload bytes follow
        QVERIFY(serverServes());
        QVERIFY(ws.waitClosed(20000));
        QCOMPARE(ws.closeCode(), 4001);
    }

    // A valid login dribbled one byte at a time is reassembled and answered.
    void frameDribbledByteByByte()
    {
        RawWs ws;
        QVERIFY(ws.handshake(port()));
        const QByteArray f = RawWs::frame(
            1, QJsonDocument(loginFrame(u"bob"_s, u"bob-pw"_s)).toJson(QJsonDocument::Compact));
        for (char c : f) {
            ws.writeRaw(QByteArray(1, c));
            QTest::qWait(2);
        }
        const auto a = ws.nextJson();
        QVERIFY(a);
        QCOMPARE(a->value("type"_L1).toString(), u"auth_ok"_s);
    }

    // Deep nesting and huge arrays are answered bad_request (or too_large) on a connection
    // that stays open; the server neither recurses away nor allocates without bound.
    void deeplyNestedAndHugeArrays_data()
    {
        QTest::addColumn<QByteArray>("payload");
        const int depth = 20000; // fits the 64 KiB frame limit
        QTest::newRow("nested arrays") << (QByteArray(depth, '[') + QByteArray(depth, ']'));
        QByteArray obj;
        for (int i = 0; i < 5000; ++i)
            obj += "{\"a\":";
        obj += "1" + QByteArray(5000, '}');
        QTest::newRow("nested objects") << obj;
        QTest::newRow("nested content")
            << ("{\"type\":\"send\",\"id\":\"n\",\"conversation_id\":\"c\",\"client_msg_id\":"
                "\"k\",\"content\":"
                + QByteArray(10000, '[') + QByteArray(10000, ']') + "}");
        QByteArray ids = "{\"type\":\"add_members\",\"id\":\"h\",\"conversation_id\":\"c\","
                         "\"user_ids\":[";
        for (int i = 0; i < 12000; ++i)
            ids += (i ? ",\"u\"" : "\"u\"");
        QTest::newRow("huge id array") << (ids + "]}");
        QByteArray nums = "{\"type\":\"users\",\"id\":\"h\",\"query\":[";
        for (int i = 0; i < 30000; ++i)
            nums += (i ? ",0" : "0");
        QTest::newRow("huge number array as a string field") << (nums + "]}");
    }
    void deeplyNestedAndHugeArrays()
    {
        QFETCH(QByteArray, payload);
        QVERIFY(payload.size() < 64 * 1024);
        auto ws = loggedIn(u"carol"_s);
        QVERIFY(ws);
        ws->sendText(payload);
        const auto answer = nextAnswer(*ws);
        QVERIFY2(answer, "answered, not dropped");
        QCOMPARE(answer->value("type"_L1).toString(), u"error"_s);
        const QString code = answer->value("code"_L1).toString();
        QVERIFY2(code == "bad_request"_L1 || code == "too_large"_L1 || code == "not_found"_L1
                     || code == "forbidden"_L1,
                 qPrintable(code));
        // Still usable.
        ws->sendJson({{"type"_L1, "ping"_L1}, {"id"_L1, "p2"_L1}});
        std::optional<QJsonObject> f;
        while ((f = ws->nextJson()) && f->value("type"_L1).toString() != "pong"_L1) { }
        QVERIFY(f);
    }

    // A client that asks and never reads: what the server holds for it is capped (8 MiB
    // beyond the kernel's buffers), then the connection is cut; everyone else is served.
    void neverReadingClientIsCut()
    {
        chat::test::AdminClient admin(m_server->url());
        QVERIFY(admin.isOpen());
        auto connections = [&] {
            return admin.call({{"type"_L1, "admin_stats"_L1}}).value("connections"_L1).toInt(-1);
        };
        auto ws = loggedIn(u"bob"_s);
        QVERIFY(ws);
        ws->sendJson({{"type"_L1, "sync"_L1}, {"id"_L1, "y"_L1}, {"since"_L1, QJsonValue()}});
        QString big;
        while (const auto f = ws->nextJson()) {
            if (f->value("id"_L1).toString() != "y"_L1)
                continue;
            for (const QJsonValue &c : f->value("conversations"_L1).toArray()) {
                const QJsonObject conv = c.toObject().value("conversation"_L1).toObject();
                if (conv.value("title"_L1).toString() == "big"_L1)
                    big = conv.value("conversation_id"_L1).toString();
            }
            break;
        }
        QVERIFY(!big.isEmpty());
        const int before = connections();
        QVERIFY(before >= 2);
        ws->stopReading();
        // 40 pages of 200 messages of ~3.9 KB: ~31 MB asked for, never read.
        for (int i = 0; i < 40; ++i)
            ws->sendJson({{"type"_L1, "history"_L1},
                          {"id"_L1, u"h%1"_s.arg(i)},
                          {"conversation_id"_L1, big},
                          {"limit"_L1, 200}});
        QTRY_VERIFY_WITH_TIMEOUT(connections() <= before - 1, 120000);
        // Reading again: the stream ends before all 40 answers (it was cut, not drained).
        ws->resumeReading();
        QVERIFY(ws->waitClosed(60000));
        QTest::qWait(200);
        int answers = 0;
        while (ws->nextText(0))
            ++answers;
        QVERIFY2(answers < 40, qPrintable(QString::number(answers)));
        QVERIFY(serverServes());
    }

    // Slowloris: an HTTP upgrade that never completes is cut by the handshake deadline.
    void slowlorisHandshakeIsCut()
    {
        RawWs ws;
        QVERIFY(ws.connectTcp(port()));
        const QByteArray request = ws.handshakeRequest(port());
        QElapsedTimer t;
        t.start();
        int sent = 0;
        // One byte every 500 ms: the whole request would take ~90 s.
        while (!ws.disconnected() && sent < request.size() - 2 && t.elapsed() < 60000) {
            ws.writeRaw(request.mid(sent++, 1));
            QTest::qWait(500);
        }
        QVERIFY2(ws.disconnected(), "the server must drop a handshake that never completes");
        QVERIFY(sent < request.size() - 2);
        QVERIFY(serverServes());
    }

    // A flood of connections (half never upgrade, half never authenticate) does not stop a
    // real user, and every one of them is gone after the deadlines.
    void connectionFlood()
    {
        QList<RawWs *> flood;
        for (int i = 0; i < 200; ++i) {
            auto *ws = new RawWs(this);
            ws->socket().connectToHost(QHostAddress::LocalHost, port());
            if (i % 2)
                QObject::connect(&ws->socket(), &QTcpSocket::connected, ws,
                                 [ws, this] { ws->writeRaw(ws->handshakeRequest(port())); });
            flood.append(ws);
        }
        QVERIFY(serverServes(u"erin"_s));
        QTRY_VERIFY_WITH_TIMEOUT(
            std::all_of(flood.cbegin(), flood.cend(), [](RawWs *w) { return w->disconnected(); }),
            60000);
        qDeleteAll(flood);
    }

    // Guessing: failures past the free ones are answered later and later, serialized per
    // username; the right password is answered at once even while guesses queue.
    void passwordGuessingIsThrottled()
    {
        // The throttle's arithmetic, on a clock the test controls.
        chat::server::LoginThrottle th;
        for (int i = 0; i < 5; ++i)
            QCOMPARE(th.failed(u"x"_s, u"1.2.3.4"_s, 1000), 0);
        QCOMPARE(th.failed(u"X"_s, u"1.2.3.5"_s, 1000), 500);  // same user, any case/address
        QCOMPARE(th.failed(u"x"_s, u"1.2.3.6"_s, 1000), 1500); // serialized: 500 + 1000
        QCOMPARE(th.failed(u"y"_s, u"1.2.3.4"_s, 1000), 0);    // another user: free
        QCOMPARE(th.failed(u"x"_s, u"9.9.9.9"_s, 1000 + 10 * 60 * 1000), 0); // window passed

        // On the wire: 5 free failures, then 3 guesses in parallel queue 0.5 + 1 + 2 s.
        for (int i = 0; i < 5; ++i) {
            RawWs ws;
            QVERIFY(ws.handshake(port()));
            ws.sendJson(loginFrame(u"mallory"_s, u"guess-%1"_s.arg(i)));
            const auto a = ws.nextJson();
            QVERIFY(a);
            QCOMPARE(a->value("code"_L1).toString(), u"unauthorized"_s);
        }
        QList<RawWs *> guesses;
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < 3; ++i) {
            auto *ws = new RawWs(this);
            QVERIFY(ws->handshake(port()));
            ws->sendJson(loginFrame(u"mallory"_s, u"queued-%1"_s.arg(i)));
            guesses.append(ws);
        }
        QElapsedTimer rightTimer;
        rightTimer.start();
        auto right = loggedIn(u"mallory"_s);
        QVERIFY2(right, "the right password is accepted while guesses are throttled");
        qInfo("the right login was answered after %lld ms", qint64(rightTimer.elapsed()));
        QVERIFY2(guesses.last()->nextJson(0) == std::nullopt,
                 "the last queued guess is still waiting when the right login is answered");
        for (RawWs *ws : std::as_const(guesses)) {
            const auto a = ws->nextJson(30000);
            QVERIFY(a);
            // Throttled answers read exactly like any wrong password.
            QCOMPARE(a->value("code"_L1).toString(), u"unauthorized"_s);
            QCOMPARE(a->value("message"_L1).toString(), u"wrong username or password"_s);
        }
        // The last queued guess waited at least the sum of its predecessors' slots (a precise
        // timer on the server: a coarse one may fire 5 % early).
        QVERIFY2(t.elapsed() >= 3500, qPrintable(QString::number(t.elapsed())));
        qDeleteAll(guesses);
    }

    // Secrets: with every log category at debug level, neither the password nor the token
    // appears in what the server and the client log; the server stores neither in clear;
    // the client's cache is readable by its user only.
    void noSecretInLogsOrAtRest()
    {
        // A filter, not rules: QT_LOGGING_RULES (set by ctest) would override rules.
        g_previousFilter = QLoggingCategory::installFilter(enableEverything);
        g_previous = qInstallMessageHandler(captureLog);
        QTemporaryDir clientDir;
        auto engine = chat::test::makeEngine(clientDir.path(), m_server->url(), u"alice"_s);
        QVERIFY(engine);
        chat::test::connectEngine(*engine, m_server->url(), u"alice"_s, clientDir.path());
        QTRY_VERIFY_WITH_TIMEOUT(engine->isCaughtUp(), 30000);
        const QString conv = engine->conversations().value(0).conversationId;
        QVERIFY(!conv.isEmpty());
        QVERIFY(engine->send(conv, u"secret test message"_s));
        QTRY_VERIFY_WITH_TIMEOUT(engine->outbox().isEmpty(), 30000);
        const QString token = engine->token();
        QVERIFY(token.size() >= 16);
        const QString storePath = engine->storePath();
        engine.reset();
        qInstallMessageHandler(g_previous);
        QLoggingCategory::installFilter(g_previousFilter);

        QByteArray log;
        {
            QMutexLocker lock(&g_logMutex);
            log = g_log;
        }
        QVERIFY2(log.size() > 1000, "debug logging was captured");
        auto linesWith = [&log](const QByteArray &secret) {
            QByteArrayList hits;
            for (const QByteArray &line : log.split('\n'))
                if (line.contains(secret))
                    hits.append(line.left(300));
            return QString::fromUtf8(hits.join('\n'));
        };
        QVERIFY2(!log.contains("alice-pw"),
                 qPrintable(u"the password is in the log:\n"_s + linesWith("alice-pw")));
        QVERIFY2(!log.contains(token.toUtf8()),
                 qPrintable(u"the token is in the log:\n"_s + linesWith(token.toUtf8())));

        // At rest on the server: every file of its data folder.
        m_server->stop();
        QDirIterator it(m_server->config().dataDir, QDir::Files, QDirIterator::Subdirectories);
        int files = 0;
        while (it.hasNext()) {
            QFile f(it.next());
            // A file SQLite removed after the listing (a WAL or journal at close) holds nothing.
            if (!f.open(QIODevice::ReadOnly) && !f.exists())
                continue;
            QVERIFY2(f.isOpen(), qPrintable(f.fileName() + u": "_s + f.errorString()));
            const QByteArray bytes = f.readAll();
            ++files;
            QVERIFY2(!bytes.contains("alice-pw"), qPrintable(f.fileName()));
            QVERIFY2(!bytes.contains(token.toUtf8()), qPrintable(f.fileName()));
        }
        QVERIFY(files > 0);
        // The client's cache: mode 0600, and the password never stored.
        QFileInfo fi(storePath);
        QVERIFY(fi.exists());
        QCOMPARE(
            fi.permissions()
                & (QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther),
            QFile::Permissions{});
        QFile store(storePath);
        QVERIFY(store.open(QIODevice::ReadOnly));
        QVERIFY(!store.readAll().contains("alice-pw"));
        QString err;
        QVERIFY2(m_server->start(&err), qPrintable(err));
    }

    void cleanupTestCase() { m_server.reset(); }
};

QTEST_GUILESS_MAIN(TstAbuse)
#include "tst_abuse.moc"
