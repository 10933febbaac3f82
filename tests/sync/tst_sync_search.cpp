// Local full-text search on real SQLite files: indexing of stored messages and by the
// migration of version-1..4 stores, Unicode folding (umlauts, accents, "ß" as "ss" both ways, with
// the highlight on the original text), prefix and phrase queries, filters and paging, hostile query
// text, deletes leaving the index, date positions and unread mentions.
#include "sync/localstore.h"
#include "sync/search.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace chat::sync;
using chat::proto::Conversation;
using chat::proto::ConversationKind;
using chat::proto::Member;
using chat::proto::Message;

namespace {
const QString me = u"u-me"_s;
const QString bob = u"u-bob"_s;
const QString carol = u"u-carol"_s;

Message msg(const QString &conv, qint64 seq, const QString &content, const QString &sender = bob,
            qint64 ts = 0)
{
    Message m;
    m.conversationId = conv;
    m.seq = seq;
    m.messageId = conv + u"-m"_s + QString::number(seq);
    m.senderId = sender;
    m.clientMsgId = u"c-"_s + conv + QString::number(seq);
    m.content = content;
    m.ts = ts ? ts : 1000 + seq;
    return m;
}

Conversation conv(const QString &id, qint64 lastSeq)
{
    Conversation c;
    c.conversationId = id;
    c.kind = ConversationKind::Group;
    c.title = id;
    c.lastSeq = lastSeq;
    c.members = {Member{me, 0, 0, chat::proto::Role::Member},
                 Member{bob, 0, 0, chat::proto::Role::Member},
                 Member{carol, 0, 0, chat::proto::Role::Member}};
    return c;
}

std::unique_ptr<LocalStore> openStore(const QString &path)
{
    auto s = LocalStore::open(path);
    if (!s) {
        qWarning() << s.error().message;
        return nullptr;
    }
    return std::move(s).value();
}

QStringList contents(const Expected<SearchPage> &page)
{
    QStringList out;
    if (!page) {
        qWarning() << page.error().message;
        return {u"<error>"_s};
    }
    for (const SearchHit &h : page.value().hits)
        out.append(h.message.content);
    return out;
}

// Statements of a migration file (CREATE TRIGGER ... END; bodies kept whole).
QStringList statements(const QString &sql)
{
    QStringList out;
    QString current;
    bool inTrigger = false;
    for (const QString &line : sql.split(u'\n')) {
        const QString t = line.trimmed();
        if (t.startsWith("--"_L1) || (t.isEmpty() && current.isEmpty()))
            continue;
        current += line + u'\n';
        if (t.startsWith("CREATE TRIGGER"_L1))
            inTrigger = true;
        if (t.endsWith(u';') && (!inTrigger || t == "END;"_L1)) {
            out.append(current);
            current.clear();
            inTrigger = false;
        }
    }
    return out;
}

SearchQuery text(const QString &t)
{
    SearchQuery q;
    q.text = t;
    return q;
}
} // namespace

class TestSyncSearch : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_store = openStore(m_dir.filePath(u"store-"_s + QString::number(++m_n) + u".sqlite"_s));
        QVERIFY(m_store);
        QVERIFY(m_store->upsertConversation(conv(u"c1"_s, 0), me));
        QVERIFY(m_store->upsertConversation(conv(u"c2"_s, 0), me));
    }
    void cleanup() { m_store.reset(); }

    void indexesOnInsertNewestFirst()
    {
        MessageSearch search(*m_store);
        QCOMPARE(contents(search.search(text(u"lunch"_s))), QStringList());
        QVERIFY(m_store->insertMessages({msg(u"c1"_s, 1, u"lunch at noon?"_s),
                                         msg(u"c1"_s, 2, u"no, dinner"_s),
                                         msg(u"c2"_s, 1, u"Lunch tomorrow"_s, carol, 5000)},
                                        me));
        const auto page = search.search(text(u"lunch"_s), me);
        QCOMPARE(contents(page), (QStringList{u"Lunch tomorrow"_s, u"lunch at noon?"_s}));
        const SearchHit &hit = page.value().hits.at(1);
        QCOMPARE(hit.message.conversationId, u"c1"_s);
        QCOMPARE(hit.message.seq, 1);
        QCOMPARE(hit.message.localId, u"c1-m1"_s);
        QCOMPARE(hit.matches, (QList<TextSpan>{{0, 5}}));
        QCOMPARE(hit.snippet, u"lunch at noon?"_s);
        QCOMPARE(hit.snippetMatches, (QList<TextSpan>{{0, 5}}));
        QVERIFY(!page.value().hasMore);

        // A message of our own arriving through an ack is indexed as well.
        auto queued = m_store->enqueue(u"c1"_s, u"see you at lunch"_s, 9000, me);
        QVERIFY(queued);
        QVERIFY(m_store->applyAck(queued.value().clientMsgId, u"c1"_s, u"m-ack"_s, 3, 9000, me));
        const auto again = search.search(text(u"lunch"_s), me);
        QCOMPARE(contents(again).constFirst(), u"see you at lunch"_s);
        QVERIFY(again.value().hits.constFirst().message.outgoing);
    }

    void migrationIndexesOlderStores_data()
    {
        QTest::addColumn<int>("version");
        QTest::newRow("schema 1 (no index)") << 1;
        QTest::newRow("schema 2 (index by arrival)") << 2;
        QTest::newRow("schema 3 (\u00DF not folded)") << 3;
        QTest::newRow("schema 4 (indexed by a trigger)") << 4;
    }

    void migrationIndexesOlderStores()
    {
        QFETCH(int, version);
        // A store written by an earlier schema, holding messages already.
        const QString path = m_dir.filePath(u"old"_s + QString::number(version) + u".sqlite"_s);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"old"_s);
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            const QStringList files{u"001_initial.sql"_s, u"002_fts.sql"_s,
                                    u"003_search_order.sql"_s, u"004_fold_sharp_s.sql"_s};
            for (int i = 0; i < version; ++i) {
                QFile f(QStringLiteral(CHAT_CLIENT_MIGRATIONS_DIR "/") + files.at(i));
                QVERIFY(f.open(QIODevice::ReadOnly));
                for (const QString &stmt : statements(QString::fromUtf8(f.readAll())))
                    QVERIFY2(q.exec(stmt), qPrintable(q.lastError().text()));
            }
            QVERIFY2(q.exec(u"INSERT INTO messages (conversation_id, seq, message_id, sender_id, "
                            "content, ts, local_id) VALUES ('c9', 1, 'x1', 'u-bob', "
                            "'Grüße von Herrn Müller', 100, 'x1'), ('c9', 2, 'x2', 'u-bob', "
                            "'ein Café am Markt', 200, 'x2')"_s),
                     qPrintable(q.lastError().text()));
            QVERIFY(q.exec(u"PRAGMA user_version = "_s + QString::number(version)));
            q.finish();
            db.close();
        }
        QSqlDatabase::removeDatabase(u"old"_s);
        auto store = openStore(path);
        QVERIFY(store);
        QCOMPARE(store->schemaVersion(), LocalStore::latestSchemaVersion());
        // Whatever the version, the migrations index the messages already stored (005's
        // cursor starts above them): nothing is left for the background indexer.
        QCOMPARE(store->searchPending(), 0);
        MessageSearch search(*store);
        QCOMPARE(contents(search.search(text(u"muller"_s))),
                 QStringList{u"Grüße von Herrn Müller"_s});
        QCOMPARE(contents(search.search(text(u"cafe"_s))), QStringList{u"ein Café am Markt"_s});
        // Re-indexed with "ß" folded (migration 004), whatever the version it came from.
        QCOMPARE(contents(search.search(text(u"grusse"_s))),
                 QStringList{u"Grüße von Herrn Müller"_s});
        QCOMPARE(contents(search.search(text(u"m"_s))),
                 (QStringList{u"ein Café am Markt"_s, u"Grüße von Herrn Müller"_s}));
        // And keeps indexing what comes after the migration.
        QVERIFY(store->insertMessages({msg(u"c9"_s, 3, u"noch ein Café"_s)}, me));
        QCOMPARE(contents(search.search(text(u"café"_s))).size(), 2);
        QSqlQuery check(QSqlDatabase::database(store->connectionName()));
        QVERIFY2(
            check.exec(u"INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"_s),
            qPrintable(check.lastError().text()));
    }

    void sameMillisecondKeysStayUnique()
    {
        // Keys are (ts << 21) | (rowid & 0x1FFFFF): rowids 2^21 apart in the same millisecond
        // would share one; the second message must still be stored and found.
        QSqlQuery q(QSqlDatabase::database(m_store->connectionName()));
        QVERIFY(q.exec(u"INSERT INTO messages (rowid, conversation_id, seq, message_id, "
                       "sender_id, content, ts, local_id) VALUES (5, 'c1', 1, 'k1', 'u-bob', "
                       "'clash one', 7, 'k1'), (2097157, 'c1', 2, 'k2', 'u-bob', 'clash two', 7, "
                       "'k2')"_s));
        MessageSearch search(*m_store);
        QCOMPARE(contents(search.search(text(u"clash"_s))).size(), 2);
        QVERIFY2(q.exec(u"INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"_s),
                 qPrintable(q.lastError().text()));
    }

    void unicodeFolding()
    {
        QVERIFY(m_store->insertMessages(
            {msg(u"c1"_s, 1, u"Herr Müller kommt"_s), msg(u"c1"_s, 2, u"un café crème"_s),
             msg(u"c1"_s, 3, u"ÉCOLE naïve"_s), msg(u"c1"_s, 4, u"Mueller ist anders"_s)},
            me));
        MessageSearch search(*m_store);
        for (const QString &q : {u"muller"_s, u"Müller"_s, u"MÜLLER"_s, u"mul"_s})
            QCOMPARE(contents(search.search(text(q))), QStringList{u"Herr Müller kommt"_s});
        for (const QString &q : {u"cafe"_s, u"café"_s, u"CAFÉ creme"_s})
            QCOMPARE(contents(search.search(text(q))), QStringList{u"un café crème"_s});
        QCOMPARE(contents(search.search(text(u"ecole naive"_s))), QStringList{u"ÉCOLE naïve"_s});
        // The highlight covers the original, accented text.
        const auto page = search.search(text(u"muller"_s));
        const SearchHit &hit = page.value().hits.constFirst();
        QCOMPARE(hit.message.content.mid(hit.matches.constFirst().start,
                                         hit.matches.constFirst().length),
                 u"Müller"_s);
        QCOMPARE(MessageSearch::toHtml(hit.message.content, hit.matches),
                 u"Herr <b>Müller</b> kommt"_s);
    }

    void sharpSFoldsToSs()
    {
        const QString far = u"Fuß Fuß eins zwei drei vier fünf sechs sieben acht neun zehn elf "
                            "zwölf dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn an "
                            "der Straße das Ende"_s;
        QVERIFY(m_store->insertMessages(
            {msg(u"c1"_s, 1, u"Die Straße ist lang"_s), msg(u"c1"_s, 2, u"Strasse gesperrt"_s),
             msg(u"c1"_s, 3, u"GROẞE Pläne"_s), msg(u"c1"_s, 4, u"Grüße aus Köln, café"_s),
             msg(u"c1"_s, 5, u"Frag Herrn Strauss"_s), msg(u"c2"_s, 1, far)},
            me));
        MessageSearch search(*m_store);
        auto inC1 = [](const QString &t) {
            SearchQuery q = text(t);
            q.conversationId = u"c1"_s;
            return q;
        };
        const QStringList both{u"Strasse gesperrt"_s, u"Die Straße ist lang"_s};
        // Either spelling finds both, with any case; prefixes too.
        for (const QString &q : {u"strasse"_s, u"straße"_s, u"STRASSE"_s, u"STRAẞE"_s, u"Straße"_s,
                                 u"straß"_s, u"strass"_s})
            QCOMPARE(contents(search.search(inC1(q))), both);
        QCOMPARE(contents(search.search(inC1(u"stra"_s))),
                 QStringList{u"Frag Herrn Strauss"_s} + both);
        // Phrases with "ß" in the query or in the text.
        QCOMPARE(contents(search.search(text(u"\"die strasse\""_s))),
                 QStringList{u"Die Straße ist lang"_s});
        QCOMPARE(contents(search.search(text(u"\"die straße ist\""_s))),
                 QStringList{u"Die Straße ist lang"_s});
        QCOMPARE(contents(search.search(text(u"\"straße gesperrt\""_s))),
                 QStringList{u"Strasse gesperrt"_s});
        QCOMPARE(contents(search.search(text(u"\"ist strasse\""_s))),
                 QStringList()); // order counts
        // Capital ẞ, and "ß" together with umlauts and accents.
        for (const QString &q : {u"grosse"_s, u"große"_s, u"GROSSE plane"_s})
            QCOMPARE(contents(search.search(text(q))), QStringList{u"GROẞE Pläne"_s});
        for (const QString &q : {u"grusse koln"_s, u"grüße cafe"_s, u"\"grüsse aus köln\""_s})
            QCOMPARE(contents(search.search(text(q))), QStringList{u"Grüße aus Köln, café"_s});
        QCOMPARE(MessageSearch::ftsQuery(u"Straße \"groß\""_s), u"\"Strasse\"* \"gross\""_s);

        // The highlight covers the original text, "ß" and all.
        auto page = search.search(inC1(u"strasse"_s));
        SearchHit hit = page.value().hits.at(1);
        QCOMPARE(hit.matches, (QList<TextSpan>{{4, 6}}));
        QCOMPARE(MessageSearch::toHtml(hit.message.content, hit.matches),
                 u"Die <b>Straße</b> ist lang"_s);
        QCOMPARE(hit.snippet, u"Die Straße ist lang"_s);
        QCOMPARE(hit.snippetMatches, (QList<TextSpan>{{4, 6}}));
        page = search.search(text(u"grosse pla"_s));
        hit = page.value().hits.constFirst();
        QCOMPARE(MessageSearch::toHtml(hit.message.content, hit.matches),
                 u"<b>GROẞE</b> <b>Pläne</b>"_s);

        // A cut snippet: "ß" before and inside the excerpt, offsets still on the original.
        SearchQuery q = text(u"strasse"_s);
        q.conversationId = u"c2"_s;
        page = search.search(q);
        QCOMPARE(contents(page), QStringList{far});
        hit = page.value().hits.constFirst();
        QCOMPARE(hit.message.content.mid(hit.matches.constFirst().start,
                                         hit.matches.constFirst().length),
                 u"Straße"_s);
        QVERIFY2(hit.snippet.startsWith(u"…"_s) && hit.snippet.endsWith(u"das Ende"_s),
                 qPrintable(hit.snippet));
        QVERIFY(far.contains(hit.snippet.mid(1)));
        QCOMPARE(hit.snippetMatches.size(), 1);
        QCOMPARE(hit.snippet.mid(hit.snippetMatches.constFirst().start,
                                 hit.snippetMatches.constFirst().length),
                 u"Straße"_s);

        // Mentions fold the same way.
        auto r = search.unreadMentions(u"c1"_s, {u"Strauß"_s}, me);
        QVERIFY(r);
        QCOMPARE(r.value().size(), 1);
        QCOMPARE(r.value().constFirst().seq, 5);
    }

    void prefixAndPhrase()
    {
        QVERIFY(m_store->insertMessages({msg(u"c1"_s, 1, u"one two three"_s),
                                         msg(u"c1"_s, 2, u"three two one"_s),
                                         msg(u"c1"_s, 3, u"twofold"_s)},
                                        me));
        MessageSearch search(*m_store);
        QCOMPARE(contents(search.search(text(u"tw"_s))),
                 (QStringList{u"twofold"_s, u"three two one"_s, u"one two three"_s}));
        QCOMPARE(contents(search.search(text(u"two thr"_s))),
                 (QStringList{u"three two one"_s, u"one two three"_s}));
        QCOMPARE(contents(search.search(text(u"\"two three\""_s))),
                 QStringList{u"one two three"_s});
        QCOMPARE(contents(search.search(text(u"\"three two\" one"_s))),
                 QStringList{u"three two one"_s});
        // A phrase is exact: no prefix on its words.
        QCOMPARE(contents(search.search(text(u"\"twof\""_s))), QStringList());
        // An unclosed quote runs to the end.
        QCOMPARE(contents(search.search(text(u"\"two three"_s))), QStringList{u"one two three"_s});
        QCOMPARE(MessageSearch::ftsQuery(u"a \"b c\" d"_s), u"\"a\"* \"b c\" \"d\"*"_s);
    }

    void filtersAndPaging()
    {
        QList<Message> ms;
        for (int i = 1; i <= 7; ++i)
            ms.append(msg(u"c1"_s, i, u"report number "_s + QString::number(i), i % 2 ? bob : carol,
                          10000 * i));
        ms.append(msg(u"c2"_s, 1, u"report elsewhere"_s, bob, 35000));
        QVERIFY(m_store->insertMessages(ms, me));
        MessageSearch search(*m_store);

        SearchQuery q = text(u"report"_s);
        QCOMPARE(contents(search.search(q)).size(), 8);
        q.conversationId = u"c2"_s;
        QCOMPARE(contents(search.search(q)), QStringList{u"report elsewhere"_s});
        q.conversationId = u"c1"_s;
        q.senderId = carol;
        QCOMPARE(contents(search.search(q)),
                 (QStringList{u"report number 6"_s, u"report number 4"_s, u"report number 2"_s}));
        q.senderId.clear();
        q.conversationId.clear();
        q.fromTs = 30000;
        q.toTs = 50000;
        QCOMPARE(contents(search.search(q)),
                 (QStringList{u"report number 5"_s, u"report number 4"_s, u"report elsewhere"_s,
                              u"report number 3"_s}));

        // Pages of 3, newest first, with hasMore until the end.
        SearchQuery p = text(u"report"_s);
        p.conversationId = u"c1"_s;
        p.limit = 3;
        QStringList all;
        for (int page = 0; page < 3; ++page) {
            p.offset = page * 3;
            auto r = search.search(p);
            QVERIFY(r);
            all += contents(r);
            QCOMPARE(r.value().hasMore, page < 2);
        }
        QCOMPARE(all.size(), 7);
        QCOMPARE(all.constFirst(), u"report number 7"_s);
        QCOMPARE(all.constLast(), u"report number 1"_s);
    }

    void hostileQueriesNeverError_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<int>("expected");
        // Each searches for its words as words (the store holds: and, or, near, not, star).
        QTest::newRow("quote") << u"\""_s << 0;
        QTest::newRow("quotes") << u"\"\"\"\""_s << 0;
        QTest::newRow("inner quote") << u"sta\"r"_s << 0;
        QTest::newRow("and") << u"AND"_s << 1;
        QTest::newRow("or") << u"or OR"_s << 1;
        QTest::newRow("not") << u"NOT star"_s << 1;
        QTest::newRow("near") << u"NEAR(and star, 2)"_s << 0;
        QTest::newRow("near words") << u"near star"_s << 1;
        QTest::newRow("star") << u"*"_s << 0;
        QTest::newRow("star prefix") << u"st*"_s << 1;
        QTest::newRow("caret") << u"^star"_s << 1;
        QTest::newRow("column") << u"content:star"_s << 0;
        QTest::newRow("column 2") << u"content: star"_s << 1;
        QTest::newRow("parens") << u"((star"_s << 1;
        QTest::newRow("closing") << u"star))"_s << 1;
        QTest::newRow("minus") << u"-star"_s << 1;
        QTest::newRow("plus") << u"+ + +"_s << 0;
        QTest::newRow("sql") << u"'; DROP TABLE messages; --"_s << 0;
        QTest::newRow("markers") << u"\uE000star\uE001"_s << 1;
        QTest::newRow("empty") << QString() << 0;
        QTest::newRow("spaces") << u"   \t "_s << 0;
        QTest::newRow("braces") << u"{content} : star"_s << 1;
        QTest::newRow("long") << QString(5000, u'a') << 0;
    }

    void hostileQueriesNeverError()
    {
        QFETCH(QString, query);
        QFETCH(int, expected);
        QVERIFY(m_store->insertMessages({msg(u"c1"_s, 1, u"and or near not star content"_s)}, me));
        MessageSearch search(*m_store);
        const auto page = search.search(text(query));
        QVERIFY2(page, qPrintable(page ? QString() : page.error().message));
        QCOMPARE(page.value().hits.size(), expected);
        QVERIFY(m_store->messageCount() == 1);
    }

    void deletedMessagesLeaveTheIndex()
    {
        QVERIFY(m_store->insertMessages({msg(u"c1"_s, 1, u"ephemeral words"_s)}, me));
        MessageSearch search(*m_store);
        QCOMPARE(contents(search.search(text(u"ephemeral"_s))).size(), 1);
        QVERIFY(m_store->clearCache());
        QCOMPARE(contents(search.search(text(u"ephemeral"_s))), QStringList());
        QSqlQuery q(QSqlDatabase::database(m_store->connectionName()));
        // The index agrees with its content table ('integrity-check' fails otherwise).
        QVERIFY2(q.exec(u"INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"_s),
                 qPrintable(q.lastError().text()));
    }

    void positionAtDate()
    {
        QVERIFY(m_store->upsertConversation(conv(u"c3"_s, 10), me));
        QVERIFY(m_store->insertMessages(
            {msg(u"c3"_s, 1, u"a"_s, bob, 100), msg(u"c3"_s, 2, u"b"_s, bob, 200),
             msg(u"c3"_s, 3, u"c"_s, bob, 300), msg(u"c3"_s, 8, u"h"_s, bob, 800),
             msg(u"c3"_s, 9, u"i"_s, bob, 900)},
            me));
        MessageSearch search(*m_store);
        QVERIFY(!search.positionAtDate(u"nothing"_s, 100));
        auto p = search.positionAtDate(u"c3"_s, 150);
        QVERIFY(p);
        QCOMPARE(p->seq, 2);
        QVERIFY(p->exact);
        p = search.positionAtDate(u"c3"_s, 50);
        QCOMPARE(p->seq, 1);
        QVERIFY(p->exact);
        // Between 3 and 8 lie unknown seqs 4..7: the date may fall in them.
        p = search.positionAtDate(u"c3"_s, 500);
        QCOMPARE(p->seq, 8);
        QVERIFY(!p->exact);
        // After everything stored, but seq 10 exists on the server.
        p = search.positionAtDate(u"c3"_s, 5000);
        QCOMPARE(p->seq, 9);
        QVERIFY(!p->exact);
    }

    void unreadMentions()
    {
        QVERIFY(m_store->insertMessages(
            {msg(u"c1"_s, 1, u"@alice old news"_s), msg(u"c1"_s, 2, u"hello everyone"_s),
             msg(u"c1"_s, 3, u"ping @Alice please"_s), msg(u"c1"_s, 4, u"alicetown is far"_s),
             msg(u"c1"_s, 5, u"Ask Älice Wonder about it"_s, carol),
             msg(u"c1"_s, 6, u"note to self: alice"_s, me)},
            me));
        QVERIFY(m_store->raiseOwnRead(u"c1"_s, 1));
        MessageSearch search(*m_store);
        auto r = search.unreadMentions(u"c1"_s, {u"@alice"_s, u"Alice Wonder"_s}, me);
        QVERIFY(r);
        QList<qint64> seqs;
        for (const LocalMessage &m : r.value())
            seqs.append(m.seq);
        QCOMPARE(seqs, (QList<qint64>{3, 5}));
        // Nothing searchable in the names: no mentions, no error.
        r = search.unreadMentions(u"c1"_s, {u"@"_s, u"\"*\""_s}, me);
        QVERIFY(r);
        QVERIFY(r.value().isEmpty());
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<LocalStore> m_store;
    int m_n = 0;
};

QTEST_GUILESS_MAIN(TestSyncSearch)
#include "tst_sync_search.moc"
