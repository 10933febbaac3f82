// Local search with the real engine and the reference server in process: history fetched
// from the server and live pushes are indexed as they are stored; a hit whose surroundings
// exist only on the server is opened with loadAround() and its context arrives; chat-cli
// search as a real process (JSON lines newest first, --conversation, hostile queries).
#include "harness.h"
#include "sync/localstore.h"
#include "sync/search.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace chat::sync;
using namespace chat::test;

namespace {
QString content(int seq)
{
    if (seq == 60)
        return u"the Müller contract is signed"_s;
    if (seq == 190)
        return u"Müller again, about the café"_s;
    if (seq == 120)
        return u"wir treffen uns in der Straße am Markt"_s;
    return u"filler message "_s + QString::number(seq);
}

QList<SearchHit> find(SyncEngine &e, const QString &text, const QString &conv = {})
{
    MessageSearch search(*e.store());
    SearchQuery q;
    q.text = text;
    q.conversationId = conv;
    auto page = search.search(q, e.currentUserId());
    if (!page) {
        qWarning() << page.error().message;
        return {};
    }
    return page.value().hits;
}
} // namespace

class TestSyncSearchEngine : public QObject
{
    Q_OBJECT

    QTemporaryDir tmp;
    std::unique_ptr<TestServer> server;
    int n = 0;

    QString dir(const QString &who) { return tmp.filePath(who + QString::number(n)); }

    std::unique_ptr<SyncEngine> online(const QString &user)
    {
        auto e = makeEngine(dir(user), server->url(), user);
        if (!e)
            return nullptr;
        connectEngine(*e, server->url(), user, dir(user));
        if (!QTest::qWaitFor([&] { return e->isOnline() && e->isCaughtUp(); }, 20000))
            return nullptr;
        return e;
    }

private Q_SLOTS:
    void init()
    {
        ++n;
        QList<QPair<QString, QString>> msgs;
        for (int seq = 1; seq <= 200; ++seq)
            msgs.append({seq % 2 ? u"bob"_s : u"alice"_s, content(seq)});
        server = std::make_unique<TestServer>(
            fixture({u"alice"_s, u"bob"_s, u"carol"_s},
                    {conversation(u"ab"_s, u"direct"_s, {}, {u"alice"_s, u"bob"_s}, msgs),
                     conversation(u"g"_s, u"group"_s, u"Team"_s, {u"alice"_s, u"bob"_s, u"carol"_s},
                                  {{u"carol"_s, u"Müller called"_s}})}));
        QString error;
        QVERIFY2(server->start(&error), qPrintable(error));
    }
    void cleanup() { server.reset(); }

    void jumpLoadsContextFromTheServer()
    {
        auto alice = online(u"alice"_s);
        QVERIFY(alice);
        const QString conv = alice->findConversation(u"bob"_s)->conversationId;
        // Catch-up stored only the newest page: seq 190 is searchable, 60 is not yet.
        QVERIFY(alice->messagesInRange(conv, 60, 60).isEmpty());
        auto hits = find(*alice, u"muller"_s, conv);
        QCOMPARE(hits.size(), 1);
        QCOMPARE(hits.constFirst().message.seq, 190);

        // The message alone arrives (e.g. seen in a notification): now it is a hit whose
        // surroundings exist only on the server.
        QSignalSpy loaded(alice.get(), &SyncEngine::historyLoaded);
        QVERIFY(!alice->loadAround(conv, 60, 0));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 1, 20000);
        hits = find(*alice, u"muller"_s, conv);
        QCOMPARE(hits.size(), 2);
        const SearchHit hit = hits.at(1);
        QCOMPARE(hit.message.seq, 60);
        QCOMPARE(hit.message.content, content(60));
        QCOMPARE(alice->messagesInRange(conv, 50, 70).size(), 1);

        // Opening the hit: context on both sides comes from the server.
        QVERIFY(!alice->loadAround(conv, hit.message.seq, 10));
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 2, 20000);
        QVERIFY(loaded.at(1).at(1).toBool());
        const auto around = alice->messagesInRange(conv, 50, 70);
        QCOMPARE(around.size(), 21);
        QCOMPARE(around.at(10).content, content(60));
        // Everything fetched is searchable.
        QCOMPARE(find(*alice, u"\"filler message 55\""_s).size(), 1);
        // A second jump to the same place needs no server.
        QVERIFY(alice->loadAround(conv, hit.message.seq, 10));
    }

    void livePushesAreSearchable()
    {
        auto alice = online(u"alice"_s);
        auto bob = online(u"bob"_s);
        QVERIFY(alice && bob);
        const QString team = bob->findConversation(u"Team"_s)->conversationId;
        QVERIFY(bob->send(team, u"Grüße aus Köln, naïve question"_s));
        QTRY_COMPARE_WITH_TIMEOUT(find(*alice, u"koln naive"_s).size(), 1, 20000);
        const SearchHit hit = find(*alice, u"grüße"_s).constFirst();
        QCOMPARE(hit.message.conversationId, team);
        QVERIFY(!hit.message.outgoing);
        // The sender's own copy (acked) is indexed too.
        QTRY_COMPARE_WITH_TIMEOUT(find(*bob, u"koln"_s).size(), 1, 20000);
        QVERIFY(find(*bob, u"koln"_s).constFirst().message.outgoing);
    }

    void cliSearchPrintsJsonLines()
    {
        const QString profile = tmp.filePath(u"cli"_s + QString::number(n));
        auto run = [&](const QStringList &args, int *exitCode) -> QList<QJsonObject> {
            QProcess p;
            p.setProgram(QStringLiteral(CHAT_CLI_BIN));
            p.setArguments(QStringList{u"--server"_s, server->url().toString(), u"--username"_s,
                                       u"alice"_s, u"--password"_s, u"alice-pw"_s, u"--profile"_s,
                                       profile}
                           + args);
            p.start();
            // The server runs in this process: keep its event loop turning meanwhile.
            if (!QTest::qWaitFor([&] { return p.state() == QProcess::NotRunning; }, 60000)) {
                p.kill();
                p.waitForFinished();
            }
            *exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
            QList<QJsonObject> lines;
            for (const QByteArray &l : p.readAllStandardOutput().split('\n'))
                if (!l.trimmed().isEmpty())
                    lines.append(QJsonDocument::fromJson(l).object());
            return lines;
        };
        int rc = -1;
        run({u"history"_s, u"bob"_s, u"--limit"_s, u"200"_s}, &rc);
        QCOMPARE(rc, 0);

        auto lines = run({u"search"_s, u"muller"_s}, &rc);
        QCOMPARE(rc, 0);
        QCOMPARE(lines.size(), 3);
        // Newest first (by time, whatever the conversation).
        for (int i = 1; i < lines.size(); ++i)
            QVERIFY(lines.at(i - 1).value("ts"_L1).toInteger()
                    >= lines.at(i).value("ts"_L1).toInteger());
        for (const QJsonObject &o : lines) {
            const QJsonArray span = o.value("matches"_L1).toArray().at(0).toArray();
            QCOMPARE(o.value("content"_L1).toString().mid(span.at(0).toInt(), span.at(1).toInt()),
                     u"Müller"_s);
            QVERIFY(o.value("snippet"_L1).toString().contains(u"Müller"_s));
        }

        lines = run({u"search"_s, u"muller"_s, u"--conversation"_s, u"bob"_s, u"--limit"_s, u"1"_s},
                    &rc);
        QCOMPARE(rc, 0);
        QCOMPARE(lines.size(), 1);
        QCOMPARE(lines.constFirst().value("seq"_L1).toInt(), 190);
        QCOMPARE(lines.constFirst().value("content"_L1).toString(), content(190));

        // "ß" is searched as "ss"; the match still points at the original text.
        lines = run({u"search"_s, u"strasse"_s}, &rc);
        QCOMPARE(rc, 0);
        QCOMPARE(lines.size(), 1);
        QCOMPARE(lines.constFirst().value("seq"_L1).toInt(), 120);
        {
            const QJsonObject &o = lines.constFirst();
            const QJsonArray span = o.value("matches"_L1).toArray().at(0).toArray();
            QCOMPARE(o.value("content"_L1).toString().mid(span.at(0).toInt(), span.at(1).toInt()),
                     u"Straße"_s);
        }

        lines = run({u"search"_s, u"\"contract signed\""_s}, &rc);
        QCOMPARE(rc, 0);
        QCOMPARE(lines.size(), 0); // a phrase: "contract is signed" does not match
        lines = run({u"search"_s, u"\"contract is\" sign"_s}, &rc);
        QCOMPARE(lines.size(), 1);
        QCOMPARE(lines.constFirst().value("seq"_L1).toInt(), 60);

        for (const QString &hostile : {u"NEAR(\"a"_s, u"*"_s, u"(((("_s, u"OR AND NOT"_s}) {
            run({u"search"_s, hostile}, &rc);
            QCOMPARE(rc, 0);
        }
        run({u"search"_s, u"x"_s, u"--conversation"_s, u"nobody"_s}, &rc);
        QCOMPARE(rc, 5);
    }
};

QTEST_GUILESS_MAIN(TestSyncSearchEngine)
#include "tst_sync_search_engine.moc"
