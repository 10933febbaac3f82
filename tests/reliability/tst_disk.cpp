// Disk failures under a real chat-server process: fsync failing (libfiu's POSIX preload,
// switched on and off at run time with fiu-ctrl) and a full disk (a 4 MiB tmpfs the test
// mounts when it runs as root; otherwise libfiu makes pwrite fail with ENOSPC). While the
// disk fails, a send is answered `unavailable`, never acked; once it works again the same
// sends (same client_msg_id) are acked and the store holds every acked message once, in a
// gapless seq. A SIGKILL while the disk fails loses nothing that was acked.
#include "rawws.h"
#include "serverprocess.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <sys/mount.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace chat::reliability;

class TstDisk : public QObject
{
    Q_OBJECT
    QTemporaryDir m_tmp;
    QString m_fixture;
    int m_nextId = 0;

    std::unique_ptr<ServerProcess> server(const QString &dataDir, bool withFiu)
    {
        QStringList command{QStringLiteral(CHAT_SERVER_BIN)};
        if (withFiu)
            command = QStringList{u"fiu-run"_s, u"-x"_s, u"-f"_s, ctrlBase(), u"--"_s} + command;
        return std::make_unique<ServerProcess>(command, dataDir,
                                               QStringList{u"--fixture"_s, m_fixture});
    }
    QString ctrlBase() const { return m_tmp.filePath(u"fiu-ctrl"_s); }

    // fiu-run may start the server under another process id than its own: the control
    // fifo it creates (<base>-<pid>.in) names the right one.
    bool fiu(const ServerProcess &, const QString &command)
    {
        QStringList fifos =
            QDir(m_tmp.path()).entryList({u"fiu-ctrl-*.in"_s}, QDir::System, QDir::Time);
        if (fifos.isEmpty())
            return false;
        const QString pid = fifos.first().section(u'-', 2, 2).section(u'.', 0, 0);
        QProcess p;
        p.start(u"fiu-ctrl"_s, {u"-f"_s, ctrlBase(), u"-c"_s, command, pid});
        if (!p.waitForFinished(20000))
            return false;
        const QByteArray err = p.readAllStandardError();
        if (!err.isEmpty())
            qWarning("fiu-ctrl: %s", err.constData());
        return p.exitCode() == 0 && err.isEmpty();
    }

    std::unique_ptr<RawWs> login(const ServerProcess &s, QString *conv)
    {
        auto ws = std::make_unique<RawWs>();
        if (!ws->handshake(s.port()))
            return nullptr;
        ws->sendJson({{"type"_L1, "login"_L1},
                      {"id"_L1, "l"_L1},
                      {"username"_L1, "alice"_L1},
                      {"password"_L1, "alice-pw"_L1}});
        ws->sendJson({{"type"_L1, "sync"_L1}, {"id"_L1, "y"_L1}, {"since"_L1, QJsonValue()}});
        const QJsonObject y = answer(*ws, u"y"_s);
        for (const QJsonValue &c : y.value("conversations"_L1).toArray())
            *conv = c.toObject()
                        .value("conversation"_L1)
                        .toObject()
                        .value("conversation_id"_L1)
                        .toString();
        return conv->isEmpty() ? nullptr : std::move(ws);
    }

    static QJsonObject answer(RawWs &ws, const QString &id)
    {
        while (const auto f = ws.nextJson(30000))
            if (f->value("id"_L1).toString() == id)
                return *f;
        return {};
    }

    QJsonObject send(RawWs &ws, const QString &conv, const QString &key, const QString &text)
    {
        const QString id = u"s%1"_s.arg(++m_nextId);
        ws.sendJson({{"type"_L1, "send"_L1},
                     {"id"_L1, id},
                     {"conversation_id"_L1, conv},
                     {"client_msg_id"_L1, key},
                     {"content"_L1, text}});
        return answer(ws, id);
    }

    // Every stored message (seq -> content), through history pages.
    QMap<qint64, QString> stored(RawWs &ws, const QString &conv)
    {
        QMap<qint64, QString> all;
        qint64 before = 0;
        for (;;) {
            const QString id = u"h%1"_s.arg(++m_nextId);
            QJsonObject req{{"type"_L1, "history"_L1},
                            {"id"_L1, id},
                            {"conversation_id"_L1, conv},
                            {"limit"_L1, 200}};
            if (before > 0)
                req.insert("before_seq"_L1, before);
            ws.sendJson(req);
            const QJsonArray ms = answer(ws, id).value("messages"_L1).toArray();
            for (const QJsonValue &m : ms) {
                const QJsonObject o = m.toObject();
                all.insert(o.value("seq"_L1).toInteger(), o.value("content"_L1).toString());
            }
            if (ms.isEmpty() || all.firstKey() <= 1)
                return all;
            before = all.firstKey();
        }
    }

    // The scenario shared by every kind of disk failure: `fail` breaks the disk, `heal` mends it.
    void failingDiskNeverAcksThenRecovers(ServerProcess &srv, const std::function<bool()> &fail,
                                          const std::function<bool()> &heal, int bigText)
    {
        QString conv;
        auto ws = login(srv, &conv);
        QVERIFY(ws);
        QHash<QString, qint64> acked; // client_msg_id -> seq
        QStringList unavailable;
        const QString pad(bigText, u'x');
        for (int i = 0; i < 3; ++i) {
            const QJsonObject a = send(*ws, conv, u"ok-%1"_s.arg(i), u"ok-%1 "_s.arg(i) + pad);
            QCOMPARE(a.value("type"_L1).toString(), u"ack"_s);
            acked.insert(u"ok-%1"_s.arg(i), a.value("seq"_L1).toInteger());
        }
        QVERIFY(fail());
        for (int i = 0; i < 20; ++i) {
            const QString key = u"df-%1"_s.arg(i);
            const QJsonObject a = send(*ws, conv, key, key + u' ' + pad);
            const QString type = a.value("type"_L1).toString();
            if (type == "ack"_L1) {
                acked.insert(key, a.value("seq"_L1).toInteger()); // must then be stored
            } else {
                QCOMPARE(type, u"error"_s);
                QCOMPARE(a.value("code"_L1).toString(), u"unavailable"_s);
                unavailable.append(key);
            }
        }
        QVERIFY2(!unavailable.isEmpty(), "the disk failure was never noticed");
        qInfo("disk: %lld acked, %lld unavailable while failing", qint64(acked.size()) - 3,
              qint64(unavailable.size()));
        QVERIFY(heal());
        // Retries of the same sends succeed (possibly after a moment: the store reopens).
        for (const QString &key : std::as_const(unavailable)) {
            QJsonObject a;
            QVERIFY(QTest::qWaitFor(
                [&] {
                    a = send(*ws, conv, key, key + u' ' + pad);
                    return a.value("type"_L1).toString() == "ack"_L1;
                },
                30000));
            acked.insert(key, a.value("seq"_L1).toInteger());
        }
        const QMap<qint64, QString> all = stored(*ws, conv);
        QCOMPARE(all.size(), acked.size());
        qint64 expect = 1;
        for (auto it = all.cbegin(); it != all.cend(); ++it, ++expect)
            QCOMPARE(it.key(), expect); // gapless
        for (auto it = acked.cbegin(); it != acked.cend(); ++it)
            QVERIFY2(all.value(it.value()).startsWith(it.key() + u' '), qPrintable(it.key()));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        m_fixture = m_tmp.filePath(u"fixture.json"_s);
        QFile f(m_fixture);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"users":[{"username":"alice","password":"alice-pw"},
                             {"username":"bob","password":"bob-pw"}],
                   "conversations":[{"key":"ab","kind":"group","title":"ab",
                                     "members":["alice","bob"]}]})");
    }

    void fsyncFailsIsUnavailableThenRecovers()
    {
        auto srv = server(m_tmp.filePath(u"fsync"_s), true);
        QString err;
        QVERIFY2(srv->start(&err), qPrintable(err));
        failingDiskNeverAcksThenRecovers(
            *srv, [&] { return fiu(*srv, u"enable name=posix/io/sync/*"_s); },
            [&] { return fiu(*srv, u"disable name=posix/io/sync/*"_s); }, 10);
    }

    void diskFullIsUnavailableThenRecovers()
    {
        const QString dir = m_tmp.filePath(u"full"_s);
        QDir().mkpath(dir);
        // CHAT_RELIABILITY_NO_TMPFS=1 takes the libfiu path even as root.
        const bool tmpfs =
            ::geteuid() == 0 && !qEnvironmentVariableIsSet("CHAT_RELIABILITY_NO_TMPFS")
            && ::mount("tmpfs", dir.toLocal8Bit().constData(), "tmpfs", 0, "size=4m") == 0;
        qInfo("disk full: %s", tmpfs ? "a real 4 MiB tmpfs" : "libfiu ENOSPC on pwrite");
        auto srv = server(dir + u"/data"_s, !tmpfs);
        QString err;
        QVERIFY2(srv->start(&err), qPrintable(err));
        const QString filler = dir + u"/filler"_s;
        auto fill = [&] {
            QFile f(filler);
            if (!f.open(QIODevice::WriteOnly))
                return false;
            const QByteArray block(64 * 1024, '\0');
            while (f.write(block) == block.size() && f.flush()) { }
            // Byte by byte to the last one.
            while (f.write("x", 1) == 1 && f.flush()) { }
            return true;
        };
        if (tmpfs) {
            failingDiskNeverAcksThenRecovers(
                *srv, fill, [&] { return QFile::remove(filler); }, 3900);
        } else {
            failingDiskNeverAcksThenRecovers(
                *srv, [&] { return fiu(*srv, u"enable name=posix/io/rw/pwrite*,failinfo=28"_s); },
                [&] { return fiu(*srv, u"disable name=posix/io/rw/pwrite*"_s); }, 3900);
        }
        srv.reset();
        if (tmpfs)
            QCOMPARE(::umount(dir.toLocal8Bit().constData()), 0);
    }

    // Acked before the disk failed, then SIGKILL while it fails: after a restart on a
    // working disk every acked message is there.
    void sigkillWhileDiskFailsKeepsAcked()
    {
        const QString dir = m_tmp.filePath(u"kill"_s);
        auto srv = server(dir, true);
        QString err;
        QVERIFY2(srv->start(&err), qPrintable(err));
        QString conv;
        auto ws = login(*srv, &conv);
        QVERIFY(ws);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(send(*ws, conv, u"k%1"_s.arg(i), u"k%1"_s.arg(i)).value("type"_L1).toString(),
                     u"ack"_s);
        QVERIFY(fiu(*srv, u"enable name=posix/io/sync/*"_s));
        QCOMPARE(send(*ws, conv, u"lost"_s, u"lost"_s).value("code"_L1).toString(),
                 u"unavailable"_s);
        srv->sigkill();
        ws.reset();
        auto again = server(dir, false);
        QVERIFY2(again->start(&err), qPrintable(err));
        auto ws2 = login(*again, &conv);
        QVERIFY(ws2);
        const QMap<qint64, QString> all = stored(*ws2, conv);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(all.value(i + 1), u"k%1"_s.arg(i));
        QVERIFY(all.size() == 5 || (all.size() == 6 && all.value(6) == "lost"_L1));
    }
};

QTEST_GUILESS_MAIN(TstDisk)
#include "tst_disk.moc"
