#include "localstore.h"

#include "net/logging.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMultiHash>
#include <QMutex>
#include <QRegularExpression>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QTimer>
#include <QUuid>
#include <algorithm>
#include <atomic>
#include <sqlite3.h>

using namespace Qt::StringLiterals;
using namespace chat::proto;

// Q_INIT_RESOURCE must be used outside any namespace. Needed when chat_sync is linked
// statically into a program that would otherwise drop the resource object.
static void initMigrationResources()
{
    Q_INIT_RESOURCE(client_migrations);
}

namespace chat::sync {

namespace {
const auto kMigrationDir = u":/chat/client/migrations"_s;

// Split a migration file into statements: a statement ends with ';' at the end of a line,
// except inside CREATE TRIGGER ... END; bodies.
QStringList splitStatements(const QString &sql)
{
    QStringList out;
    QString current;
    bool inTrigger = false;
    const auto lines = sql.split(u'\n');
    for (const QString &rawLine : lines) {
        const QString line = rawLine.trimmed();
        if (current.trimmed().isEmpty() && (line.startsWith("--"_L1) || line.isEmpty()))
            continue;
        current += rawLine + u'\n';
        if (line.startsWith("CREATE TRIGGER"_L1, Qt::CaseInsensitive))
            inTrigger = true;
        if (line.endsWith(u';')) {
            if (inTrigger && line.compare("END;"_L1, Qt::CaseInsensitive) != 0)
                continue;
            inTrigger = false;
            out.append(current.trimmed());
            current.clear();
        }
    }
    if (!current.trimmed().isEmpty())
        out.append(current.trimmed());
    return out;
}

Error storageError(const QString &message)
{
    return Error{Error::Code::Storage, message, {}};
}

// StoreThread: a low-priority thread with a SQLite connection of its own to the store file
// (opened in that thread: a Qt SQL connection is used only where it was made) and a
// single-shot timer living there; the WAL checkpointer and the search indexer each run on
// one. `opened` and `timeout` run in the thread. The owner calls stop() first thing in its
// destructor, so nothing runs in the thread once the owner's members start to go.
class StoreThread
{
public:
    StoreThread(const QString &path, const QString &name, const char *what,
                std::function<void(QSqlDatabase &, QTimer *)> opened, std::function<void()> timeout)
    {
        static std::atomic<int> counter{0};
        m_connectionName = name + u'-' + QString::number(++counter);
        m_thread.setObjectName(name);
        m_worker.moveToThread(&m_thread);
        m_thread.start(QThread::LowPriority);
        QMetaObject::invokeMethod(&m_worker, [this, path, what, opened, timeout] {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connectionName);
            db.setDatabaseName(path);
            db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
            if (!db.open())
                qCWarning(lcSyncStore) << what << "connection:" << db.lastError().text();
            m_timer = new QTimer(&m_worker);
            m_timer->setSingleShot(true);
            QObject::connect(m_timer, &QTimer::timeout, &m_worker, timeout);
            if (opened)
                opened(db, m_timer);
        });
    }
    ~StoreThread() { stop(); }

    // Runs `last` in the thread, closes the connection and ends the thread (once).
    void stop(const std::function<void()> &last = {})
    {
        if (std::exchange(m_stopped, true))
            return;
        QMetaObject::invokeMethod(
            &m_worker,
            [this, &last] {
                delete m_timer;
                m_timer = nullptr;
                if (last)
                    last();
                QSqlDatabase::database(m_connectionName, false).close();
            },
            Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
        QSqlDatabase::removeDatabase(m_connectionName);
    }

    // Queues `f` to run in the thread.
    void post(std::function<void()> f) { QMetaObject::invokeMethod(&m_worker, std::move(f)); }
    // In the thread only: its timer (null once stopping) and its connection.
    QTimer *timer() const { return m_timer; }
    QSqlDatabase database() const { return QSqlDatabase::database(m_connectionName, false); }

private:
    QThread m_thread;
    QObject m_worker;
    QTimer *m_timer = nullptr; // in m_thread
    QString m_connectionName;
    bool m_stopped = false;
};
} // namespace

// WalCheckpointer: copies the WAL back into the database file on a thread of its own, with
// its own SQLite connection, so that no commit on the engine's (UI) thread pays for a
// checkpoint (a copy of up to megabytes plus two fsyncs). The store's connection runs with
// wal_autocheckpoint=0 and calls request() after each commit; requests within
// kCheckpointDelayMs coalesce into one PASSIVE checkpoint, which never blocks readers or the
// writer. The connection closing last (the store's) checkpoints whatever is left.
class WalCheckpointer
{
public:
    static constexpr int kCheckpointDelayMs = 100;

    explicit WalCheckpointer(const QString &path)
        : m_thread(
            path, u"chat-store-ckpt"_s, "checkpoint",
            [](QSqlDatabase &, QTimer *timer) { timer->setInterval(kCheckpointDelayMs); },
            [this] { checkpoint(); })
    { }

    ~WalCheckpointer() { m_thread.stop(); }

    // From the store's thread; cheap when a checkpoint is already due.
    void request()
    {
        if (m_requested.exchange(true))
            return;
        m_thread.post([this] {
            if (QTimer *timer = m_thread.timer(); timer && !timer->isActive())
                timer->start();
        });
    }

    int checkpoints() const { return m_done.load(); }

private:
    void checkpoint()
    {
        m_requested = false;
        QSqlDatabase db = m_thread.database();
        if (!db.isOpen())
            return;
        QSqlQuery q(db);
        if (!q.exec(u"PRAGMA wal_checkpoint(PASSIVE)"_s))
            qCDebug(lcSyncStore) << "checkpoint:" << q.lastError().text();
        q.finish();
        ++m_done;
    }

    std::atomic<bool> m_requested{false};
    std::atomic<int> m_done{0};
    StoreThread m_thread; // last: its callbacks use the members above
};

// --- Search index (migration 005) --------------------------------------------------------------
// Messages are stored without touching the search index; it is brought up to date afterwards in
// batches of rowids (search_state.indexed_upto is the cursor: every message at or below it is
// indexed, none above it), by the SearchIndexer's thread when the store is idle and by
// LocalStore::indexSearchPending() before a search. One batch is one write transaction holding
// a handful of set-based statements, however many messages it indexes.

namespace {
std::atomic<bool> g_backgroundSearchIndexing{true};

// Index the next `maxRows` pending messages (by rowid) through `db`, inside the caller's write
// transaction. Returns how many were indexed (0: nothing pending) or -1 with `*why` set.
// `prepare` hands out a statement for a SQL text (cached or not, as the caller likes).
qint64 indexSearchBatch(const std::function<QSqlQuery &(const QString &)> &prepare, qint64 maxRows,
                        QString *why)
{
    auto fail = [&](QSqlQuery &q) {
        *why = q.lastError().text();
        q.finish();
        return qint64(-1);
    };
    qint64 from = 0, to = 0, count = 0;
    {
        QSqlQuery &q = prepare(u"SELECT indexed_upto FROM search_state WHERE id = 1"_s);
        if (!q.exec() || !q.next())
            return q.lastError().isValid() ? fail(q) : (*why = u"no search_state row"_s, -1);
        from = q.value(0).toLongLong();
        q.finish();
    }
    {
        QSqlQuery &q = prepare(u"SELECT MAX(r), COUNT(*) FROM (SELECT rowid AS r FROM messages "
                               "WHERE rowid > ? ORDER BY rowid LIMIT ?)"_s);
        q.bindValue(0, from);
        q.bindValue(1, maxRows);
        if (!q.exec() || !q.next())
            return fail(q);
        to = q.value(0).toLongLong();
        count = q.value(1).toLongLong();
        q.finish();
    }
    if (count == 0)
        return 0;
    // Keys as in migration 003: (ts << 21) | (rowid & 0x1FFFFF); a key already taken (two
    // messages in one millisecond, rowids 2^21 apart) becomes the next free one instead.
    qint64 keyed = 0;
    {
        QSqlQuery &q = prepare(u"INSERT OR IGNORE INTO search_keys (key, message_rowid) "
                               "SELECT (ts << 21) | (rowid & 2097151), rowid FROM messages "
                               "WHERE rowid > ? AND rowid <= ?"_s);
        q.bindValue(0, from);
        q.bindValue(1, to);
        if (!q.exec())
            return fail(q);
        keyed = q.numRowsAffected();
    }
    if (keyed < count) {
        QSqlQuery &q = prepare(u"INSERT INTO search_keys (key, message_rowid) "
                               "SELECT NULL, m.rowid FROM messages m WHERE m.rowid > ? AND "
                               "m.rowid <= ? AND NOT EXISTS (SELECT 1 FROM search_keys k "
                               "WHERE k.message_rowid = m.rowid) ORDER BY m.rowid"_s);
        q.bindValue(0, from);
        q.bindValue(1, to);
        if (!q.exec())
            return fail(q);
    }
    {
        // In key order: FTS5 starts a new segment whenever a key is below the previous one
        // within a transaction. The folding expression is migration 004's, character for
        // character (the delete trigger must hand FTS5 the text it indexed).
        QSqlQuery &q = prepare(u"INSERT INTO messages_fts (rowid, content) "
                               "SELECT k.key, replace(replace(m.content, 'ß', 'ss'), 'ẞ', 'ss') "
                               "FROM messages m JOIN search_keys k ON k.message_rowid = m.rowid "
                               "WHERE m.rowid > ? AND m.rowid <= ? ORDER BY k.key"_s);
        q.bindValue(0, from);
        q.bindValue(1, to);
        if (!q.exec())
            return fail(q);
    }
    {
        QSqlQuery &q = prepare(u"UPDATE search_state SET indexed_upto = ? WHERE id = 1"_s);
        q.bindValue(0, to);
        if (!q.exec())
            return fail(q);
    }
    return count;
}
} // namespace

// SearchIndexer: indexes what the store's connections have stored, on a thread of its own with
// its own SQLite connection, when the store has been idle for kIdleMs (a catch-up commits page
// after page: indexing waits until the pages stop, so it does not compete with them for the
// write lock) and at the latest kMaxDelayMs after the first unserved commit. It works in
// batches of kBatchRows, one short write transaction each, so the store's own writes wait for
// at most one batch. Every connection to the same file requests it after a commit (the
// StoreWriter's included): a registry by path finds it.
class SearchIndexer
{
public:
    static constexpr int kIdleMs = 150;
    static constexpr int kMaxDelayMs = 2000;
    static constexpr int kBatchRows = 1000;
    static constexpr int kMinPauseMs = 5;

    // `committed` runs in the indexer's thread after it committed batches.
    SearchIndexer(const QString &path, std::function<void()> committed)
        : m_path(path),
          m_committed(std::move(committed)),
          m_thread(
              path, u"chat-store-index"_s, "search index",
              [](QSqlDatabase &db, QTimer *) {
                  QSqlQuery q(db);
                  q.exec(u"PRAGMA synchronous=NORMAL"_s); // as the store's connections
              },
              [this] { run(); })
    {
        QMutexLocker lock(&registryMutex());
        registry().insert(m_path, this);
    }

    ~SearchIndexer()
    {
        {
            QMutexLocker lock(&registryMutex());
            registry().remove(m_path, this);
        }
        m_stop = true;
        m_thread.stop([this] { m_statements.clear(); });
    }

    // From any thread, after a commit that may have stored messages.
    void request()
    {
        m_thread.post([this] { schedule(); });
    }

    static void requestFor(const QString &path)
    {
        QMutexLocker lock(&registryMutex());
        const auto all = registry().values(path);
        for (SearchIndexer *indexer : all)
            indexer->request();
    }

private:
    static QMutex &registryMutex()
    {
        static QMutex m;
        return m;
    }
    static QMultiHash<QString, SearchIndexer *> &registry()
    {
        static QMultiHash<QString, SearchIndexer *> r;
        return r;
    }

    void schedule()
    {
        QTimer *timer = m_thread.timer();
        if (!timer)
            return;
        if (!m_waiting.isValid())
            m_waiting.start();
        timer->start(int(std::clamp<qint64>(kMaxDelayMs - m_waiting.elapsed(), 0, kIdleMs)));
    }

    // One batch, then back to the event loop: the next batch follows after a pause as long as
    // the batch took (so a connection waiting for the write lock - SQLite's busy handler polls
    // at growing intervals - gets it), or after kIdleMs when a commit of the store's came in
    // meanwhile (schedule() restarts the timer).
    void run()
    {
        m_waiting.invalidate();
        QSqlDatabase db = m_thread.database();
        if (!db.isOpen() || m_stop)
            return;
        auto prepare = [&](const QString &sql) -> QSqlQuery & {
            auto it = m_statements.find(sql);
            if (it == m_statements.end()) {
                QSqlQuery q(db);
                q.prepare(sql);
                it = m_statements.insert(sql, q);
            }
            return *it;
        };
        QElapsedTimer took;
        took.start();
        QSqlQuery begin(db);
        if (!begin.exec(u"BEGIN IMMEDIATE"_s)) {
            qCWarning(lcSyncStore) << "search index:" << begin.lastError().text();
            schedule(); // try again later
            return;
        }
        QString why;
        const qint64 n = indexSearchBatch(prepare, kBatchRows, &why);
        for (auto &q : m_statements)
            q.finish();
        if (n < 0 || !db.commit()) {
            qCWarning(lcSyncStore) << "search index:" << (n < 0 ? why : db.lastError().text());
            db.rollback();
            return;
        }
        if (n == 0)
            return;
        qCDebug(lcSyncStore) << "search index: indexed" << n << "messages in" << took.elapsed()
                             << "ms";
        if (m_committed)
            m_committed(); // the WAL grew: let the checkpoint thread copy it back
        if (QTimer *timer = m_thread.timer(); n == kBatchRows && timer)
            timer->start(int(qMax<qint64>(kMinPauseMs, took.elapsed())));
    }

    QString m_path;
    std::function<void()> m_committed;
    QElapsedTimer m_waiting;                // since the first unserved request (in m_thread)
    QHash<QString, QSqlQuery> m_statements; // in m_thread
    std::atomic<bool> m_stop{false};
    StoreThread m_thread; // last: its callbacks use the members above
};

LocalStore::~LocalStore()
{
    m_indexer.reset();      // before the checkpointer: its last batch is in the WAL
    m_checkpointer.reset(); // its connection closes first, so ours checkpoints what is left
    m_statements.clear();
    sqlite3_finalize(m_insertMessage); // a no-op for null; before the connection closes
    if (m_db.isValid())
        m_db.close();
    m_db = QSqlDatabase();
    if (!m_connectionName.isEmpty())
        QSqlDatabase::removeDatabase(m_connectionName);
    if (!m_openMarker.isEmpty())
        QFile::remove(m_openMarker); // a clean close: the next open needs only the light check
}

QStringList LocalStore::filesOf(const QString &path)
{
    QStringList out;
    for (const auto &suffix :
         {QString(), u"-wal"_s, u"-shm"_s, u"-journal"_s, u".open"_s, u".checked"_s})
        out.append(path + suffix);
    return out;
}

int LocalStore::latestSchemaVersion()
{
    initMigrationResources();
    int latest = 0;
    const auto files = QDir(kMigrationDir).entryList({u"*.sql"_s}, QDir::Files, QDir::Name);
    for (const QString &f : files)
        latest = qMax(latest, f.section(u'_', 0, 0).toInt());
    return latest;
}

namespace {
// How an existing store is checked when it is opened:
//  - full: `PRAGMA quick_check`, which reads every page (seconds at 1M messages: it was 83 %
//    of the desktop's start with a 1M cache). Run after an unclean shutdown (the "<store>.open"
//    marker is still there: a crash or power loss, when damage is likeliest) and when the last
//    full check is over a week old ("<store>.checked" holds its time);
//  - light, otherwise: sqlite_master and the first row of every table, which finds a damaged
//    header or table root (the damage that makes a store unusable) in milliseconds.
// Damage deeper in a table after a clean shutdown surfaces as an error when it is read, and
// the weekly full check sets the store aside then.
constexpr qint64 kFullCheckEveryMs = 7LL * 24 * 3600 * 1000;

// What a conversation's member list decides: the own read watermark, the other member of a
// direct conversation, and the title shown when the conversation has none.
void applyMembers(ConversationInfo &c, const QString &myUserId)
{
    for (const MemberInfo &m : std::as_const(c.members)) {
        if (m.userId == myUserId)
            c.readSeq = qMax(c.readSeq, m.readSeq);
        else if (!c.group && c.otherUserId.isEmpty())
            c.otherUserId = m.userId;
    }
    c.displayTitle = c.title;
    if (!c.group && c.displayTitle.isEmpty()) {
        for (const MemberInfo &m : std::as_const(c.members))
            if (m.userId == c.otherUserId)
                c.displayTitle = m.displayName.isEmpty() ? m.username : m.displayName;
    }
}

bool isCorruptError(const QSqlError &e)
{
    // SQLITE_CORRUPT (11) or SQLITE_NOTADB (26): damaged beyond reading.
    const QString code = e.nativeErrorCode();
    return code == "11"_L1 || code == "26"_L1;
}

// Checks an existing store in its own connection. False = corrupt (then `problem` says how,
// and `outbox` holds the outbox rows that could still be read, in send order). A store that
// is only busy or unreadable is not called corrupt: that error surfaces as usual.
bool looksIntact(const QString &path, bool full, QString *problem, QList<QVariantList> *outbox)
{
    static std::atomic<int> counter{0};
    const QString name = u"chat-store-check-"_s + QString::number(++counter);
    bool intact = true;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
        db.setDatabaseName(path);
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
        if (db.open()) {
            QSqlQuery q(db);
            if (full) {
                if (!q.exec(u"PRAGMA quick_check"_s)) {
                    if (isCorruptError(q.lastError())) {
                        intact = false;
                        *problem = q.lastError().databaseText();
                    }
                } else if (q.next() && q.value(0).toString() != "ok"_L1) {
                    intact = false;
                    *problem = q.value(0).toString().left(200);
                }
            } else if (!q.exec(u"SELECT name FROM sqlite_master WHERE type = 'table'"_s)) {
                if (isCorruptError(q.lastError())) {
                    intact = false;
                    *problem = q.lastError().databaseText();
                }
            } else {
                QStringList tables;
                while (q.next())
                    tables.append(q.value(0).toString());
                q.finish();
                for (const QString &t : std::as_const(tables)) {
                    QString quoted = t;
                    quoted.replace(u'"', u"\"\""_s);
                    // Every column: "SELECT 1" is answered from the smallest covering
                    // index (messages_local_id) without reading the table's own root page.
                    if (!q.exec(u"SELECT * FROM \""_s + quoted + u"\" LIMIT 1"_s)
                        && isCorruptError(q.lastError())) {
                        intact = false;
                        *problem = q.lastError().databaseText() + u" (table "_s + t + u")"_s;
                        break;
                    }
                    q.finish();
                }
            }
            if (!intact) {
                QSqlQuery o(db);
                if (o.exec(u"SELECT client_msg_id, conversation_id, sender_id, kind, content, "
                           "created_ts FROM outbox ORDER BY position"_s)) {
                    while (o.next())
                        outbox->append({o.value(0), o.value(1), o.value(2), o.value(3), o.value(4),
                                        o.value(5)});
                }
            }
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(name);
    return intact;
}

bool fullCheckDue(const QString &path)
{
    if (QFileInfo::exists(path + u".open"_s))
        return true; // the last session did not close the store
    QFile f(path + u".checked"_s);
    if (!f.open(QIODevice::ReadOnly))
        return true;
    bool ok = false;
    const qint64 at = f.readAll().trimmed().toLongLong(&ok);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    return !ok || at > now || now - at > kFullCheckEveryMs;
}

void writeStamp(const QString &file)
{
    QFile f(file);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        f.write(QByteArray::number(QDateTime::currentMSecsSinceEpoch()));
        f.close();
        f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    }
}
} // namespace

Expected<std::unique_ptr<LocalStore>> LocalStore::open(const QString &filePath)
{
    const QString path = QFileInfo(filePath).absoluteFilePath();
    QString problem;
    QList<QVariantList> outbox;
    const bool exists = QFileInfo::exists(path);
    const bool full = exists && fullCheckDue(path);
    if (!exists || looksIntact(path, full, &problem, &outbox)) {
        auto opened = openFile(path);
        if (opened) {
            if (full || !exists)
                writeStamp(path + u".checked"_s);
            opened.value()->m_openMarker = path + u".open"_s;
            writeStamp(opened.value()->m_openMarker);
        }
        return opened;
    }
    const QString aside =
        path + u".corrupt-"_s + QString::number(QDateTime::currentMSecsSinceEpoch());
    qCWarning(lcSyncStore) << path << "is corrupt:" << problem << "- moving it to" << aside
                           << "and rebuilding;" << outbox.size() << "outbox rows kept";
    for (const auto &suffix : {QString(), u"-wal"_s, u"-shm"_s}) {
        if (QFile::exists(path + suffix) && !QFile::rename(path + suffix, aside + suffix))
            return Error{Error::Code::Storage,
                         u"the local cache %1 is damaged and cannot be moved aside"_s.arg(path),
                         {}};
    }
    auto opened = openFile(path);
    if (!opened)
        return opened;
    LocalStore *store = opened.value().get();
    writeStamp(path + u".checked"_s);
    store->m_openMarker = path + u".open"_s;
    writeStamp(store->m_openMarker);
    int kept = 0;
    store->durableWrite([&]() -> Status {
        for (const QVariantList &row : std::as_const(outbox)) {
            QSqlQuery q(store->m_db);
            q.prepare(u"INSERT OR IGNORE INTO outbox (client_msg_id, conversation_id, sender_id, "
                      "kind, content, created_ts) VALUES (?, ?, ?, ?, ?, ?)"_s);
            for (const QVariant &v : row)
                q.addBindValue(v);
            if (q.exec())
                ++kept;
        }
        return {};
    });
    store->m_recoveryNotice =
        u"The local message cache was damaged (%1). It was set aside as %2 and is being rebuilt "
        "from the server; %3 unsent message(s) were kept and will be sent."_s.arg(problem, aside)
            .arg(kept);
    return opened;
}

Expected<std::unique_ptr<LocalStore>> LocalStore::openConnection(const QString &filePath)
{
    const QString path = QFileInfo(filePath).absoluteFilePath();
    if (!QFileInfo::exists(path))
        return storageError(u"no store at "_s + path);
    return openFile(path, false);
}

Expected<std::unique_ptr<LocalStore>> LocalStore::openFile(const QString &filePath, bool primary)
{
    initMigrationResources();
    static std::atomic<int> counter{0};
    std::unique_ptr<LocalStore> store(new LocalStore);
    store->m_path = QFileInfo(filePath).absoluteFilePath();
    const QFileInfo fi(store->m_path);
    if (!QDir().mkpath(fi.absolutePath()))
        return storageError(u"cannot create the folder "_s + fi.absolutePath());
    // Create the file ourselves first so that it is private from its first byte.
    if (!fi.exists()) {
        QFile f(store->m_path);
        if (!f.open(QIODevice::WriteOnly))
            return storageError(u"cannot create "_s + store->m_path + u": "_s + f.errorString());
        f.close();
    }
    QFile::setPermissions(store->m_path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);

    store->m_connectionName = u"chat-store-"_s + QString::number(++counter);
    store->m_db = QSqlDatabase::addDatabase(u"QSQLITE"_s, store->m_connectionName);
    store->m_db.setDatabaseName(store->m_path);
    store->m_db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
    if (!store->m_db.open())
        return storageError(u"cannot open "_s + store->m_path + u": "_s
                            + store->m_db.lastError().text());
    {
        QSqlQuery q(store->m_db);
        // synchronous=NORMAL: in WAL mode a commit does not wait for the disk; the database
        // stays consistent on power loss but may lose the last commits. That is right for
        // what the server still holds (messages, members, the sync token: all committed
        // together, so a lost tail is fetched again). The outbox is the exception: enqueue()
        // and discardFromOutbox() commit with synchronous=FULL (durableWrite()), and an fsync
        // of the WAL makes every earlier commit durable too. docs/SYNC_ENGINE.md, "Durability".
        // wal_autocheckpoint=0: checkpoints (a copy of the WAL into the database and two
        // fsyncs) run on the store's checkpoint thread, never inside a commit on this thread.
        for (const auto &pragma : {u"PRAGMA journal_mode=WAL"_s, u"PRAGMA synchronous=NORMAL"_s,
                                   u"PRAGMA foreign_keys=ON"_s, u"PRAGMA wal_autocheckpoint=0"_s}) {
            if (!q.exec(pragma))
                return storageError(u"cannot configure "_s + store->m_path + u": "_s
                                    + q.lastError().text());
        }
    }
    if (!primary) {
        if (store->schemaVersion() != latestSchemaVersion())
            return storageError(u"the store "_s + store->m_path + u" is not at schema version "_s
                                + QString::number(latestSchemaVersion()));
        return store;
    }
    if (Status s = store->migrate(); !s)
        return s.error();
    store->m_checkpointer = std::make_unique<WalCheckpointer>(store->m_path);
    if (g_backgroundSearchIndexing) {
        WalCheckpointer *checkpointer = store->m_checkpointer.get();
        store->m_indexer = std::make_unique<SearchIndexer>(
            store->m_path, [checkpointer] { checkpointer->request(); });
        store->m_indexer->request(); // what an earlier run left unindexed
    }
    // WAL side files inherit the umask: tighten them too.
    for (const auto &suffix : {u"-wal"_s, u"-shm"_s})
        if (QFile::exists(store->m_path + suffix))
            QFile::setPermissions(store->m_path + suffix,
                                  QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return store;
}

int LocalStore::schemaVersion() const
{
    QSqlQuery q(m_db);
    if (!q.exec(u"PRAGMA user_version"_s) || !q.next())
        return -1;
    return q.value(0).toInt();
}

Status LocalStore::migrate()
{
    const int current = schemaVersion();
    if (current < 0)
        return storageError(u"cannot read the schema version of "_s + m_path);
    const auto files = QDir(kMigrationDir).entryList({u"*.sql"_s}, QDir::Files, QDir::Name);
    int latest = 0;
    for (const QString &name : files)
        latest = qMax(latest, name.section(u'_', 0, 0).toInt());
    if (current > latest)
        return storageError(u"the store "_s + m_path + u" has schema version "_s
                            + QString::number(current) + u", newer than this program knows ("_s
                            + QString::number(latest) + u"); use a newer version"_s);
    for (const QString &name : files) {
        const int version = name.section(u'_', 0, 0).toInt();
        if (version <= current)
            continue;
        QFile f(kMigrationDir + u'/' + name);
        if (!f.open(QIODevice::ReadOnly))
            return storageError(u"cannot read migration "_s + name);
        const QString sql = QString::fromUtf8(f.readAll());
        if (!m_db.transaction())
            return storageError(u"cannot start migration "_s + name + u": "_s
                                + m_db.lastError().text());
        QSqlQuery q(m_db);
        for (const QString &statement : splitStatements(sql)) {
            if (!q.exec(statement)) {
                const QString why = q.lastError().text();
                q.finish();
                m_db.rollback();
                return storageError(u"migration "_s + name + u" failed: "_s + why);
            }
        }
        if (!q.exec(u"PRAGMA user_version = "_s + QString::number(version))) {
            const QString why = q.lastError().text();
            m_db.rollback();
            return storageError(u"migration "_s + name + u" failed: "_s + why);
        }
        q.finish();
        if (!m_db.commit())
            return storageError(u"migration "_s + name + u" could not commit: "_s
                                + m_db.lastError().text());
        qCInfo(lcSyncStore) << "migrated" << m_path << "to schema version" << version;
    }
    return {};
}

QSqlQuery &LocalStore::prepared(const QString &sql) const
{
    // A write in autocommit mode must not run inside the read snapshot of a statement left
    // open: another connection may have committed since (SQLITE_BUSY_SNAPSHOT).
    if (!m_inTransaction && !sql.startsWith("SELECT"_L1)) {
        for (auto &q : m_statements)
            q.finish();
    }
    auto it = m_statements.find(sql);
    if (it == m_statements.end()) {
        QSqlQuery q(m_db);
        if (!q.prepare(sql))
            qCCritical(lcSyncStore) << "cannot prepare" << sql << q.lastError().text();
        it = m_statements.insert(sql, q);
    } else {
        it->finish();
    }
    return *it;
}

Error LocalStore::sqlError(const QSqlQuery &q, const QString &what) const
{
    const QString text = q.lastError().text();
    qCWarning(lcSyncStore) << what << "failed:" << text;
    return storageError(what + u" failed: "_s + text);
}

// --- transactions --------------------------------------------------------------------------

LocalStore::Transaction::Transaction(LocalStore &store) : m_store(store)
{ }

LocalStore::Transaction::~Transaction()
{
    if (m_open) {
        for (auto &q : m_store.m_statements)
            q.finish();
        m_store.m_db.rollback();
        m_store.m_inTransaction = false;
        qCInfo(lcSyncStore) << "transaction rolled back";
    }
}

void LocalStore::refresh()
{
    for (auto &q : m_statements)
        q.finish();
    m_memberCache.clear();
}

Status LocalStore::Transaction::begin()
{
    if (m_store.m_inTransaction)
        return storageError(u"nested transaction"_s);
    for (auto &q : m_store.m_statements)
        q.finish();
    // IMMEDIATE, not Qt's plain BEGIN: with a second connection writing (StoreWriter), a
    // deferred transaction that read first could not write afterwards (SQLITE_BUSY_SNAPSHOT,
    // which no busy timeout retries).
    QSqlQuery q(m_store.m_db);
    if (!q.exec(u"BEGIN IMMEDIATE"_s))
        return storageError(u"cannot begin a transaction: "_s + q.lastError().text());
    m_open = true;
    m_store.m_inTransaction = true;
    return {};
}

Status LocalStore::Transaction::commit()
{
    if (!m_open)
        return storageError(u"commit without a transaction"_s);
    for (auto &q : m_store.m_statements)
        q.finish();
    if (!m_store.m_db.commit()) {
        const QString why = m_store.m_db.lastError().text();
        return storageError(u"commit failed: "_s + why); // destructor rolls back
    }
    m_open = false;
    m_store.m_inTransaction = false;
    m_store.committed();
    return {};
}

void LocalStore::committed()
{
    if (m_checkpointer)
        m_checkpointer->request();
    SearchIndexer::requestFor(m_path);
}

Status LocalStore::durableWrite(const std::function<Status()> &write)
{
    QSqlQuery q(m_db);
    if (!q.exec(u"PRAGMA synchronous=FULL"_s))
        return sqlError(q, u"making the write durable"_s);
    Status s = write();
    if (!q.exec(u"PRAGMA synchronous=NORMAL"_s))
        qCWarning(lcSyncStore) << "cannot restore synchronous=NORMAL:" << q.lastError().text();
    committed();
    return s;
}

Status LocalStore::clearCache()
{
    for (const auto &sql :
         {u"DELETE FROM messages"_s, u"DELETE FROM conversation_last"_s, u"DELETE FROM ranges"_s,
          u"DELETE FROM members"_s, u"DELETE FROM conversations"_s, u"DELETE FROM users"_s,
          u"DELETE FROM meta WHERE key = 'sync_token'"_s}) {
        QSqlQuery &q = prepared(sql);
        if (!q.exec())
            return sqlError(q, u"clearing the cache"_s);
    }
    m_memberCache.clear();
    return {};
}

// --- meta ------------------------------------------------------------------------------------

QString LocalStore::meta(const QString &key) const
{
    QSqlQuery &q = prepared(u"SELECT value FROM meta WHERE key = :k"_s);
    q.bindValue(u":k"_s, key);
    if (q.exec() && q.next())
        return q.value(0).toString();
    return {};
}

Status LocalStore::setMeta(const QString &key, const QString &value)
{
    QSqlQuery &q = prepared(u"INSERT INTO meta (key, value) VALUES (:k, IFNULL(:v, '')) "
                            "ON CONFLICT (key) DO UPDATE SET value = excluded.value"_s);
    q.bindValue(u":k"_s, key);
    q.bindValue(u":v"_s, value);
    if (!q.exec())
        return sqlError(q, u"saving "_s + key);
    return {};
}

Status LocalStore::removeMeta(const QString &key)
{
    QSqlQuery &q = prepared(u"DELETE FROM meta WHERE key = :k"_s);
    q.bindValue(u":k"_s, key);
    if (!q.exec())
        return sqlError(q, u"removing "_s + key);
    return {};
}

// --- users -----------------------------------------------------------------------------------

Status LocalStore::upsertUser(const User &u)
{
    QSqlQuery &q = prepared(u"INSERT INTO users (user_id, username, display_name) VALUES (:i, "
                            u"IFNULL(:u, ''), IFNULL(:d, '')) "
                            "ON CONFLICT (user_id) DO UPDATE SET username = excluded.username, "
                            "display_name = excluded.display_name"_s);
    q.bindValue(u":i"_s, u.userId);
    q.bindValue(u":u"_s, u.username);
    q.bindValue(u":d"_s, u.displayName);
    if (!q.exec())
        return sqlError(q, u"saving user"_s);
    return {};
}

std::optional<UserInfo> LocalStore::user(const QString &userId) const
{
    QSqlQuery &q = prepared(u"SELECT username, display_name FROM users WHERE user_id = :i"_s);
    q.bindValue(u":i"_s, userId);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return UserInfo{userId, q.value(0).toString(), q.value(1).toString()};
}

// --- conversations ---------------------------------------------------------------------------

bool LocalStore::hasConversation(const QString &conversationId) const
{
    QSqlQuery &q = prepared(u"SELECT 1 FROM conversations WHERE conversation_id = :c"_s);
    q.bindValue(u":c"_s, conversationId);
    return q.exec() && q.next();
}

std::optional<qint64> LocalStore::lastSeq(const QString &conversationId) const
{
    QSqlQuery &q = prepared(u"SELECT last_seq FROM conversations WHERE conversation_id = :c"_s);
    q.bindValue(u":c"_s, conversationId);
    if (!q.exec() || !q.next())
        return std::nullopt;
    const qint64 seq = q.value(0).toLongLong();
    q.finish();
    return seq;
}

Status LocalStore::upsertConversation(const Conversation &c, const QString &myUserId, bool *changed,
                                      bool *inserted, SeqRange *ticks)
{
    qint64 tickFrom = std::numeric_limits<qint64>::max(), tickTo = 0;
    bool isNew = false;
    bool differs = false;
    {
        QSqlQuery &q =
            prepared(u"SELECT kind, title, last_seq, created_ts, placeholder, left_conversation "
                     "FROM conversations WHERE conversation_id = :c"_s);
        q.bindValue(u":c"_s, c.conversationId);
        if (!q.exec())
            return sqlError(q, u"reading conversation"_s);
        if (!q.next()) {
            isNew = true;
        } else {
            differs = q.value(0).toString() != conversationKindName(c.kind)
                      || q.value(1).toString() != c.title || q.value(2).toLongLong() < c.lastSeq
                      || q.value(4).toInt() != 0;
        }
    }
    const bool left = !myUserId.isEmpty() && !c.member(myUserId);
    {
        QSqlQuery &q = prepared(
            u"INSERT INTO conversations (conversation_id, kind, title, last_seq, created_ts, "
            "placeholder, left_conversation) VALUES (:c, :k, IFNULL(:t, ''), :l, :ts, 0, :left) "
            "ON CONFLICT (conversation_id) DO UPDATE SET kind = excluded.kind, "
            "title = excluded.title, last_seq = MAX(last_seq, excluded.last_seq), "
            "created_ts = excluded.created_ts, placeholder = 0, "
            "left_conversation = excluded.left_conversation"_s);
        q.bindValue(u":c"_s, c.conversationId);
        q.bindValue(u":k"_s, conversationKindName(c.kind));
        q.bindValue(u":t"_s, c.title);
        q.bindValue(u":l"_s, c.lastSeq);
        q.bindValue(u":ts"_s, c.createdTs);
        q.bindValue(u":left"_s, left ? 1 : 0);
        if (!q.exec())
            return sqlError(q, u"saving conversation"_s);
    }
    // Members: replace the list, keeping watermarks monotonic.
    const QList<MemberInfo> before = members(c.conversationId);
    QHash<QString, MemberInfo> old;
    for (const MemberInfo &m : before)
        old.insert(m.userId, m);
    {
        QSqlQuery &q = prepared(u"DELETE FROM members WHERE conversation_id = :c"_s);
        q.bindValue(u":c"_s, c.conversationId);
        if (!q.exec())
            return sqlError(q, u"replacing members"_s);
    }
    for (const Member &m : c.members) {
        const MemberInfo prev = old.value(m.userId);
        const qint64 delivered = qMax(prev.deliveredSeq, m.deliveredSeq);
        const qint64 read = qMax(prev.readSeq, m.readSeq);
        if (!old.contains(m.userId) || delivered != prev.deliveredSeq || read != prev.readSeq
            || prev.admin != (m.role == Role::Admin))
            differs = true;
        if (m.userId != myUserId
            && (qMax(delivered, read) > prev.deliveredSeq || read > prev.readSeq)) {
            tickFrom = qMin(tickFrom, qMin(prev.deliveredSeq, prev.readSeq) + 1);
            tickTo = qMax(tickTo, qMax(delivered, read));
        }
        QSqlQuery &q =
            prepared(u"INSERT INTO members (conversation_id, user_id, role, delivered_seq, "
                     "read_seq) VALUES (:c, :u, :r, :d, :rd)"_s);
        q.bindValue(u":c"_s, c.conversationId);
        q.bindValue(u":u"_s, m.userId);
        q.bindValue(u":r"_s, roleName(m.role));
        q.bindValue(u":d"_s, qMax(delivered, read));
        q.bindValue(u":rd"_s, read);
        if (!q.exec())
            return sqlError(q, u"saving member"_s);
    }
    if (before.size() != c.members.size())
        differs = true;
    m_memberCache.remove(c.conversationId);
    if (ticks)
        *ticks = tickTo >= tickFrom ? SeqRange{tickFrom, tickTo} : SeqRange{1, 0};
    if (changed)
        *changed = isNew || differs;
    if (inserted)
        *inserted = isNew;
    return {};
}

Status LocalStore::ensureConversation(const QString &conversationId, qint64 lastSeq)
{
    QSqlQuery &q = prepared(u"INSERT INTO conversations (conversation_id, last_seq, placeholder) "
                            "VALUES (:c, :l, 1) ON CONFLICT (conversation_id) DO UPDATE SET "
                            "last_seq = MAX(last_seq, excluded.last_seq)"_s);
    q.bindValue(u":c"_s, conversationId);
    q.bindValue(u":l"_s, lastSeq);
    if (!q.exec())
        return sqlError(q, u"saving conversation"_s);
    return {};
}

Status LocalStore::raiseLastSeq(const QString &conversationId, qint64 lastSeq)
{
    QSqlQuery &q = prepared(u"UPDATE conversations SET last_seq = MAX(last_seq, :l) "
                            "WHERE conversation_id = :c"_s);
    q.bindValue(u":c"_s, conversationId);
    q.bindValue(u":l"_s, lastSeq);
    if (!q.exec())
        return sqlError(q, u"saving last seq"_s);
    return {};
}

Expected<QPair<qint64, qint64>> LocalStore::raiseWatermarks(const QString &conversationId,
                                                            const QString &userId, qint64 delivered,
                                                            qint64 read)
{
    QPair<qint64, qint64> previous{0, 0};
    {
        QSqlQuery &q = prepared(u"SELECT delivered_seq, read_seq FROM members "
                                "WHERE conversation_id = :c AND user_id = :u"_s);
        q.bindValue(u":c"_s, conversationId);
        q.bindValue(u":u"_s, userId);
        if (!q.exec())
            return sqlError(q, u"reading watermarks"_s);
        if (!q.next())
            return Error{Error::Code::NotFound, u"not a member"_s, {}};
        previous = {q.value(0).toLongLong(), q.value(1).toLongLong()};
    }
    QSqlQuery &q = prepared(u"UPDATE members SET read_seq = MAX(read_seq, :r), "
                            "delivered_seq = MAX(delivered_seq, :d, :r) "
                            "WHERE conversation_id = :c AND user_id = :u"_s);
    q.bindValue(u":c"_s, conversationId);
    q.bindValue(u":u"_s, userId);
    q.bindValue(u":d"_s, delivered);
    q.bindValue(u":r"_s, read);
    if (!q.exec())
        return sqlError(q, u"saving watermarks"_s);
    m_memberCache.remove(conversationId);
    return previous;
}

QList<MemberInfo> LocalStore::members(const QString &conversationId) const
{
    if (auto it = m_memberCache.constFind(conversationId); it != m_memberCache.cend())
        return *it;
    QList<MemberInfo> out;
    QSqlQuery &q =
        prepared(u"SELECT m.user_id, IFNULL(u.username, ''), IFNULL(u.display_name, ''), "
                 "m.role, m.delivered_seq, m.read_seq FROM members m "
                 "LEFT JOIN users u ON u.user_id = m.user_id "
                 "WHERE m.conversation_id = :c ORDER BY m.user_id"_s);
    q.bindValue(u":c"_s, conversationId);
    if (!q.exec())
        return out;
    while (q.next())
        out.append(MemberInfo{q.value(0).toString(), q.value(1).toString(), q.value(2).toString(),
                              q.value(3).toString() == "admin"_L1, q.value(4).toLongLong(),
                              q.value(5).toLongLong()});
    q.finish();
    m_memberCache.insert(conversationId, out);
    return out;
}

QStringList LocalStore::conversationIds() const
{
    QStringList out;
    QSqlQuery &q =
        prepared(u"SELECT conversation_id FROM conversations ORDER BY conversation_id"_s);
    if (q.exec())
        while (q.next())
            out.append(q.value(0).toString());
    q.finish();
    return out;
}

std::optional<ConversationInfo> LocalStore::conversation(const QString &conversationId,
                                                         const QString &myUserId) const
{
    ConversationInfo c;
    {
        QSqlQuery &q = prepared(u"SELECT kind, title, last_seq, created_ts, left_conversation, "
                                "own_read_seq FROM conversations WHERE conversation_id = :c"_s);
        q.bindValue(u":c"_s, conversationId);
        if (!q.exec() || !q.next())
            return std::nullopt;
        c.conversationId = conversationId;
        c.group = q.value(0).toString() == "group"_L1;
        c.title = q.value(1).toString();
        c.lastSeq = q.value(2).toLongLong();
        c.createdTs = q.value(3).toLongLong();
        c.left = q.value(4).toInt() != 0;
        c.readSeq = q.value(5).toLongLong();
        q.finish();
    }
    c.members = members(conversationId);
    applyMembers(c, myUserId);
    c.lastActivityTs = c.createdTs;
    {
        QSqlQuery &q =
            prepared(u"SELECT conversation_id, seq, message_id, sender_id, client_msg_id, kind, "
                     "content, ts, local_id FROM messages WHERE conversation_id = :c "
                     "ORDER BY seq DESC LIMIT 1"_s);
        q.bindValue(u":c"_s, conversationId);
        if (q.exec() && q.next()) {
            c.lastMessage = readMessageRow(q, myUserId);
            c.hasLastMessage = true;
            c.lastActivityTs = qMax(c.lastActivityTs, c.lastMessage.ts);
        }
        q.finish();
    }
    const QList<LocalMessage> pending = outbox(conversationId);
    c.pendingCount = int(pending.size());
    if (!pending.isEmpty()) {
        c.lastMessage = pending.constLast();
        c.hasLastMessage = true;
        c.lastActivityTs = qMax(c.lastActivityTs, c.lastMessage.ts);
    }
    // Unread: messages above the read watermark, minus the user's own.
    const qint64 own = ownMessagesAbove(conversationId, c.readSeq, myUserId);
    c.unreadCount = int(qMax<qint64>(0, c.lastSeq - c.readSeq - own));
    return c;
}

qint64 LocalStore::ownMessagesAbove(const QString &conversationId, qint64 seq,
                                    const QString &myUserId) const
{
    QSqlQuery &q = prepared(u"SELECT COUNT(*) FROM messages WHERE conversation_id = :c "
                            "AND seq > :r AND sender_id = :me"_s);
    q.bindValue(u":c"_s, conversationId);
    q.bindValue(u":r"_s, seq);
    q.bindValue(u":me"_s, myUserId);
    qint64 own = 0;
    if (q.exec() && q.next())
        own = q.value(0).toLongLong();
    q.finish();
    return own;
}

QList<ConversationInfo> LocalStore::conversations(const QString &myUserId) const
{
    // The same as conversation() for each, in three queries instead of five per conversation
    // (a list of 500 took ~100 ms of the UI thread that way).
    QHash<QString, QList<MemberInfo>> members;
    {
        QSqlQuery &q = prepared(
            u"SELECT m.conversation_id, m.user_id, IFNULL(u.username, ''), "
            "IFNULL(u.display_name, ''), m.role, m.delivered_seq, m.read_seq FROM members m "
            "LEFT JOIN users u ON u.user_id = m.user_id ORDER BY m.conversation_id, m.user_id"_s);
        if (q.exec())
            while (q.next())
                members[q.value(0).toString()].append(
                    MemberInfo{q.value(1).toString(), q.value(2).toString(), q.value(3).toString(),
                               q.value(4).toString() == "admin"_L1, q.value(5).toLongLong(),
                               q.value(6).toLongLong()});
        q.finish();
    }
    QHash<QString, QList<LocalMessage>> pending;
    for (const LocalMessage &m : outbox())
        pending[m.conversationId].append(m);
    QList<ConversationInfo> out;
    {
        // The newest message comes from conversation_last (migration 006): this reads two
        // small tables and no page of messages (every page read is a disk read on a cold
        // start; the index seek per conversation here was ~550 pages at 1M messages).
        QSqlQuery &q =
            prepared(u"SELECT c.conversation_id, c.kind, c.title, c.last_seq, c.created_ts, "
                     "c.left_conversation, c.own_read_seq, m.seq, m.message_id, m.sender_id, "
                     "m.client_msg_id, m.kind, m.content, m.ts, m.local_id "
                     "FROM conversations c LEFT JOIN conversation_last m "
                     "ON m.conversation_id = c.conversation_id ORDER BY c.conversation_id"_s);
        if (q.exec()) {
            while (q.next()) {
                ConversationInfo c;
                c.conversationId = q.value(0).toString();
                c.group = q.value(1).toString() == "group"_L1;
                c.title = q.value(2).toString();
                c.lastSeq = q.value(3).toLongLong();
                c.createdTs = q.value(4).toLongLong();
                c.left = q.value(5).toInt() != 0;
                c.readSeq = q.value(6).toLongLong();
                c.hasLastMessage = !q.value(7).isNull();
                if (c.hasLastMessage) {
                    LocalMessage &m = c.lastMessage;
                    m.conversationId = c.conversationId;
                    m.seq = q.value(7).toLongLong();
                    m.messageId = q.value(8).toString();
                    m.senderId = q.value(9).toString();
                    m.clientMsgId = q.value(10).toString();
                    m.kind = q.value(11).toString();
                    m.content = q.value(12).toString();
                    m.ts = q.value(13).toLongLong();
                    m.localId = q.value(14).toString();
                    m.outgoing = !myUserId.isEmpty() && m.senderId == myUserId;
                }
                out.append(c);
            }
        }
        q.finish();
    }
    for (ConversationInfo &c : out) {
        c.members = members.value(c.conversationId);
        m_memberCache.insert(c.conversationId, c.members);
        if (c.hasLastMessage)
            decorate(c.lastMessage, myUserId);
        applyMembers(c, myUserId);
        // Own messages above the read watermark (the larger of the local one and the
        // server's) do not count as unread. Counted only when something is above it, so a
        // conversation read to its end costs no page of messages.
        const qint64 own = qMax(c.lastSeq, c.hasLastMessage ? c.lastMessage.seq : 0) > c.readSeq
                               ? ownMessagesAbove(c.conversationId, c.readSeq, myUserId)
                               : 0;
        c.lastActivityTs = c.createdTs;
        if (c.hasLastMessage)
            c.lastActivityTs = qMax(c.lastActivityTs, c.lastMessage.ts);
        const QList<LocalMessage> queued = pending.value(c.conversationId);
        c.pendingCount = int(queued.size());
        if (!queued.isEmpty()) {
            c.lastMessage = queued.constLast();
            c.hasLastMessage = true;
            c.lastActivityTs = qMax(c.lastActivityTs, c.lastMessage.ts);
        }
        c.unreadCount = int(qMax<qint64>(0, c.lastSeq - c.readSeq - own));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const ConversationInfo &a, const ConversationInfo &b) {
                         if (a.lastActivityTs != b.lastActivityTs)
                             return a.lastActivityTs > b.lastActivityTs;
                         return a.conversationId < b.conversationId;
                     });
    return out;
}

// --- own read watermark ------------------------------------------------------------------------

Expected<bool> LocalStore::raiseOwnRead(const QString &conversationId, qint64 seq)
{
    QSqlQuery &q = prepared(u"UPDATE conversations SET own_read_seq = :s "
                            "WHERE conversation_id = :c AND own_read_seq < :s"_s);
    q.bindValue(u":c"_s, conversationId);
    q.bindValue(u":s"_s, seq);
    if (!q.exec())
        return sqlError(q, u"saving the read position"_s);
    return q.numRowsAffected() > 0;
}

Status LocalStore::setOwnReadSent(const QString &conversationId, qint64 seq)
{
    QSqlQuery &q =
        prepared(u"UPDATE conversations SET own_read_sent_seq = MAX(own_read_sent_seq, :s) "
                 "WHERE conversation_id = :c"_s);
    q.bindValue(u":c"_s, conversationId);
    q.bindValue(u":s"_s, seq);
    if (!q.exec())
        return sqlError(q, u"saving the read position"_s);
    return {};
}

QPair<qint64, qint64> LocalStore::ownRead(const QString &conversationId) const
{
    QSqlQuery &q = prepared(u"SELECT own_read_seq, own_read_sent_seq FROM conversations "
                            "WHERE conversation_id = :c"_s);
    q.bindValue(u":c"_s, conversationId);
    if (!q.exec() || !q.next())
        return {0, 0};
    return {q.value(0).toLongLong(), q.value(1).toLongLong()};
}

QList<QPair<QString, qint64>> LocalStore::unsentReads() const
{
    QList<QPair<QString, qint64>> out;
    QSqlQuery &q = prepared(u"SELECT conversation_id, own_read_seq FROM conversations "
                            "WHERE own_read_seq > own_read_sent_seq"_s);
    if (q.exec())
        while (q.next())
            out.append({q.value(0).toString(), q.value(1).toLongLong()});
    q.finish();
    return out;
}

// --- messages ------------------------------------------------------------------------------------

namespace {
// The columns of every message SELECT here, in this order: conversation_id, seq, message_id,
// sender_id, client_msg_id, kind, content, ts, local_id. No decoration: callers iterating a
// cursor decorate after the loop, since decorate() runs statements of its own.
LocalMessage messageFromRow(const QSqlQuery &q, const QString &myUserId)
{
    LocalMessage m;
    m.conversationId = q.value(0).toString();
    m.seq = q.value(1).toLongLong();
    m.messageId = q.value(2).toString();
    m.senderId = q.value(3).toString();
    m.clientMsgId = q.value(4).toString();
    m.kind = q.value(5).toString();
    m.content = q.value(6).toString();
    m.ts = q.value(7).toLongLong();
    m.localId = q.value(8).toString();
    m.outgoing = !myUserId.isEmpty() && m.senderId == myUserId;
    return m;
}
} // namespace

LocalMessage LocalStore::readMessageRow(const QSqlQuery &q, const QString &myUserId) const
{
    LocalMessage m = messageFromRow(q, myUserId);
    decorate(m, myUserId);
    return m;
}

void LocalStore::decorate(LocalMessage &m, const QString &myUserId) const
{
    if (m.seq == 0)
        return; // outbox rows carry their own state
    if (!m.outgoing) {
        m.state = DeliveryState::Received;
        return;
    }
    const QList<MemberInfo> ms = members(m.conversationId);
    int others = 0, delivered = 0, read = 0;
    for (const MemberInfo &mi : ms) {
        if (mi.userId == myUserId)
            continue;
        ++others;
        if (mi.deliveredSeq >= m.seq)
            ++delivered;
        if (mi.readSeq >= m.seq)
            ++read;
    }
    m.otherMembers = others;
    m.deliveredCount = delivered;
    m.readCount = read;
    if (others > 0 && read == others)
        m.state = DeliveryState::Read;
    else if (others > 0 && delivered == others)
        m.state = DeliveryState::Delivered;
    else
        m.state = DeliveryState::Sent;
}

Expected<bool> LocalStore::insertMessageRow(const Message &m, const QString &localId)
{
    if (!m_insertMessage) {
        const QVariant handle = m_db.driver() ? m_db.driver()->handle() : QVariant();
        sqlite3 *db = handle.isValid() && qstrcmp(handle.typeName(), "sqlite3*") == 0
                          ? *static_cast<sqlite3 *const *>(handle.constData())
                          : nullptr;
        if (!db)
            return storageError(u"storing a message failed: the connection has no SQLite "
                                "handle"_s);
        static const char sql[] =
            "INSERT INTO messages (conversation_id, seq, message_id, sender_id, client_msg_id, "
            "kind, content, ts, local_id) VALUES (?, ?, IFNULL(?, ''), IFNULL(?, ''), "
            "IFNULL(?, ''), IFNULL(?, 'text'), ?, ?, ?) ON CONFLICT DO NOTHING";
        if (sqlite3_prepare_v3(db, sql, int(sizeof sql - 1), SQLITE_PREPARE_PERSISTENT,
                               &m_insertMessage, nullptr)
            != SQLITE_OK) {
            const QString why = QString::fromUtf8(sqlite3_errmsg(db));
            sqlite3_finalize(m_insertMessage);
            m_insertMessage = nullptr;
            return storageError(u"storing a message failed: "_s + why);
        }
    }
    // As prepared() does for a write outside a transaction: no statement left open may hold
    // a read snapshot older than another connection's commit (SQLITE_BUSY_SNAPSHOT).
    if (!m_inTransaction) {
        for (auto &q : m_statements)
            q.finish();
    }
    sqlite3_stmt *st = m_insertMessage;
    // SQLITE_STATIC: the strings outlive the step; the statement is reset (and so lets go of
    // them) before this returns.
    auto text = [st](int i, const QString &v) {
        if (v.isNull())
            sqlite3_bind_null(st, i);
        else
            sqlite3_bind_text16(st, i, v.utf16(), int(v.size() * sizeof(char16_t)), SQLITE_STATIC);
    };
    text(1, m.conversationId);
    sqlite3_bind_int64(st, 2, m.seq);
    text(3, m.messageId);
    text(4, m.senderId);
    text(5, m.clientMsgId);
    text(6, m.kind);
    text(7, m.content);
    sqlite3_bind_int64(st, 8, m.ts);
    text(9, localId);
    const int rc = sqlite3_step(st);
    sqlite3 *db = sqlite3_db_handle(st);
    const bool stored = rc == SQLITE_DONE && sqlite3_changes(db) > 0;
    const QString why = rc == SQLITE_DONE ? QString() : QString::fromUtf8(sqlite3_errmsg(db));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) {
        qCWarning(lcSyncStore) << "storing a message failed:" << why;
        return storageError(u"storing a message failed: "_s + why);
    }
    return stored;
}

Expected<LocalStore::InsertResult> LocalStore::insertMessages(const QList<Message> &messages,
                                                              const QString &myUserId)
{
    InsertResult result;
    // Sorted per conversation so contiguous runs become one range each.
    QList<Message> sorted = messages;
    std::sort(sorted.begin(), sorted.end(), [](const Message &a, const Message &b) {
        return a.conversationId != b.conversationId ? a.conversationId < b.conversationId
                                                    : a.seq < b.seq;
    });
    // Each conversation once per batch, not once per message: created as a placeholder if
    // unknown, last_seq raised to the batch's newest seq.
    QHash<QString, qint64> newestSeq;
    for (const Message &m : std::as_const(sorted)) {
        if (m.seq > 0) {
            qint64 &top = newestSeq[m.conversationId];
            top = qMax(top, m.seq);
        }
    }
    for (auto it = newestSeq.cbegin(); it != newestSeq.cend(); ++it)
        if (Status s = ensureConversation(it.key(), it.value()); !s)
            return s.error();
    QString runConv;
    qint64 runFrom = 0, runTo = -1;
    auto flushRun = [&]() -> Status {
        if (!runConv.isEmpty() && runTo >= runFrom)
            return addRange(runConv, runFrom, runTo);
        return {};
    };
    for (const Message &m : std::as_const(sorted)) {
        if (m.seq <= 0)
            continue;
        if (m.conversationId != runConv || m.seq > runTo + 1) {
            if (Status s = flushRun(); !s)
                return s.error();
            runConv = m.conversationId;
            runFrom = m.seq;
            runTo = m.seq;
        } else {
            runTo = qMax(runTo, m.seq);
        }
    }
    if (Status s = flushRun(); !s)
        return s.error();
    // Rows go in by time: the search index (migration 003) is keyed by (ts, rowid), and FTS5
    // writes its pending terms out as a new segment whenever a key is lower than the one
    // before in the same transaction - once per conversation of a sync page in (conversation,
    // seq) order, once per transaction in time order.
    QList<Message> byTime = sorted;
    std::stable_sort(byTime.begin(), byTime.end(),
                     [](const Message &a, const Message &b) { return a.ts < b.ts; });
    QHash<QString, LocalMessage> newestStored; // per conversation, for conversation_last
    for (const Message &m : std::as_const(byTime)) {
        if (m.seq <= 0)
            continue;
        // An own message that is still in our outbox: it was committed (the ack was lost or
        // the push overtook it). It keeps the outbox row's local id.
        QString localId = m.messageId;
        bool fromOutbox = false;
        if (!myUserId.isEmpty() && m.senderId == myUserId && !m.clientMsgId.isEmpty()) {
            if (outboxEntry(m.clientMsgId)) {
                localId = m.clientMsgId;
                fromOutbox = true;
            }
        }
        // The one statement run per message: through the SQLite C API, prepared once per
        // connection, the strings bound as the UTF-16 they are (QSqlQuery's QVariant binding
        // cost as much as the insert itself). A null string binds NULL, as QSqlQuery does.
        auto inserted = insertMessageRow(m, localId);
        if (!inserted)
            return inserted.error();
        if (!inserted.value()) {
            ++result.duplicates;
            continue;
        }
        LocalMessage lm;
        lm.localId = localId;
        lm.conversationId = m.conversationId;
        lm.seq = m.seq;
        lm.messageId = m.messageId;
        lm.clientMsgId = m.clientMsgId;
        lm.senderId = m.senderId;
        lm.kind = m.kind;
        lm.content = m.content;
        lm.ts = m.ts;
        lm.outgoing = !myUserId.isEmpty() && m.senderId == myUserId;
        if (const auto top = newestStored.constFind(lm.conversationId);
            top == newestStored.cend() || top->seq < lm.seq)
            newestStored.insert(lm.conversationId, lm);
        if (fromOutbox) {
            if (Status s = removeFromOutbox(m.clientMsgId); !s)
                return s.error();
            decorate(lm, myUserId);
            result.confirmed.append(lm);
        } else {
            decorate(lm, myUserId);
            result.inserted.append(lm);
        }
    }
    for (const LocalMessage &m : std::as_const(newestStored))
        if (Status s = raiseConversationLast(m); !s)
            return s.error();
    // Results in (conversation, seq) order, as change batches list them.
    auto bySeq = [](const LocalMessage &a, const LocalMessage &b) {
        return a.conversationId != b.conversationId ? a.conversationId < b.conversationId
                                                    : a.seq < b.seq;
    };
    std::sort(result.inserted.begin(), result.inserted.end(), bySeq);
    std::sort(result.confirmed.begin(), result.confirmed.end(), bySeq);
    // Sending reads: a sender has seen everything up to their own message. The server raises
    // the same watermarks in the send transaction, so the store stays equal to a fresh sync.
    // Once per (conversation, sender) for the whole batch, not per message.
    QHash<QPair<QString, QString>, qint64> newestBySender;
    for (const Message &m : std::as_const(sorted)) {
        if (m.seq > 0 && !m.senderId.isEmpty()) {
            qint64 &top = newestBySender[{m.conversationId, m.senderId}];
            top = qMax(top, m.seq);
        }
    }
    for (auto it = newestBySender.cbegin(); it != newestBySender.cend(); ++it) {
        const auto &[conv, sender] = it.key();
        auto prev = raiseWatermarks(conv, sender, it.value(), it.value());
        if (!prev) {
            if (prev.error().code == Error::Code::NotFound)
                continue; // not (or no longer) a member here: nothing to raise
            return prev.error();
        }
        const qint64 from = qMin(prev.value().first, prev.value().second) + 1;
        if (sender != myUserId && from <= it.value()) {
            auto r = result.tickRanges.find(conv);
            if (r == result.tickRanges.end())
                result.tickRanges.insert(conv, SeqRange{from, it.value()});
            else
                *r = SeqRange{qMin(r->first, from), qMax(r->second, it.value())};
        }
    }
    return result;
}

Status LocalStore::raiseConversationLast(const LocalMessage &m)
{
    // Once per conversation per batch (migration 006): the list reads the newest message from
    // here. A row only moves forward: a history page brings older messages.
    QSqlQuery &q = prepared(
        u"INSERT INTO conversation_last (conversation_id, seq, message_id, sender_id, "
        "client_msg_id, kind, content, ts, local_id) VALUES (:c, :s, :mid, :sid, :cmid, :k, "
        ":text, :time, :lid) ON CONFLICT (conversation_id) DO UPDATE SET seq = excluded.seq, "
        "message_id = excluded.message_id, sender_id = excluded.sender_id, "
        "client_msg_id = excluded.client_msg_id, kind = excluded.kind, "
        "content = excluded.content, ts = excluded.ts, local_id = excluded.local_id "
        "WHERE excluded.seq > conversation_last.seq"_s);
    // NOT NULL columns: the insert into messages turned nulls into these defaults too.
    q.bindValue(u":c"_s, m.conversationId);
    q.bindValue(u":s"_s, m.seq);
    q.bindValue(u":mid"_s, m.messageId.isNull() ? u""_s : m.messageId);
    q.bindValue(u":sid"_s, m.senderId.isNull() ? u""_s : m.senderId);
    q.bindValue(u":cmid"_s, m.clientMsgId.isNull() ? u""_s : m.clientMsgId);
    q.bindValue(u":k"_s, m.kind.isNull() ? u"text"_s : m.kind);
    q.bindValue(u":text"_s, m.content);
    q.bindValue(u":time"_s, m.ts);
    q.bindValue(u":lid"_s, m.localId);
    if (!q.exec())
        return sqlError(q, u"storing a message"_s);
    return {};
}

Expected<std::optional<LocalMessage>> LocalStore::applyAck(const QString &clientMsgId,
                                                           const QString &conversationId,
                                                           const QString &messageId, qint64 seq,
                                                           qint64 ts, const QString &myUserId)
{
    const auto entry = outboxEntry(clientMsgId);
    if (!entry)
        return std::optional<LocalMessage>();
    Message m;
    m.messageId = messageId;
    m.conversationId = conversationId;
    m.seq = seq;
    m.senderId = myUserId;
    m.clientMsgId = clientMsgId;
    m.kind = entry->kind;
    m.content = entry->content;
    m.ts = ts;
    auto ins = insertMessages({m}, myUserId);
    if (!ins)
        return ins.error();
    if (!ins.value().confirmed.isEmpty())
        return std::optional<LocalMessage>(ins.value().confirmed.constFirst());
    // Already stored under (conversation, seq) - e.g. the push came from another path
    // before the outbox row existed. The outbox row is done either way.
    if (Status s = removeFromOutbox(clientMsgId); !s)
        return s.error();
    QSqlQuery &q =
        prepared(u"SELECT conversation_id, seq, message_id, sender_id, client_msg_id, kind, "
                 "content, ts, local_id FROM messages WHERE conversation_id = :c AND seq = :s"_s);
    q.bindValue(u":c"_s, conversationId);
    q.bindValue(u":s"_s, seq);
    if (!q.exec())
        return sqlError(q, u"reading a message"_s);
    if (!q.next())
        return std::optional<LocalMessage>();
    LocalMessage stored = readMessageRow(q, myUserId);
    q.finish();
    return std::optional<LocalMessage>(stored);
}

Status LocalStore::addRange(const QString &conversationId, qint64 from, qint64 to)
{
    if (from < 1 || to < from)
        return {};
    qint64 lo = from, hi = to;
    {
        QSqlQuery &q =
            prepared(u"SELECT MIN(from_seq), MAX(to_seq) FROM ranges WHERE conversation_id = :c "
                     "AND from_seq <= :hi + 1 AND to_seq >= :lo - 1"_s);
        q.bindValue(u":c"_s, conversationId);
        q.bindValue(u":hi"_s, to);
        q.bindValue(u":lo"_s, from);
        if (!q.exec())
            return sqlError(q, u"reading ranges"_s);
        if (q.next() && !q.value(0).isNull()) {
            lo = qMin(lo, q.value(0).toLongLong());
            hi = qMax(hi, q.value(1).toLongLong());
        }
    }
    {
        QSqlQuery &q = prepared(u"DELETE FROM ranges WHERE conversation_id = :c "
                                "AND from_seq <= :hi + 1 AND to_seq >= :lo - 1"_s);
        q.bindValue(u":c"_s, conversationId);
        q.bindValue(u":hi"_s, to);
        q.bindValue(u":lo"_s, from);
        if (!q.exec())
            return sqlError(q, u"merging ranges"_s);
    }
    QSqlQuery &q =
        prepared(u"INSERT INTO ranges (conversation_id, from_seq, to_seq) VALUES (:c, :f, :t)"_s);
    q.bindValue(u":c"_s, conversationId);
    q.bindValue(u":f"_s, lo);
    q.bindValue(u":t"_s, hi);
    if (!q.exec())
        return sqlError(q, u"saving a range"_s);
    return {};
}

QList<SeqRange> LocalStore::ranges(const QString &conversationId) const
{
    QList<SeqRange> out;
    QSqlQuery &q = prepared(u"SELECT from_seq, to_seq FROM ranges WHERE conversation_id = :c "
                            "ORDER BY from_seq"_s);
    q.bindValue(u":c"_s, conversationId);
    if (q.exec())
        while (q.next())
            out.append({q.value(0).toLongLong(), q.value(1).toLongLong()});
    q.finish();
    return out;
}

qint64 LocalStore::maxStoredSeq(const QString &conversationId) const
{
    QSqlQuery &q = prepared(u"SELECT MAX(to_seq) FROM ranges WHERE conversation_id = :c"_s);
    q.bindValue(u":c"_s, conversationId);
    if (q.exec() && q.next())
        return q.value(0).toLongLong();
    return 0;
}

QList<SeqRange> LocalStore::gaps(const QString &conversationId) const
{
    qint64 lastSeq = 0;
    {
        QSqlQuery &q = prepared(u"SELECT last_seq FROM conversations WHERE conversation_id = :c"_s);
        q.bindValue(u":c"_s, conversationId);
        if (q.exec() && q.next())
            lastSeq = q.value(0).toLongLong();
        q.finish();
    }
    QList<SeqRange> out;
    qint64 expected = 1;
    for (const SeqRange &r : ranges(conversationId)) {
        if (r.first > expected)
            out.append({expected, r.first - 1});
        expected = r.second + 1;
    }
    if (expected <= lastSeq)
        out.append({expected, lastSeq});
    std::reverse(out.begin(), out.end());
    return out;
}

QList<LocalMessage> LocalStore::messages(const QString &conversationId, qint64 beforeSeq, int limit,
                                         const QString &myUserId) const
{
    if (limit <= 0)
        return {};
    // The contiguous range that holds beforeSeq - 1 (or the newest range).
    const QList<SeqRange> rs = ranges(conversationId);
    if (rs.isEmpty())
        return {};
    SeqRange range{0, -1};
    qint64 top = 0;
    if (beforeSeq <= 0) {
        range = rs.constLast();
        top = range.second;
    } else {
        for (const SeqRange &r : rs)
            if (r.first <= beforeSeq - 1 && beforeSeq - 1 <= r.second)
                range = r;
        top = beforeSeq - 1;
    }
    if (range.second < range.first)
        return {};
    const qint64 from = qMax(range.first, top - limit + 1);
    return messagesInRange(conversationId, from, top, myUserId);
}

QList<LocalMessage> LocalStore::messagesInRange(const QString &conversationId, qint64 fromSeq,
                                                qint64 toSeq, const QString &myUserId) const
{
    QList<LocalMessage> out;
    QSqlQuery &q =
        prepared(u"SELECT conversation_id, seq, message_id, sender_id, client_msg_id, kind, "
                 "content, ts, local_id FROM messages WHERE conversation_id = :c "
                 "AND seq >= :f AND seq <= :t ORDER BY seq"_s);
    q.bindValue(u":c"_s, conversationId);
    q.bindValue(u":f"_s, fromSeq);
    q.bindValue(u":t"_s, toSeq);
    if (!q.exec())
        return out;
    while (q.next())
        out.append(messageFromRow(q, myUserId));
    q.finish();
    // Decorate after the loop: decorate() may run other statements.
    for (LocalMessage &m : out)
        decorate(m, myUserId);
    return out;
}

std::optional<LocalMessage> LocalStore::messageByLocalId(const QString &localId,
                                                         const QString &myUserId) const
{
    if (auto e = outboxEntry(localId))
        return e;
    QSqlQuery &q =
        prepared(u"SELECT conversation_id, seq, message_id, sender_id, client_msg_id, kind, "
                 "content, ts, local_id FROM messages WHERE local_id = :l"_s);
    q.bindValue(u":l"_s, localId);
    if (!q.exec() || !q.next())
        return std::nullopt;
    LocalMessage m = messageFromRow(q, myUserId);
    q.finish();
    decorate(m, myUserId);
    return m;
}

QList<LocalMessage> LocalStore::ownMessagesInRange(const QString &conversationId, qint64 fromSeq,
                                                   qint64 toSeq, const QString &myUserId) const
{
    QList<LocalMessage> out;
    QSqlQuery &q =
        prepared(u"SELECT conversation_id, seq, message_id, sender_id, client_msg_id, kind, "
                 "content, ts, local_id FROM messages WHERE conversation_id = :c "
                 "AND seq >= :f AND seq <= :t AND sender_id = :me ORDER BY seq"_s);
    q.bindValue(u":c"_s, conversationId);
    q.bindValue(u":f"_s, fromSeq);
    q.bindValue(u":t"_s, toSeq);
    q.bindValue(u":me"_s, myUserId);
    if (!q.exec())
        return out;
    while (q.next())
        out.append(messageFromRow(q, myUserId)); // sender_id = :me, so outgoing
    q.finish();
    for (LocalMessage &m : out)
        decorate(m, myUserId);
    return out;
}

qint64 LocalStore::messageCount(const QString &conversationId) const
{
    QSqlQuery &q = conversationId.isEmpty()
                       ? prepared(u"SELECT COUNT(*) FROM messages"_s)
                       : prepared(u"SELECT COUNT(*) FROM messages WHERE conversation_id = :c"_s);
    if (!conversationId.isEmpty())
        q.bindValue(u":c"_s, conversationId);
    if (q.exec() && q.next())
        return q.value(0).toLongLong();
    return 0;
}

// --- outbox ------------------------------------------------------------------------------------

namespace {
LocalMessage outboxRow(const QSqlQuery &q)
{
    LocalMessage m;
    m.outboxPosition = q.value(0).toLongLong();
    m.clientMsgId = q.value(1).toString();
    m.localId = m.clientMsgId;
    m.conversationId = q.value(2).toString();
    m.senderId = q.value(3).toString();
    m.kind = q.value(4).toString();
    m.content = q.value(5).toString();
    m.ts = q.value(6).toLongLong();
    m.state = q.value(7).toString() == "failed"_L1 ? DeliveryState::Failed : DeliveryState::Pending;
    m.errorCode = q.value(8).toString();
    m.errorMessage = q.value(9).toString();
    m.outgoing = true;
    return m;
}
const auto kOutboxColumns = u"position, client_msg_id, conversation_id, sender_id, kind, content, "
                            "created_ts, state, error_code, error_message"_s;
} // namespace

Expected<LocalMessage> LocalStore::enqueue(const QString &conversationId, const QString &content,
                                           qint64 createdTs, const QString &senderId)
{
    const QString clientMsgId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QSqlQuery &q =
        prepared(u"INSERT INTO outbox (client_msg_id, conversation_id, sender_id, kind, "
                 "content, created_ts) VALUES (:cm, :c, IFNULL(:s, ''), 'text', :t, :ts)"_s);
    q.bindValue(u":cm"_s, clientMsgId);
    q.bindValue(u":c"_s, conversationId);
    q.bindValue(u":s"_s, senderId);
    q.bindValue(u":t"_s, content);
    q.bindValue(u":ts"_s, createdTs);
    // Durable before send() returns: a message composed offline survives a power loss.
    if (Status s = durableWrite([&]() -> Status {
            if (!q.exec())
                return sqlError(q, u"queueing the message"_s);
            return {};
        });
        !s)
        return s.error();
    auto e = outboxEntry(clientMsgId);
    if (!e)
        return storageError(u"the queued message could not be read back"_s);
    return *e;
}

Status LocalStore::markFailed(const QString &clientMsgId, const QString &code,
                              const QString &message)
{
    QSqlQuery &q = prepared(u"UPDATE outbox SET state = 'failed', error_code = IFNULL(:e, ''), "
                            u"error_message = IFNULL(:m, '') "
                            "WHERE client_msg_id = :cm"_s);
    q.bindValue(u":cm"_s, clientMsgId);
    q.bindValue(u":e"_s, code);
    q.bindValue(u":m"_s, message);
    if (!q.exec())
        return sqlError(q, u"marking the message failed"_s);
    return {};
}

Status LocalStore::markPending(const QString &clientMsgId)
{
    QSqlQuery &q =
        prepared(u"UPDATE outbox SET state = 'pending', error_code = '', error_message = '' "
                 "WHERE client_msg_id = :cm"_s);
    q.bindValue(u":cm"_s, clientMsgId);
    if (!q.exec())
        return sqlError(q, u"re-queueing the message"_s);
    return {};
}

Status LocalStore::removeFromOutbox(const QString &clientMsgId)
{
    QSqlQuery &q = prepared(u"DELETE FROM outbox WHERE client_msg_id = :cm"_s);
    q.bindValue(u":cm"_s, clientMsgId);
    if (!q.exec())
        return sqlError(q, u"removing the message from the outbox"_s);
    return {};
}

Status LocalStore::discardFromOutbox(const QString &clientMsgId)
{
    return durableWrite([&] { return removeFromOutbox(clientMsgId); });
}

QList<LocalMessage> LocalStore::outbox(const QString &conversationId) const
{
    QList<LocalMessage> out;
    QSqlQuery &q =
        conversationId.isEmpty()
            ? prepared(u"SELECT "_s + kOutboxColumns + u" FROM outbox ORDER BY position"_s)
            : prepared(u"SELECT "_s + kOutboxColumns
                       + u" FROM outbox WHERE conversation_id = :c ORDER BY position"_s);
    if (!conversationId.isEmpty())
        q.bindValue(u":c"_s, conversationId);
    if (q.exec())
        while (q.next())
            out.append(outboxRow(q));
    q.finish();
    return out;
}

std::optional<LocalMessage> LocalStore::outboxEntry(const QString &clientMsgId) const
{
    QSqlQuery &q =
        prepared(u"SELECT "_s + kOutboxColumns + u" FROM outbox WHERE client_msg_id = :cm"_s);
    q.bindValue(u":cm"_s, clientMsgId);
    if (!q.exec() || !q.next())
        return std::nullopt;
    LocalMessage m = outboxRow(q);
    q.finish();
    return m;
}

// --- drafts ------------------------------------------------------------------------------------

QString LocalStore::draft(const QString &conversationId) const
{
    QSqlQuery &q = prepared(u"SELECT text FROM drafts WHERE conversation_id = :c"_s);
    q.bindValue(u":c"_s, conversationId);
    if (q.exec() && q.next())
        return q.value(0).toString();
    return {};
}

Status LocalStore::setDraft(const QString &conversationId, const QString &text)
{
    QSqlQuery &q =
        text.isEmpty()
            ? prepared(u"DELETE FROM drafts WHERE conversation_id = :c"_s)
            : prepared(
                u"INSERT INTO drafts (conversation_id, text, updated_ts) VALUES (:c, :t, :ts) "
                "ON CONFLICT (conversation_id) DO UPDATE SET text = excluded.text, "
                "updated_ts = excluded.updated_ts"_s);
    q.bindValue(u":c"_s, conversationId);
    if (!text.isEmpty()) {
        q.bindValue(u":t"_s, text);
        q.bindValue(u":ts"_s, QDateTime::currentMSecsSinceEpoch());
    }
    if (!q.exec())
        return sqlError(q, u"saving the draft"_s);
    return {};
}

// --- search index ------------------------------------------------------------------------------

void LocalStore::setBackgroundSearchIndexing(bool on)
{
    g_backgroundSearchIndexing = on;
}

Expected<qint64> LocalStore::indexSearchPending(qint64 maxRows)
{
    const qint64 batch = maxRows < 0 ? qint64(SearchIndexer::kBatchRows) : maxRows;
    {
        // The usual case, checked without a write transaction: nothing is pending.
        QSqlQuery &q = prepared(u"SELECT EXISTS (SELECT 1 FROM messages WHERE rowid > "
                                "(SELECT indexed_upto FROM search_state WHERE id = 1))"_s);
        if (!q.exec() || !q.next())
            return sqlError(q, u"reading the search index state"_s);
        const bool pending = q.value(0).toBool();
        q.finish();
        if (!pending)
            return qint64(0);
    }
    auto prepare = [this](const QString &sql) -> QSqlQuery & { return prepared(sql); };
    qint64 total = 0;
    QString why;
    if (m_inTransaction) { // the caller's transaction: one batch of everything asked for
        const qint64 n = indexSearchBatch(prepare, maxRows < 0 ? INT64_MAX : maxRows, &why);
        if (n < 0)
            return storageError(u"indexing messages for search failed: "_s + why);
        return n;
    }
    while (maxRows < 0 || total < maxRows) {
        Transaction tx(*this);
        if (Status s = tx.begin(); !s)
            return s.error();
        const qint64 n =
            indexSearchBatch(prepare, maxRows < 0 ? batch : qMin(batch, maxRows - total), &why);
        if (n < 0)
            return storageError(u"indexing messages for search failed: "_s + why);
        if (n == 0)
            break; // nothing pending: the transaction rolls back (it wrote nothing)
        if (Status s = tx.commit(); !s)
            return s.error();
        total += n;
        if (n < batch)
            break;
    }
    return total;
}

qint64 LocalStore::searchPending() const
{
    QSqlQuery &q = prepared(u"SELECT COUNT(*) FROM messages WHERE rowid > "
                            "(SELECT indexed_upto FROM search_state WHERE id = 1)"_s);
    if (!q.exec() || !q.next())
        return -1;
    const qint64 n = q.value(0).toLongLong();
    q.finish();
    return n;
}

} // namespace chat::sync
