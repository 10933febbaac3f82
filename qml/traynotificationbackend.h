// Notifications through the system tray icon's balloon: the native path on Windows and macOS,
// and the fallback on Linux desktops with a tray but no freedesktop notification service.
#pragma once

#include "model/notificationbackend.h"

#include <QSystemTrayIcon>

class TrayNotificationBackend : public chat::model::NotificationBackend
{
    Q_OBJECT
public:
    explicit TrayNotificationBackend(QObject *parent = nullptr);
    static bool available();

    void show(const QString &tag, const QString &summary, const QString &body) override;
    QString name() const override;

private:
    QSystemTrayIcon m_tray;
    QString m_lastTag;
};
