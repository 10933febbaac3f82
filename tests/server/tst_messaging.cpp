// Messaging against an in-process server: send/ack/push, idempotency, ordering, history,
// sync, receipts, typing, conversations, and storage failure (never a false ack).
#include "helpers.h"
#include "serverfixture.h"

#include <QTest>

using chat::server::ServerConfig;

class TstMessaging : public QObject
{
    Q_OBJECT
    ServerFixture fx;

private Q_SLOTS:
    void initTestCase()
    {
        ServerConfig cfg;
        cfg.rateLimit = 0; // ordering tests pipeline hundreds of sends
        QVERIFY(fx.start(cfg));
    }

    void sendAckAndPushToEveryConnection()
    {
        TestClient *alice = fx.user(u"alice"_s);
        TestClient *alice2 = fx.sameUser(alice);
        TestClient *bob = fx.user(u"bob"_s);
        const QJsonObject conv = createDirect(alice, bob->userId());
        QCOMPARE(typeOf(conv), u"conversation"_s);
        const QString cid = convId(conv);
        QVERIFY(bob->waitFor([&](const QJsonObject &f) {
                       return typeOf(f) == "conversation"_L1 && convId(f) == cid;
                   })
                    .size()
                > 0);

        const QJsonObject ack = sendMsg(alice, cid, u"m-1"_s, u"hello bob"_s);
        QCOMPARE(typeOf(ack), u"ack"_s);
        QCOMPARE(ack.value("seq"_L1).toInteger(), 1);
        QCOMPARE(ack.value("client_msg_id"_L1).toString(), u"m-1"_s);
        QCOMPARE(ack.value("conversation_id"_L1).toString(), cid);
        QVERIFY(!ack.value("message_id"_L1).toString().isEmpty());
        QVERIFY(!ack.contains("duplicate"_L1));

        for (TestClient *c : {bob, alice2}) {
            const QJsonObject push = c->waitForType(u"message"_s);
            const QJsonObject m = push.value("message"_L1).toObject();
            QCOMPARE(m.value("seq"_L1).toInteger(), 1);
            QCOMPARE(m.value("content"_L1).toString(), u"hello bob"_s);
            QCOMPARE(m.value("sender_id"_L1).toString(), alice->userId());
            QCOMPARE(m.value("message_id"_L1).toString(), ack.value("message_id"_L1).toString());
            QCOMPARE(m.value("kind"_L1).toString(), u"text"_s);
            QVERIFY(!push.contains("id"_L1));
        }
        // The sending connection has its ack, not a second copy.
        QTest::qWait(200);
        QCOMPARE(alice->count(u"message"_s), 0);
    }

    void idempotentSendAlsoAcrossReconnect()
    {
        TestClient *alice = fx.user(u"alice"_s);
        TestClient *bob = fx.user(u"bob"_s);
        const QString cid = convId(createDirect(alice, bob->userId()));
        const QJsonObject first = sendMsg(alice, cid, u"dup-1"_s, u"once"_s);
        QCOMPARE(first.value("seq"_L1).toInteger(), 1);
        const QJsonObject second = sendMsg(alice, cid, u"dup-1"_s, u"once"_s);
        QCOMPARE(typeOf(second), u"ack"_s);
        QCOMPARE(second.value("duplicate"_L1).toBool(), true);
        QCOMPARE(second.value("seq"_L1).toInteger(), 1);
        QCOMPARE(second.value("message_id"_L1), first.value("message_id"_L1));

        // Reconnect with the token and retry again.
        const QString token = alice->token();
        alice->socket().close();
        QVERIFY(alice->waitClosed());
        TestClient *again = fx.connect();
        QCOMPARE(typeOf(again->auth(token)), u"auth_ok"_s);
        const QJsonObject third = sendMsg(again, cid, u"dup-1"_s, u"once"_s);
        QCOMPARE(third.value("duplicate"_L1).toBool(), true);
        QCOMPARE(third.value("seq"_L1).toInteger(), 1);

        QTest::qWait(300);
        QCOMPARE(bob->count(u"message"_s), 1); // routed once
        const QJsonObject h = history(bob, cid);
        QCOMPARE(h.value("messages"_L1).toArray().size(), 1); // stored once
        // The next new message follows without a gap.
        QCOMPARE(sendMsg(again, cid, u"dup-2"_s, u"next"_s).value("seq"_L1).toInteger(), 2);
    }

    void pipelinedSendsKeepOrder()
    {
        TestClient *alice = fx.user(u"alice"_s);
        TestClient *bob = fx.user(u"bob"_s);
        const QString cid = convId(createDirect(alice, bob->userId()));
        const int n = 200;
        for (int i = 0; i < n; ++i)
            alice->sendJson({{"type"_L1, u"send"_s},
                             {"id"_L1, u"p%1"_s.arg(i)},
                             {"conversation_id"_L1, cid},
                             {"client_msg_id"_L1, u"pipe-%1"_s.arg(i)},
                             {"content"_L1, u"msg %1"_s.arg(i)}});
        QTRY_COMPARE_WITH_TIMEOUT(alice->count(u"ack"_s), n, 30000);
        const auto acks = alice->frames(u"ack"_s);
        for (int i = 0; i < n; ++i) {
            QCOMPARE(acks.at(i).value("id"_L1).toString(), u"p%1"_s.arg(i));
            QCOMPARE(acks.at(i).value("seq"_L1).toInteger(), i + 1);
        }
        QTRY_COMPARE_WITH_TIMEOUT(bob->count(u"message"_s), n, 30000);
        const auto msgs = bob->frames(u"message"_s);
        for (int i = 0; i < n; ++i) {
            const QJsonObject m = msgs.at(i).value("message"_L1).toObject();
            QCOMPARE(m.value("seq"_L1).toInteger(), i + 1);
            QCOMPARE(m.value("content"_L1).toString(), u"msg %1"_s.arg(i));
        }
    }

    void concurrentSendersGetGaplessSeq()
    {
        TestClient *a = fx.user(u"a"_s), *b = fx.user(u"b"_s), *c = fx.user(u"c"_s);
        const QJsonObject g = createGroup(a, u"busy"_s, {b->userId(), c->userId()});
        QVERIFY2(typeOf(g) == "conversation"_L1, QJsonDocument(g).toJson().constData());
        const QString cid = convId(g);
        QVERIFY(c->waitForType(u"conversation"_s).size() > 0);
        const int per = 60;
        for (int i = 0; i < per; ++i)
            for (TestClient *s : {a, b, c})
                s->sendJson({{"type"_L1, u"send"_s},
                             {"id"_L1, u"x%1"_s.arg(i)},
                             {"conversation_id"_L1, cid},
                             {"client_msg_id"_L1, u"cc-%1"_s.arg(i)},
                             {"content"_L1, u"%1"_s.arg(i)}});
        for (TestClient *s : {a, b, c})
            QTRY_COMPARE_WITH_TIMEOUT(s->count(u"ack"_s), per, 30000);
        QList<qint64> all;
        for (TestClient *s : {a, b, c}) {
            qint64 prev = 0;
            for (const QJsonObject &ack : s->frames(u"ack"_s)) {
                const qint64 seq = ack.value("seq"_L1).toInteger();
                QVERIFY(seq > prev); // each connection's sends in its own order
                prev = seq;
                all.append(seq);
            }
        }
        std::sort(all.begin(), all.end());
        for (int i = 0; i < all.size(); ++i)
            QCOMPARE(all.at(i), i + 1);
    }

    void historyPaging()
    {
        TestClient *alice = fx.user(u"alice"_s);
        TestClient *bob = fx.user(u"bob"_s);
        const QString cid = convId(createDirect(alice, bob->userId()));
        for (int i = 1; i <= 30; ++i)
            QCOMPARE(
                sendMsg(alice, cid, u"h-%1"_s.arg(i), u"m%1"_s.arg(i)).value("seq"_L1).toInteger(),
                i);

        QJsonObject h = history(bob, cid, {{"limit"_L1, 10}});
        QCOMPARE(typeOf(h), u"history"_s);
        QCOMPARE(h.value("conversation_id"_L1).toString(), cid);
        QCOMPARE(seqsOf(h.value("messages"_L1).toArray()),
                 (QList<qint64>{21, 22, 23, 24, 25, 26, 27, 28, 29, 30}));
        QCOMPARE(h.value("has_more"_L1).toBool(), true);

        h = history(bob, cid, {{"before_seq"_L1, 5}, {"limit"_L1, 10}});
        QCOMPARE(seqsOf(h.value("messages"_L1).toArray()), (QList<qint64>{1, 2, 3, 4}));
        QCOMPARE(h.value("has_more"_L1).toBool(), false);

        h = history(bob, cid, {{"before_seq"_L1, 21}, {"limit"_L1, 3}});
        QCOMPARE(seqsOf(h.value("messages"_L1).toArray()), (QList<qint64>{18, 19, 20}));
        QCOMPARE(h.value("has_more"_L1).toBool(), true);

        h = history(bob, cid, {{"after_seq"_L1, 10}, {"limit"_L1, 5}});
        QCOMPARE(seqsOf(h.value("messages"_L1).toArray()), (QList<qint64>{11, 12, 13, 14, 15}));
        QCOMPARE(h.value("has_more"_L1).toBool(), true);

        h = history(bob, cid, {{"after_seq"_L1, 25}, {"limit"_L1, 50}});
        QCOMPARE(seqsOf(h.value("messages"_L1).toArray()), (QList<qint64>{26, 27, 28, 29, 30}));
        QCOMPARE(h.value("has_more"_L1).toBool(), false);

        h = history(bob, cid); // default limit 50: all 30
        QCOMPARE(h.value("messages"_L1).toArray().size(), 30);

        // Out-of-range and contradictory arguments are bad requests naming the field.
        h = history(bob, cid, {{"limit"_L1, 201}});
        QCOMPARE(codeOf(h), u"bad_request"_s);
        QCOMPARE(h.value("field"_L1).toString(), u"limit"_s);
        h = history(bob, cid, {{"before_seq"_L1, 5}, {"after_seq"_L1, 1}});
        QCOMPARE(codeOf(h), u"bad_request"_s);
        h = history(bob, cid, {{"before_seq"_L1, u"5"_s}});
        QCOMPARE(codeOf(h), u"bad_request"_s);
        QCOMPARE(h.value("field"_L1).toString(), u"before_seq"_s);
    }

    void syncPagesMostRecentFirstAndIncremental()
    {
        TestClient *me = fx.user(u"syncer"_s);
        QList<TestClient *> others;
        QStringList convs;
        for (int i = 0; i < 5; ++i) {
            TestClient *o = fx.user(u"peer"_s);
            others.append(o);
            convs.append(convId(createDirect(me, o->userId())));
        }
        // Activity order, newest last: conv 2, 0, 4 get messages after creation.
        for (int i : {2, 0, 4})
            QCOMPARE(
                typeOf(sendMsg(others.at(i), convs.at(i), u"s-%1"_s.arg(i), u"hi %1"_s.arg(i))),
                u"ack"_s);
        // Expected order: 4, 0, 2 (messages, newest first), then 3, 1 (creation, newest first).
        const QStringList expected{convs[4], convs[0], convs[2], convs[3], convs[1]};

        QStringList seen;
        QJsonValue cursor = QJsonValue::Null;
        QString nextSince;
        int pages = 0;
        do {
            const QJsonObject page = syncReq(me, QJsonValue::Null, cursor, 2, 5);
            QCOMPARE(typeOf(page), u"sync"_s);
            ++pages;
            QSet<QString> userIds;
            for (const QJsonValue &u : page.value("users"_L1).toArray())
                userIds.insert(u.toObject().value("user_id"_L1).toString());
            for (const QJsonValue &v : page.value("conversations"_L1).toArray()) {
                const QJsonObject cs = v.toObject();
                const QJsonObject conv = cs.value("conversation"_L1).toObject();
                seen.append(conv.value("conversation_id"_L1).toString());
                for (const QJsonValue &m : conv.value("members"_L1).toArray())
                    QVERIFY(userIds.contains(m.toObject().value("user_id"_L1).toString()));
                for (const QJsonValue &m : cs.value("recent"_L1).toArray())
                    QVERIFY(userIds.contains(m.toObject().value("sender_id"_L1).toString()));
            }
            cursor = page.value("cursor"_L1);
            nextSince = page.value("next_since"_L1).toString();
        } while (!cursor.isNull());
        QCOMPARE(pages, 3);
        QCOMPARE(seen, expected);
        QVERIFY(!nextSince.isEmpty());

        // Nothing changed: an empty incremental sync.
        QJsonObject inc = syncReq(me, nextSince, QJsonValue::Null);
        QCOMPARE(inc.value("conversations"_L1).toArray().size(), 0);
        QVERIFY(inc.value("cursor"_L1).isNull());
        // One new message and one receipt elsewhere: exactly those conversations.
        sendMsg(others.at(1), convs.at(1), u"s-late"_s, u"late"_s);
        others.at(3)->request({{"type"_L1, u"read"_s},
                               {"id"_L1, u"rd"_s},
                               {"conversation_id"_L1, convs.at(3)},
                               {"seq"_L1, 0}});
        inc = syncReq(me, nextSince, QJsonValue::Null);
        const QJsonArray changed = inc.value("conversations"_L1).toArray();
        QCOMPARE(changed.size(), 1);
        const QJsonObject cs = changed.at(0).toObject();
        QCOMPARE(cs.value("conversation"_L1).toObject().value("conversation_id"_L1).toString(),
                 convs.at(1));
        QCOMPARE(cs.value("conversation"_L1).toObject().value("last_seq"_L1).toInteger(), 1);
        QCOMPARE(cs.value("recent"_L1).toArray().size(), 1);
        // A receipt change is a change too.
        const QString since2 = inc.value("next_since"_L1).toString();
        sendMsg(me, convs.at(3), u"s-me"_s, u"me"_s);
        const QString since3 =
            syncReq(me, since2, QJsonValue::Null).value("next_since"_L1).toString();
        others.at(3)->request({{"type"_L1, u"read"_s},
                               {"id"_L1, u"rd2"_s},
                               {"conversation_id"_L1, convs.at(3)},
                               {"seq"_L1, 1}});
        inc = syncReq(me, since3, QJsonValue::Null);
        QCOMPARE(inc.value("conversations"_L1).toArray().size(), 1);
        const QJsonArray members = inc.value("conversations"_L1)
                                       .toArray()
                                       .at(0)
                                       .toObject()
                                       .value("conversation"_L1)
                                       .toObject()
                                       .value("members"_L1)
                                       .toArray();
        bool sawRead = false;
        for (const QJsonValue &m : members)
            if (m.toObject().value("user_id"_L1).toString() == others.at(3)->userId())
                sawRead = m.toObject().value("read_seq"_L1).toInteger() == 1;
        QVERIFY(sawRead);

        // A token from another store (a wiped server) means a full sync.
        const QJsonObject full = syncReq(me, u"someotherepoch.3"_s, QJsonValue::Null, 20, 0);
        QCOMPARE(full.value("conversations"_L1).toArray().size(), 5);
        // Tokens the server did not issue are bad requests.
        QJsonObject bad = syncReq(me, u"garbage"_s, QJsonValue::Null);
        QCOMPARE(codeOf(bad), u"bad_request"_s);
        QCOMPARE(bad.value("field"_L1).toString(), u"since"_s);
        bad = syncReq(me, QJsonValue::Null, u"x.y"_s);
        QCOMPARE(codeOf(bad), u"bad_request"_s);
        QCOMPARE(bad.value("field"_L1).toString(), u"cursor"_s);
    }

    // Regression: a receipt the syncing client sent for a conversation it had not paged yet
    // moved that conversation out of the page set, so a catch-up lost its missed messages
    // (seen as tst_sync_catchup hanging under load).
    void syncPagingSurvivesChangesMeanwhile()
    {
        TestClient *me = fx.user(u"pager"_s);
        QList<TestClient *> others;
        QStringList convs; // oldest activity first
        for (int i = 0; i < 8; ++i) {
            TestClient *o = fx.user(u"pp"_s);
            others.append(o);
            convs.append(convId(createDirect(me, o->userId())));
            QCOMPARE(typeOf(sendMsg(o, convs.last(), u"pp-%1"_s.arg(i), u"m %1"_s.arg(i))),
                     u"ack"_s);
        }
        QHash<QString, qint64> lastSeqSeen;
        QStringList order;
        auto take = [&](const QJsonObject &page) {
            for (const QJsonValue &v : page.value("conversations"_L1).toArray()) {
                const QJsonObject conv = v.toObject().value("conversation"_L1).toObject();
                const QString id = conv.value("conversation_id"_L1).toString();
                order.append(id);
                lastSeqSeen[id] =
                    qMax(lastSeqSeen.value(id), conv.value("last_seq"_L1).toInteger());
            }
        };
        QJsonObject page = syncReq(me, QJsonValue::Null, QJsonValue::Null, 2, 5);
        take(page);
        QCOMPARE(order, (QStringList{convs[7], convs[6]}));
        const QString nextSinceFirst = page.value("next_since"_L1).toString();
        // While paging: the client itself raises a watermark on a conversation not paged yet,
        // someone renames another one (no activity change) and a third gets a new message,
        // which lifts it above the pages still to come.
        QCOMPARE(
            typeOf(me->request(
                {{"type"_L1, u"delivered"_s}, {"conversation_id"_L1, convs[1]}, {"seq"_L1, 1}})),
            u"ok"_s);
        QCOMPARE(typeOf(sendMsg(others[3], convs[3], u"pp-late"_s, u"late"_s)), u"ack"_s);
        QJsonValue cursor = page.value("cursor"_L1);
        int pages = 1;
        while (!cursor.isNull()) {
            page = syncReq(me, QJsonValue::Null, cursor, 2, 5);
            QCOMPARE(typeOf(page), u"sync"_s);
            QCOMPARE(page.value("next_since"_L1).toString(), nextSinceFirst);
            take(page);
            cursor = page.value("cursor"_L1);
            QVERIFY(++pages < 20);
        }
        // Every conversation was listed, newest first within each round...
        QCOMPARE(QSet<QString>(order.begin(), order.end()),
                 QSet<QString>(convs.begin(), convs.end()));
        QCOMPARE(order.mid(0, 8), (QStringList{convs[7], convs[6], convs[5], convs[4], convs[2],
                                               convs[1], convs[0], convs[3]}));
        // ... and the one that rose was listed again with its new message.
        QCOMPARE(lastSeqSeen.value(convs[3]), 2);
        // The next incremental sync starts from the first round's mark: it repeats what
        // changed while paging, never less.
        const QJsonObject inc = syncReq(me, nextSinceFirst, QJsonValue::Null, 20, 0);
        QStringList again;
        for (const QJsonValue &v : inc.value("conversations"_L1).toArray())
            again.append(v.toObject()
                             .value("conversation"_L1)
                             .toObject()
                             .value("conversation_id"_L1)
                             .toString());
        QCOMPARE(again, (QStringList{convs[3], convs[1]}));
        // A cursor cut short or from another server stays a clear bad_request.
        const QJsonObject bad = syncReq(me, QJsonValue::Null, u"x.1.2.3.4.5.6.c_x"_s);
        QCOMPARE(codeOf(bad), u"bad_request"_s);
        QCOMPARE(bad.value("field"_L1).toString(), u"cursor"_s);
    }

    void receiptsAreMonotonicWatermarks()
    {
        TestClient *alice = fx.user(u"alice"_s);
        TestClient *bob = fx.user(u"bob"_s);
        const QString cid = convId(createDirect(alice, bob->userId()));
        for (int i = 1; i <= 5; ++i)
            sendMsg(alice, cid, u"r-%1"_s.arg(i), u"m"_s);
        auto receiptFor = [&](TestClient *c, qint64 d, qint64 r) {
            return c->waitFor([&](const QJsonObject &f) {
                return typeOf(f) == "receipt"_L1
                       && f.value("user_id"_L1).toString() == bob->userId()
                       && f.value("delivered_seq"_L1).toInteger() == d
                       && f.value("read_seq"_L1).toInteger() == r;
            });
        };
        QCOMPARE(typeOf(bob->request(
                     {{"type"_L1, u"delivered"_s}, {"conversation_id"_L1, cid}, {"seq"_L1, 3}})),
                 u"ok"_s);
        QVERIFY(!receiptFor(alice, 3, 0).isEmpty());
        QVERIFY(!receiptFor(bob, 3, 0).isEmpty()); // the member's own connections learn it too
        // Lower is ignored: no new receipt.
        bob->request({{"type"_L1, u"delivered"_s}, {"conversation_id"_L1, cid}, {"seq"_L1, 2}});
        // Read implies delivered.
        bob->request({{"type"_L1, u"read"_s}, {"conversation_id"_L1, cid}, {"seq"_L1, 4}});
        QVERIFY(!receiptFor(alice, 4, 4).isEmpty());
        // Never past last_seq (5).
        bob->request({{"type"_L1, u"read"_s}, {"conversation_id"_L1, cid}, {"seq"_L1, 99}});
        QVERIFY(!receiptFor(alice, 5, 5).isEmpty());
        QTest::qWait(200);
        const auto receipts = alice->frames(u"receipt"_s);
        QCOMPARE(receipts.size(), 3); // 3/0, 4/4, 5/5 — the ignored one sent nothing
        // Without an id the frame is fire-and-forget: no answer, but the receipt flows.
        TestClient *carol = fx.user(u"carol"_s);
        const QString g = convId(createGroup(alice, u"g"_s, {bob->userId(), carol->userId()}));
        sendMsg(alice, g, u"g-1"_s, u"x"_s);
        carol->sendJson({{"type"_L1, u"read"_s}, {"conversation_id"_L1, g}, {"seq"_L1, 1}});
        QVERIFY(!alice
                     ->waitFor([&](const QJsonObject &f) {
                         return typeOf(f) == "receipt"_L1
                                && f.value("user_id"_L1).toString() == carol->userId();
                     })
                     .isEmpty());
        // The watermarks are in the conversation state.
        const QJsonObject page = syncReq(alice, QJsonValue::Null, QJsonValue::Null);
        bool found = false;
        for (const QJsonValue &v : page.value("conversations"_L1).toArray()) {
            const QJsonObject conv = v.toObject().value("conversation"_L1).toObject();
            if (conv.value("conversation_id"_L1).toString() != cid)
                continue;
            for (const QJsonValue &m : conv.value("members"_L1).toArray())
                if (m.toObject().value("user_id"_L1).toString() == bob->userId()) {
                    QCOMPARE(m.toObject().value("delivered_seq"_L1).toInteger(), 5);
                    QCOMPARE(m.toObject().value("read_seq"_L1).toInteger(), 5);
                    found = true;
                }
        }
        QVERIFY(found);
    }

    // Additions in docs/PROTOCOL.md, "sending reads": a sender's watermarks become the seq of
    // their own message, in the same transaction; nobody else's move.
    void sendingRaisesTheSendersWatermarks()
    {
        TestClient *alice = fx.user(u"alice"_s);
        TestClient *bob = fx.user(u"bob"_s);
        TestClient *carol = fx.user(u"carol"_s);
        const QString g = convId(createGroup(alice, u"reads"_s, {bob->userId(), carol->userId()}));
        sendMsg(alice, g, u"sr-1"_s, u"one"_s);
        sendMsg(alice, g, u"sr-2"_s, u"two"_s);
        sendMsg(bob, g, u"sr-3"_s, u"reply"_s);
        auto watermarks = [&](TestClient *as) {
            QHash<QString, QPair<qint64, qint64>> out;
            const QJsonObject page = syncReq(as, QJsonValue::Null, QJsonValue::Null);
            for (const QJsonValue &v : page.value("conversations"_L1).toArray()) {
                const QJsonObject conv = v.toObject().value("conversation"_L1).toObject();
                if (conv.value("conversation_id"_L1).toString() != g)
                    continue;
                for (const QJsonValue &m : conv.value("members"_L1).toArray())
                    out.insert(m.toObject().value("user_id"_L1).toString(),
                               {m.toObject().value("delivered_seq"_L1).toInteger(),
                                m.toObject().value("read_seq"_L1).toInteger()});
            }
            return out;
        };
        const auto w = watermarks(carol);
        QCOMPARE(w.value(alice->userId()), (QPair<qint64, qint64>{2, 2}));
        QCOMPARE(w.value(bob->userId()), (QPair<qint64, qint64>{3, 3}));
        QCOMPARE(w.value(carol->userId()), (QPair<qint64, qint64>{0, 0}));
        // Still monotonic: a later lower read from bob changes nothing.
        QCOMPARE(typeOf(bob->request(
                     {{"type"_L1, u"read"_s}, {"conversation_id"_L1, g}, {"seq"_L1, 1}})),
                 u"ok"_s);
        QCOMPARE(watermarks(alice).value(bob->userId()), (QPair<qint64, qint64>{3, 3}));
    }

    void typingRelayedNotEchoedNotStored()
    {
        TestClient *alice = fx.user(u"alice"_s);
        TestClient *alice2 = fx.sameUser(alice);
        TestClient *bob = fx.user(u"bob"_s);
        const QString cid = convId(createDirect(alice, bob->userId()));
        alice->sendJson(
            {{"type"_L1, u"typing"_s}, {"conversation_id"_L1, cid}, {"active"_L1, true}});
        const QJsonObject t = bob->waitForType(u"typing"_s);
        QCOMPARE(t.value("user_id"_L1).toString(), alice->userId());
        QCOMPARE(t.value("conversation_id"_L1).toString(), cid);
        QCOMPARE(t.value("active"_L1).toBool(), true);
        QTest::qWait(300);
        QCOMPARE(alice->count(u"typing"_s), 0);
        QCOMPARE(alice2->count(u"typing"_s), 0);
        QCOMPARE(history(bob, cid).value("messages"_L1).toArray().size(), 0);
        const QJsonObject page = syncReq(bob, QJsonValue::Null, QJsonValue::Null);
        for (const QJsonValue &v : page.value("conversations"_L1).toArray())
            if (v.toObject()
                    .value("conversation"_L1)
                    .toObject()
                    .value("conversation_id"_L1)
                    .toString()
                == cid)
                QCOMPARE(v.toObject()
                             .value("conversation"_L1)
                             .toObject()
                             .value("last_seq"_L1)
                             .toInteger(),
                         0);
    }

    void conversationsAndMembership()
    {
        TestClient *alice = fx.user(u"alice"_s), *bob = fx.user(u"bob"_s),
                   *carol = fx.user(u"carol"_s);
        // Direct is unique, from either side.
        const QString d1 = convId(createDirect(alice, bob->userId()));
        QCOMPARE(convId(createDirect(alice, bob->userId())), d1);
        QCOMPARE(convId(createDirect(bob, alice->userId())), d1);
        // Direct with oneself or an unknown user.
        QCOMPARE(codeOf(createDirect(alice, alice->userId())), u"bad_request"_s);
        const QJsonObject nf = createDirect(alice, u"u_doesnotexist"_s);
        QCOMPARE(codeOf(nf), u"not_found"_s);
        QCOMPARE(nf.value("field"_L1).toString(), u"members[0]"_s);

        const QJsonObject g = createGroup(alice, u"Team"_s, {bob->userId()});
        const QJsonObject conv = g.value("conversation"_L1).toObject();
        QCOMPARE(conv.value("kind"_L1).toString(), u"group"_s);
        QCOMPARE(conv.value("title"_L1).toString(), u"Team"_s);
        const QString gid = convId(g);
        for (const QJsonValue &m : conv.value("members"_L1).toArray())
            QCOMPARE(m.toObject().value("role"_L1).toString(),
                     m.toObject().value("user_id"_L1).toString() == alice->userId() ? u"admin"_s
                                                                                    : u"member"_s);
        QVERIFY(!bob->waitFor([&](const QJsonObject &f) {
                        return typeOf(f) == "conversation"_L1 && convId(f) == gid;
                    })
                     .isEmpty());

        // add_members: every member, the new one included, gets the conversation.
        const QJsonObject added = bob->request({{"type"_L1, u"add_members"_s},
                                                {"conversation_id"_L1, gid},
                                                {"user_ids"_L1, QJsonArray{carol->userId()}}});
        QCOMPARE(typeOf(added), u"conversation"_s);
        QCOMPARE(added.value("conversation"_L1).toObject().value("members"_L1).toArray().size(), 3);
        QVERIFY(!carol
                     ->waitFor([&](const QJsonObject &f) {
                         return typeOf(f) == "conversation"_L1 && convId(f) == gid;
                     })
                     .isEmpty());
        QVERIFY(!alice
                     ->waitFor([&](const QJsonObject &f) {
                         return typeOf(f) == "conversation"_L1 && convId(f) == gid
                                && f.value("conversation"_L1)
                                           .toObject()
                                           .value("members"_L1)
                                           .toArray()
                                           .size()
                                       == 3;
                     })
                     .isEmpty());
        QCOMPARE(codeOf(alice->request({{"type"_L1, u"add_members"_s},
                                        {"conversation_id"_L1, d1},
                                        {"user_ids"_L1, QJsonArray{carol->userId()}}})),
                 u"bad_request"_s);
        const QJsonObject nf2 = alice->request({{"type"_L1, u"add_members"_s},
                                                {"conversation_id"_L1, gid},
                                                {"user_ids"_L1, QJsonArray{u"u_nobody"_s}}});
        QCOMPARE(codeOf(nf2), u"not_found"_s);
        QCOMPARE(nf2.value("field"_L1).toString(), u"user_ids[0]"_s);

        // leave: the leaver gets it once more, without themselves; then sees nothing.
        sendMsg(alice, gid, u"before-leave"_s, u"visible"_s);
        const QString sinceBeforeLeave =
            syncReq(carol, QJsonValue::Null, QJsonValue::Null).value("next_since"_L1).toString();
        carol->clearFrames();
        const QJsonObject left =
            carol->request({{"type"_L1, u"leave"_s}, {"conversation_id"_L1, gid}});
        QCOMPARE(typeOf(left), u"conversation"_s);
        for (const QJsonValue &m :
             left.value("conversation"_L1).toObject().value("members"_L1).toArray())
            QVERIFY(m.toObject().value("user_id"_L1).toString() != carol->userId());
        QVERIFY(!alice
                     ->waitFor([&](const QJsonObject &f) {
                         return typeOf(f) == "conversation"_L1 && convId(f) == gid
                                && f.value("conversation"_L1)
                                           .toObject()
                                           .value("members"_L1)
                                           .toArray()
                                           .size()
                                       == 2;
                     })
                     .isEmpty());
        // Sync: the left group is listed once more, without carol and without messages...
        const QJsonObject afterLeave = syncReq(carol, sinceBeforeLeave, QJsonValue::Null);
        QCOMPARE(afterLeave.value("conversations"_L1).toArray().size(), 1);
        const QJsonObject leftState =
            afterLeave.value("conversations"_L1).toArray().at(0).toObject();
        QCOMPARE(
            leftState.value("conversation"_L1).toObject().value("conversation_id"_L1).toString(),
            gid);
        for (const QJsonValue &m :
             leftState.value("conversation"_L1).toObject().value("members"_L1).toArray())
            QVERIFY(m.toObject().value("user_id"_L1).toString() != carol->userId());
        QCOMPARE(leftState.value("recent"_L1).toArray().size(), 0);
        // ... and a full sync does not list it at all.
        for (const QJsonValue &v :
             syncReq(carol, QJsonValue::Null, QJsonValue::Null).value("conversations"_L1).toArray())
            QVERIFY(v.toObject()
                        .value("conversation"_L1)
                        .toObject()
                        .value("conversation_id"_L1)
                        .toString()
                    != gid);
        sendMsg(alice, gid, u"after-leave"_s, u"secret"_s);
        QTest::qWait(300);
        QCOMPARE(carol->count(u"message"_s), 0);
        QCOMPARE(codeOf(history(carol, gid)), u"forbidden"_s);
        QCOMPARE(codeOf(carol->request({{"type"_L1, u"leave"_s}, {"conversation_id"_L1, d1}})),
                 u"forbidden"_s);
        QCOMPARE(codeOf(alice->request({{"type"_L1, u"leave"_s}, {"conversation_id"_L1, d1}})),
                 u"bad_request"_s);

        // users search
        const QJsonObject users =
            alice->request({{"type"_L1, u"users"_s}, {"query"_L1, u"caro"_s}, {"limit"_L1, 100}});
        QCOMPARE(typeOf(users), u"users"_s);
        bool sawCarol = false;
        for (const QJsonValue &u : users.value("users"_L1).toArray()) {
            QVERIFY(u.toObject().value("username"_L1).toString().contains(u"caro"_s));
            QVERIFY(!u.toObject().contains("password"_L1));
            sawCarol |= u.toObject().value("user_id"_L1).toString() == carol->userId();
        }
        QVERIFY(sawCarol);
        QCOMPARE(alice->request({{"type"_L1, u"users"_s}, {"query"_L1, u"%"_s}})
                     .value("users"_L1)
                     .toArray()
                     .size(),
                 0);
    }

    void storageFailureIsUnavailableNeverAFalseAck()
    {
        TestClient *alice = fx.user(u"alice"_s);
        TestClient *bob = fx.user(u"bob"_s);
        const QString cid = convId(createDirect(alice, bob->userId()));
        fx.server->failNextCommits(1);
        const QJsonObject failed = sendMsg(alice, cid, u"sf-1"_s, u"lost?"_s);
        QCOMPARE(typeOf(failed), u"error"_s);
        QCOMPARE(codeOf(failed), u"unavailable"_s);
        QTest::qWait(200);
        QCOMPARE(bob->count(u"message"_s), 0);
        QCOMPARE(history(bob, cid).value("messages"_L1).toArray().size(), 0);
        // The retry (same client_msg_id) is stored as new, with seq 1: nothing half-written.
        const QJsonObject ok = sendMsg(alice, cid, u"sf-1"_s, u"lost?"_s);
        QCOMPARE(typeOf(ok), u"ack"_s);
        QVERIFY(!ok.contains("duplicate"_L1));
        QCOMPARE(ok.value("seq"_L1).toInteger(), 1);
    }

    void cleanupTestCase() { fx.reset(); }
};

QTEST_GUILESS_MAIN(TstMessaging)
#include "tst_messaging.moc"
