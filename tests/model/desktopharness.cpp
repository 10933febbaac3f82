#include "desktopharness.h"

#include "chatserver.h"
#include "serverconfig.h"
#include "sync/syncengine.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

DesktopHarness::DesktopHarness(QObject *parent) : QObject(parent)
{ }

DesktopHarness::~DesktopHarness()
{
    qDeleteAll(m_peers);
    const auto sessions = m_settings.keys();
    qDeleteAll(sessions);
    qDeleteAll(m_settings);
    if (m_server)
        m_server->stop();
}

bool DesktopHarness::writeFixture(const QString &path)
{
    QJsonArray users;
    const QList<std::pair<QString, QString>> people = {{u"alice"_s, u"Alice Martin"_s},
                                                       {u"bob"_s, u"Bob Keller"_s},
                                                       {u"carol"_s, u"Carol Dubois"_s},
                                                       {u"dave"_s, u"Dave Singh"_s},
                                                       {u"erin"_s, u"Erin Novak"_s}};
    for (const auto &[name, display] : people)
        users.append(QJsonObject{{u"username"_s, name},
                                 {u"password"_s, passwordOf(name)},
                                 {u"display_name"_s, display}});
    QJsonArray longHistory;
    // A sender has read up to their own message (server rule): alice writes every third
    // message up to seq 60 only, so everything of bob's from 61 on is unread for her.
    for (int i = 1; i <= kLongHistory; ++i)
        longHistory.append(
            QJsonObject{{u"from"_s, i <= kAliceLastSeq && i % 3 == 0 ? u"alice"_s : u"bob"_s},
                        {u"content"_s, u"history message %1"_s.arg(i)}});
    // Only the unread tests read this one (dave): nobody else moves dave's watermark. dave
    // wrote seq 5 and 10 (his watermark), carol's 90 messages after that are unread for him.
    QJsonArray unreadHistory;
    for (int i = 1; i <= 100; ++i)
        unreadHistory.append(QJsonObject{{u"from"_s, i == 5 || i == 10 ? u"dave"_s : u"carol"_s},
                                         {u"content"_s, u"carol says %1"_s.arg(i)}});
    QJsonArray erinHistory;
    for (int i = 1; i <= 40; ++i)
        erinHistory.append(
            QJsonObject{{u"from"_s, u"erin"_s}, {u"content"_s, u"erin says %1"_s.arg(i)}});
    const QJsonArray conversations = {
        QJsonObject{{u"key"_s, u"cd"_s},
                    {u"kind"_s, u"direct"_s},
                    {u"members"_s, QJsonArray{u"carol"_s, u"dave"_s}},
                    {u"messages"_s, unreadHistory}},
        QJsonObject{{u"key"_s, u"ab"_s},
                    {u"kind"_s, u"direct"_s},
                    {u"members"_s, QJsonArray{u"alice"_s, u"bob"_s}},
                    {u"messages"_s, longHistory}},
        QJsonObject{
            {u"key"_s, u"team"_s},
            {u"kind"_s, u"group"_s},
            {u"title"_s, u"Team"_s},
            {u"members"_s, QJsonArray{u"alice"_s, u"bob"_s, u"carol"_s}},
            {u"messages"_s, QJsonArray{QJsonObject{{u"from"_s, u"carol"_s},
                                                   {u"content"_s, u"welcome to the team"_s}}}}},
        // Only the new-message counter test uses erin (her messages scroll carol's view).
        QJsonObject{{u"key"_s, u"ce"_s},
                    {u"kind"_s, u"direct"_s},
                    {u"members"_s, QJsonArray{u"carol"_s, u"erin"_s}},
                    {u"messages"_s, erinHistory}},
        QJsonObject{{u"key"_s, u"ac"_s},
                    {u"kind"_s, u"direct"_s},
                    {u"members"_s, QJsonArray{u"alice"_s, u"carol"_s}},
                    {u"messages"_s, QJsonArray{}}},
    };
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return false;
    f.write(QJsonDocument(QJsonObject{{u"users"_s, users}, {u"conversations"_s, conversations}})
                .toJson());
    return true;
}

bool DesktopHarness::startServer()
{
    if (m_server && m_server->isRunning())
        return true;
    chat::server::ServerConfig config;
    config.port = m_port; // 0 the first time; the same port after a stop, like a restart
    config.dataDir = m_dir.filePath(u"server"_s);
    const QString fixture = m_dir.filePath(u"fixture.json"_s);
    if (m_port == 0) {
        if (!writeFixture(fixture)) {
            m_error = u"cannot write the fixture"_s;
            return false;
        }
        config.fixtureFile = fixture;
    }
    config.heartbeatMs = 2000; // presence and dead links settle quickly in tests
    config.rateLimit = 0;
    // Tests keep every session of a run alive (many "devices" of alice at once).
    config.maxConnectionsPerUser = 1000;
    config.limits.maxContentChars = kServerMaxChars;
    m_server = std::make_unique<chat::server::ChatServer>(config);
    if (!m_server->start(&m_error))
        return false;
    m_port = m_server->port();
    Q_EMIT serverChanged();
    return true;
}

void DesktopHarness::stopServer()
{
    if (m_server)
        m_server->stop();
    m_server.reset();
    Q_EMIT serverChanged();
}

QString DesktopHarness::serverUrl() const
{
    return u"ws://127.0.0.1:%1"_s.arg(m_port);
}

bool DesktopHarness::serverRunning() const
{
    return m_server && m_server->isRunning();
}

chat::model::ChatSession *DesktopHarness::newSession(const QString &profile)
{
    const QString dir =
        m_dir.filePath(profile.isEmpty() ? u"profile-%1"_s.arg(++m_profiles) : profile);
    // Parented, so QML (which receives these) never takes ownership and garbage-collects them.
    auto *settings = new chat::model::ProfileSettings(dir, this);
    auto *session = new chat::model::ChatSession(settings, &m_keychain, this);
    m_settings.insert(session, settings);
    return session;
}

void DesktopHarness::closeSession(chat::model::ChatSession *session)
{
    chat::model::ProfileSettings *settings = m_settings.take(session);
    delete session;
    delete settings;
}

chat::model::ProfileSettings *DesktopHarness::settingsOf(chat::model::ChatSession *session) const
{
    return m_settings.value(session);
}

chat::model::ChatSession *DesktopHarness::signedInSession(const QString &username)
{
    auto *s = newSession();
    s->signIn(serverUrl(), username, passwordOf(username), false);
    return s;
}

chat::sync::SyncEngine *DesktopHarness::peer(const QString &username)
{
    return m_peers.value(username);
}

bool DesktopHarness::peerOnline(const QString &username)
{
    if (!m_peers.contains(username)) {
        auto *e = new chat::sync::SyncEngine;
        chat::sync::SyncEngine::Options options;
        options.dataDir = m_dir.filePath(u"peer-"_s + username);
        options.device = u"test peer"_s;
        if (!e->openAccount(QUrl(serverUrl()), username, options)) {
            delete e;
            return false;
        }
        chat::net::Credentials c;
        c.username = username;
        c.password = passwordOf(username);
        e->connectToServer(c);
        m_peers.insert(username, e);
    }
    return true;
}

bool DesktopHarness::peerSend(const QString &username, const QString &ref, const QString &text)
{
    auto *e = peer(username);
    if (!e)
        return false;
    const auto c = e->findConversation(ref);
    return c && e->send(c->conversationId, text).ok();
}

bool DesktopHarness::peerTyping(const QString &username, const QString &ref, bool active)
{
    auto *e = peer(username);
    if (!e)
        return false;
    const auto c = e->findConversation(ref);
    if (!c)
        return false;
    e->setTyping(c->conversationId, active);
    return true;
}

bool DesktopHarness::peerReadAll(const QString &username, const QString &ref)
{
    auto *e = peer(username);
    if (!e)
        return false;
    const auto c = e->findConversation(ref);
    if (!c)
        return false;
    e->markRead(c->conversationId, c->lastSeq);
    return true;
}
