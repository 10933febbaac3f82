// End to end for the demo bot: a real in-process server (port 0, temporary store), a real
// chat-demo-bot process signed in as bob, and alice on her own SyncEngine. Alice writes to bob,
// sees bob typing, then gets his answer; bob also posts in the group (typing first); SIGTERM
// stops the bot cleanly.
#include "chatserver.h"
#include "serverconfig.h"
#include "sync/syncengine.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using chat::sync::SyncEngine;

namespace {
constexpr int kTimeout = 20000;

QJsonObject user(const QString &name, const QString &display)
{
    return {{u"username"_s, name},
            {u"password"_s, QString(name + u"-pw"_s)},
            {u"display_name"_s, display}};
}
} // namespace

class TestDemoBot : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void aliceWritesBobTypesAndReplies()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QJsonObject fixture{
            {u"users"_s,
             QJsonArray{user(u"alice"_s, u"Alice Martin"_s), user(u"bob"_s, u"Bob Keller"_s)}},
            {u"conversations"_s,
             QJsonArray{QJsonObject{{u"key"_s, u"ab"_s},
                                    {u"kind"_s, u"direct"_s},
                                    {u"members"_s, QJsonArray{u"alice"_s, u"bob"_s}}},
                        QJsonObject{{u"key"_s, u"team"_s},
                                    {u"kind"_s, u"group"_s},
                                    {u"title"_s, u"Team"_s},
                                    {u"members"_s, QJsonArray{u"alice"_s, u"bob"_s}}}}}};
        QFile f(dir.filePath(u"fixture.json"_s));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QJsonDocument(fixture).toJson());
        f.close();

        chat::server::ServerConfig config;
        config.dataDir = dir.filePath(u"server"_s);
        config.fixtureFile = f.fileName();
        chat::server::ChatServer server(config);
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));

        QProcess bot;
        bot.setProgram(QStringLiteral(CHAT_BIN_DIR) + u"/chat-demo-bot"_s);
        bot.setArguments({u"--server"_s, server.url().toString(), u"--profile"_s,
                          dir.filePath(u"bot"_s), u"--as"_s, u"bob"_s, u"--password-suffix"_s,
                          u"-pw"_s, u"--chatter"_s, u"2-3"_s});
        bot.setProcessChannelMode(QProcess::MergedChannels);
        QByteArray log;
        connect(&bot, &QProcess::readyRead, this, [&] { log += bot.readAll(); });
        bot.start();
        QVERIFY2(bot.waitForStarted(10000), qPrintable(bot.errorString()));
        QTRY_VERIFY2_WITH_TIMEOUT(log.contains("bob: online"), log.constData(), kTimeout);

        SyncEngine alice;
        SyncEngine::Options options;
        options.dataDir = dir.filePath(u"alice"_s);
        chat::net::Credentials c;
        c.username = u"alice"_s;
        c.password = u"alice-pw"_s;
        alice.connectToServer(server.url(), c, options);
        QTRY_VERIFY_WITH_TIMEOUT(alice.isOnline(), kTimeout);
        QTRY_VERIFY_WITH_TIMEOUT(alice.findConversation(u"bob"_s).has_value(), kTimeout);
        const auto ab = *alice.findConversation(u"bob"_s);
        const QString bobId = ab.otherUserId;

        // Typing is in memory only: record every moment bob was seen typing.
        bool sawTypingInDirect = false, sawTypingInGroup = false;
        const QString team = alice.findConversation(u"Team"_s)->conversationId;
        connect(&alice, &SyncEngine::typingChanged, this, [&](const QString &conv) {
            if (alice.typingUsers(conv).contains(bobId))
                (conv == team ? sawTypingInGroup : sawTypingInDirect) = true;
        });
        auto fromBob = [&](const QString &conv) {
            const auto msgs = alice.messages(conv, 0, 50);
            return std::count_if(msgs.cbegin(), msgs.cend(),
                                 [&](const auto &m) { return m.senderId == bobId; });
        };
        const auto before = fromBob(ab.conversationId);
        QVERIFY(alice.send(ab.conversationId, u"Hi Bob, lunch today?"_s));
        QTRY_VERIFY2_WITH_TIMEOUT(sawTypingInDirect, log.constData(), kTimeout);
        QTRY_VERIFY2_WITH_TIMEOUT(fromBob(ab.conversationId) == before + 1, log.constData(),
                                  kTimeout);
        QVERIFY(log.contains("bob: alice wrote: Hi Bob, lunch today?"));

        // Group chatter every 2-3 s, typing first.
        QTRY_VERIFY2_WITH_TIMEOUT(fromBob(team) >= 1, log.constData(), kTimeout);
        QVERIFY(sawTypingInGroup);

        bot.terminate(); // SIGTERM
        QVERIFY(bot.waitForFinished(kTimeout));
        QCOMPARE(bot.exitStatus(), QProcess::NormalExit);
        QCOMPARE(bot.exitCode(), 0);
        log += bot.readAll();
        QVERIFY(log.contains("chat-demo-bot: stopping"));
        alice.disconnectFromServer();
        server.stop();
    }

    void helpAndBadArguments()
    {
        QProcess p;
        p.start(QStringLiteral(CHAT_BIN_DIR) + u"/chat-demo-bot"_s, {u"--help"_s});
        QVERIFY(p.waitForFinished(kTimeout));
        QCOMPARE(p.exitCode(), 0);
        const QByteArray help = p.readAllStandardOutput();
        for (const char *opt : {"--server", "--profile", "--as", "--password-suffix", "--chatter"})
            QVERIFY2(help.contains(opt), opt);
        p.start(QStringLiteral(CHAT_BIN_DIR) + u"/chat-demo-bot"_s,
                {u"--server"_s, u"http://x"_s, u"--profile"_s, u"/tmp"_s});
        QVERIFY(p.waitForFinished(kTimeout));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(p.readAll().contains("--server needs a ws://"));
    }
};

QTEST_GUILESS_MAIN(TestDemoBot)
#include "tst_e2e_demobot.moc"
