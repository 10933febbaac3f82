// QA control frames (protocol §13): admin auth, admin_seed with the demo fixture (twice:
// adds nothing), admin_inject, admin_kick, admin_fault (hold_acks, drop_rate, delay_ms,
// close_after_frames; per user or global; {} clears), admin_stats, admin_pushes.
#include "helpers.h"
#include "serverfixture.h"

#include <QFile>
#include <QTest>

using chat::server::ServerConfig;

namespace {
QJsonObject demoFixture()
{
    QFile f(QStringLiteral(CHAT_DEMO_FIXTURE));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read the demo fixture");
    return QJsonDocument::fromJson(f.readAll()).object();
}
} // namespace

class TstAdmin : public QObject
{
    Q_OBJECT
    ServerFixture fx;
    TestClient *admin = nullptr;

    QJsonObject ctl(const QJsonObject &o) { return admin->request(o); }

private Q_SLOTS:
    void initTestCase()
    {
        ServerConfig cfg;
        cfg.adminToken = u"qa-token"_s;
        QVERIFY(fx.start(cfg));
        admin = fx.connect();
        const QJsonObject ok =
            admin->request({{"type"_L1, u"admin"_s}, {"token"_L1, u"qa-token"_s}});
        QCOMPARE(typeOf(ok), u"ok"_s);
        QCOMPARE(ok.value("admin"_L1).toBool(), true);
    }

    void adminAuthRefused()
    {
        TestClient *c = fx.connect();
        QCOMPARE(codeOf(c->request({{"type"_L1, u"admin"_s}, {"token"_L1, u"guess"_s}})),
                 u"unauthorized"_s);
        QVERIFY(c->waitClosed());
        QCOMPARE(c->closeCode(), 4001);
        // Without --admin-token nothing gets in.
        ServerFixture plain;
        QVERIFY(plain.start());
        TestClient *d = plain.connect();
        const QJsonObject r = d->request({{"type"_L1, u"admin"_s}, {"token"_L1, u"qa-token"_s}});
        QCOMPARE(codeOf(r), u"unauthorized"_s);
        QVERIFY(r.value("message"_L1).toString().contains(u"--admin-token"_s));
        QVERIFY(d->waitClosed());
    }

    void framesOnTheWrongKindOfConnection()
    {
        TestClient *u = fx.user(u"plainuser"_s);
        for (const char *t : {"admin_stats", "admin_pushes", "admin_fault"}) {
            const QJsonObject r = u->request({{"type"_L1, QLatin1StringView(t)}});
            QCOMPARE(codeOf(r), u"forbidden"_s);
        }
        QCOMPARE(codeOf(ctl({{"type"_L1, u"sync"_s}, {"since"_L1, QJsonValue::Null}})),
                 u"forbidden"_s);
        QCOMPARE(codeOf(ctl({{"type"_L1, u"send"_s},
                             {"conversation_id"_L1, u"c"_s},
                             {"client_msg_id"_L1, u"k"_s},
                             {"content"_L1, u"x"_s}})),
                 u"forbidden"_s);
        QCOMPARE(typeOf(ctl({{"type"_L1, u"ping"_s}, {"ts"_L1, 1}})), u"pong"_s);
    }

    void seedDemoFixtureTwice()
    {
        QJsonObject r = ctl({{"type"_L1, u"admin_seed"_s}, {"fixture"_L1, demoFixture()}});
        QCOMPARE(typeOf(r), u"ok"_s);
        QCOMPARE(r.value("users_added"_L1).toInt(), 5);
        QCOMPARE(r.value("conversations_added"_L1).toInt(), 5);
        QVERIFY(r.value("messages_added"_L1).toInt() >= 50);
        const QJsonObject ids = r.value("conversations"_L1).toObject();
        QCOMPARE(ids.size(), 5);
        r = ctl({{"type"_L1, u"admin_seed"_s}, {"fixture"_L1, demoFixture()}});
        QCOMPARE(r.value("users_added"_L1).toInt(), 0);
        QCOMPARE(r.value("conversations_added"_L1).toInt(), 0);
        QCOMPARE(r.value("messages_added"_L1).toInt(), 0);
        QCOMPARE(r.value("conversations"_L1).toObject(), ids);

        TestClient *alice = fx.connect();
        QCOMPARE(typeOf(alice->login(u"alice"_s, u"alice-pw"_s)), u"auth_ok"_s);
        const QJsonObject page = syncReq(alice, QJsonValue::Null, QJsonValue::Null, 20, 5);
        QCOMPARE(page.value("conversations"_L1).toArray().size(),
                 3); // alice-bob, alice-carol, team
        const QJsonObject h = history(alice, ids.value("team"_L1).toString(),
                                      {{"after_seq"_L1, 0}, {"limit"_L1, 200}});
        const QJsonArray msgs = h.value("messages"_L1).toArray();
        QVERIFY(msgs.size() >= 20);
        for (int i = 0; i < msgs.size(); ++i) {
            QCOMPARE(msgs.at(i).toObject().value("seq"_L1).toInteger(), i + 1);
            if (i > 0)
                QVERIFY(msgs.at(i).toObject().value("ts"_L1).toInteger()
                        > msgs.at(i - 1).toObject().value("ts"_L1).toInteger());
        }
        // A bad fixture names the field.
        const QJsonObject bad =
            ctl({{"type"_L1, u"admin_seed"_s},
                 {"fixture"_L1,
                  QJsonObject{{"users"_L1, QJsonArray{QJsonObject{{"username"_L1, 5}}}}}}});
        QCOMPARE(codeOf(bad), u"bad_request"_s);
        QCOMPARE(bad.value("field"_L1).toString(), u"fixture.users[0].username"_s);
        const QJsonObject unknown =
            ctl({{"type"_L1, u"admin_seed"_s},
                 {"fixture"_L1,
                  QJsonObject{
                      {"conversations"_L1,
                       QJsonArray{QJsonObject{{"key"_L1, u"z"_s},
                                              {"kind"_L1, u"group"_s},
                                              {"members"_L1, QJsonArray{u"nobody-at-all"_s}}}}}}}});
        QCOMPARE(codeOf(unknown), u"not_found"_s);
    }

    void injectAsUsernameOrId()
    {
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s);
        const QString cid = convId(createDirect(alice, bob->userId()));
        const QString bobName = bob->frames(u"auth_ok"_s)
                                    .value(0)
                                    .value("user"_L1)
                                    .toObject()
                                    .value("username"_L1)
                                    .toString();
        QJsonObject r = ctl({{"type"_L1, u"admin_inject"_s},
                             {"as_user"_L1, bobName},
                             {"conversation_id"_L1, cid},
                             {"content"_L1, u"injected hello"_s}});
        QCOMPARE(typeOf(r), u"ok"_s);
        const QJsonObject m = r.value("message"_L1).toObject();
        QCOMPARE(m.value("seq"_L1).toInteger(), 1);
        QCOMPARE(m.value("sender_id"_L1).toString(), bob->userId());
        // Every member connection gets it, the "sender" included (he did not send it).
        for (TestClient *c : {alice, bob})
            QCOMPARE(c->waitForType(u"message"_s)
                         .value("message"_L1)
                         .toObject()
                         .value("content"_L1)
                         .toString(),
                     u"injected hello"_s);
        r = ctl({{"type"_L1, u"admin_inject"_s},
                 {"as_user"_L1, alice->userId()},
                 {"conversation_id"_L1, cid},
                 {"content"_L1, u"by id"_s}});
        QCOMPARE(r.value("message"_L1).toObject().value("seq"_L1).toInteger(), 2);
        TestClient *carol = fx.user(u"carol"_s);
        QCOMPARE(codeOf(ctl({{"type"_L1, u"admin_inject"_s},
                             {"as_user"_L1, carol->userId()},
                             {"conversation_id"_L1, cid},
                             {"content"_L1, u"x"_s}})),
                 u"forbidden"_s);
        const QJsonObject nf = ctl({{"type"_L1, u"admin_inject"_s},
                                    {"as_user"_L1, u"ghost-user"_s},
                                    {"conversation_id"_L1, cid},
                                    {"content"_L1, u"x"_s}});
        QCOMPARE(codeOf(nf), u"not_found"_s);
        QCOMPARE(nf.value("field"_L1).toString(), u"as_user"_s);
    }

    void kickAbortsEveryConnection()
    {
        TestClient *bob = fx.user(u"bob"_s);
        TestClient *bob2 = fx.sameUser(bob);
        TestClient *other = fx.user(u"other"_s);
        const QJsonObject r = ctl({{"type"_L1, u"admin_kick"_s}, {"user_id"_L1, bob->userId()}});
        QCOMPARE(typeOf(r), u"ok"_s);
        QCOMPARE(r.value("kicked"_L1).toInt(), 2);
        for (TestClient *c : {bob, bob2}) {
            QVERIFY(c->waitClosed());
            QCOMPARE(c->closeReason(), QString()); // no close frame
        }
        QTest::qWait(100);
        QVERIFY(other->isOpen());
        QCOMPARE(codeOf(ctl({{"type"_L1, u"admin_kick"_s}, {"user_id"_L1, u"ghost-user"_s}})),
                 u"not_found"_s);
        // The token still works: a kick is a network fault, not a logout.
        TestClient *back = fx.connect();
        QCOMPARE(typeOf(back->auth(bob->token())), u"auth_ok"_s);
    }

    void faultHoldAcks()
    {
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s);
        const QString cid = convId(createDirect(alice, bob->userId()));
        const QString aliceName = alice->frames(u"auth_ok"_s)
                                      .value(0)
                                      .value("user"_L1)
                                      .toObject()
                                      .value("username"_L1)
                                      .toString();
        QCOMPARE(typeOf(ctl({{"type"_L1, u"admin_fault"_s},
                             {"user_id"_L1, aliceName},
                             {"hold_acks"_L1, true}})),
                 u"ok"_s);
        alice->sendJson({{"type"_L1, u"send"_s},
                         {"id"_L1, u"held"_s},
                         {"conversation_id"_L1, cid},
                         {"client_msg_id"_L1, u"held-1"_s},
                         {"content"_L1, u"stored, not acked"_s}});
        // Stored and routed, but alice hears nothing.
        QCOMPARE(bob->waitForType(u"message"_s)
                     .value("message"_L1)
                     .toObject()
                     .value("seq"_L1)
                     .toInteger(),
                 1);
        QTest::qWait(300);
        QCOMPARE(alice->count(u"ack"_s), 0);
        // Cleared: the held ack arrives.
        const QJsonObject cleared = ctl({{"type"_L1, u"admin_fault"_s}});
        QCOMPARE(typeOf(cleared), u"ok"_s);
        QCOMPARE(cleared.value("faults"_L1).toObject().value("users"_L1).toObject().size(), 0);
        QCOMPARE(alice->waitForType(u"ack"_s).value("seq"_L1).toInteger(), 1);
    }

    void faultDropRateGlobal()
    {
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s);
        const QString cid = convId(createDirect(alice, bob->userId()));
        QCOMPARE(typeOf(ctl({{"type"_L1, u"admin_fault"_s}, {"drop_rate"_L1, 1.0}})), u"ok"_s);
        for (int i = 1; i <= 5; ++i)
            QCOMPARE(typeOf(sendMsg(alice, cid, u"drop-%1"_s.arg(i), u"lost push"_s)),
                     u"ack"_s); // answers flow
        QTest::qWait(300);
        QCOMPARE(bob->count(u"message"_s), 0);
        // The data is there for catch-up.
        QCOMPARE(history(bob, cid).value("messages"_L1).toArray().size(), 5);
        QVERIFY(ctl({{"type"_L1, u"admin_stats"_s}}).value("pushes_dropped_by_fault"_L1).toInteger()
                >= 5);
        ctl({{"type"_L1, u"admin_fault"_s}});
        sendMsg(alice, cid, u"drop-after"_s, u"delivered"_s);
        QCOMPARE(bob->waitForType(u"message"_s)
                     .value("message"_L1)
                     .toObject()
                     .value("seq"_L1)
                     .toInteger(),
                 6);
    }

    void faultDelay()
    {
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s);
        const QString cid = convId(createDirect(alice, bob->userId()));
        ctl({{"type"_L1, u"admin_fault"_s}, {"user_id"_L1, bob->userId()}, {"delay_ms"_L1, 1500}});
        sendMsg(alice, cid, u"slow-1"_s, u"slow"_s);
        bob->sendJson({{"type"_L1, u"ping"_s}, {"id"_L1, u"pp"_s}, {"ts"_L1, 1}});
        // Not before the delay (a lower bound, not a speed assertion) ...
        QTest::qWait(500);
        QCOMPARE(bob->count(u"message"_s), 0);
        QCOMPARE(bob->count(u"pong"_s), 0);
        // ... but in order afterwards.
        QTRY_COMPARE_WITH_TIMEOUT(bob->count(u"pong"_s), 1, 20000);
        QCOMPARE(bob->count(u"message"_s), 1);
        ctl({{"type"_L1, u"admin_fault"_s}});
    }

    void faultCloseAfterFrames()
    {
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s);
        const QString cid = convId(createDirect(alice, bob->userId()));
        ctl({{"type"_L1, u"admin_fault"_s},
             {"user_id"_L1, bob->userId()},
             {"close_after_frames"_L1, 2}});
        bob->clearFrames();
        for (int i = 1; i <= 4; ++i)
            sendMsg(alice, cid, u"caf-%1"_s.arg(i), u"m"_s);
        QVERIFY(bob->waitClosed());
        QCOMPARE(bob->closeReason(), QString()); // aborted, no close frame
        QCOMPARE(bob->count(u"message"_s), 2);
        QVERIFY(alice->isOpen());
        ctl({{"type"_L1, u"admin_fault"_s}, {"user_id"_L1, bob->userId()}}); // clears bob's fault
        QCOMPARE(ctl({{"type"_L1, u"admin_fault"_s}})
                     .value("faults"_L1)
                     .toObject()
                     .value("users"_L1)
                     .toObject()
                     .size(),
                 0);
    }

    void statsAndPushes()
    {
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s);
        sendMsg(alice, convId(createDirect(alice, bob->userId())), u"st-1"_s, u"counted"_s);
        const QJsonObject s = ctl({{"type"_L1, u"admin_stats"_s}});
        QCOMPARE(typeOf(s), u"ok"_s);
        for (const char *k : {"connections", "users_online", "messages_stored", "frames_in",
                              "frames_out", "users", "conversations"})
            QVERIFY2(s.contains(QLatin1StringView(k)), k);
        QVERIFY(s.value("messages_stored"_L1).toInteger() >= 1);
        QVERIFY(s.value("messages_acked"_L1).toInteger() >= 1);
        QVERIFY(s.value("connections"_L1).toInt() >= 3);
        QVERIFY(s.value("user_connections"_L1).toInt() >= 2);
        QVERIFY(s.value("users_online"_L1).toInt() >= 2);
        QVERIFY(s.value("frames_in"_L1).toInteger() >= 5);
        QVERIFY(s.value("admin_connections"_L1).toInt() >= 1);
        // Group commit counters: every committed write job ran in some transaction.
        QVERIFY(s.value("write_transactions"_L1).toInteger() > 0);
        QVERIFY(s.value("write_jobs"_L1).toInteger()
                >= s.value("write_transactions"_L1).toInteger());
        const QString bobName = bob->frames(u"auth_ok"_s)
                                    .value(0)
                                    .value("user"_L1)
                                    .toObject()
                                    .value("username"_L1)
                                    .toString();
        const QJsonObject p = ctl({{"type"_L1, u"admin_pushes"_s}, {"user_id"_L1, bobName}});
        QCOMPARE(typeOf(p), u"ok"_s);
        QVERIFY(p.value("pushes"_L1).isArray());
        QCOMPARE(codeOf(ctl({{"type"_L1, u"admin_pushes"_s}, {"user_id"_L1, u"ghost-user"_s}})),
                 u"not_found"_s);
    }

    void cleanupTestCase() { fx.reset(); }
};

QTEST_GUILESS_MAIN(TstAdmin)
#include "tst_admin.moc"
