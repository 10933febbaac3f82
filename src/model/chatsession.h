// The facade the QML UI talks to: signing in and out (with the token kept in the keychain, or
// honestly not), the connection state for the banner, the conversation list, the open
// conversation's messages and members, sending, drafts, receipts, typing, user search and
// conversation management. It owns the SyncEngine of the signed-in account; everything else
// the UI shows comes from the models it exposes.
#pragma once

#include "conversationlistmodel.h"
#include "memberlistmodel.h"
#include "messagelistmodel.h"

#include <QObject>
#include <QPointer>
#include <QUrl>
#include <memory>

namespace chat::sync {
class SyncEngine;
struct Error;
} // namespace chat::sync

namespace chat::model {

class KeychainStore;
class Notifier;
class ProfileSettings;

class ChatSession : public QObject
{
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    /// Why the last sign-in failed, in words; empty otherwise.
    Q_PROPERTY(QString errorText READ errorText NOTIFY errorTextChanged)
    Q_PROPERTY(Connection connection READ connection NOTIFY connectionChanged)
    /// Conversations caught up in the current sync (for the banner).
    Q_PROPERTY(int syncedConversations READ syncedConversations NOTIFY connectionChanged)
    Q_PROPERTY(QString userId READ userId NOTIFY userChanged)
    Q_PROPERTY(QString userName READ userName NOTIFY userChanged)
    Q_PROPERTY(QString username READ username NOTIFY userChanged)
    Q_PROPERTY(QString serverUrl READ serverUrl NOTIFY userChanged)
    Q_PROPERTY(chat::model::ConversationListModel *conversations READ conversations CONSTANT)
    Q_PROPERTY(chat::model::UserListModel *userSearch READ userSearch CONSTANT)
    Q_PROPERTY(QString currentConversationId READ currentConversationId NOTIFY currentChanged)
    Q_PROPERTY(chat::model::MessageListModel *messages READ messages NOTIFY currentChanged)
    Q_PROPERTY(chat::model::MemberListModel *members READ members NOTIFY currentChanged)
    /// The keychain could not be used: a sentence with what to install. Empty otherwise.
    Q_PROPERTY(QString keychainProblem READ keychainProblem NOTIFY keychainChanged)
    /// The session will not survive closing the app (keychain unavailable, not opted out).
    Q_PROPERTY(bool sessionOnly READ sessionOnly NOTIFY keychainChanged)
    /// Newest transient problem to show in a toast (send refused, disk full...).
    Q_PROPERTY(QString notice READ notice NOTIFY noticeChanged)
    /// Sign-out is waiting for the server to revoke the token.
    Q_PROPERTY(bool signingOut READ signingOut NOTIFY signingOutChanged)

public:
    enum class State { SignedOut, SigningIn, SignedIn };
    Q_ENUM(State)
    enum class Connection { Offline, Connecting, Syncing, Online };
    Q_ENUM(Connection)

    ChatSession(ProfileSettings *settings, KeychainStore *keychain, QObject *parent = nullptr);
    ~ChatSession() override;

    State state() const { return m_state; }
    QString errorText() const { return m_errorText; }
    Connection connection() const { return m_connection; }
    int syncedConversations() const { return m_synced; }
    QString userId() const;
    QString userName() const;
    QString username() const { return m_username; }
    QString serverUrl() const { return m_server.toString(QUrl::RemovePath); }
    ConversationListModel *conversations() const { return m_conversations; }
    UserListModel *userSearch() const { return m_userSearch; }
    QString currentConversationId() const { return m_currentId; }
    MessageListModel *messages() const { return m_messages; }
    MemberListModel *members() const { return m_members; }
    QString keychainProblem() const { return m_keychainProblem; }
    bool sessionOnly() const { return m_sessionOnly; }
    QString notice() const { return m_notice; }
    chat::sync::SyncEngine *engine() const { return m_engine.get(); }
    Notifier *notifier() const { return m_notifier; }

    /// At start: resume the remembered account with its token (keychain or, if the user opted
    /// in, the profile). Stays signed out when there is nothing to resume.
    Q_INVOKABLE void restore();
    Q_INVOKABLE void signIn(const QString &server, const QString &username, const QString &password,
                            bool remember);
    Q_INVOKABLE void registerAccount(const QString &server, const QString &username,
                                     const QString &password, const QString &displayName,
                                     bool remember);
    /// Signs out: when connected, first revokes the session token on the server (`logout`);
    /// offline it cannot, says so in a notice (the server session then expires on its own).
    /// Then forgets the token (keychain and profile) and closes the local store; with
    /// `deleteLocalData` also removes this account's local store files. Asynchronous while
    /// the server answers (signingOut); signedOut(revoked) when done.
    Q_INVOKABLE void signOut(bool deleteLocalData = false);
    bool signingOut() const { return m_signingOut != nullptr; }

    /// Id of the conversation named by `reference` (id, exact title, or the other member's
    /// username in a direct conversation); "" if there is none in the local store.
    Q_INVOKABLE QString conversationIdFor(const QString &reference) const;
    /// Opens a conversation: messages and members models follow (currentChanged).
    Q_INVOKABLE void openConversation(const QString &conversationId);
    Q_INVOKABLE void closeConversation();
    /// Sends into the open conversation; false (and a notice) if refused.
    Q_INVOKABLE bool send(const QString &text);
    Q_INVOKABLE void retry(const QString &localId);
    Q_INVOKABLE void discard(const QString &localId);
    Q_INVOKABLE QString draft(const QString &conversationId) const;
    Q_INVOKABLE void setDraft(const QString &conversationId, const QString &text);
    Q_INVOKABLE void setTyping(bool active);
    /// The user has seen the open conversation up to `seq`.
    Q_INVOKABLE void markRead(qint64 seq);
    Q_INVOKABLE void searchUsers(const QString &query);
    Q_INVOKABLE void createDirect(const QString &userId);
    Q_INVOKABLE void createGroup(const QString &title, const QStringList &userIds);
    /// Adds users to the open group conversation (membersAdded(ok) when the server answered).
    Q_INVOKABLE void addMembers(const QStringList &userIds);
    Q_INVOKABLE void leaveCurrent();
    /// The user accepts keeping the token unencrypted in the profile folder.
    Q_INVOKABLE void storeTokenWithoutKeychain();
    Q_INVOKABLE void reconnectNow();
    Q_INVOKABLE void clearNotice();

    /// For notifications: whether the main window has focus.
    Q_INVOKABLE void setWindowActive(bool active);

Q_SIGNALS:
    void stateChanged();
    void errorTextChanged();
    void connectionChanged();
    void userChanged();
    void currentChanged();
    void keychainChanged();
    void noticeChanged();
    /// A conversation was created (or an existing direct one returned): open it.
    void conversationCreated(const QString &conversationId);
    void userSearchFinished(bool ok);
    void membersAdded(bool ok);
    void signingOutChanged();
    /// Sign-out finished; `revoked`: the server confirmed the token is no longer valid.
    void signedOut(bool revoked);

private:
    void start(const QString &server, const QString &username, const QString &password,
               const QString &token, const QString &displayName, bool registering, bool remember);
    void setState(State s);
    void setError(const QString &text);
    void setNotice(const QString &text);
    void onEngineState();
    void onToken(const QString &token);
    void onAuthFailed(const QString &message);
    void onChanges(const chat::sync::ChangeBatch &batch);
    void onEngineError(const chat::sync::Error &error);
    void setKeychainProblem(const QString &problem, bool sessionOnly);
    QString tokenKey() const;
    void finishSignOut(bool revoked, bool deleteLocalData);

    ProfileSettings *m_settings;
    KeychainStore *m_keychain;
    Notifier *m_notifier;
    std::unique_ptr<chat::sync::SyncEngine> m_engine;
    ConversationListModel *m_conversations;
    UserListModel *m_userSearch;
    QPointer<MessageListModel> m_messages;
    QPointer<MemberListModel> m_members;
    QString m_currentId;
    State m_state = State::SignedOut;
    Connection m_connection = Connection::Offline;
    int m_synced = 0;
    QString m_errorText;
    QString m_notice;
    QString m_keychainProblem;
    bool m_sessionOnly = false;
    bool m_remember = false;
    bool m_authenticatedOnce = false; // this run: the server accepted us at least once
    // The local store was empty at sign-in: its first catch-up brings history, not news, so
    // it must not pop up as notifications.
    bool m_firstSync = false;
    QUrl m_server;
    QString m_username;
    QObject *m_attempt = nullptr;    // context of the current sign-in attempt's callbacks
    QObject *m_signingOut = nullptr; // context of a pending logout's callbacks
};

} // namespace chat::model
