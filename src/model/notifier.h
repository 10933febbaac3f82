// Decides which incoming messages become desktop notifications, and folds bursts.
// Rules: never for own messages; never for the conversation the user is looking at (open and
// the window active); nothing when switched off; each message at most once, also across
// restarts (a per-conversation "notified" watermark persisted in ProfileSettings); messages
// arriving within kFoldMs are folded into one notification per conversation, or one summary when
// several conversations are involved. Clicking a notification emits openConversation().
#pragma once

#include "notificationbackend.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

namespace chat::model {

class ProfileSettings;

struct IncomingMessage {
    QString conversationId;
    QString conversationTitle;
    bool group = false;
    QString senderName;
    QString content;
    qint64 seq = 0;
    bool own = false;
};

class Notifier : public QObject
{
    Q_OBJECT
public:
    /// Time during which new messages are folded into one notification.
    static constexpr int kFoldMs = 1200;
    /// Longest preview text shown in a bubble.
    static constexpr int kPreviewChars = 140;

    Notifier(ProfileSettings *settings, QObject *parent = nullptr);

    /// The backend may be null (no notification service): the watermark still advances.
    void setBackend(NotificationBackend *backend);
    NotificationBackend *backend() const { return m_backend; }
    void setActiveConversation(const QString &conversationId);
    void setWindowActive(bool active);

    /// Considers one incoming message; may show a notification after kFoldMs.
    void offer(const IncomingMessage &message);
    /// Shows what is pending now (tests, and before quitting).
    void flush();
    /// Records a message as known without showing it (history loaded by a first sync).
    void markSeen(const QString &conversationId, qint64 seq);

Q_SIGNALS:
    /// The user clicked a notification about this conversation.
    void openConversation(const QString &conversationId);
    /// Emitted for every notification handed to the backend (summary, body); for tests and QA.
    void notified(const QString &summary, const QString &body);

private:
    ProfileSettings *m_settings;
    QPointer<NotificationBackend> m_backend;
    QString m_activeConversation;
    bool m_windowActive = false;
    QList<IncomingMessage> m_pending;
    QTimer m_fold;
    QString m_lastConversation; // what a click on the summary opens
};

} // namespace chat::model
