#include "chatsession.h"

#include "displaytext.h"
#include "keychainstore.h"
#include "net/logging.h"
#include "notifier.h"
#include "profilesettings.h"
#include "sync/localstore.h"
#include "sync/syncengine.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSysInfo>
#include <QTimer>

using namespace Qt::StringLiterals;
using chat::sync::SyncEngine;

namespace chat::model {

namespace {
// Accepts "host:port" and "ws://host:port"; returns an invalid QUrl for anything else.
QUrl parseServer(const QString &text)
{
    QString t = text.trimmed();
    if (!t.contains(u"://"_s))
        t.prepend(u"ws://"_s);
    QUrl url(t, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()
        || (url.scheme() != "ws"_L1 && url.scheme() != "wss"_L1))
        return {};
    if (url.path().isEmpty())
        url.setPath(u"/"_s);
    return url;
}

// Removes the files of a closed SQLite store: the database and its WAL/SHM/journal siblings,
// nothing else, then the account folder if that left it empty (QDir::rmdir refuses a folder
// that still holds anything). Returns a sentence on failure.
QString removeStoreFiles(const QString &storePath)
{
    QStringList failed;
    for (const QString &f : chat::sync::LocalStore::filesOf(storePath)) {
        if (QFile::exists(f) && !QFile::remove(f))
            failed << f;
    }
    const QFileInfo info(storePath);
    info.dir().rmdir(info.absolutePath());
    if (failed.isEmpty())
        return {};
    return ChatSession::tr("Signed out, but some local data could not be deleted: %1")
        .arg(failed.join(u", "_s));
}
} // namespace

ChatSession::ChatSession(ProfileSettings *settings, KeychainStore *keychain, QObject *parent)
    : QObject(parent),
      m_settings(settings),
      m_keychain(keychain),
      m_notifier(new Notifier(settings, this)),
      m_engine(std::make_unique<SyncEngine>()),
      m_conversations(new ConversationListModel(this)),
      m_userSearch(new UserListModel(this))
{
    SyncEngine *e = m_engine.get();
    connect(e, &SyncEngine::stateChanged, this, &ChatSession::onEngineState);
    connect(e, &SyncEngine::tokenChanged, this, &ChatSession::onToken);
    connect(e, &SyncEngine::authFailed, this, &ChatSession::onAuthFailed);
    connect(e, &SyncEngine::changes, this, &ChatSession::onChanges);
    connect(e, &SyncEngine::errorOccurred, this, &ChatSession::onEngineError);
    connect(e, &SyncEngine::syncProgress, this, [this](int, int conversationsDone, bool) {
        m_synced = conversationsDone;
        Q_EMIT connectionChanged();
    });
    connect(m_notifier, &Notifier::openConversation, this, &ChatSession::openConversation);
}

ChatSession::~ChatSession()
{
    // Models hold QPointers to the engine; drop them before it goes.
    delete m_messages;
    delete m_members;
    m_conversations->setEngine(nullptr);
}

QString ChatSession::userId() const
{
    return m_engine->currentUserId();
}

QString ChatSession::userName() const
{
    const auto u = m_engine->currentUser();
    return u.displayName.isEmpty() ? (u.username.isEmpty() ? m_username : u.username)
                                   : u.displayName;
}

QString ChatSession::tokenKey() const
{
    // One entry per account and profile, so side-by-side QA profiles never share a token.
    const QByteArray profile = QCryptographicHash::hash(
        QDir(m_settings->profileDir()).absolutePath().toUtf8(), QCryptographicHash::Sha256);
    return m_username + u'@' + m_server.toString(QUrl::RemovePath) + u" #"_s
           + QString::fromLatin1(profile.toHex().left(8));
}

void ChatSession::setState(State s)
{
    if (s == m_state)
        return;
    m_state = s;
    Q_EMIT stateChanged();
}

void ChatSession::setError(const QString &text)
{
    if (text == m_errorText)
        return;
    m_errorText = text;
    Q_EMIT errorTextChanged();
}

void ChatSession::setNotice(const QString &text)
{
    m_notice = text;
    Q_EMIT noticeChanged();
}

void ChatSession::clearNotice()
{
    setNotice({});
}

void ChatSession::setKeychainProblem(const QString &problem, bool sessionOnly)
{
    if (problem == m_keychainProblem && sessionOnly == m_sessionOnly)
        return;
    m_keychainProblem = problem;
    m_sessionOnly = sessionOnly;
    Q_EMIT keychainChanged();
}

void ChatSession::restore()
{
    const QString server = m_settings->serverUrl();
    const QString user = m_settings->username();
    if (server.isEmpty() || user.isEmpty() || !m_settings->rememberMe())
        return;
    m_server = parseServer(server);
    m_username = user;
    if (!m_server.isValid())
        return;
    if (m_settings->plainTokenStorage()) {
        const QString token = m_settings->plainToken();
        if (!token.isEmpty())
            start(server, user, {}, token, {}, false, true);
        return;
    }
    setState(State::SigningIn);
    m_keychain->read(tokenKey(), this, [this, server, user](const KeychainResult &r) {
        if (m_state != State::SigningIn)
            return; // the user started something else meanwhile
        switch (r.kind) {
        case KeychainResult::Kind::Ok: start(server, user, {}, r.value, {}, false, true); break;
        case KeychainResult::Kind::NotFound: setState(State::SignedOut); break;
        case KeychainResult::Kind::Unavailable:
            setKeychainProblem(m_keychain->problem(), true);
            setError(tr("Your saved session could not be read from the keychain. Please sign "
                        "in again."));
            setState(State::SignedOut);
            break;
        }
    });
}

void ChatSession::signIn(const QString &server, const QString &username, const QString &password,
                         bool remember)
{
    start(server, username, password, {}, {}, false, remember);
}

void ChatSession::registerAccount(const QString &server, const QString &username,
                                  const QString &password, const QString &displayName,
                                  bool remember)
{
    start(server, username, password, {}, displayName, true, remember);
}

void ChatSession::start(const QString &server, const QString &username, const QString &password,
                        const QString &token, const QString &displayName, bool registering,
                        bool remember)
{
    const QUrl url = parseServer(server);
    if (!url.isValid()) {
        setError(tr("\"%1\" is not a server address. Use ws://host:port or wss://host:port.")
                     .arg(server));
        setState(State::SignedOut);
        return;
    }
    if (username.trimmed().isEmpty()) {
        setError(tr("Please enter your username."));
        setState(State::SignedOut);
        return;
    }
    closeConversation();
    delete m_attempt;
    m_attempt = new QObject(this);
    m_server = url;
    m_username = username.trimmed();
    m_remember = remember;
    m_authenticatedOnce = false;
    Q_EMIT userChanged(); // the sign-in page shows what is being tried
    setError({});
    setState(State::SigningIn);

    SyncEngine::Options options;
    options.dataDir = QDir(m_settings->profileDir()).filePath(u"accounts"_s);
    options.device = u"chat-desktop (%1)"_s.arg(QSysInfo::machineHostName());
    m_engine->disconnectFromServer();
    const chat::sync::Status opened = m_engine->openAccount(url, m_username, options);
    if (!opened) {
        setError(
            tr("Your local message store could not be opened: %1").arg(opened.error().message));
        setState(State::SignedOut);
        return;
    }
    m_conversations->setEngine(m_engine.get());
    // From the list just loaded: asking the engine again read the whole list a second time
    // (half of the store's share of a start with a big cache).
    m_firstSync = m_conversations->storedAtLoad() == 0;

    chat::net::Credentials credentials;
    credentials.username = m_username;
    credentials.password = password;
    credentials.token = token;
    credentials.device = options.device;
    credentials.displayName = displayName;
    credentials.registerAccount = registering;
    m_engine->connectToServer(credentials);

    // A first sign-in must reach the server; tell the user when it cannot instead of
    // retrying forever behind a spinner.
    if (auto *conn = m_engine->connection()) {
        connect(conn, &chat::net::Connection::linkLost, m_attempt, [this](const QString &why) {
            if (m_state != State::SigningIn || m_authenticatedOnce)
                return;
            m_engine->disconnectFromServer();
            setError(tr("Could not reach the server at %1 (%2). Check the address and that the "
                        "server is running.")
                         .arg(m_server.toString(QUrl::RemovePath), why));
            setState(State::SignedOut);
        });
    }

    // Offline-first: an account this profile has used before opens at once from its local
    // store; the connection catches up in the background.
    if (!registering && !m_engine->currentUserId().isEmpty()) {
        setState(State::SignedIn);
        Q_EMIT userChanged();
    }
    onEngineState();
}

void ChatSession::onEngineState()
{
    Connection c = Connection::Offline;
    switch (m_engine->state()) {
    case SyncEngine::State::Offline: c = Connection::Offline; break;
    case SyncEngine::State::Connecting:
    case SyncEngine::State::Authenticating: c = Connection::Connecting; break;
    case SyncEngine::State::Syncing:
        c = Connection::Syncing;
        m_authenticatedOnce = true;
        break;
    case SyncEngine::State::Online:
        c = Connection::Online;
        m_authenticatedOnce = true;
        break;
    }
    if (c == Connection::Syncing && m_connection != Connection::Syncing)
        m_synced = 0;
    if (c == Connection::Online)
        m_firstSync = false;
    if (c != m_connection) {
        m_connection = c;
        Q_EMIT connectionChanged();
    }
    if (m_state == State::SignedIn)
        Q_EMIT userChanged(); // the display name arrives with auth_ok
    if (m_authenticatedOnce && m_state == State::SigningIn) {
        m_settings->setServerUrl(m_server.toString(QUrl::RemovePath));
        m_settings->setUsername(m_username);
        m_settings->setRememberMe(m_remember);
        setState(State::SignedIn);
        Q_EMIT userChanged();
    }
}

void ChatSession::onToken(const QString &token)
{
    if (token.isEmpty())
        return;
    if (!m_remember) {
        setKeychainProblem({}, false); // session-only by the user's choice: nothing to warn
        return;
    }
    if (m_settings->plainTokenStorage()) {
        m_settings->setPlainToken(token);
        setKeychainProblem({}, false);
        return;
    }
    m_keychain->write(tokenKey(), token, this, [this](const KeychainResult &r) {
        if (r.kind == KeychainResult::Kind::Unavailable)
            setKeychainProblem(m_keychain->problem(), true);
        else
            setKeychainProblem({}, false);
    });
}

void ChatSession::storeTokenWithoutKeychain()
{
    m_settings->setPlainTokenStorage(true);
    m_settings->setRememberMe(true);
    m_remember = true;
    const QString token = m_engine->token();
    if (!token.isEmpty())
        m_settings->setPlainToken(token);
    setKeychainProblem({}, false);
}

void ChatSession::onAuthFailed(const QString &message)
{
    const bool wasSignedIn = m_state == State::SignedIn;
    m_engine->disconnectFromServer();
    if (m_remember) {
        m_settings->setPlainToken({}); // a refused token is worthless: forget it everywhere
        m_keychain->remove(tokenKey(), this, nullptr);
    }
    closeConversation();
    m_engine->closeAccount();
    m_conversations->setEngine(m_engine.get());
    setError(wasSignedIn ? tr("Your session has ended (%1). Please sign in again.").arg(message)
                         : message);
    setState(State::SignedOut);
}

void ChatSession::signOut(bool deleteLocalData)
{
    if (m_signingOut)
        return;
    delete m_attempt;
    m_attempt = nullptr;
    closeConversation();
    const auto es = m_engine->state();
    if (es != SyncEngine::State::Syncing && es != SyncEngine::State::Online) {
        finishSignOut(false, deleteLocalData);
        return;
    }
    // Revoke first, forget after: the token must not outlive the sign-out on the server.
    // The engine's request times out on its own (policy.requestTimeoutMs); the guard timer
    // only keeps a stuck link from holding the sign-out forever.
    m_signingOut = new QObject(this);
    Q_EMIT signingOutChanged();
    auto *guard = new QTimer(m_signingOut);
    guard->setSingleShot(true);
    connect(guard, &QTimer::timeout, this,
            [this, deleteLocalData] { finishSignOut(false, deleteLocalData); });
    guard->start(15000);
    m_engine->logout(m_signingOut, [this, deleteLocalData](const chat::sync::Status &st) {
        if (!st)
            qCWarning(lcModel) << "logout refused or failed:" << st.error().message;
        finishSignOut(bool(st), deleteLocalData);
    });
}

void ChatSession::finishSignOut(bool revoked, bool deleteLocalData)
{
    if (m_signingOut) {
        m_signingOut->deleteLater(); // we may be inside one of its callbacks
        m_signingOut = nullptr;
        Q_EMIT signingOutChanged();
    }
    m_engine->disconnectFromServer();
    if (m_remember) // a session-only sign-in never touched the keychain
        m_keychain->remove(tokenKey(), this, nullptr);
    m_settings->setPlainToken({});
    const QString storePath = m_engine->isOpen() ? m_engine->storePath() : QString();
    m_engine->closeAccount();
    m_conversations->setEngine(m_engine.get());
    QString problem;
    if (deleteLocalData && !storePath.isEmpty())
        problem = removeStoreFiles(storePath);
    setKeychainProblem({}, false);
    setError({});
    m_connection = Connection::Offline;
    Q_EMIT connectionChanged();
    setState(State::SignedOut);
    Q_EMIT userChanged();
    if (!problem.isEmpty())
        setNotice(problem);
    else if (!revoked)
        setNotice(tr("Signed out on this computer only: the server could not be reached, so "
                     "your session there stays valid until it expires."));
    Q_EMIT signedOut(revoked);
}

QString ChatSession::conversationIdFor(const QString &reference) const
{
    if (!m_engine->isOpen())
        return {};
    const auto c = m_engine->findConversation(reference);
    return c ? c->conversationId : QString();
}

void ChatSession::openConversation(const QString &conversationId)
{
    if (conversationId == m_currentId && (m_messages || conversationId.isEmpty()))
        return;
    // The views still hold the old models until they see currentChanged: delete them later.
    if (m_messages)
        m_messages->deleteLater();
    if (m_members)
        m_members->deleteLater();
    m_messages = nullptr;
    m_members = nullptr;
    m_currentId = conversationId;
    if (!conversationId.isEmpty() && m_engine->isOpen()) {
        m_messages = new MessageListModel(m_engine.get(), conversationId, this);
        m_members = new MemberListModel(m_engine.get(), conversationId, this);
    }
    m_notifier->setActiveConversation(conversationId);
    Q_EMIT currentChanged();
}

void ChatSession::closeConversation()
{
    if (m_currentId.isEmpty() && !m_messages)
        return;
    if (!m_currentId.isEmpty())
        m_engine->setTyping(m_currentId, false);
    openConversation({});
}

bool ChatSession::send(const QString &text)
{
    if (m_currentId.isEmpty())
        return false;
    const auto r = m_engine->send(m_currentId, text);
    if (!r) {
        setNotice(r.error().message);
        return false;
    }
    m_engine->setTyping(m_currentId, false);
    return true;
}

void ChatSession::retry(const QString &localId)
{
    const auto st = m_engine->retry(localId);
    if (!st)
        setNotice(st.error().message);
}

void ChatSession::discard(const QString &localId)
{
    const auto st = m_engine->discard(localId);
    if (!st)
        setNotice(st.error().message);
}

QString ChatSession::draft(const QString &conversationId) const
{
    return m_engine->isOpen() ? m_engine->draft(conversationId) : QString();
}

void ChatSession::setDraft(const QString &conversationId, const QString &text)
{
    if (conversationId.isEmpty() || !m_engine->isOpen())
        return;
    const auto st = m_engine->setDraft(conversationId, text);
    if (!st)
        setNotice(tr("Your draft could not be saved: %1").arg(st.error().message));
}

void ChatSession::setTyping(bool active)
{
    if (!m_currentId.isEmpty())
        m_engine->setTyping(m_currentId, active);
}

void ChatSession::markRead(qint64 seq)
{
    if (!m_currentId.isEmpty() && seq > 0)
        m_engine->markRead(m_currentId, seq);
}

void ChatSession::searchUsers(const QString &query)
{
    m_engine->searchUsers(query.trimmed(), 20, this,
                          [this](const chat::sync::Expected<QList<chat::sync::UserInfo>> &r) {
                              if (!r) {
                                  setNotice(r.error().message);
                                  Q_EMIT userSearchFinished(false);
                                  return;
                              }
                              QList<chat::sync::UserInfo> users = r.value();
                              users.removeIf([this](const chat::sync::UserInfo &u) {
                                  return u.userId == m_engine->currentUserId();
                              });
                              m_userSearch->setUsers(users);
                              Q_EMIT userSearchFinished(true);
                          });
}

void ChatSession::createDirect(const QString &userId)
{
    m_engine->createConversation(
        false, {}, {userId}, this,
        [this](const chat::sync::Expected<chat::sync::ConversationInfo> &r) {
            if (!r) {
                setNotice(r.error().message);
                return;
            }
            Q_EMIT conversationCreated(r.value().conversationId);
        });
}

void ChatSession::createGroup(const QString &title, const QStringList &userIds)
{
    m_engine->createConversation(
        true, title.trimmed(), userIds, this,
        [this](const chat::sync::Expected<chat::sync::ConversationInfo> &r) {
            if (!r) {
                setNotice(r.error().message);
                return;
            }
            Q_EMIT conversationCreated(r.value().conversationId);
        });
}

void ChatSession::addMembers(const QStringList &userIds)
{
    if (m_currentId.isEmpty() || userIds.isEmpty())
        return;
    m_engine->addMembers(m_currentId, userIds, this, [this](const chat::sync::Status &st) {
        if (!st)
            setNotice(st.error().message);
        Q_EMIT membersAdded(bool(st));
    });
}

void ChatSession::leaveCurrent()
{
    const QString id = m_currentId;
    if (id.isEmpty())
        return;
    m_engine->leaveConversation(id, this, [this, id](const chat::sync::Status &st) {
        if (!st) {
            setNotice(st.error().message);
            return;
        }
        if (m_currentId == id)
            closeConversation();
        // The engine does not store the leave answer yet (the next sync does): take the
        // conversation off the list now rather than show one the user is no longer in.
        m_conversations->dropConversation(id);
    });
}

void ChatSession::reconnectNow()
{
    if (auto *conn = m_engine->connection())
        conn->reconnectNow();
}

void ChatSession::setWindowActive(bool active)
{
    m_notifier->setWindowActive(active);
}

void ChatSession::onChanges(const chat::sync::ChangeBatch &batch)
{
    // The batch carries the conversations it touched as they are now: reading them from the
    // store again (five queries each) was a tenth of the UI thread's time in a catch-up.
    QHash<QString, const chat::sync::ConversationInfo *> inBatch;
    for (const chat::sync::ConversationChange &c : batch.conversations)
        inBatch.insert(c.conversation.conversationId, &c.conversation);
    for (auto it = batch.messages.cbegin(); it != batch.messages.cend(); ++it) {
        std::optional<chat::sync::ConversationInfo> conv;
        for (const chat::sync::MessageChange &ch : it.value()) {
            const auto &m = ch.message;
            if (ch.kind != chat::sync::MessageChange::Kind::Inserted || m.isPending())
                continue;
            // Scrolling back or filling a gap brings old messages, not news.
            if (ch.origin == chat::sync::MessageChange::Origin::History)
                continue;
            if (!conv) {
                const chat::sync::ConversationInfo *known = inBatch.value(it.key());
                conv = known ? std::optional(*known) : m_engine->conversation(it.key());
            }
            if (!conv || m.seq <= conv->readSeq)
                continue; // already read (e.g. on another device): nothing to announce
            if (m_firstSync) {
                m_notifier->markSeen(m.conversationId, m.seq);
                continue;
            }
            IncomingMessage in;
            in.conversationId = m.conversationId;
            in.conversationTitle = conv->displayTitle.isEmpty() ? conv->title : conv->displayTitle;
            in.group = conv->group;
            in.senderName = DisplayText::userName(m_engine.get(), m.senderId);
            in.content = m.content;
            in.seq = m.seq;
            in.own = m.outgoing;
            m_notifier->offer(in);
        }
    }
}

void ChatSession::onEngineError(const chat::sync::Error &error)
{
    qCWarning(lcModel) << "engine error:" << error.message;
    setNotice(error.message);
}

} // namespace chat::model
