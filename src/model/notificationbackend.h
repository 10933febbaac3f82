// Where desktop notifications are shown. The Linux convention is the freedesktop service
// org.freedesktop.Notifications on the session D-Bus (DBusNotificationBackend, here); Windows and
// macOS use the tray icon's balloon (TrayNotificationBackend, in the QML layer because it needs
// QtWidgets). The Notifier decides *what* to show; a backend only shows it.
#pragma once

#include <QHash>
#include <QObject>
#include <QString>

namespace chat::model {

class NotificationBackend : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    /// Shows a notification, replacing the one shown earlier under the same `tag` (a
    /// conversation id, or empty for the cross-conversation summary).
    virtual void show(const QString &tag, const QString &summary, const QString &body) = 0;
    /// Human-readable name for logs and the settings page.
    virtual QString name() const = 0;

Q_SIGNALS:
    /// The user clicked the notification shown under `tag`.
    void activated(const QString &tag);
};

/// org.freedesktop.Notifications (GNOME, KDE, XFCE, dunst, mako...).
class DBusNotificationBackend : public NotificationBackend
{
    Q_OBJECT
public:
    explicit DBusNotificationBackend(QObject *parent = nullptr);
    /// True when a notification server is running or can be started on the session bus.
    static bool serverAvailable();

    void show(const QString &tag, const QString &summary, const QString &body) override;
    QString name() const override;
    /// Whether a bubble shown under `tag` is still on screen (as far as the server told us).
    bool isShowing(const QString &tag) const { return m_idByTag.contains(tag); }

Q_SIGNALS:
    /// The server accepted a notification and gave it this id.
    void shown(const QString &tag, uint id);

private Q_SLOTS:
    void onActionInvoked(uint id, const QString &action);
    void onClosed(uint id, uint reason);

private:
    QHash<QString, uint> m_idByTag; // so a new burst replaces the bubble instead of stacking
    QHash<uint, QString> m_tagById;
};

} // namespace chat::model
