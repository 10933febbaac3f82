#include "traynotificationbackend.h"

#include <QIcon>

using namespace Qt::StringLiterals;

TrayNotificationBackend::TrayNotificationBackend(QObject *parent)
    : chat::model::NotificationBackend(parent)
{
    m_tray.setIcon(QIcon(u":/chat/icons/chat-desktop-64.png"_s));
    m_tray.setToolTip(tr("Chat"));
    connect(&m_tray, &QSystemTrayIcon::messageClicked, this,
            [this] { Q_EMIT activated(m_lastTag); });
    m_tray.show();
}

bool TrayNotificationBackend::available()
{
    return QSystemTrayIcon::isSystemTrayAvailable();
}

void TrayNotificationBackend::show(const QString &tag, const QString &summary, const QString &body)
{
    m_lastTag = tag; // the balloon shows one message at a time: a click means the newest
    m_tray.showMessage(summary, body, QSystemTrayIcon::Information, 8000);
}

QString TrayNotificationBackend::name() const
{
    return u"system tray"_s;
}
