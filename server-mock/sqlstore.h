// SqlStore: the Store over QtSql. Two worker threads, each with its own connection:
// a writer (every mutation, group-committed, see SqlWorker) and a reader (history, sync,
// lookups; WAL lets it read committed data while the writer writes). Results are posted
// back to the thread the store was created on, in order.
#pragma once

#include "sqlworker.h"
#include "store.h"

#include <QObject>
#include <QPointer>

namespace chat::server {

class SqlStore : public QObject, public Store
{
    Q_OBJECT
public:
    SqlStore(std::unique_ptr<SqlDialect> dialect, int maxBatch, int maxGroupSize,
             QObject *parent = nullptr);
    ~SqlStore() override;

    // For the SQLite file DIR/chat.db.
    static std::unique_ptr<SqlStore> sqlite(const QString &dataDir, int maxBatch, int maxGroupSize);

    bool open(QString *errorMessage) override;
    void close() override;
    // Test hook: the next n write transactions fail at COMMIT (as a full disk would).
    void failNextCommits(int n);
    // The writer's commit window (SqlWorker): kDefaultCommitWindow, or
    // CHAT_SERVER_COMMIT_WINDOW_US (0..100000 microseconds, 0 = off) when set.
    static constexpr std::chrono::microseconds kDefaultCommitWindow{0};
    static std::chrono::microseconds commitWindow();
    // The bound of the writer's adaptive window (SqlWorker), used while the fixed window is 0:
    // kDefaultAdaptiveCommitWindow, or CHAT_SERVER_COMMIT_WINDOW_AUTO_US (0..100000, 0 = off).
    static constexpr std::chrono::microseconds kDefaultAdaptiveCommitWindow{2000};
    static std::chrono::microseconds adaptiveCommitWindow();

    void createUser(const QString &username, const QByteArray &passwordHash,
                    const QString &displayName, QObject *ctx,
                    StoreCallback<proto::User> cb) override;
    void loginRecord(const QString &username, QObject *ctx, StoreCallback<LoginRecord> cb) override;
    void createToken(const QString &userId, const QByteArray &tokenHash, qint64 expiresAt,
                     const QString &device, QObject *ctx, StoreCallback<bool> cb) override;
    void userForToken(const QByteArray &tokenHash, qint64 now, QObject *ctx,
                      StoreCallback<proto::User> cb) override;
    void revokeToken(const QByteArray &tokenHash, QObject *ctx, StoreCallback<bool> cb) override;
    void resolveUser(const QString &idOrUsername, QObject *ctx,
                     StoreCallback<proto::User> cb) override;
    void searchUsers(const QString &query, int limit, QObject *ctx,
                     StoreCallback<QList<proto::User>> cb) override;
    void peers(const QString &userId, QObject *ctx, StoreCallback<QStringList> cb) override;
    void createConversation(const QString &creatorId, proto::ConversationKind kind,
                            const QString &title, const QStringList &memberIds, qint64 now,
                            QObject *ctx, StoreCallback<ConversationOutcome> cb) override;
    void addMembers(const QString &actorId, const QString &conversationId,
                    const QStringList &userIds, QObject *ctx,
                    StoreCallback<ConversationOutcome> cb) override;
    void leave(const QString &actorId, const QString &conversationId, QObject *ctx,
               StoreCallback<ConversationOutcome> cb) override;
    void memberIds(const QString &userId, const QString &conversationId, QObject *ctx,
                   StoreCallback<QStringList> cb) override;
    void send(const SendParams &p, QObject *ctx, StoreCallback<SendOutcome> cb) override;
    void history(const HistoryParams &p, QObject *ctx, StoreCallback<HistoryOutcome> cb) override;
    void markReceipt(const QString &userId, const QString &conversationId, qint64 delivered,
                     qint64 read, QObject *ctx, StoreCallback<ReceiptOutcome> cb) override;
    void sync(const SyncParams &p, QObject *ctx, StoreCallback<SyncOutcome> cb) override;
    void seed(const Fixture &fixture, qint64 now, QObject *ctx,
              StoreCallback<SeedOutcome> cb) override;
    void stats(QObject *ctx, StoreCallback<StoreStats> cb) override;

private:
    template<typename T>
    void submit(SqlWorker &worker, QObject *ctx, std::function<Result<T>(Db &)> fn,
                StoreCallback<T> cb, bool light = false);
    // Runs the completions on the store's thread, in order, as one posted event.
    void post(std::vector<SqlCompletion> done);
    std::unique_ptr<Db> openConnection(const QString &name, bool writer, QString *errorMessage);

    std::unique_ptr<SqlDialect> m_dialect;
    int m_maxGroupSize;
    std::unique_ptr<SqlWorker> m_writer, m_reader;
    bool m_open = false;
};

} // namespace chat::server
