// chat-bench-client: client-side benchmarks of the sync engine's LocalStore (src/sync).
//  - ingest: the same rows (conversations × messages, a history page per transaction) through
//    LocalStore::insertMessages and through the raw SQLite C API into the same table shape with
//    the same pragmas — the raw figure is the limit the store is measured against — and, the
//    same raw loop again, into a file with the store's complete schema (its search index
//    tables included): the limit for that schema; --rounds times, medians reported. Also the
//    search index written after the ingest (migration 005): how long the background indexer
//    takes to catch up, and LocalStore::indexSearchPending()'s rate over all the rows;
//  - page: LocalStore::messages() pages of 50 at random positions in one conversation of
//    --page-messages messages (median, p99), and this process's RSS with them stored.
// Prints one JSON summary. See docs/PERFORMANCE.md.
#include "benchutil.h"

#include "sync/localstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>

#include <cstdio>
#include <sqlite3.h>

using namespace Qt::StringLiterals;
using namespace chat::bench;
namespace proto = chat::proto;

namespace {

QList<proto::Message> makeRows(int conversations, int perConversation, int contentChars)
{
    QList<proto::Message> rows;
    rows.reserve(qsizetype(conversations) * perConversation);
    const QString pad(contentChars, u'x');
    for (int c = 0; c < conversations; ++c) {
        const QString conv = u"c_%1"_s.arg(c, 6, 10, QLatin1Char('0'));
        for (int s = 1; s <= perConversation; ++s) {
            proto::Message m;
            m.conversationId = conv;
            m.seq = s;
            m.messageId = u"m_%1_%2"_s.arg(c).arg(s);
            m.senderId = u"u_other"_s;
            m.clientMsgId = u"cm_%1_%2"_s.arg(c).arg(s);
            m.content = pad;
            m.ts = 1764380000000 + s;
            rows.append(m);
        }
    }
    return rows;
}

QString fail(const QString &what, const QString &why)
{
    return what + u": "_s + why;
}

// Ingest through LocalStore, `batch` rows per transaction. Returns seconds or -1.
double ingestStore(chat::sync::LocalStore &store, const QList<proto::Message> &rows, int batch,
                   QString *error)
{
    const qint64 t0 = nowNs();
    for (qsizetype i = 0; i < rows.size(); i += batch) {
        chat::sync::LocalStore::Transaction tx(store);
        if (auto st = tx.begin(); !st.ok()) {
            *error = fail(u"begin"_s, st.error().message);
            return -1;
        }
        auto r = store.insertMessages(rows.mid(i, batch), u"u_me"_s);
        if (!r.ok()) {
            *error = fail(u"insertMessages"_s, r.error().message);
            return -1;
        }
        if (auto st = tx.commit(); !st.ok()) {
            *error = fail(u"commit"_s, st.error().message);
            return -1;
        }
    }
    return double(nowNs() - t0) / 1e9;
}

// The same rows into the same table shape (messages with its unique local_id index) through
// the SQLite C API: one prepared statement, one transaction per batch.
// With `createTable` false the file already holds the store's whole schema (made by
// LocalStore::open: the search index triggers included), so only the statements differ.
double ingestRaw(const QString &path, const QString &synchronous, const QList<proto::Message> &rows,
                 int batch, QString *error, bool createTable = true)
{
    sqlite3 *db = nullptr;
    if (sqlite3_open(path.toUtf8().constData(), &db) != SQLITE_OK) {
        *error = u"raw sqlite open failed"_s;
        return -1;
    }
    const QByteArray pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + synchronous.toLatin1() + ";";
    const QByteArray setup =
        !createTable
            ? pragmas
            : pragmas
                  + " CREATE TABLE messages (conversation_id TEXT NOT NULL, seq INTEGER NOT NULL"
                    " CHECK (seq > 0), message_id TEXT NOT NULL, sender_id TEXT NOT NULL, "
                    "client_msg_id"
                    " TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL DEFAULT 'text', content TEXT NOT"
                    " NULL, ts INTEGER NOT NULL, local_id TEXT NOT NULL, PRIMARY KEY "
                    "(conversation_id,"
                    " seq)); CREATE UNIQUE INDEX messages_local_id ON messages (local_id);";
    char *msg = nullptr;
    if (sqlite3_exec(db, setup.constData(), nullptr, nullptr, &msg) != SQLITE_OK) {
        *error = u"raw sqlite setup: "_s + QString::fromUtf8(msg);
        sqlite3_free(msg);
        sqlite3_close(db);
        return -1;
    }
    sqlite3_stmt *ins = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT INTO messages (conversation_id, seq, message_id, sender_id,"
                       " client_msg_id, kind, content, ts, local_id) VALUES (?,?,?,?,?,?,?,?,?)",
                       -1, &ins, nullptr);
    const qint64 t0 = nowNs();
    bool ok = true;
    for (qsizetype i = 0; i < rows.size() && ok; i += batch) {
        sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
        for (qsizetype j = i; j < qMin(rows.size(), i + batch) && ok; ++j) {
            const proto::Message &m = rows.at(j);
            // Convert per row, as any Qt caller holding QStrings must.
            const QByteArray f[] = {m.conversationId.toUtf8(), m.messageId.toUtf8(),
                                    m.senderId.toUtf8(),       m.clientMsgId.toUtf8(),
                                    m.kind.toUtf8(),           m.content.toUtf8()};
            sqlite3_bind_text(ins, 1, f[0].constData(), int(f[0].size()), SQLITE_STATIC);
            sqlite3_bind_int64(ins, 2, m.seq);
            sqlite3_bind_text(ins, 3, f[1].constData(), int(f[1].size()), SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, f[2].constData(), int(f[2].size()), SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, f[3].constData(), int(f[3].size()), SQLITE_STATIC);
            sqlite3_bind_text(ins, 6, f[4].constData(), int(f[4].size()), SQLITE_STATIC);
            sqlite3_bind_text(ins, 7, f[5].constData(), int(f[5].size()), SQLITE_STATIC);
            sqlite3_bind_int64(ins, 8, m.ts);
            sqlite3_bind_text(ins, 9, f[1].constData(), int(f[1].size()), SQLITE_STATIC);
            ok = sqlite3_step(ins) == SQLITE_DONE;
            sqlite3_reset(ins);
        }
        ok = ok && sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
    }
    const double secs = double(nowNs() - t0) / 1e9;
    if (!ok)
        *error = u"raw sqlite insert: "_s + QString::fromUtf8(sqlite3_errmsg(db));
    sqlite3_finalize(ins);
    sqlite3_close(db);
    return ok ? secs : -1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.setApplicationDescription(u"LocalStore benchmarks: ingest vs raw SQLite, page load at "
                                "scale. Prints a JSON summary."_s);
    p.addHelpOption();
    p.addOption({u"conversations"_s, u"ingest: conversations."_s, u"n"_s, u"500"_s});
    p.addOption({u"per-conversation"_s, u"ingest: messages each."_s, u"n"_s, u"200"_s});
    p.addOption(
        {u"batch"_s, u"ingest: rows per transaction (a history page)."_s, u"n"_s, u"200"_s});
    p.addOption({u"page-messages"_s, u"page: messages in the one big conversation."_s, u"n"_s,
                 u"1000000"_s});
    p.addOption({u"pages"_s, u"page: pages of 50 read."_s, u"n"_s, u"2000"_s});
    p.addOption({u"padding"_s, u"content characters per message."_s, u"n"_s, u"64"_s});
    p.addOption({u"rounds"_s, u"ingest: rounds (medians are reported)."_s, u"n"_s, u"3"_s});
    p.addOption({u"out"_s, u"Also write the JSON summary here."_s, u"file"_s});
    p.process(app);
    auto num = [&](const char *name) {
        bool ok = false;
        const int v = p.value(QString::fromLatin1(name)).toInt(&ok);
        if (!ok || v < 1) {
            fprintf(stderr, "chat-bench-client: --%s must be a positive integer\n", name);
            exit(2);
        }
        return v;
    };
    const int convs = num("conversations"), per = num("per-conversation"), batch = num("batch");
    const int pageMessages = num("page-messages"), pages = num("pages"), padding = num("padding");
    const int rounds = num("rounds");

    QTemporaryDir dir;
    QJsonObject out{{"benchmark"_L1, u"localstore"_s}};
    QJsonObject machine;
    {
        QFile f(u"/proc/loadavg"_s);
        if (f.open(QIODevice::ReadOnly))
            machine["loadavg_before"_L1] = QString::fromLatin1(f.readAll().trimmed());
    }
    QString error;
    // --- ingest ---------------------------------------------------------------------------
    // --rounds rounds, each into fresh files, the order of the LocalStore and raw runs
    // alternating (the first run of a round finds a colder page cache); medians are reported.
    // The store's background search indexer (migration 005) runs as in the app: it waits for
    // the ingest to pause, then indexes. Each round waits for it to finish before the raw runs
    // (timed as index_after_ingest_s), so it never competes with them for the cores.
    {
        const QList<proto::Message> rows = makeRows(convs, per, padding);
        QString sync = u"NORMAL"_s;
        QList<double> storeRuns, rawRuns, rawSchemaRuns, indexWaitRuns, ratios;
        for (int round = 0; round < rounds && error.isEmpty(); ++round) {
            const QString tag = QString::number(round);
            double storeS = -1, indexWaitS = -1;
            auto runStore = [&] {
                auto opened =
                    chat::sync::LocalStore::open(dir.filePath(u"store"_s + tag + u".db"_s));
                if (!opened.ok()) {
                    error = fail(u"open"_s, opened.error().message);
                    return;
                }
                auto &store = *opened.value();
                for (int c = 0; c < convs; ++c) {
                    auto st =
                        store.ensureConversation(rows.at(qsizetype(c) * per).conversationId, per);
                    if (!st.ok()) {
                        error = fail(u"ensureConversation"_s, st.error().message);
                        return;
                    }
                }
                QSqlQuery q(QSqlDatabase::database(store.connectionName()));
                if (q.exec(u"PRAGMA synchronous"_s) && q.next())
                    sync = QStringList{u"OFF"_s, u"NORMAL"_s, u"FULL"_s, u"EXTRA"_s}.value(
                        q.value(0).toInt(), u"NORMAL"_s);
                q.finish();
                storeS = ingestStore(store, rows, batch, &error);
                const qint64 t0 = nowNs();
                while (error.isEmpty() && store.searchPending() > 0) {
                    if (nowNs() - t0 > 600 * qint64(1000000000)) {
                        error = u"the search indexer did not finish within 600 s"_s;
                        return;
                    }
                    QThread::msleep(5);
                }
                indexWaitS = double(nowNs() - t0) / 1e9;
            };
            double rawS = -1;
            auto runRaw = [&] {
                rawS =
                    ingestRaw(dir.filePath(u"raw"_s + tag + u".db"_s), sync, rows, batch, &error);
            };
            if (round % 2 == 0) {
                runStore();
                if (error.isEmpty())
                    runRaw();
            } else {
                // The raw run needs the store's synchronous setting: NORMAL, checked above in
                // round 0 (and again below).
                runRaw();
                if (error.isEmpty())
                    runStore();
            }
            // The same raw loop into a file with the store's complete schema (its search
            // tables and triggers included): the limit for that schema.
            double rawSchemaS = -1;
            if (error.isEmpty()) {
                const QString full = dir.filePath(u"raw-schema"_s + tag + u".db"_s);
                if (auto made = chat::sync::LocalStore::open(full); made.ok()) {
                    made.value().reset();
                    rawSchemaS = ingestRaw(full, sync, rows, batch, &error, false);
                }
            }
            if (storeS <= 0 || rawS <= 0 || rawSchemaS <= 0)
                break;
            storeRuns.append(storeS);
            rawRuns.append(rawS);
            rawSchemaRuns.append(rawSchemaS);
            indexWaitRuns.append(indexWaitS);
            ratios.append(storeS / rawS);
        }
        // The background indexer's own rate: the same rows into a store without it, then
        // LocalStore::indexSearchPending() over all of them (what a search right after the
        // ingest would wait for at most).
        double indexS = -1;
        if (error.isEmpty()) {
            chat::sync::LocalStore::setBackgroundSearchIndexing(false);
            auto opened = chat::sync::LocalStore::open(dir.filePath(u"index.db"_s));
            chat::sync::LocalStore::setBackgroundSearchIndexing(true);
            if (opened.ok() && ingestStore(*opened.value(), rows, batch, &error) > 0) {
                const qint64 t0 = nowNs();
                auto n = opened.value()->indexSearchPending();
                indexS = double(nowNs() - t0) / 1e9;
                if (!n.ok() || n.value() != rows.size())
                    error = u"indexSearchPending indexed "_s
                            + QString::number(n.ok() ? n.value() : -1) + u" rows"_s;
            }
        }
        auto median = [](QList<double> v) {
            std::sort(v.begin(), v.end());
            return v.isEmpty() ? -1.0
                               : (v.size() % 2 ? v.at(v.size() / 2)
                                               : (v.at(v.size() / 2 - 1) + v.at(v.size() / 2)) / 2);
        };
        auto list = [](const QList<double> &v) {
            QJsonArray a;
            for (double d : v)
                a.append(round3(d));
            return a;
        };
        QJsonObject ingest{{"rows"_L1, rows.size()},
                           {"batch"_L1, batch},
                           {"synchronous"_L1, sync},
                           {"rounds"_L1, storeRuns.size()}};
        if (!storeRuns.isEmpty()) {
            const double storeS = median(storeRuns), rawS = median(rawRuns),
                         rawSchemaS = median(rawSchemaRuns);
            ingest["localstore_s"_L1] = round3(storeS);
            ingest["localstore_per_s"_L1] = round3(double(rows.size()) / storeS);
            ingest["raw_sqlite_s"_L1] = round3(rawS);
            ingest["raw_sqlite_per_s"_L1] = round3(double(rows.size()) / rawS);
            ingest["ratio_localstore_over_raw"_L1] = round3(storeS / rawS);
            ingest["ratio_per_round"_L1] = list(ratios);
            ingest["localstore_s_per_round"_L1] = list(storeRuns);
            ingest["raw_sqlite_s_per_round"_L1] = list(rawRuns);
            ingest["raw_sqlite_store_schema_s"_L1] = round3(rawSchemaS);
            ingest["raw_sqlite_store_schema_per_s"_L1] = round3(double(rows.size()) / rawSchemaS);
            ingest["ratio_localstore_over_raw_store_schema"_L1] = round3(storeS / rawSchemaS);
            ingest["index_after_ingest_s"_L1] = round3(median(indexWaitRuns));
        }
        if (indexS > 0) {
            ingest["index_s"_L1] = round3(indexS);
            ingest["index_per_s"_L1] = round3(double(rows.size()) / indexS);
        }
        out["ingest"_L1] = ingest;
    }
    // --- page of 50 at scale --------------------------------------------------------------
    if (error.isEmpty()) {
        auto opened = chat::sync::LocalStore::open(dir.filePath(u"big.db"_s));
        if (!opened.ok()) {
            fprintf(stderr, "chat-bench-client: %s\n", qPrintable(opened.error().message));
            return 1;
        }
        auto &store = *opened.value();
        const ProcSample before = sampleSelf();
        QJsonObject page{{"messages_in_conversation"_L1, pageMessages}};
        if (auto st = store.ensureConversation(u"c_000000"_s, pageMessages); !st.ok()) {
            fprintf(stderr, "chat-bench-client: ensureConversation: %s\n",
                    qPrintable(st.error().message));
            return 1;
        }
        const int chunk = 20000; // rows built and stored a chunk at a time
        double fillS = 0;
        for (int from = 0; from < pageMessages && error.isEmpty(); from += chunk) {
            QList<proto::Message> rows = makeRows(1, qMin(chunk, pageMessages - from), padding);
            for (proto::Message &m : rows) {
                m.seq += from;
                m.messageId = u"m_"_s + QString::number(m.seq);
                m.clientMsgId = u"cm_"_s + QString::number(m.seq);
            }
            const double s = ingestStore(store, rows, 1000, &error);
            fillS += s;
        }
        page["fill_s"_L1] = round3(fillS);
        // The background search indexer catches up first: pages are read from an idle store.
        const qint64 waitFrom = nowNs();
        while (error.isEmpty() && store.searchPending() > 0)
            QThread::msleep(10);
        page["index_after_fill_s"_L1] = round3(double(nowNs() - waitFrom) / 1e9);
        LatencyRecorder lat;
        auto *rng = QRandomGenerator::global();
        qint64 rowsRead = 0;
        for (int i = 0; i < pages; ++i) {
            const qint64 before = 51 + qint64(rng->bounded(pageMessages - 50));
            const qint64 t0 = nowNs();
            const auto msgs = store.messages(u"c_000000"_s, before, 50, u"u_me"_s);
            lat.add(nowNs() - t0);
            rowsRead += msgs.size();
        }
        page["rows_per_page"_L1] = round3(double(rowsRead) / pages);
        page["page_of_50"_L1] = lat.summary();
        const ProcSample after = sampleSelf();
        page["process_rss_mb"_L1] = round3(double(after.rssBytes) / 1048576.0);
        page["rss_growth_mb"_L1] = round3(double(after.rssBytes - before.rssBytes) / 1048576.0);
        const qint64 dbBytes = QFileInfo(dir.filePath(u"big.db"_s)).size()
                               + QFileInfo(dir.filePath(u"big.db-wal"_s)).size();
        page["db_and_wal_mb"_L1] = round3(double(dbBytes) / 1048576.0);
        out["page"_L1] = page;
    }
    {
        QFile f(u"/proc/loadavg"_s);
        if (f.open(QIODevice::ReadOnly))
            machine["loadavg_after"_L1] = QString::fromLatin1(f.readAll().trimmed());
    }
    out["machine"_L1] = machine;
    if (!error.isEmpty())
        out["error"_L1] = error;
    const QByteArray json = QJsonDocument(out).toJson(QJsonDocument::Indented);
    fwrite(json.constData(), 1, size_t(json.size()), stdout);
    if (p.isSet(u"out"_s)) {
        QFile f(p.value(u"out"_s));
        if (!f.open(QIODevice::WriteOnly) || f.write(json) != json.size()) {
            fprintf(stderr, "chat-bench-client: cannot write %s\n", qPrintable(p.value(u"out"_s)));
            return 1;
        }
    }
    return error.isEmpty() ? 0 : 1;
}
