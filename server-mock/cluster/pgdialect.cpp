#include "pgdialect.h"

#include "logging.h"
#include "sqlstore.h"

#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

static void initPgResources()
{
    Q_INIT_RESOURCE(pg_resources);
}

namespace chat::server::cluster {

namespace {
// pg_advisory_lock key for "migrating the chat schema" (any constant unique to this use).
constexpr qint64 kMigrationLock = 0x63686174'6d696772; // "chatmigr"

bool execAll(QSqlDatabase &db, const QStringList &statements, QString *errorMessage)
{
    for (const QString &s : statements) {
        QSqlQuery q(db);
        if (!q.exec(s)) {
            *errorMessage = u"PostgreSQL: %1: %2"_s.arg(s, q.lastError().text());
            return false;
        }
    }
    return true;
}
} // namespace

bool PgEndpoint::parse(const QUrl &url, PgEndpoint *out, QString *errorMessage)
{
    const QString scheme = url.scheme();
    const QString db = url.path().mid(1);
    if (!url.isValid() || (scheme != "postgres"_L1 && scheme != "postgresql"_L1)
        || url.host().isEmpty() || db.isEmpty() || db.contains(u'/')) {
        *errorMessage = u"expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, got '%1'"_s.arg(
            url.toString(QUrl::RemovePassword));
        return false;
    }
    PgEndpoint e;
    e.host = url.host();
    e.port = url.port(5432);
    e.user = url.userName().isEmpty() ? u"postgres"_s : url.userName();
    e.password = url.password();
    e.database = db;
    *out = e;
    return true;
}

PgDialect::PgDialect(PgEndpoint endpoint, QString applicationName)
    : m_endpoint(std::move(endpoint)), m_applicationName(std::move(applicationName))
{
    initPgResources();
}

bool PgDialect::configure(QSqlDatabase &db, QString *errorMessage, bool) const
{
    db.setHostName(m_endpoint.host);
    db.setPort(m_endpoint.port);
    db.setUserName(m_endpoint.user);
    db.setPassword(m_endpoint.password);
    db.setDatabaseName(m_endpoint.database);
    // A database that does not answer must turn into `unavailable`, not a hung worker:
    // bounded connect, TCP keepalives to notice a vanished server.
    db.setConnectOptions(u"connect_timeout=3;keepalives=1;keepalives_idle=5;"
                         "keepalives_interval=2;keepalives_count=3;application_name="_s
                         + m_applicationName);
    if (!db.open()) {
        *errorMessage =
            u"cannot connect to PostgreSQL at %1:%2 database %3: %4"_s.arg(m_endpoint.host)
                .arg(m_endpoint.port)
                .arg(m_endpoint.database, db.lastError().text().trimmed());
        return false;
    }
    // synchronous_commit=on: COMMIT returns after the WAL record is flushed (persist before
    // ack). The timeouts bound how long one stuck node (holding the write lock, or idle in
    // a transaction) can stall the others: they get `unavailable` and their clients retry.
    if (!execAll(db,
                 {u"SET synchronous_commit = on"_s, u"SET lock_timeout = '10s'"_s,
                  u"SET statement_timeout = '30s'"_s,
                  u"SET idle_in_transaction_session_timeout = '30s'"_s,
                  u"SET client_min_messages = warning"_s},
                 errorMessage))
        return false;

    // Migrations: one node at a time, the others find the schema current.
    if (!execAll(db,
                 {u"SELECT pg_advisory_lock(%1)"_s.arg(kMigrationLock),
                  u"CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"_s},
                 errorMessage))
        return false;
    bool ok;
    {
        Db tmp(db, this);
        ok = migrate(tmp, errorMessage);
    }
    QString unlockError;
    execAll(db, {u"SELECT pg_advisory_unlock(%1)"_s.arg(kMigrationLock)}, &unlockError);
    return ok;
}

int PgDialect::schemaVersion(QSqlDatabase &db) const
{
    QSqlQuery q(db);
    if (!q.exec(u"SELECT COALESCE(MAX(version), 0) FROM schema_version"_s) || !q.next())
        return -1;
    return q.value(0).toInt();
}

bool PgDialect::setSchemaVersion(QSqlDatabase &db, int version) const
{
    QSqlQuery q(db);
    return q.exec(u"DELETE FROM schema_version"_s)
           && q.exec(u"INSERT INTO schema_version (version) VALUES (%1)"_s.arg(version));
}

QString PgDialect::beginWrite() const
{
    // The counter row is updated by nearly every write anyway; locking it first makes the
    // order of locks the same in every transaction (no deadlocks) and the idempotency check
    // see every committed send (no duplicate-key failure for a concurrent retry).
    return u"BEGIN ISOLATION LEVEL READ COMMITTED; "
           "SELECT value FROM counters WHERE name = 'change_seq' FOR UPDATE"_s;
}

std::unique_ptr<SqlStore> createPgStore(const QUrl &url, const QString &nodeId, int maxBatch,
                                        int maxGroupSize, QString *errorMessage)
{
    PgEndpoint e;
    if (!PgEndpoint::parse(url, &e, errorMessage))
        return nullptr;
    const QString app = nodeId.isEmpty() ? u"chat-server"_s : u"chat-server-"_s + nodeId;
    return std::make_unique<SqlStore>(std::make_unique<PgDialect>(e, app), maxBatch, maxGroupSize);
}

} // namespace chat::server::cluster
