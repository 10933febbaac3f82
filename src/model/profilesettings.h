// Per-profile preferences and small UI state that must survive restarts: theme, language,
// notifications switch, "remember me", the last server and username, and the notification
// watermark (drafts live in the sync engine's store, next to the messages). One INI file inside the
// profile folder, written through at once (sync()) so a crash loses at most the keystroke being
// typed — except the notification watermarks, which move with every message of a catch-up:
// they are written once per event-loop turn (a sync() rewrites and fsyncs the whole file; one
// per message froze the UI for seconds), and Notifier flushes them before it shows anything.
#pragma once

#include <QObject>
#include <QSettings>
#include <QString>

namespace chat::model {

class ProfileSettings : public QObject
{
    Q_OBJECT
    /// "system", "light" or "dark".
    Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY themeChanged)
    /// UI language as a locale name ("de", "fr", "en"); empty = follow the system.
    Q_PROPERTY(QString language READ language WRITE setLanguage NOTIFY languageChanged)
    /// Desktop notifications for new messages.
    Q_PROPERTY(bool notificationsEnabled READ notificationsEnabled WRITE setNotificationsEnabled
                   NOTIFY notificationsEnabledChanged)
    /// Keep the session token after the app closes.
    Q_PROPERTY(bool rememberMe READ rememberMe WRITE setRememberMe NOTIFY rememberMeChanged)
    /// The user explicitly accepted storing the token unencrypted in the profile folder because
    /// no keychain works on this machine.
    Q_PROPERTY(bool plainTokenStorage READ plainTokenStorage WRITE setPlainTokenStorage NOTIFY
                   plainTokenStorageChanged)
    Q_PROPERTY(QString serverUrl READ serverUrl WRITE setServerUrl NOTIFY serverUrlChanged)
    Q_PROPERTY(QString username READ username WRITE setUsername NOTIFY usernameChanged)
    Q_PROPERTY(QString profileDir READ profileDir CONSTANT)

public:
    explicit ProfileSettings(const QString &profileDir, QObject *parent = nullptr);

    QString profileDir() const { return m_dir; }
    QString theme() const;
    void setTheme(const QString &theme);
    QString language() const;
    void setLanguage(const QString &language);
    bool notificationsEnabled() const;
    void setNotificationsEnabled(bool on);
    bool rememberMe() const;
    void setRememberMe(bool on);
    bool plainTokenStorage() const;
    void setPlainTokenStorage(bool on);
    QString serverUrl() const;
    void setServerUrl(const QString &url);
    QString username() const;
    void setUsername(const QString &name);

    /// Highest seq already shown in a desktop notification for this conversation.
    qint64 notifiedSeq(const QString &conversationId) const;
    void setNotifiedSeq(const QString &conversationId, qint64 seq);

    /// The session token stored in plain text (only when plainTokenStorage is on).
    QString plainToken() const;
    void setPlainToken(const QString &token);

    /// Persists everything now; false if the file cannot be written (the reason is logged
    /// and returned in `error`).
    bool flush(QString *error = nullptr);

Q_SIGNALS:
    void themeChanged();
    void languageChanged();
    void notificationsEnabledChanged();
    void rememberMeChanged();
    void plainTokenStorageChanged();
    void serverUrlChanged();
    void usernameChanged();

private:
    void write(const QString &key, const QVariant &value);
    QString m_dir;
    bool m_flushQueued = false;
    mutable QSettings m_settings;
};

} // namespace chat::model
