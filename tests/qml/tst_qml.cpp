// One Qt Quick Test runner for every tst_*.qml in this folder. The setup starts a real
// in-process chat server and exposes the test harness (sessions, scripted peers, server
// stop/start) to QML as the singleton ChatTest.Harness.
#include "desktopharness.h"
#include "languagemanager.h"
#include "model/profilesettings.h"

#include <QQmlEngine>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest>

Q_IMPORT_QML_PLUGIN(ChatPlugin)

// What QML tests need beyond the harness: a LanguageManager for a profile.
class QmlTestSupport : public QObject
{
    Q_OBJECT
public:
    explicit QmlTestSupport(DesktopHarness *harness) : m_harness(harness) { }
    Q_INVOKABLE LanguageManager *languagesFor(chat::model::ChatSession *session)
    {
        auto *l = new LanguageManager(m_harness->settingsOf(session), this);
        return l;
    }

private:
    DesktopHarness *m_harness;
};

class Setup : public QObject
{
    Q_OBJECT
public Q_SLOTS:
    void applicationAvailable()
    {
        m_harness = new DesktopHarness(this);
        if (!m_harness->startServer())
            qFatal("cannot start the test server: %s", qPrintable(m_harness->lastError()));
        m_support = new QmlTestSupport(m_harness);
        m_support->setParent(this);
    }
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        // The Chat module is compiled in (static plugin); its qmldir lives at qrc:/Chat.
        engine->addImportPath(QStringLiteral("qrc:/"));
        qmlRegisterSingletonInstance("ChatTest", 1, 0, "Harness", m_harness);
        qmlRegisterSingletonInstance("ChatTest", 1, 0, "Support", m_support);
    }

private:
    DesktopHarness *m_harness = nullptr;
    QmlTestSupport *m_support = nullptr;
};

QUICK_TEST_MAIN_WITH_SETUP(chat_qml, Setup)
#include "tst_qml.moc"
