// The codec's direct encoders for the hot server frames (fastencode.cpp) must write exactly
// what the generic QJsonObject + QJsonDocument path writes. Table test over many frames:
// every field of every fast-encoded frame type filled with text that needs escaping
// (quotes, backslashes, every control character, DEL, 2-, 3- and 4-byte UTF-8, unpaired
// surrogates), empty and absent optional fields, and integers at their extremes; then a
// deterministic random sweep. Both the UTF-8 and the QString variant are compared.
#include "net/protocol/codec.h"

#include <QTest>

#include <limits>

using namespace Qt::StringLiterals;
using namespace chat::proto;

namespace {

QStringList tricky()
{
    QStringList s{
        QString(),
        u"plain ascii"_s,
        u"\"quoted\" and \\back\\slash/"_s,
        u"tab\tnew\nline\rcr\bbs\fff"_s,
        u"\u00e4\u00f6\u00fc \u00e9 \u00ff"_s,                     // 2-byte UTF-8
        u"\u4e2d\u6587 \u2028\u2029 \ufeff \ufffe\uffff \u0800"_s, // 3-byte, odd code points
        u"\U0001F600\U0001F4A9 \U00010000\U0010FFFF"_s,            // 4-byte (surrogate pairs)
        u"</script><!-- & ' %s %1"_s,
    };
    QString controls;
    for (char16_t c = 0; c < 0x20; ++c)
        controls.append(QChar(c));
    controls.append(QChar(0x7f));
    controls.append(QChar(0x80));
    controls.append(QChar(0x7ff));
    s << controls;
    // Unpaired surrogates: not encodable in UTF-8, written as \uxxxx escapes.
    s << QString(QChar(0xd800));                                   // lone high at end
    s << (QString(QChar(0xd83d)) + u"x"_s);                        // high + ASCII
    s << (u"a"_s + QChar(0xdc00) + u"b"_s);                        // lone low
    s << (QString(QChar(0xd800)) + QChar(0xd800) + QChar(0xdc00)); // high, pair
    s << (QString(QChar(0xdc00)) + QChar(0xd800));                 // reversed pair
    s << (QString(QChar(0xdbff)) + QChar(0xdfff) + QChar(0xdfff)); // pair + low
    s << QString(4000, QChar(0x1F));                               // long, all escaped
    s << QString(4000, u'x');
    return s;
}

const QList<qint64> kNumbers{0,
                             1,
                             57,
                             1764380000000,
                             9007199254740991LL,
                             9007199254740993LL,
                             std::numeric_limits<qint64>::max(),
                             -1,
                             std::numeric_limits<qint64>::min()};

// Deterministic pseudo-random text from the tricky pieces and random code units.
class Gen
{
public:
    quint32 next()
    {
        m_state = m_state * 1664525u + 1013904223u;
        return m_state >> 8;
    }
    QString text()
    {
        QString out;
        const int parts = int(next() % 5);
        for (int i = 0; i < parts; ++i) {
            if (next() % 2)
                out += m_pieces.at(next() % m_pieces.size()).left(int(next() % 40));
            else
                out.append(QChar(char16_t(next() & 0xffff)));
        }
        return out;
    }
    qint64 number() { return next() % 3 ? qint64(next()) : kNumbers.at(next() % kNumbers.size()); }

private:
    quint32 m_state = 20261129;
    QStringList m_pieces = tricky();
};

Message message(const QString &text, qint64 n)
{
    Message m;
    m.messageId = u"m-"_s + text.left(10);
    m.conversationId = text;
    m.seq = n;
    m.senderId = text.right(7);
    m.clientMsgId = text;
    m.kind = text.isEmpty() ? u"text"_s : text.left(3);
    m.content = text;
    m.ts = n;
    return m;
}

Message message(Gen &g)
{
    Message m;
    m.messageId = g.text();
    m.conversationId = g.text();
    m.seq = g.number();
    m.senderId = g.text();
    m.clientMsgId = g.text();
    m.kind = g.text();
    m.content = g.text();
    m.ts = g.number();
    return m;
}

Conversation conversation(Gen &g)
{
    Conversation c;
    c.conversationId = g.text();
    c.kind = g.next() % 2 ? ConversationKind::Group : ConversationKind::Direct;
    c.title = g.text();
    const int members = int(g.next() % 4);
    for (int i = 0; i < members; ++i)
        c.members.append(
            Member{g.text(), g.number(), g.number(), g.next() % 2 ? Role::Admin : Role::Member});
    c.lastSeq = g.number();
    c.createdTs = g.number();
    return c;
}

template<typename F>
bool same(const F &f, QByteArray *fast, QByteArray *generic)
{
    *generic = encodeFrameJson(f);
    *fast = encodeFrame(f);
    const QString text = encodeFrameText(f);
    if (*fast != *generic)
        return false;
    if (text != QString::fromUtf8(*generic)) {
        *fast = "text variant: " + text.toUtf8();
        return false;
    }
    return true;
}

#define CHECK_SAME(frame)                                                                          \
    do {                                                                                           \
        QByteArray fast_, generic_;                                                                \
        if (!same((frame), &fast_, &generic_))                                                     \
            QFAIL(qPrintable(u"fast encoder differs:\n fast:    %1\n generic: %2"_s.arg(           \
                QString::fromUtf8(fast_.left(400)), QString::fromUtf8(generic_.left(400)))));      \
        ++compared;                                                                                \
    } while (false)

} // namespace

class TestFastEncode : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void stringsAndNumbers();
    void optionalFields();
    void pages();
    void randomSweep();
    void variantPicksFastPath();

private:
    int compared = 0;
};

void TestFastEncode::stringsAndNumbers()
{
    const QStringList texts = tricky();
    for (const QString &t : texts) {
        for (qint64 n : kNumbers) {
            CHECK_SAME((Ack{t, t, t, t, n, n, false}));
            CHECK_SAME((Ack{t, t.left(5), t, t.right(3), n, n, true}));
            CHECK_SAME(MessagePush{message(t, n)});
            CHECK_SAME((Receipt{t, t, n, n}));
            CHECK_SAME((Pong{t, n}));
            CHECK_SAME((Error{t, ErrorCode::RateLimited, t, t, n}));
        }
    }
    QCOMPARE(compared, int(texts.size() * kNumbers.size() * 6));
}

void TestFastEncode::optionalFields()
{
    CHECK_SAME(Ack{});
    CHECK_SAME(MessagePush{});
    CHECK_SAME(Receipt{});
    CHECK_SAME(Pong{});
    CHECK_SAME((Pong{u"p1"_s, std::nullopt}));
    CHECK_SAME((Pong{{}, 0}));
    CHECK_SAME(Error{});
    for (ErrorCode c : {ErrorCode::BadRequest, ErrorCode::Unavailable, ErrorCode::TooLarge,
                        ErrorCode::Forbidden, ErrorCode::NotFound, ErrorCode::Internal})
        CHECK_SAME((Error{u"r1"_s, c, u"why"_s, {}, std::nullopt}));
    CHECK_SAME(HistoryResult{});
    CHECK_SAME(SyncResult{});
    SyncResult s;
    s.cursor = QString();
    CHECK_SAME(s);
}

void TestFastEncode::pages()
{
    HistoryResult h{u"h1"_s, u"c1"_s, {}, true};
    const QStringList texts = tricky();
    for (int i = 0; i < 200; ++i)
        h.messages.append(message(texts.at(i % texts.size()), i + 1));
    CHECK_SAME(h);

    SyncResult s;
    s.id = u"s1"_s;
    s.nextSince = u"v1:123"_s;
    s.cursor = u"cur\"sor"_s;
    Gen g;
    for (int i = 0; i < 20; ++i) {
        ConvState cs;
        cs.conversation = conversation(g);
        for (int k = 0; k < 20; ++k)
            cs.recent.append(message(g));
        s.conversations.append(cs);
        s.users.append(User{g.text(), g.text(), g.text()});
    }
    CHECK_SAME(s);
}

void TestFastEncode::randomSweep()
{
    Gen g;
    for (int round = 0; round < 3000; ++round) {
        CHECK_SAME((Ack{g.text(), g.text(), g.text(), g.text(), g.number(), g.number(),
                        g.next() % 2 == 0}));
        CHECK_SAME(MessagePush{message(g)});
        CHECK_SAME((Receipt{g.text(), g.text(), g.number(), g.number()}));
        std::optional<qint64> ts;
        if (g.next() % 2)
            ts = g.number();
        CHECK_SAME((Pong{g.text(), ts}));
        HistoryResult h{g.text(), g.text(), {}, g.next() % 2 == 0};
        for (int i = int(g.next() % 4); i > 0; --i)
            h.messages.append(message(g));
        CHECK_SAME(h);
        SyncResult s;
        s.id = g.text();
        s.nextSince = g.text();
        if (g.next() % 2)
            s.cursor = g.text();
        for (int i = int(g.next() % 3); i > 0; --i) {
            ConvState cs{conversation(g), {}};
            for (int k = int(g.next() % 3); k > 0; --k)
                cs.recent.append(message(g));
            s.conversations.append(cs);
        }
        for (int i = int(g.next() % 3); i > 0; --i)
            s.users.append(User{g.text(), g.text(), g.text()});
        CHECK_SAME(s);
    }
}

void TestFastEncode::variantPicksFastPath()
{
    // encode(ServerFrame) reaches the same bytes, and what the fast path writes decodes back
    // to the frame (for a frame within the protocol's limits).
    Message m = message(u"hi \"there\"\n\U0001F600"_s, 58);
    m.messageId = u"m-58"_s;
    const ServerFrame f = MessagePush{m};
    QCOMPARE(encode(f), encodeFrameJson(MessagePush{m}));
    const auto back = decodeServerFrame(encode(f));
    QVERIFY2(back.ok(), qPrintable(back.ok() ? QString() : back.error().message));
    QVERIFY(back.value() == f);
}

QTEST_GUILESS_MAIN(TestFastEncode)
#include "tst_fastencode.moc"
