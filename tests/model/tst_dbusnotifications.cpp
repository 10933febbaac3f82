// The freedesktop notification backend against a notification server living on a private
// session bus (the test runs under dbus-run-session): what is sent in Notify, replacing the
// bubble of the same conversation, and clicking it ("default" action) opening the conversation.
#include "model/notificationbackend.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

class FakeNotificationServer : public QObject
{
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    struct Call {
        QString app;
        uint replaces = 0;
        QString summary, body;
        QStringList actions;
        QVariantMap hints;
    };
    QList<Call> calls;
    uint nextId = 100;

public Q_SLOTS:
    uint Notify(const QString &app, uint replaces, const QString &icon, const QString &summary,
                const QString &body, const QStringList &actions, const QVariantMap &hints,
                int timeout)
    {
        calls.append({app, replaces, summary, body, actions, hints});
        return replaces ? replaces : ++nextId;
    }
    QStringList GetCapabilities() { return {u"actions"_s, u"body"_s}; }

Q_SIGNALS:
    void ActionInvoked(uint id, const QString &action);
    void NotificationClosed(uint id, uint reason);
};

class TestDBusNotifications : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(QDBusConnection::sessionBus().isConnected(),
                 "needs a session bus: run under dbus-run-session");
    }

    void noServerNoBackend() { QVERIFY(!chat::model::DBusNotificationBackend::serverAvailable()); }

    void notifyReplaceAndClick()
    {
        FakeNotificationServer server;
        QDBusConnection bus =
            QDBusConnection::connectToBus(QDBusConnection::SessionBus, u"fake-notifications"_s);
        QVERIFY(bus.registerObject(u"/org/freedesktop/Notifications"_s, &server,
                                   QDBusConnection::ExportAllSlots
                                       | QDBusConnection::ExportAllSignals));
        QVERIFY(bus.registerService(u"org.freedesktop.Notifications"_s));
        QVERIFY(chat::model::DBusNotificationBackend::serverAvailable());

        chat::model::DBusNotificationBackend backend;
        QSignalSpy activated(&backend, &chat::model::NotificationBackend::activated);
        QSignalSpy shown(&backend, &chat::model::DBusNotificationBackend::shown);
        backend.show(u"conv-1"_s, u"Bob"_s, u"hello"_s);
        QTRY_COMPARE_WITH_TIMEOUT(server.calls.size(), 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(shown.size(), 1, 10000);
        QCOMPARE(shown[0][1].toUInt(), 101u);
        QCOMPARE(server.calls[0].summary, u"Bob"_s);
        QCOMPARE(server.calls[0].body, u"hello"_s);
        QCOMPARE(server.calls[0].replaces, 0u);
        QVERIFY(server.calls[0].actions.contains(u"default"_s));
        QCOMPARE(server.calls[0].hints.value(u"desktop-entry"_s).toString(), u"chat-desktop"_s);

        // A new burst in the same conversation replaces the bubble.
        backend.show(u"conv-1"_s, u"Bob"_s, u"2 new messages"_s);
        QTRY_COMPARE_WITH_TIMEOUT(server.calls.size(), 2, 10000);
        QCOMPARE(server.calls[1].replaces, 101u);

        // Another application's notification is not ours to open.
        Q_EMIT server.ActionInvoked(999, u"default"_s);
        // The user clicks ours.
        Q_EMIT server.ActionInvoked(101, u"default"_s);
        QTRY_COMPARE_WITH_TIMEOUT(activated.size(), 1, 10000);
        QCOMPARE(activated[0][0].toString(), u"conv-1"_s);

        // Closed: the next one is a fresh bubble.
        Q_EMIT server.NotificationClosed(101, 2);
        QTRY_VERIFY_WITH_TIMEOUT(!backend.isShowing(u"conv-1"_s), 10000);
        backend.show(u"conv-1"_s, u"Bob"_s, u"again"_s);
        QTRY_COMPARE_WITH_TIMEOUT(server.calls.size(), 3, 10000);
        QCOMPARE(server.calls[2].replaces, 0u);

        bus.unregisterService(u"org.freedesktop.Notifications"_s);
        QDBusConnection::disconnectFromBus(u"fake-notifications"_s);
    }
};

QTEST_GUILESS_MAIN(TestDBusNotifications)
#include "tst_dbusnotifications.moc"
