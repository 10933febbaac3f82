// SyncEngine: the offline-first core of a chat client. It keeps a local SQLite copy of one
// account (LocalStore), reconciles it with the server over a Connection, and publishes what
// changed as ChangeBatch values. Guarantees (docs/SYNC_ENGINE.md): a message accepted by
// send() is durable before send() returns and is delivered exactly once, also across
// crashes, restarts and reconnects; stored messages are unique per (conversation, seq) and
// always read back in seq order; every gap in what is stored is explicit and filled.
//
// Threading: create and use a SyncEngine from one thread (normally the GUI/main thread);
// all signals are emitted from it. Nothing blocks on the network; store reads are local
// SQLite queries and fast.
#pragma once

#include "changes.h"
#include "expected.h"
#include "net/connection.h"

#include <QObject>
#include <QUrl>
#include <functional>
#include <memory>

namespace chat::sync {

class LocalStore;
class SyncEnginePrivate;

class SyncEngine : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Offline,        // no link (sends are queued in the outbox)
        Connecting,     // opening the WebSocket
        Authenticating, // auth/login sent
        Syncing,        // authenticated; catching up (the store is usable meanwhile)
        Online,         // caught up; pushes arrive live
    };
    Q_ENUM(State)

    struct Options {
        // Folder holding one store per account; empty = defaultDataDir().
        QString dataDir;
        // wss: extra CA certificate file (PEM) to trust, e.g. a self-signed test server.
        QString caFile;
        // Device label sent with login.
        QString device;
        chat::net::RetryPolicy policy;
        // Fill gaps between known ranges in the background after each catch-up (newest
        // first, policy.maxGapFetches at once). History older than everything stored is
        // only fetched on demand (loadOlder()).
        bool backgroundGapFill = true;
    };

    explicit SyncEngine(QObject *parent = nullptr);
    ~SyncEngine() override;

    // <AppDataLocation>/accounts: where stores live when Options::dataDir is empty.
    static QString defaultDataDir();

    // Open (creating and migrating as needed) the local store of `username` on `server`:
    // `<dataDir>/<host>_<port>_<username>/store.sqlite` (mode 0600). Works offline: after
    // this, every accessor and send() work without a server. Opening another account closes
    // the previous one.
    Status openAccount(const QUrl &server, const QString &username, const Options &options);
    Status openAccount(const QUrl &server, const QString &username);
    bool isOpen() const;
    QString storePath() const;
    void closeAccount();

    // Connect to the server given to openAccount() (opened here if not yet) and stay
    // connected, reconnecting with backoff, until disconnectFromServer(). With a token the
    // engine resumes with `auth`, falling back to `login` if a password is set.
    void connectToServer(const chat::net::Credentials &credentials);
    void connectToServer(const QUrl &server, const chat::net::Credentials &credentials,
                         const Options &options);
    void disconnectFromServer();
    // Sign out: revoke the session token on the server (`logout`), then stay offline. The
    // local store stays open (closeAccount() closes it). `callback` gets Offline if there was
    // no link, in which case the token was not revoked.
    void logout(QObject *context, std::function<void(const Status &)> callback);

    State state() const;
    bool isOnline() const { return state() == State::Online; }
    // The signed-in user: known after the first successful auth (remembered in the store).
    QString currentUserId() const;
    UserInfo currentUser() const;
    // The session token (after auth_ok); store it (e.g. in a keychain) to resume later.
    QString token() const;
    // Whether a full catch-up finished since this engine was connected.
    bool isCaughtUp() const;

    // --- sending -----------------------------------------------------------------------
    // Write `text` to the outbox (durable when this returns) and send it as soon as online.
    // Returns the message's localId (its client_msg_id). The message appears at once in a
    // ChangeBatch as a Pending insert. Blank or too long text is refused (InvalidInput).
    Expected<QString> send(const QString &conversationId, const QString &text);
    // A Failed message goes back to Pending and is sent again (same client_msg_id).
    Status retry(const QString &localId);
    // A Pending or Failed message is removed from the outbox (if it was already
    // committed by the server it will still arrive as a normal message).
    Status discard(const QString &localId);
    // Every Pending and Failed message of the account, in send order.
    QList<LocalMessage> outbox() const;

    // --- reading the local store (synchronous, no network) ------------------------------
    // Conversations, most recently active first.
    QList<ConversationInfo> conversations() const;
    std::optional<ConversationInfo> conversation(const QString &conversationId) const;
    // Resolve a user-typed reference: a conversation id, an exact title, or (for direct
    // conversations) the other member's username.
    std::optional<ConversationInfo> findConversation(const QString &reference) const;
    // Stored messages with seq < beforeSeq (0 = the newest), at most `limit`, ascending,
    // stopping at the first gap so the result is contiguous. Pending ones are not included.
    QList<LocalMessage> messages(const QString &conversationId, qint64 beforeSeq = 0,
                                 int limit = 50) const;
    // Stored messages with fromSeq <= seq <= toSeq, ascending (may have holes: see gaps()).
    QList<LocalMessage> messagesInRange(const QString &conversationId, qint64 fromSeq,
                                        qint64 toSeq) const;
    // Pending and Failed messages of one conversation, in send order.
    QList<LocalMessage> pendingMessages(const QString &conversationId) const;
    std::optional<LocalMessage> message(const QString &localId) const;
    HistoryState historyState(const QString &conversationId) const;
    // Missing seq ranges [from, to] between 1 and lastSeq, newest first.
    QList<QPair<qint64, qint64>> gaps(const QString &conversationId) const;
    QList<MemberInfo> members(const QString &conversationId) const;
    std::optional<UserInfo> user(const QString &userId) const;
    PresenceInfo presence(const QString &userId) const;           // in memory only
    QStringList typingUsers(const QString &conversationId) const; // in memory only
    // Per-conversation composer drafts, kept in the store across restarts.
    QString draft(const QString &conversationId) const;
    Status setDraft(const QString &conversationId, const QString &text);

    // --- history -------------------------------------------------------------------------
    // Make sure the `count` messages just below `beforeSeq` (0 = below the oldest message
    // of the newest contiguous stored range) are in the store, fetching from the server only
    // the ones missing. Returns true when everything was already stored (nothing to wait
    // for); otherwise the fetched messages arrive as Inserted changes, then
    // historyLoaded(conversationId, ok) is emitted.
    bool loadOlder(const QString &conversationId, int count, qint64 beforeSeq = 0);
    // Same, around one seq (jump to first unread, search results): `count` on each side.
    bool loadAround(const QString &conversationId, qint64 seq, int count = 25);
    // Fetch every missing message of the conversation (all gaps, down to seq 1).
    bool loadAll(const QString &conversationId);

    // --- jump to a date (engine_jump.cpp) -------------------------------------------------
    struct DateJump {
        // Where to land: the first message with ts >= the date, else the last one before it;
        // 0 when the conversation has no messages (or, when not exact, none is stored).
        qint64 seq = 0;
        // false: the server could not be asked (offline, error, timeout) and `seq` is the
        // nearest stored message; `problem` says why.
        bool exact = true;
        Error problem;
    };
    // Find where `ts` (ms since the epoch) falls in a conversation, fetching the history the
    // store lacks (a binary search over seq: about log2(missing messages) one-message
    // history requests, each stored as ordinary history), then make sure `contextCount`
    // messages on each side are stored. `callback` runs once, later (never inside this
    // call), when that context is stored or cannot be fetched now, unless `context` dies
    // first. Errors: NotOpen, NotFound (unknown conversation), Storage.
    void jumpToDate(const QString &conversationId, qint64 ts, int contextCount, QObject *context,
                    std::function<void(const Expected<DateJump> &)> callback);

    // --- receipts, typing ---------------------------------------------------------------
    // The user has seen everything up to `seq`. Monotonic (lower values are ignored), kept
    // in the store, sent to the server debounced (policy.readDebounceMs).
    void markRead(const QString &conversationId, qint64 seq);
    // The user is (not) typing in a conversation: sent throttled (1 per 3 s), in memory only.
    void setTyping(const QString &conversationId, bool active);

    // --- server requests ----------------------------------------------------------------
    // Each runs `callback` once (unless `context` dies first): with the result, or with an
    // Error (Offline when there is no link).
    void createConversation(bool group, const QString &title, const QStringList &memberUserIds,
                            QObject *context,
                            std::function<void(const Expected<ConversationInfo> &)> callback);
    void searchUsers(const QString &query, int limit, QObject *context,
                     std::function<void(const Expected<QList<UserInfo>> &)> callback);
    void leaveConversation(const QString &conversationId, QObject *context,
                           std::function<void(const Status &)> callback);
    void addMembers(const QString &conversationId, const QStringList &userIds, QObject *context,
                    std::function<void(const Status &)> callback);

    // The connection underneath (read-only use: state, user; tests may dropLink()).
    chat::net::Connection *connection() const;
    // The store underneath, for read-only extensions (e.g. local search). May be null.
    LocalStore *store() const;

Q_SIGNALS:
    void stateChanged(chat::sync::SyncEngine::State state);
    // One committed store transaction: apply it in one step.
    void changes(const chat::sync::ChangeBatch &batch);
    // Catch-up progress: after each sync page. `finished` on the last one.
    void syncProgress(int pagesDone, int conversationsDone, bool finished);
    // A send reached its final state: acked (state Sent, seq set) or Failed. Once per send:
    // later tick changes of the same message come through changes() only.
    void messageSent(const chat::sync::LocalMessage &message);
    void messageFailed(const chat::sync::LocalMessage &message);
    void historyLoaded(const QString &conversationId, bool ok);
    void historyStateChanged(const QString &conversationId);
    void typingChanged(const QString &conversationId);
    void presenceChanged(const QString &userId);
    void tokenChanged(const QString &token);
    // Credentials refused: the engine stays offline until connectToServer() is called again.
    void authFailed(const QString &message);
    // Something went wrong that the user should know about (e.g. the disk is full).
    void errorOccurred(const chat::sync::Error &error);

private:
    friend class SyncEnginePrivate;
    std::unique_ptr<SyncEnginePrivate> d;
};

} // namespace chat::sync
