// Sessions against an in-process server: register / login / auth / logout, tokens,
// every bad-input case of the protocol (malformed, wrong types, unknown type, too large,
// binary, too many bad frames), deadlines (auth 4001, heartbeat 4000), rate limits
// (rate_limited, 4008 on a sustained flood), the connection cap, and the authorization
// matrix (unauthenticated and non-member, for every frame type).
#include "helpers.h"
#include "serverfixture.h"

#include <QTest>

using chat::server::ServerConfig;

class TstSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void registerLoginAuthLogout()
    {
        ServerFixture fx;
        QVERIFY(fx.start());
        const QString name = uniqueName(u"dana"_s);
        TestClient *c = fx.connect();
        const QJsonObject ok = c->registerUser(name, u"dana-secret"_s, u"Dana D."_s);
        QCOMPARE(typeOf(ok), u"auth_ok"_s);
        QCOMPARE(ok.value("protocol"_L1).toInt(), 1);
        QCOMPARE(ok.value("heartbeat_ms"_L1).toInt(), 30000);
        QVERIFY(ok.value("server_time"_L1).toInteger() > 1700000000000LL);
        const QJsonObject user = ok.value("user"_L1).toObject();
        QCOMPARE(user.value("username"_L1).toString(), name);
        QCOMPARE(user.value("display_name"_L1).toString(), u"Dana D."_s);
        const QString token = ok.value("token"_L1).toString();
        QVERIFY(token.size() >= 22); // >= 128 random bits
        // Already authenticated: a second login on the same connection is a bad request.
        QCOMPARE(codeOf(c->login(name, u"dana-secret"_s)), u"bad_request"_s);

        // Username taken (case-insensitively); the connection stays usable.
        TestClient *d = fx.connect();
        const QJsonObject taken = d->registerUser(name.toUpper(), u"whatever-pw"_s);
        QCOMPARE(codeOf(taken), u"conflict"_s);
        QCOMPARE(taken.value("field"_L1).toString(), u"username"_s);
        QVERIFY(d->isOpen());
        QCOMPARE(codeOf(d->registerUser(u"bad name!"_s, u"whatever-pw"_s)), u"bad_request"_s);
        QCOMPARE(codeOf(d->registerUser(u"shortpw"_s, u"123"_s)), u"bad_request"_s);

        // login issues a new token; auth resumes with either.
        TestClient *e = fx.connect();
        const QJsonObject li = e->login(name, u"dana-secret"_s);
        QCOMPARE(typeOf(li), u"auth_ok"_s);
        QVERIFY(li.value("token"_L1).toString() != token);
        TestClient *f = fx.connect();
        const QJsonObject au = f->auth(token);
        QCOMPARE(typeOf(au), u"auth_ok"_s);
        QCOMPARE(au.value("token"_L1).toString(), token);
        QCOMPARE(au.value("user"_L1).toObject().value("user_id"_L1), user.value("user_id"_L1));

        // logout: ok, close 1000, the token is revoked.
        const QJsonObject out = f->request({{"type"_L1, u"logout"_s}});
        QCOMPARE(typeOf(out), u"ok"_s);
        QVERIFY(f->waitClosed());
        QCOMPARE(f->closeCode(), 1000);
        TestClient *g = fx.connect();
        QCOMPARE(codeOf(g->auth(token)), u"unauthorized"_s);
        QVERIFY(g->waitClosed());
        QCOMPARE(g->closeCode(), 4001);
        // The other token still works.
        TestClient *h = fx.connect();
        QCOMPARE(typeOf(h->auth(li.value("token"_L1).toString())), u"auth_ok"_s);
    }

    void wrongPasswordOrTokenCloses4001()
    {
        ServerFixture fx;
        QVERIFY(fx.start());
        const QString name = uniqueName(u"erin"_s);
        fx.connect()->registerUser(name, u"erin-secret"_s);
        TestClient *c = fx.connect();
        const QJsonObject r = c->login(name, u"not-it"_s);
        QCOMPARE(codeOf(r), u"unauthorized"_s);
        QVERIFY(!r.value("message"_L1).toString().isEmpty());
        QVERIFY(c->waitClosed());
        QCOMPARE(c->closeCode(), 4001);
        TestClient *d = fx.connect();
        QCOMPARE(codeOf(d->login(u"nobody-here"_s, u"whatever"_s)), u"unauthorized"_s);
        QVERIFY(d->waitClosed());
        QCOMPARE(d->closeCode(), 4001);
        TestClient *e = fx.connect();
        QCOMPARE(codeOf(e->auth(u"forged-token"_s)), u"unauthorized"_s);
        QVERIFY(e->waitClosed());
        QCOMPARE(e->closeCode(), 4001);
    }

    void unauthenticatedGetsUnauthorizedForEveryFrameType()
    {
        ServerFixture fx;
        ServerConfig cfg;
        cfg.adminToken = u"adm"_s;
        QVERIFY(fx.start(cfg));
        TestClient *c = fx.connect();
        const QList<QJsonObject> frames{
            {{"type"_L1, u"logout"_s}},
            {{"type"_L1, u"ping"_s}, {"ts"_L1, 1}},
            {{"type"_L1, u"users"_s}, {"query"_L1, u""_s}},
            {{"type"_L1, u"create_conversation"_s},
             {"kind"_L1, u"direct"_s},
             {"members"_L1, QJsonArray{u"u_x"_s}}},
            {{"type"_L1, u"add_members"_s},
             {"conversation_id"_L1, u"c_x"_s},
             {"user_ids"_L1, QJsonArray{u"u_x"_s}}},
            {{"type"_L1, u"leave"_s}, {"conversation_id"_L1, u"c_x"_s}},
            {{"type"_L1, u"send"_s},
             {"conversation_id"_L1, u"c_x"_s},
             {"client_msg_id"_L1, u"k"_s},
             {"content"_L1, u"hi"_s}},
            {{"type"_L1, u"history"_s}, {"conversation_id"_L1, u"c_x"_s}},
            {{"type"_L1, u"sync"_s}, {"since"_L1, QJsonValue::Null}},
            {{"type"_L1, u"delivered"_s}, {"conversation_id"_L1, u"c_x"_s}, {"seq"_L1, 1}},
            {{"type"_L1, u"read"_s}, {"conversation_id"_L1, u"c_x"_s}, {"seq"_L1, 1}},
            {{"type"_L1, u"admin_stats"_s}},
            {{"type"_L1, u"admin_seed"_s}, {"fixture"_L1, QJsonObject{}}},
            {{"type"_L1, u"admin_inject"_s},
             {"as_user"_L1, u"a"_s},
             {"conversation_id"_L1, u"c"_s},
             {"content"_L1, u"x"_s}},
            {{"type"_L1, u"admin_kick"_s}, {"user_id"_L1, u"a"_s}},
            {{"type"_L1, u"admin_fault"_s}},
            {{"type"_L1, u"admin_pushes"_s}},
        };
        for (const QJsonObject &f : frames) {
            const QJsonObject r = c->request(f);
            QVERIFY2(codeOf(r) == "unauthorized"_L1, qPrintable(typeOf(f)));
        }
        // typing has no id: the error comes without one.
        c->sendJson(
            {{"type"_L1, u"typing"_s}, {"conversation_id"_L1, u"c_x"_s}, {"active"_L1, true}});
        QVERIFY(!c->waitFor([](const QJsonObject &f) {
                      return codeOf(f) == "unauthorized"_L1 && !f.contains("id"_L1);
                  }).isEmpty());
        QVERIFY(c->isOpen()); // these are not protocol errors
    }

    void nonMemberSeesAndChangesNothing()
    {
        ServerFixture fx;
        QVERIFY(fx.start());
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s),
                   *mallory = fx.user(u"mallory"_s);
        const QString cid = convId(createGroup(alice, u"private"_s, {bob->userId()}));
        sendMsg(alice, cid, u"p-1"_s, u"secret"_s);
        const QList<QJsonObject> frames{
            {{"type"_L1, u"send"_s},
             {"conversation_id"_L1, cid},
             {"client_msg_id"_L1, u"mal-1"_s},
             {"content"_L1, u"hi"_s}},
            {{"type"_L1, u"history"_s}, {"conversation_id"_L1, cid}},
            {{"type"_L1, u"history"_s}, {"conversation_id"_L1, cid}, {"after_seq"_L1, 0}},
            {{"type"_L1, u"delivered"_s}, {"conversation_id"_L1, cid}, {"seq"_L1, 1}},
            {{"type"_L1, u"read"_s}, {"conversation_id"_L1, cid}, {"seq"_L1, 1}},
            {{"type"_L1, u"add_members"_s},
             {"conversation_id"_L1, cid},
             {"user_ids"_L1, QJsonArray{mallory->userId()}}},
            {{"type"_L1, u"leave"_s}, {"conversation_id"_L1, cid}},
        };
        for (const QJsonObject &f : frames) {
            const QJsonObject r = mallory->request(f);
            QVERIFY2(codeOf(r) == "forbidden"_L1, qPrintable(typeOf(f)));
            QVERIFY(!r.contains("messages"_L1) && !r.contains("conversation"_L1));
            // An unknown conversation is not_found.
            QJsonObject g = f;
            g.insert("conversation_id"_L1, u"c_unknown"_s);
            g.remove("id"_L1);
            QVERIFY2(codeOf(mallory->request(g)) == "not_found"_L1, qPrintable(typeOf(f)));
        }
        mallory->sendJson(
            {{"type"_L1, u"typing"_s}, {"conversation_id"_L1, cid}, {"active"_L1, true}});
        QVERIFY(!mallory
                     ->waitFor([](const QJsonObject &f) {
                         return codeOf(f) == "forbidden"_L1 && !f.contains("id"_L1);
                     })
                     .isEmpty());
        // Sync and pushes: nothing of it.
        const QJsonObject page = syncReq(mallory, QJsonValue::Null, QJsonValue::Null);
        QCOMPARE(page.value("conversations"_L1).toArray().size(), 0);
        QTest::qWait(200);
        QCOMPARE(mallory->count(u"message"_s) + mallory->count(u"typing"_s)
                     + mallory->count(u"receipt"_s),
                 0);
        QCOMPARE(bob->count(u"typing"_s), 0);
        // Nothing changed: still one message, two members, no watermark from mallory.
        const QJsonObject h = history(alice, cid);
        QCOMPARE(h.value("messages"_L1).toArray().size(), 1);
        const QJsonObject st = syncReq(alice, QJsonValue::Null, QJsonValue::Null);
        QCOMPARE(st.value("conversations"_L1)
                     .toArray()
                     .at(0)
                     .toObject()
                     .value("conversation"_L1)
                     .toObject()
                     .value("members"_L1)
                     .toArray()
                     .size(),
                 2);
    }

    void badInputGetsErrorsAndKeepsTheConnection()
    {
        ServerFixture fx;
        QVERIFY(fx.start());
        TestClient *c = fx.user(u"fuzz"_s);
        struct Case {
            QString text, code, field;
        };
        const QList<Case> cases{
            {u"{not json"_s, u"bad_request"_s, {}},
            {u"[1,2,3]"_s, u"bad_request"_s, {}},
            {u"\"just a string\""_s, u"bad_request"_s, {}},
            {u"{}"_s, u"bad_request"_s, u"type"_s},
            {u"{\"type\":42,\"id\":\"a\"}"_s, u"bad_request"_s, u"type"_s},
            {u"{\"type\":\"teleport\",\"id\":\"a\"}"_s, u"bad_request"_s, u"type"_s},
            {u"{\"type\":\"send\",\"id\":\"a\",\"conversation_id\":\"c\",\"client_msg_id\":\"k\"}"_s,
             u"bad_request"_s, u"content"_s},
            {u"{\"type\":\"send\",\"id\":\"a\",\"conversation_id\":\"c\",\"client_msg_id\":\"k\",\"content\":\"   \"}"_s,
             u"bad_request"_s, u"content"_s},
            {u"{\"type\":\"send\",\"id\":\"a\",\"conversation_id\":\"c\",\"client_msg_id\":\"k\",\"content\":\"%1\"}"_s
                 .arg(QString(4001, u'x')),
             u"too_large"_s, u"content"_s},
            {u"{\"type\":\"read\",\"conversation_id\":\"c\",\"seq\":\"7\"}"_s, u"bad_request"_s,
             u"seq"_s},
            {u"{\"type\":\"read\",\"conversation_id\":\"c\",\"seq\":1.5}"_s, u"bad_request"_s,
             u"seq"_s},
            {u"{\"type\":\"history\",\"id\":\"a\",\"conversation_id\":7}"_s, u"bad_request"_s,
             u"conversation_id"_s},
            {u"{\"type\":\"sync\",\"id\":\"a\",\"limit\":0}"_s, u"bad_request"_s, u"limit"_s},
            {u"{\"type\":\"create_conversation\",\"id\":\"a\",\"kind\":\"triad\",\"members\":[]}"_s,
             u"bad_request"_s, u"kind"_s},
            {u"{\"type\":\"typing\",\"conversation_id\":\"c\",\"active\":\"yes\"}"_s,
             u"bad_request"_s, u"active"_s},
        };
        int n = 0;
        for (const Case &k : cases) {
            c->clearFrames();
            c->sendRaw(k.text);
            const QJsonObject e = c->waitForType(u"error"_s);
            QVERIFY2(codeOf(e) == k.code, qPrintable(k.text.left(80) + u" -> "_s + codeOf(e)));
            if (!k.field.isEmpty())
                QVERIFY2(
                    e.value("field"_L1).toString() == k.field,
                    qPrintable(k.text.left(80) + u" field "_s + e.value("field"_L1).toString()));
            QVERIFY(!e.value("message"_L1).toString().isEmpty());
            if (k.text.contains("\"id\":\"a\""_L1))
                QCOMPARE(e.value("id"_L1).toString(), u"a"_s);
            ++n;
        }
        // Binary frames are bad frames too.
        c->clearFrames();
        c->socket().sendBinaryMessage(QByteArray("\x01\x02", 2));
        QCOMPARE(codeOf(c->waitForType(u"error"_s)), u"bad_request"_s);
        ++n;
        QVERIFY(n <= 20);
        QVERIFY(c->isOpen());
        // Still fully usable.
        QCOMPARE(typeOf(c->request({{"type"_L1, u"ping"_s}, {"ts"_L1, 12345}})), u"pong"_s);
    }

    void pingEchoesTs()
    {
        ServerFixture fx;
        QVERIFY(fx.start());
        TestClient *c = fx.user(u"pinger"_s);
        const QJsonObject p = c->request({{"type"_L1, u"ping"_s}, {"ts"_L1, 1764380000123LL}});
        QCOMPARE(typeOf(p), u"pong"_s);
        QCOMPARE(p.value("ts"_L1).toInteger(), 1764380000123LL);
        c->sendJson({{"type"_L1, u"ping"_s}, {"ts"_L1, 7}}); // without id
        QCOMPARE(c->waitFor([](const QJsonObject &f) {
                      return typeOf(f) == "pong"_L1 && !f.contains("id"_L1);
                  })
                     .value("ts"_L1)
                     .toInteger(),
                 7);
    }

    void twentyOneBadFramesClose4002()
    {
        ServerFixture fx;
        QVERIFY(fx.start());
        TestClient *c = fx.connect();
        for (int i = 0; i < 20; ++i)
            c->sendRaw(u"nope"_s);
        QTRY_COMPARE_WITH_TIMEOUT(c->count(u"error"_s), 20, 20000);
        QTest::qWait(200);
        QVERIFY(c->isOpen()); // 20 a minute are tolerated
        c->sendRaw(u"nope"_s);
        QVERIFY(c->waitClosed());
        QCOMPARE(c->closeCode(), 4002);
        QVERIFY(!c->closeReason().isEmpty()); // a close frame, unlike admin_kick
        // Nobody else is affected.
        TestClient *d = fx.user(u"bystander"_s);
        QVERIFY(!d->userId().isEmpty());
    }

    void frameTooLargeCloses1009()
    {
        ServerFixture fx;
        QVERIFY(fx.start());
        TestClient *c = fx.user(u"big"_s);
        const QString big = u"{\"type\":\"ping\",\"pad\":\"%1\"}"_s.arg(QString(70 * 1024, u'x'));
        c->sendRaw(big);
        QVERIFY(c->waitClosed());
        QCOMPARE(c->closeCode(), 1009);
        // Exactly at the limit is fine.
        TestClient *d = fx.user(u"edge"_s);
        const QString head = u"{\"type\":\"ping\",\"id\":\"e\",\"pad\":\""_s, tail = u"\"}"_s;
        d->sendRaw(head + QString(64 * 1024 - head.size() - tail.size(), u'y') + tail);
        QCOMPARE(typeOf(d->waitForType(u"pong"_s)), u"pong"_s);
    }

    void authDeadlineCloses4001()
    {
        ServerFixture fx;
        ServerConfig cfg;
        cfg.authDeadlineMs = 600;
        QVERIFY(fx.start(cfg));
        TestClient *c = fx.connect();
        TestClient *d = fx.connect();
        QCOMPARE(typeOf(d->registerUser(uniqueName(u"quick"_s))), u"auth_ok"_s);
        QVERIFY(c->waitClosed());
        QCOMPARE(c->closeCode(), 4001);
        QTest::qWait(700);
        QVERIFY(d->isOpen());
    }

    void defaultAuthDeadlineIsTenSeconds()
    {
        ServerFixture fx;
        QVERIFY(fx.start());
        TestClient *c = fx.connect();
        QTest::qWait(8000);
        QVERIFY(c->isOpen());
        QVERIFY(c->waitClosed(15000));
        QCOMPARE(c->closeCode(), 4001);
    }

    void heartbeatDeadlineCloses4000()
    {
        ServerFixture fx;
        ServerConfig cfg;
        // 2 x 1500 ms of silence closes; the live client pings 7x more often than needed, so a
        // loaded machine (ASan, ctest -j2) stalling this process for a second cannot kill it.
        cfg.heartbeatMs = 1500;
        fx.autoPingMs = 200; // everyone pings from the first moment (Argon2id takes a while)...
        QVERIFY(fx.start(cfg));
        TestClient *alive = fx.user(u"alive"_s);
        TestClient *silent = fx.user(u"silent"_s);
        QCOMPARE(alive->frames(u"auth_ok"_s).value(0).value("heartbeat_ms"_L1).toInt(), 1500);
        silent->setAutoPing(0); // ... except the one that falls silent now
        QVERIFY(silent->waitClosed());
        QCOMPARE(silent->closeCode(), 4000);
        QVERIFY(alive->isOpen());
    }

    void rateLimitAnswersRetryAfter()
    {
        ServerFixture fx;
        ServerConfig cfg;
        cfg.rateLimit = 4; // burst 10
        QVERIFY(fx.start(cfg));
        TestClient *a = fx.user(u"fast"_s), *b = fx.user(u"slow"_s);
        const QString cid = convId(createDirect(a, b->userId()));
        for (int i = 0; i < 30; ++i)
            a->sendJson({{"type"_L1, u"send"_s},
                         {"id"_L1, u"s%1"_s.arg(i)},
                         {"conversation_id"_L1, cid},
                         {"client_msg_id"_L1, u"rl-%1"_s.arg(i)},
                         {"content"_L1, u"x"_s}});
        QTRY_COMPARE_WITH_TIMEOUT(a->count(u"ack"_s) + a->count(u"error"_s), 30, 20000);
        QVERIFY(a->count(u"ack"_s) >= 10);
        QVERIFY(a->count(u"ack"_s) < 30);
        for (const QJsonObject &e : a->frames(u"error"_s)) {
            QCOMPARE(codeOf(e), u"rate_limited"_s);
            QVERIFY(e.value("retry_after_ms"_L1).toInteger() > 0);
        }
        QVERIFY(a->isOpen());
        // After the advised wait, sending works again.
        const qint64 wait =
            a->frames(u"error"_s).constLast().value("retry_after_ms"_L1).toInteger();
        QTest::qWait(int(wait) + 300);
        QCOMPARE(typeOf(sendMsg(a, cid, u"rl-after"_s, u"ok"_s)), u"ack"_s);
    }

    // A client pipelines sends and, like the sync engine, resends the refused ones in its own
    // order after the advised wait: the seqs must follow that order. Without the server's
    // fence after a refusal, a later send that found a fresh token overtook refused ones.
    void rateLimitedPipelineKeepsTheClientsOrder()
    {
        ServerFixture fx;
        ServerConfig cfg;
        cfg.rateLimit = 100; // burst 250, then a token every 10 ms
        QVERIFY(fx.start(cfg));
        TestClient *a = fx.user(u"piper"_s), *b = fx.user(u"reader"_s);
        const QString cid = convId(createDirect(a, b->userId()));
        constexpr int kSends = 400;
        QHash<QString, qint64> seqOf; // client_msg_id -> seq
        QStringList pending;
        for (int i = 0; i < kSends; ++i)
            pending.append(u"po-%1"_s.arg(i, 3, 10, QChar(u'0')));
        int round = 0;
        while (!pending.isEmpty()) {
            QVERIFY2(++round < 60, "the pipeline never drained");
            const qsizetype before = a->count(u"ack"_s) + a->count(u"error"_s);
            for (const QString &id : std::as_const(pending))
                a->sendJson({{"type"_L1, u"send"_s},
                             {"id"_L1, QString(id + u"/"_s + QString::number(round))},
                             {"conversation_id"_L1, cid},
                             {"client_msg_id"_L1, id},
                             {"content"_L1, id}});
            QTRY_COMPARE_WITH_TIMEOUT(a->count(u"ack"_s) + a->count(u"error"_s),
                                      before + pending.size(), 30000);
            for (const QJsonObject &ack : a->frames(u"ack"_s))
                seqOf.insert(ack.value("client_msg_id"_L1).toString(),
                             ack.value("seq"_L1).toInteger());
            qint64 wait = 0;
            for (const QJsonObject &e : a->frames(u"error"_s)) {
                QCOMPARE(codeOf(e), u"rate_limited"_s);
                wait = qMax(wait, e.value("retry_after_ms"_L1).toInteger());
            }
            QStringList still;
            for (const QString &id : std::as_const(pending))
                if (!seqOf.contains(id))
                    still.append(id);
            pending = still;
            a->clearFrames();
            if (!pending.isEmpty())
                QTest::qWait(int(wait) + 20);
        }
        QCOMPARE(seqOf.size(), kSends);
        QVERIFY(round > 1); // the limit was hit
        for (int i = 1; i < kSends; ++i) {
            const qint64 prev = seqOf.value(u"po-%1"_s.arg(i - 1, 3, 10, QChar(u'0')));
            const qint64 cur = seqOf.value(u"po-%1"_s.arg(i, 3, 10, QChar(u'0')));
            QVERIFY2(cur == prev + 1,
                     qPrintable(u"message %1 has seq %2 after %3"_s.arg(i).arg(cur).arg(prev)));
        }
    }

    void sustainedFloodCloses4008()
    {
        ServerFixture fx;
        ServerConfig cfg;
        cfg.rateLimit = 2; // flood = more than 20 sends a second
        QVERIFY(fx.start(cfg));
        TestClient *a = fx.user(u"flood"_s), *b = fx.user(u"victim"_s);
        const QString cid = convId(createDirect(a, b->userId()));
        QElapsedTimer t;
        t.start();
        int i = 0;
        while (!a->closed() && t.elapsed() < 25000) {
            for (int k = 0; k < 6; ++k, ++i)
                a->sendJson({{"type"_L1, u"send"_s},
                             {"id"_L1, u"f%1"_s.arg(i)},
                             {"conversation_id"_L1, cid},
                             {"client_msg_id"_L1, u"fl-%1"_s.arg(i)},
                             {"content"_L1, u"x"_s}});
            QTest::qWait(100); // about 60 a second: 30x the limit
            if (t.elapsed() > 5000)
                QVERIFY(a->isOpen() || t.elapsed() > 10000); // not before 10 s of flooding
        }
        QVERIFY(a->closed());
        QCOMPARE(a->closeCode(), 4008);
        QVERIFY(t.elapsed() >= 10000);
    }

    void expiredTokensAreRefused()
    {
        ServerFixture fx;
        ServerConfig cfg;
        cfg.tokenLifetimeDays = 0; // every token expires at once
        QVERIFY(fx.start(cfg));
        TestClient *a = fx.user(u"expiring"_s);
        QVERIFY(!a->token().isEmpty());
        TestClient *b = fx.connect();
        QCOMPARE(codeOf(b->auth(a->token())), u"unauthorized"_s);
        QVERIFY(b->waitClosed());
        QCOMPARE(b->closeCode(), 4001);
    }

    void groupSizeIsLimited()
    {
        ServerFixture fx;
        ServerConfig cfg;
        cfg.limits.maxGroupSize = 3;
        QVERIFY(fx.start(cfg));
        TestClient *a = fx.user(u"g"_s), *b = fx.user(u"g"_s), *c = fx.user(u"g"_s),
                   *d = fx.user(u"g"_s);
        // The creator counts: 1 + 3 is one too many.
        QJsonObject r = createGroup(a, u"big"_s, {b->userId(), c->userId(), d->userId()});
        QCOMPARE(codeOf(r), u"too_large"_s);
        QCOMPARE(r.value("field"_L1).toString(), u"members"_s);
        r = createGroup(a, u"big"_s, {b->userId(), c->userId(), d->userId(), u"u_x"_s});
        QCOMPARE(codeOf(r), u"too_large"_s);
        const QString gid = convId(createGroup(a, u"ok"_s, {b->userId(), c->userId()}));
        QVERIFY(!gid.isEmpty());
        r = a->request({{"type"_L1, u"add_members"_s},
                        {"conversation_id"_L1, gid},
                        {"user_ids"_L1, QJsonArray{d->userId()}}});
        QCOMPARE(codeOf(r), u"too_large"_s);
        QCOMPARE(r.value("field"_L1).toString(), u"user_ids"_s);
    }

    void connectionsPerUserAreCapped()
    {
        ServerFixture fx;
        ServerConfig cfg;
        cfg.maxConnectionsPerUser = 2;
        QVERIFY(fx.start(cfg));
        TestClient *a = fx.user(u"many"_s);
        TestClient *b = fx.sameUser(a);
        QVERIFY(b->isOpen() && !b->userId().isEmpty());
        TestClient *c = fx.connect();
        const QJsonObject r = c->auth(a->token());
        QCOMPARE(codeOf(r), u"rate_limited"_s);
        QVERIFY(c->waitClosed());
        QCOMPARE(c->closeCode(), 4008);
        // Closing one frees a slot.
        b->socket().close();
        QVERIFY(b->waitClosed());
        QTest::qWait(200);
        TestClient *d = fx.connect();
        QCOMPARE(typeOf(d->auth(a->token())), u"auth_ok"_s);
    }
};

QTEST_GUILESS_MAIN(TstSession)
#include "tst_session.moc"
