#include "sqlstore.h"

#include "net/logging.h"
#include "sqlops.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QUuid>

using namespace Qt::StringLiterals;

static void initServerResources()
{
    Q_INIT_RESOURCE(server_resources);
}

namespace chat::server {

SqlStore::SqlStore(std::unique_ptr<SqlDialect> dialect, int maxBatch, int maxGroupSize,
                   QObject *parent)
    : QObject(parent), m_dialect(std::move(dialect)), m_maxGroupSize(maxGroupSize)
{
    initServerResources();
    const QString tag = QUuid::createUuid().toString(QUuid::WithoutBraces);
    // A batch's completions go back to the store's thread as one posted event.
    auto deliver = [this](std::vector<SqlCompletion> done) { post(std::move(done)); };
    m_writer = std::make_unique<SqlWorker>(
        u"chat-store-writer"_s,
        [this, tag](QString *e) { return openConnection(u"w-"_s + tag, true, e); }, true, maxBatch,
        deliver, commitWindow(), adaptiveCommitWindow());
    m_reader = std::make_unique<SqlWorker>(
        u"chat-store-reader"_s,
        [this, tag](QString *e) { return openConnection(u"r-"_s + tag, false, e); }, false, 1,
        deliver);
}

namespace {
// A commit window from the environment (0..100000 µs), or `fallback` if unset or out of range.
std::chrono::microseconds windowFromEnv(const char *name, std::chrono::microseconds fallback)
{
    bool ok = false;
    const int us = qEnvironmentVariableIntValue(name, &ok);
    if (ok && us >= 0 && us <= 100000)
        return std::chrono::microseconds(us);
    return fallback;
}
} // namespace

std::chrono::microseconds SqlStore::commitWindow()
{
    return windowFromEnv("CHAT_SERVER_COMMIT_WINDOW_US", kDefaultCommitWindow);
}

std::chrono::microseconds SqlStore::adaptiveCommitWindow()
{
    return windowFromEnv("CHAT_SERVER_COMMIT_WINDOW_AUTO_US", kDefaultAdaptiveCommitWindow);
}

void SqlStore::post(std::vector<SqlCompletion> done)
{
    QMetaObject::invokeMethod(
        this,
        [done = std::move(done)]() {
            for (const SqlCompletion &c : done)
                c();
        },
        Qt::QueuedConnection);
}

SqlStore::~SqlStore()
{
    close();
}

std::unique_ptr<SqlStore> SqlStore::sqlite(const QString &dataDir, int maxBatch, int maxGroupSize)
{
    return std::make_unique<SqlStore>(
        std::make_unique<SqliteDialect>(QDir(dataDir).filePath(u"chat.db"_s)), maxBatch,
        maxGroupSize);
}

std::unique_ptr<Db> SqlStore::openConnection(const QString &name, bool writer,
                                             QString *errorMessage)
{
    QSqlDatabase qdb = QSqlDatabase::addDatabase(m_dialect->driver(), name);
    if (!m_dialect->configure(qdb, errorMessage, writer)) {
        qdb = {};
        QSqlDatabase::removeDatabase(name);
        return nullptr;
    }
    auto db = std::make_unique<Db>(qdb, m_dialect.get());
    if (writer) {
        // The writer owns the schema: migrations run before any reader opens.
        if (!migrate(*db, errorMessage) || !sqlops::ensureEpoch(*db)) {
            if (errorMessage->isEmpty())
                *errorMessage = u"cannot initialise the store: %1"_s.arg(db->lastError());
            db.reset();
            qdb = {};
            QSqlDatabase::removeDatabase(name);
            return nullptr;
        }
        // SQLite: the sends on the C API (sqlsend.h). This connection is the only one that
        // writes the file, which is what lets that path keep counters and members in memory.
        QString why;
        if (m_dialect->driver() == "QSQLITE"_L1 && !db->enableFastSend(&why))
            qCWarning(lcServerStore) << "sends go through QtSql:" << why;
    } else if (m_dialect->driver() == "QSQLITE"_L1) {
        // History and sync pages on the C API (sqlread.h).
        QString why;
        if (!db->enableFastRead(&why))
            qCWarning(lcServerStore) << "catch-up reads go through QtSql:" << why;
    }
    return db;
}

bool SqlStore::open(QString *errorMessage)
{
    if (m_open)
        return true;
    if (!m_writer->start(errorMessage))
        return false;
    if (!m_reader->start(errorMessage)) {
        m_writer->stop();
        return false;
    }
    m_open = true;
    return true;
}

void SqlStore::close()
{
    if (!m_open)
        return;
    m_writer->stop();
    m_reader->stop();
    m_open = false;
    // Deliver the completions the workers posted while draining.
    QCoreApplication::sendPostedEvents(this);
}

void SqlStore::failNextCommits(int n)
{
    m_writer->failNextCommits(n);
}

template<typename T>
void SqlStore::submit(SqlWorker &worker, QObject *ctx, std::function<Result<T>(Db &)> fn,
                      StoreCallback<T> cb, bool light)
{
    auto slot = std::make_shared<std::optional<Result<T>>>();
    QPointer<QObject> guard(ctx);
    SqlJob job;
    job.light = light;
    job.run = [fn = std::move(fn), slot](Db &db) {
        slot->emplace(fn(db));
        return (*slot)->ok();
    };
    job.finish = [slot, guard,
                  cb = std::move(cb)](const ProtocolError *failure) mutable -> SqlCompletion {
        if (failure)
            slot->emplace(*failure);
        else if (!slot->has_value()) // cannot happen: run() always fills it
            slot->emplace(ProtocolError{proto::ErrorCode::Internal,
                                        {},
                                        u"the store lost this request; please report it"_s,
                                        {}});
        // Runs back on the store's thread; the guard is only read there.
        return [slot, guard, cb = std::move(cb)]() {
            if (guard)
                cb(std::move(**slot));
        };
    };
    if (!m_open) {
        const ProtocolError closed{proto::ErrorCode::Unavailable, {}, u"the store is closed"_s, {}};
        std::vector<SqlCompletion> done;
        done.push_back(job.finish(&closed));
        post(std::move(done));
        return;
    }
    worker.post(std::move(job));
}

void SqlStore::createUser(const QString &username, const QByteArray &passwordHash,
                          const QString &displayName, QObject *ctx, StoreCallback<proto::User> cb)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    submit<proto::User>(
        *m_writer, ctx,
        [=](Db &db) { return sqlops::createUser(db, username, passwordHash, displayName, now); },
        std::move(cb));
}

void SqlStore::loginRecord(const QString &username, QObject *ctx, StoreCallback<LoginRecord> cb)
{
    submit<LoginRecord>(
        *m_reader, ctx, [=](Db &db) { return sqlops::loginRecord(db, username); }, std::move(cb));
}

void SqlStore::createToken(const QString &userId, const QByteArray &tokenHash, qint64 expiresAt,
                           const QString &device, QObject *ctx, StoreCallback<bool> cb)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    submit<bool>(
        *m_writer, ctx,
        [=](Db &db) { return sqlops::createToken(db, userId, tokenHash, expiresAt, device, now); },
        std::move(cb));
}

void SqlStore::userForToken(const QByteArray &tokenHash, qint64 now, QObject *ctx,
                            StoreCallback<proto::User> cb)
{
    submit<proto::User>(
        *m_reader, ctx, [=](Db &db) { return sqlops::userForToken(db, tokenHash, now); },
        std::move(cb));
}

void SqlStore::revokeToken(const QByteArray &tokenHash, QObject *ctx, StoreCallback<bool> cb)
{
    submit<bool>(
        *m_writer, ctx, [=](Db &db) { return sqlops::revokeToken(db, tokenHash); }, std::move(cb));
}

void SqlStore::resolveUser(const QString &idOrUsername, QObject *ctx, StoreCallback<proto::User> cb)
{
    submit<proto::User>(
        *m_reader, ctx, [=](Db &db) { return sqlops::resolveUser(db, idOrUsername); },
        std::move(cb));
}

void SqlStore::searchUsers(const QString &query, int limit, QObject *ctx,
                           StoreCallback<QList<proto::User>> cb)
{
    submit<QList<proto::User>>(
        *m_reader, ctx, [=](Db &db) { return sqlops::searchUsers(db, query, limit); },
        std::move(cb));
}

void SqlStore::peers(const QString &userId, QObject *ctx, StoreCallback<QStringList> cb)
{
    submit<QStringList>(
        *m_reader, ctx, [=](Db &db) { return sqlops::peers(db, userId); }, std::move(cb));
}

void SqlStore::createConversation(const QString &creatorId, proto::ConversationKind kind,
                                  const QString &title, const QStringList &memberIds, qint64 now,
                                  QObject *ctx, StoreCallback<ConversationOutcome> cb)
{
    const int maxGroup = m_maxGroupSize;
    submit<ConversationOutcome>(
        *m_writer, ctx,
        [=](Db &db) {
            return sqlops::createConversation(db, creatorId, kind, title, memberIds, now, maxGroup);
        },
        std::move(cb));
}

void SqlStore::addMembers(const QString &actorId, const QString &conversationId,
                          const QStringList &userIds, QObject *ctx,
                          StoreCallback<ConversationOutcome> cb)
{
    const int maxGroup = m_maxGroupSize;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    submit<ConversationOutcome>(
        *m_writer, ctx,
        [=](Db &db) {
            return sqlops::addMembers(db, actorId, conversationId, userIds, now, maxGroup);
        },
        std::move(cb));
}

void SqlStore::leave(const QString &actorId, const QString &conversationId, QObject *ctx,
                     StoreCallback<ConversationOutcome> cb)
{
    submit<ConversationOutcome>(
        *m_writer, ctx, [=](Db &db) { return sqlops::leave(db, actorId, conversationId); },
        std::move(cb));
}

void SqlStore::memberIds(const QString &userId, const QString &conversationId, QObject *ctx,
                         StoreCallback<QStringList> cb)
{
    submit<QStringList>(
        *m_reader, ctx, [=](Db &db) { return sqlops::memberIds(db, userId, conversationId); },
        std::move(cb));
}

void SqlStore::send(const SendParams &p, QObject *ctx, StoreCallback<SendOutcome> cb)
{
    // Light: a send writes nothing before it can fail on a logic error (sqlops::send), so it
    // needs no savepoint of its own.
    submit<SendOutcome>(
        *m_writer, ctx, [p](Db &db) { return sqlops::send(db, p); }, std::move(cb), true);
}

void SqlStore::history(const HistoryParams &p, QObject *ctx, StoreCallback<HistoryOutcome> cb)
{
    submit<HistoryOutcome>(
        *m_reader, ctx, [p](Db &db) { return sqlops::history(db, p); }, std::move(cb));
}

void SqlStore::markReceipt(const QString &userId, const QString &conversationId, qint64 delivered,
                           qint64 read, QObject *ctx, StoreCallback<ReceiptOutcome> cb)
{
    // Light like a send: a refused receipt has written nothing (sqlops::markReceipt).
    submit<ReceiptOutcome>(
        *m_writer, ctx,
        [=](Db &db) { return sqlops::markReceipt(db, userId, conversationId, delivered, read); },
        std::move(cb), true);
}

void SqlStore::sync(const SyncParams &p, QObject *ctx, StoreCallback<SyncOutcome> cb)
{
    submit<SyncOutcome>(
        *m_reader, ctx, [p](Db &db) { return sqlops::sync(db, p); }, std::move(cb));
}

void SqlStore::seed(const Fixture &fixture, qint64 now, QObject *ctx, StoreCallback<SeedOutcome> cb)
{
    submit<SeedOutcome>(
        *m_writer, ctx, [fixture, now](Db &db) { return sqlops::seed(db, fixture, now); },
        std::move(cb));
}

void SqlStore::stats(QObject *ctx, StoreCallback<StoreStats> cb)
{
    submit<StoreStats>(
        *m_reader, ctx, [](Db &db) { return sqlops::stats(db); },
        [this, cb = std::move(cb)](Result<StoreStats> r) {
            if (r.ok()) {
                r.value().writeTransactions = qint64(m_writer->transactions());
                r.value().writeJobs = qint64(m_writer->jobs());
            }
            cb(std::move(r));
        });
}

} // namespace chat::server
