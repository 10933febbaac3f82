// PgDialect: the PostgreSQL flavour of the server's SQL store (SqlStore + SqlDialect, see
// server-mock/sqldb.h). The statements are shared with SQLite (server-mock/sqlops.cpp); what
// differs is here: the connection (QtSql QPSQL from a postgres:// URL), the migrations
// (resources/server/postgres), the schema version table, and how a write transaction
// starts: it locks the global change counter first, so write transactions of every node are
// serialized the way SQLite's BEGIN IMMEDIATE serializes them inside one process. That makes
// seq assignment gapless and the idempotency check race-free with several nodes writing the
// same conversation, and rules out deadlocks between writers (one lock, always taken first).
#pragma once

#include "sqldb.h"

#include <QUrl>
#include <memory>

namespace chat::server {
class SqlStore;
}

namespace chat::server::cluster {

struct PgEndpoint {
    QString host, user, password, database;
    int port = 5432;
    // postgres://user[:password]@host[:port]/database (postgresql:// too); false + a sentence.
    static bool parse(const QUrl &url, PgEndpoint *out, QString *errorMessage);
};

class PgDialect : public SqlDialect
{
public:
    PgDialect(PgEndpoint endpoint, QString applicationName);
    QString driver() const override { return QStringLiteral("QPSQL"); }
    // Connects, applies session settings and brings the schema up to date under an advisory
    // lock (nodes starting together migrate once).
    bool configure(QSqlDatabase &db, QString *errorMessage, bool writer = false) const override;
    QString migrationsPath() const override { return QStringLiteral(":/chat/server/postgres"); }
    int schemaVersion(QSqlDatabase &db) const override;
    bool setSchemaVersion(QSqlDatabase &db, int version) const override;
    QString beginWrite() const override;

private:
    PgEndpoint m_endpoint;
    QString m_applicationName;
};

// SqlStore over PostgreSQL: what chat-server uses for --store postgres://...
std::unique_ptr<SqlStore> createPgStore(const QUrl &url, const QString &nodeId, int maxBatch,
                                        int maxGroupSize, QString *errorMessage);

} // namespace chat::server::cluster
