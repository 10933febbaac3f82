// Table-driven tests of the protocol codec: every frame type of protocol v1 round-trips
// through encode/decode, and every malformed shape decodes to a typed error with the
// protocol's error code and the field at fault.
#include "net/protocol/codec.h"

#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace chat::proto;

Q_DECLARE_METATYPE(chat::proto::ClientFrame)
Q_DECLARE_METATYPE(chat::proto::ServerFrame)

namespace {

Message sampleMessage(qint64 seq = 58)
{
    Message m;
    m.messageId = u"m-"_s + QString::number(seq);
    m.conversationId = u"c1"_s;
    m.seq = seq;
    m.senderId = u"u-alice"_s;
    m.clientMsgId = u"0b6f2c1e-9f1a-4c55-8d1e-3e4b5a6c7d8e"_s;
    m.content = u"hi \u00e4\u00f6\u00fc \U0001F600"_s;
    m.ts = 1764380000000;
    return m;
}

Conversation sampleConversation()
{
    Conversation c;
    c.conversationId = u"c1"_s;
    c.kind = ConversationKind::Group;
    c.title = u"Team"_s;
    c.members = {Member{u"u-alice"_s, 55, 50, Role::Admin},
                 Member{u"u-bob"_s, 57, 57, Role::Member}};
    c.lastSeq = 57;
    c.createdTs = 1764300000000;
    return c;
}

User sampleUser()
{
    return User{u"u-alice"_s, u"alice"_s, u"Alice"_s};
}

QByteArray json(const char *s)
{
    return QByteArray(s);
}

} // namespace

class TestCodec : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void clientRoundTrip_data();
    void clientRoundTrip();
    void clientRoundTripCoversEveryType();
    void serverRoundTrip_data();
    void serverRoundTrip();
    void serverRoundTripCoversEveryType();
    void clientMalformed_data();
    void clientMalformed();
    void serverMalformed_data();
    void serverMalformed();
    void errorEchoesRequestId();
    void defaultsApplied();
    void contentCountsCodePoints();
    void configurableLimits();
    void encodedIsCompactJsonObject();
    void pathologicalInputNeverCrashes();

private:
    static QList<ClientFrame> allClientFrames();
    static QList<ServerFrame> allServerFrames();
};

QList<ClientFrame> TestCodec::allClientFrames()
{
    QList<ClientFrame> f;
    f << RegisterRequest{u"r1"_s, u"dana"_s, u"secret-pw"_s, u"Dana"_s};
    f << LoginRequest{u"r1"_s, u"alice"_s, u"alice-pw"_s, u"laptop"_s};
    f << AuthRequest{u"r1"_s, u"tok-abc"_s};
    f << AdminAuthRequest{u"a1"_s, u"admin-secret"_s};
    f << LogoutRequest{u"r9"_s};
    f << Ping{{}, 1764380000000};
    f << UsersRequest{u"r2"_s, u"al"_s, 20};
    f << CreateConversationRequest{u"r3"_s, ConversationKind::Direct, {}, {u"u-bob"_s}};
    f << CreateConversationRequest{
        u"r3"_s, ConversationKind::Group, u"Team"_s, {u"u-bob"_s, u"u-carol"_s}};
    f << AddMembersRequest{u"r4"_s, u"c1"_s, {u"u-dave"_s}};
    f << LeaveRequest{u"r5"_s, u"c1"_s};
    f << SendRequest{u"r6"_s, u"c1"_s, u"0b6f"_s, u"hi"_s};
    HistoryRequest hb{u"r7"_s, u"c1"_s, 58, std::nullopt, 50};
    HistoryRequest ha{u"r7"_s, u"c1"_s, std::nullopt, 40, 200};
    HistoryRequest hn{u"r7"_s, u"c1"_s, std::nullopt, std::nullopt, 10};
    f << hb << ha << hn;
    f << SyncRequest{u"r8"_s, std::nullopt, std::nullopt, 20, 20};
    f << SyncRequest{u"r8"_s, u"tok"_s, u"cur"_s, 100, 0};
    f << DeliveredRequest{{}, u"c1"_s, 58};
    f << ReadRequest{{}, u"c1"_s, 58};
    f << TypingRequest{u"c1"_s, true};
    f << AdminSeedRequest{u"a2"_s, QJsonObject{{"users"_L1, QJsonArray{}}}};
    f << AdminInjectRequest{u"a3"_s, u"bob"_s, u"c1"_s, u"from QA"_s};
    f << AdminKickRequest{u"a4"_s, u"alice"_s};
    AdminFaultRequest fault;
    fault.id = u"a5"_s;
    fault.userId = u"alice"_s;
    fault.dropRate = 0.25;
    fault.delayMs = 300;
    fault.holdAcks = true;
    fault.closeAfterFrames = 7;
    f << fault << AdminFaultRequest{u"a6"_s};
    f << AdminStatsRequest{u"a7"_s};
    f << AdminPushesRequest{u"a8"_s, u"bob"_s, true};
    return f;
}

QList<ServerFrame> TestCodec::allServerFrames()
{
    QList<ServerFrame> f;
    f << AuthOk{u"r1"_s, sampleUser(), u"tok"_s, 30000, 1764380000000, 1};
    f << Ok{u"r9"_s, {}} << Ok{u"a7"_s, QJsonObject{{"connections"_L1, 3}, {"users_online"_L1, 2}}};
    f << Pong{{}, 1764380000000};
    Error e;
    e.id = u"r7"_s;
    e.code = ErrorCode::Forbidden;
    e.message = u"not a member of this conversation"_s;
    Error rl;
    rl.code = ErrorCode::RateLimited;
    rl.message = u"slow down"_s;
    rl.retryAfterMs = 250;
    rl.field = u"content"_s;
    f << e << rl;
    f << UsersResult{u"r2"_s, {sampleUser(), User{u"u-al"_s, u"al"_s, {}}}};
    f << ConversationUpdate{u"r3"_s, sampleConversation()}
      << ConversationUpdate{{}, sampleConversation()};
    f << Ack{u"r6"_s, u"0b6f"_s, u"c1"_s, u"m58"_s, 58, 1764380000000, false};
    f << Ack{u"r6"_s, u"0b6f"_s, u"c1"_s, u"m58"_s, 58, 1764380000000, true};
    f << MessagePush{sampleMessage()};
    f << HistoryResult{u"r7"_s, u"c1"_s, {sampleMessage(40), sampleMessage(41)}, true};
    f << SyncResult{u"r8"_s,
                    {ConvState{sampleConversation(), {sampleMessage(57)}}},
                    {sampleUser()},
                    u"cur"_s,
                    u"next"_s};
    f << SyncResult{u"r8"_s, {}, {}, std::nullopt, u"next"_s};
    f << Receipt{u"c1"_s, u"u-bob"_s, 58, 58};
    f << TypingPush{u"c1"_s, u"u-bob"_s, true};
    f << PresencePush{u"u-bob"_s, false, 1764380000000};
    return f;
}

void TestCodec::clientRoundTrip_data()
{
    QTest::addColumn<ClientFrame>("frame");
    int i = 0;
    for (const ClientFrame &f : allClientFrames())
        QTest::addRow("%d-%s", i++, QString(frameType(f)).toUtf8().constData()) << f;
}

void TestCodec::clientRoundTrip()
{
    QFETCH(ClientFrame, frame);
    const QByteArray bytes = encode(frame);
    auto decoded = decodeClientFrame(bytes);
    QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().message));
    QCOMPARE(decoded.value().index(), frame.index());
    QVERIFY2(decoded.value() == frame, bytes.constData());
    QCOMPARE(encode(decoded.value()), bytes);
}

void TestCodec::clientRoundTripCoversEveryType()
{
    QSet<std::size_t> seen;
    for (const ClientFrame &f : allClientFrames())
        seen.insert(f.index());
    QCOMPARE(seen.size(), qsizetype(std::variant_size_v<ClientFrame>));
}

void TestCodec::serverRoundTrip_data()
{
    QTest::addColumn<ServerFrame>("frame");
    int i = 0;
    for (const ServerFrame &f : allServerFrames())
        QTest::addRow("%d-%s", i++, QString(frameType(f)).toUtf8().constData()) << f;
}

void TestCodec::serverRoundTrip()
{
    QFETCH(ServerFrame, frame);
    const QByteArray bytes = encode(frame);
    auto decoded = decodeServerFrame(bytes);
    QVERIFY2(decoded.ok(), qPrintable(decoded.ok() ? QString() : decoded.error().message));
    QCOMPARE(decoded.value().index(), frame.index());
    QVERIFY2(decoded.value() == frame, bytes.constData());
}

void TestCodec::serverRoundTripCoversEveryType()
{
    QSet<std::size_t> seen;
    for (const ServerFrame &f : allServerFrames())
        seen.insert(f.index());
    QCOMPARE(seen.size(), qsizetype(std::variant_size_v<ServerFrame>));
}

void TestCodec::clientMalformed_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");

    const QString BR = u"bad_request"_s, TL = u"too_large"_s;
    // Whole-frame problems: no field.
    QTest::newRow("empty") << QByteArray() << BR << QString();
    QTest::newRow("not-json") << json("{\"type\":") << BR << QString();
    QTest::newRow("garbage") << json("hello") << BR << QString();
    QTest::newRow("array") << json("[1,2]") << BR << QString();
    QTest::newRow("string") << json("\"send\"") << BR << QString();
    QTest::newRow("number") << json("42") << BR << QString();
    QTest::newRow("null") << json("null") << BR << QString();
    QTest::newRow("invalid-utf8") << QByteArray("{\"type\":\"send\",\"content\":\"\xff\xfe\"}")
                                  << BR << QString();
    QTest::newRow("truncated-utf8") << QByteArray("{\"type\":\"\xe2\x82\"}") << BR << QString();
    QTest::newRow("oversize") << QByteArray(QByteArray("{\"type\":\"send\",\"content\":\"")
                                            + QByteArray(70000, 'a') + "\"}")
                              << TL << QString();
    QTest::newRow("deeply-nested")
        << QByteArray(QByteArray("{\"type\":\"ping\",\"x\":") + QByteArray(5000, '[')
                      + QByteArray(5000, ']') + "}")
        << BR << QString();
    // The envelope.
    QTest::newRow("no-type") << json("{}") << BR << u"type"_s;
    QTest::newRow("type-number") << json("{\"type\":5}") << BR << u"type"_s;
    QTest::newRow("type-empty") << json("{\"type\":\"\"}") << BR << u"type"_s;
    QTest::newRow("unknown-type") << json("{\"type\":\"teleport\",\"id\":\"x\"}") << BR
                                  << u"type"_s;
    QTest::newRow("server-type-from-client")
        << json("{\"type\":\"ack\",\"id\":\"x\"}") << BR << u"type"_s;
    // Missing fields.
    QTest::newRow("send-no-id") << json(
        R"({"type":"send","conversation_id":"c","client_msg_id":"m","content":"x"})")
                                << BR << u"id"_s;
    QTest::newRow("send-no-content")
        << json(R"({"type":"send","id":"1","conversation_id":"c","client_msg_id":"m"})") << BR
        << u"content"_s;
    QTest::newRow("send-no-conv") << json(
        R"({"type":"send","id":"1","client_msg_id":"m","content":"x"})")
                                  << BR << u"conversation_id"_s;
    QTest::newRow("send-no-cmid") << json(
        R"({"type":"send","id":"1","conversation_id":"c","content":"x"})")
                                  << BR << u"client_msg_id"_s;
    QTest::newRow("login-no-password")
        << json(R"({"type":"login","id":"1","username":"a"})") << BR << u"password"_s;
    QTest::newRow("auth-no-token") << json(R"({"type":"auth","id":"1"})") << BR << u"token"_s;
    QTest::newRow("typing-no-active")
        << json(R"({"type":"typing","conversation_id":"c"})") << BR << u"active"_s;
    QTest::newRow("read-no-seq") << json(R"({"type":"read","conversation_id":"c"})") << BR
                                 << u"seq"_s;
    QTest::newRow("seed-no-fixture")
        << json(R"({"type":"admin_seed","id":"1"})") << BR << u"fixture"_s;
    // Wrong types.
    QTest::newRow("content-number")
        << json(R"({"type":"send","id":"1","conversation_id":"c","client_msg_id":"m","content":5})")
        << BR << u"content"_s;
    QTest::newRow("id-number") << json(R"({"type":"logout","id":7})") << BR << u"id"_s;
    QTest::newRow("seq-string") << json(R"({"type":"read","conversation_id":"c","seq":"3"})") << BR
                                << u"seq"_s;
    QTest::newRow("seq-fraction") << json(R"({"type":"read","conversation_id":"c","seq":1.5})")
                                  << BR << u"seq"_s;
    QTest::newRow("seq-bool") << json(R"({"type":"delivered","conversation_id":"c","seq":true})")
                              << BR << u"seq"_s;
    QTest::newRow("active-string")
        << json(R"({"type":"typing","conversation_id":"c","active":"yes"})") << BR << u"active"_s;
    QTest::newRow("members-not-array")
        << json(R"({"type":"create_conversation","id":"1","kind":"group","members":"bob"})") << BR
        << u"members"_s;
    QTest::newRow("members-item-number")
        << json(R"({"type":"create_conversation","id":"1","kind":"group","members":["bob",3]})")
        << BR << u"members[1]"_s;
    QTest::newRow("fixture-array")
        << json(R"({"type":"admin_seed","id":"1","fixture":[]})") << BR << u"fixture"_s;
    QTest::newRow("since-number") << json(R"({"type":"sync","id":"1","since":5})") << BR
                                  << u"since"_s;
    QTest::newRow("kind-unknown") << json(
        R"({"type":"create_conversation","id":"1","kind":"channel","members":[]})")
                                  << BR << u"kind"_s;
    QTest::newRow("send-kind-unknown") << json(
        R"({"type":"send","id":"1","conversation_id":"c","client_msg_id":"m","content":"x","kind":"video"})")
                                       << BR << u"kind"_s;
    // Out of range.
    QTest::newRow("seq-negative") << json(R"({"type":"read","conversation_id":"c","seq":-1})") << BR
                                  << u"seq"_s;
    QTest::newRow("seq-huge") << json(R"({"type":"read","conversation_id":"c","seq":1e300})") << BR
                              << u"seq"_s;
    QTest::newRow("seq-2^60") << json(
        R"({"type":"read","conversation_id":"c","seq":1152921504606846976})")
                              << BR << u"seq"_s;
    QTest::newRow("history-limit-0")
        << json(R"({"type":"history","id":"1","conversation_id":"c","limit":0})") << BR
        << u"limit"_s;
    QTest::newRow("history-limit-201")
        << json(R"({"type":"history","id":"1","conversation_id":"c","limit":201})") << BR
        << u"limit"_s;
    QTest::newRow("history-before-0")
        << json(R"({"type":"history","id":"1","conversation_id":"c","before_seq":0})") << BR
        << u"before_seq"_s;
    QTest::newRow("history-both-cursors")
        << json(R"({"type":"history","id":"1","conversation_id":"c","before_seq":5,"after_seq":2})")
        << BR << u"after_seq"_s;
    QTest::newRow("sync-limit-101")
        << json(R"({"type":"sync","id":"1","limit":101})") << BR << u"limit"_s;
    QTest::newRow("drop-rate-1.5")
        << json(R"({"type":"admin_fault","id":"1","drop_rate":1.5})") << BR << u"drop_rate"_s;
    QTest::newRow("users-limit-0")
        << json(R"({"type":"users","id":"1","query":"a","limit":0})") << BR << u"limit"_s;
    QTest::newRow("direct-two-members")
        << json(R"({"type":"create_conversation","id":"1","kind":"direct","members":["a","b"]})")
        << BR << u"members"_s;
    QTest::newRow("direct-no-members")
        << json(R"({"type":"create_conversation","id":"1","kind":"direct","members":[]})") << BR
        << u"members"_s;
    // Over-long strings and arrays.
    QTest::newRow("id-65") << QByteArray(QByteArray(R"({"type":"logout","id":")")
                                         + QByteArray(65, 'x') + "\"}")
                           << BR << u"id"_s;
    QTest::newRow("cmid-65") << QByteArray(
        QByteArray(
            R"({"type":"send","id":"1","conversation_id":"c","content":"x","client_msg_id":")")
        + QByteArray(65, 'x') + "\"}")
                             << BR << u"client_msg_id"_s;
    QTest::newRow("content-4001") << QByteArray(
        QByteArray(
            R"({"type":"send","id":"1","conversation_id":"c","client_msg_id":"m","content":")")
        + QByteArray(4001, 'x') + "\"}")
                                  << TL << u"content"_s;
    QTest::newRow("username-33") << QByteArray(
        QByteArray(R"({"type":"register","id":"1","password":"secret-pw","username":")")
        + QByteArray(33, 'x') + "\"}")
                                 << BR << u"username"_s;
    QByteArray many = R"({"type":"create_conversation","id":"1","kind":"group","members":[)";
    for (int i = 0; i < 1001; ++i)
        many += QByteArray((i ? ",\"u" : "\"u") + QByteArray::number(i) + '"');
    many += "]}";
    QTest::newRow("members-1001") << many << TL << u"members"_s;
    // Semantic emptiness.
    QTest::newRow("content-empty") << json(
        R"({"type":"send","id":"1","conversation_id":"c","client_msg_id":"m","content":""})")
                                   << BR << u"content"_s;
    QTest::newRow("content-blank") << json(
        R"({"type":"send","id":"1","conversation_id":"c","client_msg_id":"m","content":" \n\t "})")
                                   << BR << u"content"_s;
    QTest::newRow("id-empty") << json(R"({"type":"logout","id":""})") << BR << u"id"_s;
    QTest::newRow("password-short")
        << json(R"({"type":"register","id":"1","username":"dana","password":"abc"})") << BR
        << u"password"_s;
    QTest::newRow("inject-blank") << json(
        R"({"type":"admin_inject","id":"1","as_user":"bob","conversation_id":"c","content":"  "})")
                                  << BR << u"content"_s;
}

void TestCodec::clientMalformed()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, code);
    QFETCH(QString, field);
    auto r = decodeClientFrame(input);
    QVERIFY2(!r.ok(), input.left(200).constData());
    QCOMPARE(errorCodeName(r.error().code), code);
    QCOMPARE(r.error().field, field);
    QVERIFY(!r.error().message.isEmpty());
    if (!field.isEmpty()) // the sentence names the field a person must fix
        QVERIFY2(r.error().message.contains(field), qPrintable(r.error().message));
}

void TestCodec::serverMalformed_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");
    const QString BR = u"bad_request"_s, TL = u"too_large"_s;
    QTest::newRow("client-type-from-server")
        << json(R"({"type":"send","id":"1"})") << BR << u"type"_s;
    QTest::newRow("message-missing") << json(R"({"type":"message"})") << BR << u"message"_s;
    QTest::newRow("message-seq-missing") << json(
        R"({"type":"message","message":{"message_id":"m","conversation_id":"c","sender_id":"u","content":"x","ts":1}})")
                                         << BR << u"message.seq"_s;
    QTest::newRow("message-seq-0") << json(
        R"({"type":"message","message":{"message_id":"m","conversation_id":"c","seq":0,"sender_id":"u","content":"x","ts":1}})")
                                   << BR << u"message.seq"_s;
    QTest::newRow("sync-nested-member") << json(
        R"({"type":"sync","id":"1","next_since":"n","conversations":[{"conversation":{"conversation_id":"c","kind":"direct","last_seq":1,"members":[{"user_id":"a"},{"read_seq":2}]}}]})")
                                        << BR
                                        << u"conversations[0].conversation.members[1].user_id"_s;
    QTest::newRow("sync-no-next-since")
        << json(R"({"type":"sync","id":"1","conversations":[]})") << BR << u"next_since"_s;
    QTest::newRow("ack-seq-string") << json(
        R"({"type":"ack","id":"1","client_msg_id":"m","conversation_id":"c","message_id":"x","seq":"1","ts":1})")
                                    << BR << u"seq"_s;
    QTest::newRow("receipt-negative") << json(
        R"({"type":"receipt","conversation_id":"c","user_id":"u","delivered_seq":-2,"read_seq":0})")
                                      << BR << u"delivered_seq"_s;
    QTest::newRow("history-too-many") << [] {
        QByteArray b =
            R"({"type":"history","id":"1","conversation_id":"c","has_more":false,"messages":[)";
        for (int i = 0; i < 201; ++i)
            b += (i ? ",{}" : "{}");
        return QByteArray(b + "]}");
    }() << TL << u"messages"_s;
    QTest::newRow("error-no-code") << json(R"({"type":"error","message":"x"})") << BR << u"code"_s;
    QTest::newRow("presence-online-string")
        << json(R"({"type":"presence","user_id":"u","online":"yes"})") << BR << u"online"_s;
}

void TestCodec::serverMalformed()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, code);
    QFETCH(QString, field);
    auto r = decodeServerFrame(input);
    QVERIFY2(!r.ok(), input.left(200).constData());
    QCOMPARE(errorCodeName(r.error().code), code);
    QCOMPARE(r.error().field, field);
}

void TestCodec::errorEchoesRequestId()
{
    auto r = decodeClientFrame(R"({"type":"send","id":"r7","conversation_id":"c"})");
    QVERIFY(!r.ok());
    QCOMPARE(r.error().id, u"r7"_s);
    // An over-long id is not echoed (it is itself the fault).
    auto r2 = decodeClientFrame(
        QByteArray(QByteArray(R"({"type":"logout","id":")") + QByteArray(100, 'x') + "\"}"));
    QVERIFY(!r2.ok());
    QVERIFY(r2.error().id.isEmpty());
    // The server's answer carries the code, the message, the field and the id.
    const QJsonObject e = Error::from(r.error()).toJson();
    QCOMPARE(e.value("type"_L1).toString(), u"error"_s);
    QCOMPARE(e.value("id"_L1).toString(), u"r7"_s);
    QCOMPARE(e.value("code"_L1).toString(), u"bad_request"_s);
    QCOMPARE(e.value("field"_L1).toString(), u"client_msg_id"_s);
}

void TestCodec::defaultsApplied()
{
    auto h = decodeClientFrame(R"({"type":"history","id":"1","conversation_id":"c"})");
    QVERIFY(h.ok());
    const auto &hist = std::get<HistoryRequest>(h.value());
    QCOMPARE(hist.limit, 50);
    QVERIFY(!hist.beforeSeq && !hist.afterSeq);

    auto s = decodeClientFrame(R"({"type":"sync","id":"1","since":null,"cursor":null})");
    QVERIFY(s.ok());
    const auto &sync = std::get<SyncRequest>(s.value());
    QCOMPARE(sync.limit, 20);
    QCOMPARE(sync.recent, 20);
    QVERIFY(!sync.since && !sync.cursor);

    // Unknown fields are ignored (protocol §1).
    auto p = decodeClientFrame(R"({"type":"ping","ts":5,"future_field":{"a":[1,2]}})");
    QVERIFY(p.ok());
    QCOMPARE(std::get<Ping>(p.value()).ts, std::optional<qint64>(5));

    auto m = decodeServerFrame(
        R"({"type":"message","message":{"message_id":"m","conversation_id":"c","seq":3,"sender_id":"u","content":"x","ts":1}})");
    QVERIFY(m.ok());
    QCOMPARE(std::get<MessagePush>(m.value()).message.kind, u"text"_s);
}

void TestCodec::contentCountsCodePoints()
{
    // 4000 emoji are 8000 UTF-16 units but 4000 characters: allowed.
    QString emoji;
    for (int i = 0; i < 4000; ++i)
        emoji += u"\U0001F600"_s;
    SendRequest s{u"1"_s, u"c"_s, u"m"_s, emoji};
    auto ok = decodeClientFrame(encodeFrame(s));
    QVERIFY(ok.ok());
    s.content += u"\U0001F600"_s;
    auto tooLong = decodeClientFrame(encodeFrame(s));
    QVERIFY(!tooLong.ok());
    QCOMPARE(tooLong.error().code, ErrorCode::TooLarge);
}

void TestCodec::configurableLimits()
{
    Limits l;
    l.maxContentChars = 10;
    l.maxFrameBytes = 200;
    auto r =
        decodeClientFrame(encodeFrame(SendRequest{u"1"_s, u"c"_s, u"m"_s, u"eleven char"_s}), l);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::TooLarge);
    auto big =
        decodeClientFrame(encodeFrame(SendRequest{u"1"_s, u"c"_s, u"m"_s, QString(300, u'x')}), l);
    QVERIFY(!big.ok());
    QCOMPARE(big.error().code, ErrorCode::TooLarge);
    QVERIFY(big.error().field.isEmpty());
}

void TestCodec::encodedIsCompactJsonObject()
{
    const QByteArray b = encodeFrame(SendRequest{u"r6"_s, u"c1"_s, u"0b6f"_s, u"hi"_s});
    QVERIFY(!b.contains('\n'));
    const QJsonObject o = QJsonDocument::fromJson(b).object();
    QCOMPARE(o.value("type"_L1).toString(), u"send"_s);
    QCOMPARE(o.value("client_msg_id"_L1).toString(), u"0b6f"_s);
    QVERIFY(!o.contains("kind"_L1)); // default omitted
}

void TestCodec::pathologicalInputNeverCrashes()
{
    // A deterministic mutation sweep over valid frames: flip, truncate, splice. The
    // decoder must answer every one (ok or error) without crashing; errors carry a code
    // and a message. The libFuzzer target (tests/fuzz) explores far more.
    QList<QByteArray> seeds;
    for (const ClientFrame &f : allClientFrames())
        seeds << encode(f);
    for (const ServerFrame &f : allServerFrames())
        seeds << encode(f);
    quint32 rng = 12345;
    auto next = [&rng] {
        rng = rng * 1664525u + 1013904223u;
        return rng >> 8;
    };
    int errors = 0;
    for (int round = 0; round < 4000; ++round) {
        QByteArray b = seeds.at(next() % seeds.size());
        switch (next() % 4) {
        case 0: b.truncate(next() % (b.size() + 1)); break;
        case 1:
            if (!b.isEmpty())
                b[next() % b.size()] = char(next() & 0xff);
            break;
        case 2: b.insert(next() % (b.size() + 1), seeds.at(next() % seeds.size())); break;
        case 3:
            if (!b.isEmpty())
                b.remove(next() % b.size(), 1 + next() % 8);
            break;
        }
        auto c = decodeClientFrame(b);
        auto s = decodeServerFrame(b);
        for (const ProtocolError *e :
             {c.ok() ? nullptr : &c.error(), s.ok() ? nullptr : &s.error()}) {
            if (e) {
                ++errors;
                QVERIFY(!e->message.isEmpty());
            }
        }
        if (c.ok()) // what decodes must re-encode and decode to the same frame
            QVERIFY(decodeClientFrame(encode(c.value())).value() == c.value());
    }
    QVERIFY(errors > 1000);
}

QTEST_GUILESS_MAIN(TestCodec)
#include "tst_codec.moc"
