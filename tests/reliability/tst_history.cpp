// Faults under load, checked over a recorded history (docs/RELIABILITY.md). A real
// chat-server process serves three sync-engine clients (through a fault proxy) and chat-cli
// processes; while they send, a seeded schedule injects: server SIGKILL + restart, server
// SIGSTOP/SIGCONT, link blackhole, link delay, link reset, the server's admin_fault (dropped
// pushes, delays, abrupt closes), client restarts and chat-cli SIGKILL mid-send. Every
// operation and outcome goes to a JSONL history; after the faults stop, every store and a
// fresh sync are written too, and checkHistory() must find no violation.
//
//   CHAT_RELIABILITY_SEED=N CHAT_RELIABILITY_SECONDS=S tst_reliability_history
// (scripts/soak.sh runs it long; CHAT_RELIABILITY_OUT keeps the history in that folder).
#include "harness.h"
#include "history.h"
#include "serverprocess.h"
#include "tools/faultproxy.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QTest>
#include <QTimer>
#include <csignal>

using namespace Qt::StringLiterals;
using namespace chat::sync;
using namespace chat::reliability;

namespace {
const QStringList kEngineUsers{u"alice"_s, u"bob"_s, u"carol"_s};
const QString kCliUser = u"frank"_s;
const QStringList kRooms{u"room-a"_s, u"room-b"_s};

// The binaries under test; the environment can point at copies (soak.sh does, so that a
// rebuild during a long run does not pull the executable from under a restart).
QString cliBinary()
{
    return qEnvironmentVariable("CHAT_CLI_BIN", QStringLiteral(CHAT_CLI_BIN));
}

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok ? v : fallback;
}
} // namespace

class TstHistory : public QObject
{
    Q_OBJECT

    struct Client {
        QString name, dir;
        std::unique_ptr<SyncEngine> engine;
        int life = 0;
        QHash<QString, QString> opOfLocalId;
        QSet<QString> shown; // localIds shown with a seq in this life
    };

    QTemporaryDir m_tmp;
    QString m_outDir;
    HistoryWriter m_history;
    std::unique_ptr<ServerProcess> m_server;
    FaultProxy m_proxy;
    QList<Client *> m_clients;
    QRandomGenerator m_rng;
    int m_nextOp = 0;
    QUrl m_proxyUrl;
    QHash<QString, QString> m_roomIds; // title -> conversation id
    QProcess *m_cli = nullptr;
    QString m_cliOp;
    QStringList m_cliOddOutputs; // chat-cli sends that exited 0 without exactly one ack line
    QString m_cliDir;

    QString newOp() { return u"op-%1"_s.arg(++m_nextOp); }

    void fault(const QString &what, qint64 ms = 0)
    {
        m_history.write({{"ev"_L1, "fault"_L1}, {"what"_L1, what}, {"ms"_L1, ms}});
    }

    void startClient(Client *c)
    {
        c->engine = chat::test::makeEngine(c->dir, m_proxyUrl, c->name);
        QVERIFY(c->engine);
        ++c->life;
        c->shown.clear();
        SyncEngine *e = c->engine.get();
        connect(e, &SyncEngine::changes, this, [this, c](const ChangeBatch &b) { record(c, b); });
        connect(e, &SyncEngine::messageSent, this, [this, c](const LocalMessage &m) {
            const QString op = c->opOfLocalId.value(m.localId);
            if (!op.isEmpty())
                m_history.write({{"ev"_L1, "acked"_L1}, {"op"_L1, op}, {"seq"_L1, m.seq}});
        });
        connect(e, &SyncEngine::messageFailed, this, [this, c](const LocalMessage &m) {
            const QString op = c->opOfLocalId.value(m.localId);
            if (!op.isEmpty())
                m_history.write({{"ev"_L1, "failed"_L1}, {"op"_L1, op}, {"code"_L1, m.errorCode}});
        });
        chat::test::connectEngine(*e, m_proxyUrl, c->name, c->dir);
    }

    void record(Client *c, const ChangeBatch &b)
    {
        for (const ConversationChange &cc : b.conversations) {
            m_history.write({{"ev"_L1, "watermark"_L1},
                             {"client"_L1, c->name},
                             {"conv"_L1, cc.conversation.conversationId},
                             {"last_seq"_L1, cc.conversation.lastSeq},
                             {"read_seq"_L1, cc.conversation.readSeq}});
        }
        for (auto it = b.messages.cbegin(); it != b.messages.cend(); ++it) {
            for (const MessageChange &mc : it.value()) {
                if (mc.kind == MessageChange::Kind::Removed || mc.message.seq <= 0
                    || c->shown.contains(mc.message.localId))
                    continue;
                c->shown.insert(mc.message.localId);
                m_history.write({{"ev"_L1, "received"_L1},
                                 {"client"_L1, c->name},
                                 {"life"_L1, c->life},
                                 {"conv"_L1, it.key()},
                                 {"seq"_L1, mc.message.seq},
                                 {"text"_L1, mc.message.content}});
            }
        }
    }

    void clientSend(Client *c)
    {
        const QString room = kRooms.at(int(m_rng.bounded(kRooms.size())));
        const QString conv = m_roomIds.value(room);
        if (!c->engine->conversation(conv))
            return; // not a member (carol is only in room-a)
        const QString op = newOp();
        const QString text = u"%1 from %2"_s.arg(op, c->name);
        m_history.write({{"ev"_L1, "send"_L1},
                         {"op"_L1, op},
                         {"client"_L1, c->name},
                         {"conv"_L1, conv},
                         {"text"_L1, text}});
        const auto r = c->engine->send(conv, text);
        if (!r) {
            m_history.write({{"ev"_L1, "failed"_L1}, {"op"_L1, op}, {"code"_L1, "local"_L1}});
            return;
        }
        c->opOfLocalId.insert(r.value(), op);
    }

    QStringList cliArgs() const
    {
        return {u"--server"_s,   m_proxyUrl.toString(), u"--username"_s, kCliUser,
                u"--password"_s, kCliUser + u"-pw"_s,   u"--profile"_s,  m_cliDir};
    }

    // One chat-cli send; with killAfterMs >= 0 it is SIGKILLed then (mid-send, maybe).
    void cliSend(int killAfterMs)
    {
        if (m_cli)
            return;
        const QString conv = m_roomIds.value(u"room-b"_s);
        m_cliOp = newOp();
        const QString text = u"%1 from %2"_s.arg(m_cliOp, kCliUser);
        m_history.write({{"ev"_L1, "send"_L1},
                         {"op"_L1, m_cliOp},
                         {"client"_L1, kCliUser},
                         {"conv"_L1, conv},
                         {"text"_L1, text}});
        m_cli = new QProcess(this);
        connect(m_cli, &QProcess::finished, this, [this](int code, QProcess::ExitStatus st) {
            const QByteArray out = m_cli->readAllStandardOutput();
            if (st == QProcess::NormalExit && code == 0) {
                // One JSON object per line; a successful send prints exactly one "ack" line.
                QList<QJsonObject> acks;
                for (const QByteArray &line : out.split('\n')) {
                    const QJsonObject o = QJsonDocument::fromJson(line.trimmed()).object();
                    if (o.value("event"_L1).toString() == "ack"_L1)
                        acks.append(o);
                }
                if (acks.size() != 1)
                    m_cliOddOutputs.append(m_cliOp + u": "_s + QString::fromUtf8(out));
                m_history.write(
                    {{"ev"_L1, "acked"_L1},
                     {"op"_L1, m_cliOp},
                     {"seq"_L1,
                      acks.isEmpty() ? 0 : acks.constFirst().value("seq"_L1).toInteger()}});
            } else if (st == QProcess::NormalExit && code == 6) {
                m_history.write({{"ev"_L1, "failed"_L1}, {"op"_L1, m_cliOp}, {"code"_L1, code}});
            } // killed, offline (3: queued), timeout: outcome unknown, delivered later or never
            m_cli->deleteLater();
            m_cli = nullptr;
        });
        m_cli->start(cliBinary(), cliArgs() + QStringList{u"send"_s, conv, text});
        if (killAfterMs >= 0) {
            QPointer<QProcess> p(m_cli);
            QTimer::singleShot(killAfterMs, this, [this, p] {
                if (p && p->state() == QProcess::Running) {
                    fault(u"chat-cli SIGKILL"_s);
                    ::kill(pid_t(p->processId()), SIGKILL);
                }
            });
        }
    }

    bool runCli(const QStringList &command, QByteArray *out = nullptr)
    {
        QProcess p;
        p.start(cliBinary(), cliArgs() + command);
        // Spin the event loop while waiting: the fault proxy lives in this thread.
        if (!QTest::qWaitFor([&p] { return p.state() == QProcess::NotRunning; }, 120000))
            return false;
        if (out)
            *out = p.readAllStandardOutput();
        const bool ok = p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
        if (!ok)
            qWarning("chat-cli %s: exit %d: %s", qPrintable(command.join(u' ')), p.exitCode(),
                     p.readAllStandardError().constData());
        return ok;
    }

    void adminFault()
    {
        if (!m_server->isRunning() || m_server->isStopped())
            return;
        chat::test::AdminClient admin(m_server->url());
        if (!admin.isOpen())
            return;
        const QString who = kEngineUsers.at(int(m_rng.bounded(kEngineUsers.size())));
        switch (m_rng.bounded(3)) {
        case 0:
            fault(u"admin_fault drop pushes "_s + who);
            admin.fault(who, 0.5);
            break;
        case 1:
            fault(u"admin_fault delay "_s + who);
            admin.fault(who, 0, 300);
            break;
        default:
            fault(u"admin_fault close_after_frames "_s + who);
            admin.fault(who, 0, 0, false, 1 + m_rng.bounded(20));
            break;
        }
    }

    void clearFaults()
    {
        m_proxy.setBlackhole(false);
        m_proxy.setDelayMs(0);
        m_server->sigcont();
        if (!m_server->isRunning()) {
            QString err;
            QVERIFY2(m_server->start(&err), qPrintable(err));
        }
        chat::test::AdminClient admin(m_server->url());
        QVERIFY(admin.isOpen());
        QVERIFY(admin.clearFaults());
    }

    // One fault from the seeded schedule; returns when it is over (the load keeps running).
    void injectFault(const std::function<void(int)> &runFor)
    {
        const int kind = int(m_rng.bounded(8));
        const int ms = 200 + int(m_rng.bounded(2000));
        QString err;
        switch (kind) {
        case 0:
            fault(u"server SIGKILL"_s, ms);
            m_server->sigkill();
            runFor(ms);
            QVERIFY2(m_server->start(&err), qPrintable(err));
            break;
        case 1:
            fault(u"server SIGSTOP"_s, ms);
            m_server->sigstop();
            runFor(ms);
            m_server->sigcont();
            break;
        case 2:
            fault(u"link blackhole"_s, ms);
            m_proxy.setBlackhole(true);
            runFor(ms);
            m_proxy.setBlackhole(false);
            break;
        case 3:
            fault(u"link delay"_s, ms);
            m_proxy.setDelayMs(20 + int(m_rng.bounded(200)));
            runFor(ms);
            m_proxy.setDelayMs(0);
            break;
        case 4:
            fault(u"link reset"_s);
            m_proxy.resetAll();
            runFor(ms);
            break;
        case 5:
            adminFault();
            runFor(ms);
            clearFaults();
            break;
        case 6: {
            Client *c = m_clients.at(int(m_rng.bounded(m_clients.size())));
            fault(u"client restart "_s + c->name);
            c->engine.reset();
            runFor(ms / 4);
            startClient(c);
            break;
        }
        default:
            cliSend(int(m_rng.bounded(400)));
            runFor(ms);
            break;
        }
    }

    void writeStore(const QString &ev, const QString &who, const SyncEngine &e)
    {
        for (const QString &room : kRooms) {
            const QString conv = m_roomIds.value(room);
            if (!e.conversation(conv))
                continue;
            QJsonArray ms;
            for (const LocalMessage &m : chat::test::allMessages(e, conv))
                ms.append(QJsonObject{{"seq"_L1, m.seq}, {"text"_L1, m.content}});
            m_history.write(
                {{"ev"_L1, ev}, {"client"_L1, who}, {"conv"_L1, conv}, {"messages"_L1, ms}});
        }
    }

    static bool complete(SyncEngine &e, const QString &conv)
    {
        const auto info = e.conversation(conv);
        return info && e.gaps(conv).isEmpty()
               && chat::test::allMessages(e, conv).size() == info->lastSeq;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_outDir = qEnvironmentVariable("CHAT_RELIABILITY_OUT", m_tmp.path());
        QDir().mkpath(m_outDir);
        const quint32 seed = quint32(envInt("CHAT_RELIABILITY_SEED", 1));
        m_rng.seed(seed);
        qInfo("reliability: seed %u (reproduce with CHAT_RELIABILITY_SEED=%u)", seed, seed);
        QVERIFY(m_history.open(m_outDir + u"/history.jsonl"_s));

        QJsonArray convs{chat::test::conversation(u"a"_s, u"group"_s, kRooms[0],
                                                  kEngineUsers + QStringList{kCliUser}),
                         chat::test::conversation(u"b"_s, u"group"_s, kRooms[1],
                                                  QStringList{u"alice"_s, u"bob"_s, kCliUser})};
        QFile fx(m_tmp.filePath(u"fixture.json"_s));
        QVERIFY(fx.open(QIODevice::WriteOnly));
        fx.write(QJsonDocument(chat::test::fixture(kEngineUsers + QStringList{kCliUser}, convs))
                     .toJson());
        fx.close();
        m_server = std::make_unique<ServerProcess>(
            QStringList{qEnvironmentVariable("CHAT_SERVER_BIN", QStringLiteral(CHAT_SERVER_BIN))},
            m_tmp.filePath(u"server"_s),
            QStringList{u"--fixture"_s, fx.fileName(), u"--admin-token"_s,
                        chat::test::TestServer::adminToken(), u"--heartbeat-ms"_s, u"2000"_s});
        QString err;
        QVERIFY2(m_server->start(&err), qPrintable(err));
        QVERIFY(m_proxy.listen(m_server->port()));
        m_proxyUrl = QUrl(u"ws://127.0.0.1:%1"_s.arg(m_proxy.port()));
        m_cliDir = m_tmp.filePath(u"cli"_s);

        for (const QString &name : kEngineUsers) {
            auto *c = new Client;
            c->name = name;
            c->dir = m_tmp.filePath(name);
            m_clients.append(c);
            startClient(c);
        }
        // Room ids, once alice has caught up.
        SyncEngine *alice = m_clients.first()->engine.get();
        QTRY_VERIFY_WITH_TIMEOUT(alice->isCaughtUp() && alice->conversations().size() == 2, 60000);
        for (const ConversationInfo &c : alice->conversations())
            m_roomIds.insert(c.title, c.conversationId);
        QVERIFY(m_roomIds.contains(kRooms[0]) && m_roomIds.contains(kRooms[1]));
        for (Client *c : std::as_const(m_clients))
            QTRY_VERIFY_WITH_TIMEOUT(c->engine->conversations().size() >= 1, 60000);
    }

    void faultsUnderLoadKeepEveryGuarantee()
    {
        const int seconds = envInt("CHAT_RELIABILITY_SECONDS", 40);
        QDeadlineTimer deadline(qint64(seconds) * 1000);
        // Load: every 100 ms each client may send; now and then one marks a room read.
        QTimer load;
        load.setInterval(100);
        connect(&load, &QTimer::timeout, this, [this] {
            for (Client *c : std::as_const(m_clients)) {
                if (!c->engine)
                    continue;
                const quint32 roll = m_rng.bounded(100);
                if (roll < 25)
                    clientSend(c);
                else if (roll < 28) {
                    const QString conv = m_roomIds.value(kRooms.at(int(m_rng.bounded(2))));
                    if (const auto info = c->engine->conversation(conv))
                        c->engine->markRead(conv, info->lastSeq);
                }
            }
            if (m_rng.bounded(100) < 5)
                cliSend(-1);
        });
        load.start();
        auto runFor = [](int ms) { QTest::qWait(ms); };
        int faults = 0;
        while (!deadline.hasExpired()) {
            runFor(300 + int(m_rng.bounded(1500)));
            injectFault(runFor);
            if (QTest::currentTestFailed())
                return;
            ++faults;
        }
        load.stop();
        qInfo("reliability: %d fault windows, %d operations", faults, m_nextOp);

        // Quiesce: no faults; everything queued is delivered; every store converges.
        clearFaults();
        if (QTest::currentTestFailed())
            return;
        if (m_cli)
            QTRY_VERIFY_WITH_TIMEOUT(!m_cli, 120000);
        QVERIFY2(runCli({u"sync"_s}), "chat-cli sync delivers what it queued");
        QByteArray outbox;
        QVERIFY(runCli({u"outbox"_s}, &outbox));
        QVERIFY2(outbox.trimmed().isEmpty(), outbox.constData());
        for (Client *c : std::as_const(m_clients))
            QTRY_VERIFY_WITH_TIMEOUT(c->engine->isOnline() && c->engine->outbox().isEmpty(),
                                     120000);

        // A fresh sync (new store) is the server's truth.
        QTemporaryDir freshDir;
        auto fresh = chat::test::makeEngine(freshDir.path(), m_server->url(), u"alice"_s);
        chat::test::connectEngine(*fresh, m_server->url(), u"alice"_s, freshDir.path());
        QTRY_VERIFY_WITH_TIMEOUT(fresh->isCaughtUp(), 60000);
        for (const QString &room : kRooms) {
            const QString conv = m_roomIds.value(room);
            fresh->loadAll(conv);
            QTRY_VERIFY_WITH_TIMEOUT(complete(*fresh, conv), 60000);
        }
        writeStore(u"fresh"_s, u"fresh"_s, *fresh);
        // Clients converge by themselves (pushes, catch-up, gap fill); loadAll fetches the
        // history older than what they ever stored. A store that never converges is
        // recorded as it is and fails the check.
        for (Client *c : std::as_const(m_clients)) {
            for (const QString &room : kRooms) {
                const QString conv = m_roomIds.value(room);
                if (!c->engine->conversation(conv))
                    continue;
                c->engine->loadAll(conv);
                const int want = int(fresh->conversation(conv)->lastSeq);
                (void)QTest::qWaitFor(
                    [&] {
                        return complete(*c->engine, conv)
                               && chat::test::allMessages(*c->engine, conv).size() == want;
                    },
                    60000);
            }
            writeStore(u"final"_s, c->name, *c->engine);
        }
        m_history.flush();

        const HistoryReport r = checkHistory(m_history.path());
        qInfo("reliability: %s", qPrintable(r.summary()));
        qInfo("reliability: history %s", qPrintable(m_history.path()));
        if (!r.violations.isEmpty())
            m_tmp.setAutoRemove(false);
        QVERIFY2(m_cliOddOutputs.isEmpty(), qPrintable(m_cliOddOutputs.join(u'\n')));
        QVERIFY2(r.violations.isEmpty(), qPrintable(r.violations.mid(0, 20).join(u'\n')));
        QVERIFY(r.acked > 0);
        QCOMPARE(r.lost, 0);
        QCOMPARE(r.duplicated, 0);
        QCOMPARE(r.misordered, 0);
    }

    void cleanupTestCase()
    {
        for (Client *c : std::as_const(m_clients))
            c->engine.reset();
        qDeleteAll(m_clients);
        m_clients.clear();
        if (m_cli)
            m_cli->kill();
    }
};

QTEST_GUILESS_MAIN(TstHistory)
#include "tst_history.moc"
