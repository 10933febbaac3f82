// tst_layers_nogui: the core libraries (chat_net, chat_sync) run in a process that loads no GUI
// library at all. cmake/ChatLayerCheck.cmake refuses such links at configure time; this test
// checks what the dynamic loader actually mapped, which also catches a dependency that the
// CMake graph does not show (a raw -lQt6Gui, a plugin pulled in at run time).
#include "net/protocol/codec.h"

#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;

class TestLayersNoGui : public QObject
{
    Q_OBJECT

private:
    // The file names of every shared object mapped into this process.
    static QSet<QString> loadedLibraries()
    {
        QFile maps(u"/proc/self/maps"_s);
        if (!maps.open(QIODevice::ReadOnly | QIODevice::Text)) {
            return {};
        }
        QSet<QString> names;
        const QList<QByteArray> lines = maps.readAll().split('\n');
        for (const QByteArray &line : lines) {
            const int slash = line.indexOf('/');
            if (slash < 0) {
                continue;
            }
            const QString path = QString::fromUtf8(line.mid(slash));
            names.insert(path.section(u'/', -1));
        }
        return names;
    }

    static bool anyStartsWith(const QSet<QString> &names, const QString &prefix)
    {
        for (const QString &n : names) {
            if (n.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase()
    {
        // Use the core for real, so the test is about a working process, not an idle one.
        const auto frame = chat::proto::decodeClientFrame(R"({"type":"ping","id":"p1"})");
        QVERIFY(frame.ok());
        const auto bad = chat::proto::decodeClientFrame("not json");
        QVERIFY(!bad.ok());
    }

    // Guards against a vacuous pass: the reader must see the libraries the core links.
    void coreLibrariesAreLoaded_data()
    {
        QTest::addColumn<QString>("prefix");
        QTest::newRow("Core") << u"libQt6Core.so"_s;
        QTest::newRow("Network") << u"libQt6Network.so"_s;
        QTest::newRow("WebSockets") << u"libQt6WebSockets.so"_s;
#ifdef CHAT_LAYERS_HAVE_SYNC
        QTest::newRow("Sql") << u"libQt6Sql.so"_s;
#endif
    }
    void coreLibrariesAreLoaded()
    {
        QFETCH(QString, prefix);
        const QSet<QString> libs = loadedLibraries();
        QVERIFY2(!libs.isEmpty(), "could not read /proc/self/maps");
        QVERIFY2(anyStartsWith(libs, prefix), qPrintable(prefix + u" is not mapped"_s));
    }

    void noGuiLibraryIsLoaded_data()
    {
        QTest::addColumn<QString>("prefix");
        for (const char *lib :
             {"libQt6Gui", "libQt6Qml", "libQt6Quick", "libQt6QuickControls2", "libQt6Widgets",
              "libQt6OpenGL", "libGL.", "libEGL", "libX11", "libxcb.", "libwayland-client"}) {
            QTest::newRow(lib) << QString::fromLatin1(lib);
        }
    }
    void noGuiLibraryIsLoaded()
    {
        QFETCH(QString, prefix);
        const QSet<QString> libs = loadedLibraries();
        QVERIFY2(!libs.isEmpty(), "could not read /proc/self/maps");
        for (const QString &name : libs) {
            QVERIFY2(!name.startsWith(prefix),
                     qPrintable(name
                                + u" is loaded: a GUI library reached the core layer "
                                  u"(see docs/ARCHITECTURE.md)"_s));
        }
    }
};

QTEST_GUILESS_MAIN(TestLayersNoGui)
#include "tst_layers_nogui.moc"
