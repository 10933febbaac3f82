// Notification policy: own messages, the conversation being looked at, the on/off switch, burst
// folding, and "at most once" across restarts (the watermark persisted in the profile).
#include "model/notificationbackend.h"
#include "model/notifier.h"
#include "model/profilesettings.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace Qt::StringLiterals;
using namespace chat::model;

namespace {

// Records what would have been shown.
class RecordingBackend : public NotificationBackend
{
public:
    struct Shown {
        QString tag, summary, body;
    };
    QList<Shown> shown;
    void show(const QString &tag, const QString &summary, const QString &body) override
    {
        shown.append({tag, summary, body});
    }
    QString name() const override { return u"recording"_s; }
    void click(const QString &tag) { Q_EMIT activated(tag); }
};

IncomingMessage msg(const QString &conv, qint64 seq, const QString &text, bool own = false)
{
    IncomingMessage m;
    m.conversationId = conv;
    m.conversationTitle = conv == "g"_L1 ? u"Team"_s : u"Bob"_s;
    m.group = conv == "g"_L1;
    m.senderName = u"Bob"_s;
    m.content = text;
    m.seq = seq;
    m.own = own;
    return m;
}

} // namespace

class TestNotifier : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init() { QVERIFY(m_dir.isValid()); }

    void singleMessageShowsSenderAndText()
    {
        ProfileSettings settings(m_dir.filePath(u"single"_s));
        RecordingBackend backend;
        Notifier n(&settings);
        n.setBackend(&backend);
        n.offer(msg(u"d"_s, 1, u"hello there"_s));
        QTRY_COMPARE_WITH_TIMEOUT(backend.shown.size(), 1, 10000); // after the fold window
        QCOMPARE(backend.shown[0].tag, u"d"_s);
        QCOMPARE(backend.shown[0].summary, u"Bob"_s);
        QCOMPARE(backend.shown[0].body, u"hello there"_s);
    }

    void ownAndLookedAtAreNeverShown()
    {
        ProfileSettings settings(m_dir.filePath(u"own"_s));
        RecordingBackend backend;
        Notifier n(&settings);
        n.setBackend(&backend);
        n.setActiveConversation(u"d"_s);
        n.setWindowActive(true);
        n.offer(msg(u"d"_s, 1, u"looked at"_s));
        n.offer(msg(u"g"_s, 1, u"mine"_s, true));
        n.flush();
        QCOMPARE(backend.shown.size(), 0);
        // The same conversation while the window is in the background is not "looked at".
        n.setWindowActive(false);
        n.offer(msg(u"d"_s, 2, u"in the background"_s));
        n.flush();
        QCOMPARE(backend.shown.size(), 1);
        QCOMPARE(backend.shown[0].body, u"in the background"_s);
    }

    void switchedOffShowsNothing()
    {
        ProfileSettings settings(m_dir.filePath(u"off"_s));
        settings.setNotificationsEnabled(false);
        RecordingBackend backend;
        Notifier n(&settings);
        n.setBackend(&backend);
        n.offer(msg(u"d"_s, 1, u"x"_s));
        n.flush();
        QCOMPARE(backend.shown.size(), 0);
        // ...and turning it on later does not replay what arrived meanwhile.
        settings.setNotificationsEnabled(true);
        n.offer(msg(u"d"_s, 1, u"x"_s));
        n.flush();
        QCOMPARE(backend.shown.size(), 0);
    }

    void burstsAreFolded()
    {
        ProfileSettings settings(m_dir.filePath(u"burst"_s));
        RecordingBackend backend;
        Notifier n(&settings);
        n.setBackend(&backend);
        for (int i = 1; i <= 5; ++i)
            n.offer(msg(u"d"_s, i, u"message %1"_s.arg(i)));
        n.flush();
        QCOMPARE(backend.shown.size(), 1);
        QCOMPARE(backend.shown[0].tag, u"d"_s);
        QVERIFY2(backend.shown[0].body.contains(u"5"_s), qPrintable(backend.shown[0].body));
        QVERIFY(backend.shown[0].body.contains(u"message 5"_s));

        // Two conversations at once: one summary, a click opens the most recent one.
        n.offer(msg(u"d"_s, 6, u"six"_s));
        n.offer(msg(u"g"_s, 1, u"team news"_s));
        n.flush();
        QCOMPARE(backend.shown.size(), 2);
        QCOMPARE(backend.shown[1].tag, QString());
        QVERIFY(backend.shown[1].body.contains(u"Team"_s));
        QSignalSpy open(&n, &Notifier::openConversation);
        backend.click(QString());
        QCOMPARE(open.size(), 1);
        QCOMPARE(open[0][0].toString(), u"g"_s);
        backend.click(u"d"_s);
        QCOMPARE(open[1][0].toString(), u"d"_s);
    }

    void atMostOnceAcrossRestarts()
    {
        const QString profile = m_dir.filePath(u"restart"_s);
        {
            ProfileSettings settings(profile);
            RecordingBackend backend;
            Notifier n(&settings);
            n.setBackend(&backend);
            n.offer(msg(u"d"_s, 1, u"first"_s));
            n.offer(msg(u"d"_s, 1, u"first"_s)); // push and sync both deliver it
            n.flush();
            QCOMPARE(backend.shown.size(), 1);
        }
        // A new process: same profile, the catch-up sync offers seq 1 again, and seq 2.
        ProfileSettings settings(profile);
        RecordingBackend backend;
        Notifier n(&settings);
        n.setBackend(&backend);
        n.offer(msg(u"d"_s, 1, u"first"_s));
        n.offer(msg(u"d"_s, 2, u"second"_s));
        n.flush();
        QCOMPARE(backend.shown.size(), 1);
        QCOMPARE(backend.shown[0].body, u"second"_s);
        QCOMPARE(settings.notifiedSeq(u"d"_s), 2);
    }

    void watermarksAreCoalescedAndWrittenBeforeShowing()
    {
        // A catch-up moves the watermark of every conversation it touches, over many
        // event-loop turns; each sync() rewrites and fsyncs the whole file on the UI thread (it
        // is replaced by a rename, so the inode tells whether it happened). One per message
        // froze the UI for seconds; one per turn was ~30 fsyncs in a 100k catch-up.
        const QString dir = m_dir.filePath(u"turns"_s);
        ProfileSettings settings(dir);
        settings.setTheme(u"dark"_s); // the file exists from here on
        const QString file = QDir(dir).filePath(u"settings.ini"_s);
        auto inode = [&file] {
            struct stat st { };
            return ::stat(QFile::encodeName(file).constData(), &st) == 0 ? qint64(st.st_ino) : -1;
        };
        const qint64 before = inode();
        QVERIFY(before > 0);
        // 20 turns back to back (far less than the one-second write interval).
        for (int turn = 0; turn < 20; ++turn) {
            for (int i = 0; i < 25; ++i)
                settings.setNotifiedSeq(u"c%1"_s.arg(turn * 25 + i), turn * 25 + i + 1);
            QCoreApplication::processEvents();
        }
        QCOMPARE(inode(), before); // nothing written yet: one write follows, for all of them
        QCOMPARE(settings.notifiedSeq(u"c499"_s), 500);
        QTRY_VERIFY_WITH_TIMEOUT(inode() != before, 10000);
        auto onDisk = [&file] {
            QFile f(file);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        };
        QVERIFY(onDisk().contains("YzQ5OQ=500")); // key: "c499" in base64url

        // A notification is shown only once its watermark is on disk (no event-loop turn has
        // run since: the coalesced write has not happened, Notifier::flush wrote it).
        RecordingBackend backend;
        Notifier n(&settings);
        n.setBackend(&backend);
        n.offer(msg(u"d"_s, 7, u"persisted first"_s));
        n.flush();
        QCOMPARE(backend.shown.size(), 1);
        QVERIFY(onDisk().contains("ZA=7")); // key: "d"

        // Quitting writes what the interval had not yet.
        const QString exitDir = m_dir.filePath(u"exit"_s);
        {
            ProfileSettings quitting(exitDir);
            quitting.setNotifiedSeq(u"e"_s, 3);
        }
        QCOMPARE(ProfileSettings(exitDir).notifiedSeq(u"e"_s), 3);
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestNotifier)
#include "tst_notifier.moc"
