// End to end: a real chat-server process and two real chat-desktop processes (offscreen, each
// with its own profile) running at the same time. Each opens the conversation with the other,
// sends a message and takes a screenshot before quitting. Then both local stores are opened
// with the sync engine: each holds both messages, and the ticks are true - A's message is
// "read" on A's side because B had it on screen.
#include "sync/syncengine.h"

#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using chat::sync::DeliveryState;
using chat::sync::SyncEngine;

namespace {
constexpr int kTimeout = 90000;
const QString kBin = QStringLiteral(CHAT_BIN_DIR);
const QString kFixture = QStringLiteral(CHAT_E2E_FIXTURE);

QProcessEnvironment guiEnv()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    env.insert(u"QT_QUICK_CONTROLS_STYLE"_s, u"Basic"_s);
    env.insert(u"LANGUAGE"_s, u"en"_s);
    return env;
}

// Distinct colours in a sample of pixels: a blank or black frame has one or two.
int colourCount(const QImage &img)
{
    QSet<QRgb> colours;
    for (int y = 0; y < img.height(); y += 7)
        for (int x = 0; x < img.width(); x += 7)
            colours.insert(img.pixel(x, y));
    return int(colours.size());
}
} // namespace

class TestE2EDesktop : public QObject
{
    Q_OBJECT
    QTemporaryDir dir;
    QProcess server;
    QString url;

    QStringList desktopArgs(const QString &user, const QString &password, const QString &peer,
                            const QString &text, const QString &shot) const
    {
        return {u"--server"_s,     url,  u"--profile"_s,    dir.filePath(user),
                u"--username"_s,   user, u"--password"_s,   password,
                u"--open"_s,       peer, u"--send"_s,       text,
                u"--screenshot"_s, shot, u"--quit-after"_s, u"15000"_s};
    }

    // Reads a profile's local store with the engine (offline, no server needed).
    QList<chat::sync::LocalMessage> storedMessages(const QString &user, const QString &peer)
    {
        SyncEngine engine;
        SyncEngine::Options options;
        options.dataDir = dir.filePath(user) + u"/accounts"_s;
        const auto opened = engine.openAccount(QUrl(url), user, options);
        if (!opened) {
            qWarning() << "cannot open the store of" << user << opened.error().message;
            return {};
        }
        const auto conv = engine.findConversation(peer);
        if (!conv)
            return {};
        return engine.messages(conv->conversationId, 0, 200);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(dir.isValid());
        server.setProgram(kBin + u"/chat-server"_s);
        server.setArguments({u"--listen"_s, u"127.0.0.1:0"_s, u"--data"_s,
                             dir.filePath(u"server"_s), u"--fixture"_s, kFixture});
        server.setProcessChannelMode(QProcess::SeparateChannels);
        server.start();
        QVERIFY2(server.waitForStarted(kTimeout), qPrintable(server.errorString()));
        const QRegularExpression listening(u"listening (ws://\\S+)"_s);
        QString out;
        QVERIFY(QTest::qWaitFor(
            [&] {
                out += QString::fromUtf8(server.readAllStandardOutput());
                const auto m = listening.match(out);
                if (m.hasMatch())
                    url = m.captured(1);
                return !url.isEmpty() || server.state() != QProcess::Running;
            },
            kTimeout));
        QVERIFY2(!url.isEmpty(),
                 qPrintable(out + QString::fromUtf8(server.readAllStandardError())));
    }

    void cleanupTestCase()
    {
        if (server.state() == QProcess::Running) {
            server.terminate();
            QVERIFY(server.waitForFinished(kTimeout));
            QCOMPARE(server.exitCode(), 0);
        }
    }

    void twoDesktopsTalk()
    {
        const QString fromA = u"Hello Bob, this is desktop A"_s;
        const QString fromB = u"Hi Alice, desktop B here"_s;
        const QString shotA = dir.filePath(u"a.png"_s);
        const QString shotB = dir.filePath(u"b.png"_s);

        QProcess a, b;
        for (QProcess *p : {&a, &b}) {
            p->setProgram(kBin + u"/chat-desktop"_s);
            p->setProcessEnvironment(guiEnv());
        }
        a.setArguments(desktopArgs(u"alice"_s, u"alice-pw"_s, u"bob"_s, fromA, shotA));
        b.setArguments(desktopArgs(u"bob"_s, u"bob-pw1"_s, u"alice"_s, fromB, shotB));
        a.start();
        b.start();
        QVERIFY(a.waitForStarted(kTimeout));
        QVERIFY(b.waitForStarted(kTimeout));
        QVERIFY(a.waitForFinished(kTimeout));
        QVERIFY(b.waitForFinished(kTimeout));
        const QString logA = QString::fromUtf8(a.readAllStandardError());
        const QString logB = QString::fromUtf8(b.readAllStandardError());
        QVERIFY2(a.exitStatus() == QProcess::NormalExit && a.exitCode() == 0, qPrintable(logA));
        QVERIFY2(b.exitStatus() == QProcess::NormalExit && b.exitCode() == 0, qPrintable(logB));
        QVERIFY(QString::fromUtf8(a.readAllStandardOutput()).contains(u"screenshot "_s));

        // Real frames were rendered.
        for (const QString &shot : {shotA, shotB}) {
            const QImage img(shot);
            QVERIFY2(!img.isNull(), qPrintable(shot));
            QVERIFY(img.width() >= 640 && img.height() >= 460);
            QVERIFY2(colourCount(img) > 20, qPrintable(shot));
        }

        // Both stores hold both messages, in the same order.
        const auto inA = storedMessages(u"alice"_s, u"bob"_s);
        const auto inB = storedMessages(u"bob"_s, u"alice"_s);
        auto find = [](const QList<chat::sync::LocalMessage> &list, const QString &text) {
            for (const auto &m : list)
                if (m.content == text)
                    return std::optional(m);
            return std::optional<chat::sync::LocalMessage>();
        };
        for (const auto *list : {&inA, &inB}) {
            QVERIFY(find(*list, fromA).has_value());
            QVERIFY(find(*list, fromB).has_value());
        }
        QCOMPARE(find(inA, fromA)->seq, find(inB, fromA)->seq);
        QCOMPARE(find(inA, fromB)->seq, find(inB, fromB)->seq);
        QVERIFY(find(inA, fromA)->outgoing);
        QVERIFY(!find(inB, fromA)->outgoing);
        // B had the conversation open in its (active) window: A's tick says "read".
        QCOMPARE(chat::sync::deliveryStateName(find(inA, fromA)->state), u"read"_s);
        QCOMPARE(chat::sync::deliveryStateName(find(inB, fromB)->state), u"read"_s);
    }

    void restartKeepsHistoryOffline()
    {
        // The server is gone; a restarted desktop still opens with its history from the store
        // and says it is offline.
        server.terminate();
        QVERIFY(server.waitForFinished(kTimeout));
        QProcess a;
        a.setProgram(kBin + u"/chat-desktop"_s);
        a.setProcessEnvironment(guiEnv());
        const QString shot = dir.filePath(u"a-offline.png"_s);
        a.setArguments({u"--server"_s, url, u"--profile"_s, dir.filePath(u"alice"_s),
                        u"--username"_s, u"alice"_s, u"--password"_s, u"alice-pw"_s, u"--open"_s,
                        u"bob"_s, u"--screenshot"_s, shot, u"--quit-after"_s, u"4000"_s});
        a.start();
        QVERIFY(a.waitForFinished(kTimeout));
        QCOMPARE(a.exitCode(), 0);
        QVERIFY(colourCount(QImage(shot)) > 20);
        QVERIFY(!storedMessages(u"alice"_s, u"bob"_s).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestE2EDesktop)
#include "tst_e2e_desktop.moc"
