// The catch-up reads on the sqlite3 C API (server-mock/sqlread.h) must answer exactly what
// the QtSql statements answer. A real SQLite store file is filled through sqlops (users,
// direct and group conversations, a member who left, messages with text that needs care:
// quotes, control characters, 4-byte UTF-8, an empty kind default), then read through two
// reader connections to the same file, one with Db::enableFastRead() and one without, for
// a table of history and sync requests (every page shape, limits, cursors, non-members,
// unknown conversations). Results are compared as the encoded frames the server would send.
#include "net/protocol/codec.h"
#include "sqldb.h"
#include "sqlops.h"

#include <QSqlDatabase>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace chat::server;
using chat::proto::ConversationKind;

namespace {

QString describe(const Result<HistoryOutcome> &r)
{
    if (!r.ok())
        return u"error %1 %2 %3"_s.arg(int(r.error().code)).arg(r.error().field, r.error().message);
    return QString::fromUtf8(chat::proto::encodeFrameJson(
        chat::proto::HistoryResult{u"h"_s, u"c"_s, r.value().messages, r.value().hasMore}));
}

QString describe(const Result<SyncOutcome> &r)
{
    if (!r.ok())
        return u"error %1 %2 %3"_s.arg(int(r.error().code)).arg(r.error().field, r.error().message);
    chat::proto::SyncResult s;
    s.id = u"s"_s;
    s.conversations = r.value().conversations;
    s.users = r.value().users;
    s.cursor = r.value().cursor;
    s.nextSince = r.value().nextSince;
    return QString::fromUtf8(chat::proto::encodeFrameJson(s));
}

} // namespace

class TestReadPath : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void history();
    void sync();
    void cleanupTestCase();

private:
    std::unique_ptr<Db> open(const QString &name, bool writer);

    QTemporaryDir m_dir;
    std::unique_ptr<SqliteDialect> m_dialect;
    std::unique_ptr<Db> m_writer, m_plain, m_fast;
    QStringList m_users; // user ids
    QStringList m_convs; // conversation ids
    QStringList m_names;
};

std::unique_ptr<Db> TestReadPath::open(const QString &name, bool writer)
{
    QSqlDatabase qdb = QSqlDatabase::addDatabase(m_dialect->driver(), name);
    QString err;
    if (!m_dialect->configure(qdb, &err))
        qFatal("configure: %s", qPrintable(err));
    auto db = std::make_unique<Db>(qdb, m_dialect.get());
    if (writer && (!migrate(*db, &err) || !sqlops::ensureEpoch(*db)))
        qFatal("migrate: %s", qPrintable(err));
    return db;
}

void TestReadPath::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_dialect = std::make_unique<SqliteDialect>(m_dir.filePath(u"chat.db"_s));
    m_writer = open(u"w"_s, true);
    Db &w = *m_writer;
    const qint64 now = 1764380000000;
    const QStringList names{u"alice"_s, u"bob"_s, u"carol"_s, u"dave"_s};
    const QStringList display{u"Alice \"A\""_s, u"Bob \U0001F600"_s, QString(), u"D\u00e4ve\t"_s};
    for (int i = 0; i < names.size(); ++i) {
        const auto u = sqlops::createUser(w, names[i], "hash", display[i], now + i);
        QVERIFY(u.ok());
        m_users << u.value().userId;
    }
    auto conv = [&](ConversationKind kind, const QString &title, const QStringList &members) {
        const auto c =
            sqlops::createConversation(w, members.first(), kind, title, members.mid(1), now, 1000);
        if (!c.ok())
            qFatal("create: %s", qPrintable(c.error().message));
        m_convs << c.value().conversation.conversationId;
    };
    conv(ConversationKind::Direct, {}, {m_users[0], m_users[1]});
    conv(ConversationKind::Group, u"T\u00eft\u00e9 \"q\""_s, {m_users[0], m_users[1], m_users[2]});
    conv(ConversationKind::Group, u"empty"_s, {m_users[2], m_users[3]});
    conv(ConversationKind::Group, u"left"_s, {m_users[0], m_users[3]});
    const QStringList contents{u"hi"_s, u"line\nbreak \"quoted\" \\ back"_s,
                               u"\u4e2d\u6587 \U0001F4A9 \u0001"_s, QString(300, u'x')};
    int n = 0;
    for (int round = 0; round < 45; ++round) {
        for (int c : {0, 1, 1, 3}) {
            SendParams p;
            p.senderId = m_users[c == 3 ? 3 : round % 2];
            p.conversationId = m_convs[c];
            p.clientMsgId = u"cm-%1"_s.arg(++n);
            p.kind = u"text"_s;
            p.content = contents[n % contents.size()];
            p.ts = now + n;
            const auto r = sqlops::send(w, p);
            QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().message));
        }
    }
    QVERIFY(sqlops::markReceipt(w, m_users[1], m_convs[0], 10, 5).ok());
    QVERIFY(sqlops::leave(w, m_users[3], m_convs[3]).ok());
    m_plain = open(u"r-plain"_s, false);
    m_fast = open(u"r-fast"_s, false);
    QString why;
    QVERIFY2(m_fast->enableFastRead(&why), qPrintable(why));
    QVERIFY(m_fast->fastRead());
    QVERIFY(!m_plain->fastRead());
}

void TestReadPath::history()
{
    int compared = 0, pages = 0;
    const QString unknown = u"no-such-conversation"_s;
    for (const QString &user : std::as_const(m_users)) {
        for (const QString &conv : m_convs + QStringList{unknown}) {
            for (int limit : {1, 7, 50, 200}) {
                QList<HistoryParams> ps;
                HistoryParams p{user, conv, std::nullopt, std::nullopt, limit};
                ps << p;
                for (qint64 seq : {0, 1, 2, 30, 45, 90, 91, 1000}) {
                    HistoryParams b = p;
                    b.beforeSeq = seq;
                    HistoryParams a = p;
                    a.afterSeq = seq;
                    ps << b << a;
                }
                for (const HistoryParams &q : std::as_const(ps)) {
                    const auto plain = sqlops::history(*m_plain, q);
                    const auto fast = sqlops::history(*m_fast, q);
                    QCOMPARE(describe(fast), describe(plain));
                    ++compared;
                    if (plain.ok() && !plain.value().messages.isEmpty())
                        ++pages;
                }
            }
        }
    }
    QCOMPARE(compared, 4 * 5 * 4 * 17);
    QVERIFY(pages > 200); // not only errors and empty pages
}

void TestReadPath::sync()
{
    int compared = 0, withCursor = 0;
    for (const QString &user : std::as_const(m_users)) {
        for (int limit : {1, 2, 20}) {
            for (int recent : {0, 3, 20, 200}) {
                for (bool since : {false, true}) {
                    SyncParams p;
                    p.userId = user;
                    p.limit = limit;
                    p.recent = recent;
                    if (since) {
                        const auto first = sqlops::sync(*m_plain, p);
                        QVERIFY(first.ok());
                        p.since = first.value().nextSince;
                    }
                    // Follow the cursor to the end, comparing every page.
                    for (int page = 0; page < 10; ++page) {
                        const auto plain = sqlops::sync(*m_plain, p);
                        const auto fast = sqlops::sync(*m_fast, p);
                        QCOMPARE(describe(fast), describe(plain));
                        ++compared;
                        if (!plain.ok() || !plain.value().cursor)
                            break;
                        ++withCursor;
                        p.cursor = plain.value().cursor;
                    }
                }
            }
        }
    }
    QVERIFY(compared > 96);
    QVERIFY(withCursor > 10);
    // A cursor this server did not issue is refused the same way by both.
    SyncParams bad;
    bad.userId = m_users[0];
    bad.cursor = u"nonsense"_s;
    QCOMPARE(describe(sqlops::sync(*m_fast, bad)), describe(sqlops::sync(*m_plain, bad)));
    QVERIFY(!sqlops::sync(*m_fast, bad).ok());
}

void TestReadPath::cleanupTestCase()
{
    for (auto *db : {&m_fast, &m_plain, &m_writer}) {
        if (!*db)
            continue;
        const QString name = (*db)->database().connectionName();
        db->reset();
        QSqlDatabase::removeDatabase(name);
    }
}

QTEST_GUILESS_MAIN(TestReadPath)
#include "tst_readpath.moc"
