// Notifier: push notifications for members with no live connection (protocol §11).
// Coalesced per user and conversation: the first one of a window goes at once, later ones
// in the window collapse into one trailing notification (the latest message, the current
// unread count) at the window's end. With a push URL each is POSTed as JSON, retried with
// exponential backoff on network errors, 5xx and 429; without one it is recorded for
// admin_pushes.
#pragma once

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QUrl>

class QNetworkAccessManager;

namespace chat::server {

struct PushNotification {
    QString userId, conversationId, messageId, senderId, senderName, preview;
    qint64 seq = 0, unread = 0;
    QJsonObject toJson() const;
};

class Notifier : public QObject
{
    Q_OBJECT
public:
    Notifier(QUrl pushUrl, int coalesceMs, QObject *parent = nullptr);
    void notify(const PushNotification &n);
    QJsonArray recorded(const QString &userIdFilter) const;
    void clearRecorded();
    qint64 posted() const { return m_posted; }
    qint64 failed() const { return m_failed; }

private:
    struct Window {
        qint64 endsAt = 0;
        bool timerArmed = false;
        std::optional<PushNotification> pending;
    };
    void deliver(const PushNotification &n);
    void post(const QByteArray &body, int attempt);
    void flush(const QString &key);

    QUrl m_url;
    int m_coalesceMs;
    QNetworkAccessManager *m_nam = nullptr;
    QHash<QString, Window> m_windows;
    QJsonArray m_recorded;
    qint64 m_posted = 0, m_failed = 0;
};

} // namespace chat::server
