// chat-server as a real process: the command line (--help, bad arguments exit 2, the
// `listening` line), SIGTERM/SIGINT (close 1001, exit 0), --fixture at start, wss:// with a
// certificate made by openssl, and the crash test: SIGKILL under a concurrent stream of
// sends, restart on the same --data, every acked message there with its seq, no gap.
#include "helpers.h"
#include "testclient.h"

#include <QProcess>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

namespace {
const QString kServer = QStringLiteral(CHAT_SERVER_BIN);

struct ServerProcess {
    QProcess proc;
    QUrl url;
    ~ServerProcess()
    {
        if (proc.state() != QProcess::NotRunning) {
            proc.kill();
            proc.waitForFinished(5000);
        }
    }
    // Starts it and waits for the `listening` line.
    bool start(const QStringList &args)
    {
        proc.setProcessChannelMode(QProcess::SeparateChannels);
        proc.start(kServer, args);
        if (!proc.waitForStarted(10000))
            return false;
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (!out.contains('\n') && t.elapsed() < 20000 && proc.state() == QProcess::Running) {
            proc.waitForReadyRead(200);
            out += proc.readAllStandardOutput();
        }
        const QString line = QString::fromUtf8(out).trimmed();
        if (!line.startsWith("listening "_L1)) {
            qWarning("no listening line: %s / %s", qPrintable(line),
                     proc.readAllStandardError().constData());
            return false;
        }
        url = QUrl(line.mid(10));
        return url.isValid() && url.port() > 0;
    }
    void signal(int sig) { ::kill(pid_t(proc.processId()), sig); }
};

struct Run {
    int code;
    QString out, err;
};
Run runServer(const QStringList &args)
{
    QProcess p;
    p.start(kServer, args);
    p.waitForFinished(20000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}
} // namespace

class TstProcess : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void helpListsEveryFlag()
    {
        const Run r = runServer({u"--help"_s});
        QCOMPARE(r.code, 0);
        for (const char *flag :
             {"--listen", "--data", "--fixture", "--store", "--redis", "--node-id", "--admin-token",
              "--push-url", "--heartbeat-ms", "--rate-limit", "--tls-cert", "--tls-key"})
            QVERIFY2(r.out.contains(QLatin1StringView(flag)), flag);
    }

    void badArgumentsExit2WithASentence_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTemporaryDir d;
        const QString data = u"/tmp/chat-server-test-unused"_s;
        QTest::newRow("no data") << QStringList{u"--listen"_s, u"127.0.0.1:0"_s} << u"--data"_s;
        QTest::newRow("bad listen")
            << QStringList{u"--listen"_s, u"nowhere"_s, u"--data"_s, data} << u"--listen"_s;
        QTest::newRow("bad port") << QStringList{u"--listen"_s, u"127.0.0.1:99999"_s, u"--data"_s,
                                                 data}
                                  << u"--listen"_s;
        QTest::newRow("bad heartbeat")
            << QStringList{u"--data"_s, data, u"--heartbeat-ms"_s, u"soon"_s}
            << u"--heartbeat-ms"_s;
        QTest::newRow("bad rate") << QStringList{u"--data"_s, data, u"--rate-limit"_s, u"-1"_s}
                                  << u"--rate-limit"_s;
        QTest::newRow("store") << QStringList{u"--data"_s, data, u"--store"_s,
                                              u"mysql://u:p@127.0.0.1:5432/chat"_s}
                               << u"--store"_s;
        QTest::newRow("redis") << QStringList{u"--data"_s, data, u"--redis"_s, u"127.0.0.1:6379"_s}
                               << u"--redis"_s;
        QTest::newRow("half tls") << QStringList{u"--data"_s, data, u"--tls-cert"_s, u"c.pem"_s}
                                  << u"--tls-key"_s;
        QTest::newRow("push url") << QStringList{u"--data"_s, data, u"--push-url"_s, u"ftp://x"_s}
                                  << u"--push-url"_s;
        QTest::newRow("unknown") << QStringList{u"--data"_s, data, u"--frobnicate"_s}
                                 << u"frobnicate"_s;
        QTest::newRow("positional") << QStringList{u"--data"_s, data, u"extra"_s} << u"extra"_s;
    }
    void badArgumentsExit2WithASentence()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        const Run r = runServer(args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(mentions), qPrintable(r.err));
        QVERIFY(r.err.startsWith("chat-server: "_L1));
        QVERIFY(r.out.isEmpty());
    }

    void cannotStartExits1()
    {
        QTemporaryDir d;
        const Run r = runServer({u"--listen"_s, u"127.0.0.1:0"_s, u"--data"_s, d.path(),
                                 u"--fixture"_s, d.filePath(u"missing.json"_s)});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(u"missing.json"_s), qPrintable(r.err));
    }

    void sigtermClosesWith1001AndExits0_data()
    {
        QTest::addColumn<int>("sig");
        QTest::newRow("SIGTERM") << int(SIGTERM);
        QTest::newRow("SIGINT") << int(SIGINT);
    }
    void sigtermClosesWith1001AndExits0()
    {
        QFETCH(int, sig);
        QTemporaryDir d;
        ServerProcess s;
        QVERIFY(s.start({u"--listen"_s, u"127.0.0.1:0"_s, u"--data"_s, d.path()}));
        QCOMPARE(s.url.scheme(), u"ws"_s);
        QCOMPARE(s.url.host(), u"127.0.0.1"_s);
        TestClient c;
        QVERIFY(c.open(s.url));
        QCOMPARE(typeOf(c.registerUser(uniqueName(u"term"_s))), u"auth_ok"_s);
        s.signal(sig);
        QVERIFY(c.waitClosed());
        QCOMPARE(c.closeCode(), 1001);
        // (waitForFinished() is false when the event loop already saw it finish)
        QVERIFY(s.proc.state() == QProcess::NotRunning || s.proc.waitForFinished(20000));
        QCOMPARE(s.proc.exitStatus(), QProcess::NormalExit);
        QCOMPARE(s.proc.exitCode(), 0);
    }

    void heartbeatFlagClosesSilentConnections()
    {
        QTemporaryDir d;
        ServerProcess s;
        QVERIFY(s.start({u"--listen"_s, u"127.0.0.1:0"_s, u"--data"_s, d.path(),
                         u"--heartbeat-ms"_s, u"200"_s}));
        TestClient c;
        QVERIFY(c.open(s.url));
        const QJsonObject ok = c.registerUser(uniqueName(u"hb"_s));
        QCOMPARE(ok.value("heartbeat_ms"_L1).toInt(), 200);
        QVERIFY(c.waitClosed()); // silent from here on
        QCOMPARE(c.closeCode(), 4000);
    }

    void portInUseExits1()
    {
        QTemporaryDir d;
        ServerProcess s;
        QVERIFY(s.start({u"--listen"_s, u"127.0.0.1:0"_s, u"--data"_s, d.filePath(u"a"_s)}));
        const Run r = runServer(
            {u"--listen"_s, u"127.0.0.1:%1"_s.arg(s.url.port()), u"--data"_s, d.filePath(u"b"_s)});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(u"cannot listen"_s), qPrintable(r.err));
    }

    void fixtureAtStartIsIdempotent()
    {
        QTemporaryDir d;
        for (int round = 0; round < 2; ++round) {
            ServerProcess s;
            QVERIFY(s.start({u"--listen"_s, u"127.0.0.1:0"_s, u"--data"_s, d.path(), u"--fixture"_s,
                             QStringLiteral(CHAT_DEMO_FIXTURE), u"--admin-token"_s, u"t"_s}));
            TestClient c;
            QVERIFY(c.open(s.url));
            QCOMPARE(typeOf(c.login(u"carol"_s, u"carol-pw"_s)), u"auth_ok"_s);
            const QJsonObject page = syncReq(&c, QJsonValue::Null, QJsonValue::Null);
            QCOMPARE(page.value("conversations"_L1).toArray().size(), 3);
            TestClient a;
            QVERIFY(a.open(s.url));
            a.request({{"type"_L1, u"admin"_s}, {"token"_L1, u"t"_s}});
            const QJsonObject st = a.request({{"type"_L1, u"admin_stats"_s}});
            QCOMPARE(st.value("users"_L1).toInteger(), 5);
            QCOMPARE(st.value("conversations"_L1).toInteger(), 5);
            QCOMPARE(st.value("messages_stored"_L1).toInteger(), 74);
            s.signal(SIGTERM);
            QVERIFY(s.proc.waitForFinished(20000));
        }
    }

    void tlsServesWss()
    {
        const QString openssl = QStandardPaths::findExecutable(u"openssl"_s);
        if (openssl.isEmpty())
            QFAIL("openssl is needed to make a test certificate (apt-get install openssl)");
        QTemporaryDir d;
        QProcess gen;
        gen.start(openssl,
                  {u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s, u"-keyout"_s,
                   d.filePath(u"key.pem"_s), u"-out"_s, d.filePath(u"cert.pem"_s), u"-days"_s,
                   u"1"_s, u"-subj"_s, u"/CN=127.0.0.1"_s});
        QVERIFY(gen.waitForFinished(60000));
        QCOMPARE(gen.exitCode(), 0);
        ServerProcess s;
        QVERIFY(s.start({u"--listen"_s, u"127.0.0.1:0"_s, u"--data"_s, d.filePath(u"data"_s),
                         u"--tls-cert"_s, d.filePath(u"cert.pem"_s), u"--tls-key"_s,
                         d.filePath(u"key.pem"_s)}));
        QCOMPARE(s.url.scheme(), u"wss"_s);
        TestClient c;
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone); // self-signed
        c.socket().setSslConfiguration(ssl);
        QVERIFY(c.open(s.url));
        QCOMPARE(typeOf(c.registerUser(uniqueName(u"tls"_s))), u"auth_ok"_s);
        QCOMPARE(typeOf(c.request({{"type"_L1, u"ping"_s}, {"ts"_L1, 5}})), u"pong"_s);
        // A plain ws:// client cannot talk to it.
        TestClient plain;
        QUrl ws = s.url;
        ws.setScheme(u"ws"_s);
        QVERIFY(!plain.open(ws, 5000) || plain.request({{"type"_L1, u"ping"_s}}, 3000).isEmpty());
        // Bad TLS files are a clear start failure.
        const Run r = runServer({u"--listen"_s, u"127.0.0.1:0"_s, u"--data"_s,
                                 d.filePath(u"data2"_s), u"--tls-cert"_s, d.filePath(u"key.pem"_s),
                                 u"--tls-key"_s, d.filePath(u"cert.pem"_s)});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains(u"PEM"_s));
    }

    // Every acked message survives SIGKILL with its seq; seq has no gap.
    void crashKeepsEveryAckedMessage()
    {
        QTemporaryDir d;
        struct Acked {
            QString messageId, clientMsgId;
        };
        QHash<QString, QMap<qint64, Acked>> acked; // conversation -> seq -> message
        QStringList convs;
        QStringList tokens;
        {
            ServerProcess s;
            QVERIFY(s.start({u"--listen"_s, u"127.0.0.1:0"_s, u"--data"_s, d.path(),
                             u"--rate-limit"_s, u"0"_s}));
            QList<TestClient *> senders;
            for (int i = 0; i < 4; ++i) {
                auto *c = new TestClient(this);
                QVERIFY(c->open(s.url));
                QCOMPARE(typeOf(c->registerUser(uniqueName(u"crash"_s))), u"auth_ok"_s);
                senders.append(c);
                tokens.append(c->token());
            }
            QStringList ids;
            for (TestClient *c : senders)
                ids.append(c->userId());
            // One group all four write into concurrently, plus a 1:1 per pair of senders.
            convs.append(convId(createGroup(senders[0], u"crash group"_s, ids.mid(1))));
            convs.append(convId(createDirect(senders[0], ids[1])));
            convs.append(convId(createDirect(senders[2], ids[3])));
            const QList<QPair<int, QString>> plan{{0, convs[0]}, {1, convs[0]}, {2, convs[0]},
                                                  {3, convs[0]}, {0, convs[1]}, {1, convs[1]},
                                                  {2, convs[2]}, {3, convs[2]}};
            int next = 0, totalAcks = 0;
            QElapsedTimer t;
            t.start();
            // Keep a window of sends in flight on every connection; kill once enough are acked.
            while (totalAcks < 1500 && t.elapsed() < 60000) {
                for (const auto &[who, conv] : plan) {
                    TestClient *c = senders[who];
                    for (int k = 0; k < 5; ++k, ++next)
                        c->sendJson({{"type"_L1, u"send"_s},
                                     {"id"_L1, u"c%1"_s.arg(next)},
                                     {"conversation_id"_L1, conv},
                                     {"client_msg_id"_L1, u"crash-%1"_s.arg(next)},
                                     {"content"_L1, u"message %1"_s.arg(next)}});
                }
                QTest::qWait(5);
                totalAcks = 0;
                for (TestClient *c : senders)
                    totalAcks += c->count(u"ack"_s);
            }
            // One more burst, not waited for: the kill always lands with sends in flight, even
            // when a loaded machine let the server ack everything the loop above had sent.
            for (const auto &[who, conv] : plan) {
                for (int k = 0; k < 20; ++k, ++next)
                    senders[who]->sendJson({{"type"_L1, u"send"_s},
                                            {"id"_L1, u"c%1"_s.arg(next)},
                                            {"conversation_id"_L1, conv},
                                            {"client_msg_id"_L1, u"crash-%1"_s.arg(next)},
                                            {"content"_L1, u"message %1"_s.arg(next)}});
            }
            QCoreApplication::processEvents(); // write the burst out to the server
            s.proc.kill();                     // SIGKILL mid-stream
            QVERIFY(s.proc.waitForFinished(10000));
            QTest::qWait(200); // acks already received by the clients are in their buffers
            int total = 0;
            for (TestClient *c : senders)
                for (const QJsonObject &a : c->frames(u"ack"_s)) {
                    acked[a.value("conversation_id"_L1).toString()].insert(
                        a.value("seq"_L1).toInteger(), {a.value("message_id"_L1).toString(),
                                                        a.value("client_msg_id"_L1).toString()});
                    ++total;
                }
            QVERIFY2(total >= 1000, qPrintable(QString::number(total)));
            QVERIFY2(next > total, "the kill must come while sends are still in flight");
            qDeleteAll(senders);
        }
        ServerProcess s2;
        QVERIFY(s2.start({u"--listen"_s, u"127.0.0.1:0"_s, u"--data"_s, d.path()}));
        TestClient c;
        QVERIFY(c.open(s2.url));
        QCOMPARE(typeOf(c.auth(tokens[0])), u"auth_ok"_s);
        TestClient c2;
        QVERIFY(c2.open(s2.url));
        QCOMPARE(typeOf(c2.auth(tokens[2])), u"auth_ok"_s);
        for (const QString &conv : std::as_const(convs)) {
            TestClient *reader = conv == convs[2] ? &c2 : &c;
            QMap<qint64, Acked> stored;
            qint64 after = 0;
            for (;;) {
                const QJsonObject h =
                    history(reader, conv, {{"after_seq"_L1, after}, {"limit"_L1, 200}});
                QCOMPARE(typeOf(h), u"history"_s);
                for (const QJsonValue &v : h.value("messages"_L1).toArray()) {
                    const QJsonObject m = v.toObject();
                    const qint64 seq = m.value("seq"_L1).toInteger();
                    QCOMPARE(seq, after + 1); // no gap
                    after = seq;
                    stored.insert(seq, {m.value("message_id"_L1).toString(),
                                        m.value("client_msg_id"_L1).toString()});
                }
                if (!h.value("has_more"_L1).toBool())
                    break;
            }
            const QMap<qint64, Acked> &mine = acked.value(conv);
            QVERIFY(!mine.isEmpty());
            for (auto it = mine.cbegin(); it != mine.cend(); ++it) {
                QVERIFY2(stored.contains(it.key()),
                         qPrintable(u"acked seq %1 lost"_s.arg(it.key())));
                QCOMPARE(stored.value(it.key()).messageId, it->messageId);
                QCOMPARE(stored.value(it.key()).clientMsgId, it->clientMsgId);
            }
            qInfo("%s: %lld acked, %lld stored", qPrintable(conv), qint64(mine.size()),
                  qint64(stored.size()));
        }
    }
};

QTEST_GUILESS_MAIN(TstProcess)
#include "tst_process.moc"
