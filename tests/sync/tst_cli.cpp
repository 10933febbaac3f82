// chat-cli driven as real processes against a real chat-server process: sync, send,
// history, listen, outbox; offline queueing with exit code 3 and later delivery; a
// chat-cli killed with SIGKILL between writing its outbox and receiving the ack, whose
// message a later command delivers exactly once; usage and auth errors.
#include "harness.h"

#include <QDirIterator>
#include <QJsonDocument>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>
#include <csignal>

using namespace Qt::StringLiterals;
using namespace chat::test;

namespace {
struct Run {
    int exitCode = -1;
    QList<QJsonObject> lines;
    QString err;
};

QList<QJsonObject> parseLines(const QByteArray &out)
{
    QList<QJsonObject> lines;
    for (const QByteArray &l : out.split('\n'))
        if (!l.trimmed().isEmpty())
            lines.append(QJsonDocument::fromJson(l).object());
    return lines;
}

int count(const QList<QJsonObject> &lines, const QString &content)
{
    return int(std::count_if(lines.cbegin(), lines.cend(), [&](const QJsonObject &o) {
        return o.value("content"_L1).toString() == content;
    }));
}
} // namespace

class TestCli : public QObject
{
    Q_OBJECT

    QTemporaryDir tmp;
    QProcess server;
    QUrl url;
    quint16 port = 0;

    bool startServer()
    {
        server.setProgram(QStringLiteral(CHAT_SERVER_BIN));
        server.setArguments({u"--listen"_s, u"127.0.0.1:"_s + QString::number(port), u"--data"_s,
                             tmp.filePath(u"server"_s), u"--fixture"_s,
                             tmp.filePath(u"fixture.json"_s), u"--admin-token"_s,
                             TestServer::adminToken(), u"--rate-limit"_s, u"0"_s});
        server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        server.start();
        if (!server.waitForStarted(20000))
            return false;
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (!out.contains('\n') && t.elapsed() < 20000) {
            server.waitForReadyRead(200);
            out += server.readAllStandardOutput();
        }
        const QString line = QString::fromUtf8(out).section(u'\n', 0, 0).trimmed();
        if (!line.startsWith(u"listening "_s))
            return false;
        url = QUrl(line.mid(10));
        port = quint16(url.port());
        return true;
    }

    void stopServer()
    {
        if (server.state() == QProcess::NotRunning)
            return;
        server.terminate();
        if (!server.waitForFinished(20000))
            server.kill();
        server.waitForFinished(5000);
    }

    QStringList base(const QString &user) const
    {
        return {
            u"--server"_s,   url.toString(),  u"--username"_s, user,
            u"--password"_s, user + u"-pw"_s, u"--profile"_s,  tmp.filePath(u"profile-"_s + user),
            u"--timeout"_s,  u"20"_s};
    }

    Run cli(const QStringList &args, int timeoutMs = 60000)
    {
        QProcess p;
        p.start(QStringLiteral(CHAT_CLI_BIN), args);
        Run r;
        if (!p.waitForFinished(timeoutMs)) {
            p.kill();
            p.waitForFinished();
            r.err = u"timed out"_s;
            return r;
        }
        r.exitCode = p.exitCode();
        r.lines = parseLines(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QFile f(tmp.filePath(u"fixture.json"_s));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(fixture({u"alice"_s, u"bob"_s, u"carol"_s},
                                      QJsonArray{conversation(u"ab"_s, u"direct"_s, {},
                                                              {u"alice"_s, u"bob"_s},
                                                              {{u"bob"_s, u"welcome"_s}}),
                                                 conversation(u"team"_s, u"group"_s, u"Team"_s,
                                                              {u"alice"_s, u"bob"_s, u"carol"_s})}))
                    .toJson());
        f.close();
        QVERIFY(startServer());
    }
    void cleanupTestCase() { stopServer(); }

    void helpAndUsage()
    {
        Run help = cli({u"--help"_s});
        QCOMPARE(help.exitCode, 0);
        Run none = cli(base(u"alice"_s));
        QCOMPARE(none.exitCode, 2);
        QVERIFY(none.err.contains(u"no command"_s));
        Run bad = cli(base(u"alice"_s) << u"send"_s << u"only-one-arg"_s);
        QCOMPARE(bad.exitCode, 2);
        Run badUrl = cli({u"--server"_s, u"http://x"_s, u"--username"_s, u"a"_s, u"--profile"_s,
                          tmp.filePath(u"p"_s), u"sync"_s});
        QCOMPARE(badUrl.exitCode, 2);
        QProcess p;
        p.start(QStringLiteral(CHAT_CLI_BIN), {u"--help"_s});
        QVERIFY(p.waitForFinished(20000));
        const QString text = QString::fromUtf8(p.readAllStandardOutput());
        QVERIFY(text.contains(u"Exit codes"_s));
        QVERIFY(text.contains(u"history CONVERSATION"_s));
    }

    void wrongPassword()
    {
        QStringList args = base(u"carol"_s);
        args[5] = u"not-the-password"_s;
        Run r = cli(args << u"sync"_s);
        QCOMPARE(r.exitCode, 4);
        QVERIFY(r.err.contains(u"authentication failed"_s));
    }

    void syncSendHistory()
    {
        Run sync = cli(base(u"alice"_s) << u"sync"_s);
        QCOMPARE(sync.exitCode, 0);
        QCOMPARE(sync.lines.size(), 2);
        QStringList titles;
        for (const QJsonObject &o : sync.lines)
            titles.append(o.value("title"_L1).toString());
        QVERIFY(titles.contains(u"Team"_s) && titles.contains(u"Bob"_s));

        Run send = cli(base(u"alice"_s) << u"send"_s << u"bob"_s << u"hello from the cli"_s);
        QCOMPARE(send.exitCode, 0);
        QCOMPARE(send.lines.size(), 1);
        QCOMPARE(send.lines.constFirst().value("event"_L1).toString(), u"ack"_s);
        QCOMPARE(send.lines.constFirst().value("seq"_L1).toInt(), 2);

        Run byTitle = cli(base(u"alice"_s) << u"send"_s << u"Team"_s << u"to the team"_s);
        QCOMPARE(byTitle.exitCode, 0);

        Run hist = cli(base(u"bob"_s) << u"history"_s << u"alice"_s << u"--limit"_s << u"10"_s);
        QCOMPARE(hist.exitCode, 0);
        QCOMPARE(hist.lines.size(), 2);
        QCOMPARE(hist.lines.at(0).value("content"_L1).toString(), u"welcome"_s);
        QCOMPARE(hist.lines.at(1).value("content"_L1).toString(), u"hello from the cli"_s);
        QCOMPARE(hist.lines.at(1).value("sender"_L1).toString(), u"alice"_s);

        Run unknown = cli(base(u"alice"_s) << u"send"_s << u"nobody"_s << u"x"_s);
        QCOMPARE(unknown.exitCode, 5);

        Run outbox = cli(base(u"alice"_s) << u"outbox"_s);
        QCOMPARE(outbox.exitCode, 0);
        QVERIFY(outbox.lines.isEmpty());
    }

    void registerThenUseTokenAndIds()
    {
        Run reg = cli(base(u"erin"_s) << u"--register"_s << u"sync"_s);
        QCOMPARE(reg.exitCode, 0);
        QVERIFY(reg.lines.isEmpty()); // a new account has no conversations
        // The token kept in the profile is enough now.
        QStringList noPassword = base(u"erin"_s);
        noPassword.removeAt(5);
        noPassword.removeAt(4);
        Run again = cli(noPassword << u"sync"_s);
        QCOMPARE(again.exitCode, 0);
        // Registering the same name again is refused.
        Run taken = cli(base(u"erin"_s).mid(0, 6) << u"--profile"_s << tmp.filePath(u"other"_s)
                                                  << u"--register"_s << u"sync"_s);
        QCOMPARE(taken.exitCode, 4);
        // A conversation id works as CONVERSATION too.
        Run sync = cli(base(u"alice"_s) << u"sync"_s);
        QString teamId;
        for (const QJsonObject &o : sync.lines)
            if (o.value("title"_L1).toString() == "Team"_L1)
                teamId = o.value("conversation_id"_L1).toString();
        QVERIFY(!teamId.isEmpty());
        Run send = cli(base(u"alice"_s) << u"send"_s << teamId << u"by id"_s);
        QCOMPARE(send.exitCode, 0);
        QCOMPARE(send.lines.constFirst().value("conversation_id"_L1).toString(), teamId);
    }

    void listenPrintsEvents()
    {
        QProcess listen;
        listen.start(QStringLiteral(CHAT_CLI_BIN), base(u"bob"_s)
                                                       << u"listen"_s << u"--for"_s << u"30"_s);
        QByteArray out;
        QElapsedTimer t;
        t.start();
        while (!out.contains("\"state\":\"online\"") && t.elapsed() < 20000) {
            listen.waitForReadyRead(200);
            out += listen.readAllStandardOutput();
        }
        QVERIFY(out.contains("\"state\":\"online\""));
        Run send = cli(base(u"alice"_s) << u"send"_s << u"bob"_s << u"live one"_s);
        QCOMPARE(send.exitCode, 0);
        t.restart();
        while (!out.contains("live one") && t.elapsed() < 20000) {
            listen.waitForReadyRead(200);
            out += listen.readAllStandardOutput();
        }
        listen.terminate(); // SIGTERM: a clean stop, exit 0
        QVERIFY(listen.waitForFinished(20000));
        out += listen.readAllStandardOutput();
        QCOMPARE(listen.exitCode(), 0);
        bool seen = false;
        for (const QJsonObject &o : parseLines(out))
            if (o.value("event"_L1).toString() == "message"_L1
                && o.value("content"_L1).toString() == "live one"_L1)
                seen = true;
        QVERIFY(seen);
    }

    void offlineSendIsQueuedAndDeliveredLater()
    {
        QVERIFY(cli(base(u"alice"_s) << u"sync"_s).exitCode == 0);
        stopServer();
        Run queued = cli(base(u"alice"_s) << u"send"_s << u"bob"_s << u"written offline"_s);
        QCOMPARE(queued.exitCode, 3);
        QVERIFY(queued.err.contains(u"queued"_s));
        QCOMPARE(queued.lines.size(), 1);
        QCOMPARE(queued.lines.constFirst().value("state"_L1).toString(), u"pending"_s);
        Run outbox = cli(base(u"alice"_s) << u"outbox"_s);
        QCOMPARE(outbox.exitCode, 0);
        QCOMPARE(count(outbox.lines, u"written offline"_s), 1);
        Run hist = cli(base(u"alice"_s) << u"history"_s << u"bob"_s);
        QCOMPARE(hist.exitCode, 3); // local store only
        QCOMPARE(count(hist.lines, u"written offline"_s), 1);

        QVERIFY(startServer()); // same port, same data
        Run sync = cli(base(u"alice"_s) << u"sync"_s);
        QCOMPARE(sync.exitCode, 0);
        QVERIFY(cli(base(u"alice"_s) << u"outbox"_s).lines.isEmpty());
        Run bob = cli(base(u"bob"_s) << u"history"_s << u"alice"_s);
        QCOMPARE(bob.exitCode, 0);
        QCOMPARE(count(bob.lines, u"written offline"_s), 1);
    }

    void killedBetweenWriteAndAckDeliversExactlyOnce()
    {
        AdminClient admin(url);
        QVERIFY(admin.isOpen());
        QVERIFY(admin.fault(u"alice"_s, 0, 0, /*holdAcks*/ true));
        QProcess send;
        send.start(QStringLiteral(CHAT_CLI_BIN),
                   base(u"alice"_s) << u"send"_s << u"bob"_s << u"survives SIGKILL"_s);
        QVERIFY(send.waitForStarted());
        // Wait until the server has committed it (bob can read it), the ack being held back.
        QElapsedTimer t;
        t.start();
        bool committed = false;
        while (!committed && t.elapsed() < 30000) {
            committed = count(cli(base(u"bob"_s) << u"history"_s << u"alice"_s).lines,
                              u"survives SIGKILL"_s)
                        == 1;
            if (!committed)
                QTest::qWait(100);
        }
        QVERIFY(committed);
        QCOMPARE(send.state(), QProcess::Running); // still waiting for its ack
        ::kill(pid_t(send.processId()), SIGKILL);
        QVERIFY(send.waitForFinished(20000));
        QCOMPARE(send.exitStatus(), QProcess::CrashExit);
        QVERIFY(admin.clearFaults());

        Run outbox = cli(base(u"alice"_s) << u"outbox"_s);
        QCOMPARE(count(outbox.lines, u"survives SIGKILL"_s), 1); // still unacked locally
        Run sync = cli(base(u"alice"_s) << u"sync"_s);           // resends the same client_msg_id
        QCOMPARE(sync.exitCode, 0);
        QVERIFY(cli(base(u"alice"_s) << u"outbox"_s).lines.isEmpty());
        Run mine = cli(base(u"alice"_s) << u"history"_s << u"bob"_s << u"--limit"_s << u"100"_s);
        QCOMPARE(count(mine.lines, u"survives SIGKILL"_s), 1);
        Run theirs = cli(base(u"bob"_s) << u"history"_s << u"alice"_s << u"--limit"_s << u"100"_s);
        QCOMPARE(count(theirs.lines, u"survives SIGKILL"_s), 1);
        // seq order, no holes
        for (qsizetype i = 1; i < theirs.lines.size(); ++i)
            QCOMPARE(theirs.lines.at(i).value("seq"_L1).toInt(),
                     theirs.lines.at(i - 1).value("seq"_L1).toInt() + 1);
    }

    // chat-cli killed with SIGKILL in the middle of a catch-up, while the engine's writer
    // thread is storing history pages: every page is either wholly stored with its known
    // range or not at all, and the next run completes the history, each message once.
    void killedMidCatchUpLosesNothing()
    {
        constexpr int kBacklog = 6000;
        AdminClient admin(url);
        QVERIFY(admin.isOpen());
        QString team;
        for (const QJsonObject &c : cli(base(u"bob"_s) << u"sync"_s).lines)
            if (c.value("title"_L1).toString() == "Team"_L1)
                team = c.value("conversation_id"_L1).toString();
        QVERIFY(!team.isEmpty());
        QList<QJsonObject> injects;
        for (int n = 1; n <= kBacklog; ++n)
            injects.append({{"type"_L1, u"admin_inject"_s},
                            {"as_user"_L1, u"bob"_s},
                            {"conversation_id"_L1, team},
                            {"content"_L1, u"backlog %1"_s.arg(n)}});
        int injected = 0;
        for (qsizetype i = 0; i < injects.size(); i += 1000)
            injected += admin.callMany(injects.mid(i, 1000), 120000);
        QCOMPARE(injected, kBacklog);
        const qint64 lastSeq = cli(base(u"bob"_s) << u"history"_s << u"Team"_s)
                                   .lines.constLast()
                                   .value("seq"_L1)
                                   .toInteger();
        QVERIFY(lastSeq >= kBacklog);

        // Carol has never synced. Slow her link down so the history pages arrive over seconds.
        QStringList args = base(u"carol"_s);
        const QString profile = tmp.filePath(u"profile-carol-crash"_s);
        args[args.indexOf(tmp.filePath(u"profile-carol"_s))] = profile;
        QVERIFY(admin.fault(u"carol"_s, 0, 250));
        QProcess catchUp;
        catchUp.start(QStringLiteral(CHAT_CLI_BIN), QStringList(args)
                                                        << u"history"_s << u"Team"_s << u"--limit"_s
                                                        << QString::number(lastSeq));
        QVERIFY(catchUp.waitForStarted());
        QString storePath;
        QElapsedTimer t;
        t.start();
        while (storePath.isEmpty() && t.elapsed() < 30000) {
            QDirIterator it(profile, {u"store.sqlite"_s}, QDir::Files,
                            QDirIterator::Subdirectories);
            if (it.hasNext())
                storePath = it.next();
            else
                QTest::qWait(20);
        }
        QVERIFY(!storePath.isEmpty());
        auto stored = [&] {
            qint64 n = -1;
            {
                QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"peek"_s);
                db.setDatabaseName(storePath);
                db.setConnectOptions(u"QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"_s);
                if (db.open()) {
                    QSqlQuery q(db);
                    if (q.exec(u"SELECT COUNT(*) FROM messages"_s) && q.next())
                        n = q.value(0).toLongLong();
                }
            }
            QSqlDatabase::removeDatabase(u"peek"_s);
            return n;
        };
        // Kill it once a few pages are in, well before the end.
        qint64 before = 0;
        while (t.elapsed() < 60000 && (before = stored()) < 500)
            QTest::qWait(10);
        QVERIFY2(before >= 500 && before < lastSeq, qPrintable(QString::number(before)));
        QCOMPARE(catchUp.state(), QProcess::Running);
        ::kill(pid_t(catchUp.processId()), SIGKILL);
        QVERIFY(catchUp.waitForFinished(20000));
        QCOMPARE(catchUp.exitStatus(), QProcess::CrashExit);
        QVERIFY(admin.clearFaults());

        // What survived is consistent: the known ranges hold exactly the stored messages.
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"check"_s);
            db.setDatabaseName(storePath);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(u"PRAGMA integrity_check"_s) && q.next());
            QCOMPARE(q.value(0).toString(), u"ok"_s);
            QVERIFY(q.prepare(u"SELECT r.from_seq, r.to_seq, (SELECT COUNT(*) FROM messages m "
                              "WHERE m.conversation_id = r.conversation_id AND m.seq BETWEEN "
                              "r.from_seq AND r.to_seq) FROM ranges r "
                              "WHERE r.conversation_id = ?"_s));
            q.addBindValue(team);
            QVERIFY(q.exec());
            qint64 inRanges = 0;
            while (q.next()) {
                const qint64 from = q.value(0).toLongLong(), to = q.value(1).toLongLong();
                QCOMPARE(q.value(2).toLongLong(), to - from + 1);
                inRanges += to - from + 1;
            }
            QVERIFY(q.prepare(u"SELECT COUNT(*) FROM messages WHERE conversation_id = ?"_s));
            q.addBindValue(team);
            QVERIFY(q.exec() && q.next());
            QCOMPARE(q.value(0).toLongLong(), inRanges);
            QVERIFY(inRanges >= before);
            q.finish();
            db.close();
        }
        QSqlDatabase::removeDatabase(u"check"_s);

        // The next run completes it: every seq once, in order, with its text.
        Run rest = cli(QStringList(args)
                           << u"history"_s << u"Team"_s << u"--limit"_s << QString::number(lastSeq),
                       120000);
        QCOMPARE(rest.exitCode, 0);
        QCOMPARE(rest.lines.size(), qsizetype(lastSeq));
        for (qsizetype i = 0; i < rest.lines.size(); ++i)
            QCOMPARE(rest.lines.at(i).value("seq"_L1).toInteger(), i + 1);
        QCOMPARE(rest.lines.constLast().value("content"_L1).toString(),
                 u"backlog %1"_s.arg(kBacklog));
        QCOMPARE(count(rest.lines, u"backlog 1"_s), 1);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
