#include "notificationbackend.h"

#include "net/logging.h"

#include <QCoreApplication>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>

using namespace Qt::StringLiterals;

namespace chat::model {

namespace {
const QString kService = u"org.freedesktop.Notifications"_s;
const QString kPath = u"/org/freedesktop/Notifications"_s;
const QString kInterface = u"org.freedesktop.Notifications"_s;
} // namespace

DBusNotificationBackend::DBusNotificationBackend(QObject *parent) : NotificationBackend(parent)
{
    QDBusConnection bus = QDBusConnection::sessionBus();
    bus.connect(kService, kPath, kInterface, u"ActionInvoked"_s, this,
                SLOT(onActionInvoked(uint, QString)));
    bus.connect(kService, kPath, kInterface, u"NotificationClosed"_s, this,
                SLOT(onClosed(uint, uint)));
}

bool DBusNotificationBackend::serverAvailable()
{
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected() || !bus.interface())
        return false;
    if (bus.interface()->isServiceRegistered(kService))
        return true;
    const QStringList activatable = bus.interface()->activatableServiceNames();
    return activatable.contains(kService);
}

QString DBusNotificationBackend::name() const
{
    return u"freedesktop notifications"_s;
}

void DBusNotificationBackend::show(const QString &tag, const QString &summary, const QString &body)
{
    QDBusMessage call = QDBusMessage::createMethodCall(kService, kPath, kInterface, u"Notify"_s);
    const uint replaces = m_idByTag.value(tag, 0);
    QVariantMap hints;
    hints.insert(u"desktop-entry"_s, u"chat-desktop"_s);
    hints.insert(u"category"_s, u"im.received"_s);
    // "default" is the action invoked by clicking the bubble itself.
    const QStringList actions{u"default"_s, tr("Open")};
    call << QCoreApplication::applicationName() << replaces << u"chat-desktop"_s << summary << body
         << actions << hints << int(-1);
    auto *watcher =
        new QDBusPendingCallWatcher(QDBusConnection::sessionBus().asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this,
            [this, tag](QDBusPendingCallWatcher *w) {
                w->deleteLater();
                QDBusPendingReply<uint> reply = *w;
                if (reply.isError()) {
                    qCWarning(lcModel) << "notification not shown:" << reply.error().message();
                    return;
                }
                const uint id = reply.value();
                m_tagById.remove(m_idByTag.value(tag));
                m_idByTag.insert(tag, id);
                m_tagById.insert(id, tag);
                Q_EMIT shown(tag, id);
            });
}

void DBusNotificationBackend::onActionInvoked(uint id, const QString &action)
{
    if (!m_tagById.contains(id))
        return; // another application's notification
    if (action == "default"_L1)
        Q_EMIT activated(m_tagById.value(id));
}

void DBusNotificationBackend::onClosed(uint id, uint)
{
    const auto it = m_tagById.constFind(id);
    if (it == m_tagById.cend())
        return;
    m_idByTag.remove(it.value());
    m_tagById.erase(it);
}

} // namespace chat::model
