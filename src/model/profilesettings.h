// Per-profile preferences and small UI state that must survive restarts: theme, language,
// notifications switch, "remember me", the last server and username, and the notification
// watermark (drafts live in the sync engine's store, next to the messages). One INI file inside the
// profile folder, written through at once (sync()) so a crash loses at most the keystroke being
// typed — except the notification watermarks, which move with every message of a catch-up:
// they are kept in memory and written at most once a second (a sync() rewrites and fsyncs the
// whole file on the UI thread: one per message froze the UI for seconds, one per event-loop
// turn was ~30 fsyncs in a 100k-message catch-up), at exit, and by flush(), which Notifier
// calls before it shows anything. A watermark lost in a crash only covers messages nobody was
// notified about.
#pragma once

#include <QHash>
#include <QObject>
#include <QSettings>
#include <QString>
#include <QTimer>

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
    ~ProfileSettings() override;
    static constexpr int kNotifiedWriteMs = 1000;

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
    mutable QSettings m_settings;
    QHash<QString, qint64> m_notified; // watermarks raised since the last write
    QTimer m_notifiedWrite;            // writes them, at most once per kNotifiedWriteMs
};

} // namespace chat::model
