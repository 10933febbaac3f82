#include "sqldb.h"

#include "net/logging.h"
#include "sqlread.h"
#include "sqlsend.h"
#include "walbuffervfs.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlError>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace chat::server {

bool SqliteDialect::configure(QSqlDatabase &db, QString *errorMessage, bool writer) const
{
    db.setDatabaseName(m_path);
    db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
    // The writer's WAL writes go out as one write per commit (walbuffervfs.h); the file is
    // the same either way, so if the VFS cannot be used the plain open follows.
    const QString vfs = writer ? walBufferVfsName() : QString();
    bool opened = false;
    if (!vfs.isEmpty()) {
        db.setDatabaseName(QUrl::fromLocalFile(m_path).toString(QUrl::FullyEncoded) + u"?vfs="_s
                           + vfs);
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000;QSQLITE_OPEN_URI"_s);
        opened = db.open();
        if (!opened) {
            qCWarning(lcServerStore)
                << "the WAL-buffering VFS cannot open the store:" << db.lastError().text();
            db.setDatabaseName(m_path);
            db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
        }
    }
    if (!opened && !db.open()) {
        *errorMessage = u"cannot open the SQLite store %1: %2"_s.arg(m_path, db.lastError().text());
        return false;
    }
    // WAL: readers never block the writer. synchronous=FULL: COMMIT returns only after the
    // WAL is fsynced, so an acked message survives kill -9 and power loss.
    const QStringList pragmas{u"PRAGMA journal_mode=WAL"_s, u"PRAGMA synchronous=FULL"_s,
                              u"PRAGMA foreign_keys=ON"_s};
    for (const QString &p : pragmas) {
        QSqlQuery q(db);
        if (!q.exec(p)) {
            *errorMessage =
                u"cannot configure the SQLite store (%1): %2"_s.arg(p, q.lastError().text());
            return false;
        }
    }
    return true;
}

int SqliteDialect::schemaVersion(QSqlDatabase &db) const
{
    QSqlQuery q(db);
    if (!q.exec(u"PRAGMA user_version"_s) || !q.next())
        return -1;
    return q.value(0).toInt();
}

bool SqliteDialect::setSchemaVersion(QSqlDatabase &db, int version) const
{
    QSqlQuery q(db);
    return q.exec(u"PRAGMA user_version = %1"_s.arg(version));
}

Db::Db(QSqlDatabase db, const SqlDialect *dialect) : m_db(std::move(db)), m_dialect(dialect)
{ }

Db::~Db() = default;

static sqlite3 *sqliteHandle(QSqlDatabase &db, QString *errorMessage)
{
    const QVariant handle = db.driver() ? db.driver()->handle() : QVariant();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0) {
        *errorMessage = u"the connection has no sqlite3 handle"_s;
        return nullptr;
    }
    sqlite3 *raw = *static_cast<sqlite3 *const *>(handle.constData());
    if (!raw)
        *errorMessage = u"the SQLite connection is not open"_s;
    return raw;
}

bool Db::enableFastRead(QString *errorMessage)
{
    sqlite3 *raw = sqliteHandle(m_db, errorMessage);
    if (!raw)
        return false;
    auto path = std::make_unique<SqliteReadPath>(raw);
    if (!path->prepare(errorMessage))
        return false;
    m_fastRead = std::move(path);
    return true;
}

bool Db::enableFastSend(QString *errorMessage)
{
    sqlite3 *raw = sqliteHandle(m_db, errorMessage);
    if (!raw)
        return false;
    auto path = std::make_unique<SqliteSendPath>(raw);
    if (!path->prepare(errorMessage))
        return false;
    m_fastSend = std::move(path);
    return true;
}

bool Db::flushDeferred()
{
    if (!m_fastSend || !m_fastSend->hasDeferred())
        return true;
    QString message;
    if (!m_fastSend->flush(&message)) {
        setFailure(message);
        return false;
    }
    return true;
}

void Db::forgetDeferred()
{
    if (m_fastSend)
        m_fastSend->forget();
}

void Db::setFailure(const QString &message)
{
    m_lastError = message;
    m_failed = true;
}

QSqlQuery &Db::query(const char *sql)
{
    auto it = m_cache.find(sql);
    if (it == m_cache.end()) {
        QSqlQuery q(m_db);
        q.setForwardOnly(true);
        if (!q.prepare(QString::fromUtf8(sql)))
            qCWarning(lcServerStore) << "prepare failed:" << q.lastError().text() << sql;
        it = m_cache.insert(sql, q);
    }
    return it.value();
}

bool Db::run(QSqlQuery &q, const QVariantList &args)
{
    q.finish();
    for (int i = 0; i < args.size(); ++i)
        q.bindValue(i, args.at(i));
    if (!q.exec()) {
        setFailure(q.lastError().text());
        qCWarning(lcServerStore) << "statement failed:" << m_lastError << q.lastQuery();
        return false;
    }
    return true;
}

bool Db::exec(const QString &sql)
{
    if (m_fastSend) {
        QString message;
        if (!m_fastSend->exec(sql, &message)) {
            setFailure(message);
            qCWarning(lcServerStore) << "statement failed:" << m_lastError << sql;
            return false;
        }
        return true;
    }
    QSqlQuery q(m_db);
    if (!q.exec(sql)) {
        setFailure(q.lastError().text());
        qCWarning(lcServerStore) << "statement failed:" << m_lastError << sql;
        return false;
    }
    return true;
}

proto::ProtocolError Db::storageError() const
{
    return {proto::ErrorCode::Unavailable,
            {},
            u"storage is unavailable, nothing was stored; retry later"_s,
            {}};
}

bool migrate(Db &db, QString *errorMessage)
{
    const SqlDialect &d = db.dialect();
    const int current = d.schemaVersion(db.database());
    if (current < 0) {
        *errorMessage = u"cannot read the schema version of the store"_s;
        return false;
    }
    QDir dir(d.migrationsPath());
    const QStringList files = dir.entryList({u"*.sql"_s}, QDir::Files, QDir::Name);
    static const QRegularExpression numbered(u"^(\\d+)_"_s);
    for (const QString &name : files) {
        const auto m = numbered.match(name);
        if (!m.hasMatch())
            continue;
        const int version = m.captured(1).toInt();
        if (version <= current)
            continue;
        QFile f(dir.filePath(name));
        if (!f.open(QIODevice::ReadOnly)) {
            *errorMessage = u"cannot read migration %1"_s.arg(name);
            return false;
        }
        const QString text = QString::fromUtf8(f.readAll());
        if (!db.exec(u"BEGIN"_s)) {
            *errorMessage = u"migration %1: %2"_s.arg(name, db.lastError());
            return false;
        }
        // Statements end with ';' at the end of a line; comment lines are skipped.
        QString stmt;
        bool ok = true;
        const QStringList lines = text.split(u'\n');
        for (const QString &line : lines) {
            if (line.trimmed().startsWith("--"_L1))
                continue;
            stmt += line + u'\n';
            if (line.trimmed().endsWith(u';')) {
                if (!db.exec(stmt.trimmed())) {
                    ok = false;
                    break;
                }
                stmt.clear();
            }
        }
        if (ok && !stmt.trimmed().isEmpty())
            ok = db.exec(stmt.trimmed());
        if (ok)
            ok = d.setSchemaVersion(db.database(), version);
        if (!ok || !db.exec(u"COMMIT"_s)) {
            *errorMessage = u"migration %1 failed: %2"_s.arg(name, db.lastError());
            db.exec(u"ROLLBACK"_s);
            return false;
        }
        qCInfo(lcServerStore) << "applied migration" << name;
    }
    return true;
}

} // namespace chat::server
