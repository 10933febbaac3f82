// Db: one QtSql connection with a cache of prepared statements, used by exactly one
// thread (a SqlWorker). SqlDialect: what differs between SQL engines (connection
// options, migrations folder); the statements themselves (sqlops.cpp) are written in the
// subset SQLite and PostgreSQL share.
#pragma once

#include "net/protocol/errors.h"

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QVariant>
#include <memory>

namespace chat::server {

class SqlDialect
{
public:
    virtual ~SqlDialect() = default;
    virtual QString driver() const = 0;
    // Opens `db` (already added with driver()) and applies connection settings; `writer`:
    // the store's one writing connection.
    virtual bool configure(QSqlDatabase &db, QString *errorMessage, bool writer = false) const = 0;
    // Qt resource folder with NNN_name.sql migrations for this engine.
    virtual QString migrationsPath() const = 0;
    virtual int schemaVersion(QSqlDatabase &db) const = 0;
    virtual bool setSchemaVersion(QSqlDatabase &db, int version) const = 0;
    // The statement that opens a write transaction (SQLite: take the write lock at once).
    virtual QString beginWrite() const = 0;
};

// SQLite file in DIR/chat.db, WAL, synchronous=FULL (a commit has reached the disk when
// COMMIT returns), foreign keys on, busy timeout for the reader connection.
class SqliteDialect : public SqlDialect
{
public:
    explicit SqliteDialect(QString filePath) : m_path(std::move(filePath)) { }
    QString driver() const override { return QStringLiteral("QSQLITE"); }
    // The writer's connection buffers its WAL writes (walbuffervfs.h) when it can.
    bool configure(QSqlDatabase &db, QString *errorMessage, bool writer = false) const override;
    QString migrationsPath() const override { return QStringLiteral(":/chat/server/sqlite"); }
    int schemaVersion(QSqlDatabase &db) const override;
    bool setSchemaVersion(QSqlDatabase &db, int version) const override;
    QString beginWrite() const override { return QStringLiteral("BEGIN IMMEDIATE"); }

private:
    QString m_path;
};

class SqliteSendPath;
class SqliteReadPath;

class Db
{
public:
    Db(QSqlDatabase db, const SqlDialect *dialect);
    ~Db();
    QSqlDatabase &database() { return m_db; }
    const SqlDialect &dialect() const { return *m_dialect; }

    // The send path on the sqlite3 C API (sqlsend.h), for the SQLite writer connection;
    // false + a sentence if it cannot be set up. Without it, sends go through QtSql.
    bool enableFastSend(QString *errorMessage);
    SqliteSendPath *fastSend() { return m_fastSend.get(); }
    // The catch-up reads on the sqlite3 C API (sqlread.h), for the SQLite reader
    // connection; false + a sentence if it cannot be set up (reads then go through QtSql).
    bool enableFastRead(QString *errorMessage);
    SqliteReadPath *fastRead() { return m_fastRead.get(); }
    // Writes what the fast send path deferred to the end of the batch (inside the open
    // transaction, before COMMIT); false on a storage failure (lastError() says why).
    bool flushDeferred();
    // Drops what the fast send path cached or deferred: after any rollback, and before a
    // job that may change members, conversations or counters behind its back.
    void forgetDeferred();

    // Whether a statement failed since clearFailure(): tells a storage failure from a
    // logic error in a job that returned false.
    bool failed() const { return m_failed; }
    void clearFailure() { m_failed = false; }
    void setFailure(const QString &message);

    // Prepared once per connection, keyed by the literal's address.
    QSqlQuery &query(const char *sql);
    // Binds args positionally and executes; on failure records lastError().
    bool run(QSqlQuery &q, const QVariantList &args = {});
    // For transaction control and pragmas (on the SQLite writer: prepared once, C API).
    bool exec(const QString &sql);
    proto::ProtocolError storageError() const;
    QString lastError() const { return m_lastError; }

private:
    QSqlDatabase m_db;
    const SqlDialect *m_dialect;
    QHash<const char *, QSqlQuery> m_cache;
    QString m_lastError;
    bool m_failed = false;
    // Declared last: their statements are finalized before the connection can close.
    std::unique_ptr<SqliteSendPath> m_fastSend;
    std::unique_ptr<SqliteReadPath> m_fastRead;
};

// Applies every migration above the stored schema version, each in its own transaction.
bool migrate(Db &db, QString *errorMessage);

} // namespace chat::server
