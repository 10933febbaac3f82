// The search index written after the insert (migration 005) on real SQLite files: a search
// right after a big ingest finds every message (pending ones are indexed first), the
// background indexer catches up by itself (also after commits of a second connection, as the
// StoreWriter's) and resumes after a restart where the last run stopped, a rowid reused after
// a delete is indexed, and the FTS5 index stays consistent with its content throughout. Also
// the first message at a date without the time index 005 dropped.
#include "sync/localstore.h"
#include "sync/search.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace chat::sync;
using chat::proto::Message;

namespace {
const QString me = u"u-me"_s;
const QString bob = u"u-bob"_s;

Message msg(const QString &conv, qint64 seq, const QString &content, qint64 ts)
{
    Message m;
    m.conversationId = conv;
    m.seq = seq;
    m.messageId = conv + u"-m"_s + QString::number(seq);
    m.senderId = bob;
    m.clientMsgId = u"c-"_s + conv + QString::number(seq);
    m.content = content;
    m.ts = ts;
    return m;
}

// `count` messages over `conversations` conversations, stored `batch` per transaction (as
// history pages are); every one says "needle <n>", every 10th also "Straße".
bool ingest(LocalStore &store, int count, int conversations, int batch, int firstSeq = 1)
{
    QList<Message> page;
    for (int i = 0; i < count; ++i) {
        const int seq = firstSeq + i / conversations;
        const QString conv = u"c"_s + QString::number(i % conversations);
        QString text = u"needle "_s + QString::number(i);
        if (i % 10 == 0)
            text += u" an der Straße"_s;
        // Time goes back and forth across conversations, as a catch-up delivers it.
        page.append(msg(conv, seq, text, 1'700'000'000'000 + seq * 1000 + (i % conversations)));
        if (page.size() == batch || i == count - 1) {
            LocalStore::Transaction tx(store);
            if (!tx.begin() || !store.insertMessages(page, me) || !tx.commit())
                return false;
            page.clear();
        }
    }
    return true;
}

// All hits of a query, page after page.
int countHits(MessageSearch &search, const QString &text)
{
    int total = 0;
    for (int offset = 0;; offset += 500) {
        SearchQuery q;
        q.text = text;
        q.limit = 500;
        q.offset = offset;
        const auto page = search.search(q, me);
        if (!page) {
            qWarning() << page.error().message;
            return -1;
        }
        total += int(page.value().hits.size());
        if (!page.value().hasMore)
            return total;
    }
}

bool integrityOk(LocalStore &store)
{
    QSqlQuery q(QSqlDatabase::database(store.connectionName()));
    if (!q.exec(u"INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"_s)) {
        qWarning() << q.lastError().text();
        return false;
    }
    return true;
}
} // namespace

class TestSearchIndex : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    int m_n = 0;
    QString freshPath() { return m_dir.filePath(u"s"_s + QString::number(++m_n) + u".db"_s); }

private Q_SLOTS:
    void cleanup() { LocalStore::setBackgroundSearchIndexing(true); }

    void searchRightAfterBigIngestFindsEverything()
    {
        // The background indexer is on (as in the app) but has had no time: the ingest's
        // last commit was just now. The search indexes what is pending first.
        auto store = LocalStore::open(freshPath());
        QVERIFY(store);
        QVERIFY(ingest(*store.value(), 12000, 30, 200));
        MessageSearch search(*store.value());
        QCOMPARE(countHits(search, u"needle"_s), 12000);
        QCOMPARE(store.value()->searchPending(), 0);
        QCOMPARE(countHits(search, u"strasse"_s), 1200);
        // Exactly one message says "needle 11999": the newest of the ingest is found.
        QCOMPARE(countHits(search, u"\"needle 11999\""_s), 1);
        QVERIFY(integrityOk(*store.value()));
    }

    void searchWithEverythingPendingFindsEverything()
    {
        LocalStore::setBackgroundSearchIndexing(false);
        auto store = LocalStore::open(freshPath());
        QVERIFY(store);
        QVERIFY(ingest(*store.value(), 5000, 7, 500));
        QCOMPARE(store.value()->searchPending(), 5000);
        MessageSearch search(*store.value());
        // Unread mentions read the index too.
        QVERIFY(store.value()->insertMessages(
            {msg(u"c0"_s, 9999, u"hey @me look"_s, 1'800'000'000'000)}, me));
        const auto mentions = search.unreadMentions(u"c0"_s, {u"me"_s}, me);
        QVERIFY(mentions);
        QCOMPARE(mentions.value().size(), 1);
        QCOMPARE(store.value()->searchPending(), 0);
        QCOMPARE(countHits(search, u"needle"_s), 5000);
        // Newest first across batches indexed in separate transactions.
        SearchQuery q;
        q.text = u"needle"_s;
        q.limit = 3;
        const auto page = search.search(q, me);
        QVERIFY(page);
        for (qsizetype i = 1; i < page.value().hits.size(); ++i)
            QVERIFY(page.value().hits.at(i - 1).message.ts >= page.value().hits.at(i).message.ts);
        QVERIFY(integrityOk(*store.value()));
    }

    void backgroundIndexerCatchesUpByItself()
    {
        auto opened = LocalStore::open(freshPath());
        QVERIFY(opened);
        LocalStore &store = *opened.value();
        QVERIFY(ingest(store, 6000, 5, 200));
        // No search: the indexer indexes once the store is idle.
        QTRY_COMPARE_WITH_TIMEOUT(store.searchPending(), 0, 20000);
        // Commits of a second connection to the file (the StoreWriter's) wake it too.
        auto writer = LocalStore::openConnection(store.path());
        QVERIFY(writer);
        QVERIFY(ingest(*writer.value(), 3000, 5, 200, 10000));
        store.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(store.searchPending(), 0, 20000);
        QCOMPARE(store.messageCount(), 9000);
        // Indexed by the indexer, not by the search below (nothing was pending).
        MessageSearch search(store);
        QCOMPARE(countHits(search, u"needle"_s), 9000);
        QVERIFY(integrityOk(store));
    }

    void indexerResumesAfterRestart()
    {
        const QString path = freshPath();
        LocalStore::setBackgroundSearchIndexing(false);
        {
            auto store = LocalStore::open(path);
            QVERIFY(store);
            QVERIFY(ingest(*store.value(), 8000, 4, 400));
            // Part of it indexed when the program stops.
            const auto n = store.value()->indexSearchPending(2500);
            QVERIFY(n);
            QCOMPARE(n.value(), 2500);
            QCOMPARE(store.value()->searchPending(), 5500);
        }
        LocalStore::setBackgroundSearchIndexing(true);
        auto store = LocalStore::open(path);
        QVERIFY(store);
        // The next run's indexer picks up at the cursor, without a search asking for it.
        QTRY_COMPARE_WITH_TIMEOUT(store.value()->searchPending(), 0, 20000);
        MessageSearch search(*store.value());
        QCOMPARE(countHits(search, u"needle"_s), 8000); // each message once, none twice
        QCOMPARE(countHits(search, u"strasse"_s), 800);
        QVERIFY(integrityOk(*store.value()));
    }

    void indexingInsideTheCallersTransaction()
    {
        LocalStore::setBackgroundSearchIndexing(false);
        auto store = LocalStore::open(freshPath());
        QVERIFY(store);
        QVERIFY(ingest(*store.value(), 300, 3, 300));
        {
            LocalStore::Transaction tx(*store.value());
            QVERIFY(tx.begin());
            const auto n = store.value()->indexSearchPending();
            QVERIFY(n);
            QCOMPARE(n.value(), 300);
            // Rolled back with the transaction: still pending.
        }
        QCOMPARE(store.value()->searchPending(), 300);
        {
            LocalStore::Transaction tx(*store.value());
            QVERIFY(tx.begin());
            QVERIFY(store.value()->indexSearchPending());
            QVERIFY(tx.commit());
        }
        QCOMPARE(store.value()->searchPending(), 0);
        QVERIFY(integrityOk(*store.value()));
    }

    void rowidReusedAfterDeleteIsIndexed()
    {
        // messages has no AUTOINCREMENT: deleting the newest row lets the next insert take
        // its rowid again, below a cursor that had passed it.
        LocalStore::setBackgroundSearchIndexing(false);
        auto opened = LocalStore::open(freshPath());
        QVERIFY(opened);
        LocalStore &store = *opened.value();
        QVERIFY(store.insertMessages({msg(u"c1"_s, 1, u"alpha"_s, 1000),
                                      msg(u"c1"_s, 2, u"beta"_s, 2000),
                                      msg(u"c1"_s, 3, u"gamma"_s, 3000)},
                                     me));
        QVERIFY(store.indexSearchPending());
        QCOMPARE(store.searchPending(), 0);
        QSqlQuery q(QSqlDatabase::database(store.connectionName()));
        QVERIFY(q.exec(u"DELETE FROM messages WHERE seq = 3"_s));
        QVERIFY(store.insertMessages({msg(u"c1"_s, 4, u"delta"_s, 4000)}, me));
        QVERIFY(q.exec(u"SELECT rowid FROM messages WHERE seq = 4"_s) && q.next());
        QCOMPARE(q.value(0).toLongLong(), 3); // the rowid was reused
        q.finish();
        QCOMPARE(store.searchPending(), 1);
        MessageSearch search(store);
        QCOMPARE(countHits(search, u"delta"_s), 1);
        QCOMPARE(countHits(search, u"gamma"_s), 0);
        QVERIFY(integrityOk(store));
        // And clearing the cache leaves nothing pending and nothing indexed.
        QVERIFY(store.clearCache());
        QCOMPARE(store.searchPending(), 0);
        QVERIFY(store.insertMessages({msg(u"c1"_s, 1, u"again alpha"_s, 1000)}, me));
        QCOMPARE(countHits(search, u"alpha"_s), 1);
        QVERIFY(integrityOk(store));
    }

    void positionAtDateSearchesSeqWithoutATimeIndex()
    {
        // Migration 005 dropped the (conversation_id, ts) index: the first message at a date
        // is found by a binary search over seq. Checked against every date of a conversation
        // with gaps and messages sharing a millisecond.
        auto opened = LocalStore::open(freshPath());
        QVERIFY(opened);
        LocalStore &store = *opened.value();
        QSqlQuery q(QSqlDatabase::database(store.connectionName()));
        QVERIFY(q.exec(u"SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
                       "tbl_name = 'messages' AND name = 'messages_conversation_ts'"_s)
                && q.next());
        QCOMPARE(q.value(0).toInt(), 0);
        q.finish();
        QList<Message> rows;
        QList<QPair<qint64, qint64>> stored; // (seq, ts)
        for (qint64 seq = 3; seq <= 700; ++seq) {
            if (seq % 7 == 0 || (seq > 300 && seq < 340))
                continue;                              // gaps
            const qint64 ts = 10'000 + (seq / 2) * 10; // pairs share a millisecond
            rows.append(msg(u"big"_s, seq, u"m"_s, ts));
            stored.append({seq, ts});
        }
        QVERIFY(store.insertMessages(rows, me));
        MessageSearch search(store);
        for (qint64 date = 9'990; date <= 10'000 + 360 * 10; date += 5) {
            qint64 expected = stored.constLast().first; // the newest when none is later
            for (const auto &[seq, ts] : stored) {
                if (ts >= date) {
                    expected = seq;
                    break;
                }
            }
            const auto p = search.positionAtDate(u"big"_s, date);
            QVERIFY(p);
            if (p->seq != expected)
                QFAIL(qPrintable(
                    u"date %1: seq %2, expected %3"_s.arg(date).arg(p->seq).arg(expected)));
        }
        QVERIFY(!search.positionAtDate(u"none"_s, 10'000));
    }
};

QTEST_GUILESS_MAIN(TestSearchIndex)
#include "tst_localstore_searchindex.moc"
