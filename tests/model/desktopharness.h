// Test support for the desktop layer: a real in-process chat server (port 0, temporary SQLite
// store, a generated fixture) and real ChatSessions in temporary profiles, plus "peers" -
// other users driven from the test (send, type, read) through their own real SyncEngine.
// Used by the model tests and, exposed to QML, by the Qt Quick tests.
#pragma once

#include "model/chatsession.h"
#include "model/keychainstore.h"
#include "model/profilesettings.h"

#include <QHash>
#include <QObject>
#include <QTemporaryDir>
#include <QUrl>
#include <memory>

namespace chat::server {
class ChatServer;
}
namespace chat::sync {
class SyncEngine;
}

class DesktopHarness : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString serverUrl READ serverUrl NOTIFY serverChanged)
    Q_PROPERTY(bool serverRunning READ serverRunning NOTIFY serverChanged)

public:
    /// Messages in the alice-bob conversation of the generated fixture.
    static constexpr int kLongHistory = 120;
    /// alice's last message there (every third seq up to it); bob wrote everything after it.
    static constexpr int kAliceLastSeq = 60;
    /// The server refuses longer messages (the client allows 4000): a way to get a Failed send.
    static constexpr int kServerMaxChars = 200;

    explicit DesktopHarness(QObject *parent = nullptr);
    ~DesktopHarness() override;

    /// Starts the server (again, on the same port and data, after stopServer()).
    Q_INVOKABLE bool startServer();
    Q_INVOKABLE void stopServer();
    QString serverUrl() const;
    bool serverRunning() const;
    QString lastError() const { return m_error; }
    /// The keychain every harness session uses (service "chat-desktop-tests").
    chat::model::KeychainStore *keychain() { return &m_keychain; }

    /// A session (not signed in) on the profile folder `profile` (a name inside the harness's
    /// temporary folder; empty = a fresh one). Owned by the harness.
    Q_INVOKABLE chat::model::ChatSession *newSession(const QString &profile = QString());
    /// Destroys a session (as if the app quit); its profile stays.
    Q_INVOKABLE void closeSession(chat::model::ChatSession *session);
    Q_INVOKABLE chat::model::ProfileSettings *settingsOf(chat::model::ChatSession *session) const;
    /// newSession() + signIn(username) (password from the fixture, not remembered).
    Q_INVOKABLE chat::model::ChatSession *signedInSession(const QString &username);

    /// Peers: other users with their own engine, online while the server runs.
    Q_INVOKABLE bool peerOnline(const QString &username);
    /// Sends as a peer into the conversation found by `ref` (title or other member's
    /// username); returns false if the peer has no such conversation yet.
    Q_INVOKABLE bool peerSend(const QString &username, const QString &ref, const QString &text);
    Q_INVOKABLE bool peerTyping(const QString &username, const QString &ref, bool active);
    /// The peer reads everything in that conversation.
    Q_INVOKABLE bool peerReadAll(const QString &username, const QString &ref);
    chat::sync::SyncEngine *peer(const QString &username);

    static QString passwordOf(const QString &username) { return username + u"-pw"; }

Q_SIGNALS:
    void serverChanged();

private:
    bool writeFixture(const QString &path);
    QTemporaryDir m_dir;
    std::unique_ptr<chat::server::ChatServer> m_server;
    quint16 m_port = 0;
    QString m_error;
    int m_profiles = 0;
    chat::model::KeychainStore m_keychain{QStringLiteral("chat-desktop-tests")};
    QHash<chat::model::ChatSession *, chat::model::ProfileSettings *> m_settings;
    QHash<QString, chat::sync::SyncEngine *> m_peers;
};
